//! The work-order editor: opening an order (from an appointment or for a walk-in), and changing
//! its mileage, assignment, labour lines, part lines (stock taken in the same batch) and
//! diagnostic codes. Every edit is versioned, logged, audited and pushed live.

use super::appointments;
use super::editing::{
    at_version, commit, current_conflict, detail_response, editable, internal, invalid, new_id, notify, number,
    opt_text, param, publish_change, required_text, staff_of, text, EditKind, Notice, AT_VERSION,
};
#[allow(unused_imports)]
use super::work_order_records::WorkOrderDetail;
use super::work_order_records::WorkOrderSummary;
use crate::platform::audit;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use forecourt_domain::workshop::mileage::{self, MileageError};
use forecourt_domain::workshop::stock::{take, StockError};
use serde::{Deserialize, Serialize};
use std::future::Future;
use worker::{D1Database, Env, Request, Response, Result, RouteContext};

const MAX_TEXT: usize = 2_000;
const MAX_HOURS: f64 = 100.0;
const MAX_RATE_CENTS: i64 = 1_000_000;
const MAX_QUANTITY: i64 = 1_000;
const MAX_PRICE_CENTS: i64 = 100_000_000;
pub const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// Runs a mutating workshop handler: signed in as workshop staff, idempotent, problem+json.
async fn mutation<F, Fut>(mut req: Request, ctx: RouteContext<()>, run: F) -> Result<Response>
where
    F: FnOnce(Vec<u8>, RouteContext<()>, Principal) -> Fut,
    Fut: Future<Output = ApiResult<Response>>,
{
    let outcome = async {
        let principal =
            require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin, Role::Technician]).await?;
        let env = ctx.env.clone();
        idempotency::once(&mut req, &env, &principal.clone(), |body| run(body, ctx, principal)).await
    }
    .await;
    respond(outcome)
}

// ----- mileage -----

#[derive(Deserialize)]
struct Vehicle {
    customer_id: String,
    mileage_km: i64,
    mileage_at: String,
}

async fn vehicle(db: &D1Database, id: &str) -> ApiResult<Option<Vehicle>> {
    Ok(db
        .prepare("SELECT customer_id, mileage_km, mileage_at FROM owned_vehicles WHERE id = ?1")
        .bind(&[text(id)])?
        .first(None)
        .await?)
}

/// The odometer rule of the brief: never lower than the last reading; implausibly high only
/// with a manager's (or admin's) confirmation.
fn check_mileage(principal: &Principal, reading: i64, last: &Vehicle, confirmed: bool) -> ApiResult<()> {
    let reading = u32::try_from(reading).map_err(|_| invalid("mileage_in", "mileage_in is a whole number of km"))?;
    let last_ms = js_sys::Date::parse(&last.mileage_at);
    let days = if last_ms.is_finite() { ((now_millis() - last_ms) / 86_400_000.0).max(0.0) as u32 } else { 0 };
    match mileage::check(reading, last.mileage_km.max(0) as u32, days) {
        Ok(()) => Ok(()),
        Err(MileageError::Implausible { .. }) if confirmed && matches!(principal.role, Role::Manager | Role::Admin) => {
            Ok(())
        }
        Err(error @ MileageError::Implausible { .. }) => {
            Err(invalid("mileage_in", format!("{error}; a manager confirms it by sending mileage_confirmed: true")))
        }
        Err(error) => Err(invalid("mileage_in", error.to_string())),
    }
}

// ----- open -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Open {
    #[serde(default)]
    appointment_id: Option<String>,
    #[serde(default)]
    location_id: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    owned_vehicle_id: Option<String>,
    #[serde(default)]
    complaint: Option<String>,
    mileage_in: i64,
    #[serde(default)]
    technician_id: Option<String>,
    #[serde(default)]
    bay_id: Option<String>,
    #[serde(default)]
    mileage_confirmed: bool,
}

#[utoipa::path(post, path = "/api/work-orders", tag = "workshop", security(("bearer" = [])), request_body = Open,
    responses((status = 201, description = "The opened work order", body = WorkOrderDetail),
        (status = 409, description = "`slot-taken`: the appointment already has a work order")))]
