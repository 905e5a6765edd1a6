//! The showroom slice of the API against the real runtime: lead intake (web form, customer,
//! kiosk, staff) with scoring and auto-assignment, reassignment, customer profiles, search,
//! edits, timelines and merges, test-drive calendar and reminders, reference data, kiosk
//! assistance and notifications, with every validation error and the denials of the brief.

mod support;

use reqwest::blocking::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use support::{Api, Check};

const CHECKS: &[(&str, Check)] = &[
    (
        "a_web_lead_finds_the_customer_by_normalised_email_and_is_scored",
        a_web_lead_finds_the_customer_by_normalised_email_and_is_scored,
    ),
    ("a_web_lead_from_a_new_person_creates_their_profile", a_web_lead_from_a_new_person_creates_their_profile),
    (
        "a_hot_lead_goes_to_the_least_recently_assigned_rep_live",
        a_hot_lead_goes_to_the_least_recently_assigned_rep_live,
    ),
    ("a_cold_lead_waits_unassigned_in_the_queue", a_cold_lead_waits_unassigned_in_the_queue),
    ("lead_validation_names_the_field_at_fault", lead_validation_names_the_field_at_fault),
    ("only_the_right_callers_create_leads_where_they_may", only_the_right_callers_create_leads_where_they_may),
    ("a_signed_in_customers_lead_is_their_own", a_signed_in_customers_lead_is_their_own),
    ("a_kiosk_creates_kiosk_leads_for_its_own_location", a_kiosk_creates_kiosk_leads_for_its_own_location),
    ("a_replayed_lead_is_created_once", a_replayed_lead_is_created_once),
    ("managers_reassign_and_sales_take_only_unassigned_leads", managers_reassign_and_sales_take_only_unassigned_leads),
    ("staff_search_customers_of_their_locations", staff_search_customers_of_their_locations),
    (
        "a_profile_is_seen_by_its_customer_and_that_locations_staff_only",
        a_profile_is_seen_by_its_customer_and_that_locations_staff_only,
    ),
    ("customers_edit_their_own_profile_with_versions", customers_edit_their_own_profile_with_versions),
    (
        "the_timeline_runs_newest_first_across_channels_and_pages",
        the_timeline_runs_newest_first_across_channels_and_pages,
    ),
    ("managers_merge_duplicates_in_one_batch", managers_merge_duplicates_in_one_batch),
    (
        "notifications_are_private_and_can_be_read_and_switched_off",
        notifications_are_private_and_can_be_read_and_switched_off,
    ),
    ("the_test_drive_calendar_is_scoped_and_validated", the_test_drive_calendar_is_scoped_and_validated),
    ("the_cron_reminds_drives_within_a_day_once", the_cron_reminds_drives_within_a_day_once),
    ("reference_data_is_public_cached_and_tagged", reference_data_is_public_cached_and_tagged),
    ("a_kiosk_calls_a_rep_to_its_own_showroom_only", a_kiosk_calls_a_rep_to_its_own_showroom_only),
];

fn main() {
    support::run_checks("it-showroom", CHECKS)
}

// ---- helpers ----

/// Access tokens by account: one sign-in (a PBKDF2 hash) per account for the whole binary.
fn token(api: &Api, email: &str) -> String {
    static TOKENS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let tokens = TOKENS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(token) = tokens.lock().ok().and_then(|t| t.get(email).cloned()) {
        return token;
    }
    let token = api.login(email);
    if let Ok(mut map) = tokens.lock() {
        map.insert(email.to_owned(), token.clone());
    }
    token
}

const KIOSK_NORTH: &str = "fcd_demo-kiosk-north-2026";
const SALES_NORTH: &str = "sales.north@forecourt.example";
const SALES2_NORTH: &str = "sales2.north@forecourt.example";
const SALES_CITY: &str = "sales.city@forecourt.example";
const MANAGER_NORTH: &str = "manager.north@forecourt.example";
const MANAGER_SOUTH: &str = "manager.south@forecourt.example";
const TECH_NORTH: &str = "tech.north@forecourt.example";
const ADVISOR_NORTH: &str = "advisor.north@forecourt.example";
const ADMIN: &str = "admin@forecourt.example";
const ALEX: &str = "alex@example.com";
const SAM: &str = "sam@example.com";

