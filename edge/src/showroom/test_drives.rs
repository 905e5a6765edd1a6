//! `POST /api/test-drives`: book a vehicle, a customer and a rep for a slot, never double-booking
//! the vehicle or the rep.

use super::vehicle_records;
use crate::platform::audit;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::showroom::test_drive::check_slot;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Booking {
    vehicle_id: String,
    customer_id: String,
    starts_at: String,
    ends_at: String,
    #[serde(default)]
    rep_id: Option<String>,
    #[serde(default)]
    lead_id: Option<String>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct TestDrive {
    id: String,
    vehicle_id: String,
    customer_id: String,
    rep_id: String,
    lead_id: Option<String>,
    starts_at: String,
    ends_at: String,
    status: String,
}

/// Normalises a client's timestamp to the one format stored (so text comparison orders times).
fn normalised(field: &str, raw: &str) -> ApiResult<(String, i64)> {
    let millis = js_sys::Date::parse(raw);
    if !millis.is_finite() {
        return Err(ApiError::InvalidInput { field: field.into(), detail: format!("'{raw}' is not an RFC 3339 time") });
    }
    let text = js_sys::Date::new(&JsValue::from_f64(millis)).to_iso_string().as_string().unwrap_or_default();
    Ok((text, millis as i64))
}

#[utoipa::path(post, path = "/api/test-drives", tag = "showroom", security(("bearer" = [])),
    request_body = Booking,
    responses((status = 201, description = "Booked", body = TestDrive),
        (status = 409, description = "`slot-taken`: the clashing booking is in `current`", body = forecourt_domain::Problem, content_type = "application/problem+json")))]
pub async fn book(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(book_drive(req, ctx).await)
}

async fn book_drive(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Sales, Role::Manager, Role::Admin]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| book_once(body, ctx, principal)).await
}

async fn book_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let booking: Booking = parse_json(&body)?;
    let (starts_at, starts_ms) = normalised("starts_at", &booking.starts_at)?;
    let (ends_at, ends_ms) = normalised("ends_at", &booking.ends_at)?;
    check_slot(starts_ms, ends_ms)
        .map_err(|error| ApiError::InvalidInput { field: "ends_at".into(), detail: error.to_string() })?;
    let db = bindings::database(&ctx.env)?;
    let vehicle = vehicle_records::find_public(&db, &booking.vehicle_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { what: "vehicle", id: booking.vehicle_id.clone() })?;
    if !principal.works_at(&vehicle.location_id) {
        return Err(ApiError::Forbidden("this vehicle belongs to another location".into()));
    }
    // Sales book for themselves; managers and admins name the rep.
    let rep_id = match (principal.role, booking.rep_id) {
        (Role::Sales, Some(rep)) if rep != principal.subject => {
            return Err(ApiError::Forbidden("sales staff book test drives for themselves".into()))
        }
        (_, Some(rep)) => rep,
        (_, None) => principal.subject.clone(),
    };
    let drive = TestDrive {
        id: random_token("td_").map_err(|e| ApiError::Internal(e.to_string()))?,
        vehicle_id: vehicle.id.clone(),
        customer_id: booking.customer_id,
        rep_id,
        lead_id: booking.lead_id,
        starts_at,
        ends_at,
        status: "booked".into(),
    };
    // One statement checks and inserts, so two bookings racing for one slot cannot both win.
    // Half-open overlap, the rule of `domain::showroom::test_drive::overlaps`.
    let insert = db
        .prepare(
            "INSERT INTO test_drives (id, lead_id, vehicle_id, customer_id, rep_id, starts_at, ends_at, status, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'booked', ?8 \
             WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?4) \
               AND EXISTS (SELECT 1 FROM users u JOIN user_locations ul ON ul.user_id = u.id \
                           WHERE u.id = ?5 AND u.role IN ('sales','manager') AND ul.location_id = ?9) \
               AND NOT EXISTS (SELECT 1 FROM test_drives WHERE status = 'booked' AND (vehicle_id = ?3 OR rep_id = ?5) \
                               AND starts_at < ?7 AND ?6 < ends_at)",
        )
        .bind(&[
            JsValue::from_str(&drive.id),
            drive.lead_id.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(&drive.vehicle_id),
            JsValue::from_str(&drive.customer_id),
            JsValue::from_str(&drive.rep_id),
            JsValue::from_str(&drive.starts_at),
            JsValue::from_str(&drive.ends_at),
            JsValue::from_str(&now_rfc3339()),
            JsValue::from_str(&vehicle.location_id),
        ])?;
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        "test_drive.book",
        "test_drive",
        &drive.id,
        &serde_json::Value::Null,
        &drive,
    )?;
    let results = db.batch(vec![insert, audit]).await?;
    let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if inserted == 0 {
        return Err(why_refused(&db, &drive).await?);
    }
    Ok(Response::from_json(&drive)?.with_status(201))
}

/// Names the reason a booking was not inserted: an unknown customer or rep, or the clash.
async fn why_refused(db: &worker::D1Database, drive: &TestDrive) -> ApiResult<ApiError> {
    let clash: Option<TestDrive> = db
        .prepare(
            "SELECT id, vehicle_id, customer_id, rep_id, lead_id, starts_at, ends_at, status FROM test_drives \
             WHERE status = 'booked' AND (vehicle_id = ?1 OR rep_id = ?2) AND starts_at < ?4 AND ?3 < ends_at LIMIT 1",
        )
        .bind(&[
            JsValue::from_str(&drive.vehicle_id),
            JsValue::from_str(&drive.rep_id),
            JsValue::from_str(&drive.starts_at),
            JsValue::from_str(&drive.ends_at),
        ])?
        .first(None)
        .await?;
    Ok(match clash {
        Some(existing) => {
            let what = if existing.vehicle_id == drive.vehicle_id { "the vehicle" } else { "the rep" };
            ApiError::SlotTaken {
                detail: format!("{what} is booked from {} to {}", existing.starts_at, existing.ends_at),
                current: serde_json::to_value(&existing).map_err(|e| ApiError::Internal(e.to_string()))?,
            }
        }
        None => ApiError::InvalidInput {
            field: "customer_id".into(),
            detail: "the customer does not exist, or the rep does not sell at this vehicle's location".into(),
        },
    })
}