pub async fn open(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, open_once).await
}

async fn open_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    if principal.role == Role::Technician {
        return Err(ApiError::Forbidden("advisors open work orders".into()));
    }
    let request: Open = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let (location, customer, vehicle_id, complaint, status, appointment_id) = match &request.appointment_id {
        Some(id) => {
            let appointment = appointments::find(&db, &principal, id)
                .await
                .map_err(|_| invalid("appointment_id", format!("no appointment '{id}' that you can see")))?;
            if !matches!(appointment.status.as_str(), "booked" | "checked_in") {
                return Err(invalid("appointment_id", format!("the appointment is {}", appointment.status)));
            }
            #[derive(Deserialize, Serialize)]
            struct Existing {
                id: String,
                status: String,
            }
            let existing: Option<Existing> = db
                .prepare("SELECT id, status FROM work_orders WHERE appointment_id = ?1 AND status != 'cancelled'")
                .bind(&[text(id)])?
                .first(None)
                .await?;
            if let Some(existing) = existing {
                return Err(ApiError::SlotTaken {
                    detail: format!("the appointment already has work order {}", existing.id),
                    current: serde_json::to_value(&existing).map_err(internal)?,
                });
            }
            let vehicle =
                appointment.owned_vehicle_id.clone().or(request.owned_vehicle_id.clone()).ok_or_else(|| {
                    invalid("owned_vehicle_id", "the appointment names no car; give owned_vehicle_id")
                })?;
            let status = if appointment.status == "checked_in" { "checked_in" } else { "booked" };
            let complaint = request.complaint.clone().unwrap_or(appointment.service.clone());
            (appointment.location_id, appointment.customer_id, vehicle, complaint, status, Some(id.clone()))
        }
        None => {
            let location =
                request.location_id.clone().ok_or_else(|| invalid("location_id", "a walk-in needs location_id"))?;
            let customer =
                request.customer_id.clone().ok_or_else(|| invalid("customer_id", "a walk-in needs customer_id"))?;
            let vehicle = request
                .owned_vehicle_id
                .clone()
                .ok_or_else(|| invalid("owned_vehicle_id", "a walk-in needs owned_vehicle_id"))?;
            let complaint =
                request.complaint.clone().ok_or_else(|| invalid("complaint", "say what the customer reports"))?;
            // A walk-in's car is already here.
            (location, customer, vehicle, complaint, "checked_in", None)
        }
    };
    if !principal.works_at(&location) {
        return Err(ApiError::Forbidden("you do not work at this location".into()));
    }
    let complaint = required_text("complaint", &complaint, MAX_TEXT)?;
    let car = vehicle(&db, &vehicle_id)
        .await?
        .filter(|v| v.customer_id == customer)
        .ok_or_else(|| invalid("owned_vehicle_id", "this vehicle is not registered to the customer"))?;
    check_mileage(&principal, request.mileage_in, &car, request.mileage_confirmed)?;
    check_assignment(&db, &location, request.technician_id.as_deref(), request.bay_id.as_deref()).await?;

    let now = now_rfc3339();
    let order = WorkOrderSummary {
        id: new_id("wo-")?,
        location_id: location.clone(),
        customer_id: customer,
        owned_vehicle_id: vehicle_id,
        advisor_id: (principal.role == Role::Advisor).then(|| principal.subject.clone()),
        technician_id: request.technician_id.clone(),
        bay_id: request.bay_id.clone(),
        mileage_in: request.mileage_in,
        complaint,
        status: status.into(),
        version: 1,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let statements = vec![
        db.prepare(
            "INSERT INTO work_orders (id, location_id, appointment_id, owned_vehicle_id, customer_id, advisor_id, \
             technician_id, bay_id, mileage_in, complaint, status, version, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12)",
        )
        .bind(&[
            text(&order.id),
            text(&order.location_id),
            opt_text(appointment_id.as_deref()),
            text(&order.owned_vehicle_id),
            text(&order.customer_id),
            opt_text(order.advisor_id.as_deref()),
            opt_text(order.technician_id.as_deref()),
            opt_text(order.bay_id.as_deref()),
            number(order.mileage_in as f64),
            text(&order.complaint),
            text(&order.status),
            text(&now),
        ])?,
        db.prepare(
            "INSERT INTO work_order_history (work_order_id, from_status, to_status, actor_id, note, at) \
             VALUES (?1, NULL, ?2, ?3, 'opened', ?4)",
        )
        .bind(&[text(&order.id), text(&order.status), text(&principal.subject), text(&now)])?,
        audit::entry_if_changed(&db, &principal, "work_order.open", "work_order", &order.id, &serde_json::Value::Null, &order)?,
        db.prepare("UPDATE owned_vehicles SET mileage_km = ?1, mileage_at = ?2, version = version + 1 WHERE id = ?3 AND mileage_km < ?1")
            .bind(&[number(order.mileage_in as f64), text(&now), text(&order.owned_vehicle_id)])?,
    ];
    db.batch(statements).await?;
    let event = RoomEvent::WorkOrderTransitioned {
        work_order_id: order.id.clone(),
        location_id: order.location_id.clone(),
        from: "none".into(),
        to: order.status.clone(),
        by: principal.subject.clone(),
        note: Some("opened".into()),
        at_ms: now_millis() as u64,
    };
    publish::event(&ctx.env, &event).await;
    detail_response(&db, &principal, &order.id, 201).await
}

