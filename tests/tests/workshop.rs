//! Work orders against the real runtime: who sees which, legal transitions only, every change
//! recorded with who/when/note and audited, stale edits refused, and the customer's live view.

mod support;

use serde_json::{json, Value};
use support::{next_json, Api, Check, Socket};
use tungstenite::client::IntoClientRequest;

const CHECKS: &[(&str, Check)] = &[
    ("customers_see_only_their_own_work_orders", customers_see_only_their_own_work_orders),
    ("technicians_see_only_their_jobs", technicians_see_only_their_jobs),
    ("advisors_see_only_their_location", advisors_see_only_their_location),
    ("sales_staff_have_no_workshop_access", sales_staff_have_no_workshop_access),
    ("a_work_order_shows_its_lines_totals_and_history", a_work_order_shows_its_lines_totals_and_history),
    ("a_legal_transition_is_recorded_audited_and_pushed_live", a_legal_transition_is_recorded_audited_and_pushed_live),
    ("illegal_transitions_are_refused_without_change", illegal_transitions_are_refused_without_change),
    ("a_stale_version_is_a_conflict", a_stale_version_is_a_conflict),
    ("technicians_move_only_their_own_jobs_through_the_bench", technicians_move_only_their_own_jobs_through_the_bench),
    ("a_replayed_request_is_applied_once", a_replayed_request_is_applied_once),
];

fn main() {
    support::run_checks("it-workshop", CHECKS)
}

fn get_as(api: &Api, token: &str, path: &str) -> reqwest::blocking::Response {
    api.client.get(format!("{}{path}", api.base)).bearer_auth(token).send().expect("the edge answers")
}

fn list_as(api: &Api, email: &str) -> Vec<Value> {
    let token = api.login(email);
    let response = get_as(api, &token, "/api/work-orders?limit=100");
    assert_eq!(response.status(), 200, "{email}");
    let page: Value = response.json().expect("page");
    page["items"].as_array().cloned().unwrap_or_default()
}

fn transition(api: &Api, email: &str, id: &str, body: Value) -> reqwest::blocking::Response {
    let token = api.login(email);
    api.client
        .post(format!("{}/api/work-orders/{id}/transitions", api.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .expect("the edge answers")
}

fn detail_as(api: &Api, email: &str, id: &str) -> Value {
    let response = get_as(api, &api.login(email), &format!("/api/work-orders/{id}"));
    assert_eq!(response.status(), 200, "{email} reads {id}");
    response.json().expect("detail")
}

fn customers_see_only_their_own_work_orders(api: &Api) {
    let alex = list_as(api, "alex@example.com");
    assert!(!alex.is_empty());
    assert!(alex.iter().all(|w| w["customer_id"] == "cus-00001"));
    let sam_token = api.login("sam@example.com");
    let foreign = alex[0]["id"].as_str().expect("id");
    assert_eq!(
        get_as(api, &sam_token, &format!("/api/work-orders/{foreign}")).status(),
        404,
        "another customer's order is not even there"
    );
}

fn technicians_see_only_their_jobs(api: &Api) {
    let jobs = list_as(api, "tech.north@forecourt.example");
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|w| w["technician_id"] == "usr-tech-north"));
}

fn advisors_see_only_their_location(api: &Api) {
    let north = list_as(api, "advisor.north@forecourt.example");
    assert!(north.iter().all(|w| w["location_id"] == "loc-north"));
    let city_order = list_as(api, "advisor.city@forecourt.example")[0]["id"].as_str().expect("id").to_owned();
    let token = api.login("advisor.north@forecourt.example");
    assert_eq!(get_as(api, &token, &format!("/api/work-orders/{city_order}")).status(), 404);
    let manager_south = list_as(api, "manager.south@forecourt.example");
    assert!(manager_south.iter().all(|w| w["location_id"] == "loc-south"));
}

fn sales_staff_have_no_workshop_access(api: &Api) {
    let token = api.login("sales.north@forecourt.example");
    assert_eq!(get_as(api, &token, "/api/work-orders").status(), 403);
    assert_eq!(api.get("/api/work-orders").status(), 401);
}

fn a_work_order_shows_its_lines_totals_and_history(api: &Api) {
    let order = detail_as(api, "admin@forecourt.example", "wo-00001");
    assert_eq!(order["status"], "collected");
    let labour = order["labour"].as_array().expect("labour");
    let parts = order["parts"].as_array().expect("parts");
    let expected_net: f64 = labour
        .iter()
        .map(|l| l["hours"].as_f64().unwrap_or(0.0) * l["rate_cents"].as_f64().unwrap_or(0.0))
        .sum::<f64>()
        .round()
        + parts
            .iter()
            .map(|p| p["quantity"].as_f64().unwrap_or(0.0) * p["unit_price_cents"].as_f64().unwrap_or(0.0))
            .sum::<f64>();
    assert_eq!(order["totals"]["net"].as_f64(), Some(expected_net));
    assert_eq!(
        order["totals"]["gross"].as_i64(),
        Some(order["totals"]["net"].as_i64().unwrap_or(0) + order["totals"]["tax"].as_i64().unwrap_or(0))
    );
    assert!(order["history"].as_array().is_some_and(|h| !h.is_empty()));
}

fn customer_socket(api: &Api, email: &str, room: &str) -> Socket {
    let token = api.login(email);
    let mut request = api.ws_url(&format!("/api/rooms/{room}")).into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
    let (mut socket, _) = tungstenite::connect(request).expect("the customer may join their work order's room");
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_mut() {
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    }
    socket
}

