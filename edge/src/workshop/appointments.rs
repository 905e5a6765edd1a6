//! Service appointments: booked by customers (for their own cars) or by the workshop, within each
//! location's daily capacity, listed by who may see them, moved or cancelled with a version check.

use super::editing::{conflict, internal, invalid, new_id, number, opt_text, param, required_text, text};
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::crypto::random_bytes;
use crate::platform::idempotency;
use crate::platform::listing::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::workshop::appointment::{check_capacity, reference_from, AppointmentStatus, CapacityError};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Request, Response, Result, RouteContext};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appointment {
    pub id: String,
    pub reference: Option<String>,
    pub location_id: String,
    pub customer_id: String,
    pub owned_vehicle_id: Option<String>,
    pub service: String,
    pub starts_at: String,
    pub duration_minutes: i64,
    pub status: String,
    pub booked_by: Option<String>,
    pub notes: Option<String>,
    pub arrived_at: Option<String>,
    pub version: i64,
    pub created_at: String,
}

pub const COLUMNS: &str = "id, reference, location_id, customer_id, owned_vehicle_id, service, starts_at, \
duration_minutes, status, booked_by, notes, arrived_at, version, created_at";

const MAX_SERVICE: usize = 200;
const MAX_NOTES: usize = 2_000;
const DAY_MS: f64 = 86_400_000.0;

/// Customers their own, workshop staff their locations, admins all; nobody else.
fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Customer => {
            let customer = principal.customer_id.as_deref().ok_or(ApiError::Forbidden("no customer record".into()))?;
            Ok(RowScope::equals("customer_id", customer))
        }
        Role::Advisor | Role::Manager => RowScope::locations("location_id", principal),
        _ => Err(ApiError::Forbidden(format!("a {} does not handle service appointments", principal.role.as_str()))),
    }
}

/// A client's timestamp in the one stored format (so text order is time order), with its millis.
pub fn normalised(field: &str, raw: &str) -> ApiResult<(String, f64)> {
    let millis = js_sys::Date::parse(raw);
    if !millis.is_finite() || raw.len() < 10 {
        return Err(invalid(field, format!("'{raw}' is not an RFC 3339 time")));
    }
    Ok((iso(millis), millis))
}

pub fn iso(millis: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(millis)).to_iso_string().as_string().unwrap_or_default()
}

/// The UTC day around `millis`, as [start, end) text bounds. Days are UTC days: every demo
/// location is in the UK, where that is the local day save for the small hours in summer.
fn day_bounds(millis: f64) -> (String, String) {
    let start = (millis / DAY_MS).floor() * DAY_MS;
    (iso(start), iso(start + DAY_MS))
}

#[derive(Deserialize)]
struct Capacity {
    booked: f64,
    hours: f64,
}

/// Minutes already booked at `location` on the day of `millis` (not counting `except`).
async fn capacity(db: &D1Database, location: &str, millis: f64, except: &str) -> ApiResult<Option<(u32, f64)>> {
    let (from, to) = day_bounds(millis);
    let row: Option<Capacity> = db
        .prepare(
            "SELECT l.service_hours_per_day AS hours, \
               (SELECT COALESCE(SUM(duration_minutes), 0) FROM appointments a WHERE a.location_id = l.id \
                AND a.status IN ('booked','checked_in','completed') AND a.starts_at >= ?2 AND a.starts_at < ?3 \
                AND a.id != ?4) AS booked \
             FROM locations l WHERE l.id = ?1",
        )
        .bind(&[text(location), text(&from), text(&to), text(except)])?
        .first(None)
        .await?;
    Ok(row.map(|r| (r.booked.max(0.0) as u32, r.hours)))
}

/// The SQL condition that re-checks capacity inside the write (two bookings racing for the last
/// slot cannot both win). Values: ?20 location, ?21 day start, ?22 day end, ?23 minutes, ?24 except.
const FITS: &str = "(SELECT COALESCE(SUM(duration_minutes), 0) FROM appointments WHERE location_id = ?20 \
AND status IN ('booked','checked_in','completed') AND starts_at >= ?21 AND starts_at < ?22 AND id != ?24) + ?23 \
<= (SELECT service_hours_per_day * 60 FROM locations WHERE id = ?20)";

fn fits_values(location: &str, millis: f64, minutes: u32, except: &str) -> Vec<JsValue> {
    let (from, to) = day_bounds(millis);
    vec![text(location), text(&from), text(&to), number(f64::from(minutes)), text(except)]
}

