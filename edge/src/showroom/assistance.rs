//! `POST /api/kiosk/assistance`: "Call a sales rep" from a showroom kiosk. A floor alert goes to
//! `showroom:{id}` and every available rep of that showroom's location gets a notification.
//! Only a kiosk's device token may call it, and only for its own showroom.

use super::vehicle_records;
use crate::customers::notifications::Pending;
use crate::customers::records::audit_as;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use crate::showroom::lead_intake::time_ordered_id;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::protocol::FloorActivity;
use forecourt_domain::realtime::{RoomEvent, RoomName};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

/// The visitor compares at most three cars; a few more are tolerated, a list is not.
pub const MAX_VEHICLES: usize = 10;

/// What the kiosk app sends (`app/src/api.rs` `AssistanceRequest`): its idempotency key (also in
/// the header) and the cars on the visitor's comparison; a zone and a single car are optional.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AssistanceBody {
    #[serde(default)]
    zone: Option<String>,
    #[serde(default)]
    vehicle_id: Option<String>,
    #[serde(default)]
    vehicle_ids: Vec<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AssistanceReceipt {
    id: String,
    showroom_id: String,
    zone_id: Option<String>,
    vehicle_ids: Vec<String>,
    /// How many reps were alerted.
    notified: usize,
    created_at: String,
}

#[derive(Deserialize)]
struct DeviceRow {
    showroom_id: Option<String>,
    location_id: Option<String>,
}

#[derive(Deserialize)]
struct ZoneRow {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct RepRow {
    id: String,
}

#[utoipa::path(post, path = "/api/kiosk/assistance", tag = "showroom", security(("device_token" = [])),
    request_body = AssistanceBody,
    responses((status = 201, description = "The floor was alerted", body = AssistanceReceipt)))]
pub async fn request(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(request_assistance(req, ctx).await)
}

async fn request_assistance(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Kiosk]).await?;
    let header_key = req.headers().get(idempotency::HEADER).ok().flatten();
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| assist_once(body, ctx, principal, header_key)).await
}

async fn assist_once(
    body: Vec<u8>,
    ctx: RouteContext<()>,
    principal: Principal,
    header_key: Option<String>,
) -> ApiResult<Response> {
    let request: AssistanceBody = parse_json(&body)?;
    if let (Some(in_body), Some(in_header)) = (&request.idempotency_key, &header_key) {
        if in_body != in_header {
            return Err(ApiError::InvalidInput {
                field: "idempotency_key".into(),
                detail: "differs from the Idempotency-Key header".into(),
            });
        }
    }
    let db = bindings::database(&ctx.env)?;
    let device: Option<DeviceRow> = db
        .prepare("SELECT showroom_id, location_id FROM devices WHERE id = ?1 AND kind = 'kiosk' AND revoked_at IS NULL")
        .bind(&[JsValue::from_str(&principal.subject)])?
        .first(None)
        .await?;
    let (Some(showroom_id), Some(location_id)) =
        device.map(|d| (d.showroom_id, d.location_id)).ok_or(ApiError::Unauthenticated)?
    else {
        return Err(ApiError::Forbidden("this kiosk is not placed in a showroom".into()));
    };

    // The zone, by id or name, of this showroom only.
    let zone = match request.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        Some(zone) => {
            let row: Option<ZoneRow> = db
                .prepare(
                    "SELECT id, name FROM showroom_zones WHERE showroom_id = ?1 AND (id = ?2 OR name = ?2 COLLATE NOCASE)",
                )
                .bind(&[JsValue::from_str(&showroom_id), JsValue::from_str(zone)])?
                .first(None)
                .await?;
            Some(row.ok_or_else(|| ApiError::InvalidInput {
                field: "zone".into(),
                detail: format!("'{zone}' is not a zone of this showroom"),
            })?)
        }
        None => None,
    };
    let mut vehicle_ids: Vec<String> = request.vehicle_id.iter().chain(request.vehicle_ids.iter()).cloned().collect();
    vehicle_ids.dedup();
    if vehicle_ids.len() > MAX_VEHICLES {
        return Err(ApiError::InvalidInput {
            field: "vehicle_ids".into(),
            detail: format!("at most {MAX_VEHICLES} vehicles"),
        });
    }
    for (i, id) in vehicle_ids.iter().enumerate() {
        // Public stock of this kiosk's own location only.
        let here = vehicle_records::find_public(&db, id).await?.is_some_and(|v| v.location_id == location_id);
        if !here {
            let field = if request.vehicle_id.as_ref() == Some(id) {
                "vehicle_id".to_owned()
            } else {
                format!("vehicle_ids[{i}]")
            };
            return Err(ApiError::InvalidInput { field, detail: format!("'{id}' is not a car in this showroom") });
        }
    }

    let id = time_ordered_id("assist")?;
    let now = now_rfc3339();
    let receipt_vehicles = serde_json::to_string(&vehicle_ids).map_err(|e| ApiError::Internal(e.to_string()))?;
    let reps: Vec<RepRow> = db
        .prepare(
            "SELECT u.id FROM users u JOIN user_locations ul ON ul.user_id = u.id \
             WHERE ul.location_id = ?1 AND u.role = 'sales' AND u.active = 1 AND u.available = 1 ORDER BY u.id",
        )
        .bind(&[JsValue::from_str(&location_id)])?
        .all()
        .await?
        .results()?;
    let mut statements = vec![db
        .prepare(
            "INSERT INTO assistance_requests (id, device_id, showroom_id, zone_id, vehicle_ids, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(&principal.subject),
            JsValue::from_str(&showroom_id),
            zone.as_ref().map(|z| JsValue::from_str(&z.id)).unwrap_or(JsValue::NULL),
            JsValue::from_str(&receipt_vehicles),
            JsValue::from_str(&now),
        ])?];
    let receipt = AssistanceReceipt {
        id: id.clone(),
        showroom_id: showroom_id.clone(),
        zone_id: zone.as_ref().map(|z| z.id.clone()),
        vehicle_ids: vehicle_ids.clone(),
        notified: reps.len(),
        created_at: now.clone(),
    };
    statements.push(audit_as(
        &db,
        Some((&principal.subject, "kiosk")),
        "assistance.request",
        "assistance_request",
        &id,
        &(),
        &receipt,
    )?);
    let where_ = zone.as_ref().map(|z| format!(" in {}", z.name)).unwrap_or_default();
    let body = match vehicle_ids.len() {
        0 => format!("A visitor at the kiosk{where_} asks for a sales rep."),
        n => format!("A visitor at the kiosk{where_} asks for a sales rep about {n} car(s)."),
    };
    let mut notices = Vec::new();
    for rep in &reps {
        let notice = Pending::new(
            &rep.id,
            "assistance_requested",
            "A visitor is asking for help",
            &body,
            Some("/floor".into()),
        )?;
        statements.push(notice.statement(&db)?);
        notices.push(notice);
    }
    db.batch(statements).await?;

    let alert = RoomEvent::Floor {
        showroom_id: showroom_id.clone(),
        visit_id: id.clone(),
        activity: FloorActivity::AssistanceRequested { zone: zone.map(|z| z.name), vehicle_ids },
        at_ms: now_millis() as u64,
    };
    publish::to_room(&ctx.env, &RoomName::Showroom(showroom_id), &alert).await;
    for notice in &notices {
        notice.publish(&ctx.env).await;
    }
    Ok(Response::from_json(&receipt)?.with_status(201))
}
