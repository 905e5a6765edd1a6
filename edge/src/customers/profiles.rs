//! Customer profiles: search for staff, the unified profile (contact data, consent, preferences,
//! leads, vehicles, test drives, appointments), edits with optimistic concurrency, and the
//! timeline of everything the customer did on every channel.

use super::records::{self, to_json, Customer, CustomerRow, COLUMNS};
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::now_rfc3339;
use crate::platform::idempotency;
use crate::platform::listing::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::customers::profile::{apply, EditableProfile, ProfilePatch};
use forecourt_domain::customers::search::fts_query;
use forecourt_domain::customers::{Channel, PreferredContact};
use forecourt_domain::identity::{Principal, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Request, Response, Result, RouteContext, Url};

/// Which profiles a caller may see: admins all; sales, advisors and managers the customers of
/// their locations (home location, or a lead, work order or appointment there); a customer only
/// their own. Technicians and devices none.
pub(crate) fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Sales | Role::Advisor | Role::Manager => {
            let mut scope = RowScope::locations("c.home_location_id", principal)?;
            let mine = "IN (SELECT value FROM json_each(?10))";
            scope.condition = format!(
                "({} OR EXISTS (SELECT 1 FROM leads sl WHERE sl.customer_id = c.id AND sl.location_id {mine}) \
                 OR EXISTS (SELECT 1 FROM work_orders sw WHERE sw.customer_id = c.id AND sw.location_id {mine}) \
                 OR EXISTS (SELECT 1 FROM appointments sa WHERE sa.customer_id = c.id AND sa.location_id {mine}))",
                scope.condition
            );
            Ok(scope)
        }
        Role::Customer => {
            let own = principal.customer_id.as_deref().ok_or(ApiError::Forbidden("no customer record".into()))?;
            Ok(RowScope::equals("c.id", own))
        }
        _ => Err(ApiError::Forbidden(format!("a {} may not read customer profiles", principal.role.as_str()))),
    }
}

/// The profile `id` if the caller may see it; otherwise it does not exist for them.
pub(crate) async fn find_visible(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<CustomerRow> {
    let scope = scope(principal)?;
    let sql = format!("SELECT {COLUMNS} FROM customers c WHERE c.id = ?1 AND {}", scope.condition);
    let row: Option<CustomerRow> = db.prepare(sql).bind(&scope.bind(vec![JsValue::from_str(id)]))?.first(None).await?;
    row.ok_or_else(|| ApiError::NotFound { what: "customer", id: id.to_owned() })
}

fn param(ctx: &RouteContext<()>) -> String {
    ctx.param("id").cloned().unwrap_or_default()
}

fn limit_of(value: &str) -> ApiResult<u32> {
    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| ApiError::InvalidInput {
        field: "limit".into(),
        detail: format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
    })
}

struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
    limit: u32,
    include_merged: bool,
}

fn list_query(url: &Url) -> ApiResult<ListQuery> {
    let mut query = ListQuery { q: None, cursor: None, limit: DEFAULT_LIMIT, include_merged: false };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "q" => {
                query.q = Some(
                    fts_query(&value)
                        .map_err(|e| ApiError::InvalidInput { field: "q".into(), detail: e.to_string() })?,
                )
            }
            "cursor" => query.cursor = Some(value.into_owned()),
            "limit" => query.limit = limit_of(&value)?,
            "merged" => {
                query.include_merged = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::InvalidInput {
                            field: "merged".into(),
                            detail: "merged is true or false".into(),
                        })
                    }
                }
            }
            other => {
                return Err(ApiError::InvalidInput {
                    field: other.into(),
                    detail: format!("unknown query parameter '{other}'"),
                })
            }
        }
    }
    Ok(query)
}

