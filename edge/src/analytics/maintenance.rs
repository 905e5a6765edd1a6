//! `GET /api/vehicles/{id}/maintenance`: when each service of a customer's car is due, from its
//! model's intervals, its service history, and its odometer (workshop visits and telemetry),
//! stored as a prediction (so staff can rate it) and served to the owner and to service staff.

use super::predictions::{self, NewPrediction};
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::clock::now_millis;
use crate::platform::problem::{respond, ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
use forecourt_domain::analytics::maintenance::{
    predict, OdometerReading, ServiceInterval, ServiceRecord, VehicleUsage,
};
use forecourt_domain::analytics::serving::service_done_by;
use forecourt_domain::identity::{Principal, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Request, Response, Result, RouteContext};

pub const MODEL_VERSION: &str = "maintenance/interval-and-rate/1";

#[derive(Deserialize)]
struct Vehicle {
    id: String,
    customer_id: String,
    make: String,
    model: String,
    year: i64,
    first_registered: String,
    mileage_km: i64,
    mileage_at: String,
}

#[derive(Deserialize)]
struct IntervalRow {
    service: String,
    every_km: Option<i64>,
    every_months: Option<i64>,
}

#[derive(Deserialize)]
struct Visit {
    day: String,
    km: i64,
    operation: Option<String>,
}

#[derive(Deserialize)]
struct Odometer {
    day: String,
    km: i64,
}

#[derive(Serialize)]
struct Inputs {
    vehicle_id: String,
    model: String,
    year: i64,
    intervals: usize,
    odometer_readings: usize,
    services_on_record: usize,
    as_of: NaiveDate,
}

fn date(text: &str) -> Option<NaiveDate> {
    text.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// Service staff and the car's owner; everyone else is refused (another customer sees nothing).
fn may_read(principal: &Principal, vehicle: &Vehicle) -> ApiResult<()> {
    match principal.role {
        Role::Advisor | Role::Technician | Role::Manager | Role::Admin => Ok(()),
        Role::Customer if principal.customer_id.as_deref() == Some(vehicle.customer_id.as_str()) => Ok(()),
        Role::Customer => Err(ApiError::NotFound { what: "vehicle", id: vehicle.id.clone() }),
        _ => Err(ApiError::Forbidden("maintenance plans are for the owner and service staff".into())),
    }
}

#[utoipa::path(get, path = "/api/vehicles/{id}/maintenance", tag = "analytics", security(("bearer" = [])),
    params(("id" = String, Path, description = "An owned vehicle (own-…)")),
    responses((status = 200, description = "When each service is due, stored as a prediction", body = super::predictions::PredictionView)))]
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(maintenance(req, ctx).await)
}

async fn maintenance(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    if matches!(principal.role, Role::Sales | Role::Kiosk | Role::Telematics) {
        return Err(ApiError::Forbidden("maintenance plans are for the owner and service staff".into()));
    }
    let id = ctx.param("id").cloned().ok_or_else(|| ApiError::Internal("route without :id".into()))?;
    let db = bindings::database(&ctx.env)?;
    let vehicle: Vehicle = db
        .prepare(
            "SELECT id, customer_id, make, model, year, first_registered, mileage_km, mileage_at FROM owned_vehicles \
             WHERE id = ?1",
        )
        .bind(&[JsValue::from_str(&id)])?
        .first(None)
        .await?
        .ok_or_else(|| ApiError::NotFound { what: "vehicle", id: id.clone() })?;
    may_read(&principal, &vehicle)?;
    let today = DateTime::<Utc>::from_timestamp_millis(now_millis() as i64)
        .map(|t| t.date_naive())
        .ok_or_else(|| ApiError::Internal("clock out of range".into()))?;
    let (inputs, services) = plan(&db, &vehicle, today).await?;
    let row = predictions::store(
        &ctx.env,
        &principal,
        NewPrediction {
            kind: "maintenance",
            subject: &vehicle.id,
            location_id: None,
            model_version: MODEL_VERSION,
            inputs: &inputs,
            output: &serde_json::json!({ "services": services }),
            headline: None,
            label: "maintenance",
            only_if_changed: true,
        },
    )
    .await?;
    Ok(Response::from_json(&row.view())?)
}