/// A technician and a bay, when given, must work at / be at the order's location.
async fn check_assignment(
    db: &D1Database,
    location: &str,
    technician: Option<&str>,
    bay: Option<&str>,
) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Found {
        n: f64,
    }
    if let Some(technician) = technician {
        let found: Option<Found> = db
            .prepare(
                "SELECT COUNT(*) AS n FROM users u JOIN user_locations ul ON ul.user_id = u.id \
                 WHERE u.id = ?1 AND u.role = 'technician' AND u.active = 1 AND ul.location_id = ?2",
            )
            .bind(&[text(technician), text(location)])?
            .first(None)
            .await?;
        if found.map_or(0.0, |f| f.n) < 1.0 {
            return Err(invalid("technician_id", "no technician by that id works at this location"));
        }
    }
    if let Some(bay) = bay {
        let found: Option<Found> = db
            .prepare("SELECT COUNT(*) AS n FROM bays WHERE id = ?1 AND location_id = ?2")
            .bind(&[text(bay), text(location)])?
            .first(None)
            .await?;
        if found.map_or(0.0, |f| f.n) < 1.0 {
            return Err(invalid("bay_id", "no bay by that id at this location"));
        }
    }
    Ok(())
}

// ----- header fields -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Patch {
    #[serde(default)]
    expected_version: Option<i64>,
    #[serde(default)]
    mileage_in: Option<i64>,
    #[serde(default)]
    mileage_confirmed: bool,
    #[serde(default)]
    complaint: Option<String>,
    #[serde(default)]
    technician_id: Option<String>,
    #[serde(default)]
    bay_id: Option<String>,
}

#[utoipa::path(patch, path = "/api/work-orders/{id}", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = Patch,
    responses((status = 200, description = "The changed order (mileage, complaint, technician, bay)", body = WorkOrderDetail)))]
pub async fn update(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, update_once).await
}

