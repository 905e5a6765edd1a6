//! What every workshop edit shares: the caller's right to edit, the version check (409 with the
//! current order), one D1 batch that applies the change, bumps the version and writes the change
//! log and the audit row together, and the live push to `workorder:{id}` and `board:{location}`.

use super::work_order_records::{self, WorkOrderSummary};
use crate::platform::audit;
use crate::platform::clock::now_rfc3339;
use crate::platform::problem::{ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, RouteContext};

/// A route parameter the router guarantees.
pub fn param(ctx: &RouteContext<()>, name: &str) -> ApiResult<String> {
    ctx.param(name).cloned().ok_or_else(|| ApiError::Internal(format!("route without :{name}")))
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

pub fn number(value: f64) -> JsValue {
    JsValue::from_f64(value)
}

pub fn opt_text(value: Option<&str>) -> JsValue {
    value.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

pub fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(error.to_string())
}

pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput { field: field.into(), detail: detail.into() }
}

/// Free text with a length limit, trimmed; empty is refused.
pub fn required_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("{field} has at most {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// A fresh id with a readable prefix.
pub fn new_id(prefix: &str) -> ApiResult<String> {
    let bytes = crate::platform::crypto::random_bytes(9).map_err(internal)?;
    Ok(format!("{prefix}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Who edits what: advisors, managers and admins edit any order they can see; technicians
/// only record findings (codes, inspection) on their own jobs, which `find` already limits to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// Labour and part lines, mileage, assignment, canned jobs, approval links.
    Lines,
    /// Diagnostic codes and inspection items.
    Findings,
}

pub fn may_edit(principal: &Principal, kind: EditKind) -> ApiResult<()> {
    let allowed = match principal.role {
        Role::Advisor | Role::Manager | Role::Admin => true,
        Role::Technician => kind == EditKind::Findings,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("a {} may not edit this part of a work order", principal.role.as_str())))
    }
}

/// The order the caller may see and edit, at the version they last read.
pub async fn editable(
    db: &D1Database,
    principal: &Principal,
    id: &str,
    kind: EditKind,
    expected_version: Option<i64>,
) -> ApiResult<WorkOrderSummary> {
    let order = work_order_records::find(db, principal, id).await?;
    may_edit(principal, kind)?;
    if matches!(order.status.as_str(), "collected" | "cancelled") {
        return Err(invalid("work_order", format!("a {} work order can no longer be edited", order.status)));
    }
    check_version(&order, expected_version)?;
    Ok(order)
}

pub fn check_version(order: &WorkOrderSummary, expected_version: Option<i64>) -> ApiResult<()> {
    match expected_version {
        Some(v) if v != order.version => Err(conflict(order)),
        _ => Ok(()),
    }
}

pub fn conflict<T: Serialize>(current: &T) -> ApiError {
    match serde_json::to_value(current) {
        Ok(current) => ApiError::Conflict { current },
        Err(error) => internal(error),
    }
}

/// SQL that holds only while the order is still at the version read: every statement of an
/// edit carries it, so a batch racing another edit changes nothing. Uses ?1 (id) and ?2 (version).
pub const AT_VERSION: &str = "EXISTS (SELECT 1 FROM work_orders WHERE id = ?1 AND version = ?2)";

/// The first two values of every guarded statement.
pub fn at_version(order: &WorkOrderSummary) -> Vec<JsValue> {
    vec![text(&order.id), number(order.version as f64)]
}

/// Applies `statements` (each guarded with [`AT_VERSION`]), then bumps the version, logs the
/// change and audits it, all in one batch (one transaction). `proof` is an SQL condition (its
/// values from ?4) that must hold after the statements, e.g. that every stock-guarded line was
/// inserted; when it does not, a tripwire statement fails the batch and D1 rolls all of it back,
/// so a half-applied edit never exists. Returns false when nothing was applied (someone else
/// edited the order first, or the proof failed).
#[allow(clippy::too_many_arguments)]
pub async fn commit<B: Serialize, A: Serialize>(
    db: &D1Database,
    principal: &Principal,
    order: &WorkOrderSummary,
    what: &str,
    before: &B,
    after: &A,
    mut statements: Vec<D1PreparedStatement>,
    proof: Option<(&str, Vec<JsValue>)>,
) -> ApiResult<bool> {
    let now = now_rfc3339();
    let base = vec![text(&order.id), number(order.version as f64), text(&now)];
    if let Some((condition, values)) = proof {
        let mut bind = base.clone();
        bind.extend(values);
        // 'refused' is not JSON: the CHECK on `detail` fails the whole batch.
        statements.push(
            db.prepare(format!(
                "INSERT INTO work_order_changes (work_order_id, what, detail, actor_id, at) \
                 SELECT ?1, 'refused', '{TRIPWIRE}', NULL, ?3 WHERE ?2 IS NOT NULL AND NOT ({condition})"
            ))
            .bind(&bind)?,
        );
    }
    statements.push(
        db.prepare("UPDATE work_orders SET version = version + 1, updated_at = ?3 WHERE id = ?1 AND version = ?2")
            .bind(&base)?,
    );
    let detail = serde_json::json!({ "after": after });
    statements.push(
        db.prepare(
            "INSERT INTO work_order_changes (work_order_id, what, detail, actor_id, at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE changes() = 1",
        )
        .bind(&[
            text(&order.id),
            text(what),
            text(&detail.to_string()),
            text(&principal.subject),
            text(&now),
        ])?,
    );
    statements.push(audit::entry_if_changed(
        db,
        principal,
        &format!("work_order.{what}"),
        "work_order",
        &order.id,
        before,
        after,
    )?);
    let bump_index = statements.len() - 3;
    let results = match db.batch(statements).await {
        Ok(results) => results,
        Err(error) if error.to_string().contains("CHECK constraint failed") => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let changed = results.get(bump_index).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    Ok(changed == 1)
}

const TRIPWIRE: &str = "refused";

/// Tells the order's room and the location's board that the order changed.
pub async fn publish_change(env: &Env, order: &WorkOrderSummary, what: &str, principal: &Principal) {
    let event = RoomEvent::WorkOrderUpdated {
        work_order_id: order.id.clone(),
        location_id: order.location_id.clone(),
        what: what.to_owned(),
        version: order.version + 1,
        by: principal.subject.clone(),
    };
    publish::event(env, &event).await;
}

/// After a refused batch: the order as it now is, for the 409.
pub async fn current_conflict(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<ApiError> {
    let current = work_order_records::find(db, principal, id).await?;
    Ok(conflict(&current))
}

/// The full order as the editor shows it after a change.
pub async fn detail_response(
    db: &D1Database,
    principal: &Principal,
    id: &str,
    status: u16,
) -> ApiResult<worker::Response> {
    let summary = work_order_records::find(db, principal, id).await?;
    Ok(worker::Response::from_json(&work_order_records::detail(db, summary).await?)?.with_status(status))
}

/// Staff of a location with one of `roles`, for notifications.
pub async fn staff_of(db: &D1Database, location_id: &str, roles: &[&str]) -> ApiResult<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
    }
    let roles = serde_json::to_string(roles).map_err(internal)?;
    let rows: Vec<Row> = db
        .prepare(
            "SELECT u.id FROM users u JOIN user_locations ul ON ul.user_id = u.id \
             WHERE ul.location_id = ?1 AND u.active = 1 AND u.role IN (SELECT value FROM json_each(?2)) ORDER BY u.id",
        )
        .bind(&[text(location_id), text(&roles)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

pub struct Notice {
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// Stores a notification for each of `users` and pushes it to their `user:{id}` rooms.
pub async fn notify(env: &Env, db: &D1Database, users: &[String], notice: &Notice) -> ApiResult<()> {
    let now = now_rfc3339();
    let mut statements = Vec::new();
    let mut events = Vec::new();
    for user in users {
        let id = new_id("ntf-")?;
        statements.push(
            db.prepare(
                "INSERT INTO notifications (id, user_id, kind, title, body, link, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(&[
                text(&id),
                text(user),
                text(notice.kind),
                text(&notice.title),
                text(&notice.body),
                opt_text(notice.link.as_deref()),
                text(&now),
            ])?,
        );
        events.push(RoomEvent::Notification {
            notification_id: id,
            user_id: user.clone(),
            title: notice.title.clone(),
            body: notice.body.clone(),
            link: notice.link.clone(),
        });
    }
    if statements.is_empty() {
        return Ok(());
    }
    db.batch(statements).await?;
    for event in &events {
        publish::event(env, event).await;
    }
    Ok(())
}