/// Who calls: an account's email, a raw bearer token (devices), or nobody.
#[derive(Clone, Copy)]
enum As<'a> {
    Person(&'a str),
    Device(&'a str),
    Nobody,
}

fn send(api: &Api, who: As, method: &str, path: &str, body: Option<&Value>, key: Option<&str>) -> Response {
    let url = format!("{}{path}", api.base);
    let mut request = match method {
        "GET" => api.client.get(url),
        "POST" => api.client.post(url),
        "PATCH" => api.client.patch(url),
        "PUT" => api.client.put(url),
        other => panic!("method {other}"),
    };
    request = match who {
        As::Person(email) => request.bearer_auth(token(api, email)),
        As::Device(token) => request.bearer_auth(token),
        As::Nobody => request,
    };
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().expect("the edge answers")
}

fn get(api: &Api, who: As, path: &str) -> Response {
    send(api, who, "GET", path, None, None)
}

fn post(api: &Api, who: As, path: &str, body: &Value) -> Response {
    send(api, who, "POST", path, Some(body), None)
}

fn json_of(response: Response, status: u16, what: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    assert_eq!(actual, status, "{what}: {body}");
    body
}

/// Asserts a problem response with `status` naming `field`.
fn problem(response: Response, status: u16, field: &str, what: &str) -> Value {
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = json_of(response, status, what);
    assert!(content_type.starts_with("application/problem+json"), "{what}: {content_type}");
    if field.is_empty() {
        assert!(body["field"].is_null(), "{what}: {body}");
    } else {
        assert_eq!(body["field"], field, "{what}: {body}");
    }
    assert!(body["request_id"].is_string(), "{what}");
    body
}

fn status(response: Response) -> u16 {
    response.status().as_u16()
}

fn lead_of(api: &Api, id: &str) -> Value {
    json_of(get(api, As::Person(ADMIN), &format!("/api/leads/{id}")), 200, "lead as admin")
}

fn audit_actions(api: &Api, entity: &str, id: &str) -> Vec<String> {
    let trail =
        json_of(get(api, As::Person(ADMIN), &format!("/api/audit?entity={entity}&entity_id={id}")), 200, "audit");
    trail["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect()
}

fn web_form(email: &str) -> Value {
    json!({
        "location_id": "loc-north",
        "timeframe": "3_months",
        "preferred_contact": "email",
        "budget_min_cents": 1_000_000,
        "budget_max_cents": 1_800_000,
        "customer": {"name": "Alex Morgan", "email": email},
        "message": "Is the estate still available?"
    })
}

fn north_vehicle(api: &Api) -> Value {
    let page = api.get_json("/api/vehicles?location=loc-north&limit=5");
    page["items"][0].clone()
}

/// A lead everything speaks for: a referral, buying now, a car in budget, a returning customer
/// with a trade-in.
fn hot_lead(api: &Api, customer_id: &str) -> Value {
    let vehicle = north_vehicle(api);
    let price = vehicle["price"].as_i64().or_else(|| vehicle["price"]["cents"].as_i64()).unwrap_or(2_000_000);
    json!({
        "source": "referral",
        "customer_id": customer_id,
        "vehicle_id": vehicle["id"],
        "timeframe": "now",
        "preferred_contact": "phone",
        "budget_min_cents": price,
        "budget_max_cents": price * 2,
        "trade_in": true,
        "finance": true
    })
}

// ---- leads ----

fn a_web_lead_finds_the_customer_by_normalised_email_and_is_scored(api: &Api) {
    let receipt = json_of(post(api, As::Nobody, "/api/leads", &web_form("  ALEX@Example.com ")), 201, "web lead");
    let id = receipt["id"].as_str().expect("a lead id");
    // The public form gets a receipt, not the profile behind it.
    assert_eq!(receipt["status"], "new");
    assert!(receipt.get("customer_id").is_none());
    let lead = lead_of(api, id);
    assert_eq!(lead["customer_id"], "cus-00001");
    assert_eq!(lead["source"], "web");
    let score = lead["score"].as_f64().expect("a score");
    assert!((0.0..=1.0).contains(&score));
    assert!(lead["score_model"].as_str().is_some_and(|m| m.starts_with("lead-logit/1+")));
    let reasons = lead["reasons"].as_array().expect("reasons");
    assert!(reasons.len() >= 5 && reasons[0]["factor"].is_string() && reasons[0]["log_odds"].is_number());
    let timeline =
        json_of(get(api, As::Person(SALES_NORTH), "/api/customers/cus-00001/timeline?limit=5"), 200, "timeline");
    assert!(timeline["items"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["kind"] == "lead" && a["detail"]["lead_id"] == id));
    assert_eq!(audit_actions(api, "lead", id), ["lead.create"]);
}

fn a_web_lead_from_a_new_person_creates_their_profile(api: &Api) {
    let mut form = web_form("jo.new@example.org");
    form["customer"] = json!({"name": " Jo   Newcomer ", "phone": "07700 900777"});
    let receipt = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "new person");
    let lead = lead_of(api, receipt["id"].as_str().expect("id"));
    let customer_id = lead["customer_id"].as_str().expect("customer");
    assert!(customer_id.starts_with("cus-t"));
    let profile = json_of(get(api, As::Person(SALES_NORTH), &format!("/api/customers/{customer_id}")), 200, "profile");
    assert_eq!(profile["name"], "Jo Newcomer");
    assert_eq!(profile["phone"], "+447700900777");
    assert_eq!(audit_actions(api, "customer", customer_id), ["customer.create"]);
    // The same phone written another way finds the same person.
    form["customer"] = json!({"name": "Jo Newcomer", "phone": "+44 (0)7700-900777"});
    let again = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "same person");
    assert_eq!(lead_of(api, again["id"].as_str().expect("id"))["customer_id"], customer_id);
}

fn a_hot_lead_goes_to_the_least_recently_assigned_rep_live(api: &Api) {
    let floor_url = api.ws_url("/api/rooms/showroom:shw-north");
    let mut floor = support::connect_as(&floor_url, &token(api, MANAGER_NORTH)).expect("the manager joins the floor");
    support::next_of_type(&mut floor, "welcome");
    let first = json_of(post(api, As::Person(SALES_NORTH), "/api/leads", &hot_lead(api, "cus-00001")), 201, "hot lead");
    assert!(first["score"].as_f64().unwrap_or(0.0) > 0.7, "{first}");
    let first_rep = first["assigned_rep_id"].as_str().expect("assigned at once").to_owned();
    assert!(first_rep == "usr-sales-north" || first_rep == "usr-sales2-north");
    let created = support::next_of_type(&mut floor, "event");
    assert_eq!(created["event"]["kind"], "lead_created");
    assert_eq!(created["event"]["lead_id"], first["id"]);
    let assigned = support::next_of_type(&mut floor, "event");
    assert_eq!(assigned["event"]["kind"], "lead_assigned");
    assert_eq!(assigned["event"]["rep_id"], first_rep.as_str());
    // The next hot lead goes to the other rep: the one assigned least recently.
    let second = json_of(post(api, As::Person(SALES_NORTH), "/api/leads", &hot_lead(api, "cus-00004")), 201, "second");
    let second_rep = second["assigned_rep_id"].as_str().expect("assigned");
    assert_ne!(second_rep, first_rep);
    // The rep was notified in the app.
    let rep_email = if first_rep == "usr-sales-north" { SALES_NORTH } else { SALES2_NORTH };
    let inbox = json_of(get(api, As::Person(rep_email), "/api/notifications"), 200, "inbox");
    let link = format!("/leads/{}", first["id"].as_str().unwrap_or_default());
    assert!(inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|n| n["kind"] == "lead_assigned" && n["link"] == link.as_str()));
    let trail = audit_actions(api, "lead", first["id"].as_str().unwrap_or_default());
    assert_eq!(trail, ["lead.create", "lead.assign"]);
}

