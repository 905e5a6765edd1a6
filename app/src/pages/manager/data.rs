//! The dashboard API as the page reads it, and the pure conversions from it to chart inputs.

use crate::api::{self, ApiError};
use crate::charts::forecast::{Band, ForecastChart};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dashboard {
    pub location_id: String,
    pub sales: Sales,
    pub service: Service,
    pub forecast: Option<Prediction>,
    pub open_anomalies: Vec<SeverityCount>,
    pub latest_anomalies: Vec<Anomaly>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sales {
    pub as_of: Option<String>,
    pub units_30d: i64,
    pub revenue_cents_30d: i64,
    pub units_prev_30d: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Service {
    pub open_work_orders: i64,
    pub bay_hours_30d: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeverityCount {
    pub severity: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Anomaly {
    pub id: String,
    pub metric: String,
    pub at: String,
    pub observed: f64,
    pub expected: f64,
    pub severity: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Prediction {
    pub id: String,
    pub model_version: String,
    pub computed_at: String,
    pub output: ForecastOutput,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ForecastOutput {
    pub points: Vec<Point>,
    pub actuals: Vec<Actual>,
    pub backtest: Option<Backtest>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Point {
    pub at: String,
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Actual {
    pub at: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Backtest {
    pub mase: f64,
    pub smape: f64,
    pub baseline_mase: f64,
}

/// The stored weekly forecast as the chart draws it.
pub fn forecast_chart(location: &str, prediction: &Prediction) -> ForecastChart {
    ForecastChart {
        id: format!("forecast-{location}"),
        title: format!("Weekly car sales at {location}: last 26 weeks and the next 13"),
        unit: "Cars sold per week".into(),
        actuals: prediction.output.actuals.iter().map(|a| (a.at.clone(), a.value)).collect(),
        forecast: prediction
            .output
            .points
            .iter()
            .map(|p| Band {
                label: p.at.clone(),
                forecast: p.forecast,
                lo80: p.lo80,
                hi80: p.hi80,
                lo95: p.lo95,
                hi95: p.hi95,
            })
            .collect(),
    }
}

/// How far to trust the forecast, in words a manager reads at a glance.
pub fn trust(backtest: Option<&Backtest>) -> String {
    match backtest {
        Some(b) if b.mase < b.baseline_mase => format!(
            "Backtest: MASE {:.2} vs {:.2} for last year's pattern (sMAPE {:.0} %). The model beats the simple baseline.",
            b.mase, b.baseline_mase, b.smape
        ),
        Some(b) => format!(
            "Backtest: MASE {:.2} vs {:.2} for last year's pattern (sMAPE {:.0} %). Treat with care: the baseline does as well.",
            b.mase, b.baseline_mase, b.smape
        ),
        None => "Not enough history yet to backtest this forecast.".into(),
    }
}

/// `GET /api/dashboards/{location}` as the signed-in manager (refreshing the session once on 401).
pub async fn dashboard(location: &str) -> Result<Dashboard, ApiError> {
    let url = format!("/api/dashboards/{}", String::from(js_sys::encode_uri_component(location)));
    api::get_signed_in(&url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dashboard {
        serde_json::from_value(serde_json::json!({
            "location_id": "loc-north",
            "sales": {"as_of": "2026-10-31", "units_30d": 40, "revenue_cents_30d": 100, "units_prev_30d": 35},
            "service": {"open_work_orders": 3, "bay_hours_30d": 120.5},
            "forecast": {
                "id": "pred-sales_forecast-loc-north-sales_weekly", "model_version": "forecast/mstl-autoets/1",
                "computed_at": "2026-11-23T22:00:00Z", "kind": "sales_forecast",
                "output": {
                    "points": [{"at": "2026-11-02", "forecast": 10.0, "lo80": 8.0, "hi80": 12.0, "lo95": 7.0, "hi95": 13.0}],
                    "actuals": [{"at": "2026-10-26", "value": 9.0}],
                    "backtest": {"mase": 0.8, "smape": 20.0, "baseline_mase": 1.1, "coverage80": 0.8}
                }
            },
            "open_anomalies": [{"severity": "high", "count": 1}],
            "latest_anomalies": [{"id": "an-1", "metric": "daily_sales", "at": "2026-10-05T23:00:00Z", "observed": 7.0,
                                  "expected": 3.6, "severity": "high", "status": "detected", "score": 4.9}]
        }))
        .expect("the edge's dashboard shape")
    }

    #[test]
    fn the_edge_dashboard_becomes_a_forecast_chart() {
        let board = sample();
        let chart = forecast_chart(&board.location_id, board.forecast.as_ref().expect("forecast"));
        assert_eq!((chart.actuals.len(), chart.forecast.len()), (1, 1));
        assert_eq!(chart.forecast[0].hi95, 13.0);
    }

    #[test]
    fn trust_says_whether_the_model_beats_the_baseline() {
        let board = sample();
        let backtest = board.forecast.and_then(|f| f.output.backtest);
        assert!(trust(backtest.as_ref()).contains("beats the simple baseline"));
        assert!(trust(None).contains("Not enough history"));
    }
}