/// Values for ?1..?N followed by the FITS values at ?20..?24.
fn with_fits(mut values: Vec<JsValue>, fits: Vec<JsValue>) -> Vec<JsValue> {
    values.resize(19, JsValue::NULL);
    values.extend(fits);
    values
}

fn full(error: CapacityError) -> ApiError {
    match error {
        CapacityError::BadDuration(_) => invalid("duration_minutes", error.to_string()),
        CapacityError::Full { booked, requested, capacity } => ApiError::SlotTaken {
            detail: error.to_string(),
            current: serde_json::json!({ "booked_minutes": booked, "requested_minutes": requested, "capacity_minutes": capacity }),
        },
    }
}

async fn check_day(db: &D1Database, location: &str, millis: f64, minutes: u32, except: &str) -> ApiResult<()> {
    let (booked, hours) =
        capacity(db, location, millis, except).await?.ok_or_else(|| invalid("location_id", "no such location"))?;
    check_capacity(booked, minutes, hours).map_err(full)
}

fn duration(raw: i64) -> ApiResult<u32> {
    u32::try_from(raw).map_err(|_| invalid("duration_minutes", "duration_minutes must be positive"))
}

// ----- list -----

#[derive(Serialize, utoipa::ToSchema)]
struct Page {
    items: Vec<Appointment>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/appointments", tag = "workshop", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "RFC 3339, inclusive"), ("to" = Option<String>, Query, description = "RFC 3339, exclusive"),
        ("status" = Option<String>, Query, description = "booked, checked_in, cancelled, no_show, completed"),
        ("location_id" = Option<String>, Query), ("cursor" = Option<String>, Query), ("limit" = Option<u32>, Query, description = "1–100")),
    responses((status = 200, description = "Appointments the caller may see (customer: own; advisor/manager: their locations), by start time", body = Page)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_appointments(req, ctx).await)
}

async fn list_appointments(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let scope = scope(&principal)?;
    let (mut from, mut to, mut status, mut cursor, mut limit, mut location) =
        (None, None, None, None, DEFAULT_LIMIT, None);
    for (key, value) in req.url()?.query_pairs() {
        match key.as_ref() {
            "from" => from = Some(normalised("from", &value)?.0),
            "to" => to = Some(normalised("to", &value)?.0),
            "status" => {
                let parsed = AppointmentStatus::parse(&value)
                    .ok_or_else(|| invalid("status", format!("'{value}' is not an appointment status")))?;
                status = Some(parsed.as_str());
            }
            "location_id" => location = Some(value.into_owned()),
            "cursor" => {
                let (at, id) =
                    value.split_once('~').ok_or_else(|| invalid("cursor", "use the next_cursor of the last page"))?;
                cursor = Some((at.to_owned(), id.to_owned()));
            }
            "limit" => {
                limit =
                    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    })?
            }
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    let condition = scope.condition.clone();
    let sql = format!(
        "SELECT {COLUMNS} FROM appointments WHERE {condition} AND (?1 IS NULL OR starts_at >= ?1) \
         AND (?2 IS NULL OR starts_at < ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR location_id = ?4) \
         AND (?5 IS NULL OR (starts_at, id) > (?5, ?6)) ORDER BY starts_at, id LIMIT ?7"
    );
    let (after_at, after_id) = cursor.unzip();
    let values = scope.bind(vec![
        opt_text(from.as_deref()),
        opt_text(to.as_deref()),
        opt_text(status),
        opt_text(location.as_deref()),
        opt_text(after_at.as_deref()),
        opt_text(after_id.as_deref()),
        JsValue::from(limit),
    ]);
    let db = bindings::database(&ctx.env)?;
    let items: Vec<Appointment> = db.prepare(sql).bind(&values)?.all().await?.results()?;
    let next_cursor =
        (items.len() == limit as usize).then(|| items.last().map(|a| format!("{}~{}", a.starts_at, a.id))).flatten();
    Ok(Response::from_json(&Page { items, next_cursor })?)
}

/// An appointment the caller may see; others are missing, so ids cannot be probed.
pub async fn find(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<Appointment> {
    scope(principal)?.find_one(db, &format!("SELECT {COLUMNS} FROM appointments WHERE id"), id, "appointment").await
}

// ----- book -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Booking {
    location_id: String,
    owned_vehicle_id: String,
    service: String,
    starts_at: String,
    duration_minutes: i64,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

#[utoipa::path(post, path = "/api/appointments", tag = "workshop", security(("bearer" = [])), request_body = Booking,
    responses((status = 201, description = "The booked appointment with its booking reference", body = Appointment),
        (status = 409, description = "`slot-taken`: the location's capacity for that day is full (`current` has the minutes)")))]
