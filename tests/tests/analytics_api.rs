//! Analytics served by the real runtime: anomalies (who sees which, the lifecycle, comments,
//! feedback that tunes rules, live fan-out) and telemetry scored as it arrives from telematics
//! units (validation, device scoping, dedup inside the cooldown).

mod support;

use forecourt_domain::identity::Role;
use reqwest::blocking::Response;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{connect_as, mint_token, next_of_type, Api, Check, Socket};

const CHECKS: &[(&str, Check)] = &[
    ("managers_see_only_their_locations_anomalies", managers_see_only_their_locations_anomalies),
    ("people_who_do_not_manage_are_refused_anomalies", people_who_do_not_manage_are_refused_anomalies),
    ("anomaly_lists_filter_and_refuse_bad_filters", anomaly_lists_filter_and_refuse_bad_filters),
    ("an_anomaly_shows_its_history_and_comments", an_anomaly_shows_its_history_and_comments),
    ("a_legal_transition_is_recorded_audited_and_pushed_live", a_legal_transition_is_recorded_audited_and_pushed_live),
    ("illegal_or_malformed_transitions_are_refused", illegal_or_malformed_transitions_are_refused),
    ("a_stale_version_is_a_conflict", a_stale_version_is_a_conflict),
    ("others_cannot_move_an_anomaly", others_cannot_move_an_anomaly),
    ("comments_are_validated_audited_and_applied_once", comments_are_validated_audited_and_applied_once),
    ("verdicts_are_stored_and_tune_the_rule", verdicts_are_stored_and_tune_the_rule),
    (
        "telemetry_is_scored_on_arrival_and_raises_a_live_anomaly",
        telemetry_is_scored_on_arrival_and_raises_a_live_anomaly,
    ),
    ("implausible_telemetry_is_refused_field_by_field", implausible_telemetry_is_refused_field_by_field),
    ("only_a_units_own_token_may_send_its_telemetry", only_a_units_own_token_may_send_its_telemetry),
    ("a_forecast_is_computed_once_then_served_from_storage", a_forecast_is_computed_once_then_served_from_storage),
    (
        "forecast_requests_are_validated_and_limited_to_managers",
        forecast_requests_are_validated_and_limited_to_managers,
    ),
    ("a_burst_of_recomputes_runs_once_and_is_pushed_live", a_burst_of_recomputes_runs_once_and_is_pushed_live),
    (
        "maintenance_is_predicted_for_the_owner_and_service_staff",
        maintenance_is_predicted_for_the_owner_and_service_staff,
    ),
    ("staff_rate_predictions_they_can_see", staff_rate_predictions_they_can_see),
    ("a_dashboard_is_cached_and_retired_by_changes", a_dashboard_is_cached_and_retired_by_changes),
    // Last: the scan it triggers may raise anomalies at North after it returns.
    ("a_burst_of_scan_requests_runs_one_scan", a_burst_of_scan_requests_runs_one_scan),
];

fn main() {
    support::run_checks("it-analytics", CHECKS)
}

/// The demo telematics units (xtask/src/demo/analytics.rs).
const ALEX_UNIT: &str = "fcd_demo-telematics-alex-a4";
const SAM_UNIT: &str = "fcd_demo-telematics-sam-tiguan";
const RETIRED_UNIT: &str = "fcd_demo-telematics-retired-golf";

fn admin() -> String {
    mint_token("usr-admin", Role::Admin, &[], None)
}

fn manager_north() -> String {
    mint_token("usr-manager-north", Role::Manager, &["loc-north"], None)
}

fn manager_south() -> String {
    mint_token("usr-manager-south", Role::Manager, &["loc-south"], None)
}

fn others() -> Vec<(&'static str, String)> {
    vec![
        ("sales", mint_token("usr-sales-north", Role::Sales, &["loc-north"], None)),
        ("advisor", mint_token("usr-advisor-north", Role::Advisor, &["loc-north"], None)),
        ("technician", mint_token("usr-tech-north", Role::Technician, &["loc-north"], None)),
        ("customer", mint_token("usr-customer-alex", Role::Customer, &[], Some("cus-00001"))),
    ]
}

fn get(api: &Api, token: &str, path: &str) -> Response {
    api.client.get(format!("{}{path}", api.base)).bearer_auth(token).send().expect("the edge answers")
}