async fn update_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Patch = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let before = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let mut after = before.clone();
    if let Some(reading) = request.mileage_in {
        let car = vehicle(&db, &before.owned_vehicle_id).await?.ok_or_else(|| internal("order without a car"))?;
        // Compared with the car's last reading other than this order's own.
        let last = Vehicle { mileage_km: car.mileage_km.min(before.mileage_in.max(0)).max(0), ..car };
        check_mileage(&principal, reading, &last, request.mileage_confirmed)?;
        after.mileage_in = reading;
    }
    if let Some(complaint) = &request.complaint {
        after.complaint = required_text("complaint", complaint, MAX_TEXT)?;
    }
    check_assignment(&db, &before.location_id, request.technician_id.as_deref(), request.bay_id.as_deref()).await?;
    if request.technician_id.is_some() {
        after.technician_id = request.technician_id.clone();
    }
    if request.bay_id.is_some() {
        after.bay_id = request.bay_id.clone();
    }
    let mut values = at_version(&before);
    values.extend([
        number(after.mileage_in as f64),
        text(&after.complaint),
        opt_text(after.technician_id.as_deref()),
        opt_text(after.bay_id.as_deref()),
    ]);
    let statements = vec![db
        .prepare(format!(
            "UPDATE work_orders SET mileage_in = ?3, complaint = ?4, technician_id = ?5, bay_id = ?6 WHERE id = ?1 AND {AT_VERSION}"
        ))
        .bind(&values)?];
    if !commit(&db, &principal, &before, "updated", &before, &after, statements, None).await? {
        return Err(current_conflict(&db, &principal, &before.id).await?);
    }
    if request.mileage_in.is_some() {
        db.prepare("UPDATE owned_vehicles SET mileage_km = ?1, mileage_at = ?2 WHERE id = ?3 AND mileage_km < ?1")
            .bind(&[number(after.mileage_in as f64), text(&now_rfc3339()), text(&before.owned_vehicle_id)])?
            .run()
            .await?;
    }
    publish_change(&ctx.env, &before, "updated", &principal).await;
    detail_response(&db, &principal, &before.id, 200).await
}

// ----- labour -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LabourInput {
    #[serde(default)]
    expected_version: Option<i64>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    hours: Option<f64>,
    #[serde(default)]
    rate_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LabourRow {
    id: String,
    operation: String,
    hours: f64,
    rate_cents: i64,
    approval: String,
}

fn check_hours(hours: f64) -> ApiResult<f64> {
    if !(hours.is_finite() && hours > 0.0 && hours <= MAX_HOURS) {
        return Err(invalid("hours", format!("hours are more than 0 and at most {MAX_HOURS}")));
    }
    Ok((hours * 100.0).round() / 100.0)
}

fn check_cents(field: &str, cents: i64, max: i64) -> ApiResult<i64> {
    if !(0..=max).contains(&cents) {
        return Err(invalid(field, format!("{field} is whole cents from 0 to {max}")));
    }
    Ok(cents)
}

#[utoipa::path(post, path = "/api/work-orders/{id}/labour", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = LabourInput,
    responses((status = 201, description = "The order with the new labour line", body = WorkOrderDetail)))]
pub async fn add_labour(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, add_labour_once).await
}

async fn add_labour_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: LabourInput = parse_json(&body)?;
    let operation = required_text("operation", request.operation.as_deref().unwrap_or(""), 200)?;
    let hours = check_hours(request.hours.ok_or_else(|| invalid("hours", "give the hours"))?)?;
    let rate = check_cents(
        "rate_cents",
        request.rate_cents.ok_or_else(|| invalid("rate_cents", "give the rate"))?,
        MAX_RATE_CENTS,
    )?;
    let db = bindings::database(&ctx.env)?;
    let before = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let line = LabourRow { id: new_id("lab-")?, operation, hours, rate_cents: rate, approval: "approved".into() };
    let mut values = at_version(&before);
    values.extend([text(&line.id), text(&line.operation), number(hours), number(rate as f64)]);
    let insert = db
        .prepare(format!(
            "INSERT INTO work_order_labour (id, work_order_id, operation, hours, rate_cents, approval) \
             SELECT ?3, ?1, ?4, ?5, ?6, 'approved' WHERE {AT_VERSION}"
        ))
        .bind(&values)?;
    if !commit(&db, &principal, &before, "labour_added", &serde_json::Value::Null, &line, vec![insert], None).await? {
        return Err(current_conflict(&db, &principal, &before.id).await?);
    }
    publish_change(&ctx.env, &before, "labour_added", &principal).await;
    detail_response(&db, &principal, &before.id, 201).await
}

async fn labour_line(db: &D1Database, order: &str, line: &str) -> ApiResult<LabourRow> {
    let row: Option<LabourRow> = db
        .prepare("SELECT id, operation, hours, rate_cents, approval FROM work_order_labour WHERE id = ?1 AND work_order_id = ?2")
        .bind(&[text(line), text(order)])?
        .first(None)
        .await?;
    row.ok_or_else(|| ApiError::NotFound { what: "labour line", id: line.to_owned() })
}

