//! Anomaly routes: the list and detail a manager or admin may see, lifecycle transitions that are
//! legal, versioned, idempotent, audited and pushed live, comments, and the feedback loop: each
//! resolved or false-positive verdict is stored and re-tunes the rule that raised the anomaly.

use super::anomaly_records::{self, AnomalySummary, Filters};
use super::notify::{self, Note};
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::cache;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::idempotency;
use crate::platform::listing::{next_cursor, DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::analytics::anomaly::feedback::{
    tune_threshold, Feedback, Verdict, THRESHOLD_CEILING, THRESHOLD_FLOOR,
};
use forecourt_domain::analytics::anomaly::lifecycle::AnomalyStatus;
use forecourt_domain::analytics::anomaly::Severity;
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::Principal;
use forecourt_domain::realtime::RoomEvent;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response, Result, RouteContext, Url};

const MAX_NOTE: usize = 2_000;
const MAX_COMMENT: usize = 2_000;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AnomalyPage)]
struct Page {
    items: Vec<AnomalySummary>,
    next_cursor: Option<String>,
}

fn param(ctx: &RouteContext<()>) -> ApiResult<String> {
    ctx.param("id").cloned().ok_or_else(|| ApiError::Internal("route without :id".into()))
}

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput { field: field.into(), detail: detail.into() }
}

fn is_metric_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn filters(url: &Url) -> ApiResult<Filters> {
    let mut filters = Filters { severity: None, status: None, metric: None, cursor: None, limit: DEFAULT_LIMIT };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "severity" => {
                filters.severity = Some(
                    Severity::parse(&value)
                        .ok_or_else(|| invalid("severity", format!("'{value}' is not a severity (info … critical)")))?,
                )
            }
            "status" => {
                filters.status = Some(
                    AnomalyStatus::parse(&value)
                        .ok_or_else(|| invalid("status", format!("'{value}' is not an anomaly status")))?,
                )
            }
            "metric" => {
                if !is_metric_name(&value) {
                    return Err(invalid("metric", "a metric is 1 to 64 lowercase letters, digits or '_'"));
                }
                filters.metric = Some(value.into_owned())
            }
            "cursor" => filters.cursor = Some(value.into_owned()),
            "limit" => {
                filters.limit =
                    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    })?
            }
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    Ok(filters)
}

#[utoipa::path(get, path = "/api/anomalies", tag = "analytics", security(("bearer" = [])),
    params(("severity" = Option<Severity>, Query), ("status" = Option<AnomalyStatus>, Query),
        ("metric" = Option<String>, Query), ("limit" = Option<u32>, Query, description = "1–100"),
        ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "Anomalies at the caller's locations (managers) or everywhere (admins)", body = Page)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_anomalies(req, ctx).await)
}

async fn list_anomalies(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    anomaly_records::scope(&principal)?;
    let filters = filters(&req.url()?)?;
    let db = bindings::database(&ctx.env)?;
    let items = anomaly_records::list(&db, &principal, &filters).await?;
    let next_cursor = next_cursor(&items, filters.limit, |a| &a.id);
    Ok(Response::from_json(&Page { items, next_cursor })?)
}

#[utoipa::path(get, path = "/api/anomalies/{id}", tag = "analytics", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The anomaly with its history and comments", body = anomaly_records::AnomalyDetail)))]
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(anomaly_detail(req, ctx).await)
}

async fn anomaly_detail(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let db = bindings::database(&ctx.env)?;
    let summary = anomaly_records::find(&db, &principal, &param(&ctx)?).await?;
    Ok(Response::from_json(&anomaly_records::detail(&db, summary).await?)?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AnomalyTransition)]
struct TransitionRequest {
    to: AnomalyStatus,
    #[serde(default)]
    assignee_id: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

#[utoipa::path(post, path = "/api/anomalies/{id}/transitions", tag = "analytics", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TransitionRequest,
    responses((status = 200, description = "The moved anomaly; a resolved or false-positive verdict also re-tunes its rule", body = anomaly_records::AnomalyDetail)))]
pub async fn transition(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(move_anomaly(req, ctx).await)
}

async fn move_anomaly(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    // Who may touch it is settled before the body is read: a denied caller gets 403/404, not 400.
    anomaly_records::find(&bindings::database(&ctx.env)?, &principal, &param(&ctx)?).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| move_anomaly_once(body, ctx, principal)).await
}

fn conflict(current: &impl Serialize) -> ApiError {
    match serde_json::to_value(current) {
        Ok(current) => ApiError::Conflict { current },
        Err(e) => ApiError::Internal(e.to_string()),
    }
}

