//! `GET /api/parts`: the parts shelves of the caller's locations, with a low-stock filter; and
//! `GET /api/canned-jobs` / `POST /api/work-orders/{id}/canned-jobs`: building an order in a tap.

use super::editing::{
    at_version, commit, current_conflict, detail_response, editable, internal, invalid, new_id, number, param,
    publish_change, text, EditKind, AT_VERSION,
};
use super::editor::{reorder_alert, Shelf};
#[allow(unused_imports)]
use super::work_order_records::WorkOrderDetail;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::cache;
use crate::platform::idempotency;
use crate::platform::listing::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::workshop::stock::{is_low, take};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

const WORKSHOP_STAFF: [Role; 4] = [Role::Advisor, Role::Manager, Role::Admin, Role::Technician];

#[derive(Serialize, utoipa::ToSchema)]
struct PartItem {
    #[serde(flatten)]
    shelf: Shelf,
    low: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PartsPage {
    items: Vec<PartItem>,
    next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CannedJobs {
    items: Vec<CannedJob>,
}

fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        _ => RowScope::locations("location_id", principal),
    }
}

#[utoipa::path(get, path = "/api/parts", tag = "workshop", security(("bearer" = [])),
    params(("low" = Option<bool>, Query, description = "only shelves at or below their reorder threshold"), ("location_id" = Option<String>, Query),
        ("cursor" = Option<String>, Query), ("limit" = Option<u32>, Query, description = "1–100")),
    responses((status = 200, description = "Parts shelves of the caller's locations", body = PartsPage)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_parts(req, ctx).await)
}

async fn list_parts(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin]).await?;
    let (mut low, mut location, mut cursor, mut limit) = (false, None, None, DEFAULT_LIMIT);
    for (key, value) in req.url()?.query_pairs() {
        match key.as_ref() {
            "low" => {
                low = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid("low", "low is true or false")),
                }
            }
            "location_id" => {
                if !principal.works_at(&value) {
                    return Err(ApiError::Forbidden("you do not work at this location".into()));
                }
                location = Some(value.into_owned())
            }
            "cursor" => cursor = Some(value.into_owned()),
            "limit" => {
                limit =
                    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    })?
            }
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    let scope = scope(&principal)?;
    let condition = scope.condition.clone();
    let sql = format!(
        "SELECT id, location_id, sku, name, quantity_on_hand, reorder_threshold, unit_price_cents FROM parts \
         WHERE {condition} AND (?1 = 0 OR quantity_on_hand <= reorder_threshold) AND (?2 IS NULL OR location_id = ?2) \
         AND (?3 IS NULL OR id > ?3) ORDER BY id LIMIT ?4"
    );
    let values = scope.bind(vec![
        JsValue::from(u8::from(low)),
        location.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        cursor.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
        JsValue::from(limit),
    ]);
    let db = bindings::database(&ctx.env)?;
    let shelves: Vec<Shelf> = db.prepare(sql).bind(&values)?.all().await?.results()?;
    let next_cursor = (shelves.len() == limit as usize).then(|| shelves.last().map(|s| s.id.clone())).flatten();
    let items = shelves
        .into_iter()
        .map(|shelf| {
            let low = is_low(shelf.quantity_on_hand.max(0) as u32, shelf.reorder_threshold.max(0) as u32);
            PartItem { shelf, low }
        })
        .collect();
    Ok(Response::from_json(&PartsPage { items, next_cursor })?)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CannedRow {
    id: String,
    name: String,
    operation: String,
    hours: f64,
    parts: String,
    price_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CannedJob {
    id: String,
    name: String,
    operation: String,
    hours: f64,
    /// Part SKUs, one of each per application.
    parts: Vec<String>,
    price_cents: i64,
}

async fn canned_jobs(db: &worker::D1Database) -> ApiResult<Vec<CannedJob>> {
    let rows: Vec<CannedRow> = db
        .prepare("SELECT id, name, operation, hours, parts, price_cents FROM canned_jobs ORDER BY name")
        .all()
        .await?
        .results()?;
    rows.into_iter()
        .map(|r| {
            let parts: Vec<String> = serde_json::from_str(&r.parts).map_err(internal)?;
            Ok(CannedJob {
                id: r.id,
                name: r.name,
                operation: r.operation,
                hours: r.hours,
                parts,
                price_cents: r.price_cents,
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/canned-jobs", tag = "workshop", security(("bearer" = [])),
    responses((status = 200, description = "Canned jobs (`{\"items\": [CannedJob]}`), from the KV cache (`x-cache`)", body = CannedJobs)))]
pub async fn list_canned(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_canned_jobs(req, ctx).await)
}

async fn list_canned_jobs(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    require_role(&req, &ctx.env, &WORKSHOP_STAFF).await?;
    let db = bindings::database(&ctx.env)?;
    // Reference data, read at every counter all day: served from KV (24 h, like other trees).
    let kv = bindings::cache(&ctx.env)?;
    let (items, status) =
        cache::read_through(&kv, CacheKind::ReferenceTree, "canned-jobs", || canned_jobs(&db)).await?;
    let mut response = Response::from_json(&CannedJobs { items })?;
    response.headers_mut().set("x-cache", status.header_value())?;
    Ok(response)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Apply {
    canned_job_id: String,
    #[serde(default)]
    expected_version: Option<i64>,
}

#[utoipa::path(post, path = "/api/work-orders/{id}/canned-jobs", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = Apply,
    responses((status = 201, description = "The order with the job's labour and parts lines, added in one batch", body = WorkOrderDetail)))]
pub async fn apply(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(apply_job(req, ctx).await)
}

async fn apply_job(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &WORKSHOP_STAFF).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| apply_once(body, ctx, principal)).await
}