fn a_cold_lead_waits_unassigned_in_the_queue(api: &Api) {
    let form = json!({
        "location_id": "loc-north", "timeframe": "browsing", "preferred_contact": "email",
        "customer": {"name": "Casual Browser", "email": "browser@example.net"}
    });
    let receipt = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "cold lead");
    let lead = lead_of(api, receipt["id"].as_str().expect("id"));
    assert!(lead["score"].as_f64().unwrap_or(1.0) <= 0.7, "{lead}");
    assert!(lead["assigned_rep_id"].is_null());
    let queue = json_of(get(api, As::Person(SALES_NORTH), "/api/leads?status=new&limit=5"), 200, "queue");
    assert_eq!(queue["items"][0]["id"], receipt["id"], "newest first");
}

fn lead_validation_names_the_field_at_fault(api: &Api) {
    let cases: Vec<(&str, Value)> = vec![
        ("budget_max_cents", {
            let mut f = web_form("x@example.com");
            f["budget_min_cents"] = json!(2_000_000);
            f
        }),
        ("budget_min_cents", {
            let mut f = web_form("x@example.com");
            f["budget_min_cents"] = json!(-5);
            f
        }),
        ("timeframe", {
            let mut f = web_form("x@example.com");
            f["timeframe"] = json!("someday");
            f
        }),
        ("preferred_contact", {
            let mut f = web_form("x@example.com");
            f["preferred_contact"] = json!("pigeon");
            f
        }),
        ("customer.email", web_form("not-an-email")),
        ("customer", {
            let mut f = web_form("x@example.com");
            f.as_object_mut().map(|o| o.remove("customer"));
            f
        }),
        ("location_id", {
            let mut f = web_form("x@example.com");
            f["location_id"] = json!("loc-nowhere");
            f
        }),
        ("vehicle_id", {
            let mut f = web_form("x@example.com");
            f["vehicle_id"] = json!("veh-missing");
            f
        }),
        ("model_id", {
            let mut f = web_form("x@example.com");
            f["model_id"] = json!("md-nothing");
            f
        }),
        ("source", {
            let mut f = web_form("x@example.com");
            f["source"] = json!("walk_in");
            f
        }),
    ];
    for (field, body) in cases {
        problem(post(api, As::Nobody, "/api/leads", &body), 400, field, field);
    }
    let mut unknown = web_form("x@example.com");
    unknown["score"] = json!(0.99);
    problem(post(api, As::Nobody, "/api/leads", &unknown), 400, "score", "unknown field");
    let malformed = api
        .client
        .post(format!("{}/api/leads", api.base))
        .header("content-type", "application/json")
        .body("{\"timeframe\": ")
        .send()
        .expect("answers");
    assert_eq!(status(malformed), 400);
}

fn only_the_right_callers_create_leads_where_they_may(api: &Api) {
    let walk_in = json!({
        "location_id": "loc-north", "timeframe": "now", "preferred_contact": "phone",
        "customer": {"name": "Walk In", "phone": "07700 900888"}
    });
    for denied in [TECH_NORTH, ADVISOR_NORTH] {
        problem(post(api, As::Person(denied), "/api/leads", &walk_in), 403, "", denied).get("field");
    }
    // Another location's staff.
    assert_eq!(status(post(api, As::Person(SALES_CITY), "/api/leads", &walk_in)), 403);
    assert_eq!(status(post(api, As::Person(MANAGER_SOUTH), "/api/leads", &walk_in)), 403);
    // Staff never enter web leads.
    let mut web = walk_in.clone();
    web["source"] = json!("web");
    problem(post(api, As::Person(SALES_NORTH), "/api/leads", &web), 400, "source", "staff web lead");
    // A bad token is not anonymity.
    let bad = api
        .client
        .post(format!("{}/api/leads", api.base))
        .bearer_auth("fc1.bogus.token")
        .json(&web_form("x@example.com"))
        .send()
        .expect("answers");
    assert_eq!(status(bad), 401);
    let created = json_of(post(api, As::Person(SALES_NORTH), "/api/leads", &walk_in), 201, "walk-in");
    assert_eq!(created["source"], "walk_in");
}

fn a_signed_in_customers_lead_is_their_own(api: &Api) {
    let body = json!({"location_id": "loc-south", "timeframe": "1_month", "preferred_contact": "sms"});
    let lead = json_of(post(api, As::Person(SAM), "/api/leads", &body), 201, "customer lead");
    assert_eq!(lead["customer_id"], "cus-00002");
    assert_eq!(status(get(api, As::Person(SAM), &format!("/api/leads/{}", lead["id"].as_str().unwrap_or("")))), 200);
    assert_eq!(status(get(api, As::Person(ALEX), &format!("/api/leads/{}", lead["id"].as_str().unwrap_or("")))), 404);
    let mut someone_else = body.clone();
    someone_else["customer_id"] = json!("cus-00001");
    problem(post(api, As::Person(SAM), "/api/leads", &someone_else), 400, "customer_id", "other profile");
}