/// `GET /api/customers?q=&limit=&cursor=&merged=`: staff search, by id.
#[utoipa::path(get, path = "/api/customers", tag = "customers", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "full text over name, email and phone (prefix terms)"),
        ("merged" = Option<bool>, Query, description = "include merged duplicates (default false)"),
        ("limit" = Option<u32>, Query, description = "1–100"), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "Profiles of the caller's locations, by id",
        body = crate::platform::openapi::Page<Customer>)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_customers(req, ctx).await)
}

async fn list_customers(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    if !matches!(principal.role, Role::Sales | Role::Advisor | Role::Manager | Role::Admin) {
        return Err(ApiError::Forbidden("customer search is for sales, service and managers".into()));
    }
    let query = list_query(&req.url()?)?;
    let scope = scope(&principal)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM customers c WHERE {} \
         AND (?1 IS NULL OR c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?1)) \
         AND (?2 IS NULL OR c.id > ?2) AND (?3 = 1 OR c.merged_into IS NULL) ORDER BY c.id LIMIT ?4",
        scope.condition
    );
    let values = vec![
        query.q.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        query.cursor.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        JsValue::from(i32::from(query.include_merged)),
        JsValue::from(query.limit),
    ];
    let db = bindings::database(&ctx.env)?;
    let rows: Vec<CustomerRow> = db.prepare(sql).bind(&scope.bind(values))?.all().await?.results()?;
    let next_cursor = crate::platform::listing::next_cursor(&rows, query.limit, |c| &c.id);
    let items: Vec<Customer> = rows.into_iter().map(Customer::from).collect();
    Ok(Response::from_json(&serde_json::json!({ "items": items, "next_cursor": next_cursor }))?)
}

#[derive(Serialize, Deserialize)]
struct LeadSummary {
    id: String,
    location_id: String,
    source: String,
    status: String,
    score: Option<f64>,
    assigned_rep_id: Option<String>,
    created_at: String,
}

#[derive(Serialize, Deserialize)]
struct VehicleSummary {
    id: String,
    vin: String,
    make: String,
    model: String,
    year: i64,
    registration: Option<String>,
    mileage_km: i64,
}

#[derive(Serialize, Deserialize)]
struct DriveSummary {
    id: String,
    vehicle_id: String,
    rep_id: String,
    starts_at: String,
    ends_at: String,
    status: String,
}

#[derive(Serialize, Deserialize)]
struct AppointmentSummary {
    id: String,
    location_id: String,
    service: String,
    starts_at: String,
    status: String,
}

async fn rows_of<T: serde::de::DeserializeOwned>(db: &D1Database, sql: &str, id: &str) -> ApiResult<Vec<T>> {
    Ok(db.prepare(sql).bind(&[JsValue::from_str(id)])?.all().await?.results()?)
}

/// `GET /api/customers/:id`: the unified profile.
#[utoipa::path(get, path = "/api/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The profile with `leads`, `vehicles`, `test_drives` and `appointments`",
        body = Customer)))]
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(profile(req, ctx, None).await)
}

/// `GET /api/customers/me`: a signed-in customer's own profile.
#[utoipa::path(get, path = "/api/customers/me", tag = "customers", security(("bearer" = [])),
    responses((status = 200, description = "The caller's own unified profile", body = Customer)))]
pub async fn me(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(profile(req, ctx, Some(())).await)
}

