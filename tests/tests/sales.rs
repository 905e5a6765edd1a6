//! The lead queue and pipeline against the real runtime: who sees which leads, response timers,
//! legal pipeline moves only, and the first response stopping the clock.

mod support;

use serde_json::{json, Value};
use support::{Api, Check};

const CHECKS: &[(&str, Check)] = &[
    ("sales_see_their_locations_queue_with_response_timers", sales_see_their_locations_queue_with_response_timers),
    (
        "customers_see_only_their_own_leads_and_workshop_staff_none",
        customers_see_only_their_own_leads_and_workshop_staff_none,
    ),
    ("the_first_response_stops_the_clock", the_first_response_stops_the_clock),
    (
        "losing_a_lead_needs_a_reason_and_closed_leads_stay_closed",
        losing_a_lead_needs_a_reason_and_closed_leads_stay_closed,
    ),
    ("another_locations_manager_cannot_touch_a_lead", another_locations_manager_cannot_touch_a_lead),
    ("a_vehicle_or_a_rep_is_never_double_booked", a_vehicle_or_a_rep_is_never_double_booked),
    ("test_drives_are_booked_by_that_locations_sales_staff", test_drives_are_booked_by_that_locations_sales_staff),
];

fn main() {
    support::run_checks("it-sales", CHECKS)
}

fn get_as(api: &Api, email: &str, path: &str) -> reqwest::blocking::Response {
    api.client.get(format!("{}{path}", api.base)).bearer_auth(api.login(email)).send().expect("the edge answers")
}

fn queue(api: &Api, email: &str, query: &str) -> Vec<Value> {
    let response = get_as(api, email, &format!("/api/leads?limit=100{query}"));
    assert_eq!(response.status(), 200, "{email}");
    let page: Value = response.json().expect("page");
    page["items"].as_array().cloned().unwrap_or_default()
}

fn move_lead(api: &Api, email: &str, id: &str, body: Value) -> reqwest::blocking::Response {
    api.client
        .post(format!("{}/api/leads/{id}/transitions", api.base))
        .bearer_auth(api.login(email))
        .json(&body)
        .send()
        .expect("the edge answers")
}

fn sales_see_their_locations_queue_with_response_timers(api: &Api) {
    let leads = queue(api, "sales.north@forecourt.example", "");
    assert_eq!(leads.len(), 100);
    assert!(leads.iter().all(|l| l["location_id"] == "loc-north"));
    for lead in &leads {
        let timer = &lead["response"];
        assert!(timer["waited_seconds"].as_u64().is_some());
        // An unanswered lead older than the 15-minute target is overdue; an answered one never is.
        let answered = timer["responded"].as_bool().unwrap_or(false);
        let over = timer["waited_seconds"].as_u64().unwrap_or(0) > 15 * 60;
        assert_eq!(timer["overdue"].as_bool(), Some(!answered && over), "{}", lead["id"]);
    }
    let fresh = queue(api, "sales.north@forecourt.example", "&status=new");
    assert!(!fresh.is_empty() && fresh.iter().all(|l| l["status"] == "new" && l["response"]["overdue"] == true));
}

fn customers_see_only_their_own_leads_and_workshop_staff_none(api: &Api) {
    let own = queue(api, "alex@example.com", "");
    assert!(own.iter().all(|l| l["customer_id"] == "cus-00001"));
    assert_eq!(get_as(api, "tech.north@forecourt.example", "/api/leads").status(), 403);
    assert_eq!(api.get("/api/leads").status(), 401);
    let bad = get_as(api, "sales.north@forecourt.example", "/api/leads?status=maybe");
    assert_eq!(bad.status(), 400);
}

fn the_first_response_stops_the_clock(api: &Api) {
    let lead = queue(api, "sales.north@forecourt.example", "&status=new")[0].clone();
    let id = lead["id"].as_str().expect("id");
    let response =
        move_lead(api, "sales.north@forecourt.example", id, json!({"to": "contacted", "note": "called back"}));
    assert_eq!(response.status(), 200);
    let moved: Value = response.json().expect("lead");
    assert_eq!(moved["status"], "contacted");
    assert_eq!(moved["version"], lead["version"].as_i64().unwrap_or(0) + 1);
    assert_eq!(moved["response"]["responded"], true);
    assert_eq!(moved["response"]["overdue"], false);
    assert!(moved["first_response_at"].as_str().is_some());
    let back = move_lead(api, "sales.north@forecourt.example", id, json!({"to": "new"}));
    assert_eq!(back.status(), 400, "the pipeline never runs backwards");
}

fn losing_a_lead_needs_a_reason_and_closed_leads_stay_closed(api: &Api) {
    let lead = queue(api, "sales.north@forecourt.example", "&status=qualified")[0].clone();
    let id = lead["id"].as_str().expect("id");
    let no_reason = move_lead(api, "sales.north@forecourt.example", id, json!({"to": "lost"}));
    assert_eq!(no_reason.status(), 400);
    let lost =
        move_lead(api, "sales.north@forecourt.example", id, json!({"to": "lost", "lost_reason": "bought elsewhere"}));
    assert_eq!(lost.status(), 200);
    assert_eq!(lost.json::<Value>().expect("lead")["lost_reason"], "bought elsewhere");
    assert_eq!(move_lead(api, "sales.north@forecourt.example", id, json!({"to": "won"})).status(), 400);
}