fn a_kiosk_creates_kiosk_leads_for_its_own_location(api: &Api) {
    let body = json!({
        "timeframe": "1_month", "preferred_contact": "email",
        "customer": {"name": "Kiosk Visitor", "email": "visitor@example.com"}
    });
    let receipt = json_of(post(api, As::Device(KIOSK_NORTH), "/api/leads", &body), 201, "kiosk lead");
    let lead = lead_of(api, receipt["id"].as_str().expect("id"));
    assert_eq!((lead["source"].as_str(), lead["location_id"].as_str()), (Some("kiosk"), Some("loc-north")));
    let mut elsewhere = body.clone();
    elsewhere["location_id"] = json!("loc-south");
    problem(post(api, As::Device(KIOSK_NORTH), "/api/leads", &elsewhere), 400, "location_id", "kiosk elsewhere");
    assert_eq!(status(post(api, As::Device("fcd_not-a-device"), "/api/leads", &body)), 401);
}

fn a_replayed_lead_is_created_once(api: &Api) {
    let form = web_form("replay@example.com");
    let first = send(api, As::Nobody, "POST", "/api/leads", Some(&form), Some("lead-form-replay-1"));
    let first = json_of(first, 201, "first");
    let again = send(api, As::Nobody, "POST", "/api/leads", Some(&form), Some("lead-form-replay-1"));
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(json_of(again, 201, "replay")["id"], first["id"]);
    let mut changed = form.clone();
    changed["timeframe"] = json!("now");
    let reused = send(api, As::Nobody, "POST", "/api/leads", Some(&changed), Some("lead-form-replay-1"));
    assert_eq!(status(reused), 422);
}

fn managers_reassign_and_sales_take_only_unassigned_leads(api: &Api) {
    let form = json!({
        "location_id": "loc-north", "timeframe": "browsing", "preferred_contact": "email",
        "customer": {"name": "Reassign Me", "email": "reassign@example.net"}
    });
    let id = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "lead")["id"].as_str().expect("id").to_owned();
    let path = format!("/api/leads/{id}/assignment");
    // Sales take an unassigned lead for themselves, never for someone else.
    problem(post(api, As::Person(SALES_NORTH), &path, &json!({"rep_id": "usr-sales2-north"})), 403, "", "for other")
        .get("field");
    let taken = json_of(post(api, As::Person(SALES_NORTH), &path, &json!({})), 200, "take");
    assert_eq!(taken["assigned_rep_id"], "usr-sales-north");
    // Once assigned, only a manager moves it.
    assert_eq!(status(post(api, As::Person(SALES2_NORTH), &path, &json!({}))), 403);
    let version = taken["version"].as_i64().unwrap_or(0);
    let stale = post(
        api,
        As::Person(MANAGER_NORTH),
        &path,
        &json!({"rep_id": "usr-sales2-north", "expected_version": version - 1}),
    );
    let conflict = json_of(stale, 409, "stale");
    assert_eq!(conflict["current"]["assigned_rep_id"], "usr-sales-north");
    problem(
        post(api, As::Person(MANAGER_NORTH), &path, &json!({"rep_id": "usr-sales-city"})),
        400,
        "rep_id",
        "rep elsewhere",
    );
    problem(post(api, As::Person(MANAGER_NORTH), &path, &json!({"rep": "x"})), 400, "rep", "unknown field");
    let moved = post(
        api,
        As::Person(MANAGER_NORTH),
        &path,
        &json!({"rep_id": "usr-sales2-north", "expected_version": version}),
    );
    assert_eq!(json_of(moved, 200, "reassign")["assigned_rep_id"], "usr-sales2-north");
    // Another location's manager and workshop staff cannot.
    assert_eq!(status(post(api, As::Person(MANAGER_SOUTH), &path, &json!({"rep_id": "usr-sales-south"}))), 404);
    assert_eq!(status(post(api, As::Person(TECH_NORTH), &path, &json!({}))), 403);
    assert_eq!(status(post(api, As::Device(KIOSK_NORTH), &path, &json!({}))), 403);
    assert_eq!(audit_actions(api, "lead", &id), ["lead.create", "lead.assign", "lead.assign"]);
}

// ---- customers ----

fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

fn staff_search_customers_of_their_locations(api: &Api) {
    let found = json_of(get(api, As::Person(SALES_NORTH), "/api/customers?q=alex.morgan%40work"), 200, "search");
    assert_eq!(items(&found).iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), [json!("cus-90001")]);
    let elsewhere = json_of(get(api, As::Person(SALES_CITY), "/api/customers?q=alex.morgan%40work"), 200, "city");
    assert!(items(&elsewhere).is_empty(), "another location's staff do not see north's customers");
    let first = json_of(get(api, As::Person(MANAGER_NORTH), "/api/customers?limit=2"), 200, "page 1");
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second =
        json_of(get(api, As::Person(MANAGER_NORTH), &format!("/api/customers?limit=2&cursor={cursor}")), 200, "p2");
    assert!(items(&second)[0]["id"].as_str() > items(&first)[1]["id"].as_str());
    problem(get(api, As::Person(SALES_NORTH), "/api/customers?limit=0"), 400, "limit", "limit");
    problem(get(api, As::Person(SALES_NORTH), "/api/customers?q=%22%22"), 400, "q", "empty q");
    problem(get(api, As::Person(SALES_NORTH), "/api/customers?sort=name"), 400, "sort", "unknown param");
    for denied in [TECH_NORTH, ALEX] {
        assert_eq!(status(get(api, As::Person(denied), "/api/customers")), 403, "{denied}");
    }
    assert_eq!(status(get(api, As::Device(KIOSK_NORTH), "/api/customers")), 403);
    assert_eq!(status(get(api, As::Nobody, "/api/customers")), 401);
}