async fn profile(req: Request, ctx: RouteContext<()>, me: Option<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let id = match me {
        Some(()) => principal
            .customer_id
            .clone()
            .ok_or_else(|| ApiError::Forbidden("only customers have a profile of their own".into()))?,
        None => param(&ctx),
    };
    let db = bindings::database(&ctx.env)?;
    let customer = find_visible(&db, &principal, &id).await?;
    let leads: Vec<LeadSummary> = rows_of(
        &db,
        "SELECT id, location_id, source, status, score, assigned_rep_id, created_at FROM leads \
         WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 20",
        &id,
    )
    .await?;
    let vehicles: Vec<VehicleSummary> = rows_of(
        &db,
        "SELECT id, vin, make, model, year, registration, mileage_km FROM owned_vehicles WHERE customer_id = ?1 ORDER BY id",
        &id,
    )
    .await?;
    let test_drives: Vec<DriveSummary> = rows_of(
        &db,
        "SELECT id, vehicle_id, rep_id, starts_at, ends_at, status FROM test_drives WHERE customer_id = ?1 \
         ORDER BY starts_at DESC LIMIT 20",
        &id,
    )
    .await?;
    let appointments: Vec<AppointmentSummary> = rows_of(
        &db,
        "SELECT id, location_id, service, starts_at, status FROM appointments WHERE customer_id = ?1 \
         ORDER BY starts_at DESC LIMIT 20",
        &id,
    )
    .await?;
    let mut body = to_json(&Customer::from(customer))?;
    body["leads"] = to_json(&leads)?;
    body["vehicles"] = to_json(&vehicles)?;
    body["test_drives"] = to_json(&test_drives)?;
    body["appointments"] = to_json(&appointments)?;
    Ok(Response::from_json(&body)?)
}

/// One thing the customer did, on one channel.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    id: i64,
    channel: String,
    kind: String,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
    at: String,
}

#[derive(Serialize, Deserialize)]
struct Activity {
    id: i64,
    channel: String,
    kind: String,
    detail: String,
    at: String,
}

/// `GET /api/customers/:id/timeline?limit=&cursor=`: every channel, newest first.
#[utoipa::path(get, path = "/api/customers/{id}/timeline", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path), ("limit" = Option<u32>, Query, description = "1–100"),
        ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "Activity from every channel, newest first",
        body = crate::platform::openapi::Page<TimelineEntry>)))]
pub async fn timeline(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(customer_timeline(req, ctx).await)
}

async fn customer_timeline(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let id = param(&ctx);
    let url = req.url()?;
    let (mut limit, mut cursor) = (DEFAULT_LIMIT, None::<i64>);
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "limit" => limit = limit_of(&value)?,
            "cursor" => {
                cursor = Some(value.parse().map_err(|_| ApiError::InvalidInput {
                    field: "cursor".into(),
                    detail: "not a cursor from this list".into(),
                })?)
            }
            other => {
                return Err(ApiError::InvalidInput {
                    field: other.into(),
                    detail: format!("unknown query parameter '{other}'"),
                })
            }
        }
    }
    let db = bindings::database(&ctx.env)?;
    find_visible(&db, &principal, &id).await?;
    // Newest first by time; the activity id breaks ties and is the cursor (the row's position is
    // found again from it, so a cursor stays valid while new activity arrives).
    let rows: Vec<Activity> = db
        .prepare(
            "SELECT a.id, a.channel, a.kind, a.detail, a.at FROM customer_activity a WHERE a.customer_id = ?1 \
             AND (?2 IS NULL OR a.at < (SELECT at FROM customer_activity WHERE id = ?2) \
                  OR (a.at = (SELECT at FROM customer_activity WHERE id = ?2) AND a.id < ?2)) \
             ORDER BY a.at DESC, a.id DESC LIMIT ?3",
        )
        .bind(&[
            JsValue::from_str(&id),
            cursor.map(|c| JsValue::from_f64(c as f64)).unwrap_or(JsValue::NULL),
            JsValue::from(limit),
        ])?
        .all()
        .await?
        .results()?;
    let next_cursor = (rows.len() == limit as usize).then(|| rows.last().map(|a| a.id.to_string())).flatten();
    let items: Vec<TimelineEntry> = rows
        .into_iter()
        .map(|a| TimelineEntry {
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            id: a.id,
            channel: a.channel,
            kind: a.kind,
            at: a.at,
        })
        .collect();
    Ok(Response::from_json(&serde_json::json!({ "items": items, "next_cursor": next_cursor }))?)
}