#[utoipa::path(patch, path = "/api/work-orders/{id}/labour/{line}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("line" = String, Path)), request_body = LabourInput,
    responses((status = 200, description = "The order with the changed line", body = WorkOrderDetail)))]
pub async fn update_labour(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, update_labour_once).await
}

async fn update_labour_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: LabourInput = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let before = labour_line(&db, &order.id, &param(&ctx, "line")?).await?;
    let mut after = before.clone();
    if let Some(operation) = &request.operation {
        after.operation = required_text("operation", operation, 200)?;
    }
    if let Some(hours) = request.hours {
        after.hours = check_hours(hours)?;
    }
    if let Some(rate) = request.rate_cents {
        after.rate_cents = check_cents("rate_cents", rate, MAX_RATE_CENTS)?;
    }
    let mut values = at_version(&order);
    values.extend([text(&before.id), text(&after.operation), number(after.hours), number(after.rate_cents as f64)]);
    let update = db
        .prepare(format!(
            "UPDATE work_order_labour SET operation = ?4, hours = ?5, rate_cents = ?6 WHERE id = ?3 AND work_order_id = ?1 AND {AT_VERSION}"
        ))
        .bind(&values)?;
    if !commit(&db, &principal, &order, "labour_updated", &before, &after, vec![update], None).await? {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "labour_updated", &principal).await;
    detail_response(&db, &principal, &order.id, 200).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Removal {
    #[serde(default)]
    expected_version: Option<i64>,
}

#[utoipa::path(delete, path = "/api/work-orders/{id}/labour/{line}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("line" = String, Path)), request_body = Removal,
    responses((status = 200, description = "The order without the line", body = WorkOrderDetail)))]
pub async fn remove_labour(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, remove_labour_once).await
}

async fn remove_labour_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Removal = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let before = labour_line(&db, &order.id, &param(&ctx, "line")?).await?;
    let mut values = at_version(&order);
    values.push(text(&before.id));
    // An inspection item that recommended this line keeps its finding, not the line.
    let unlink = db
        .prepare(format!("UPDATE inspection_items SET labour_id = NULL WHERE labour_id = ?3 AND {AT_VERSION}"))
        .bind(&values)?;
    let delete = db
        .prepare(format!("DELETE FROM work_order_labour WHERE id = ?3 AND work_order_id = ?1 AND {AT_VERSION}"))
        .bind(&values)?;
    if !commit(&db, &principal, &order, "labour_removed", &before, &serde_json::Value::Null, vec![unlink, delete], None)
        .await?
    {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "labour_removed", &principal).await;
    detail_response(&db, &principal, &order.id, 200).await
}