async fn apply_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Apply = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let job = canned_jobs(&db)
        .await?
        .into_iter()
        .find(|j| j.id == request.canned_job_id)
        .ok_or_else(|| invalid("canned_job_id", "no such canned job"))?;
    // The job's parts from this location's shelves, one of each.
    let mut shelves = Vec::new();
    // A SKU listed twice is two of that part: one line with quantity 2, checked as one take.
    let mut wanted: Vec<(&String, u32)> = Vec::new();
    for sku in &job.parts {
        match wanted.iter_mut().find(|(s, _)| *s == sku) {
            Some((_, count)) => *count += 1,
            None => wanted.push((sku, 1)),
        }
    }
    for (sku, count) in wanted {
        let shelf: Option<Shelf> = db
            .prepare("SELECT id, location_id, sku, name, quantity_on_hand, reorder_threshold, unit_price_cents FROM parts WHERE location_id = ?1 AND sku = ?2")
            .bind(&[text(&order.location_id), text(sku)])?
            .first(None)
            .await?;
        let shelf =
            shelf.ok_or_else(|| invalid("canned_job_id", format!("part {sku} is not stocked at this location")))?;
        take(shelf.quantity_on_hand.max(0) as u32, count, shelf.reorder_threshold.max(0) as u32)
            .map_err(|e| invalid("canned_job_id", format!("{sku}: {e}")))?;
        shelves.push((shelf, count));
    }
    // The job's price covers its parts at list price; the rest is labour.
    let parts_cents: i64 = shelves.iter().map(|(s, count)| s.unit_price_cents * i64::from(*count)).sum();
    let rate_cents = ((job.price_cents - parts_cents).max(0) as f64 / job.hours).round();
    let labour_id = new_id("lab-")?;
    let mut values = at_version(&order);
    values.extend([text(&labour_id), text(&job.operation), number(job.hours), number(rate_cents)]);
    let mut statements = vec![db
        .prepare(format!(
            "INSERT INTO work_order_labour (id, work_order_id, operation, hours, rate_cents, approval) \
             SELECT ?3, ?1, ?4, ?5, ?6, 'approved' WHERE {AT_VERSION}"
        ))
        .bind(&values)?];
    let mut line_ids = Vec::new();
    for (shelf, count) in &shelves {
        let line_id = new_id("wop-")?;
        let mut values = at_version(&order);
        values.extend([text(&shelf.id), number(f64::from(*count))]);
        statements.push(
            db.prepare(format!(
                "UPDATE parts SET quantity_on_hand = quantity_on_hand - ?4, version = version + 1 \
                 WHERE id = ?3 AND quantity_on_hand >= ?4 AND {AT_VERSION}"
            ))
            .bind(&values)?,
        );
        let mut values = at_version(&order);
        values.extend([
            text(&line_id),
            text(&shelf.id),
            number(shelf.unit_price_cents as f64),
            number(f64::from(*count)),
        ]);
        statements.push(
            db.prepare(
                "INSERT INTO work_order_parts (id, work_order_id, part_id, quantity, unit_price_cents, approval) \
                 SELECT ?3, ?1, ?4, ?6, ?5, 'approved' WHERE changes() = 1",
            )
            .bind(&values)?,
        );
        line_ids.push(line_id);
    }
    // Every part line must exist, else (stock ran out meanwhile) nothing is applied.
    let ids = serde_json::to_string(&line_ids).map_err(internal)?;
    let proof = (
        "(SELECT COUNT(*) FROM work_order_parts WHERE id IN (SELECT value FROM json_each(?4))) = ?5",
        vec![text(&ids), number(line_ids.len() as f64)],
    );
    let after = serde_json::json!({ "canned_job_id": job.id, "labour_id": labour_id, "part_lines": line_ids });
    if !commit(&db, &principal, &order, "canned_job_applied", &serde_json::Value::Null, &after, statements, Some(proof))
        .await?
    {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    for (shelf, count) in &shelves {
        reorder_alert(&ctx.env, &db, &shelf.id, *count).await?;
    }
    publish_change(&ctx.env, &order, "canned_job_applied", &principal).await;
    detail_response(&db, &principal, &order.id, 201).await
}
