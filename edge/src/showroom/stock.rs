//! Stock routes: search, detail and price changes (which go live to the vehicle's room).

use super::vehicle_records;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::cache::{self, CacheStatus};
use crate::platform::clock::now_rfc3339;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::{RoomEvent, RoomName};
use forecourt_domain::{Cursor, PriceChange, StockPage, StockQuery, Vehicle};
use serde::Serialize;
use worker::{Request, Response, Result, RouteContext};

fn json_with_cache<T: Serialize>(value: &T, status: CacheStatus) -> ApiResult<Response> {
    let mut response = Response::from_json(value)?;
    response.headers_mut().set("x-cache", status.header_value())?;
    Ok(response)
}

fn vehicle_id(ctx: &RouteContext<()>) -> ApiResult<String> {
    ctx.param("id").cloned().ok_or_else(|| ApiError::Internal("route without :id".into()))
}

/// `GET /api/vehicles`: public stock, filtered, keyset-paginated, cached.
#[utoipa::path(get, path = "/api/vehicles", tag = "showroom",
    params(("make" = Option<String>, Query, description = "Exact make"),
        ("location" = Option<String>, Query, description = "Location id"),
        ("limit" = Option<u32>, Query, description = "1–100, default 24"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, description = "Public stock; `x-cache: HIT|MISS`", body = StockPage)))]
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_stock(req, ctx).await)
}

async fn list_stock(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = StockQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|error| ApiError::InvalidInput { field: error.field(), detail: error.to_string() })?;
    let db = bindings::database(&ctx.env)?;
    let kv = bindings::cache(&ctx.env)?;
    let (page, status) = cache::read_through(&kv, CacheKind::StockSearch, &query.cache_key(), || async {
        let (items, has_more) = vehicle_records::search(&db, &query).await?;
        let next_cursor = has_more.then(|| items.last().map(|v| Cursor { after_id: v.id.clone() })).flatten();
        Ok(StockPage { items, next_cursor })
    })
    .await?;
    json_with_cache(&page, status)
}

/// `GET /api/vehicles/:id`: one public vehicle, cached.
#[utoipa::path(get, path = "/api/vehicles/{id}", tag = "showroom",
    params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 200, description = "One public vehicle; `x-cache: HIT|MISS`", body = Vehicle)))]
pub async fn detail(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(vehicle_detail(ctx).await)
}

async fn vehicle_detail(ctx: RouteContext<()>) -> ApiResult<Response> {
    let id = vehicle_id(&ctx)?;
    let db = bindings::database(&ctx.env)?;
    let kv = bindings::cache(&ctx.env)?;
    let (vehicle, status) = cache::read_through(&kv, CacheKind::VehicleDetail, &id, || async {
        vehicle_records::find_public(&db, &id)
            .await?
            .ok_or_else(|| ApiError::NotFound { what: "vehicle", id: id.clone() })
    })
    .await?;
    json_with_cache::<Vehicle>(&vehicle, status)
}

/// `PATCH /api/vehicles/:id` with `{"price_cents": …, "expected_version": …}` (staff only).
#[utoipa::path(patch, path = "/api/vehicles/{id}", tag = "showroom", security(("bearer" = [])),
    params(("id" = String, Path, description = "Vehicle id")), request_body = PriceChange,
    responses((status = 200, description = "The updated vehicle", body = Vehicle)))]
pub async fn change_price(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(apply_price_change(req, ctx).await)
}

async fn apply_price_change(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Sales, Role::Manager, Role::Admin]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| change_price_once(body, ctx, principal)).await
}

async fn change_price_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let id = vehicle_id(&ctx)?;
    let change: PriceChange = parse_json(&body)?;
    let price = change
        .validate()
        .map_err(|error| ApiError::InvalidInput { field: "price_cents".into(), detail: error.to_string() })?;
    let db = bindings::database(&ctx.env)?;
    // Staff price only their own location's stock (admins every location's).
    let location = vehicle_records::location_of(&db, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound { what: "vehicle", id: id.clone() })?;
    if !principal.works_at(&location) {
        return Err(ApiError::Forbidden("this vehicle belongs to another location".into()));
    }
    let vehicle = vehicle_records::update_price(&db, &id, price, change.expected_version, &now_rfc3339()).await?;

    // The write is committed: retire cached reads first so nobody sees the old price after this.
    cache::invalidate(&bindings::cache(&ctx.env)?, CacheKind::StockSearch).await?;
    let event = RoomEvent::VehicleUpdated {
        vehicle_id: vehicle.id.clone(),
        price: vehicle.price,
        status: vehicle.status,
        version: vehicle.version,
    };
    publish::to_room(&ctx.env, &RoomName::Vehicle(vehicle.id.clone()), &event).await;
    Ok(Response::from_json(&vehicle)?)
}