// ----- parts -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PartInput {
    #[serde(default)]
    expected_version: Option<i64>,
    #[serde(default)]
    part_id: Option<String>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    unit_price_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shelf {
    pub id: String,
    pub location_id: String,
    pub sku: String,
    pub name: String,
    pub quantity_on_hand: i64,
    pub reorder_threshold: i64,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PartRow {
    id: String,
    part_id: String,
    quantity: i64,
    unit_price_cents: i64,
    approval: String,
}

pub async fn shelf(db: &D1Database, id: &str) -> ApiResult<Option<Shelf>> {
    Ok(db
        .prepare("SELECT id, location_id, sku, name, quantity_on_hand, reorder_threshold, unit_price_cents FROM parts WHERE id = ?1")
        .bind(&[text(id)])?
        .first(None)
        .await?)
}

fn quantity(raw: i64) -> ApiResult<u32> {
    if !(1..=MAX_QUANTITY).contains(&raw) {
        return Err(invalid("quantity", format!("quantity is a whole number from 1 to {MAX_QUANTITY}")));
    }
    Ok(raw as u32)
}

fn stock_error(error: StockError) -> ApiError {
    invalid("quantity", error.to_string())
}

/// The statement that takes `wanted` off the shelf only while enough is there and the order is
/// at its version (values ?1, ?2 from the order; ?3 the part, ?4 the quantity).
fn take_statement(
    db: &D1Database,
    order: &WorkOrderSummary,
    part: &str,
    wanted: u32,
) -> ApiResult<worker::D1PreparedStatement> {
    let mut values = at_version(order);
    values.extend([text(part), number(f64::from(wanted))]);
    Ok(db
        .prepare(format!(
            "UPDATE parts SET quantity_on_hand = quantity_on_hand - ?4, version = version + 1 \
             WHERE id = ?3 AND quantity_on_hand >= ?4 AND {AT_VERSION}"
        ))
        .bind(&values)?)
}

fn return_statement(
    db: &D1Database,
    order: &WorkOrderSummary,
    part: &str,
    returned: u32,
) -> ApiResult<worker::D1PreparedStatement> {
    let mut values = at_version(order);
    values.extend([text(part), number(f64::from(returned))]);
    Ok(db
        .prepare(format!(
            "UPDATE parts SET quantity_on_hand = quantity_on_hand + ?4, version = version + 1 WHERE id = ?3 AND {AT_VERSION}"
        ))
        .bind(&values)?)
}

/// After stock was taken: a shelf that just fell to or below its threshold alerts the location's
/// advisors and managers (stored notifications, pushed live).
pub async fn reorder_alert(env: &Env, db: &D1Database, part: &str, taken: u32) -> ApiResult<()> {
    let Some(now) = shelf(db, part).await? else { return Ok(()) };
    let remaining = now.quantity_on_hand.max(0) as u32;
    let threshold = now.reorder_threshold.max(0) as u32;
    let Ok(outcome) = take(remaining + taken, taken, threshold) else { return Ok(()) };
    if !outcome.newly_low {
        return Ok(());
    }
    let staff = staff_of(db, &now.location_id, &["advisor", "manager"]).await?;
    let notice = Notice {
        kind: "reorder",
        title: format!("Reorder {} ({})", now.name, now.sku),
        body: format!("{remaining} left at this location; the reorder threshold is {threshold}"),
        link: Some(format!("/parts?low=true&location_id={}", now.location_id)),
    };
    notify(env, db, &staff, &notice).await?;
    let event = RoomEvent::BoardUpdated {
        location_id: now.location_id.clone(),
        bay: "parts".into(),
        technician_id: None,
        work_order_id: None,
        status: format!("reorder:{}", now.sku),
    };
    publish::event(env, &event).await;
    Ok(())
}

#[utoipa::path(post, path = "/api/work-orders/{id}/parts", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = PartInput,
    responses((status = 201, description = "The order with the new part line; stock taken in the same batch", body = WorkOrderDetail)))]
pub async fn add_part(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, add_part_once).await
}

async fn add_part_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: PartInput = parse_json(&body)?;
    let part_id = request.part_id.clone().ok_or_else(|| invalid("part_id", "give the part"))?;
    let wanted = quantity(request.quantity.ok_or_else(|| invalid("quantity", "give the quantity"))?)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let part = shelf(&db, &part_id)
        .await?
        .filter(|p| p.location_id == order.location_id)
        .ok_or_else(|| invalid("part_id", "no such part in this location's stock"))?;
    take(part.quantity_on_hand.max(0) as u32, wanted, part.reorder_threshold.max(0) as u32).map_err(stock_error)?;
    let price =
        check_cents("unit_price_cents", request.unit_price_cents.unwrap_or(part.unit_price_cents), MAX_PRICE_CENTS)?;
    let line = PartRow {
        id: new_id("wop-")?,
        part_id: part.id.clone(),
        quantity: i64::from(wanted),
        unit_price_cents: price,
        approval: "approved".into(),
    };
    let mut values = at_version(&order);
    values.extend([text(&line.id), text(&part.id), number(f64::from(wanted)), number(price as f64)]);
    // The shelf and the line change together: the line exists only if the stock was there.
    let statements = vec![
        take_statement(&db, &order, &part.id, wanted)?,
        db.prepare(
            "INSERT INTO work_order_parts (id, work_order_id, part_id, quantity, unit_price_cents, approval) \
             SELECT ?3, ?1, ?4, ?5, ?6, 'approved' WHERE changes() = 1",
        )
        .bind(&values)?,
    ];
    let proof = ("EXISTS (SELECT 1 FROM work_order_parts WHERE id = ?4)", vec![text(&line.id)]);
    if !commit(&db, &principal, &order, "part_added", &serde_json::Value::Null, &line, statements, Some(proof)).await? {
        let now = shelf(&db, &part.id).await?.map_or(0, |p| p.quantity_on_hand);
        take(now.max(0) as u32, wanted, 0).map_err(stock_error)?;
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    reorder_alert(&ctx.env, &db, &part.id, wanted).await?;
    publish_change(&ctx.env, &order, "part_added", &principal).await;
    detail_response(&db, &principal, &order.id, 201).await
}

