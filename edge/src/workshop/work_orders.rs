//! Work-order routes: the list and detail each role may see, and status transitions that are
//! legal, recorded (who, when, note), audited, and pushed live to the customer and the board.

use super::work_order_records::{self, WorkOrderSummary};
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::idempotency;
use crate::platform::listing;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

#[derive(Serialize, utoipa::ToSchema)]
struct Page {
    items: Vec<WorkOrderSummary>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TransitionRequest {
    to: WorkOrderStatus,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

const MAX_NOTE: usize = 2_000;

fn param(ctx: &RouteContext<()>) -> ApiResult<String> {
    ctx.param("id").cloned().ok_or_else(|| ApiError::Internal("route without :id".into()))
}

#[utoipa::path(get, path = "/api/work-orders", tag = "workshop", security(("bearer" = [])),
    params(("status" = Option<WorkOrderStatus>, Query), ("limit" = Option<u32>, Query, description = "1–100"),
        ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "The work orders the caller may see", body = Page)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_orders(req, ctx).await)
}

async fn list_orders(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let params = listing::parse(&req.url()?, "work-order", WorkOrderStatus::parse)?;
    let db = bindings::database(&ctx.env)?;
    let status = params.status.map(WorkOrderStatus::as_str);
    let items = work_order_records::list(&db, &principal, status, params.cursor.as_deref(), params.limit).await?;
    let next_cursor = listing::next_cursor(&items, params.limit, |w| &w.id);
    Ok(Response::from_json(&Page { items, next_cursor })?)
}

#[utoipa::path(get, path = "/api/work-orders/{id}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The order with labour, parts, totals and history", body = work_order_records::WorkOrderDetail)))]
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(order_detail(req, ctx).await)
}

async fn order_detail(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let db = bindings::database(&ctx.env)?;
    let summary = work_order_records::find(&db, &principal, &param(&ctx)?).await?;
    Ok(Response::from_json(&work_order_records::detail(&db, summary).await?)?)
}

/// What each role may do to a work order it can see. Technicians move their own jobs through
/// the bench states; advisors, managers and admins run the whole flow; customers approve work
/// through the inspection link, not by moving the order.
fn may_move(principal: &Principal, to: WorkOrderStatus) -> bool {
    use WorkOrderStatus::*;
    match principal.role {
        Role::Advisor | Role::Manager | Role::Admin => true,
        Role::Technician => matches!(to, Diagnosing | AwaitingApproval | InProgress | QualityCheck),
        _ => false,
    }
}

#[utoipa::path(post, path = "/api/work-orders/{id}/transitions", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TransitionRequest,
    responses((status = 200, description = "The moved order", body = work_order_records::WorkOrderDetail)))]
pub async fn transition(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(move_order(req, ctx).await)
}

async fn move_order(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| move_order_once(body, ctx, principal)).await
}

async fn move_order_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: TransitionRequest = parse_json(&body)?;
    if request.note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(ApiError::InvalidInput {
            field: "note".into(),
            detail: format!("a note has at most {MAX_NOTE} characters"),
        });
    }
    let db = bindings::database(&ctx.env)?;
    let before = work_order_records::find(&db, &principal, &param(&ctx)?).await?;
    if !may_move(&principal, request.to) {
        return Err(ApiError::Forbidden(format!(
            "a {} may not move a work order to {}",
            principal.role.as_str(),
            request.to.as_str()
        )));
    }
    let from = work_order_records::status_of(&before)?;
    from.transition(request.to)
        .map_err(|error| ApiError::InvalidInput { field: "to".into(), detail: error.to_string() })?;
    let expected_version = request.expected_version.unwrap_or(before.version);
    if expected_version != before.version {
        return Err(ApiError::Conflict {
            current: serde_json::to_value(&before).map_err(|e| ApiError::Internal(e.to_string()))?,
        });
    }

    let now = now_rfc3339();
    let mut after = before.clone();
    after.status = request.to.as_str().into();
    after.version = before.version + 1;
    after.updated_at = now.clone();
    // One transaction: the guarded update, then history and audit only if it changed the row.
    let update = db
        .prepare("UPDATE work_orders SET status = ?1, version = version + 1, updated_at = ?2 WHERE id = ?3 AND version = ?4 AND status = ?5")
        .bind(&[
            JsValue::from_str(request.to.as_str()),
            JsValue::from_str(&now),
            JsValue::from_str(&before.id),
            JsValue::from_f64(before.version as f64),
            JsValue::from_str(from.as_str()),
        ])?;
    let history = db
        .prepare(
            "INSERT INTO work_order_history (work_order_id, from_status, to_status, actor_id, note, at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
        )
        .bind(&[
            JsValue::from_str(&before.id),
            JsValue::from_str(from.as_str()),
            JsValue::from_str(request.to.as_str()),
            JsValue::from_str(&principal.subject),
            request.note.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(&now),
        ])?;
    let audit =
        audit::entry_if_changed(&db, &principal, "work_order.transition", "work_order", &before.id, &before, &after)?;
    let results = db.batch(vec![update, history, audit]).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if changed == 0 {
        // Someone else moved it between our read and our write.
        let current = work_order_records::find(&db, &principal, &before.id).await?;
        return Err(ApiError::Conflict {
            current: serde_json::to_value(&current).map_err(|e| ApiError::Internal(e.to_string()))?,
        });
    }

    let event = RoomEvent::WorkOrderTransitioned {
        work_order_id: before.id.clone(),
        location_id: before.location_id.clone(),
        from: from.as_str().into(),
        to: request.to.as_str().into(),
        by: principal.subject.clone(),
        note: request.note.clone(),
        at_ms: now_millis() as u64,
    };
    publish::event(&ctx.env, &event).await;
    let summary = work_order_records::find(&db, &principal, &before.id).await?;
    Ok(Response::from_json(&work_order_records::detail(&db, summary).await?)?)
}
