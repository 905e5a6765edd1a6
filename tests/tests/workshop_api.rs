//! The garage & workshop API against the real runtime: appointments within daily capacity, the
//! kiosk check-in, the work-order editor with stock-guarded part lines and reorder alerts, parts
//! and canned jobs; each with its validation errors and the denials PRODUCT.md asks for.

mod support;

use forecourt_domain::identity::Role;
use reqwest::blocking::Response;
use serde_json::{json, Value};
use support::{connect_as, mint_token, next_json, next_of_type, Api, Check, Socket};

const CHECKS: &[(&str, Check)] = &[
    ("a_customer_books_a_service_for_their_own_car", a_customer_books_a_service_for_their_own_car),
    ("a_customer_cannot_book_for_someone_elses_car", a_customer_cannot_book_for_someone_elses_car),
    ("staff_book_only_at_their_locations", staff_book_only_at_their_locations),
    ("a_full_day_is_refused_with_409", a_full_day_is_refused_with_409),
    ("bad_bookings_name_the_wrong_field", bad_bookings_name_the_wrong_field),
    ("appointment_lists_are_scoped_and_filtered", appointment_lists_are_scoped_and_filtered),
    ("rescheduling_and_cancelling_check_the_version", rescheduling_and_cancelling_check_the_version),
    ("a_replayed_booking_is_applied_once", a_replayed_booking_is_applied_once),
    (
        "kiosk_check_in_opens_the_work_order_and_tells_the_board",
        kiosk_check_in_opens_the_work_order_and_tells_the_board,
    ),
    ("kiosk_check_in_moves_a_booked_work_order", kiosk_check_in_moves_a_booked_work_order),
    ("kiosks_check_in_only_their_own_locations_bookings", kiosks_check_in_only_their_own_locations_bookings),
    ("a_repeated_kiosk_check_in_changes_nothing", a_repeated_kiosk_check_in_changes_nothing),
    ("an_advisor_opens_a_walk_in_work_order", an_advisor_opens_a_walk_in_work_order),
    ("an_order_opens_once_per_appointment", an_order_opens_once_per_appointment),
    ("odometer_readings_are_sanity_checked", odometer_readings_are_sanity_checked),
    ("labour_lines_are_versioned_audited_and_totalled", labour_lines_are_versioned_audited_and_totalled),
    ("a_part_line_takes_stock_and_raises_a_reorder_alert", a_part_line_takes_stock_and_raises_a_reorder_alert),
    ("stock_never_goes_below_zero", stock_never_goes_below_zero),
    ("racing_part_lines_never_oversell_a_shelf", racing_part_lines_never_oversell_a_shelf),
    ("changing_and_removing_part_lines_moves_stock", changing_and_removing_part_lines_moves_stock),
    ("technicians_record_codes_on_their_own_jobs_only", technicians_record_codes_on_their_own_jobs_only),
    ("editing_is_denied_outside_the_callers_reach", editing_is_denied_outside_the_callers_reach),
    ("the_parts_list_is_scoped_with_a_low_stock_filter", the_parts_list_is_scoped_with_a_low_stock_filter),
    ("a_canned_job_adds_its_labour_and_parts_in_one_go", a_canned_job_adds_its_labour_and_parts_in_one_go),
    ("inspection_items_recommend_work_without_charging_it", inspection_items_recommend_work_without_charging_it),
    (
        "photos_go_to_r2_and_back_to_those_who_may_see_the_order",
        photos_go_to_r2_and_back_to_those_who_may_see_the_order,
    ),
    ("bad_uploads_are_refused", bad_uploads_are_refused),
    (
        "a_customer_approves_and_declines_lines_through_the_link",
        a_customer_approves_and_declines_lines_through_the_link,
    ),
    ("tampered_expired_and_stale_links_are_refused", tampered_expired_and_stale_links_are_refused),
    ("approval_links_are_for_the_orders_advisors", approval_links_are_for_the_orders_advisors),
    ("job_clocks_need_a_shift_and_one_job_at_a_time", job_clocks_need_a_shift_and_one_job_at_a_time),
    ("my_jobs_show_billed_against_actual_hours", my_jobs_show_billed_against_actual_hours),
    ("the_board_is_for_the_locations_workshop", the_board_is_for_the_locations_workshop),
];

fn main() {
    support::run_checks("it-workshop-api", CHECKS)
}

const NORTH_KIOSK: &str = "fcd_demo-kiosk-north-2026";
const CITY_KIOSK: &str = "fcd_demo-kiosk-city-2026";

fn alex() -> String {
    mint_token("usr-customer-alex", Role::Customer, &[], Some("cus-00001"))
}
fn sam() -> String {
    mint_token("usr-customer-sam", Role::Customer, &[], Some("cus-00002"))
}
fn advisor_north() -> String {
    mint_token("usr-advisor-north", Role::Advisor, &["loc-north"], None)
}
fn advisor_city() -> String {
    mint_token("usr-advisor-city", Role::Advisor, &["loc-city"], None)
}
fn manager_north() -> String {
    mint_token("usr-manager-north", Role::Manager, &["loc-north"], None)
}
fn manager_south() -> String {
    mint_token("usr-manager-south", Role::Manager, &["loc-south"], None)
}
fn tech_north() -> String {
    mint_token("usr-tech-north", Role::Technician, &["loc-north"], None)
}
fn tech2_north() -> String {
    mint_token("usr-tech2-north", Role::Technician, &["loc-north"], None)
}
fn sales_north() -> String {
    mint_token("usr-sales-north", Role::Sales, &["loc-north"], None)
}
fn admin() -> String {
    mint_token("usr-admin", Role::Admin, &[], None)
}

fn send(api: &Api, method: &str, token: &str, path: &str, body: Option<Value>, key: Option<&str>) -> Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = api.client.request(method, format!("{}{path}", api.base)).bearer_auth(token);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().expect("the edge answers")
}

fn post(api: &Api, token: &str, path: &str, body: Value) -> Response {
    send(api, "POST", token, path, Some(body), None)
}

fn get(api: &Api, token: &str, path: &str) -> Response {
    send(api, "GET", token, path, None, None)
}

