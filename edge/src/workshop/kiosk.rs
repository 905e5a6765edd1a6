//! `POST /api/kiosk/check-in`: a visitor at a showroom kiosk checks in for today's appointment
//! with the booking reference and their last name. Only appointments at the kiosk's own location;
//! the answer carries nothing personal beyond this visit.
//!
//! House rule (docs/decisions.md): arrival marks the appointment `checked_in`; its work order,
//! if one was opened at booking, moves `booked → checked_in`; if none exists yet and the booking
//! names the car, one is opened in `checked_in` with the last known odometer reading (the advisor
//! confirms the mileage at the desk). The board, the order's room and the showroom floor hear of it,
//! and the location's advisors are notified.

use super::appointments::{iso, Appointment, COLUMNS};
use super::editing::{internal, invalid, new_id, notify, number, staff_of, text, Notice};
use crate::platform::audit;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::protocol::FloorActivity;
use forecourt_domain::realtime::RoomEvent;
use forecourt_domain::workshop::appointment::{last_name_matches, normalise_reference};
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Result, RouteContext};

/// What the kiosk app sends (`app::api::CheckInRequest`); the key also travels as the header.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CheckIn {
    booking_reference: String,
    last_name: String,
    #[serde(default)]
    #[allow(dead_code)]
    idempotency_key: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CheckedIn {
    checked_in: bool,
    reference: String,
    service: String,
    starts_at: String,
    work_order_status: Option<String>,
}

#[derive(Deserialize)]
struct Booked {
    #[serde(flatten)]
    appointment: Appointment,
    customer_name: String,
}

#[derive(Deserialize)]
struct Order {
    id: String,
    status: String,
    version: i64,
}

#[derive(Deserialize)]
struct Kiosk {
    showroom_id: Option<String>,
}

#[derive(Deserialize)]
struct Odometer {
    mileage_km: i64,
}

#[utoipa::path(post, path = "/api/kiosk/check-in", tag = "workshop", security(("device_token" = [])), request_body = CheckIn,
    responses((status = 200, description = "Checked in (or already was); nothing personal is returned", body = CheckedIn)))]
pub async fn check_in(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(check_in_visitor(req, ctx).await)
}

async fn check_in_visitor(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Kiosk]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| check_in_once(body, ctx, principal)).await
}

fn no_match() -> ApiError {
    invalid("booking_reference", "no booking at this location matches that reference and last name")
}

