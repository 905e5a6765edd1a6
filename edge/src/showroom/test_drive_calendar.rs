//! `GET /api/test-drives`: the test-drive calendar (sales and managers their locations,
//! customers their own, admins all), and the reminders the Worker's cron sends for drives
//! starting within the next day.

use crate::customers::records::audit_as;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::showroom::reminders::{self, BookedDrive, REMIND_WITHIN_SECONDS};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response, Result, RouteContext, Url};

/// A calendar spans at most this many days.
pub const MAX_RANGE_DAYS: i64 = 92;
pub const MAX_ITEMS: u32 = 500;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarEntry {
    pub id: String,
    pub vehicle_id: String,
    pub location_id: String,
    pub customer_id: String,
    pub rep_id: String,
    pub lead_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub status: String,
    pub reminder_sent_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Calendar {
    pub from: String,
    pub to: String,
    pub items: Vec<CalendarEntry>,
    /// More drives than `limit` fall in the range: narrow it.
    pub truncated: bool,
}

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput { field: field.into(), detail: detail.into() }
}

fn iso(millis: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(millis)).to_iso_string().as_string().unwrap_or_default()
}

fn time(field: &str, raw: &str) -> ApiResult<f64> {
    let millis = js_sys::Date::parse(raw);
    if !millis.is_finite() {
        return Err(invalid(field, format!("'{raw}' is not an RFC 3339 time")));
    }
    Ok(millis)
}

fn plain(field: &str, raw: &str) -> ApiResult<String> {
    let ok =
        !raw.is_empty() && raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| raw.to_owned()).ok_or_else(|| invalid(field, "an id is 1 to 64 letters, digits, '-' or '_'"))
}

struct Query {
    from: f64,
    to: f64,
    rep_id: Option<String>,
    location: Option<String>,
    limit: u32,
}

fn query(url: &Url) -> ApiResult<Query> {
    let (mut from, mut to, mut rep_id, mut location, mut limit) = (None, None, None, None, 200);
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "from" => from = Some(time("from", &value)?),
            "to" => to = Some(time("to", &value)?),
            "rep_id" => rep_id = Some(plain("rep_id", &value)?),
            "location" => location = Some(plain("location", &value)?),
            "limit" => {
                limit =
                    value.parse().ok().filter(|l| (1..=MAX_ITEMS).contains(l)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_ITEMS}"))
                    })?
            }
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    // Default: from now, two weeks ahead.
    let from = from.unwrap_or_else(now_millis);
    let to = to.unwrap_or(from + 14.0 * 86_400_000.0);
    if to <= from {
        return Err(invalid("to", "the calendar ends after it starts"));
    }
    if to - from > MAX_RANGE_DAYS as f64 * 86_400_000.0 {
        return Err(invalid("to", format!("a calendar spans at most {MAX_RANGE_DAYS} days")));
    }
    Ok(Query { from, to, rep_id, location, limit })
}

fn scope(principal: &Principal, location: Option<&str>) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Sales | Role::Manager => {
            if location.is_some_and(|l| !principal.works_at(l)) {
                return Err(ApiError::Forbidden("that location's calendar is not yours".into()));
            }
            RowScope::locations("v.location_id", principal)
        }
        Role::Customer => {
            let own = principal.customer_id.as_deref().ok_or(ApiError::Forbidden("no customer record".into()))?;
            Ok(RowScope::equals("t.customer_id", own))
        }
        other => Err(ApiError::Forbidden(format!("a {} has no test-drive calendar", other.as_str()))),
    }
}

/// `GET /api/test-drives?from=&to=&rep_id=&location=&limit=`.
#[utoipa::path(get, path = "/api/test-drives", tag = "showroom", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "RFC 3339; default now"),
        ("to" = Option<String>, Query, description = "RFC 3339; default from + 14 days; at most 92 days after from"),
        ("rep_id" = Option<String>, Query), ("location" = Option<String>, Query),
        ("limit" = Option<u32>, Query, description = "1–500, default 200")),
    responses((status = 200, description = "Drives overlapping the range, by start time", body = Calendar)))]
pub async fn calendar(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_calendar(req, ctx).await)
}