async fn part_line(db: &D1Database, order: &str, line: &str) -> ApiResult<PartRow> {
    let row: Option<PartRow> = db
        .prepare("SELECT id, part_id, quantity, unit_price_cents, approval FROM work_order_parts WHERE id = ?1 AND work_order_id = ?2")
        .bind(&[text(line), text(order)])?
        .first(None)
        .await?;
    row.ok_or_else(|| ApiError::NotFound { what: "part line", id: line.to_owned() })
}

#[utoipa::path(patch, path = "/api/work-orders/{id}/parts/{line}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("line" = String, Path)), request_body = PartInput,
    responses((status = 200, description = "The order with the changed line; stock moved by the difference", body = WorkOrderDetail)))]
pub async fn update_part(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, update_part_once).await
}

async fn update_part_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: PartInput = parse_json(&body)?;
    if request.part_id.is_some() {
        return Err(invalid("part_id", "a line's part cannot change; remove the line and add another"));
    }
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let before = part_line(&db, &order.id, &param(&ctx, "line")?).await?;
    let mut after = before.clone();
    if let Some(q) = request.quantity {
        after.quantity = i64::from(quantity(q)?);
    }
    if let Some(price) = request.unit_price_cents {
        after.unit_price_cents = check_cents("unit_price_cents", price, MAX_PRICE_CENTS)?;
    }
    let delta = after.quantity - before.quantity;
    let mut statements = Vec::new();
    let mut proof = None;
    if delta > 0 {
        let part = shelf(&db, &before.part_id).await?.ok_or_else(|| internal("line without a part"))?;
        take(part.quantity_on_hand.max(0) as u32, delta as u32, part.reorder_threshold.max(0) as u32)
            .map_err(stock_error)?;
        statements.push(take_statement(&db, &order, &before.part_id, delta as u32)?);
        // Only if the stock was taken does the line grow.
        let mut values = at_version(&order);
        values.extend([text(&before.id), number(after.quantity as f64), number(after.unit_price_cents as f64)]);
        statements.push(
            db.prepare("UPDATE work_order_parts SET quantity = ?4, unit_price_cents = ?5 WHERE id = ?3 AND work_order_id = ?1 AND changes() = 1")
                .bind(&values)?,
        );
        proof = Some((
            "EXISTS (SELECT 1 FROM work_order_parts WHERE id = ?4 AND quantity = ?5)",
            vec![text(&before.id), number(after.quantity as f64)],
        ));
    } else {
        if delta < 0 {
            statements.push(return_statement(&db, &order, &before.part_id, (-delta) as u32)?);
        }
        let mut values = at_version(&order);
        values.extend([text(&before.id), number(after.quantity as f64), number(after.unit_price_cents as f64)]);
        statements.push(
            db.prepare(format!("UPDATE work_order_parts SET quantity = ?4, unit_price_cents = ?5 WHERE id = ?3 AND work_order_id = ?1 AND {AT_VERSION}"))
                .bind(&values)?,
        );
    }
    let proof_ref = proof.as_ref().map(|(sql, values)| (*sql, values.clone()));
    if !commit(&db, &principal, &order, "part_updated", &before, &after, statements, proof_ref).await? {
        if delta > 0 {
            let now = shelf(&db, &before.part_id).await?.map_or(0, |p| p.quantity_on_hand);
            take(now.max(0) as u32, delta as u32, 0).map_err(stock_error)?;
        }
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    if delta > 0 {
        reorder_alert(&ctx.env, &db, &before.part_id, delta as u32).await?;
    }
    publish_change(&ctx.env, &order, "part_updated", &principal).await;
    detail_response(&db, &principal, &order.id, 200).await
}

