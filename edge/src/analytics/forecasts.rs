//! Location forecasts: `GET /api/analytics/forecasts?location=…&series=…` serves the stored
//! prediction (computing it on first use), and `POST /api/analytics/forecasts/recompute` asks the
//! key's `Recompute` Durable Object for a fresh one, debounced and coalesced.

use super::access::{require_analyst, require_location};
use super::predictions::{self, NewPrediction, PredictionRow};
use super::recompute;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use chrono::NaiveDate;
use forecourt_domain::analytics::serving::{forecast_location, ForecastSeries};
use forecourt_domain::identity::Principal;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response, Result, RouteContext};

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput { field: field.into(), detail: detail.into() }
}

fn parse_series(raw: &str) -> ApiResult<ForecastSeries> {
    ForecastSeries::parse(raw)
        .ok_or_else(|| invalid("series", "series is one of sales_weekly, sales_monthly, service_daily"))
}

/// The location must exist (an admin asking for a typo gets 404, not an empty forecast).
pub async fn require_known_location(env: &Env, location: &str) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Found {
        #[allow(dead_code)]
        id: String,
    }
    let found: Option<Found> = bindings::database(env)?
        .prepare("SELECT id FROM locations WHERE id = ?1")
        .bind(&[JsValue::from_str(location)])?
        .first(None)
        .await?;
    found.map(|_| ()).ok_or_else(|| ApiError::NotFound { what: "location", id: location.to_owned() })
}

#[utoipa::path(get, path = "/api/analytics/forecasts", tag = "analytics", security(("bearer" = [])),
    params(("location" = String, Query), ("series" = String, Query, description = "sales_weekly, sales_monthly or service_daily")),
    responses((status = 200, description = "The stored forecast (computed on first use)", body = predictions::PredictionView)))]
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(get_forecast(req, ctx).await)
}

async fn get_forecast(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    require_analyst(&principal)?;
    let (mut location, mut series) = (None, None);
    for (key, value) in req.url()?.query_pairs() {
        match key.as_ref() {
            "location" => location = Some(value.into_owned()),
            "series" => series = Some(parse_series(&value)?),
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    let location = location.ok_or_else(|| invalid("location", "give the location, e.g. location=loc-north"))?;
    let series = series.ok_or_else(|| invalid("series", "give the series, e.g. series=sales_weekly"))?;
    require_location(&principal, &location)?;
    require_known_location(&ctx.env, &location).await?;
    let db = bindings::database(&ctx.env)?;
    let id = predictions::id_for(series.prediction_kind(), &series.subject(&location));
    let row = match predictions::find(&db, &id).await? {
        Some(row) => row,
        None => compute(&ctx.env, series, &location, &principal).await?,
    };
    Ok(Response::from_json(&row.view())?)
}

#[derive(serde::Deserialize)]
struct DailyRow {
    day: String,
    value: f64,
}

/// Loads the location's daily history, forecasts it and stores the prediction.
pub async fn compute(env: &Env, series: ForecastSeries, location: &str, actor: &Principal) -> ApiResult<PredictionRow> {
    let sql = match series {
        ForecastSeries::SalesWeekly | ForecastSeries::SalesMonthly => {
            "SELECT substr(sold_at, 1, 10) AS day, CAST(COUNT(*) AS REAL) AS value FROM sales WHERE location_id = ?1 \
             GROUP BY day ORDER BY day"
        }
        ForecastSeries::ServiceDaily => {
            "SELECT substr(w.created_at, 1, 10) AS day, CAST(SUM(l.hours) AS REAL) AS value FROM work_orders w \
             JOIN work_order_labour l ON l.work_order_id = w.id WHERE w.location_id = ?1 AND w.status != 'cancelled' \
             GROUP BY day ORDER BY day"
        }
    };
    let rows: Vec<DailyRow> =
        bindings::database(env)?.prepare(sql).bind(&[JsValue::from_str(location)])?.all().await?.results()?;
    let daily: Vec<(NaiveDate, f64)> =
        rows.iter().filter_map(|r| NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok().map(|d| (d, r.value))).collect();
    // History runs up to the last recorded day; anything later has not been recorded yet.
    let through = daily
        .last()
        .map(|(d, _)| *d)
        .ok_or_else(|| invalid("location", format!("{location} has no {} history yet", series.as_str())))?;
    let (inputs, output) = forecast_location(series, location, &daily, through)
        .map_err(|e| invalid("series", format!("cannot forecast {}: {e}", series.as_str())))?;
    let headline = output.points.first().map(|p| (p.forecast, p.lo80, p.hi80));
    predictions::store(
        env,
        actor,
        NewPrediction {
            kind: series.prediction_kind(),
            subject: &series.subject(location),
            location_id: Some(location),
            model_version: output.model_version,
            inputs: &inputs,
            output: &output,
            headline,
            label: series.as_str(),
            only_if_changed: false,
        },
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RecomputeRequest {
    location: String,
    series: String,
}

#[utoipa::path(post, path = "/api/analytics/forecasts/recompute", tag = "analytics", security(("bearer" = [])),
    request_body = RecomputeRequest,
    responses((status = 202, description = "Scheduled: requests within the debounce window run once", body = recompute::Scheduled)))]
pub async fn recompute(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(request_recompute(req, ctx).await)
}

async fn request_recompute(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    require_analyst(&principal)?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &ctx.env, &principal.clone(), |body| async move {
        let request: RecomputeRequest = parse_json(&body)?;
        // Whose location it is decides first: another location's manager gets 403, not 400.
        require_location(&principal, &request.location)?;
        let series = parse_series(&request.series)?;
        require_known_location(&env, &request.location).await?;
        let scheduled = recompute::schedule_forecast(&env, series, &request.location, &principal).await?;
        Ok(Response::from_json(&scheduled)?.with_status(202))
    })
    .await
}