fn get_json(api: &Api, token: &str, path: &str) -> Value {
    let response = get(api, token, path);
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().expect("JSON")
}

fn post(api: &Api, token: &str, path: &str, body: &Value, key: Option<&str>) -> Response {
    let mut request = api.client.post(format!("{}{path}", api.base)).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().expect("the edge answers")
}

fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    response.json().expect("problem body")
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn join(api: &Api, room: &str, token: &str) -> Socket {
    let mut socket = connect_as(&api.ws_url(&format!("/api/rooms/{room}")), token).expect("joins the room");
    assert_eq!(support::next_json(&mut socket)["type"], "welcome");
    socket
}

fn next_event(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let message = next_of_type(socket, "event");
        if message["event"]["kind"] == kind {
            return message["event"].clone();
        }
    }
}

fn managers_see_only_their_locations_anomalies(api: &Api) {
    let north = items(&get_json(api, &manager_north(), "/api/anomalies?limit=100"));
    assert!(north.len() >= 3);
    assert!(north.iter().all(|a| a["location_id"] == "loc-north"), "{north:?}");
    let everything = items(&get_json(api, &admin(), "/api/anomalies?limit=100"));
    for location in ["loc-north", "loc-south", "loc-city"] {
        assert!(everything.iter().any(|a| a["location_id"] == location), "admin sees {location}");
    }
    // Another location's anomaly is not even there for this manager.
    assert_eq!(get(api, &manager_north(), "/api/anomalies/an-0002").status(), 404);
    assert_eq!(get(api, &manager_south(), "/api/anomalies/an-0002").status(), 200);
}

fn people_who_do_not_manage_are_refused_anomalies(api: &Api) {
    for (role, token) in others() {
        assert_eq!(problem(get(api, &token, "/api/anomalies"), 403)["type"], "/docs/problems#forbidden", "{role}");
        assert_eq!(get(api, &token, "/api/anomalies/an-0004").status(), 403, "{role}");
    }
    assert_eq!(api.get("/api/anomalies").status(), 401);
    assert_eq!(get(api, ALEX_UNIT, "/api/anomalies").status(), 403, "devices read nothing here");
}

fn anomaly_lists_filter_and_refuse_bad_filters(api: &Api) {
    let token = admin();
    let high = items(&get_json(api, &token, "/api/anomalies?severity=high&limit=100"));
    assert!(!high.is_empty() && high.iter().all(|a| a["severity"] == "high"));
    let leads = items(&get_json(api, &token, "/api/anomalies?metric=daily_leads&status=detected"));
    assert!(!leads.is_empty() && leads.iter().all(|a| a["metric"] == "daily_leads" && a["status"] == "detected"));
    let first = get_json(api, &token, "/api/anomalies?limit=2");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = items(&get_json(api, &token, &format!("/api/anomalies?limit=2&cursor={cursor}")));
    assert!(second.iter().all(|a| a["id"].as_str() < Some(cursor)));
    for (query, field) in [
        ("severity=urgent", "severity"),
        ("status=closed", "status"),
        ("metric=Daily%20Sales", "metric"),
        ("limit=0", "limit"),
        ("sort=score", "sort"),
    ] {
        let body = problem(get(api, &token, &format!("/api/anomalies?{query}")), 400);
        assert_eq!(body["field"], field, "{query}");
    }
}