fn a_legal_transition_is_recorded_audited_and_pushed_live(api: &Api) {
    // wo-open-01 is Alex's car, booked this morning at North.
    let before = detail_as(api, "advisor.north@forecourt.example", "wo-open-01");
    assert_eq!(before["status"], "booked");
    let mut socket = customer_socket(api, "alex@example.com", "workorder:wo-open-01");
    let mut welcome = next_json(&mut socket);
    while welcome["type"] != "welcome" {
        welcome = next_json(&mut socket);
    }

    let response = transition(
        api,
        "advisor.north@forecourt.example",
        "wo-open-01",
        json!({"to": "checked_in", "note": "keys in box 4"}),
    );
    assert_eq!(response.status(), 200);
    let after: Value = response.json().expect("detail");
    assert_eq!(after["status"], "checked_in");
    assert_eq!(after["version"], before["version"].as_i64().unwrap_or(0) + 1);
    let last = after["history"].as_array().and_then(|h| h.last().cloned()).expect("history");
    assert_eq!((last["from_status"].as_str(), last["to_status"].as_str()), (Some("booked"), Some("checked_in")));
    assert_eq!(last["actor_id"], "usr-advisor-north");
    assert_eq!(last["note"], "keys in box 4");

    let mut event = next_json(&mut socket);
    while event["type"] != "event" {
        event = next_json(&mut socket);
    }
    assert_eq!(event["event"]["kind"], "work_order_transitioned");
    assert_eq!(event["event"]["to"], "checked_in");

    let audit = get_as(api, &api.login("admin@forecourt.example"), "/api/audit?entity=work_order&entity_id=wo-open-01");
    let entries: Value = audit.json().expect("audit");
    let entry = entries["items"].as_array().and_then(|i| i.last().cloned()).expect("an audit entry");
    assert_eq!(entry["actor_id"], "usr-advisor-north");
    assert_eq!(entry["before"]["status"], "booked");
    assert_eq!(entry["after"]["status"], "checked_in");
}

fn illegal_transitions_are_refused_without_change(api: &Api) {
    let id = "wo-open-03"; // north, diagnosing
    let before = detail_as(api, "advisor.north@forecourt.example", id);
    for to in ["collected", "booked", "ready"] {
        let response = transition(api, "advisor.north@forecourt.example", id, json!({"to": to}));
        assert_eq!(response.status(), 400, "{} → {to}", before["status"]);
        let problem: Value = response.json().expect("problem");
        assert_eq!(problem["field"], "to");
    }
    let unknown = transition(api, "advisor.north@forecourt.example", id, json!({"to": "teleported"}));
    assert_eq!(unknown.status(), 400);
    assert_eq!(detail_as(api, "advisor.north@forecourt.example", id), before);
    assert_eq!(transition(api, "alex@example.com", "wo-open-01", json!({"to": "cancelled"})).status(), 403);
}

fn a_stale_version_is_a_conflict(api: &Api) {
    let id = "wo-open-05"; // north, in_progress
    let before = detail_as(api, "advisor.north@forecourt.example", id);
    let version = before["version"].as_i64().unwrap_or(0);
    let stale = transition(
        api,
        "advisor.north@forecourt.example",
        id,
        json!({"to": "quality_check", "expected_version": version - 1}),
    );
    assert_eq!(stale.status(), 409);
    let problem: Value = stale.json().expect("problem");
    assert_eq!(problem["current"]["status"], before["status"]);
    assert_eq!(
        transition(
            api,
            "advisor.north@forecourt.example",
            id,
            json!({"to": "quality_check", "expected_version": version})
        )
        .status(),
        200
    );
}

fn technicians_move_only_their_own_jobs_through_the_bench(api: &Api) {
    let jobs = list_as(api, "tech.north@forecourt.example");
    let job = jobs.iter().find(|w| w["status"] == "diagnosing").expect("a job being diagnosed");
    let id = job["id"].as_str().expect("id");
    assert_eq!(transition(api, "tech.north@forecourt.example", id, json!({"to": "cancelled"})).status(), 403);
    assert_eq!(transition(api, "tech.north@forecourt.example", id, json!({"to": "in_progress"})).status(), 200);
    let others = list_as(api, "tech2.north@forecourt.example");
    if let Some(other) = others.iter().find(|w| w["status"] != "collected") {
        let other_id = other["id"].as_str().expect("id");
        assert_eq!(
            transition(api, "tech.north@forecourt.example", other_id, json!({"to": "in_progress"})).status(),
            404
        );
    }
}

fn transition_with_key(api: &Api, token: &str, id: &str, key: &str, body: Value) -> reqwest::blocking::Response {
    api.client
        .post(format!("{}/api/work-orders/{id}/transitions", api.base))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .expect("the edge answers")
}

fn a_replayed_request_is_applied_once(api: &Api) {
    // The offline outbox resends with the same key: the order moves once, both get one answer.
    let id = "wo-open-02"; // Alex's second car, at City, checked in
    let token = api.login("advisor.city@forecourt.example");
    let before = detail_as(api, "advisor.city@forecourt.example", id);
    let body = json!({"to": "diagnosing", "note": "sent from the outbox"});
    let first = transition_with_key(api, &token, id, "outbox-42", body.clone());
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body: Value = first.json().expect("detail");
    let again = transition_with_key(api, &token, id, "outbox-42", body);
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.json::<Value>().expect("replayed detail"), first_body);
    let after = detail_as(api, "advisor.city@forecourt.example", id);
    assert_eq!(after["version"], before["version"].as_i64().unwrap_or(0) + 1, "applied once");
    let history = |v: &Value| v["history"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(history(&after), history(&before) + 1);
    // The same key for a different request is a client bug, not a replay.
    let reused = transition_with_key(api, &token, id, "outbox-42", json!({"to": "cancelled"}));
    assert_eq!(reused.status(), 422);
    assert_eq!(detail_as(api, "advisor.city@forecourt.example", id)["status"], "diagnosing");
}
