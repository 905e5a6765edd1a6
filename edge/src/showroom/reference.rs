//! Reference data everyone reads and nobody changes often: locations with their showrooms and
//! zones, and the makes → models tree. Public, KV-cached for 24 h (the brief's reference-tree
//! TTL), with an ETag from the envelope like every GET.

use crate::platform::bindings;
use crate::platform::cache::{self, CacheStatus};
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::caching::CacheKind;
use serde::{Deserialize, Serialize};
use worker::{D1Database, Request, Response, Result, RouteContext};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Zone {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Showroom {
    pub id: String,
    pub name: String,
    pub zones: Vec<Zone>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub city: String,
    pub timezone: String,
    pub showrooms: Vec<Showroom>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Model {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Make {
    pub id: String,
    pub name: String,
    pub models: Vec<Model>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tree<T> {
    pub items: Vec<T>,
}

fn no_parameters(req: &Request) -> ApiResult<()> {
    match req.url()?.query_pairs().next() {
        Some((key, _)) => {
            Err(ApiError::InvalidInput { field: key.to_string(), detail: format!("unknown query parameter '{key}'") })
        }
        None => Ok(()),
    }
}

fn cached<T: Serialize>(value: &T, status: CacheStatus) -> ApiResult<Response> {
    let mut response = Response::from_json(value)?;
    response.headers_mut().set("x-cache", status.header_value())?;
    Ok(response)
}

#[derive(Deserialize)]
struct LocationRow {
    id: String,
    name: String,
    city: String,
    timezone: String,
}

#[derive(Deserialize)]
struct ZoneRow {
    showroom_id: String,
    showroom_name: String,
    location_id: String,
    zone_id: Option<String>,
    zone_name: Option<String>,
}

async fn load_locations(db: &D1Database) -> ApiResult<Tree<Location>> {
    let locations: Vec<LocationRow> =
        db.prepare("SELECT id, name, city, timezone FROM locations ORDER BY name").all().await?.results()?;
    let zones: Vec<ZoneRow> = db
        .prepare(
            "SELECT s.id AS showroom_id, s.name AS showroom_name, s.location_id, z.id AS zone_id, z.name AS zone_name \
             FROM showrooms s LEFT JOIN showroom_zones z ON z.showroom_id = s.id ORDER BY s.id, z.id",
        )
        .all()
        .await?
        .results()?;
    let items = locations
        .into_iter()
        .map(|l| {
            let mut showrooms: Vec<Showroom> = Vec::new();
            for row in zones.iter().filter(|z| z.location_id == l.id) {
                if showrooms.last().is_none_or(|s| s.id != row.showroom_id) {
                    showrooms.push(Showroom {
                        id: row.showroom_id.clone(),
                        name: row.showroom_name.clone(),
                        zones: vec![],
                    });
                }
                if let (Some(id), Some(name), Some(showroom)) = (&row.zone_id, &row.zone_name, showrooms.last_mut()) {
                    showroom.zones.push(Zone { id: id.clone(), name: name.clone() });
                }
            }
            Location { id: l.id, name: l.name, city: l.city, timezone: l.timezone, showrooms }
        })
        .collect();
    Ok(Tree { items })
}

/// `GET /api/locations`.
#[utoipa::path(get, path = "/api/locations", tag = "reference",
    responses((status = 200, description = "Every location with its showrooms and their zones; `x-cache: HIT|MISS`",
        body = Tree<Location>)))]
pub async fn locations(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_locations(req, ctx).await)
}

async fn list_locations(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    no_parameters(&req)?;
    let db = bindings::database(&ctx.env)?;
    let kv = bindings::cache(&ctx.env)?;
    let (tree, status) =
        cache::read_through(&kv, CacheKind::ReferenceTree, "locations", || load_locations(&db)).await?;
    cached(&tree, status)
}

#[derive(Deserialize)]
struct ModelRow {
    make_id: String,
    make_name: String,
    model_id: Option<String>,
    model_name: Option<String>,
}

async fn load_makes(db: &D1Database) -> ApiResult<Tree<Make>> {
    let rows: Vec<ModelRow> = db
        .prepare(
            "SELECT mk.id AS make_id, mk.name AS make_name, md.id AS model_id, md.name AS model_name \
             FROM makes mk LEFT JOIN models md ON md.make_id = mk.id ORDER BY mk.name, md.name",
        )
        .all()
        .await?
        .results()?;
    let mut items: Vec<Make> = Vec::new();
    for row in rows {
        if items.last().is_none_or(|m| m.id != row.make_id) {
            items.push(Make { id: row.make_id.clone(), name: row.make_name.clone(), models: vec![] });
        }
        if let (Some(id), Some(name), Some(make)) = (row.model_id, row.model_name, items.last_mut()) {
            make.models.push(Model { id, name });
        }
    }
    Ok(Tree { items })
}

/// `GET /api/makes`.
#[utoipa::path(get, path = "/api/makes", tag = "reference",
    responses((status = 200, description = "Makes with their models, by name; `x-cache: HIT|MISS`",
        body = Tree<Make>)))]
pub async fn makes(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_makes(req, ctx).await)
}

async fn list_makes(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    no_parameters(&req)?;
    let db = bindings::database(&ctx.env)?;
    let kv = bindings::cache(&ctx.env)?;
    let (tree, status) = cache::read_through(&kv, CacheKind::ReferenceTree, "makes", || load_makes(&db)).await?;
    cached(&tree, status)
}
