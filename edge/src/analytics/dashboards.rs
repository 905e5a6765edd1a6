//! `GET /api/dashboards/{location}`: a manager's view of one location: sales and service KPIs,
//! the latest weekly sales forecast, and open anomalies. Read through the KV cache; anomaly
//! changes, new anomalies and fresh predictions retire it.

use super::access::require_location;
use super::anomaly_records::{AnomalySummary, COLUMNS};
use super::forecasts::require_known_location;
use super::predictions::{self, PredictionView};
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::cache;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::analytics::serving::ForecastSeries;
use forecourt_domain::caching::CacheKind;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Request, Response, Result, RouteContext};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesKpis {
    /// The last day with recorded sales: the 30-day windows end here.
    pub as_of: Option<String>,
    pub units_30d: i64,
    pub revenue_cents_30d: i64,
    pub units_prev_30d: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceKpis {
    pub open_work_orders: i64,
    pub bay_hours_30d: f64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeverityCount {
    pub severity: String,
    pub count: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub location_id: String,
    pub sales: SalesKpis,
    pub service: ServiceKpis,
    /// The stored weekly sales forecast, if one was computed (the dashboard never computes).
    pub forecast: Option<serde_json::Value>,
    pub open_anomalies: Vec<SeverityCount>,
    pub latest_anomalies: Vec<AnomalySummary>,
}

#[utoipa::path(get, path = "/api/dashboards/{location}", tag = "analytics", security(("bearer" = [])),
    params(("location" = String, Path)),
    responses((status = 200, description = "KPIs, the latest weekly forecast and open anomalies (KV cached, `x-cache`)", body = Dashboard)))]
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(dashboard(req, ctx).await)
}

async fn dashboard(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let location =
        ctx.param("location").cloned().ok_or_else(|| ApiError::Internal("route without :location".into()))?;
    require_location(&principal, &location)?;
    require_known_location(&ctx.env, &location).await?;
    let db = bindings::database(&ctx.env)?;
    let kv = bindings::cache(&ctx.env)?;
    let (board, status) = cache::read_through(&kv, CacheKind::Dashboard, &location, || load(&db, &location)).await?;
    let mut response = Response::from_json(&board)?;
    response.headers_mut().set("x-cache", status.header_value())?;
    Ok(response)
}

async fn load(db: &D1Database, location: &str) -> ApiResult<Dashboard> {
    let loc = || JsValue::from_str(location);
    #[derive(Deserialize)]
    struct Day {
        day: Option<String>,
    }
    let as_of: Option<String> = db
        .prepare("SELECT MAX(substr(sold_at, 1, 10)) AS day FROM sales WHERE location_id = ?1")
        .bind(&[loc()])?
        .first::<Day>(None)
        .await?
        .and_then(|d| d.day);
    #[derive(Deserialize)]
    struct Window {
        units: i64,
        revenue: i64,
    }
    let window = |from: i64, to: i64| {
        let as_of = as_of.clone().unwrap_or_default();
        async move {
            let row: Option<Window> = db
                .prepare(
                    "SELECT COUNT(*) AS units, COALESCE(SUM(price_cents), 0) AS revenue FROM sales WHERE location_id = ?1 \
                     AND substr(sold_at, 1, 10) > date(?2, ?3) AND substr(sold_at, 1, 10) <= date(?2, ?4)",
                )
                .bind(&[
                    loc(),
                    JsValue::from_str(&as_of),
                    JsValue::from_str(&format!("-{from} days")),
                    JsValue::from_str(&format!("-{to} days")),
                ])?
                .first(None)
                .await?;
            Ok::<_, ApiError>(row.unwrap_or(Window { units: 0, revenue: 0 }))
        }
    };
    let recent = window(30, 0).await?;
    let previous = window(60, 30).await?;
    #[derive(Deserialize)]
    struct Service {
        open: i64,
        hours: Option<f64>,
    }
    let service: Option<Service> = db
        .prepare(
            "SELECT (SELECT COUNT(*) FROM work_orders WHERE location_id = ?1 AND status NOT IN ('collected','cancelled')) AS open, \
             (SELECT SUM(l.hours) FROM work_orders w JOIN work_order_labour l ON l.work_order_id = w.id \
              WHERE w.location_id = ?1 AND w.status != 'cancelled' AND substr(w.created_at, 1, 10) > \
              date((SELECT MAX(substr(created_at, 1, 10)) FROM work_orders WHERE location_id = ?1), '-30 days')) AS hours",
        )
        .bind(&[loc()])?
        .first(None)
        .await?;
    let open_anomalies: Vec<SeverityCount> = db
        .prepare(
            "SELECT severity, COUNT(*) AS count FROM anomalies WHERE location_id = ?1 \
             AND status NOT IN ('resolved','false_positive') GROUP BY severity ORDER BY severity",
        )
        .bind(&[loc()])?
        .all()
        .await?
        .results()?;
    let latest_anomalies: Vec<AnomalySummary> = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM anomalies WHERE location_id = ?1 AND status NOT IN ('resolved','false_positive') \
             ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, \
             at DESC LIMIT 5"
        ))
        .bind(&[loc()])?
        .all()
        .await?
        .results()?;
    let series = ForecastSeries::SalesWeekly;
    let forecast_id = predictions::id_for(series.prediction_kind(), &series.subject(location));
    let forecast: Option<PredictionView> = predictions::find(db, &forecast_id).await?.map(|p| p.view());
    let service = service.unwrap_or(Service { open: 0, hours: None });
    Ok(Dashboard {
        location_id: location.to_owned(),
        sales: SalesKpis {
            as_of,
            units_30d: recent.units,
            revenue_cents_30d: recent.revenue,
            units_prev_30d: previous.units,
        },
        service: ServiceKpis { open_work_orders: service.open, bay_hours_30d: service.hours.unwrap_or(0.0) },
        forecast: forecast.and_then(|f| serde_json::to_value(f).ok()),
        open_anomalies,
        latest_anomalies,
    })
}