pub async fn book(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(book_appointment(req, ctx).await)
}

async fn book_appointment(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    scope(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| book_once(body, ctx, principal)).await
}

async fn book_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let booking: Booking = parse_json(&body)?;
    // Who may book for whom comes before what is wrong with the booking.
    let customer_id = match principal.role {
        Role::Customer => {
            let own = principal.customer_id.clone().ok_or(ApiError::Forbidden("no customer record".into()))?;
            if booking.customer_id.as_ref().is_some_and(|c| *c != own) {
                return Err(ApiError::Forbidden("customers book appointments for themselves".into()));
            }
            own
        }
        _ => {
            if !principal.works_at(&booking.location_id) {
                return Err(ApiError::Forbidden("you do not work at this location".into()));
            }
            booking.customer_id.clone().ok_or_else(|| invalid("customer_id", "name the customer the booking is for"))?
        }
    };
    let db = bindings::database(&ctx.env)?;
    #[derive(Deserialize)]
    struct Owner {
        customer_id: String,
    }
    let owner: Option<Owner> = db
        .prepare("SELECT customer_id FROM owned_vehicles WHERE id = ?1")
        .bind(&[text(&booking.owned_vehicle_id)])?
        .first(None)
        .await?;
    if owner.as_ref().map(|o| o.customer_id.as_str()) != Some(customer_id.as_str()) {
        if principal.role == Role::Customer {
            return Err(ApiError::Forbidden("you can book only for a car registered to you".into()));
        }
        return Err(invalid("owned_vehicle_id", "this vehicle is not registered to the customer"));
    }
    let service = required_text("service", &booking.service, MAX_SERVICE)?;
    let notes = match booking.notes.as_deref() {
        Some(n) => Some(required_text("notes", n, MAX_NOTES)?),
        None => None,
    };
    let (starts_at, millis) = normalised("starts_at", &booking.starts_at)?;
    if millis < now_millis() {
        return Err(invalid("starts_at", "an appointment must start in the future"));
    }
    let minutes = duration(booking.duration_minutes)?;
    check_day(&db, &booking.location_id, millis, minutes, "").await?;
    let random = random_bytes(6).map_err(internal)?;
    let mut six = [0u8; 6];
    six.copy_from_slice(&random);
    let appointment = Appointment {
        id: new_id("apt-")?,
        reference: Some(reference_from(six)),
        location_id: booking.location_id.clone(),
        customer_id,
        owned_vehicle_id: Some(booking.owned_vehicle_id.clone()),
        service,
        starts_at,
        duration_minutes: i64::from(minutes),
        status: "booked".into(),
        booked_by: Some(principal.subject.clone()),
        notes,
        arrived_at: None,
        version: 1,
        created_at: now_rfc3339(),
    };
    let insert = db
        .prepare(format!(
            "INSERT INTO appointments (id, reference, location_id, customer_id, owned_vehicle_id, service, starts_at, \
             duration_minutes, status, booked_by, notes, version, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'booked', ?9, ?10, 1, ?11, ?11 \
             WHERE EXISTS (SELECT 1 FROM owned_vehicles WHERE id = ?5 AND customer_id = ?4) AND {FITS}"
        ))
        .bind(&with_fits(
            vec![
                text(&appointment.id),
                opt_text(appointment.reference.as_deref()),
                text(&appointment.location_id),
                text(&appointment.customer_id),
                text(&booking.owned_vehicle_id),
                text(&appointment.service),
                text(&appointment.starts_at),
                number(f64::from(minutes)),
                text(&principal.subject),
                opt_text(appointment.notes.as_deref()),
                text(&appointment.created_at),
            ],
            fits_values(&appointment.location_id, millis, minutes, ""),
        ))?;
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        "appointment.book",
        "appointment",
        &appointment.id,
        &serde_json::Value::Null,
        &appointment,
    )?;
    let results = db.batch(vec![insert, audit]).await?;
    let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if inserted == 0 {
        // Either the car is not the customer's, or the day filled up meanwhile.
        check_day(&db, &appointment.location_id, millis, minutes, "").await?;
        return Err(invalid("owned_vehicle_id", "this vehicle is not registered to the customer"));
    }
    Ok(Response::from_json(&appointment)?.with_status(201))
}

// ----- reschedule and cancel -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Change {
    expected_version: i64,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    duration_minutes: Option<i64>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Cancel {
    expected_version: i64,
    #[serde(default)]
    reason: Option<String>,
}

#[utoipa::path(patch, path = "/api/appointments/{id}", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = Change,
    responses((status = 200, description = "The moved appointment", body = Appointment),
        (status = 409, description = "Stale `expected_version` (`current` is the appointment) or the new day is full")))]