fn a_profile_is_seen_by_its_customer_and_that_locations_staff_only(api: &Api) {
    let me = json_of(get(api, As::Person(ALEX), "/api/customers/me"), 200, "me");
    assert_eq!(me["id"], "cus-00001");
    assert!(me["leads"].is_array() && me["vehicles"].is_array() && me["test_drives"].is_array());
    assert_eq!(status(get(api, As::Person(ALEX), "/api/customers/cus-00001")), 200);
    assert_eq!(status(get(api, As::Person(ALEX), "/api/customers/cus-00002")), 404);
    assert_eq!(status(get(api, As::Person(SAM), "/api/customers/cus-00001/timeline")), 404);
    assert_eq!(status(get(api, As::Person(SALES_NORTH), "/api/customers/cus-90001")), 200);
    assert_eq!(status(get(api, As::Person(SALES_CITY), "/api/customers/cus-90001")), 404);
    assert_eq!(status(get(api, As::Person(TECH_NORTH), "/api/customers/cus-00001")), 403);
    assert_eq!(status(get(api, As::Person(SALES_NORTH), "/api/customers/me")), 403);
    assert_eq!(status(get(api, As::Device(KIOSK_NORTH), "/api/customers/cus-00001")), 403);
}

fn customers_edit_their_own_profile_with_versions(api: &Api) {
    let me = json_of(get(api, As::Person(ALEX), "/api/customers/me"), 200, "me");
    let version = me["version"].as_i64().expect("version");
    let patch = json!({"phone": "07700 900555", "consent_marketing": true, "preferences": {"fuel": "electric"}, "expected_version": version});
    let updated =
        json_of(send(api, As::Person(ALEX), "PATCH", "/api/customers/cus-00001", Some(&patch), None), 200, "patch");
    assert_eq!(updated["phone"], "+447700900555");
    assert_eq!(updated["consent_marketing"], true);
    assert!(updated["consent_updated_at"].is_string());
    assert_eq!(updated["version"], version + 1);
    let stale = send(
        api,
        As::Person(ALEX),
        "PATCH",
        "/api/customers/cus-00001",
        Some(&json!({"name": "A", "expected_version": version})),
        None,
    );
    assert_eq!(json_of(stale, 409, "stale")["current"]["version"], version + 1);
    let bad = json!({"email": "nope", "expected_version": version + 1});
    problem(send(api, As::Person(ALEX), "PATCH", "/api/customers/cus-00001", Some(&bad), None), 400, "email", "email");
    let unknown = json!({"high_value": true, "expected_version": version + 1});
    assert_eq!(status(send(api, As::Person(ALEX), "PATCH", "/api/customers/cus-00001", Some(&unknown), None)), 400);
    let theirs = json!({"name": "Not Sam", "expected_version": 1});
    assert_eq!(status(send(api, As::Person(ALEX), "PATCH", "/api/customers/cus-00002", Some(&theirs), None)), 404);
    assert_eq!(
        status(send(api, As::Person(TECH_NORTH), "PATCH", "/api/customers/cus-00001", Some(&theirs), None)),
        403
    );
    assert_eq!(audit_actions(api, "customer", "cus-00001").iter().filter(|a| *a == "customer.update").count(), 1);
}