/// `PATCH /api/customers/:id` with a [`ProfilePatch`].
#[utoipa::path(patch, path = "/api/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ProfilePatch,
    responses((status = 200, description = "The updated profile", body = Customer)))]
pub async fn update(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(update_profile(req, ctx).await)
}

async fn update_profile(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    scope(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| update_once(body, ctx, principal)).await
}

fn preferred(raw: &str) -> ApiResult<PreferredContact> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|_| ApiError::Internal(format!("stored preferred_contact '{raw}'")))
}

async fn update_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let patch: ProfilePatch = parse_json(&body)?;
    let id = param(&ctx);
    let db = bindings::database(&ctx.env)?;
    let before = find_visible(&db, &principal, &id).await?;
    if let Some(survivor) = &before.merged_into {
        return Err(ApiError::InvalidInput {
            field: "id".into(),
            detail: format!("this profile was merged into {survivor}; edit that one"),
        });
    }
    if patch.expected_version != before.version {
        return Err(ApiError::Conflict { current: to_json(&Customer::from(before))? });
    }
    let current = EditableProfile {
        name: before.name.clone(),
        email: before.email.clone(),
        phone: before.phone.clone(),
        preferred_contact: preferred(&before.preferred_contact)?,
        consent_marketing: before.consent_marketing != 0,
        preferences: before.preferences.clone(),
    };
    let next =
        apply(&current, &patch).map_err(|e| ApiError::InvalidInput { field: e.field.into(), detail: e.reason })?;
    let now = now_rfc3339();
    let consent_changed = next.consent_marketing != current.consent_marketing;
    let mut after = before.clone();
    after.name = next.name.clone();
    after.email = next.email.clone();
    after.phone = next.phone.clone();
    after.preferred_contact = next.preferred_contact.as_str().into();
    after.consent_marketing = i64::from(next.consent_marketing);
    if consent_changed {
        after.consent_updated_at = Some(now.clone());
    }
    after.preferences = next.preferences.clone();
    after.version += 1;
    after.updated_at = now.clone();
    let update = db
        .prepare(
            "UPDATE customers SET name = ?1, email = ?2, phone = ?3, preferred_contact = ?4, consent_marketing = ?5, \
             consent_updated_at = ?6, preferences = ?7, version = version + 1, updated_at = ?8 \
             WHERE id = ?9 AND version = ?10 AND merged_into IS NULL",
        )
        .bind(&[
            JsValue::from_str(&after.name),
            records::optional(after.email.as_deref()),
            records::optional(after.phone.as_deref()),
            JsValue::from_str(&after.preferred_contact),
            JsValue::from(after.consent_marketing as i32),
            records::optional(after.consent_updated_at.as_deref()),
            JsValue::from_str(&after.preferences),
            JsValue::from_str(&now),
            JsValue::from_str(&id),
            JsValue::from_f64(before.version as f64),
        ])?;
    let audit = audit::entry_if_changed(&db, &principal, "customer.update", "customer", &id, &before, &after)?;
    let channel = if principal.role == Role::Customer { Channel::Web } else { Channel::Tablet };
    let mut changed_fields = Vec::new();
    for (name, changed) in [
        ("name", after.name != before.name),
        ("email", after.email != before.email),
        ("phone", after.phone != before.phone),
        ("preferred_contact", after.preferred_contact != before.preferred_contact),
        ("consent_marketing", consent_changed),
        ("preferences", after.preferences != before.preferences),
    ] {
        if changed {
            changed_fields.push(name);
        }
    }
    let activity = records::activity(
        &db,
        &id,
        channel,
        "profile_updated",
        &serde_json::json!({"fields": changed_fields, "by": principal.role.as_str()}),
    )?;
    let results = db.batch(vec![update, audit, activity]).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    let current = find_visible(&db, &principal, &id).await?;
    if changed == 0 {
        return Err(ApiError::Conflict { current: to_json(&Customer::from(current))? });
    }
    Ok(Response::from_json(&Customer::from(current))?)
}