fn an_anomaly_shows_its_history_and_comments(api: &Api) {
    let detail = get_json(api, &admin(), "/api/anomalies/an-0001");
    assert_eq!(detail["status"], "acknowledged");
    let history = detail["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["to_status"], "acknowledged");
    assert!(detail["comments"].is_array());
    assert_eq!(get(api, &admin(), "/api/anomalies/an-9999").status(), 404);
}

fn a_legal_transition_is_recorded_audited_and_pushed_live(api: &Api) {
    let mut feed = join(api, "anomalies:medium", &manager_north());
    let mut own_room = join(api, "anomaly:an-0004", &manager_north());
    let response = post(
        api,
        &admin(),
        "/api/anomalies/an-0004/transitions",
        &json!({"to": "acknowledged", "assignee_id": "usr-manager-north", "note": "looking at the stock list", "expected_version": 1}),
        None,
    );
    assert_eq!(response.status(), 200);
    let after: Value = response.json().expect("detail");
    assert_eq!((after["status"].as_str(), after["version"].as_i64()), (Some("acknowledged"), Some(2)));
    assert_eq!(after["assignee_id"], "usr-manager-north");
    let last = after["history"].as_array().and_then(|h| h.last().cloned()).expect("history");
    assert_eq!((last["from_status"].as_str(), last["actor_id"].as_str()), (Some("detected"), Some("usr-admin")));
    assert_eq!(last["note"], "looking at the stock list");

    for socket in [&mut feed, &mut own_room] {
        let event = next_event(socket, "anomaly_updated");
        assert_eq!((event["anomaly_id"].as_str(), event["status"].as_str()), (Some("an-0004"), Some("acknowledged")));
    }
    let audit = get_json(api, &admin(), "/api/audit?entity=anomaly&entity_id=an-0004");
    let entry = audit["items"].as_array().and_then(|e| e.last().cloned()).unwrap_or_else(|| audit.clone());
    assert!(audit.to_string().contains("anomaly.transition"), "{entry}");

    // The manager carries on with it: in progress, then resolved.
    let token = manager_north();
    let moved = post(api, &token, "/api/anomalies/an-0004/transitions", &json!({"to": "in_progress"}), None);
    assert_eq!(moved.status(), 200);
    let resolved = post(api, &token, "/api/anomalies/an-0004/transitions", &json!({"to": "resolved"}), None);
    let resolved: Value = resolved.json().expect("detail");
    assert_eq!((resolved["status"].as_str(), resolved["version"].as_i64()), (Some("resolved"), Some(4)));
}

fn illegal_or_malformed_transitions_are_refused(api: &Api) {
    let token = manager_north();
    let path = "/api/anomalies/an-0003/transitions";
    // an-0003 is resolved: closed states are final.
    assert_eq!(problem(post(api, &token, path, &json!({"to": "in_progress"}), None), 400)["field"], "to");
    let path = "/api/anomalies/an-0005/transitions";
    assert_eq!(problem(post(api, &token, path, &json!({"to": "detected"}), None), 400)["field"], "to");
    assert_eq!(problem(post(api, &token, path, &json!({"to": "closed"}), None), 400)["field"], "to");
    assert_eq!(
        problem(post(api, &token, path, &json!({"to": "acknowledged", "colour": "red"}), None), 400)["field"],
        "colour"
    );
    let long = "x".repeat(2_001);
    assert_eq!(
        problem(post(api, &token, path, &json!({"to": "acknowledged", "note": long}), None), 400)["field"],
        "note"
    );
    // Only a manager of the anomaly's own location (or an admin) can be given it.
    for assignee in ["usr-manager-south", "usr-sales-north", "usr-nobody"] {
        let body = json!({"to": "acknowledged", "assignee_id": assignee});
        assert_eq!(problem(post(api, &token, path, &body, None), 400)["field"], "assignee_id", "{assignee}");
    }
    assert_eq!(get_json(api, &token, "/api/anomalies/an-0005")["version"], 1, "nothing changed");
}

fn a_stale_version_is_a_conflict(api: &Api) {
    let token = manager_north();
    let body = json!({"to": "acknowledged", "expected_version": 7});
    let conflict = problem(post(api, &token, "/api/anomalies/an-0005/transitions", &body, None), 409);
    assert_eq!(conflict["current"]["version"], 1, "{conflict}");
}

fn others_cannot_move_an_anomaly(api: &Api) {
    let body = json!({"to": "acknowledged"});
    assert_eq!(post(api, &manager_south(), "/api/anomalies/an-0005/transitions", &body, None).status(), 404);
    for (role, token) in others() {
        assert_eq!(post(api, &token, "/api/anomalies/an-0005/transitions", &body, None).status(), 403, "{role}");
        let comment = json!({"body": "hello"});
        assert_eq!(post(api, &token, "/api/anomalies/an-0005/comments", &comment, None).status(), 403, "{role}");
    }
    assert_eq!(get_json(api, &admin(), "/api/anomalies/an-0005")["status"], "detected");
}

fn comments_are_validated_audited_and_applied_once(api: &Api) {
    let token = manager_north();
    let path = "/api/anomalies/an-0005/comments";
    let body = json!({"body": "Marketplace feed checked: duplicates again"});
    let first = post(api, &token, path, &body, Some("comment-an-0005-1"));
    assert_eq!(first.status(), 201);
    let first: Value = first.json().expect("comment");
    let replay: Value = post(api, &token, path, &body, Some("comment-an-0005-1")).json().expect("comment");
    assert_eq!(first["id"], replay["id"], "a replay gets the first answer");
    let detail = get_json(api, &token, "/api/anomalies/an-0005");
    let comments = detail["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["author_id"], "usr-manager-north");
    let audit = get_json(api, &admin(), "/api/audit?entity=anomaly&entity_id=an-0005");
    assert!(audit.to_string().contains("anomaly.comment"));

    assert_eq!(problem(post(api, &token, path, &json!({"body": "   "}), None), 400)["field"], "body");
    assert_eq!(problem(post(api, &token, path, &json!({"body": "y".repeat(2_001)}), None), 400)["field"], "body");
    assert_eq!(problem(post(api, &token, path, &json!({"text": "hi"}), None), 400)["field"], "text");
    assert_eq!(post(api, &manager_south(), path, &json!({"body": "hi"}), None).status(), 404);
    let other_key = post(api, &token, path, &json!({"body": "different"}), Some("comment-an-0005-1"));
    assert_eq!(other_key.status(), 422, "a key reused for another body");
}

fn tunings(api: &Api) -> Vec<Value> {
    let audit = get_json(api, &admin(), "/api/audit?entity=anomaly_rule&entity_id=rule-daily-sales");
    let entries = audit["items"].as_array().cloned().unwrap_or_default();
    entries.into_iter().filter(|e| e["action"] == "anomaly_rule.tuned").collect()
}

fn verdicts_are_stored_and_tune_the_rule(api: &Api) {
    // The daily sales rule has verdicts from the demo (false alarms at 3.6 and 3.8, real drops at
    // 6.0 and 7.2) and from the resolved an-0004 (5.6). A false alarm at 4.9 moves the threshold
    // up towards it, but never past the real anomalies.
    let earlier = tunings(api).len();
    let token = manager_north();
    let response = post(api, &token, "/api/anomalies/an-0006/transitions", &json!({"to": "false_positive"}), None);
    assert_eq!(response.status(), 200);
    let tunings = tunings(api);
    assert_eq!(tunings.len(), earlier + 1, "one more tuning");
    let tuned = tunings.last().expect("a tuning");
    let before = tuned["before"]["threshold"].as_f64().expect("before");
    let after = tuned["after"]["threshold"].as_f64().expect("after");
    assert!(after > before && after > 3.9 && after < 5.6, "tuned from {before} to {after}");
    assert_eq!(tuned["actor_id"], "usr-manager-north");
    assert_eq!(tuned["after"]["version"].as_i64(), tuned["before"]["version"].as_i64().map(|v| v + 1));
}

fn rfc3339(at: SystemTime) -> String {
    let seconds = at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

fn minutes_ago(minutes: u64) -> String {
    rfc3339(SystemTime::now() - Duration::from_secs(minutes * 60))
}

fn telemetry_is_scored_on_arrival_and_raises_a_live_anomaly(api: &Api) {
    let mut feed = join(api, "anomalies:critical", &admin());
    let mut inbox = join(api, "user:usr-manager-north", &manager_north());
    // Two hours of a healthy battery, every ten minutes, then a collapse.
    let wobble = [0.0, 0.04, -0.03, 0.02, -0.05, 0.01];
    let mut readings: Vec<Value> = (0..12)
        .map(|i| json!({"at": minutes_ago(130 - i * 10), "battery_v": 12.6 + wobble[i as usize % 6], "odometer_km": 66_400 + i}))
        .collect();
    readings.push(json!({"at": minutes_ago(5), "battery_v": 10.9, "fault_codes": ["P0562"]}));
    let response = post(api, ALEX_UNIT, "/api/telemetry", &json!({"readings": readings}), Some("alex-a4-batch-1"));
    assert_eq!(response.status(), 201);
    let accepted: Value = response.json().expect("summary");
    assert_eq!((accepted["vehicle_id"].as_str(), accepted["stored"].as_u64()), (Some("own-00001"), Some(13)));
    let alerts = accepted["alerts"].as_array().cloned().unwrap_or_default();
    assert_eq!(alerts.len(), 1, "{accepted}");
    assert_eq!((alerts[0]["metric"].as_str(), alerts[0]["dedup"].as_str()), (Some("battery_v"), Some("raise")));
    assert_eq!(alerts[0]["severity"], "critical");
    let id = alerts[0]["anomaly_id"].as_str().expect("an anomaly").to_owned();

    let raised = next_event(&mut feed, "anomaly_raised");
    assert_eq!((raised["anomaly_id"].as_str(), raised["location_id"].as_str()), (Some(id.as_str()), Some("loc-north")));
    let note = next_event(&mut inbox, "notification");
    assert!(note["link"].as_str().is_some_and(|l| l.ends_with(&id)), "{note}");

    // A replay of the same upload is applied once: same answer, no second anomaly.
    let replay = post(api, ALEX_UNIT, "/api/telemetry", &json!({"readings": readings}), Some("alex-a4-batch-1"));
    assert_eq!(replay.json::<Value>().expect("summary")["alerts"][0]["anomaly_id"], id.as_str());

    // Still flat a few minutes later: inside the cooldown it is the same anomaly, once more.
    let again = json!({"vehicle_id": "own-00001", "readings": [{"at": minutes_ago(1), "battery_v": 10.8}]});
    let repeated: Value = post(api, ALEX_UNIT, "/api/telemetry", &again, None).json().expect("summary");
    assert_eq!(repeated["alerts"][0]["dedup"], "repeat", "{repeated}");
    assert_eq!(repeated["alerts"][0]["anomaly_id"], id.as_str());
    let anomaly = get_json(api, &manager_north(), &format!("/api/anomalies/{id}"));
    assert_eq!((anomaly["occurrences"].as_i64(), anomaly["subject"].as_str()), (Some(2), Some("own-00001")));
    assert_eq!(anomaly["status"], "detected");
    assert_eq!(get(api, &manager_south(), &format!("/api/anomalies/{id}")).status(), 404);
}

fn implausible_telemetry_is_refused_field_by_field(api: &Api) {
    let now = minutes_ago(1);
    let cases = [
        (json!({"readings": []}), "readings"),
        (json!({"readings": [{"at": now, "battery_v": 48.0}]}), "readings[0].battery_v"),
        (
            json!({"readings": [{"at": now, "coolant_c": 12.0}, {"at": now, "coolant_c": 400.0}]}),
            "readings[1].coolant_c",
        ),
        (json!({"readings": [{"at": now, "odometer_km": -5}]}), "readings[0].odometer_km"),
        (json!({"readings": [{"at": now, "fault_codes": ["engine hot"]}]}), "readings[0].fault_codes"),
        (json!({"readings": [{"at": "last tuesday", "battery_v": 12.5}]}), "readings[0].at"),
        (
            json!({"readings": [{"at": rfc3339(SystemTime::now() + Duration::from_secs(3_600)), "battery_v": 12.5}]}),
            "readings[0].at",
        ),
        (json!({"readings": [{"at": now}]}), "readings[0].battery_v"),
        (json!({"readings": [{"at": now, "battery_v": 12.5}], "speed": 3}), "speed"),
    ];
    for (body, field) in cases {
        assert_eq!(problem(post(api, SAM_UNIT, "/api/telemetry", &body, None), 400)["field"], field, "{body}");
    }
    let too_many: Vec<Value> = (0..101).map(|_| json!({"at": now, "battery_v": 12.5})).collect();
    assert_eq!(
        problem(post(api, SAM_UNIT, "/api/telemetry", &json!({"readings": too_many}), None), 400)["field"],
        "readings"
    );
}

fn only_a_units_own_token_may_send_its_telemetry(api: &Api) {
    let body = json!({"readings": [{"at": minutes_ago(1), "battery_v": 12.6}]});
    // Sam's unit cannot report for Alex's car.
    let foreign = json!({"vehicle_id": "own-00001", "readings": [{"at": minutes_ago(1), "battery_v": 12.6}]});
    assert_eq!(problem(post(api, SAM_UNIT, "/api/telemetry", &foreign, None), 403)["type"], "/docs/problems#forbidden");
    assert_eq!(post(api, RETIRED_UNIT, "/api/telemetry", &body, None).status(), 401, "a revoked unit");
    assert_eq!(post(api, "fcd_made-up-token", "/api/telemetry", &body, None).status(), 401);
    for (role, token) in others().into_iter().chain([("manager", manager_north()), ("admin", admin())]) {
        assert_eq!(post(api, &token, "/api/telemetry", &body, None).status(), 403, "{role}");
    }
    let anonymous = api.client.post(format!("{}/api/telemetry", api.base)).json(&body).send().expect("answers");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(post(api, SAM_UNIT, "/api/telemetry", &body, None).status(), 201);
}

const FORECAST: &str = "/api/analytics/forecasts?location=loc-north&series=sales_weekly";

fn a_forecast_is_computed_once_then_served_from_storage(api: &Api) {
    let first = get_json(api, &manager_north(), FORECAST);
    assert_eq!(
        (first["kind"].as_str(), first["subject"].as_str()),
        (Some("sales_forecast"), Some("loc-north:sales_weekly"))
    );
    assert_eq!(first["computations"], 1);
    assert!(first["model_version"].as_str().is_some_and(|v| v.starts_with("forecast/")));
    let points = first["output"]["points"].as_array().expect("points");
    assert_eq!(points.len(), 13);
    for p in points {
        let f = |k: &str| p[k].as_f64().expect(k);
        assert!(
            f("lo95") <= f("lo80")
                && f("lo80") <= f("forecast")
                && f("forecast") <= f("hi80")
                && f("hi80") <= f("hi95")
        );
    }
    assert_eq!(first["output"]["baseline"].as_array().map(Vec::len), Some(13));
    let backtest = &first["output"]["backtest"];
    assert!(backtest["mase"].is_number() && backtest["smape"].is_number() && backtest["baseline_mase"].is_number());
    assert!(first["inputs"]["points"].as_u64().is_some_and(|n| n > 60), "{}", first["inputs"]);
    assert!(first["output"]["actuals"].as_array().is_some_and(|a| a.len() == 26));
    let again = get_json(api, &admin(), FORECAST);
    assert_eq!((again["computed_at"].clone(), again["computations"].clone()), (first["computed_at"].clone(), json!(1)));
}

fn forecast_requests_are_validated_and_limited_to_managers(api: &Api) {
    let token = manager_north();
    for (query, field) in [
        ("series=sales_weekly", "location"),
        ("location=loc-north", "series"),
        ("location=loc-north&series=sales_daily", "series"),
        ("location=loc-north&series=sales_weekly&model=ets", "model"),
    ] {
        let body = problem(get(api, &token, &format!("/api/analytics/forecasts?{query}")), 400);
        assert_eq!(body["field"], field, "{query}");
    }
    assert_eq!(get(api, &admin(), "/api/analytics/forecasts?location=loc-moon&series=sales_weekly").status(), 404);
    assert_eq!(get(api, &manager_south(), FORECAST).status(), 403);
    for (role, token) in others() {
        assert_eq!(get(api, &token, FORECAST).status(), 403, "{role}");
    }
    assert_eq!(api.get(FORECAST).status(), 401);
    let recompute = "/api/analytics/forecasts/recompute";
    let body = |series: &str| json!({"location": "loc-north", "series": series});
    assert_eq!(problem(post(api, &token, recompute, &body("weekly"), None), 400)["field"], "series");
    let extra = json!({"location": "loc-north", "series": "sales_weekly", "now": true});
    assert_eq!(problem(post(api, &token, recompute, &extra, None), 400)["field"], "now");
    assert_eq!(post(api, &manager_south(), recompute, &body("sales_weekly"), None).status(), 403);
    for (role, token) in others() {
        assert_eq!(post(api, &token, recompute, &body("sales_weekly"), None).status(), 403, "{role}");
    }
}

fn a_burst_of_recomputes_runs_once_and_is_pushed_live(api: &Api) {
    let path = "/api/analytics/forecasts?location=loc-north&series=service_daily";
    let before = get_json(api, &manager_north(), path);
    let runs = before["computations"].as_i64().expect("a count");
    let id = before["id"].as_str().expect("an id").to_owned();
    let mut board = join(api, "dashboard:loc-north", &manager_north());
    let mut own = join(api, &format!("prediction:{id}"), &manager_north());
    let body = json!({"location": "loc-north", "series": "service_daily"});
    for n in 1..=6 {
        let response = post(api, &manager_north(), "/api/analytics/forecasts/recompute", &body, None);
        assert_eq!(response.status(), 202);
        let scheduled: Value = response.json().expect("scheduled");
        assert_eq!(scheduled["requests"], n, "coalesced into one pending run");
        assert_eq!(scheduled["key"], "forecast:loc-north:service_daily");
    }
    // 800 ms after the burst (at most 3 s after its start), plus the computation itself.
    std::thread::sleep(Duration::from_millis(4_500));
    let after = get_json(api, &manager_north(), path);
    assert_eq!(after["computations"].as_i64(), Some(runs + 1), "exactly one run for the burst");
    assert_ne!(after["computed_at"], before["computed_at"]);
    for socket in [&mut board, &mut own] {
        let ready = next_event(socket, "prediction_ready");
        assert_eq!(
            (ready["prediction_id"].as_str(), ready["subject"].as_str()),
            (Some(id.as_str()), Some("service_daily"))
        );
    }
    let audit = get_json(api, &admin(), &format!("/api/audit?entity=prediction&entity_id={id}"));
    assert!(audit.to_string().contains("prediction.computed"));
}

fn maintenance_is_predicted_for_the_owner_and_service_staff(api: &Api) {
    let alex = mint_token("usr-customer-alex", Role::Customer, &[], Some("cus-00001"));
    let plan = get_json(api, &alex, "/api/vehicles/own-00001/maintenance");
    assert_eq!((plan["kind"].as_str(), plan["subject"].as_str()), (Some("maintenance"), Some("own-00001")));
    let services = plan["output"]["services"].as_array().expect("services");
    assert!(!services.is_empty());
    assert!(services.iter().all(|s| s["service"].is_string() && s["status"].is_string()), "{services:?}");
    assert!(plan["inputs"]["odometer_readings"].as_u64().is_some_and(|n| n >= 1));
    let advisor = mint_token("usr-advisor-north", Role::Advisor, &["loc-north"], None);
    assert_eq!(get(api, &advisor, "/api/vehicles/own-00001/maintenance").status(), 200);
    let sam = mint_token("usr-customer-sam", Role::Customer, &[], Some("cus-00002"));
    assert_eq!(get(api, &sam, "/api/vehicles/own-00001/maintenance").status(), 404, "another customer's car");
    let sales = mint_token("usr-sales-north", Role::Sales, &["loc-north"], None);
    assert_eq!(get(api, &sales, "/api/vehicles/own-00001/maintenance").status(), 403);
    assert_eq!(get(api, ALEX_UNIT, "/api/vehicles/own-00001/maintenance").status(), 403);
    assert_eq!(get(api, &admin(), "/api/vehicles/own-99999/maintenance").status(), 404);
    assert_eq!(api.get("/api/vehicles/own-00001/maintenance").status(), 401);
}

fn staff_rate_predictions_they_can_see(api: &Api) {
    let forecast = get_json(api, &manager_north(), FORECAST);
    let id = forecast["id"].as_str().expect("an id").to_owned();
    let path = format!("/api/predictions/{id}/feedback");
    let body = json!({"rating": 4, "comment": "Close to what we expect for the quarter"});
    let first = post(api, &manager_north(), &path, &body, Some("rate-forecast-1"));
    assert_eq!(first.status(), 201);
    let first: Value = first.json().expect("feedback");
    assert_eq!((first["rating"].as_i64(), first["user_id"].as_str()), (Some(4), Some("usr-manager-north")));
    let replay: Value = post(api, &manager_north(), &path, &body, Some("rate-forecast-1")).json().expect("feedback");
    assert_eq!(replay["id"], first["id"]);
    let sales = mint_token("usr-sales-north", Role::Sales, &["loc-north"], None);
    assert_eq!(post(api, &sales, &path, &json!({"rating": 2}), None).status(), 201, "staff of the location");
    for (body, field) in [
        (json!({"rating": 0}), "rating"),
        (json!({"rating": 6}), "rating"),
        (json!({"rating": 3, "comment": "z".repeat(2_001)}), "comment"),
        (json!({"rating": 3, "stars": 3}), "stars"),
    ] {
        assert_eq!(problem(post(api, &manager_north(), &path, &body, None), 400)["field"], field, "{body}");
    }
    assert_eq!(post(api, &manager_south(), &path, &json!({"rating": 3}), None).status(), 404);
    let alex = mint_token("usr-customer-alex", Role::Customer, &[], Some("cus-00001"));
    assert_eq!(post(api, &alex, &path, &json!({"rating": 3}), None).status(), 403);
    assert_eq!(
        post(api, &admin(), "/api/predictions/pred-nothing/feedback", &json!({"rating": 3}), None).status(),
        404
    );
    // A maintenance plan has no location: service staff rate it, sales do not see it.
    let plan = "/api/predictions/pred-maintenance-own-00001/feedback";
    assert_eq!(post(api, &sales, plan, &json!({"rating": 3}), None).status(), 404);
    let tech = mint_token("usr-tech-north", Role::Technician, &["loc-north"], None);
    assert_eq!(post(api, &tech, plan, &json!({"rating": 5}), None).status(), 201);
    let audit = get_json(api, &admin(), &format!("/api/audit?entity=prediction&entity_id={id}"));
    assert!(audit.to_string().contains("prediction.feedback"));
}

fn cache_status(response: &Response) -> Option<String> {
    response.headers().get("x-cache").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn a_dashboard_is_cached_and_retired_by_changes(api: &Api) {
    let path = "/api/dashboards/loc-north";
    let first = get(api, &manager_north(), path);
    assert_eq!(first.status(), 200);
    let second = get(api, &manager_north(), path);
    assert_eq!(cache_status(&second).as_deref(), Some("HIT"));
    let board: Value = second.json().expect("dashboard");
    assert!(board["sales"]["units_30d"].as_i64().is_some_and(|n| n > 0), "{}", board["sales"]);
    assert!(board["service"]["bay_hours_30d"].as_f64().is_some_and(|h| h > 0.0));
    assert_eq!(board["forecast"]["subject"], "loc-north:sales_weekly");
    let latest = board["latest_anomalies"].as_array().expect("anomalies");
    assert!(!latest.is_empty() && latest.iter().all(|a| a["location_id"] == "loc-north"));
    let open_before: i64 =
        board["open_anomalies"].as_array().expect("counts").iter().filter_map(|c| c["count"].as_i64()).sum();

    let closed = post(api, &manager_north(), "/api/anomalies/an-0005/transitions", &json!({"to": "resolved"}), None);
    assert_eq!(closed.status(), 200);
    let fresh = get(api, &manager_north(), path);
    assert_eq!(cache_status(&fresh).as_deref(), Some("MISS"), "the change retired the cached board");
    let fresh: Value = fresh.json().expect("dashboard");
    let open_after: i64 =
        fresh["open_anomalies"].as_array().expect("counts").iter().filter_map(|c| c["count"].as_i64()).sum();
    assert_eq!(open_after, open_before - 1);

    assert_eq!(get(api, &admin(), "/api/dashboards/loc-city").status(), 200);
    assert_eq!(get(api, &admin(), "/api/dashboards/loc-moon").status(), 404);
    assert_eq!(get(api, &manager_north(), "/api/dashboards/loc-south").status(), 403);
    for (role, token) in others() {
        assert_eq!(get(api, &token, path).status(), 403, "{role}");
    }
    assert_eq!(api.get(path).status(), 401);
}

fn a_burst_of_scan_requests_runs_one_scan(api: &Api) {
    let path = "/api/anomalies/scan";
    let body = json!({"location": "loc-north"});
    assert_eq!(
        problem(post(api, &manager_north(), path, &json!({"location": "loc-north", "deep": true}), None), 400)["field"],
        "deep"
    );
    assert_eq!(post(api, &manager_south(), path, &body, None).status(), 403);
    assert_eq!(post(api, &admin(), path, &json!({"location": "loc-moon"}), None).status(), 404);
    for (role, token) in others() {
        assert_eq!(post(api, &token, path, &body, None).status(), 403, "{role}");
    }
    let mut before = None;
    for n in 1..=5 {
        let response = post(api, &manager_north(), path, &body, None);
        assert_eq!(response.status(), 202);
        let scheduled: Value = response.json().expect("scheduled");
        assert_eq!(
            (scheduled["requests"].as_i64(), scheduled["key"].as_str()),
            (Some(n), Some("anomaly_scan:loc-north"))
        );
        let runs = scheduled["completed_runs"].as_i64().expect("a run count");
        assert_eq!(*before.get_or_insert(runs), runs, "nothing ran during the burst");
    }
    // 1 s after the burst (at most 5 s after its start), plus the scan itself.
    std::thread::sleep(Duration::from_millis(6_500));
    let after: Value = post(api, &manager_north(), path, &body, None).json().expect("scheduled");
    assert_eq!(after["completed_runs"].as_i64(), before.map(|r| r + 1), "exactly one scan for the burst");
    assert_eq!(after["requests"], 1, "a new burst starts");
}