fn the_timeline_runs_newest_first_across_channels_and_pages(api: &Api) {
    let first = json_of(get(api, As::Person(SALES_NORTH), "/api/customers/cus-00001/timeline?limit=4"), 200, "page 1");
    let cursor = first["next_cursor"].as_str().expect("more").to_owned();
    let second = json_of(
        get(api, As::Person(SALES_NORTH), &format!("/api/customers/cus-00001/timeline?limit=50&cursor={cursor}")),
        200,
        "page 2",
    );
    let all: Vec<Value> = items(&first).into_iter().chain(items(&second)).collect();
    let times: Vec<&str> = all.iter().filter_map(|a| a["at"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let channels: std::collections::BTreeSet<&str> = all.iter().filter_map(|a| a["channel"].as_str()).collect();
    assert!(channels.len() >= 5, "{channels:?}");
    let ids: std::collections::BTreeSet<i64> = all.iter().filter_map(|a| a["id"].as_i64()).collect();
    assert_eq!(ids.len(), all.len(), "no activity twice across pages");
    problem(get(api, As::Person(SALES_NORTH), "/api/customers/cus-00001/timeline?cursor=abc"), 400, "cursor", "cursor");
}

fn managers_merge_duplicates_in_one_batch(api: &Api) {
    let path = "/api/customers/cus-00001/merge";
    assert_eq!(status(post(api, As::Person(SALES_NORTH), path, &json!({"duplicate_id": "cus-90001"}))), 403);
    assert_eq!(status(post(api, As::Person(ALEX), path, &json!({"duplicate_id": "cus-90001"}))), 403);
    // Another location's manager cannot see the north duplicate (nor, maybe, the survivor).
    let south = status(post(api, As::Person(MANAGER_SOUTH), path, &json!({"duplicate_id": "cus-90001"})));
    assert!(south == 400 || south == 404, "{south}");
    problem(
        post(api, As::Person(MANAGER_NORTH), path, &json!({"duplicate_id": "cus-00001"})),
        400,
        "duplicate_id",
        "itself",
    );
    problem(
        post(api, As::Person(MANAGER_NORTH), path, &json!({"duplicate": "cus-90001"})),
        400,
        "duplicate",
        "unknown",
    );
    // Give the duplicate a lead, then merge: the lead moves with its activity.
    let lead = json_of(
        post(
            api,
            As::Person(SALES_NORTH),
            "/api/leads",
            &json!({
                "customer_id": "cus-90001", "location_id": "loc-north", "timeframe": "browsing", "preferred_contact": "email"
            }),
        ),
        201,
        "duplicate's lead",
    );
    let merged =
        json_of(post(api, As::Person(MANAGER_NORTH), path, &json!({"duplicate_id": "cus-90001"})), 200, "merge");
    assert_eq!(merged["merged"], "cus-90001");
    assert_eq!(merged["survivor"]["id"], "cus-00001");
    assert_eq!(lead_of(api, lead["id"].as_str().unwrap_or(""))["customer_id"], "cus-00001");
    let duplicate = json_of(get(api, As::Person(MANAGER_NORTH), "/api/customers/cus-90001"), 200, "duplicate");
    assert_eq!(duplicate["merged_into"], "cus-00001");
    let timeline =
        json_of(get(api, As::Person(MANAGER_NORTH), "/api/customers/cus-00001/timeline?limit=100"), 200, "tl");
    assert!(items(&timeline).iter().any(|a| a["channel"] == "kiosk" && a["detail"]["note"] == "looks like cus-00001"));
    assert!(items(&timeline).iter().any(|a| a["kind"] == "profiles_merged"));
    // Merged profiles take no part in another merge, either way round.
    problem(
        post(api, As::Person(MANAGER_NORTH), path, &json!({"duplicate_id": "cus-90001"})),
        400,
        "duplicate_id",
        "again",
    );
    let into_merged =
        post(api, As::Person(ADMIN), "/api/customers/cus-90001/merge", &json!({"duplicate_id": "cus-00004"}));
    problem(into_merged, 400, "id", "into merged");
    assert!(audit_actions(api, "customer", "cus-00001").contains(&"customer.merge".to_owned()));
    assert_eq!(audit_actions(api, "customer", "cus-90001"), ["customer.merged_into"]);
    // New leads by the old contact data land on the survivor.
    let mut form = web_form("alex.morgan@work.example");
    form["customer"]["name"] = json!("Alex M");
    let receipt = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "after merge");
    assert_eq!(lead_of(api, receipt["id"].as_str().unwrap_or(""))["customer_id"], "cus-00001");
}

// ---- notifications ----

fn notifications_are_private_and_can_be_read_and_switched_off(api: &Api) {
    let inbox = json_of(get(api, As::Person(SALES_CITY), "/api/notifications"), 200, "inbox");
    let unread = inbox["unread"].as_i64().expect("unread count");
    let first_unread = items(&inbox).into_iter().find(|n| n["read_at"].is_null()).expect("an unread notification");
    let id = first_unread["id"].as_str().expect("id").to_owned();
    // Somebody else's notification does not exist for them.
    assert_eq!(status(post(api, As::Person(SALES_NORTH), &format!("/api/notifications/{id}/read"), &json!({}))), 404);
    let read =
        json_of(post(api, As::Person(SALES_CITY), &format!("/api/notifications/{id}/read"), &json!({})), 200, "read");
    assert!(read["read_at"].is_string());
    let after = json_of(get(api, As::Person(SALES_CITY), "/api/notifications?unread=true"), 200, "unread only");
    assert_eq!(after["unread"].as_i64(), Some(unread - 1));
    assert!(items(&after).iter().all(|n| n["read_at"].is_null() && n["id"] != id.as_str()));
    problem(get(api, As::Person(SALES_CITY), "/api/notifications?unread=maybe"), 400, "unread", "unread flag");
    assert_eq!(status(get(api, As::Device(KIOSK_NORTH), "/api/notifications")), 403);
    assert_eq!(status(get(api, As::Nobody, "/api/notifications")), 401);

    // Preferences: all on by default; switching lead_assigned off stops those notifications.
    let prefs = json_of(get(api, As::Person(SALES2_NORTH), "/api/notifications/preferences"), 200, "prefs");
    assert!(items(&json!({"items": prefs["preferences"]})).iter().all(|p| p["enabled"] == true));
    let off = json!({"preferences": [{"kind": "lead_assigned", "channel": "in_app", "enabled": false}]});
    json_of(send(api, As::Person(SALES2_NORTH), "PUT", "/api/notifications/preferences", Some(&off), None), 200, "put");
    let bad = json!({"preferences": [{"kind": "lottery", "channel": "in_app", "enabled": false}]});
    problem(
        send(api, As::Person(SALES2_NORTH), "PUT", "/api/notifications/preferences", Some(&bad), None),
        400,
        "preferences[0].kind",
        "kind",
    );
    let before = json_of(get(api, As::Person(SALES2_NORTH), "/api/notifications"), 200, "before")["unread"].as_i64();
    let form = json!({
        "location_id": "loc-north", "timeframe": "browsing", "preferred_contact": "email",
        "customer": {"name": "Quiet Lead", "email": "quiet@example.net"}
    });
    let id = json_of(post(api, As::Nobody, "/api/leads", &form), 201, "lead")["id"].as_str().unwrap_or("").to_owned();
    let assigned = post(
        api,
        As::Person(MANAGER_NORTH),
        &format!("/api/leads/{id}/assignment"),
        &json!({"rep_id": "usr-sales2-north"}),
    );
    assert_eq!(status(assigned), 200);
    let later = json_of(get(api, As::Person(SALES2_NORTH), "/api/notifications"), 200, "after")["unread"].as_i64();
    assert_eq!(later, before, "switched off: no new notification");
    let on = json!({"preferences": [{"kind": "lead_assigned", "channel": "in_app", "enabled": true}]});
    json_of(send(api, As::Person(SALES2_NORTH), "PUT", "/api/notifications/preferences", Some(&on), None), 200, "on");
}

// ---- test drives ----

/// RFC 3339 (UTC) `seconds` from now.
fn rfc3339_in(seconds: i64) -> String {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let t = now + seconds;
    let (days, rem) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:00Z", rem / 3600, (rem % 3600) / 60)
}

fn north_vehicle_at(api: &Api, index: usize) -> String {
    let page = api.get_json("/api/vehicles?location=loc-north&limit=20");
    page["items"][index]["id"].as_str().expect("a north vehicle").to_owned()
}

fn book(api: &Api, vehicle: &str, customer: &str, from_hours: i64) -> Value {
    let body = json!({
        "vehicle_id": vehicle, "customer_id": customer,
        "starts_at": rfc3339_in(from_hours * 3600), "ends_at": rfc3339_in(from_hours * 3600 + 3600)
    });
    json_of(post(api, As::Person(SALES_NORTH), "/api/test-drives", &body), 201, "booking")
}

fn calendar_ids(api: &Api, who: As, query: &str) -> Vec<String> {
    let body = json_of(get(api, who, &format!("/api/test-drives{query}")), 200, "calendar");
    items(&body).iter().filter_map(|d| d["id"].as_str().map(str::to_owned)).collect()
}

fn the_test_drive_calendar_is_scoped_and_validated(api: &Api) {
    let drive = book(api, &north_vehicle_at(api, 10), "cus-00001", 50);
    let id = drive["id"].as_str().expect("id").to_owned();
    assert!(calendar_ids(api, As::Person(SALES_NORTH), "").contains(&id));
    assert!(calendar_ids(api, As::Person(MANAGER_NORTH), "?location=loc-north&rep_id=usr-sales-north").contains(&id));
    assert!(!calendar_ids(api, As::Person(MANAGER_NORTH), "?rep_id=usr-sales2-north").contains(&id));
    assert!(calendar_ids(api, As::Person(ALEX), "").contains(&id), "the customer sees their own drive");
    assert!(!calendar_ids(api, As::Person(SAM), "").contains(&id), "another customer does not");
    assert!(!calendar_ids(api, As::Person(SALES_CITY), "").contains(&id), "another location does not");
    assert_eq!(status(get(api, As::Person(SALES_CITY), "/api/test-drives?location=loc-north")), 403);
    for denied in [TECH_NORTH, ADVISOR_NORTH] {
        assert_eq!(status(get(api, As::Person(denied), "/api/test-drives")), 403, "{denied}");
    }
    assert_eq!(status(get(api, As::Device(KIOSK_NORTH), "/api/test-drives")), 403);
    assert_eq!(status(get(api, As::Nobody, "/api/test-drives")), 401);
    problem(get(api, As::Person(SALES_NORTH), "/api/test-drives?from=yesterday"), 400, "from", "from");
    let backwards = format!("/api/test-drives?from={}&to={}", rfc3339_in(7200), rfc3339_in(3600));
    problem(get(api, As::Person(SALES_NORTH), &backwards), 400, "to", "backwards");
    let too_long = format!("/api/test-drives?from={}&to={}", rfc3339_in(0), rfc3339_in(100 * 86_400));
    problem(get(api, As::Person(SALES_NORTH), &too_long), 400, "to", "too long");
    problem(get(api, As::Person(SALES_NORTH), "/api/test-drives?limit=9999"), 400, "limit", "limit");
}

/// Runs the cron's reminder pass. wrangler 4.86 triggers `scheduled` at
/// `/cdn-cgi/handler/scheduled` (`/__scheduled` needs `--test-scheduled` and is shadowed by the
/// assets' SPA fallback here), but workers-rs 0.8.7's entrypoint fails that local trigger with
/// `DataCloneError: Could not serialize object of type "ScheduledController"`; the admin route runs
/// the same function.
fn trigger_cron(api: &Api) {
    let run = json_of(post(api, As::Person(ADMIN), "/api/test-drives/reminders", &json!({})), 200, "reminder run");
    assert!(run["reminded"].is_number());
}

fn reminders_of(api: &Api, email: &str, drive: &str) -> usize {
    let inbox = json_of(get(api, As::Person(email), "/api/notifications?limit=100"), 200, "inbox");
    let link = format!("/test-drives/{drive}");
    items(&inbox).iter().filter(|n| n["kind"] == "test_drive_reminder" && n["link"] == link.as_str()).count()
}

fn the_cron_reminds_drives_within_a_day_once(api: &Api) {
    let soon = book(api, &north_vehicle_at(api, 11), "cus-00001", 2);
    let later = book(api, &north_vehicle_at(api, 12), "cus-00001", 30);
    let (soon, later) = (soon["id"].as_str().unwrap_or("").to_owned(), later["id"].as_str().unwrap_or("").to_owned());
    trigger_cron(api);
    assert_eq!(reminders_of(api, SALES_NORTH, &soon), 1, "the rep is reminded");
    assert_eq!(reminders_of(api, ALEX, &soon), 1, "so is the customer");
    assert_eq!(reminders_of(api, SALES_NORTH, &later), 0, "more than a day ahead: not yet");
    trigger_cron(api);
    assert_eq!(reminders_of(api, SALES_NORTH, &soon), 1, "never twice");
    for denied in [SALES_NORTH, MANAGER_NORTH, ALEX] {
        assert_eq!(status(post(api, As::Person(denied), "/api/test-drives/reminders", &json!({}))), 403, "{denied}");
    }
    let calendar = json_of(get(api, As::Person(SALES_NORTH), "/api/test-drives"), 200, "calendar");
    let entry = items(&calendar).into_iter().find(|d| d["id"] == soon.as_str()).expect("in the calendar");
    assert!(entry["reminder_sent_at"].is_string());
    assert_eq!(audit_actions(api, "test_drive", &soon), ["test_drive.book", "test_drive.reminded"]);
}

// ---- reference data ----

fn reference_data_is_public_cached_and_tagged(api: &Api) {
    for path in ["/api/locations", "/api/makes"] {
        let first = get(api, As::Nobody, path);
        assert_eq!(first.status(), 200, "{path}");
        let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an etag").to_owned();
        let body: Value = first.json().expect("json");
        assert!(!items(&body).is_empty(), "{path}");
        let again = get(api, As::Nobody, path);
        assert_eq!(again.headers().get("x-cache").and_then(|v| v.to_str().ok()), Some("HIT"), "{path}");
        let revalidated =
            api.client.get(format!("{}{path}", api.base)).header("if-none-match", &etag).send().expect("answers");
        assert_eq!(revalidated.status(), 304, "{path}");
        problem(get(api, As::Nobody, &format!("{path}?page=2")), 400, "page", path);
    }
    let locations = json_of(get(api, As::Nobody, "/api/locations"), 200, "locations");
    let north = items(&locations).into_iter().find(|l| l["id"] == "loc-north").expect("north");
    assert_eq!(north["showrooms"][0]["id"], "shw-north");
    assert_eq!(north["showrooms"][0]["zones"].as_array().map(Vec::len), Some(6));
    let makes = json_of(get(api, As::Nobody, "/api/makes"), 200, "makes");
    assert!(items(&makes).iter().all(|m| m["models"].as_array().is_some_and(|models| !models.is_empty())));
}

// ---- kiosk ----

fn assist(api: &Api, who: As, body: &Value, key: &str) -> Response {
    send(api, who, "POST", "/api/kiosk/assistance", Some(body), Some(key))
}

fn a_kiosk_calls_a_rep_to_its_own_showroom_only(api: &Api) {
    let floor_url = api.ws_url("/api/rooms/showroom:shw-north");
    let mut floor = support::connect_as(&floor_url, &token(api, SALES_NORTH)).expect("sales join the floor");
    support::next_of_type(&mut floor, "welcome");
    let car = north_vehicle_at(api, 3);
    // Exactly what the kiosk app sends: its key in the body and the header, and the compared cars.
    let body = json!({"idempotency_key": "kiosk-call-1", "vehicle_ids": [car]});
    let receipt = json_of(assist(api, As::Device(KIOSK_NORTH), &body, "kiosk-call-1"), 201, "call");
    assert_eq!(receipt["showroom_id"], "shw-north");
    assert!(receipt["notified"].as_u64().unwrap_or(0) >= 1);
    let alert = support::next_of_type(&mut floor, "event");
    assert_eq!(alert["event"]["kind"], "floor");
    assert_eq!(alert["event"]["activity"]["what"], "assistance_requested");
    assert_eq!(alert["event"]["activity"]["vehicle_ids"][0], car.as_str());
    let replay = assist(api, As::Device(KIOSK_NORTH), &body, "kiosk-call-1");
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(json_of(replay, 201, "replay")["id"], receipt["id"]);
    let inbox = json_of(get(api, As::Person(SALES_NORTH), "/api/notifications"), 200, "inbox");
    assert!(items(&inbox).iter().any(|n| n["kind"] == "assistance_requested"));
    let id = receipt["id"].as_str().unwrap_or("");
    assert_eq!(audit_actions(api, "assistance_request", id), ["assistance.request"]);
    let zoned = json!({"zone": "new cars"});
    assert_eq!(
        json_of(assist(api, As::Device(KIOSK_NORTH), &zoned, "kiosk-call-2"), 201, "zone")["zone_id"],
        "zone-north-new-cars"
    );

    problem(assist(api, As::Device(KIOSK_NORTH), &json!({"zone": "Roof"}), "kiosk-call-3"), 400, "zone", "zone");
    let south_car = api.get_json("/api/vehicles?location=loc-south&limit=1")["items"][0]["id"].clone();
    let elsewhere = json!({"vehicle_ids": [south_car]});
    problem(assist(api, As::Device(KIOSK_NORTH), &elsewhere, "kiosk-call-4"), 400, "vehicle_ids[0]", "other car");
    let mismatch = json!({"idempotency_key": "other"});
    problem(assist(api, As::Device(KIOSK_NORTH), &mismatch, "kiosk-call-5"), 400, "idempotency_key", "key");
    problem(assist(api, As::Device(KIOSK_NORTH), &json!({"help": true}), "kiosk-call-6"), 400, "help", "unknown");
    for denied in [SALES_NORTH, MANAGER_NORTH, ALEX] {
        assert_eq!(status(assist(api, As::Person(denied), &json!({}), "kiosk-call-7")), 403, "{denied}");
    }
    assert_eq!(status(assist(api, As::Nobody, &json!({}), "kiosk-call-8")), 401);
}