#[utoipa::path(delete, path = "/api/work-orders/{id}/parts/{line}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("line" = String, Path)), request_body = Removal,
    responses((status = 200, description = "The order without the line; the parts go back on the shelf", body = WorkOrderDetail)))]
pub async fn remove_part(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, remove_part_once).await
}

async fn remove_part_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Removal = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let before = part_line(&db, &order.id, &param(&ctx, "line")?).await?;
    let mut values = at_version(&order);
    values.push(text(&before.id));
    // Unused parts go back on the shelf.
    let statements = vec![
        return_statement(&db, &order, &before.part_id, before.quantity.max(0) as u32)?,
        db.prepare(format!("DELETE FROM work_order_parts WHERE id = ?3 AND work_order_id = ?1 AND {AT_VERSION}"))
            .bind(&values)?,
    ];
    if !commit(&db, &principal, &order, "part_removed", &before, &serde_json::Value::Null, statements, None).await? {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "part_removed", &principal).await;
    detail_response(&db, &principal, &order.id, 200).await
}

// ----- diagnostic codes -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeInput {
    #[serde(default)]
    expected_version: Option<i64>,
    code: String,
    description: String,
    severity: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CodeRow {
    id: String,
    code: String,
    description: String,
    severity: String,
}

#[utoipa::path(post, path = "/api/work-orders/{id}/diagnostic-codes", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = CodeInput,
    responses((status = 201, description = "The order with the new code", body = WorkOrderDetail)))]
pub async fn add_code(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, add_code_once).await
}

async fn add_code_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: CodeInput = parse_json(&body)?;
    let code = request.code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(invalid("code", "a diagnostic code is 1 to 16 letters, digits or '-', e.g. P0301"));
    }
    let description = required_text("description", &request.description, 500)?;
    if !SEVERITIES.contains(&request.severity.as_str()) {
        return Err(invalid("severity", "severity is one of info, low, medium, high, critical"));
    }
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Findings, request.expected_version).await?;
    let row = CodeRow { id: new_id("dtc-")?, code, description, severity: request.severity };
    let mut values = at_version(&order);
    values.extend([text(&row.id), text(&row.code), text(&row.description), text(&row.severity)]);
    let insert = db
        .prepare(format!(
            "INSERT INTO diagnostic_codes (id, work_order_id, code, description, severity) SELECT ?3, ?1, ?4, ?5, ?6 WHERE {AT_VERSION}"
        ))
        .bind(&values)?;
    if !commit(&db, &principal, &order, "code_added", &serde_json::Value::Null, &row, vec![insert], None).await? {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "code_added", &principal).await;
    detail_response(&db, &principal, &order.id, 201).await
}

#[utoipa::path(delete, path = "/api/work-orders/{id}/diagnostic-codes/{code}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("code" = String, Path)), request_body = Removal,
    responses((status = 200, description = "The order without the code", body = WorkOrderDetail)))]
pub async fn remove_code(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    mutation(req, ctx, remove_code_once).await
}

async fn remove_code_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Removal = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Findings, request.expected_version).await?;
    let code_id = param(&ctx, "code")?;
    let before: Option<CodeRow> = db
        .prepare("SELECT id, code, description, severity FROM diagnostic_codes WHERE id = ?1 AND work_order_id = ?2")
        .bind(&[text(&code_id), text(&order.id)])?
        .first(None)
        .await?;
    let before = before.ok_or(ApiError::NotFound { what: "diagnostic code", id: code_id })?;
    let mut values = at_version(&order);
    values.push(text(&before.id));
    let delete = db
        .prepare(format!("DELETE FROM diagnostic_codes WHERE id = ?3 AND work_order_id = ?1 AND {AT_VERSION}"))
        .bind(&values)?;
    if !commit(&db, &principal, &order, "code_removed", &before, &serde_json::Value::Null, vec![delete], None).await? {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "code_removed", &principal).await;
    detail_response(&db, &principal, &order.id, 200).await
}
