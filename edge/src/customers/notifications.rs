//! Notifications: what the app shows in its bell (`GET /api/notifications`), written by other
//! routes (a lead assigned, a test drive tomorrow, a kiosk calling) and pushed live to `user:{id}`.

use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::idempotency;
use crate::platform::listing;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::Principal;
use forecourt_domain::realtime::RoomEvent;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response, Result, RouteContext};

/// The kinds people can switch off, per channel.
pub const KINDS: &[&str] = &["lead_assigned", "test_drive_reminder", "assistance_requested"];
pub const CHANNELS: &[&str] = &["in_app", "push", "email"];

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read_at: Option<String>,
    pub created_at: String,
}

/// A notification to be inserted in the caller's batch unless the user switched this kind off
/// in the app; `publish` afterwards pushes it live.
pub struct Pending {
    pub notification: Notification,
}

impl Pending {
    pub fn new(user_id: &str, kind: &str, title: &str, body: &str, link: Option<String>) -> ApiResult<Self> {
        Ok(Self {
            notification: Notification {
                id: random_token("ntf_").map_err(|e| ApiError::Internal(e.to_string()))?,
                user_id: user_id.to_owned(),
                kind: kind.to_owned(),
                title: title.to_owned(),
                body: body.to_owned(),
                link,
                read_at: None,
                created_at: now_rfc3339(),
            },
        })
    }

    pub fn statement(&self, db: &D1Database) -> ApiResult<D1PreparedStatement> {
        self.insert(db, "1 = 1", Vec::new())
    }

    /// Inserted only if the statement before it in the batch changed a row.
    pub fn statement_if_changed(&self, db: &D1Database) -> ApiResult<D1PreparedStatement> {
        self.insert(db, "changes() = 1", Vec::new())
    }

    /// Inserted only if the test drive `drive_id` was claimed for reminding by this run (`stamp`).
    pub fn statement_when_claimed(
        &self,
        db: &D1Database,
        drive_id: &str,
        stamp: &str,
    ) -> ApiResult<D1PreparedStatement> {
        self.insert(
            db,
            "EXISTS (SELECT 1 FROM test_drives WHERE id = ?8 AND reminder_sent_at = ?9)",
            vec![JsValue::from_str(drive_id), JsValue::from_str(stamp)],
        )
    }

    /// `guard` may use ?8 onwards, bound from `extra`.
    fn insert(&self, db: &D1Database, guard: &str, extra: Vec<JsValue>) -> ApiResult<D1PreparedStatement> {
        let n = &self.notification;
        let mut values = vec![
            JsValue::from_str(&n.id),
            JsValue::from_str(&n.user_id),
            JsValue::from_str(&n.kind),
            JsValue::from_str(&n.title),
            JsValue::from_str(&n.body),
            n.link.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(&n.created_at),
        ];
        values.extend(extra);
        Ok(db
            .prepare(format!(
                "INSERT INTO notifications (id, user_id, kind, title, body, link, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE {guard} AND NOT EXISTS (SELECT 1 FROM \
                 notification_preferences WHERE user_id = ?2 AND kind = ?3 AND channel = 'in_app' AND enabled = 0)"
            ))
            .bind(&values)?)
    }

    /// Pushes the notification to the user's room (after the batch committed).
    pub async fn publish(&self, env: &Env) {
        let n = &self.notification;
        let event = RoomEvent::Notification {
            notification_id: n.id.clone(),
            user_id: n.user_id.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
        };
        publish::event(env, &event).await;
    }
}

/// People only: devices have no inbox.
fn person(principal: &Principal) -> ApiResult<()> {
    if principal.role.is_device() {
        return Err(ApiError::Forbidden("devices have no notifications".into()));
    }
    Ok(())
}

/// The caller's notifications and how many are unread.
#[derive(Serialize, utoipa::ToSchema)]
struct Inbox {
    items: Vec<Notification>,
    unread: i64,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Count {
    unread: i64,
}

/// `GET /api/notifications?unread=true&limit=&cursor=`: the caller's own, newest first.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    params(("unread" = Option<bool>, Query, description = "only unread ones"),
        ("limit" = Option<u32>, Query, description = "1–100"), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "The caller's notifications, newest first, with the unread count",
        body = Inbox)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_notifications(req, ctx).await)
}

