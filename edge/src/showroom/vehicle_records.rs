//! Vehicles in D1: the SQL and the mapping between rows and domain types.

use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::{Money, StockQuery, Vehicle, VehicleStatus, Vin};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

const SELECT_VEHICLE: &str = "SELECT v.id, v.vin, v.stock_number, v.make, v.model, v.year, v.trim, v.body, v.fuel, \
v.mileage_km, v.colour, v.price_cents, v.features, v.location_id, l.name AS location_name, v.status, v.version, v.updated_at \
FROM vehicles v JOIN locations l ON l.id = v.location_id";

/// Statuses customers may see; staff-only stock (sold, archived, in service) never leaks.
const PUBLIC_STATUSES: &str = "('incoming','available','reserved')";

#[derive(Deserialize)]
struct VehicleRow {
    id: String,
    vin: String,
    stock_number: String,
    make: String,
    model: String,
    year: u16,
    trim: String,
    body: String,
    fuel: String,
    mileage_km: u32,
    colour: String,
    price_cents: i64,
    features: String,
    location_id: String,
    location_name: String,
    status: String,
    version: i64,
    updated_at: String,
}

impl TryFrom<VehicleRow> for Vehicle {
    type Error = ApiError;

    /// Rows are validated on the way out too: a bad row is a bug to surface, not data to serve.
    fn try_from(row: VehicleRow) -> ApiResult<Self> {
        let corrupt = |what: &str| ApiError::Internal(format!("vehicle {} has an invalid {what}", row.id));
        Ok(Vehicle {
            vin: Vin::parse(&row.vin).map_err(|_| corrupt("VIN"))?,
            status: VehicleStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            features: serde_json::from_str(&row.features).map_err(|_| corrupt("feature list"))?,
            price: Money::from_cents(row.price_cents),
            id: row.id,
            stock_number: row.stock_number,
            make: row.make,
            model: row.model,
            year: row.year,
            trim: row.trim,
            body: row.body,
            fuel: row.fuel,
            mileage_km: row.mileage_km,
            colour: row.colour,
            location_id: row.location_id,
            location_name: row.location_name,
            version: row.version,
            updated_at: row.updated_at,
        })
    }
}

fn optional(value: &Option<String>) -> JsValue {
    value.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// One page of public stock, plus whether another page follows.
pub async fn search(db: &D1Database, query: &StockQuery) -> ApiResult<(Vec<Vehicle>, bool)> {
    let sql = format!(
        "{SELECT_VEHICLE} WHERE v.status IN {PUBLIC_STATUSES} \
         AND (?1 IS NULL OR v.make = ?1 COLLATE NOCASE) \
         AND (?2 IS NULL OR v.location_id = ?2) \
         AND (?3 IS NULL OR v.id > ?3) \
         ORDER BY v.id LIMIT ?4"
    );
    let after = query.cursor.as_ref().map(|c| c.after_id.clone());
    // One row more than asked tells whether a next page exists without a COUNT.
    let fetch = query.limit + 1;
    let rows: Vec<VehicleRow> = db
        .prepare(sql)
        .bind(&[optional(&query.make), optional(&query.location_id), optional(&after), JsValue::from(fetch)])?
        .all()
        .await?
        .results()?;
    let has_more = rows.len() > query.limit as usize;
    let vehicles = rows.into_iter().take(query.limit as usize).map(Vehicle::try_from).collect::<ApiResult<Vec<_>>>()?;
    Ok((vehicles, has_more))
}

/// A vehicle customers may see, by id.
pub async fn find_public(db: &D1Database, id: &str) -> ApiResult<Option<Vehicle>> {
    let sql = format!("{SELECT_VEHICLE} WHERE v.id = ?1 AND v.status IN {PUBLIC_STATUSES}");
    let row: Option<VehicleRow> = db.prepare(sql).bind(&[JsValue::from_str(id)])?.first(None).await?;
    row.map(Vehicle::try_from).transpose()
}

#[derive(Deserialize)]
struct LocationOf {
    location_id: String,
}

/// Which location a vehicle (public or not) belongs to.
pub async fn location_of(db: &D1Database, id: &str) -> ApiResult<Option<String>> {
    let row: Option<LocationOf> = db
        .prepare("SELECT location_id FROM vehicles WHERE id = ?1")
        .bind(&[JsValue::from_str(id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.location_id))
}

async fn find_any(db: &D1Database, id: &str) -> ApiResult<Option<Vehicle>> {
    let sql = format!("{SELECT_VEHICLE} WHERE v.id = ?1");
    let row: Option<VehicleRow> = db.prepare(sql).bind(&[JsValue::from_str(id)])?.first(None).await?;
    row.map(Vehicle::try_from).transpose()
}

/// Sets the price if the vehicle is still at `expected_version` (when given).
///
/// The version check and the write are one statement, so two editors can never both win.
pub async fn update_price(
    db: &D1Database,
    id: &str,
    price: Money,
    expected_version: Option<i64>,
    now: &str,
) -> ApiResult<Vehicle> {
    let expected = expected_version.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL);
    let changed = db
        .prepare(
            "UPDATE vehicles SET price_cents = ?1, version = version + 1, updated_at = ?2 \
             WHERE id = ?3 AND (?4 IS NULL OR version = ?4)",
        )
        .bind(&[JsValue::from_f64(price.cents() as f64), JsValue::from_str(now), JsValue::from_str(id), expected])?
        .run()
        .await?
        .meta()?
        .and_then(|meta| meta.changes)
        .unwrap_or(0);
    let current = find_any(db, id).await?.ok_or_else(|| ApiError::NotFound { what: "vehicle", id: id.to_owned() })?;
    if changed == 0 {
        let current = serde_json::to_value(&current).map_err(|e| ApiError::Internal(e.to_string()))?;
        return Err(ApiError::Conflict { current });
    }
    Ok(current)
}
