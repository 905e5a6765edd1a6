//! The lead queue and the sales pipeline: leads each role may see, with their first-response
//! timers, and pipeline moves that are legal, recorded, audited and pushed live.

use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_rfc3339, now_seconds};
use crate::platform::idempotency;
use crate::platform::listing;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use forecourt_domain::showroom::assignment::{response_timer, ResponseTimer};
use forecourt_domain::showroom::lead::LeadStatus;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Request, Response, Result, RouteContext};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeadRow {
    pub id: String,
    pub customer_id: String,
    pub location_id: String,
    pub source: String,
    pub vehicle_id: Option<String>,
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    pub timeframe: String,
    pub preferred_contact: String,
    pub status: String,
    pub lost_reason: Option<String>,
    pub assigned_rep_id: Option<String>,
    pub first_response_at: Option<String>,
    pub score: Option<f64>,
    pub score_model: Option<String>,
    /// JSON text; shown parsed as `reasons` (see [`Lead`]).
    #[serde(default, skip_serializing)]
    pub score_reasons: Option<String>,
    #[serde(default)]
    pub model_id: Option<String>,
    #[serde(default)]
    pub assigned_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub response_target_minutes: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Lead {
    #[serde(flatten)]
    row: LeadRow,
    /// The score's per-factor contributions, largest first.
    reasons: Option<serde_json::Value>,
    response: ResponseTimer,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Move {
    to: LeadStatus,
    #[serde(default)]
    lost_reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

const COLUMNS: &str = "l.id, l.customer_id, l.location_id, l.source, l.vehicle_id, l.budget_min_cents, l.budget_max_cents, \
l.timeframe, l.preferred_contact, l.status, l.lost_reason, l.assigned_rep_id, l.first_response_at, l.score, l.score_model, \
l.score_reasons, l.model_id, l.assigned_at, l.version, l.created_at, l.updated_at, loc.lead_response_target_minutes AS response_target_minutes";

/// Seconds since the epoch for an RFC 3339 UTC timestamp as D1 stores them.
fn epoch_seconds(text: &str) -> Option<u64> {
    let millis = js_sys::Date::parse(text);
    (millis.is_finite() && millis >= 0.0).then(|| (millis / 1000.0) as u64)
}

pub(crate) fn with_timer(row: LeadRow, now: u64) -> Lead {
    let arrived = epoch_seconds(&row.created_at).unwrap_or(now);
    let answered = row.first_response_at.as_deref().and_then(epoch_seconds);
    let response = response_timer(arrived, answered, row.response_target_minutes.max(1) as u32, now);
    let reasons = row.score_reasons.as_deref().and_then(|text| serde_json::from_str(text).ok());
    Lead { row, reasons, response }
}

/// Who sees which leads: sales and managers their locations, customers their own, admins all.
pub(crate) fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Sales | Role::Manager => RowScope::locations("l.location_id", principal),
        Role::Customer => {
            let customer = principal.customer_id.as_deref().ok_or(ApiError::Forbidden("no customer record".into()))?;
            Ok(RowScope::equals("l.customer_id", customer))
        }
        _ => Err(ApiError::Forbidden("leads are for sales".into())),
    }
}

pub(crate) async fn find(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<LeadRow> {
    let select = format!("SELECT {COLUMNS} FROM leads l JOIN locations loc ON loc.id = l.location_id WHERE l.id");
    scope(principal)?.find_one(db, &select, id, "lead").await
}

/// `GET /api/leads?status=&limit=&cursor=`: the queue, newest first, with response timers.
#[utoipa::path(get, path = "/api/leads", tag = "showroom", security(("bearer" = [])),
    params(("status" = Option<LeadStatus>, Query), ("limit" = Option<u32>, Query, description = "1–100"),
        ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "The lead queue, newest first", body = crate::platform::openapi::Page<Lead>)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_leads(req, ctx).await)
}

async fn list_leads(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let params = listing::parse(&req.url()?, "lead", LeadStatus::parse)?;
    let scope = scope(&principal)?;
    let condition = &scope.condition;
    let sql = format!(
        "SELECT {COLUMNS} FROM leads l JOIN locations loc ON loc.id = l.location_id WHERE {condition} \
         AND (?1 IS NULL OR l.status = ?1) AND (?2 IS NULL OR l.id < ?2) ORDER BY l.id DESC LIMIT ?3"
    );
    let values = vec![
        params.status.map(|s| JsValue::from_str(s.as_str())).unwrap_or(JsValue::NULL),
        params.cursor.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        JsValue::from(params.limit),
    ];
    let db = bindings::database(&ctx.env)?;
    let rows: Vec<LeadRow> = db.prepare(sql).bind(&scope.bind(values))?.all().await?.results()?;
    let next_cursor = listing::next_cursor(&rows, params.limit, |l| &l.id);
    let now = now_seconds();
    let items: Vec<Lead> = rows.into_iter().map(|row| with_timer(row, now)).collect();
    Ok(Response::from_json(&serde_json::json!({ "items": items, "next_cursor": next_cursor }))?)
}