async fn list_notifications(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    person(&principal)?;
    let url = req.url()?;
    let mut unread_only = false;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "unread" {
                unread_only = v == "true";
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    if let Some((_, v)) = url.query_pairs().find(|(k, _)| k == "unread") {
        if v != "true" && v != "false" {
            return Err(ApiError::InvalidInput { field: "unread".into(), detail: "unread is true or false".into() });
        }
    }
    let mut stripped = url.clone();
    stripped.query_pairs_mut().clear().extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let params = listing::parse(&stripped, "notification", |_| None::<()>)?;
    let db = bindings::database(&ctx.env)?;
    // Ids are random; the cursor is the (created_at, id) of the last item, as "created_at|id".
    let (after_at, after_id) = match params.cursor.as_deref().map(|c| c.split_once('|')) {
        None => (JsValue::NULL, JsValue::NULL),
        Some(Some((at, id))) => (JsValue::from_str(at), JsValue::from_str(id)),
        Some(None) => {
            return Err(ApiError::InvalidInput { field: "cursor".into(), detail: "not a cursor from this list".into() })
        }
    };
    let items: Vec<Notification> = db
        .prepare(
            "SELECT id, user_id, kind, title, body, link, read_at, created_at FROM notifications WHERE user_id = ?1 \
             AND (?2 = 0 OR read_at IS NULL) AND (?3 IS NULL OR created_at < ?3 OR (created_at = ?3 AND id < ?4)) \
             ORDER BY created_at DESC, id DESC LIMIT ?5",
        )
        .bind(&[
            JsValue::from_str(&principal.subject),
            JsValue::from(i32::from(unread_only)),
            after_at,
            after_id,
            JsValue::from(params.limit),
        ])?
        .all()
        .await?
        .results()?;
    let count: Option<Count> = db
        .prepare("SELECT COUNT(*) AS unread FROM notifications WHERE user_id = ?1 AND read_at IS NULL")
        .bind(&[JsValue::from_str(&principal.subject)])?
        .first(None)
        .await?;
    let next_cursor = (items.len() == params.limit as usize)
        .then(|| items.last().map(|n| format!("{}|{}", n.created_at, n.id)))
        .flatten();
    Ok(Response::from_json(&Inbox { items, unread: count.map(|c| c.unread).unwrap_or(0), next_cursor })?)
}

/// `POST /api/notifications/:id/read`: marks one of the caller's own as read (idempotent).
#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The notification, read", body = Notification)))]
pub async fn mark_read(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(mark_read_checked(req, ctx).await)
}

async fn mark_read_checked(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    person(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |_body| mark_read_once(ctx, principal)).await
}

async fn find_own(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<Notification> {
    let row: Option<Notification> = db
        .prepare(
            "SELECT id, user_id, kind, title, body, link, read_at, created_at FROM notifications \
             WHERE id = ?1 AND user_id = ?2",
        )
        .bind(&[JsValue::from_str(id), JsValue::from_str(&principal.subject)])?
        .first(None)
        .await?;
    // Someone else's notification is as unknown as a missing one.
    row.ok_or_else(|| ApiError::NotFound { what: "notification", id: id.to_owned() })
}

async fn mark_read_once(ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let db = bindings::database(&ctx.env)?;
    let before = find_own(&db, &principal, &id).await?;
    if before.read_at.is_some() {
        return Ok(Response::from_json(&before)?);
    }
    let mut after = before.clone();
    after.read_at = Some(now_rfc3339());
    let update = db
        .prepare("UPDATE notifications SET read_at = ?1 WHERE id = ?2 AND user_id = ?3 AND read_at IS NULL")
        .bind(&[
            JsValue::from_str(after.read_at.as_deref().unwrap_or_default()),
            JsValue::from_str(&id),
            JsValue::from_str(&principal.subject),
        ])?;
    let audit = crate::platform::audit::entry_if_changed(
        &db,
        &principal,
        "notification.read",
        "notification",
        &id,
        &before,
        &after,
    )?;
    db.batch(vec![update, audit]).await?;
    Ok(Response::from_json(&find_own(&db, &principal, &id).await?)?)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    pub kind: String,
    pub channel: String,
    pub enabled: bool,
}

#[derive(Deserialize)]
struct PreferenceRow {
    kind: String,
    channel: String,
    enabled: i64,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreferencesBody {
    preferences: Vec<Preference>,
}

async fn preferences_of(db: &D1Database, user_id: &str) -> ApiResult<Vec<Preference>> {
    let stored: Vec<PreferenceRow> = db
        .prepare("SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = ?1")
        .bind(&[JsValue::from_str(user_id)])?
        .all()
        .await?
        .results()?;
    // Every kind × channel, on unless switched off.
    Ok(KINDS
        .iter()
        .flat_map(|kind| CHANNELS.iter().map(move |channel| (*kind, *channel)))
        .map(|(kind, channel)| Preference {
            kind: kind.into(),
            channel: channel.into(),
            enabled: stored.iter().find(|s| s.kind == kind && s.channel == channel).is_none_or(|s| s.enabled != 0),
        })
        .collect())
}

/// `GET /api/notifications/preferences`: every kind × channel with its switch.
#[utoipa::path(get, path = "/api/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Every kind × channel, on unless switched off", body = PreferencesBody)))]
pub async fn preferences(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(get_preferences(req, ctx).await)
}

async fn get_preferences(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    person(&principal)?;
    let db = bindings::database(&ctx.env)?;
    Ok(Response::from_json(&PreferencesBody { preferences: preferences_of(&db, &principal.subject).await? })?)
}

/// `PUT /api/notifications/preferences` with `{"preferences": [{"kind","channel","enabled"}]}`:
/// the listed switches are set, the others stay as they were.
#[utoipa::path(put, path = "/api/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = PreferencesBody,
    responses((status = 200, description = "All preferences after the change", body = PreferencesBody)))]
pub async fn set_preferences(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(put_preferences(req, ctx).await)
}

async fn put_preferences(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    person(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| put_preferences_once(body, ctx, principal)).await
}

async fn put_preferences_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: PreferencesBody = parse_json(&body)?;
    if request.preferences.is_empty() || request.preferences.len() > KINDS.len() * CHANNELS.len() {
        return Err(ApiError::InvalidInput {
            field: "preferences".into(),
            detail: format!("give 1 to {} preferences", KINDS.len() * CHANNELS.len()),
        });
    }
    for (i, p) in request.preferences.iter().enumerate() {
        if !KINDS.contains(&p.kind.as_str()) {
            return Err(ApiError::InvalidInput {
                field: format!("preferences[{i}].kind"),
                detail: format!("'{}' is not one of {}", p.kind, KINDS.join(", ")),
            });
        }
        if !CHANNELS.contains(&p.channel.as_str()) {
            return Err(ApiError::InvalidInput {
                field: format!("preferences[{i}].channel"),
                detail: format!("'{}' is not one of {}", p.channel, CHANNELS.join(", ")),
            });
        }
    }
    let db = bindings::database(&ctx.env)?;
    let before = preferences_of(&db, &principal.subject).await?;
    let mut statements = Vec::new();
    for p in &request.preferences {
        statements.push(
            db.prepare(
                "INSERT INTO notification_preferences (user_id, kind, channel, enabled) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (user_id, kind, channel) DO UPDATE SET enabled = excluded.enabled",
            )
            .bind(&[
                JsValue::from_str(&principal.subject),
                JsValue::from_str(&p.kind),
                JsValue::from_str(&p.channel),
                JsValue::from(i32::from(p.enabled)),
            ])?,
        );
    }
    let mut after = before.clone();
    for p in &request.preferences {
        if let Some(slot) = after.iter_mut().find(|s| s.kind == p.kind && s.channel == p.channel) {
            slot.enabled = p.enabled;
        }
    }
    // The upsert just before always changes one row, so the audit entry is always written.
    statements.push(crate::platform::audit::entry_if_changed(
        &db,
        &principal,
        "notification_preferences.update",
        "user",
        &principal.subject,
        &before,
        &after,
    )?);
    db.batch(statements).await?;
    Ok(Response::from_json(&PreferencesBody { preferences: after })?)
}
