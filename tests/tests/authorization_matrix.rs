//! The authorization matrix: every route × every kind of caller, against the real runtime.
//!
//! Each row names a request and the callers the brief lets through; everyone else must be
//! refused (401 anonymous, 403 wrong role, 404 a record that is not theirs). Requests that
//! change data are written so that a caller who passes authorization still changes nothing
//! (a stale `expected_version`, a slot already taken): the matrix can run every caller through
//! every row and the database ends as it began. Access to realtime rooms has its own matrix in
//! `realtime.rs` (it is decided per room, before the WebSocket upgrade).

mod support;

use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use support::{Api, Check};

const CHECKS: &[(&str, Check)] = &[
    (
        "every_route_admits_exactly_the_callers_the_brief_allows",
        every_route_admits_exactly_the_callers_the_brief_allows,
    ),
    ("refused_mutations_change_nothing", refused_mutations_change_nothing),
];

fn main() {
    // Every caller through every row is about a thousand requests from one address in seconds:
    // more than the per-address rate limit allows, which `platform.rs` tests on its own.
    support::run_checks_with_vars("it-authz", &[("RATE_LIMIT_EXEMPT_IPS", "127.0.0.1,::1,unknown")], CHECKS)
}

/// The callers of the matrix: one per role, plus the neighbours who must not see each other's
/// records (another location's staff, another customer, the other technician of the same shop).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Customer,
    OtherCustomer,
    Sales,
    OtherLocationSales,
    Advisor,
    OtherLocationAdvisor,
    Technician,
    OtherTechnician,
    Manager,
    OtherLocationManager,
    Admin,
}

use Caller::*;

const EVERYONE: &[Caller] = &[
    Anonymous,
    Customer,
    OtherCustomer,
    Sales,
    OtherLocationSales,
    Advisor,
    OtherLocationAdvisor,
    Technician,
    OtherTechnician,
    Manager,
    OtherLocationManager,
    Admin,
];

/// Every caller with an account: everyone but the anonymous one.
const SIGNED_IN: &[Caller] = EVERYONE.split_first().expect("EVERYONE is not empty").1;
const _: () = assert!(matches!(EVERYONE[0], Anonymous), "SIGNED_IN drops the first caller, which must be Anonymous");

impl Caller {
    /// The demo account behind each caller. "Customer" owns the North work order and the
    /// records below; the "Other…" callers work at or are a different location or person.
    fn email(self) -> Option<&'static str> {
        Some(match self {
            Anonymous => return None,
            Customer => "alex@example.com",
            OtherCustomer => "sam@example.com",
            Sales => "sales.north@forecourt.example",
            OtherLocationSales => "sales.south@forecourt.example",
            Advisor => "advisor.north@forecourt.example",
            OtherLocationAdvisor => "advisor.south@forecourt.example",
            Technician => "tech.north@forecourt.example",
            OtherTechnician => "tech2.north@forecourt.example",
            Manager => "manager.north@forecourt.example",
            OtherLocationManager => "manager.south@forecourt.example",
            Admin => "admin@forecourt.example",
        })
    }
}

/// One request of the matrix and the callers that must get through.
struct Row {
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: Vec<Caller>,
}

impl Row {
    fn new(method: Method, path: impl Into<String>, allowed: &[Caller]) -> Self {
        Self { method, path: path.into(), body: None, allowed: allowed.to_vec() }
    }

    fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// Records of the demo data the rows point at, found at run time rather than hard-coded.
struct Subjects {
    /// A North vehicle in stock.
    north_vehicle: Value,
    /// A North lead of a customer who is neither Alex nor Sam.
    north_lead: Value,
    /// Alex's open North work order, assigned to tech.north (the demo's `wo-open-01`).
    north_work_order: Value,
}

fn tokens(api: &Api) -> BTreeMap<Caller, String> {
    EVERYONE.iter().filter_map(|caller| caller.email().map(|email| (*caller, api.login(email)))).collect()
}

fn send(api: &Api, token: Option<&String>, method: &Method, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut request = api.client.request(method.clone(), format!("{}{path}", api.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().expect("the edge answers");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

fn admin_json(api: &Api, admin: &str, path: &str) -> Value {
    let (status, text) = send(api, Some(&admin.to_owned()), &Method::GET, path, None);
    assert_eq!(status, 200, "GET {path}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

fn subjects(api: &Api, admin: &str) -> Subjects {
    let stock = admin_json(api, admin, "/api/vehicles?location=loc-north&limit=1");
    let north_vehicle = stock["items"][0].clone();
    let leads = admin_json(api, admin, "/api/leads?status=new&limit=100");
    let north_lead = leads["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|lead| {
                    lead["location_id"] == "loc-north"
                        && lead["customer_id"] != "cus-00001"
                        && lead["customer_id"] != "cus-00002"
                })
                .cloned()
        })
        .expect("a new North lead in the demo data");
    let north_work_order = admin_json(api, admin, "/api/work-orders/wo-open-01");
    assert_eq!(north_work_order["location_id"], "loc-north", "the demo's wo-open-01 is North's");
    Subjects { north_vehicle, north_lead, north_work_order }
}

/// A test-drive slot far in the future, booked once by the admin so that every caller the
/// matrix lets through meets `409 slot-taken` instead of booking.
fn taken_slot(api: &Api, admin: &str, vehicle_id: &str) -> Value {
    let slot = json!({
        "vehicle_id": vehicle_id,
        "customer_id": "cus-00003",
        "rep_id": "usr-sales-north",
        "starts_at": "2031-03-03T10:00:00Z",
        "ends_at": "2031-03-03T11:00:00Z",
    });
    let (status, text) = send(api, Some(&admin.to_owned()), &Method::POST, "/api/test-drives", Some(&slot));
    assert!(status == 201 || status == 409, "the matrix's own booking: {status} {text}");
    json!({
        "vehicle_id": vehicle_id,
        "customer_id": "cus-00003",
        "starts_at": "2031-03-03T10:00:00Z",
        "ends_at": "2031-03-03T11:00:00Z",
    })
}

fn rows(api: &Api, admin: &str) -> Vec<Row> {
    let Subjects { north_vehicle, north_lead, north_work_order } = subjects(api, admin);
    let vehicle = north_vehicle["id"].as_str().expect("vehicle id").to_owned();
    let lead = north_lead["id"].as_str().expect("lead id").to_owned();
    let order = north_work_order["id"].as_str().expect("work order id").to_owned();
    let stale = -1;
    let north_staff_and_admin = [Sales, Manager, Admin];
    let mut rows = vec![
        // Public.
        Row::new(Method::GET, "/api/health", EVERYONE),
        // Showroom slice: reference data is public; customer profiles are for that location's
        // sales, advisors and managers (cus-90001 is a North-only duplicate), and their owner.
        Row::new(Method::GET, "/api/locations", EVERYONE),
        Row::new(Method::GET, "/api/makes", EVERYONE),
        Row::new(
            Method::GET,
            "/api/customers",
            &[Sales, OtherLocationSales, Advisor, OtherLocationAdvisor, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::GET, "/api/customers/me", &[Customer, OtherCustomer]),
        Row::new(Method::GET, "/api/customers/cus-90001", &[Sales, Advisor, Manager, Admin]),
        Row::new(Method::GET, "/api/customers/cus-90001/timeline", &[Sales, Advisor, Manager, Admin]),
        Row::new(Method::PATCH, "/api/customers/cus-90001", &[Sales, Advisor, Manager, Admin])
            .with_body(json!({"name": "Never Applied", "expected_version": -1})),
        Row::new(Method::POST, "/api/customers/cus-90001/merge", &[Manager, Admin])
            .with_body(json!({"duplicate_id": "cus-90001"})),
        Row::new(
            Method::GET,
            "/api/test-drives?from=2031-03-01T00:00:00Z&to=2031-03-10T00:00:00Z",
            &[Customer, OtherCustomer, Sales, OtherLocationSales, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::GET, "/api/notifications", &EVERYONE[1..]),
        Row::new(Method::PUT, "/api/notifications/preferences", &EVERYONE[1..]).with_body(json!({"preferences": []})),
        Row::new(Method::GET, "/api/vehicles", EVERYONE),
        Row::new(Method::GET, format!("/api/vehicles/{vehicle}"), EVERYONE),
        // Identity.
        Row::new(Method::GET, "/api/auth/me", SIGNED_IN),
        // Stock: sales and managers of the vehicle's location, admins.
        Row::new(Method::PATCH, format!("/api/vehicles/{vehicle}"), &north_staff_and_admin)
            .with_body(json!({"price_cents": 1_234_500, "expected_version": stale})),
        // Leads: sales and managers of the location, admins; customers list their own.
        Row::new(
            Method::GET,
            "/api/leads",
            &[Customer, OtherCustomer, Sales, OtherLocationSales, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::GET, format!("/api/leads/{lead}"), &north_staff_and_admin),
        Row::new(Method::POST, format!("/api/leads/{lead}/transitions"), &north_staff_and_admin)
            .with_body(json!({"to": "contacted", "expected_version": stale})),
        // Test drives: sales (for themselves), managers and admins of the vehicle's location.
        Row::new(Method::POST, "/api/test-drives", &north_staff_and_admin).with_body(taken_slot(api, admin, &vehicle)),
        // Work orders: customers their own, technicians their jobs, advisors and managers their
        // locations, admins; sales have no workshop access.
        Row::new(
            Method::GET,
            "/api/work-orders",
            &[
                Customer,
                OtherCustomer,
                Advisor,
                OtherLocationAdvisor,
                Technician,
                OtherTechnician,
                Manager,
                OtherLocationManager,
                Admin,
            ],
        ),
        Row::new(Method::GET, format!("/api/work-orders/{order}"), &[Customer, Advisor, Technician, Manager, Admin]),
        // Checking a car in is the service desk's move, not the bench's or the customer's.
        Row::new(Method::POST, format!("/api/work-orders/{order}/transitions"), &[Advisor, Manager, Admin])
            .with_body(json!({"to": "checked_in", "note": "matrix", "expected_version": stale})),
        // Audit: admins only.
        Row::new(Method::GET, format!("/api/audit?entity=vehicle&entity_id={vehicle}"), &[Admin]),
        // Analytics: anomalies, forecasts and dashboards for managers of the location and
        // admins; maintenance plans for the owner and service staff; predictions rated by staff
        // who can see them; telemetry only from telematics units (never a person).
        Row::new(Method::GET, "/api/anomalies", &[Manager, OtherLocationManager, Admin]),
        Row::new(Method::GET, "/api/anomalies/an-0004", &[Manager, Admin]),
        Row::new(Method::POST, "/api/anomalies/an-0004/transitions", &[Manager, Admin])
            .with_body(json!({"to": "acknowledged", "expected_version": stale})),
        Row::new(Method::POST, "/api/anomalies/an-0004/comments", &[Manager, Admin]).with_body(json!({"body": " "})),
        Row::new(Method::POST, "/api/telemetry", &[]).with_body(json!({"readings": []})),
        Row::new(Method::GET, "/api/analytics/forecasts?location=loc-north&series=sales_weekly", &[Manager, Admin]),
        Row::new(Method::POST, "/api/analytics/forecasts/recompute", &[Manager, Admin])
            .with_body(json!({"location": "loc-north", "series": "matrix"})),
        Row::new(
            Method::GET,
            "/api/vehicles/own-00001/maintenance",
            &[
                Customer,
                Advisor,
                OtherLocationAdvisor,
                Technician,
                OtherTechnician,
                Manager,
                OtherLocationManager,
                Admin,
            ],
        ),
        Row::new(
            Method::POST,
            "/api/predictions/pred-maintenance-own-00001/feedback",
            &[Advisor, OtherLocationAdvisor, Technician, OtherTechnician, Manager, OtherLocationManager, Admin],
        )
        .with_body(json!({"rating": 0})),
        Row::new(Method::GET, "/api/dashboards/loc-north", &[Manager, Admin]),
    ];
    rows.extend(workshop_rows(&order));
    rows
}

/// Garage & workshop (appointments, kiosk, editor, parts, inspections, approvals, clocks, board).
/// `order` is Alex's North work order, assigned to tech.north; `apt-today-north-1` is Alex's
/// North appointment for today. Bodies fail after authorization (stale version, bad duration,
/// nothing to clock off), so allowed callers change nothing.
fn workshop_rows(order: &str) -> Vec<Row> {
    let workshop_desk = [Advisor, Manager, Admin];
    let findings = [Advisor, Technician, Manager, Admin];
    let stale = -1;
    let booking = json!({"location_id": "loc-north", "owned_vehicle_id": "own-00001", "customer_id": "cus-00001",
                         "service": "matrix", "starts_at": "2031-03-03T10:00:00Z", "duration_minutes": 601});
    vec![
        Row::new(
            Method::GET,
            "/api/appointments",
            &[Customer, OtherCustomer, Advisor, OtherLocationAdvisor, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::POST, "/api/appointments", &[Customer, Advisor, Manager, Admin]).with_body(booking),
        Row::new(Method::PATCH, "/api/appointments/apt-today-north-1", &[Customer, Advisor, Manager, Admin])
            .with_body(json!({"expected_version": stale})),
        Row::new(Method::POST, "/api/appointments/apt-today-north-1/cancel", &[Customer, Advisor, Manager, Admin])
            .with_body(json!({"expected_version": stale})),
        // Kiosks only (devices are not in this matrix).
        Row::new(Method::POST, "/api/kiosk/check-in", &[])
            .with_body(json!({"booking_reference": "FC-NRTH22", "last_name": "Morgan"})),
        Row::new(Method::POST, "/api/work-orders", &workshop_desk).with_body(json!({"location_id": "loc-north",
            "customer_id": "cus-00001", "owned_vehicle_id": "own-00001", "complaint": "matrix", "mileage_in": 0})),
        Row::new(Method::PATCH, format!("/api/work-orders/{order}"), &workshop_desk)
            .with_body(json!({"complaint": "matrix", "expected_version": stale})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/labour"), &workshop_desk)
            .with_body(json!({"operation": "matrix", "hours": 1, "rate_cents": 100, "expected_version": stale})),
        Row::new(Method::PATCH, format!("/api/work-orders/{order}/labour/{order}-l1"), &workshop_desk)
            .with_body(json!({"hours": 2, "expected_version": stale})),
        Row::new(Method::DELETE, format!("/api/work-orders/{order}/labour/{order}-l1"), &workshop_desk)
            .with_body(json!({"expected_version": stale})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/parts"), &workshop_desk)
            .with_body(json!({"part_id": "prt-north-flt-oil", "quantity": 1, "expected_version": stale})),
        Row::new(Method::PATCH, format!("/api/work-orders/{order}/parts/none"), &workshop_desk)
            .with_body(json!({"quantity": 2, "expected_version": stale})),
        Row::new(Method::DELETE, format!("/api/work-orders/{order}/parts/none"), &workshop_desk)
            .with_body(json!({"expected_version": stale})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/diagnostic-codes"), &findings)
            .with_body(json!({"code": "P0301", "description": "matrix", "severity": "low", "expected_version": stale})),
        Row::new(Method::DELETE, format!("/api/work-orders/{order}/diagnostic-codes/none"), &findings)
            .with_body(json!({"expected_version": stale})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/canned-jobs"), &workshop_desk)
            .with_body(json!({"canned_job_id": "cj-1", "expected_version": stale})),
        Row::new(Method::GET, "/api/parts", &[Advisor, OtherLocationAdvisor, Manager, OtherLocationManager, Admin]),
        Row::new(
            Method::GET,
            "/api/canned-jobs",
            &[Advisor, OtherLocationAdvisor, Technician, OtherTechnician, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::POST, format!("/api/work-orders/{order}/inspection"), &findings)
            .with_body(json!({"item": "matrix", "rating": "green", "expected_version": stale})),
        // JSON is not a photo: allowed callers get 400 after authorization.
        Row::new(Method::PUT, format!("/api/work-orders/{order}/documents"), &findings).with_body(json!({})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/approval-link"), &workshop_desk)
            .with_body(json!({"expected_version": stale})),
        // The link is the credential: without a genuine one, nobody gets in.
        Row::new(Method::GET, "/api/approvals/fca1.forged.link", &[]),
        Row::new(Method::POST, "/api/approvals/fca1.forged.link", &[])
            .with_body(json!({"decisions": [{"line_id": "x", "decision": "approve"}]})),
        Row::new(
            Method::GET,
            "/api/declined-work",
            &[Advisor, OtherLocationAdvisor, Manager, OtherLocationManager, Admin],
        ),
        Row::new(Method::POST, "/api/clocks/shift", &[Technician, OtherTechnician]).with_body(json!({"on": false})),
        Row::new(Method::POST, format!("/api/work-orders/{order}/clock"), &[Technician])
            .with_body(json!({"on": false})),
        Row::new(Method::GET, "/api/technicians/me/jobs", &[Technician, OtherTechnician]),
        Row::new(Method::GET, "/api/board/loc-north", &[Advisor, Technician, OtherTechnician, Manager, Admin]),
    ]
}

fn refused(status: u16) -> bool {
    matches!(status, 401 | 403 | 404)
}

fn every_route_admits_exactly_the_callers_the_brief_allows(api: &Api) {
    let tokens = tokens(api);
    let admin = tokens[&Admin].clone();
    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in rows(api, &admin) {
        for caller in EVERYONE {
            let (status, text) = send(api, tokens.get(caller), &row.method, &row.path, row.body.as_ref());
            cells += 1;
            let should_pass = row.allowed.contains(caller);
            let verdict = if status >= 500 {
                Some("a server error")
            } else if should_pass && refused(status) {
                Some("refused a caller the brief allows")
            } else if !should_pass && !refused(status) {
                Some("let through a caller the brief denies")
            } else if *caller == Anonymous && !should_pass && status != 401 {
                Some("answered an anonymous caller with something other than 401")
            } else {
                None
            };
            if let Some(verdict) = verdict {
                wrong.push(format!("{} {} as {caller:?}: {status} ({verdict}) {text}", row.method, row.path));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {cells} cells are wrong:\n{}", wrong.len(), wrong.join("\n"));
}

/// The audit trail is the record of every change: running the whole matrix (every caller
/// through every mutating row) must add nothing to it beyond the matrix's own booking.
fn refused_mutations_change_nothing(api: &Api) {
    let tokens = tokens(api);
    let admin = tokens[&Admin].clone();
    let rows = rows(api, &admin);
    let fingerprint = |api: &Api| -> Vec<(String, Value)> {
        rows.iter()
            .filter(|row| {
                // Read back as the admin, so only what the admin may read (not "my jobs").
                row.method == Method::GET
                    && row.path.contains("/api/")
                    && !row.path.contains("/auth/")
                    && row.allowed.contains(&Admin)
            })
            .map(|row| {
                let (status, text) = send(api, Some(&admin), &row.method, &row.path, None);
                assert_eq!(status, 200, "{} {}", row.method, row.path);
                let mut value: Value = serde_json::from_str(&text).expect("JSON");
                // Timers and clocks move on their own; what matters is the records.
                strip_volatile(&mut value);
                (row.path.clone(), value)
            })
            .collect()
    };
    let before = fingerprint(api);
    for row in rows.iter().filter(|row| row.method != Method::GET) {
        for caller in EVERYONE {
            let (status, text) = send(api, tokens.get(caller), &row.method, &row.path, row.body.as_ref());
            assert!(status < 500, "{} {} as {caller:?}: {status} {text}", row.method, row.path);
            assert!(
                !(200..300).contains(&status),
                "{} {} as {caller:?} changed data ({status}): the matrix's bodies must not",
                row.method,
                row.path
            );
        }
    }
    for ((path, was), (_, is)) in before.iter().zip(fingerprint(api)) {
        assert_eq!(*was, is, "GET {path} reads back differently after the matrix");
    }
}

fn strip_volatile(value: &mut Value) {
    match value {
        Value::Object(map) => {
            // Response timers tick, and a maintenance plan is recomputed (and its run counted)
            // on every read: neither is a change to the records.
            for key in ["response", "waited_seconds", "status_checked_at", "checked_at", "computed_at", "computations"]
            {
                map.remove(key);
            }
            map.values_mut().for_each(strip_volatile);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}
