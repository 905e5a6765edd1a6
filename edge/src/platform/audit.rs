//! The append-only audit log: every mutation's actor, time and before/after, written in the same
//! D1 batch (one transaction) as the change itself, so neither can exist without the other.

use super::clock::now_rfc3339;
use super::problem::ApiResult;
use forecourt_domain::identity::Principal;
use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// An audit insert that only happens if the statement just before it in the batch changed a
/// row (`changes() = 1`): a refused conditional update leaves no audit entry behind.
pub fn entry_if_changed<B: Serialize, A: Serialize>(
    db: &D1Database,
    actor: &Principal,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: &B,
    after: &A,
) -> ApiResult<D1PreparedStatement> {
    Ok(db
        .prepare(
            "INSERT INTO audit_log (at, actor_id, actor_role, action, entity, entity_id, before, after, request_id) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE changes() = 1",
        )
        .bind(&[
            JsValue::from_str(&now_rfc3339()),
            JsValue::from_str(&actor.subject),
            JsValue::from_str(actor.role.as_str()),
            JsValue::from_str(action),
            JsValue::from_str(entity),
            JsValue::from_str(entity_id),
            JsValue::from_str(&serde_json::to_string(before).unwrap_or_else(|_| "null".into())),
            JsValue::from_str(&serde_json::to_string(after).unwrap_or_else(|_| "null".into())),
            // The envelope's request id: the audit row points at the request's log line.
            super::request_scope::request_id().map(|id| JsValue::from_str(&id)).unwrap_or(JsValue::NULL),
        ])?)
}

#[derive(serde::Deserialize, Serialize, utoipa::ToSchema)]
struct Entry {
    id: i64,
    at: String,
    actor_id: Option<String>,
    actor_role: Option<String>,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<String>,
}

/// `GET /api/audit?entity=&entity_id=` (admins): the trail of one record, oldest first.
#[utoipa::path(get, path = "/api/audit", tag = "platform", security(("bearer" = [])),
    params(("entity" = String, Query), ("entity_id" = String, Query)),
    responses((status = 200, description = "The record's trail, oldest first", body = crate::platform::openapi::Page<Entry>)))]
pub async fn list(req: worker::Request, ctx: worker::RouteContext<()>) -> worker::Result<worker::Response> {
    super::problem::respond(list_entries(req, ctx).await)
}

async fn list_entries(req: worker::Request, ctx: worker::RouteContext<()>) -> ApiResult<worker::Response> {
    use super::problem::ApiError;
    super::auth::require_role(&req, &ctx.env, &[forecourt_domain::identity::Role::Admin]).await?;
    let url = req.url()?;
    let value = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let (Some(entity), Some(entity_id)) = (value("entity"), value("entity_id")) else {
        return Err(ApiError::InvalidInput { field: "entity".into(), detail: "give entity and entity_id".into() });
    };
    let db = super::bindings::database(&ctx.env)?;
    let entries: Vec<Entry> = db
        .prepare("SELECT id, at, actor_id, actor_role, action, entity, entity_id, before, after, request_id FROM audit_log WHERE entity = ?1 AND entity_id = ?2 ORDER BY id")
        .bind(&[JsValue::from_str(&entity), JsValue::from_str(&entity_id)])?
        .all()
        .await?
        .results()?;
    // before/after are stored as JSON text; return them as JSON values.
    let items: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|e| {
            let parse = |text: &Option<String>| {
                text.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(serde_json::Value::Null)
            };
            serde_json::json!({
                "id": e.id, "at": e.at, "actor_id": e.actor_id, "actor_role": e.actor_role, "action": e.action,
                "entity": e.entity, "entity_id": e.entity_id, "before": parse(&e.before), "after": parse(&e.after), "request_id": e.request_id,
            })
        })
        .collect();
    Ok(worker::Response::from_json(&serde_json::json!({ "items": items }))?)
}