async fn move_anomaly_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: TransitionRequest = parse_json(&body)?;
    if request.note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(invalid("note", format!("a note has at most {MAX_NOTE} characters")));
    }
    let db = bindings::database(&ctx.env)?;
    let before = anomaly_records::find(&db, &principal, &param(&ctx)?).await?;
    let from = before.status()?;
    from.transition(request.to).map_err(|error| invalid("to", error.to_string()))?;
    if let Some(assignee) = request.assignee_id.as_deref() {
        if !anomaly_records::may_be_assigned(&db, assignee, before.location_id.as_deref()).await? {
            return Err(invalid("assignee_id", "the assignee must be a manager of the anomaly's location or an admin"));
        }
    }
    if request.expected_version.unwrap_or(before.version) != before.version {
        return Err(conflict(&before));
    }
    // Someone owns every anomaly being worked on: the named assignee, else whoever had it, else
    // the person moving it.
    let assignee = request
        .assignee_id
        .clone()
        .or_else(|| before.assignee_id.clone())
        .or_else(|| (!request.to.is_closed()).then(|| principal.subject.clone()));

    let now = now_rfc3339();
    let mut after = before.clone();
    after.status = request.to.as_str().into();
    after.assignee_id = assignee.clone();
    after.version = before.version + 1;
    after.updated_at = now.clone();
    let null_or = |v: Option<&str>| v.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let update = db
        .prepare(
            "UPDATE anomalies SET status = ?1, assignee_id = ?2, version = version + 1, updated_at = ?3 \
             WHERE id = ?4 AND version = ?5 AND status = ?6",
        )
        .bind(&[
            JsValue::from_str(request.to.as_str()),
            null_or(assignee.as_deref()),
            JsValue::from_str(&now),
            JsValue::from_str(&before.id),
            JsValue::from_f64(before.version as f64),
            JsValue::from_str(from.as_str()),
        ])?;
    let history = db
        .prepare(
            "INSERT INTO anomaly_history (anomaly_id, from_status, to_status, actor_id, note, at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
        )
        .bind(&[
            JsValue::from_str(&before.id),
            JsValue::from_str(from.as_str()),
            JsValue::from_str(request.to.as_str()),
            JsValue::from_str(&principal.subject),
            null_or(request.note.as_deref()),
            JsValue::from_str(&now),
        ])?;
    let audit = audit::entry_if_changed(&db, &principal, "anomaly.transition", "anomaly", &before.id, &before, &after)?;
    let mut statements = vec![update, history, audit];
    let verdict = request.to.verdict();
    if verdict.is_some() {
        // The verdict is the feedback: stored with the anomaly's peak score, in the same
        // transaction as the move (changes() = 1 chains on the audit insert above).
        statements.push(
            db.prepare(
                "INSERT INTO anomaly_feedback (anomaly_id, rule_id, metric, score, verdict, user_id, at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE changes() = 1",
            )
            .bind(&[
                JsValue::from_str(&before.id),
                null_or(before.rule_id.as_deref()),
                JsValue::from_str(&before.metric),
                JsValue::from_f64(before.score),
                JsValue::from_str(request.to.as_str()),
                JsValue::from_str(&principal.subject),
                JsValue::from_str(&now),
            ])?,
        );
    }
    let results = db.batch(statements).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if changed == 0 {
        return Err(conflict(&anomaly_records::find(&db, &principal, &before.id).await?));
    }

    if let (Some(_), Some(rule_id)) = (verdict, before.rule_id.as_deref()) {
        retune(&db, &principal, rule_id).await?;
    }
    let severity = before.severity()?;
    let event = RoomEvent::AnomalyUpdated {
        anomaly_id: before.id.clone(),
        location_id: before.location_id.clone().unwrap_or_default(),
        severity,
        status: request.to.as_str().into(),
        assignee_id: assignee.clone(),
    };
    publish::event(&ctx.env, &event).await;
    cache::invalidate(&bindings::cache(&ctx.env)?, CacheKind::Dashboard).await?;
    if let Some(assignee) = assignee.as_deref() {
        if before.assignee_id.as_deref() != Some(assignee) && assignee != principal.subject {
            notify_assignee(&ctx.env, &before, assignee, severity).await?;
        }
    }
    let summary = anomaly_records::find(&db, &principal, &before.id).await?;
    Ok(Response::from_json(&anomaly_records::detail(&db, summary).await?)?)
}