fn another_locations_manager_cannot_touch_a_lead(api: &Api) {
    let lead = queue(api, "sales.north@forecourt.example", "&status=contacted")[0].clone();
    let id = lead["id"].as_str().expect("id");
    assert_eq!(get_as(api, "manager.south@forecourt.example", &format!("/api/leads/{id}")).status(), 404);
    assert_eq!(move_lead(api, "manager.south@forecourt.example", id, json!({"to": "qualified"})).status(), 404);
    assert_eq!(move_lead(api, "advisor.north@forecourt.example", id, json!({"to": "qualified"})).status(), 403);
    assert_eq!(move_lead(api, "manager.north@forecourt.example", id, json!({"to": "qualified"})).status(), 200);
}

fn book(api: &Api, email: &str, body: Value) -> reqwest::blocking::Response {
    api.client
        .post(format!("{}/api/test-drives", api.base))
        .bearer_auth(api.login(email))
        .json(&body)
        .send()
        .expect("the edge answers")
}

fn north_vehicles(api: &Api) -> Vec<String> {
    let page = api.get_json("/api/vehicles?location=loc-north&limit=5");
    page["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|v| v["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn a_vehicle_or_a_rep_is_never_double_booked(api: &Api) {
    let vehicles = north_vehicles(api);
    let slot = |vehicle: &str, from: &str, to: &str| json!({"vehicle_id": vehicle, "customer_id": "cus-00003", "starts_at": from, "ends_at": to});
    let first =
        book(api, "sales.north@forecourt.example", slot(&vehicles[0], "2026-12-01T10:00:00Z", "2026-12-01T10:45:00Z"));
    assert_eq!(first.status(), 201);
    let booked: Value = first.json().expect("booking");
    assert_eq!(booked["rep_id"], "usr-sales-north");

    // The same car overlapping, with another rep: refused, naming the clash.
    let clash =
        book(api, "sales2.north@forecourt.example", slot(&vehicles[0], "2026-12-01T10:30:00Z", "2026-12-01T11:00:00Z"));
    assert_eq!(clash.status(), 409);
    let problem: Value = clash.json().expect("problem");
    assert_eq!(problem["current"]["id"], booked["id"]);
    // The same rep overlapping, in another car: refused too.
    let busy_rep =
        book(api, "sales.north@forecourt.example", slot(&vehicles[1], "2026-12-01T10:15:00Z", "2026-12-01T10:30:00Z"));
    assert_eq!(busy_rep.status(), 409);
    // Back to back is fine.
    let next =
        book(api, "sales2.north@forecourt.example", slot(&vehicles[0], "2026-12-01T10:45:00Z", "2026-12-01T11:15:00Z"));
    assert_eq!(next.status(), 201);
    let backwards =
        book(api, "sales.north@forecourt.example", slot(&vehicles[2], "2026-12-01T12:00:00Z", "2026-12-01T11:00:00Z"));
    assert_eq!(backwards.status(), 400);
    let not_a_time = book(api, "sales.north@forecourt.example", slot(&vehicles[2], "tomorrow", "2026-12-01T11:00:00Z"));
    assert_eq!(not_a_time.json::<Value>().expect("problem")["field"], "starts_at");
}

fn test_drives_are_booked_by_that_locations_sales_staff(api: &Api) {
    let vehicle = north_vehicles(api)[3].clone();
    let body = json!({"vehicle_id": vehicle, "customer_id": "cus-00004", "starts_at": "2026-12-02T09:00:00Z", "ends_at": "2026-12-02T09:30:00Z"});
    assert_eq!(book(api, "sales.city@forecourt.example", body.clone()).status(), 403);
    assert_eq!(book(api, "alex@example.com", body.clone()).status(), 403);
    assert_eq!(book(api, "tech.north@forecourt.example", body.clone()).status(), 403);
    let unknown_customer = json!({"vehicle_id": vehicle, "customer_id": "cus-99999", "starts_at": "2026-12-02T09:00:00Z", "ends_at": "2026-12-02T09:30:00Z"});
    assert_eq!(book(api, "manager.north@forecourt.example", unknown_customer).status(), 400);
    let for_rep = json!({"vehicle_id": vehicle, "customer_id": "cus-00004", "rep_id": "usr-sales2-north", "starts_at": "2026-12-02T09:00:00Z", "ends_at": "2026-12-02T09:30:00Z"});
    let booked = book(api, "manager.north@forecourt.example", for_rep);
    assert_eq!(booked.status(), 201);
    assert_eq!(booked.json::<Value>().expect("booking")["rep_id"], "usr-sales2-north");
}