/// `GET /api/leads/:id`.
#[utoipa::path(get, path = "/api/leads/{id}", tag = "showroom", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "One lead with its response timer", body = Lead)))]
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(lead_detail(req, ctx).await)
}

async fn lead_detail(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    let db = bindings::database(&ctx.env)?;
    Ok(Response::from_json(&with_timer(find(&db, &principal, &id).await?, now_seconds()))?)
}

/// `POST /api/leads/:id/transitions` with `{"to", "lost_reason"?, "note"?, "expected_version"?}`.
#[utoipa::path(post, path = "/api/leads/{id}/transitions", tag = "showroom", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Move,
    responses((status = 200, description = "The moved lead", body = Lead)))]
pub async fn transition(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(move_lead(req, ctx).await)
}

async fn move_lead(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    if !matches!(principal.role, Role::Sales | Role::Manager | Role::Admin) {
        return Err(ApiError::Forbidden(format!("a {} may not move leads", principal.role.as_str())));
    }
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| move_lead_once(body, ctx, principal)).await
}

async fn move_lead_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Move = parse_json(&body)?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    let db = bindings::database(&ctx.env)?;
    let before = find(&db, &principal, &id).await?;
    let from = LeadStatus::parse(&before.status)
        .ok_or_else(|| ApiError::Internal(format!("lead {id} has status {}", before.status)))?;
    from.transition(request.to, request.lost_reason.as_deref())
        .map_err(|error| ApiError::InvalidInput { field: "to".into(), detail: error.to_string() })?;
    if request.expected_version.is_some_and(|v| v != before.version) {
        return Err(ApiError::Conflict {
            current: serde_json::to_value(&before).map_err(|e| ApiError::Internal(e.to_string()))?,
        });
    }
    let now = now_rfc3339();
    let lost_reason = (request.to == LeadStatus::Lost).then(|| request.lost_reason.clone()).flatten();
    let mut after = before.clone();
    after.status = request.to.as_str().into();
    after.lost_reason = lost_reason.clone();
    after.version += 1;
    // The first move out of `new` is the first response: it stops the lead's response clock.
    after.first_response_at = before.first_response_at.clone().or_else(|| Some(now.clone()));
    after.updated_at = now.clone();
    let update = db
        .prepare(
            "UPDATE leads SET status = ?1, lost_reason = ?2, version = version + 1, updated_at = ?3, \
             first_response_at = COALESCE(first_response_at, ?3) WHERE id = ?4 AND version = ?5 AND status = ?6",
        )
        .bind(&[
            JsValue::from_str(request.to.as_str()),
            lost_reason.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(&now),
            JsValue::from_str(&id),
            JsValue::from_f64(before.version as f64),
            JsValue::from_str(from.as_str()),
        ])?;
    let history = db
        .prepare("INSERT INTO lead_history (lead_id, from_status, to_status, actor_id, note, at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1")
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(from.as_str()),
            JsValue::from_str(request.to.as_str()),
            JsValue::from_str(&principal.subject),
            request.note.as_deref().or(lost_reason.as_deref()).map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(&now),
        ])?;
    let audit = audit::entry_if_changed(&db, &principal, "lead.transition", "lead", &id, &before, &after)?;
    let results = db.batch(vec![update, history, audit]).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if changed == 0 {
        let current = find(&db, &principal, &id).await?;
        return Err(ApiError::Conflict {
            current: serde_json::to_value(&current).map_err(|e| ApiError::Internal(e.to_string()))?,
        });
    }
    publish::event(
        &ctx.env,
        &RoomEvent::LeadUpdated {
            lead_id: id.clone(),
            location_id: before.location_id.clone(),
            status: request.to.as_str().into(),
            version: after.version,
            by: principal.subject.clone(),
        },
    )
    .await;
    Ok(Response::from_json(&with_timer(find(&db, &principal, &id).await?, now_seconds()))?)
}