async fn check_in_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: CheckIn = parse_json(&body)?;
    let reference = normalise_reference(&request.booking_reference)
        .ok_or_else(|| invalid("booking_reference", "a booking reference looks like FC-ABC234"))?;
    if request.last_name.trim().is_empty() || request.last_name.chars().count() > 100 {
        return Err(invalid("last_name", "give the last name on the booking"));
    }
    let location =
        principal.location_ids.first().cloned().ok_or(ApiError::Forbidden("kiosk without a location".into()))?;
    let db = bindings::database(&ctx.env)?;
    let booked: Option<Booked> = db
        .prepare(format!(
            "SELECT {}, c.name AS customer_name FROM appointments a JOIN customers c ON c.id = a.customer_id \
             WHERE a.reference = ?1 AND a.location_id = ?2",
            COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(&[text(&reference), text(&location)])?
        .first(None)
        .await?;
    // A wrong name is answered like a wrong reference: the kiosk confirms nothing to a guesser.
    let booked = booked.filter(|b| last_name_matches(&b.customer_name, &request.last_name)).ok_or_else(no_match)?;
    let appointment = booked.appointment;
    let day = |text: &str| text.get(..10).map(str::to_owned);
    if day(&appointment.starts_at) != day(&iso(now_millis())) {
        return Err(invalid("booking_reference", "this booking is not for today; please see the service desk"));
    }
    let order: Option<Order> = db
        .prepare("SELECT id, status, version FROM work_orders WHERE appointment_id = ?1 AND status != 'cancelled'")
        .bind(&[text(&appointment.id)])?
        .first(None)
        .await?;
    match appointment.status.as_str() {
        "booked" => {}
        // Already here (a second tap, or the desk was quicker): say so, change nothing.
        "checked_in" => {
            return Ok(Response::from_json(&CheckedIn {
                checked_in: true,
                reference,
                service: appointment.service,
                starts_at: appointment.starts_at,
                work_order_status: order.map(|o| o.status),
            })?)
        }
        other => {
            return Err(invalid("booking_reference", format!("this booking is {other}; please see the service desk")))
        }
    }

    let now = now_rfc3339();
    let mut after = appointment.clone();
    after.status = "checked_in".into();
    after.arrived_at = Some(now.clone());
    after.version += 1;
    let mut statements = vec![
        db.prepare(
            "UPDATE appointments SET status = 'checked_in', arrived_at = ?1, updated_at = ?1, version = version + 1 \
             WHERE id = ?2 AND version = ?3 AND status = 'booked'",
        )
        .bind(&[text(&now), text(&appointment.id), number(appointment.version as f64)])?,
        audit::entry_if_changed(
            &db,
            &principal,
            "appointment.check_in",
            "appointment",
            &appointment.id,
            &appointment,
            &after,
        )?,
    ];
    // The work order follows the car in.
    let moved = match (&order, &appointment.owned_vehicle_id) {
        (Some(order), _) if order.status == "booked" => {
            statements.push(
                db.prepare(
                    "UPDATE work_orders SET status = 'checked_in', version = version + 1, updated_at = ?1 \
                     WHERE id = ?2 AND version = ?3 AND status = 'booked'",
                )
                .bind(&[text(&now), text(&order.id), number(order.version as f64)])?,
            );
            statements.push(
                db.prepare(
                    "INSERT INTO work_order_history (work_order_id, from_status, to_status, actor_id, note, at) \
                     SELECT ?1, 'booked', 'checked_in', ?2, 'checked in at the kiosk', ?3 WHERE changes() = 1",
                )
                .bind(&[text(&order.id), text(&principal.subject), text(&now)])?,
            );
            Some((order.id.clone(), Some("booked")))
        }
        (None, Some(vehicle)) => {
            let odometer: Option<Odometer> = db
                .prepare("SELECT mileage_km FROM owned_vehicles WHERE id = ?1")
                .bind(&[text(vehicle)])?
                .first(None)
                .await?;
            let id = new_id("wo-")?;
            statements.push(
                db.prepare(
                    "INSERT INTO work_orders (id, location_id, appointment_id, owned_vehicle_id, customer_id, mileage_in, \
                     complaint, status, version, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'checked_in', 1, ?8, ?8)",
                )
                .bind(&[
                    text(&id),
                    text(&appointment.location_id),
                    text(&appointment.id),
                    text(vehicle),
                    text(&appointment.customer_id),
                    number(odometer.map(|o| o.mileage_km).unwrap_or(0) as f64),
                    text(&appointment.service),
                    text(&now),
                ])?,
            );
            statements.push(
                db.prepare(
                    "INSERT INTO work_order_history (work_order_id, from_status, to_status, actor_id, note, at) \
                     VALUES (?1, NULL, 'checked_in', ?2, 'opened at kiosk check-in', ?3)",
                )
                .bind(&[text(&id), text(&principal.subject), text(&now)])?,
            );
            statements.push(audit::entry_if_changed(
                &db,
                &principal,
                "work_order.open",
                "work_order",
                &id,
                &serde_json::Value::Null,
                &serde_json::json!({ "id": id, "appointment_id": appointment.id, "status": "checked_in" }),
            )?);
            Some((id, None))
        }
        _ => None,
    };
    let results = db.batch(statements).await?;
    if results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) == 0 {
        return Err(ApiError::Conflict { current: serde_json::json!({ "reference": reference, "status": "changed" }) });
    }

    let at_ms = now_millis() as u64;
    if let Some((order_id, from)) = &moved {
        let event = RoomEvent::WorkOrderTransitioned {
            work_order_id: order_id.clone(),
            location_id: appointment.location_id.clone(),
            from: from.unwrap_or("none").into(),
            to: "checked_in".into(),
            by: principal.subject.clone(),
            note: Some("checked in at the kiosk".into()),
            at_ms,
        };
        publish::event(&ctx.env, &event).await;
    }
    let kiosk: Option<Kiosk> = db
        .prepare("SELECT showroom_id FROM devices WHERE id = ?1")
        .bind(&[text(&principal.subject)])?
        .first(None)
        .await?;
    if let Some(showroom_id) = kiosk.and_then(|k| k.showroom_id) {
        // The floor sees an arrival, never who it is.
        let event =
            RoomEvent::Floor { showroom_id, visit_id: new_id("visit-")?, activity: FloorActivity::Entered, at_ms };
        publish::event(&ctx.env, &event).await;
    }
    let advisors = staff_of(&db, &appointment.location_id, &["advisor"]).await?;
    let first_name = booked.customer_name.split_whitespace().next().unwrap_or("A customer").to_owned();
    notify(
        &ctx.env,
        &db,
        &advisors,
        &Notice {
            kind: "appointment_arrived",
            title: format!("{first_name} has checked in"),
            body: format!(
                "{} at {} ({reference})",
                appointment.service,
                appointment.starts_at.get(11..16).unwrap_or("")
            ),
            link: moved.as_ref().map(|(id, _)| format!("/work-orders/{id}")),
        },
    )
    .await
    .map_err(|e| internal(format!("notifying advisors: {e}")))?;
    let status = moved.as_ref().map(|_| "checked_in".to_owned());
    Ok(Response::from_json(&CheckedIn {
        checked_in: true,
        reference,
        service: appointment.service,
        starts_at: appointment.starts_at,
        work_order_status: status,
    })?)
}