fn json_of(response: Response, status: u16, what: &str) -> Value {
    let actual = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    assert_eq!(actual, status, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts a problem+json with `status` naming `field`.
fn problem(response: Response, status: u16, field: &str, what: &str) -> Value {
    assert_eq!(
        response.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{what}"
    );
    let body = json_of(response, status, what);
    assert_eq!(body["field"], field, "{what}: {body}");
    body
}

/// A day far enough ahead that bookings made by other checks never share it.
fn future_day(offset: u32) -> String {
    format!("2027-0{}-{:02}", 1 + offset / 28, 1 + offset % 28)
}

fn booking(location: &str, vehicle: &str, day: &str, hour: u32, minutes: u32) -> Value {
    json!({
        "location_id": location, "owned_vehicle_id": vehicle, "service": "Annual service",
        "starts_at": format!("{day}T{hour:02}:00:00Z"), "duration_minutes": minutes,
    })
}

fn audit_actions(api: &Api, entity: &str, id: &str) -> Vec<String> {
    let trail = json_of(get(api, &admin(), &format!("/api/audit?entity={entity}&entity_id={id}")), 200, "audit");
    trail["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect()
}

// ----- appointments -----

fn a_customer_books_a_service_for_their_own_car(api: &Api) {
    let created = json_of(
        post(api, &alex(), "/api/appointments", booking("loc-north", "own-00001", &future_day(1), 9, 60)),
        201,
        "alex books",
    );
    assert_eq!(created["customer_id"], "cus-00001");
    assert_eq!(created["status"], "booked");
    assert!(created["reference"].as_str().is_some_and(|r| r.starts_with("FC-") && r.len() == 9));
    let id = created["id"].as_str().expect("id");
    assert_eq!(audit_actions(api, "appointment", id), ["appointment.book"]);
}

fn a_customer_cannot_book_for_someone_elses_car(api: &Api) {
    let day = future_day(2);
    assert_eq!(
        post(api, &alex(), "/api/appointments", booking("loc-north", "own-00002", &day, 9, 60)).status(),
        403,
        "another customer's car"
    );
    let mut staff = booking("loc-north", "own-00002", &day, 9, 60);
    staff["customer_id"] = json!("cus-00001");
    problem(post(api, &advisor_north(), "/api/appointments", staff), 400, "owned_vehicle_id", "not the customer's car");
    let mut body = booking("loc-north", "own-00002", &day, 9, 60);
    body["customer_id"] = json!("cus-00002");
    assert_eq!(post(api, &alex(), "/api/appointments", body).status(), 403, "booking in another's name");
}

fn staff_book_only_at_their_locations(api: &Api) {
    let day = future_day(3);
    let mut body = booking("loc-city", "own-00001", &day, 9, 60);
    body["customer_id"] = json!("cus-00001");
    assert_eq!(post(api, &advisor_north(), "/api/appointments", body.clone()).status(), 403, "another location");
    assert_eq!(post(api, &sales_north(), "/api/appointments", body.clone()).status(), 403, "sales");
    assert_eq!(post(api, &tech_north(), "/api/appointments", body.clone()).status(), 403, "technician");
    assert_eq!(post(api, NORTH_KIOSK, "/api/appointments", body.clone()).status(), 403, "kiosk");
    assert_eq!(
        api.client.post(format!("{}/api/appointments", api.base)).json(&body).send().expect("answer").status(),
        401
    );
    json_of(post(api, &advisor_city(), "/api/appointments", body), 201, "the city advisor books at city");
}

fn a_full_day_is_refused_with_409(api: &Api) {
    // 40 bay-hours a day at South: four ten-hour jobs fill it.
    let day = future_day(4);
    for hour in 7..11 {
        let mut body = booking("loc-south", "own-00003", &day, hour, 600);
        body["customer_id"] = json!("cus-00003");
        json_of(post(api, &manager_south(), "/api/appointments", body), 201, "filling the day");
    }
    let mut body = booking("loc-south", "own-00003", &day, 12, 15);
    body["customer_id"] = json!("cus-00003");
    let full = json_of(post(api, &manager_south(), "/api/appointments", body.clone()), 409, "the day is full");
    assert_eq!(full["type"].as_str().map(|t| t.ends_with("slot-taken")), Some(true), "{full}");
    assert_eq!(full["current"]["capacity_minutes"], 2_400);
    assert!(full["detail"].as_str().is_some_and(|d| d.contains("full")));
    // The next day is free.
    body["starts_at"] = json!(format!("{}T09:00:00Z", future_day(5)));
    json_of(post(api, &manager_south(), "/api/appointments", body), 201, "the next day");
}

fn bad_bookings_name_the_wrong_field(api: &Api) {
    let day = future_day(6);
    let cases = [
        ("starts_at", json!({"starts_at": "next tuesday"})),
        ("starts_at", json!({"starts_at": "2020-01-01T09:00:00Z"})),
        ("duration_minutes", json!({"duration_minutes": 5})),
        ("duration_minutes", json!({"duration_minutes": 601})),
        ("service", json!({"service": "   "})),
    ];
    for (field, patch) in cases {
        let mut body = booking("loc-north", "own-00001", &day, 9, 60);
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        problem(post(api, &alex(), "/api/appointments", body), 400, field, field);
    }
    let mut body = booking("loc-north", "own-00001", &day, 9, 60);
    body["colour"] = json!("red");
    let refused = json_of(post(api, &alex(), "/api/appointments", body), 400, "unknown field");
    assert!(refused["detail"].as_str().is_some_and(|d| d.contains("colour")), "{refused}");
    let mut body = booking("loc-north", "own-00001", &day, 9, 60);
    body["duration_minutes"] = json!("sixty");
    problem(post(api, &alex(), "/api/appointments", body), 400, "duration_minutes", "wrong type");
}

fn appointment_lists_are_scoped_and_filtered(api: &Api) {
    let mine = json_of(get(api, &alex(), "/api/appointments?limit=100"), 200, "alex lists");
    let items = mine["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|a| a["customer_id"] == "cus-00001"));
    let north = json_of(get(api, &advisor_north(), "/api/appointments?limit=100"), 200, "advisor lists");
    assert!(north["items"].as_array().expect("items").iter().all(|a| a["location_id"] == "loc-north"));
    let day = future_day(7);
    let mut body = booking("loc-north", "own-00002", &day, 9, 60);
    body["customer_id"] = json!("cus-00002");
    json_of(post(api, &advisor_north(), "/api/appointments", body), 201, "booked for sam");
    let ranged = json_of(
        get(api, &advisor_north(), &format!("/api/appointments?from={day}T00:00:00Z&to={day}T23:59:59Z&status=booked")),
        200,
        "range",
    );
    let ranged = ranged["items"].as_array().expect("items");
    assert_eq!(ranged.len(), 1, "{ranged:?}");
    assert_eq!(ranged[0]["customer_id"], "cus-00002");
    let alex_sees = json_of(get(api, &alex(), &format!("/api/appointments?from={day}T00:00:00Z")), 200, "alex range");
    assert!(alex_sees["items"].as_array().expect("items").iter().all(|a| a["customer_id"] == "cus-00001"));
    problem(get(api, &alex(), "/api/appointments?status=arrived"), 400, "status", "bad status");
    problem(get(api, &alex(), "/api/appointments?from=yesterday"), 400, "from", "bad date");
    problem(get(api, &alex(), "/api/appointments?colour=red"), 400, "colour", "unknown parameter");
    assert_eq!(get(api, &sales_north(), "/api/appointments").status(), 403);
    assert_eq!(get(api, &tech_north(), "/api/appointments").status(), 403);
}

fn rescheduling_and_cancelling_check_the_version(api: &Api) {
    let day = future_day(8);
    let created =
        json_of(post(api, &alex(), "/api/appointments", booking("loc-city", "own-00001", &day, 9, 60)), 201, "book");
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/appointments/{id}");
    let moved = json_of(
        send(
            api,
            "PATCH",
            &alex(),
            &path,
            Some(json!({"expected_version": 1, "starts_at": format!("{day}T11:00:00Z")})),
            None,
        ),
        200,
        "reschedule",
    );
    assert_eq!(moved["version"], 2);
    assert!(moved["starts_at"].as_str().is_some_and(|s| s.starts_with(&format!("{day}T11:00"))));
    let stale = json_of(
        send(api, "PATCH", &alex(), &path, Some(json!({"expected_version": 1, "duration_minutes": 30})), None),
        409,
        "stale",
    );
    assert_eq!(stale["current"]["version"], 2);
    assert_eq!(send(api, "PATCH", &sam(), &path, Some(json!({"expected_version": 2})), None).status(), 404, "sam");
    assert_eq!(post(api, &advisor_north(), &format!("{path}/cancel"), json!({"expected_version": 2})).status(), 404);
    let cancelled = json_of(
        post(api, &advisor_city(), &format!("{path}/cancel"), json!({"expected_version": 2, "reason": "sold the car"})),
        200,
        "cancel",
    );
    assert_eq!(cancelled["status"], "cancelled");
    problem(post(api, &alex(), &format!("{path}/cancel"), json!({"expected_version": 3})), 400, "status", "again");
    assert_eq!(
        audit_actions(api, "appointment", id),
        ["appointment.book", "appointment.reschedule", "appointment.cancel"]
    );
}

fn a_replayed_booking_is_applied_once(api: &Api) {
    let day = future_day(9);
    let body = booking("loc-north", "own-00001", &day, 9, 60);
    let first =
        json_of(send(api, "POST", &alex(), "/api/appointments", Some(body.clone()), Some("book-once-1")), 201, "first");
    let again =
        json_of(send(api, "POST", &alex(), "/api/appointments", Some(body), Some("book-once-1")), 201, "replay");
    assert_eq!(first["id"], again["id"]);
    let listed =
        json_of(get(api, &alex(), &format!("/api/appointments?from={day}T00:00:00Z&to={day}T23:59:59Z")), 200, "list");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

// ----- kiosk -----

fn check_in(api: &Api, token: &str, reference: &str, last_name: &str, key: &str) -> Response {
    send(
        api,
        "POST",
        token,
        "/api/kiosk/check-in",
        Some(json!({"idempotency_key": key, "booking_reference": reference, "last_name": last_name})),
        Some(key),
    )
}

fn room(api: &Api, token: &str, name: &str) -> Socket {
    let mut socket = connect_as(&api.ws_url(&format!("/api/rooms/{name}")), token).expect("may join");
    while next_json(&mut socket)["type"] != "welcome" {}
    socket
}

fn kiosk_check_in_opens_the_work_order_and_tells_the_board(api: &Api) {
    let mut board = room(api, &advisor_north(), "board:loc-north");
    let mut floor = room(api, &sales_north(), "showroom:shw-north");
    let answer = json_of(check_in(api, NORTH_KIOSK, "fc-nrth 22", " morgan ", "kiosk-visit-1"), 200, "check in");
    assert_eq!(answer["checked_in"], true);
    assert_eq!(answer["work_order_status"], "checked_in");
    assert!(answer.get("customer_id").is_none() && answer.get("customer_name").is_none(), "nothing personal");
    let event = next_of_type(&mut board, "event");
    assert_eq!(event["event"]["kind"], "work_order_transitioned");
    assert_eq!(event["event"]["to"], "checked_in");
    let arrival = next_of_type(&mut floor, "event");
    assert_eq!(arrival["event"]["kind"], "floor");
    assert_eq!(arrival["event"]["activity"]["what"], "entered");
    let appointment = json_of(get(api, &advisor_north(), "/api/appointments?status=checked_in&limit=100"), 200, "list");
    let found =
        appointment["items"].as_array().expect("items").iter().find(|a| a["id"] == "apt-today-north-1").cloned();
    assert!(found.is_some_and(|a| a["arrived_at"].is_string()));
    let order_id = event["event"]["work_order_id"].as_str().expect("order id");
    let order = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{order_id}")), 200, "the new order");
    assert_eq!(order["complaint"], "Annual service");
    assert_eq!(order["customer_id"], "cus-00001");
}

fn kiosk_check_in_moves_a_booked_work_order(api: &Api) {
    let before = json_of(get(api, &advisor_north(), "/api/work-orders/wo-apt-today-north-2"), 200, "before");
    assert_eq!(before["status"], "booked");
    json_of(check_in(api, NORTH_KIOSK, "FC-NRTH33", "Patel", "kiosk-visit-2"), 200, "check in");
    let after = json_of(get(api, &advisor_north(), "/api/work-orders/wo-apt-today-north-2"), 200, "after");
    assert_eq!(after["status"], "checked_in");
    assert_eq!(after["version"], before["version"].as_i64().unwrap_or(0) + 1);
    let last = after["history"].as_array().and_then(|h| h.last().cloned()).expect("history");
    assert_eq!(last["to_status"], "checked_in");
    assert_eq!(last["actor_id"], "dev-kiosk-north");
}

fn kiosks_check_in_only_their_own_locations_bookings(api: &Api) {
    problem(check_in(api, CITY_KIOSK, "FC-NRTH44", "Patel", "k-3"), 400, "booking_reference", "other location");
    problem(check_in(api, NORTH_KIOSK, "FC-NRTH44", "Morgan", "k-4"), 400, "booking_reference", "wrong name");
    problem(check_in(api, NORTH_KIOSK, "hello", "Patel", "k-5"), 400, "booking_reference", "malformed");
    problem(check_in(api, NORTH_KIOSK, "FC-NRTH44", "", "k-6"), 400, "last_name", "no name");
    assert_eq!(check_in(api, &advisor_north(), "FC-NRTH44", "Patel", "k-7").status(), 403, "a person");
    assert_eq!(check_in(api, "fcd_not-a-kiosk", "FC-NRTH44", "Patel", "k-8").status(), 401, "unknown device");
    let unchanged = json_of(get(api, &advisor_north(), "/api/appointments?status=booked&limit=100"), 200, "list");
    assert!(unchanged["items"].as_array().expect("items").iter().any(|a| a["id"] == "apt-today-north-3"));
}

fn a_repeated_kiosk_check_in_changes_nothing(api: &Api) {
    let first = json_of(check_in(api, CITY_KIOSK, "FC-CTYA22", "Morgan", "kiosk-city-1"), 200, "first");
    let replay = json_of(check_in(api, CITY_KIOSK, "FC-CTYA22", "Morgan", "kiosk-city-1"), 200, "replay");
    assert_eq!(first, replay);
    let second = json_of(check_in(api, CITY_KIOSK, "FC-CTYA22", "Morgan", "kiosk-city-2"), 200, "another tap");
    assert_eq!(second["checked_in"], true);
    assert_eq!(audit_actions(api, "appointment", "apt-today-city-1"), ["appointment.check_in"]);
}

// ----- the work-order editor -----

/// The car's last odometer reading, as the edge reports it when refusing a lower one.
fn odometer(api: &Api, vehicle: &str, customer: &str) -> i64 {
    let body = json!({"location_id": "loc-north", "customer_id": customer, "owned_vehicle_id": vehicle,
                      "complaint": "probe", "mileage_in": 0});
    let refused = problem(post(api, &advisor_north(), "/api/work-orders", body), 400, "mileage_in", "probe");
    let detail = refused["detail"].as_str().unwrap_or_default().to_owned();
    detail
        .split("it read ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no reading in {detail}"))
}

fn open_walk_in(api: &Api, token: &str, location: &str) -> Value {
    let reading = odometer(api, "own-00001", "cus-00001");
    let body = json!({"location_id": location, "customer_id": "cus-00001", "owned_vehicle_id": "own-00001",
                      "complaint": "Knocking from the front", "mileage_in": reading + 10, "technician_id": null});
    json_of(post(api, token, "/api/work-orders", body), 201, "walk-in")
}

fn an_advisor_opens_a_walk_in_work_order(api: &Api) {
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    assert_eq!(order["status"], "checked_in");
    assert_eq!(order["advisor_id"], "usr-advisor-north");
    assert_eq!(order["version"], 1);
    let id = order["id"].as_str().expect("id");
    assert_eq!(audit_actions(api, "work_order", id), ["work_order.open"]);
    let body = json!({"location_id": "loc-city", "customer_id": "cus-00001", "owned_vehicle_id": "own-00001",
                      "complaint": "x", "mileage_in": 999_999});
    assert_eq!(post(api, &advisor_north(), "/api/work-orders", body.clone()).status(), 403, "another location");
    assert_eq!(post(api, &tech_north(), "/api/work-orders", body.clone()).status(), 403, "technician");
    assert_eq!(post(api, &alex(), "/api/work-orders", body.clone()).status(), 403, "customer");
    assert_eq!(post(api, &sales_north(), "/api/work-orders", body).status(), 403, "sales");
    let wrong_car = json!({"location_id": "loc-north", "customer_id": "cus-00001", "owned_vehicle_id": "own-00002",
                           "complaint": "x", "mileage_in": 1});
    problem(post(api, &advisor_north(), "/api/work-orders", wrong_car), 400, "owned_vehicle_id", "not their car");
    let mut bay = json!({"location_id": "loc-north", "customer_id": "cus-00001", "owned_vehicle_id": "own-00001",
                         "complaint": "x", "mileage_in": odometer(api, "own-00001", "cus-00001"), "bay_id": "bay-city-1"});
    problem(post(api, &advisor_north(), "/api/work-orders", bay.clone()), 400, "bay_id", "another location's bay");
    bay["bay_id"] = json!(null);
    bay["technician_id"] = json!("usr-tech-city");
    problem(post(api, &advisor_north(), "/api/work-orders", bay), 400, "technician_id", "another location's tech");
}

fn an_order_opens_once_per_appointment(api: &Api) {
    let body = json!({"appointment_id": "apt-today-north-2", "mileage_in": 1});
    let taken = json_of(post(api, &advisor_north(), "/api/work-orders", body), 409, "second order");
    assert_eq!(taken["current"]["id"], "wo-apt-today-north-2");
    let body = json!({"appointment_id": "apt-today-north-2", "mileage_in": 1});
    problem(post(api, &advisor_city(), "/api/work-orders", body), 400, "appointment_id", "not visible to city");
}

fn odometer_readings_are_sanity_checked(api: &Api) {
    let reading = odometer(api, "own-00001", "cus-00001");
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let path = format!("/api/work-orders/{id}");
    let lower = problem(
        send(api, "PATCH", &advisor_north(), &path, Some(json!({"mileage_in": reading - 500})), None),
        400,
        "mileage_in",
        "lower",
    );
    assert!(lower["detail"].as_str().is_some_and(|d| d.contains("never go down")), "{lower}");
    let implausible = json!({"mileage_in": reading + 5_000_000});
    let flagged = problem(
        send(api, "PATCH", &advisor_north(), &path, Some(implausible.clone()), None),
        400,
        "mileage_in",
        "jump",
    );
    assert!(flagged["detail"].as_str().is_some_and(|d| d.contains("manager")), "{flagged}");
    let mut confirmed = implausible;
    confirmed["mileage_confirmed"] = json!(true);
    problem(
        send(api, "PATCH", &advisor_north(), &path, Some(confirmed.clone()), None),
        400,
        "mileage_in",
        "advisor cannot confirm",
    );
    let accepted = json_of(send(api, "PATCH", &manager_north(), &path, Some(confirmed), None), 200, "manager confirms");
    assert_eq!(accepted["mileage_in"], reading + 5_000_000);
}

fn labour_lines_are_versioned_audited_and_totalled(api: &Api) {
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let mut board = room(api, &tech_north(), "board:loc-north");
    let added = json_of(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/labour"),
            json!({"operation": "Replace drop link", "hours": 1.5, "rate_cents": 9_000, "expected_version": 1}),
        ),
        201,
        "add labour",
    );
    assert_eq!(added["version"], 2);
    assert_eq!(added["totals"]["labour"], 13_500);
    let event = next_of_type(&mut board, "event");
    assert_eq!(event["event"]["kind"], "work_order_updated");
    assert_eq!(event["event"]["what"], "labour_added");
    let line = added["labour"][0]["id"].as_str().expect("line id").to_owned();
    let line_path = format!("/api/work-orders/{id}/labour/{line}");
    let stale = json_of(
        send(api, "PATCH", &advisor_north(), &line_path, Some(json!({"hours": 2.0, "expected_version": 1})), None),
        409,
        "stale",
    );
    assert_eq!(stale["current"]["version"], 2);
    let changed = json_of(
        send(api, "PATCH", &advisor_north(), &line_path, Some(json!({"hours": 2.0, "expected_version": 2})), None),
        200,
        "update",
    );
    assert_eq!(changed["totals"]["labour"], 18_000);
    for (body, field) in [
        (json!({"operation": "x", "hours": 0, "rate_cents": 100}), "hours"),
        (json!({"operation": "x", "hours": 1, "rate_cents": -1}), "rate_cents"),
        (json!({"operation": "", "hours": 1, "rate_cents": 1}), "operation"),
        (json!({"operation": "x", "hours": "one", "rate_cents": 1}), "hours"),
    ] {
        problem(post(api, &advisor_north(), &format!("/api/work-orders/{id}/labour"), body), 400, field, field);
    }
    let removed = json_of(
        send(api, "DELETE", &advisor_north(), &line_path, Some(json!({"expected_version": 3})), None),
        200,
        "remove",
    );
    assert_eq!(removed["labour"].as_array().map(Vec::len), Some(0));
    assert_eq!(removed["version"], 4);
    assert_eq!(send(api, "DELETE", &advisor_north(), &line_path, Some(json!({})), None).status(), 404, "gone");
    assert_eq!(
        audit_actions(api, "work_order", id),
        ["work_order.open", "work_order.labour_added", "work_order.labour_updated", "work_order.labour_removed"]
    );
}

fn shelf(api: &Api, token: &str, part: &str, location: &str) -> Value {
    let page = json_of(get(api, token, &format!("/api/parts?location_id={location}&limit=100")), 200, "parts");
    page["items"].as_array().and_then(|items| items.iter().find(|p| p["id"] == part).cloned()).expect("the part")
}

fn a_part_line_takes_stock_and_raises_a_reorder_alert(api: &Api) {
    let before = shelf(api, &advisor_north(), "prt-north-spk-plug", "loc-north");
    assert_eq!((before["quantity_on_hand"].as_i64(), before["low"].as_bool()), (Some(6), Some(false)));
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let mut inbox = room(api, &manager_north(), "user:usr-manager-north");
    let added = json_of(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/parts"),
            json!({"part_id": "prt-north-spk-plug", "quantity": 1}),
        ),
        201,
        "add part",
    );
    assert_eq!(added["parts"][0]["unit_price_cents"], 1_200);
    assert_eq!(added["totals"]["parts"], 1_200);
    let after = shelf(api, &advisor_north(), "prt-north-spk-plug", "loc-north");
    assert_eq!((after["quantity_on_hand"].as_i64(), after["low"].as_bool()), (Some(5), Some(true)));
    let alert = next_of_type(&mut inbox, "event");
    assert_eq!(alert["event"]["kind"], "notification");
    assert!(alert["event"]["title"].as_str().is_some_and(|t| t.contains("SPK-PLUG")), "{alert}");
}

fn stock_never_goes_below_zero(api: &Api) {
    let before = shelf(api, &advisor_north(), "prt-north-brk-dsc-f", "loc-north");
    let on_hand = before["quantity_on_hand"].as_i64().expect("on hand");
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let refused = problem(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/parts"),
            json!({"part_id": "prt-north-brk-dsc-f", "quantity": on_hand + 1}),
        ),
        400,
        "quantity",
        "more than the shelf",
    );
    assert!(refused["detail"].as_str().is_some_and(|d| d.contains("in stock")));
    assert_eq!(shelf(api, &advisor_north(), "prt-north-brk-dsc-f", "loc-north")["quantity_on_hand"], on_hand);
    let order = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "unchanged");
    assert_eq!(order["version"], 1, "a refused line changes nothing");
    problem(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/parts"),
            json!({"part_id": "prt-city-flt-oil", "quantity": 1}),
        ),
        400,
        "part_id",
        "another location's shelf",
    );
    problem(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/parts"),
            json!({"part_id": "prt-north-flt-oil", "quantity": 0}),
        ),
        400,
        "quantity",
        "zero",
    );
}

