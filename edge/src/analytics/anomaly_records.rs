//! Anomalies in D1: reads limited to what the caller may see, with their history and comments.

use crate::platform::problem::{ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::analytics::anomaly::lifecycle::AnomalyStatus;
use forecourt_domain::analytics::anomaly::Severity;
use forecourt_domain::identity::{Principal, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnomalySummary {
    pub id: String,
    pub metric: String,
    pub location_id: Option<String>,
    pub subject: Option<String>,
    pub at: String,
    pub observed: f64,
    pub expected: f64,
    pub band_low: f64,
    pub band_high: f64,
    pub score: f64,
    pub severity: String,
    pub status: String,
    pub assignee_id: Option<String>,
    pub detector: String,
    pub rule_id: Option<String>,
    pub occurrences: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl AnomalySummary {
    pub fn status(&self) -> ApiResult<AnomalyStatus> {
        AnomalyStatus::parse(&self.status).ok_or_else(|| ApiError::Internal(format!("stored status {}", self.status)))
    }

    pub fn severity(&self) -> ApiResult<Severity> {
        Severity::parse(&self.severity).ok_or_else(|| ApiError::Internal(format!("stored severity {}", self.severity)))
    }
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transition {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: String,
    pub author_id: String,
    pub body: String,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnomalyDetail {
    #[serde(flatten)]
    pub summary: AnomalySummary,
    pub history: Vec<Transition>,
    pub comments: Vec<Comment>,
}

pub const COLUMNS: &str = "id, metric, location_id, subject, at, observed, expected, band_low, band_high, score, \
severity, status, assignee_id, detector, rule_id, occurrences, version, created_at, updated_at";

/// Anomalies are for the people who act on them: managers at their locations, admins everywhere
/// (including group-wide anomalies without a location).
pub fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Manager => RowScope::locations("location_id", principal),
        _ => Err(ApiError::Forbidden("anomalies are for managers and admins".into())),
    }
}

pub struct Filters {
    pub severity: Option<Severity>,
    pub status: Option<AnomalyStatus>,
    pub metric: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

pub async fn list(db: &D1Database, principal: &Principal, filters: &Filters) -> ApiResult<Vec<AnomalySummary>> {
    let scope = scope(principal)?;
    let condition = &scope.condition;
    let sql = format!(
        "SELECT {COLUMNS} FROM anomalies WHERE {condition} AND (?1 IS NULL OR severity = ?1) \
         AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR metric = ?3) AND (?4 IS NULL OR id < ?4) \
         ORDER BY id DESC LIMIT ?5"
    );
    let text = |v: Option<&str>| v.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let values = scope.bind(vec![
        text(filters.severity.map(Severity::as_str)),
        text(filters.status.map(AnomalyStatus::as_str)),
        text(filters.metric.as_deref()),
        text(filters.cursor.as_deref()),
        JsValue::from(filters.limit),
    ]);
    Ok(db.prepare(sql).bind(&values)?.all().await?.results()?)
}

/// An anomaly the caller may see; others are reported as missing, so ids cannot be probed.
pub async fn find(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<AnomalySummary> {
    scope(principal)?.find_one(db, &format!("SELECT {COLUMNS} FROM anomalies WHERE id"), id, "anomaly").await
}

pub async fn detail(db: &D1Database, summary: AnomalySummary) -> ApiResult<AnomalyDetail> {
    let id = JsValue::from_str(&summary.id);
    let history: Vec<Transition> = db
        .prepare(
            "SELECT from_status, to_status, actor_id, note, at FROM anomaly_history WHERE anomaly_id = ?1 ORDER BY id",
        )
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let comments: Vec<Comment> = db
        .prepare("SELECT id, author_id, body, at FROM anomaly_comments WHERE anomaly_id = ?1 ORDER BY at, id")
        .bind(&[id])?
        .all()
        .await?
        .results()?;
    Ok(AnomalyDetail { summary, history, comments })
}

/// Whether `user_id` may be given an anomaly at `location`: an active manager of that location,
/// or an admin.
pub async fn may_be_assigned(db: &D1Database, user_id: &str, location: Option<&str>) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct Found {
        #[allow(dead_code)]
        id: String,
    }
    let row: Option<Found> = db
        .prepare(
            "SELECT u.id FROM users u WHERE u.id = ?1 AND u.active = 1 AND (u.role = 'admin' OR (u.role = 'manager' \
             AND EXISTS (SELECT 1 FROM user_locations l WHERE l.user_id = u.id AND l.location_id = ?2)))",
        )
        .bind(&[JsValue::from_str(user_id), location.map(JsValue::from_str).unwrap_or(JsValue::NULL)])?
        .first(None)
        .await?;
    Ok(row.is_some())
}

/// Who hears about a new anomaly at `location` at once: its managers and every admin.
pub async fn responders(db: &D1Database, location: Option<&str>) -> ApiResult<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let rows: Vec<Id> = db
        .prepare(
            "SELECT u.id FROM users u WHERE u.active = 1 AND (u.role = 'admin' OR (u.role = 'manager' AND EXISTS \
             (SELECT 1 FROM user_locations l WHERE l.user_id = u.id AND l.location_id = ?1))) ORDER BY u.id",
        )
        .bind(&[location.map(JsValue::from_str).unwrap_or(JsValue::NULL)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