async fn list_calendar(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    scope(&principal, None)?;
    let query = query(&req.url()?)?;
    let scope = scope(&principal, query.location.as_deref())?;
    let (from, to) = (iso(query.from), iso(query.to));
    let sql = format!(
        "SELECT t.id, t.vehicle_id, v.location_id, t.customer_id, t.rep_id, t.lead_id, t.starts_at, t.ends_at, t.status, \
         t.reminder_sent_at FROM test_drives t JOIN vehicles v ON v.id = t.vehicle_id \
         WHERE {} AND t.starts_at < ?2 AND ?1 < t.ends_at AND (?3 IS NULL OR t.rep_id = ?3) \
         AND (?4 IS NULL OR v.location_id = ?4) ORDER BY t.starts_at, t.id LIMIT ?5",
        scope.condition
    );
    let values = vec![
        JsValue::from_str(&from),
        JsValue::from_str(&to),
        query.rep_id.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        query.location.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        JsValue::from(query.limit + 1),
    ];
    let db = bindings::database(&ctx.env)?;
    let mut items: Vec<CalendarEntry> = db.prepare(sql).bind(&scope.bind(values))?.all().await?.results()?;
    let truncated = items.len() > query.limit as usize;
    items.truncate(query.limit as usize);
    Ok(Response::from_json(&Calendar { from, to, items, truncated })?)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReminderRun {
    /// Drives reminded by this run.
    pub reminded: usize,
}

/// `POST /api/test-drives/reminders` (admins): runs the cron's reminder pass now. The cron
/// trigger is the normal path; this lets an admin (and the integration tests) run it on demand.
#[utoipa::path(post, path = "/api/test-drives/reminders", tag = "showroom", security(("bearer" = [])),
    request_body = RunReminders,
    responses((status = 200, description = "How many drives were reminded", body = ReminderRun)))]
pub async fn run_reminders(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(run_reminders_now(req, ctx).await)
}

async fn run_reminders_now(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = crate::platform::auth::require_role(&req, &ctx.env, &[Role::Admin]).await?;
    let env = ctx.env.clone();
    crate::platform::idempotency::once(&mut req, &ctx.env, &principal, |body| async move {
        // The run takes no options: its body is `{}`, and anything else is a mistake worth naming.
        let _: RunReminders = crate::platform::body::parse_json(&body)?;
        Ok(Response::from_json(&ReminderRun { reminded: send_reminders(&env).await? })?)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunReminders {}

#[derive(Deserialize)]
struct DueRow {
    id: String,
    status: String,
    starts_at: String,
    reminder_sent_at: Option<String>,
    rep_id: String,
    customer_user_id: Option<String>,
    vehicle: String,
}

/// The cron's work: a notification to the rep (and to the customer, if they have an account) for
/// every booked drive starting within 24 h that has not been reminded. Each drive is claimed by
/// setting `reminder_sent_at` to this run's stamp, and its notifications are inserted only if
/// that claim won, so overlapping runs never remind twice. Returns how many were reminded.
pub async fn send_reminders(env: &Env) -> ApiResult<usize> {
    let db = bindings::database(env)?;
    let now_ms = now_millis();
    let stamp = now_rfc3339();
    let rows: Vec<DueRow> = db
        .prepare(
            "SELECT t.id, t.status, t.starts_at, t.reminder_sent_at, t.rep_id, \
             (SELECT u.id FROM users u WHERE u.customer_id = t.customer_id AND u.active = 1 LIMIT 1) AS customer_user_id, \
             v.make || ' ' || v.model AS vehicle FROM test_drives t JOIN vehicles v ON v.id = t.vehicle_id \
             WHERE t.status = 'booked' AND t.reminder_sent_at IS NULL AND t.starts_at > ?1 AND t.starts_at <= ?2 \
             ORDER BY t.starts_at LIMIT 200",
        )
        .bind(&[JsValue::from_str(&iso(now_ms)), JsValue::from_str(&iso(now_ms + REMIND_WITHIN_SECONDS as f64 * 1000.0))])?
        .all()
        .await?
        .results()?;
    let drives: Vec<BookedDrive> = rows
        .iter()
        .map(|r| BookedDrive {
            id: r.id.clone(),
            status: r.status.clone(),
            starts_at: (js_sys::Date::parse(&r.starts_at) / 1000.0) as i64,
            reminded: r.reminder_sent_at.is_some(),
        })
        .collect();
    let due = reminders::select(&drives, (now_ms / 1000.0) as i64);
    let mut reminded = 0;
    for id in due {
        let Some(row) = rows.iter().find(|r| r.id == id) else { continue };
        let claim = db
            .prepare("UPDATE test_drives SET reminder_sent_at = ?1 WHERE id = ?2 AND reminder_sent_at IS NULL")
            .bind(&[JsValue::from_str(&stamp), JsValue::from_str(&id)])?;
        let audit = audit_as(
            &db,
            Some(("scheduler", "system")),
            "test_drive.reminded",
            "test_drive",
            &id,
            &serde_json::json!({"reminder_sent_at": null}),
            &serde_json::json!({"reminder_sent_at": stamp}),
        )?;
        let body = format!("Test drive of the {} at {}.", row.vehicle, row.starts_at);
        let mut statements = vec![claim, audit];
        let mut notices = Vec::new();
        for user in std::iter::once(&row.rep_id).chain(row.customer_user_id.as_ref()) {
            let notice = crate::customers::notifications::Pending::new(
                user,
                "test_drive_reminder",
                "Test drive tomorrow",
                &body,
                Some(format!("/test-drives/{id}")),
            )?;
            statements.push(notice.statement_when_claimed(&db, &id, &stamp)?);
            notices.push(notice);
        }
        let results = db.batch(statements).await?;
        let won = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if won == 1 {
            reminded += 1;
            for notice in &notices {
                notice.publish(env).await;
            }
        }
    }
    Ok(reminded)
}