async fn plan(
    db: &D1Database,
    vehicle: &Vehicle,
    today: NaiveDate,
) -> ApiResult<(Inputs, Vec<forecourt_domain::analytics::maintenance::DuePrediction>)> {
    let id = JsValue::from_str(&vehicle.id);
    let intervals: Vec<IntervalRow> = db
        .prepare(
            "SELECT i.service, i.every_km, i.every_months FROM maintenance_intervals i JOIN models m ON m.id = i.model_id \
             JOIN makes k ON k.id = m.make_id WHERE k.name = ?1 AND m.name = ?2 AND ?3 BETWEEN i.year_from AND i.year_to \
             ORDER BY i.service",
        )
        .bind(&[
            JsValue::from_str(&vehicle.make),
            JsValue::from_str(&vehicle.model),
            JsValue::from_f64(vehicle.year as f64),
        ])?
        .all()
        .await?
        .results()?;
    let visits: Vec<Visit> = db
        .prepare(
            "SELECT substr(w.updated_at, 1, 10) AS day, w.mileage_in AS km, l.operation AS operation FROM work_orders w \
             LEFT JOIN work_order_labour l ON l.work_order_id = w.id AND l.approval = 'approved' \
             WHERE w.owned_vehicle_id = ?1 AND w.status = 'collected' ORDER BY day",
        )
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let telemetry: Vec<Odometer> = db
        .prepare(
            "SELECT substr(at, 1, 10) AS day, MAX(odometer_km) AS km FROM telemetry WHERE owned_vehicle_id = ?1 \
             AND odometer_km IS NOT NULL GROUP BY day ORDER BY day",
        )
        .bind(&[id])?
        .all()
        .await?
        .results()?;

    let mut readings: Vec<OdometerReading> = visits
        .iter()
        .filter_map(|v| Some(OdometerReading { date: date(&v.day)?, km: u32::try_from(v.km).ok()? }))
        .chain(
            telemetry
                .iter()
                .filter_map(|t| Some(OdometerReading { date: date(&t.day)?, km: u32::try_from(t.km).ok()? })),
        )
        .chain(
            date(&vehicle.mileage_at)
                .and_then(|d| Some(OdometerReading { date: d, km: u32::try_from(vehicle.mileage_km).ok()? })),
        )
        .filter(|r| r.date <= today)
        .collect();
    readings.sort_by_key(|r| (r.date, r.km));
    // One reading per day, the highest, and never decreasing (a typo on a job card is ignored).
    readings.dedup_by(|later, earlier| {
        if later.date == earlier.date {
            earlier.km = earlier.km.max(later.km);
            true
        } else {
            later.km < earlier.km
        }
    });
    let first_registration = date(&vehicle.first_registered)
        .ok_or_else(|| ApiError::Internal(format!("{} has no registration date", vehicle.id)))?;
    let usage = VehicleUsage { first_registration, readings: readings.clone() };
    let mut services = Vec::with_capacity(intervals.len());
    for interval in &intervals {
        let interval = ServiceInterval {
            service: interval.service.clone(),
            km: interval.every_km.and_then(|k| u32::try_from(k).ok()),
            months: interval.every_months.and_then(|m| u32::try_from(m).ok()),
        };
        let last_done = visits
            .iter()
            .filter(|v| v.operation.as_deref().is_some_and(|op| service_done_by(&interval.service, op)))
            .filter_map(|v| Some(ServiceRecord { date: date(&v.day)?, odometer_km: u32::try_from(v.km).ok()? }))
            .filter(|r| r.date <= today)
            .max_by_key(|r| r.date);
        match predict(&interval, last_done, &usage, today) {
            Ok(due) => services.push(due),
            Err(error) => worker::console_warn!("maintenance of {}: {error}", vehicle.id),
        }
    }
    let inputs = Inputs {
        vehicle_id: vehicle.id.clone(),
        model: format!("{} {}", vehicle.make, vehicle.model),
        year: vehicle.year,
        intervals: intervals.len(),
        odometer_readings: readings.len(),
        services_on_record: visits.len(),
        as_of: today,
    };
    Ok((inputs, services))
}