fn racing_part_lines_never_oversell_a_shelf(api: &Api) {
    let on_hand =
        shelf(api, &advisor_north(), "prt-north-wsh-fluid", "loc-north")["quantity_on_hand"].as_i64().expect("on hand");
    let orders: Vec<String> = (0..2)
        .map(|_| open_walk_in(api, &advisor_north(), "loc-north")["id"].as_str().expect("id").to_owned())
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .iter()
            .map(|id| {
                scope.spawn(move || {
                    let body = json!({"part_id": "prt-north-wsh-fluid", "quantity": on_hand});
                    post(api, &advisor_north(), &format!("/api/work-orders/{id}/parts"), body).status().as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [201, 400], "exactly one line gets the shelf: {statuses:?}");
    assert_eq!(shelf(api, &advisor_north(), "prt-north-wsh-fluid", "loc-north")["quantity_on_hand"], 0);
    let lines: usize = orders
        .iter()
        .map(|id| {
            json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "order")["parts"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(lines, 1, "the refused order has no line");
}

fn changing_and_removing_part_lines_moves_stock(api: &Api) {
    let start = shelf(api, &advisor_north(), "prt-north-oil-5w30-5l", "loc-north")["quantity_on_hand"]
        .as_i64()
        .expect("on hand");
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let added = json_of(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/parts"),
            json!({"part_id": "prt-north-oil-5w30-5l", "quantity": 2}),
        ),
        201,
        "add",
    );
    let line = added["parts"][0]["id"].as_str().expect("line").to_owned();
    let path = format!("/api/work-orders/{id}/parts/{line}");
    json_of(
        send(api, "PATCH", &advisor_north(), &path, Some(json!({"quantity": 3, "expected_version": 2})), None),
        200,
        "grow",
    );
    assert_eq!(shelf(api, &advisor_north(), "prt-north-oil-5w30-5l", "loc-north")["quantity_on_hand"], start - 3);
    json_of(send(api, "PATCH", &advisor_north(), &path, Some(json!({"quantity": 1})), None), 200, "shrink");
    assert_eq!(shelf(api, &advisor_north(), "prt-north-oil-5w30-5l", "loc-north")["quantity_on_hand"], start - 1);
    let removed = json_of(
        send(api, "DELETE", &advisor_north(), &path, Some(json!({"expected_version": 4})), None),
        200,
        "remove",
    );
    assert_eq!(removed["totals"]["parts"], 0);
    assert_eq!(shelf(api, &advisor_north(), "prt-north-oil-5w30-5l", "loc-north")["quantity_on_hand"], start);
}

fn technicians_record_codes_on_their_own_jobs_only(api: &Api) {
    // wo-open-03 is a North job of tech.north (diagnosing).
    let code = json!({"code": "p0301", "description": "Cylinder 1 misfire", "severity": "high"});
    let added =
        json_of(post(api, &tech_north(), "/api/work-orders/wo-open-03/diagnostic-codes", code.clone()), 201, "own job");
    let codes = added["diagnostic_codes"].as_array().expect("codes");
    assert!(codes.iter().any(|c| c["code"] == "P0301" && c["severity"] == "high"));
    assert_eq!(
        post(api, &tech2_north(), "/api/work-orders/wo-open-03/diagnostic-codes", code.clone()).status(),
        404,
        "someone else's job"
    );
    assert_eq!(
        post(
            api,
            &tech_north(),
            "/api/work-orders/wo-open-03/labour",
            json!({"operation": "x", "hours": 1, "rate_cents": 1})
        )
        .status(),
        403,
        "technicians do not price work"
    );
    let mut bad = code.clone();
    bad["severity"] = json!("apocalyptic");
    problem(post(api, &tech_north(), "/api/work-orders/wo-open-03/diagnostic-codes", bad), 400, "severity", "severity");
    let mut bad = code;
    bad["code"] = json!("P03 01; DROP");
    problem(post(api, &tech_north(), "/api/work-orders/wo-open-03/diagnostic-codes", bad), 400, "code", "code");
    let id = codes[0]["id"].as_str().expect("code id");
    let removed = json_of(
        send(
            api,
            "DELETE",
            &tech_north(),
            &format!("/api/work-orders/wo-open-03/diagnostic-codes/{id}"),
            Some(json!({})),
            None,
        ),
        200,
        "remove",
    );
    assert!(removed["diagnostic_codes"].as_array().is_some_and(|c| c.iter().all(|c| c["id"] != id)));
}

fn editing_is_denied_outside_the_callers_reach(api: &Api) {
    let labour = json!({"operation": "x", "hours": 1, "rate_cents": 100});
    // wo-open-02 is at City.
    assert_eq!(
        post(api, &advisor_north(), "/api/work-orders/wo-open-02/labour", labour.clone()).status(),
        404,
        "another location's advisor"
    );
    assert_eq!(
        post(api, &manager_south(), "/api/work-orders/wo-open-02/labour", labour.clone()).status(),
        404,
        "another location's manager"
    );
    assert_eq!(post(api, &alex(), "/api/work-orders/wo-open-01/labour", labour.clone()).status(), 403, "the customer");
    assert_eq!(
        post(api, &sam(), "/api/work-orders/wo-open-01/labour", labour.clone()).status(),
        403,
        "another customer"
    );
    assert_eq!(post(api, &sales_north(), "/api/work-orders/wo-open-01/labour", labour.clone()).status(), 403, "sales");
    assert_eq!(post(api, NORTH_KIOSK, "/api/work-orders/wo-open-01/labour", labour.clone()).status(), 403, "kiosk");
    // wo-00001 is collected.
    problem(post(api, &admin(), "/api/work-orders/wo-00001/labour", labour), 400, "work_order", "closed order");
}

fn the_parts_list_is_scoped_with_a_low_stock_filter(api: &Api) {
    let north = json_of(get(api, &advisor_north(), "/api/parts?limit=100"), 200, "north");
    let items = north["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.iter().all(|p| p["location_id"] == "loc-north"));
    let low = json_of(get(api, &advisor_north(), "/api/parts?low=true&limit=100"), 200, "low");
    let low = low["items"].as_array().expect("items");
    assert!(!low.is_empty());
    assert!(low.iter().all(|p| p["low"] == true && p["quantity_on_hand"].as_i64() <= p["reorder_threshold"].as_i64()));
    assert_eq!(get(api, &advisor_north(), "/api/parts?location_id=loc-city").status(), 403, "another location");
    assert_eq!(get(api, &tech_north(), "/api/parts").status(), 403, "technician");
    assert_eq!(get(api, &alex(), "/api/parts").status(), 403, "customer");
    assert_eq!(get(api, NORTH_KIOSK, "/api/parts").status(), 403, "kiosk");
    problem(get(api, &advisor_north(), "/api/parts?low=maybe"), 400, "low", "low");
    let everything = json_of(get(api, &admin(), "/api/parts?limit=100"), 200, "admin");
    assert!(everything["items"].as_array().expect("items").iter().any(|p| p["location_id"] == "loc-south"));
}

fn a_canned_job_adds_its_labour_and_parts_in_one_go(api: &Api) {
    let listed = get(api, &advisor_north(), "/api/canned-jobs");
    assert!(listed.headers().get("x-cache").is_some());
    let listed = json_of(listed, 200, "canned jobs");
    let job = listed["items"].as_array().and_then(|j| j.iter().find(|j| j["id"] == "cj-1").cloned()).expect("cj-1");
    assert_eq!(get(api, &sales_north(), "/api/canned-jobs").status(), 403);
    assert_eq!(get(api, &alex(), "/api/canned-jobs").status(), 403);
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let applied = json_of(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/canned-jobs"),
            json!({"canned_job_id": "cj-1", "expected_version": 1}),
        ),
        201,
        "apply",
    );
    assert_eq!(applied["labour"][0]["operation"], job["operation"]);
    assert_eq!(applied["parts"].as_array().map(Vec::len), job["parts"].as_array().map(Vec::len));
    assert_eq!(applied["totals"]["net"], job["price_cents"], "the job's price, split into labour and parts");
    assert_eq!(applied["version"], 2);
    problem(
        post(api, &advisor_north(), &format!("/api/work-orders/{id}/canned-jobs"), json!({"canned_job_id": "cj-999"})),
        400,
        "canned_job_id",
        "unknown job",
    );
    assert_eq!(
        post(api, &tech_north(), "/api/work-orders/wo-open-03/canned-jobs", json!({"canned_job_id": "cj-1"})).status(),
        403
    );
}

// ----- inspection, photos, approvals -----

fn inspect(api: &Api, token: &str, id: &str, body: Value) -> Response {
    post(api, token, &format!("/api/work-orders/{id}/inspection"), body)
}

/// A fresh North order with two red items recommending work (pending lines).
fn inspected_order(api: &Api) -> (String, Vec<String>) {
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id").to_owned();
    for (item, operation) in [("Front brake pads", "Replace front pads"), ("Wiper blades", "Replace wipers")] {
        let body = json!({"item": item, "rating": "red", "note": "worn",
                          "recommended": {"operation": operation, "hours": 1.0, "rate_cents": 9_000}});
        json_of(inspect(api, &advisor_north(), &id, body), 201, "inspect");
    }
    let detail = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "detail");
    let lines = detail["labour"]
        .as_array()
        .expect("labour")
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    (id, lines)
}

fn inspection_items_recommend_work_without_charging_it(api: &Api) {
    let (id, lines) = inspected_order(api);
    let detail = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "detail");
    assert_eq!(lines.len(), 2);
    assert!(detail["labour"].as_array().expect("labour").iter().all(|l| l["approval"] == "pending"));
    assert_eq!(detail["totals"]["labour"], 0, "pending work is not charged");
    assert!(detail["inspection"].as_array().expect("items").iter().all(|i| i["labour_id"].is_string()));
    let green =
        json_of(inspect(api, &advisor_north(), &id, json!({"item": "Tyres", "rating": "green"})), 201, "green item");
    assert_eq!(green["inspection"].as_array().map(Vec::len), Some(3));
    for (body, field) in [
        (json!({"item": "Tyres", "rating": "purple"}), "rating"),
        (json!({"item": "", "rating": "red"}), "item"),
        (
            json!({"item": "Tyres", "rating": "green", "recommended": {"operation": "x", "hours": 1, "rate_cents": 1}}),
            "recommended",
        ),
        (
            json!({"item": "Tyres", "rating": "red", "recommended": {"operation": "x", "hours": 0, "rate_cents": 1}}),
            "recommended.hours",
        ),
    ] {
        problem(inspect(api, &advisor_north(), &id, body), 400, field, field);
    }
    // Technicians record findings on their own jobs only.
    json_of(inspect(api, &tech_north(), "wo-open-03", json!({"item": "Coolant", "rating": "amber"})), 201, "own job");
    assert_eq!(inspect(api, &tech2_north(), "wo-open-03", json!({"item": "Coolant", "rating": "amber"})).status(), 404);
    assert_eq!(inspect(api, &advisor_city(), &id, json!({"item": "Coolant", "rating": "amber"})).status(), 404);
    assert_eq!(inspect(api, &alex(), &id, json!({"item": "Coolant", "rating": "amber"})).status(), 403);
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 1, 2, 3, 4];

fn upload(api: &Api, token: &str, id: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    api.client
        .put(format!("{}/api/work-orders/{id}/documents", api.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .expect("the edge answers")
}

fn photos_go_to_r2_and_back_to_those_who_may_see_the_order(api: &Api) {
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    let stored = json_of(upload(api, &advisor_north(), id, "image/png", PNG.to_vec()), 201, "upload");
    let doc = stored["id"].as_str().expect("doc id");
    assert_eq!(stored["bytes"], PNG.len());
    let again = json_of(upload(api, &advisor_north(), id, "image/png", PNG.to_vec()), 200, "same photo again");
    assert_eq!(again["id"], doc, "content-addressed: one document");
    let path = format!("/api/work-orders/{id}/documents/{doc}");
    for (who, token) in [("advisor", advisor_north()), ("the customer", alex()), ("admin", admin())] {
        let response = get(api, &token, &path);
        assert_eq!(response.status(), 200, "{who}");
        assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
        assert_eq!(response.bytes().expect("bytes").as_ref(), PNG, "{who}");
    }
    for (who, token) in
        [("another customer", sam()), ("another location", advisor_city()), ("another technician", tech_north())]
    {
        assert_eq!(get(api, &token, &path).status(), 404, "{who}");
    }
    assert_eq!(get(api, &sales_north(), &path).status(), 403, "sales");
    let detail = json_of(get(api, &alex(), &format!("/api/work-orders/{id}")), 200, "detail");
    assert_eq!(detail["documents"][0]["id"], doc);
    assert!(audit_actions(api, "work_order", id).contains(&"work_order.document_added".to_owned()));
}

fn bad_uploads_are_refused(api: &Api) {
    let order = open_walk_in(api, &advisor_north(), "loc-north");
    let id = order["id"].as_str().expect("id");
    problem(upload(api, &advisor_north(), id, "text/html", b"<script>".to_vec()), 400, "content-type", "html");
    problem(upload(api, &advisor_north(), id, "image/jpeg", PNG.to_vec()), 400, "content-type", "not a jpeg");
    let huge = upload(api, &advisor_north(), id, "image/png", vec![0u8; 8 * 1024 * 1024 + 1]);
    assert_eq!(huge.status(), 413);
    assert_eq!(upload(api, &alex(), id, "image/png", PNG.to_vec()).status(), 403, "customers do not upload");
    assert_eq!(upload(api, &advisor_city(), id, "image/png", PNG.to_vec()).status(), 404, "another location");
    let detail = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "detail");
    assert_eq!(detail["documents"].as_array().map(Vec::len), Some(0));
}

fn approval_link(api: &Api, id: &str) -> String {
    let link =
        json_of(post(api, &advisor_north(), &format!("/api/work-orders/{id}/approval-link"), json!({})), 201, "link");
    assert!(link["path"].as_str().is_some_and(|p| p.starts_with("/approve/fca1.")));
    link["token"].as_str().expect("token").to_owned()
}

fn anonymous(api: &Api, method: &str, path: &str, body: Option<Value>) -> Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = api.client.request(method, format!("{}{path}", api.base));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().expect("the edge answers")
}

fn a_customer_approves_and_declines_lines_through_the_link(api: &Api) {
    let (id, lines) = inspected_order(api);
    let token = approval_link(api, &id);
    let view = json_of(anonymous(api, "GET", &format!("/api/approvals/{token}"), None), 200, "view");
    assert_eq!(view["work_order_id"], id.as_str());
    assert_eq!(view["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(view["lines"][0]["price_cents"], 9_000);
    assert!(view.get("customer_id").is_none(), "nothing personal on a link");
    // One line now, the other later: each on its own.
    let first = json_of(
        anonymous(
            api,
            "POST",
            &format!("/api/approvals/{token}"),
            Some(json!({"decisions": [{"line_id": lines[0], "decision": "approve"}]})),
        ),
        200,
        "approve one",
    );
    assert_eq!(first["totals"]["labour"], 9_000);
    json_of(
        anonymous(
            api,
            "POST",
            &format!("/api/approvals/{token}"),
            Some(json!({"decisions": [{"line_id": lines[1], "decision": "decline"}]})),
        ),
        200,
        "decline the other",
    );
    problem(
        anonymous(
            api,
            "POST",
            &format!("/api/approvals/{token}"),
            Some(json!({"decisions": [{"line_id": lines[0], "decision": "decline"}]})),
        ),
        400,
        "decisions[0].line_id",
        "already decided",
    );
    problem(
        anonymous(
            api,
            "POST",
            &format!("/api/approvals/{token}"),
            Some(json!({"decisions": [{"line_id": lines[0], "decision": "maybe"}]})),
        ),
        400,
        "decisions[0].decision",
        "bad decision",
    );
    let detail = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "detail");
    let approvals: Vec<&str> =
        detail["labour"].as_array().expect("labour").iter().filter_map(|l| l["approval"].as_str()).collect();
    assert_eq!(approvals, ["approved", "declined"]);
    let declined = json_of(get(api, &advisor_north(), "/api/declined-work?limit=100"), 200, "declined");
    let entry = declined["items"]
        .as_array()
        .and_then(|d| d.iter().find(|l| l["line_id"] == lines[1].as_str()).cloned())
        .expect("kept");
    assert!(entry["follow_up_at"].is_string());
    let city = json_of(get(api, &advisor_city(), "/api/declined-work?limit=100"), 200, "city");
    assert!(city["items"].as_array().expect("items").iter().all(|l| l["location_id"] == "loc-city"));
    assert_eq!(get(api, &tech_north(), "/api/declined-work").status(), 403);
    assert_eq!(get(api, &alex(), "/api/declined-work").status(), 403);
    problem(get(api, &advisor_north(), "/api/declined-work?due=soon"), 400, "due", "due");
    assert!(audit_actions(api, "work_order", &id).contains(&"work_order.approval".to_owned()));
}

fn tampered_expired_and_stale_links_are_refused(api: &Api) {
    let (id, lines) = inspected_order(api);
    let token = approval_link(api, &id);
    // The same order and version, signed by someone without the key.
    let forged_claims =
        forecourt_domain::workshop::approval::ApprovalClaims { wo: id.clone(), v: 3, exp: u64::MAX / 2 };
    let forged = forecourt_domain::workshop::approval::sign(&forged_claims, b"a guess at the signing key......");
    let mut flipped = token.clone();
    flipped.pop();
    flipped.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(anonymous(api, "GET", &format!("/api/approvals/{flipped}"), None).status(), 401, "flipped signature");
    assert_eq!(anonymous(api, "GET", &format!("/api/approvals/{forged}"), None).status(), 401, "tampered");
    assert_eq!(anonymous(api, "GET", "/api/approvals/fca1.nonsense", None).status(), 401, "malformed");
    let expired_claims = forecourt_domain::workshop::approval::ApprovalClaims { wo: id.clone(), v: 1, exp: 1 };
    let expired = forecourt_domain::workshop::approval::sign(
        &expired_claims,
        forecourt_tests::LOCAL_TOKEN_SIGNING_KEY.as_bytes(),
    );
    let gone = json_of(anonymous(api, "GET", &format!("/api/approvals/{expired}"), None), 410, "expired");
    assert!(gone["detail"].as_str().is_some_and(|d| d.contains("expired")));
    // A staff edit after the link was sent makes it stale.
    json_of(
        post(
            api,
            &advisor_north(),
            &format!("/api/work-orders/{id}/labour"),
            json!({"operation": "Check", "hours": 0.5, "rate_cents": 9_000}),
        ),
        201,
        "edit",
    );
    assert_eq!(anonymous(api, "GET", &format!("/api/approvals/{token}"), None).status(), 410, "stale");
    let decision = json!({"decisions": [{"line_id": lines[0], "decision": "approve"}]});
    assert_eq!(
        anonymous(api, "POST", &format!("/api/approvals/{token}"), Some(decision.clone())).status(),
        410,
        "stale post"
    );
    // A new link replaces the old one.
    let newer = approval_link(api, &id);
    json_of(anonymous(api, "GET", &format!("/api/approvals/{newer}"), None), 200, "new link");
    assert_eq!(anonymous(api, "GET", &format!("/api/approvals/{token}"), None).status(), 410, "replaced");
    let detail = json_of(get(api, &advisor_north(), &format!("/api/work-orders/{id}")), 200, "detail");
    assert!(detail["labour"]
        .as_array()
        .expect("labour")
        .iter()
        .filter(|l| l["operation"] != "Check")
        .all(|l| l["approval"] == "pending"));
}

fn approval_links_are_for_the_orders_advisors(api: &Api) {
    let (id, _) = inspected_order(api);
    let path = format!("/api/work-orders/{id}/approval-link");
    assert_eq!(post(api, &tech_north(), &path, json!({})).status(), 403, "technician");
    assert_eq!(post(api, &advisor_city(), &path, json!({})).status(), 404, "another location");
    assert_eq!(post(api, &alex(), &path, json!({})).status(), 403, "customer");
    assert_eq!(post(api, NORTH_KIOSK, &path, json!({})).status(), 403, "kiosk");
    let plain = open_walk_in(api, &advisor_north(), "loc-north");
    let plain_id = plain["id"].as_str().expect("id");
    problem(
        post(api, &advisor_north(), &format!("/api/work-orders/{plain_id}/approval-link"), json!({})),
        400,
        "work_order",
        "nothing pending",
    );
    let stale = json_of(post(api, &advisor_north(), &path, json!({"expected_version": 1})), 409, "stale");
    assert!(stale["current"]["version"].as_i64() > Some(1));
}

// ----- clocks and the board -----

fn clock(api: &Api, token: &str, path: &str, on: bool) -> Response {
    post(api, token, path, json!({"on": on}))
}

fn job_clocks_need_a_shift_and_one_job_at_a_time(api: &Api) {
    let job = "/api/work-orders/wo-open-05/clock";
    problem(clock(api, &tech_north(), job, true), 400, "on", "no shift yet");
    json_of(clock(api, &tech_north(), "/api/clocks/shift", true), 200, "shift on");
    problem(clock(api, &tech_north(), "/api/clocks/shift", true), 400, "on", "already on shift");
    let on = json_of(clock(api, &tech_north(), job, true), 200, "job on");
    assert_eq!(on["clocked_on"], true);
    let other = problem(clock(api, &tech_north(), "/api/work-orders/wo-open-03/clock", true), 400, "on", "second job");
    assert!(other["detail"].as_str().is_some_and(|d| d.contains("wo-open-05")));
    assert_eq!(clock(api, &tech2_north(), job, true).status(), 404, "someone else's job");
    assert_eq!(clock(api, &advisor_north(), job, true).status(), 403, "advisors do not clock");
    assert_eq!(clock(api, &advisor_north(), "/api/clocks/shift", true).status(), 403);
    problem(clock(api, &tech_north(), "/api/clocks/shift", false), 400, "on", "job still open");
    problem(post(api, &tech_north(), job, json!({"on": "yes"})), 400, "on", "wrong type");
    let off = json_of(clock(api, &tech_north(), job, false), 200, "job off");
    assert_eq!(off["clocked_on"], false);
    assert!(off["hours"]["actual_hours"].as_f64().is_some());
    problem(clock(api, &tech_north(), job, false), 400, "on", "not on");
    json_of(clock(api, &tech_north(), "/api/clocks/shift", false), 200, "shift off");
    assert!(audit_actions(api, "work_order", "wo-open-05").contains(&"clock.job_on".to_owned()));
}

fn my_jobs_show_billed_against_actual_hours(api: &Api) {
    let mine = json_of(get(api, &tech_north(), "/api/technicians/me/jobs"), 200, "my jobs");
    let items = mine["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|j| j["technician_id"] == "usr-tech-north"));
    let job = items.iter().find(|j| j["id"] == "wo-open-05").expect("wo-open-05");
    assert!(job["hours"]["billed_hours"].as_f64().is_some_and(|h| h > 0.0));
    assert!(mine["open_clocks"].is_array());
    assert_eq!(get(api, &advisor_north(), "/api/technicians/me/jobs").status(), 403);
    assert_eq!(get(api, &alex(), "/api/technicians/me/jobs").status(), 403);
}

fn the_board_is_for_the_locations_workshop(api: &Api) {
    let board = json_of(get(api, &advisor_north(), "/api/board/loc-north"), 200, "board");
    assert_eq!(board["bays"].as_array().map(Vec::len), Some(6));
    let technicians: Vec<&str> =
        board["technicians"].as_array().expect("techs").iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(technicians.len(), 2, "{technicians:?}");
    let placed =
        board["bays"].as_array().expect("bays").iter().flat_map(|b| b["jobs"].as_array().cloned().unwrap_or_default());
    assert!(placed.clone().any(|j| j["work_order_id"] == "wo-open-05"));
    assert!(placed.clone().all(|j| j["status"] != "collected" && j["status"] != "booked"));
    json_of(get(api, &tech_north(), "/api/board/loc-north"), 200, "technician");
    json_of(get(api, &manager_north(), "/api/board/loc-north"), 200, "manager");
    json_of(get(api, &admin(), "/api/board/loc-south"), 200, "admin");
    assert_eq!(get(api, &advisor_north(), "/api/board/loc-city").status(), 403, "another location");
    assert_eq!(get(api, &manager_south(), "/api/board/loc-north").status(), 403, "another manager");
    assert_eq!(get(api, &sales_north(), "/api/board/loc-north").status(), 403, "sales");
    assert_eq!(get(api, &alex(), "/api/board/loc-north").status(), 403, "customer");
    assert_eq!(get(api, NORTH_KIOSK, "/api/board/loc-north").status(), 403, "kiosk");
    assert_eq!(get(api, &admin(), "/api/board/loc-nowhere").status(), 404);
}