pub async fn reschedule(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(change(req, ctx, false).await)
}

#[utoipa::path(post, path = "/api/appointments/{id}/cancel", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = Cancel,
    responses((status = 200, description = "The cancelled appointment", body = Appointment)))]
pub async fn cancel(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(change(req, ctx, true).await)
}

async fn change(mut req: Request, ctx: RouteContext<()>, cancelling: bool) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    scope(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| async move {
        if cancelling {
            cancel_once(body, ctx, principal).await
        } else {
            reschedule_once(body, ctx, principal).await
        }
    })
    .await
}

fn open(before: &Appointment) -> ApiResult<()> {
    match AppointmentStatus::parse(&before.status) {
        Some(status) if status.is_open() => Ok(()),
        _ => Err(invalid("status", format!("a {} appointment can no longer be changed", before.status))),
    }
}

async fn reschedule_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Change = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let before = find(&db, &principal, &param(&ctx, "id")?).await?;
    open(&before)?;
    if request.expected_version != before.version {
        return Err(conflict(&before));
    }
    let (starts_at, millis) = match request.starts_at.as_deref() {
        Some(raw) => normalised("starts_at", raw)?,
        None => (before.starts_at.clone(), js_sys::Date::parse(&before.starts_at)),
    };
    if request.starts_at.is_some() && millis < now_millis() {
        return Err(invalid("starts_at", "an appointment must start in the future"));
    }
    let minutes = duration(request.duration_minutes.unwrap_or(before.duration_minutes))?;
    let notes = match request.notes.as_deref() {
        Some(n) => Some(required_text("notes", n, MAX_NOTES)?),
        None => before.notes.clone(),
    };
    check_day(&db, &before.location_id, millis, minutes, &before.id).await?;
    let mut after = before.clone();
    after.starts_at = starts_at;
    after.duration_minutes = i64::from(minutes);
    after.notes = notes;
    after.version += 1;
    let update = db
        .prepare(format!(
            "UPDATE appointments SET starts_at = ?1, duration_minutes = ?2, notes = ?3, version = version + 1, \
             updated_at = ?4 WHERE id = ?5 AND version = ?6 AND status = 'booked' AND {FITS}"
        ))
        .bind(&with_fits(
            vec![
                text(&after.starts_at),
                number(f64::from(minutes)),
                opt_text(after.notes.as_deref()),
                text(&now_rfc3339()),
                text(&before.id),
                number(before.version as f64),
            ],
            fits_values(&before.location_id, millis, minutes, &before.id),
        ))?;
    let audit =
        audit::entry_if_changed(&db, &principal, "appointment.reschedule", "appointment", &before.id, &before, &after)?;
    let results = db.batch(vec![update, audit]).await?;
    if results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) == 0 {
        check_day(&db, &before.location_id, millis, minutes, &before.id).await?;
        return Err(conflict(&find(&db, &principal, &before.id).await?));
    }
    Ok(Response::from_json(&find(&db, &principal, &before.id).await?)?)
}

async fn cancel_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Cancel = parse_json(&body)?;
    let reason = match request.reason.as_deref() {
        Some(r) => Some(required_text("reason", r, MAX_NOTES)?),
        None => None,
    };
    let db = bindings::database(&ctx.env)?;
    let before = find(&db, &principal, &param(&ctx, "id")?).await?;
    open(&before)?;
    if request.expected_version != before.version {
        return Err(conflict(&before));
    }
    let mut after = before.clone();
    after.status = "cancelled".into();
    after.version += 1;
    if let Some(reason) = &reason {
        after.notes =
            Some(format!("{}cancelled: {reason}", after.notes.as_ref().map(|n| format!("{n}\n")).unwrap_or_default()));
    }
    let update = db
        .prepare(
            "UPDATE appointments SET status = 'cancelled', notes = ?1, version = version + 1, updated_at = ?2 \
             WHERE id = ?3 AND version = ?4 AND status = 'booked'",
        )
        .bind(&[
            opt_text(after.notes.as_deref()),
            text(&now_rfc3339()),
            text(&before.id),
            number(before.version as f64),
        ])?;
    let audit =
        audit::entry_if_changed(&db, &principal, "appointment.cancel", "appointment", &before.id, &before, &after)?;
    let results = db.batch(vec![update, audit]).await?;
    if results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) == 0 {
        return Err(conflict(&find(&db, &principal, &before.id).await?));
    }
    Ok(Response::from_json(&find(&db, &principal, &before.id).await?)?)
}