async fn notify_assignee(env: &Env, anomaly: &AnomalySummary, assignee: &str, severity: Severity) -> ApiResult<()> {
    notify::send(
        env,
        Note {
            user_id: assignee,
            title: format!("Anomaly assigned to you: {} ({severity})", anomaly.metric),
            body: format!("Observed {:.1}, expected {:.1}", anomaly.observed, anomaly.expected),
            link: format!("/manager/anomalies/{}", anomaly.id),
            immediate: true,
        },
    )
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RuleRow {
    id: String,
    metric: String,
    threshold: f64,
    version: i64,
}

#[derive(Deserialize)]
struct FeedbackRow {
    score: f64,
    verdict: String,
}

/// Re-tunes `rule_id`'s threshold from every verdict on its anomalies; a change is versioned and
/// audited like any other edit (the actor is whoever gave the verdict that moved it).
async fn retune(db: &D1Database, principal: &Principal, rule_id: &str) -> ApiResult<()> {
    let rule: Option<RuleRow> = db
        .prepare("SELECT id, metric, threshold, version FROM anomaly_rules WHERE id = ?1")
        .bind(&[JsValue::from_str(rule_id)])?
        .first(None)
        .await?;
    let Some(rule) = rule else { return Ok(()) };
    let rows: Vec<FeedbackRow> = db
        .prepare("SELECT score, verdict FROM anomaly_feedback WHERE rule_id = ?1 ORDER BY at DESC LIMIT 200")
        .bind(&[JsValue::from_str(rule_id)])?
        .all()
        .await?
        .results()?;
    let feedback: Vec<Feedback> = rows
        .iter()
        .map(|r| Feedback {
            score: r.score,
            verdict: if r.verdict == "false_positive" { Verdict::FalsePositive } else { Verdict::Resolved },
        })
        .collect();
    let tuned = tune_threshold(rule.threshold, &feedback, THRESHOLD_FLOOR, THRESHOLD_CEILING);
    if (tuned.threshold - rule.threshold).abs() < 1e-6 {
        return Ok(());
    }
    let after = RuleRow { threshold: tuned.threshold, version: rule.version + 1, ..rule.clone() };
    let update = db
        .prepare("UPDATE anomaly_rules SET threshold = ?1, version = version + 1 WHERE id = ?2 AND version = ?3")
        .bind(&[
            JsValue::from_f64(tuned.threshold),
            JsValue::from_str(&rule.id),
            JsValue::from_f64(rule.version as f64),
        ])?;
    let audit = audit::entry_if_changed(db, principal, "anomaly_rule.tuned", "anomaly_rule", &rule.id, &rule, &after)?;
    db.batch(vec![update, audit]).await?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ScanRequest {
    location: String,
}

#[utoipa::path(post, path = "/api/anomalies/scan", tag = "analytics", security(("bearer" = [])),
    request_body = ScanRequest,
    responses((status = 202, description = "Scheduled: requests within 1 s (at most 5 s) run one scan of the location's daily series", body = super::recompute::Scheduled)))]
pub async fn scan(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(request_scan(req, ctx).await)
}

async fn request_scan(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    super::access::require_analyst(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &ctx.env, &principal.clone(), |body| async move {
        let request: ScanRequest = parse_json(&body)?;
        super::access::require_location(&principal, &request.location)?;
        super::forecasts::require_known_location(&env, &request.location).await?;
        let scheduled = super::recompute::schedule_scan(&env, &request.location, &principal).await?;
        Ok(Response::from_json(&scheduled)?.with_status(202))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CommentRequest {
    body: String,
}

#[utoipa::path(post, path = "/api/anomalies/{id}/comments", tag = "analytics", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CommentRequest,
    responses((status = 201, description = "The stored comment", body = anomaly_records::Comment)))]
pub async fn comment(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(add_comment(req, ctx).await)
}

async fn add_comment(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    anomaly_records::find(&bindings::database(&ctx.env)?, &principal, &param(&ctx)?).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| add_comment_once(body, ctx, principal)).await
}

async fn add_comment_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: CommentRequest = parse_json(&body)?;
    let text = request.body.trim();
    if text.is_empty() {
        return Err(invalid("body", "a comment cannot be empty"));
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(invalid("body", format!("a comment has at most {MAX_COMMENT} characters")));
    }
    let db = bindings::database(&ctx.env)?;
    let anomaly = anomaly_records::find(&db, &principal, &param(&ctx)?).await?;
    let comment = anomaly_records::Comment {
        id: random_token("anc_").map_err(|e| ApiError::Internal(e.to_string()))?,
        author_id: principal.subject.clone(),
        body: text.to_owned(),
        at: now_rfc3339(),
    };
    let insert = db
        .prepare("INSERT INTO anomaly_comments (id, anomaly_id, author_id, body, at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(&[
            JsValue::from_str(&comment.id),
            JsValue::from_str(&anomaly.id),
            JsValue::from_str(&comment.author_id),
            JsValue::from_str(&comment.body),
            JsValue::from_str(&comment.at),
        ])?;
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        "anomaly.comment",
        "anomaly",
        &anomaly.id,
        &serde_json::Value::Null,
        &comment,
    )?;
    db.batch(vec![insert, audit]).await?;
    let mut response = Response::from_json(&comment)?.with_status(201);
    response.headers_mut().set("location", &format!("/api/anomalies/{}", anomaly.id))?;
    Ok(response)
}
