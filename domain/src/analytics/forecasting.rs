//! Forecasts with 80 % and 95 % prediction intervals, always next to a seasonal-naive baseline
//! and a rolling-origin backtest, so a manager sees how far to trust a number before acting on it.
//!
//! The model is `augurs`' MSTL decomposition with an AutoETS trend (ETS in `augurs` has no seasonal
//! component of its own; MSTL supplies it), plain AutoETS when the data shows no season, and the
//! seasonal-naive method itself when there is too little data for either. Whatever is chosen is
//! named in the result, because a forecast without its model version cannot be audited.

use super::metrics;
use super::seasonality;
use super::series::TimeSeries;
use augurs_core::{Fit, Predict};
use augurs_ets::{trend::AutoETSTrendModel, AutoETS};
use augurs_mstl::stlrs::{MstlParams, StlParams};
use augurs_mstl::MSTLModel;
use chrono::NaiveDateTime;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// z-values of the central 80 % and 95 % normal intervals.
const Z80: f64 = 1.281_551_565_545;
const Z95: f64 = 1.959_963_984_540;

/// Below this many points ETS cannot estimate its parameters with any confidence.
const MIN_ETS_POINTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ForecastError {
    #[error("need at least {needed} observations, got {got}")]
    NotEnoughData { needed: usize, got: usize },
    #[error("the horizon must be at least 1")]
    ZeroHorizon,
    #[error("season length must be at least 1, got {0}")]
    BadSeason(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    MstlEts,
    Ets,
    SeasonalNaive,
}

impl ModelKind {
    /// Recorded with every stored prediction; bump when the modelling changes.
    pub fn version(self) -> &'static str {
        match self {
            Self::MstlEts => "forecast/mstl-autoets/1",
            Self::Ets => "forecast/autoets/1",
            Self::SeasonalNaive => "forecast/seasonal-naive/1",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MstlEts => "MSTL + AutoETS",
            Self::Ets => "AutoETS",
            Self::SeasonalNaive => "seasonal naive",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForecastPoint {
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub model: ModelKind,
    /// Season used (1 = none).
    pub season: usize,
    pub points: Vec<ForecastPoint>,
}

impl Forecast {
    pub fn point_forecasts(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.forecast).collect()
    }
}

/// Forecasts `horizon` steps with the best model the data supports.
pub fn forecast(values: &[f64], horizon: usize, season: usize) -> Result<Forecast, ForecastError> {
    validate(values, horizon, season)?;
    let n = values.len();
    let model_result = if season >= 2 && n >= 2 * season + MIN_ETS_POINTS {
        let trend = AutoETSTrendModel::from(AutoETS::non_seasonal());
        // Robust STL iterations: one anomaly in the history must not be repeated every season.
        let mut stl = StlParams::new();
        stl.robust(true);
        let mut params = MstlParams::new();
        params.stl_params(stl);
        let model = MSTLModel::new(vec![season], trend).mstl_params(params);
        model.fit(values).ok().and_then(|fitted| intervals(&fitted, horizon)).map(|points| (ModelKind::MstlEts, points))
    } else if n >= MIN_ETS_POINTS {
        AutoETS::non_seasonal()
            .fit(values)
            .ok()
            .and_then(|fitted| intervals(&fitted, horizon))
            .map(|points| (ModelKind::Ets, points))
    } else {
        None
    };
    match model_result {
        Some((model, points)) => Ok(Forecast { model, season, points }),
        // A fit that fails (flat data, optimiser trouble) still owes the user a forecast: the
        // baseline is always defined and is labelled as such.
        None => seasonal_naive(values, horizon, season),
    }
}

fn validate(values: &[f64], horizon: usize, season: usize) -> Result<(), ForecastError> {
    if horizon == 0 {
        return Err(ForecastError::ZeroHorizon);
    }
    if season == 0 {
        return Err(ForecastError::BadSeason(season));
    }
    if values.len() < 2 {
        return Err(ForecastError::NotEnoughData { needed: 2, got: values.len() });
    }
    Ok(())
}

/// Both interval levels from one fitted model; `None` if the model produced anything non-finite.
fn intervals<P: Predict>(fitted: &P, horizon: usize) -> Option<Vec<ForecastPoint>> {
    let f80 = fitted.predict(horizon, 0.80).ok()?;
    let f95 = fitted.predict(horizon, 0.95).ok()?;
    let (i80, i95) = (f80.intervals?, f95.intervals?);
    let points: Vec<ForecastPoint> = (0..horizon)
        .map(|h| {
            let forecast = f80.point[h];
            ForecastPoint {
                forecast,
                lo80: i80.lower[h].min(forecast),
                hi80: i80.upper[h].max(forecast),
                lo95: i95.lower[h].min(i80.lower[h]).min(forecast),
                hi95: i95.upper[h].max(i80.upper[h]).max(forecast),
            }
        })
        .collect();
    let finite = points.iter().all(|p| [p.forecast, p.lo80, p.hi80, p.lo95, p.hi95].iter().all(|v| v.is_finite()));
    (points.len() == horizon && finite).then_some(points)
}

/// The baseline every forecast is compared with: "same as one season ago". Intervals assume
/// normal errors with the spread of the in-sample seasonal differences, widening with the
/// number of seasons ahead (Hyndman & Athanasopoulos, FPP3 §5.5).
pub fn seasonal_naive(values: &[f64], horizon: usize, season: usize) -> Result<Forecast, ForecastError> {
    validate(values, horizon, season)?;
    let n = values.len();
    // With less than one full season the best we can do is repeat the last value.
    let m = if n > season { season } else { 1 };
    let diffs: Vec<f64> = values[m..].iter().zip(values).map(|(now, before)| now - before).collect();
    let sigma =
        if diffs.is_empty() { 0.0 } else { (diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64).sqrt() };
    let points = (0..horizon)
        .map(|h| {
            let forecast = values[n - m + h % m];
            let seasons_ahead = (h / m + 1) as f64;
            let spread = sigma * seasons_ahead.sqrt();
            ForecastPoint {
                forecast,
                lo80: forecast - Z80 * spread,
                hi80: forecast + Z80 * spread,
                lo95: forecast - Z95 * spread,
                hi95: forecast + Z95 * spread,
            }
        })
        .collect();
    Ok(Forecast { model: ModelKind::SeasonalNaive, season: m, points })
}

/// Rolling-origin evaluation: the model and the baseline are refitted at several cut-off points
/// near the end of the history and scored on the `horizon` points after each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub origins: usize,
    pub horizon: usize,
    pub mase: f64,
    pub smape: f64,
    pub baseline_mase: f64,
    pub baseline_smape: f64,
    /// Share of actuals inside the model's 80 % / 95 % intervals.
    pub coverage80: f64,
    pub coverage95: f64,
}

impl Backtest {
    /// True when the model's error is below the baseline's: the forecast earns its place.
    pub fn beats_baseline(&self) -> bool {
        self.mase < self.baseline_mase
    }
}

pub fn backtest(values: &[f64], horizon: usize, season: usize, origins: usize) -> Result<Backtest, ForecastError> {
    validate(values, horizon, season)?;
    let n = values.len();
    let origins = origins.max(1);
    // Each origin needs a training set that can at least support the baseline's scale.
    let min_train = 2 * season.max(1) + 2;
    let needed = min_train + horizon + (origins - 1) * horizon;
    if n < needed {
        return Err(ForecastError::NotEnoughData { needed, got: n });
    }
    let mut sums = [0.0f64; 4];
    let mut counted = 0usize;
    let (mut inside80, mut inside95, mut total) = (0usize, 0usize, 0usize);
    for k in 0..origins {
        let origin = n - horizon - (origins - 1 - k) * horizon;
        let (train, actual) = (&values[..origin], &values[origin..origin + horizon]);
        let model = forecast(train, horizon, season)?;
        let baseline = seasonal_naive(train, horizon, season)?;
        let predicted = model.point_forecasts();
        let base = baseline.point_forecasts();
        let scored = (
            metrics::mase(actual, &predicted, train, season),
            metrics::smape(actual, &predicted),
            metrics::mase(actual, &base, train, season),
            metrics::smape(actual, &base),
        );
        if let (Some(m), Some(s), Some(bm), Some(bs)) = scored {
            sums[0] += m;
            sums[1] += s;
            sums[2] += bm;
            sums[3] += bs;
            counted += 1;
        }
        for (p, a) in model.points.iter().zip(actual) {
            inside80 += usize::from(p.lo80 <= *a && *a <= p.hi80);
            inside95 += usize::from(p.lo95 <= *a && *a <= p.hi95);
            total += 1;
        }
    }
    let c = counted.max(1) as f64;
    Ok(Backtest {
        origins,
        horizon,
        mase: sums[0] / c,
        smape: sums[1] / c,
        baseline_mase: sums[2] / c,
        baseline_smape: sums[3] / c,
        coverage80: inside80 as f64 / total.max(1) as f64,
        coverage95: inside95 as f64 / total.max(1) as f64,
    })
}

/// A forecast as shown on a dashboard or written by the CLI: timestamps, bands, the baseline and
/// how both did in the backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastReport {
    pub timestamps: Vec<NaiveDateTime>,
    pub forecast: Forecast,
    pub baseline: Forecast,
    /// `None` when the history is too short to hold any out.
    pub backtest: Option<Backtest>,
    pub season_detected: bool,
}

/// Forecasts a timestamped series: detects the season when none is given, forecasts, and
/// backtests over three origins when there is history for it.
pub fn forecast_series(
    series: &TimeSeries,
    horizon: usize,
    season: Option<usize>,
) -> Result<ForecastReport, ForecastError> {
    let values = series.values();
    let (season, season_detected) = match season {
        Some(s) => (s, false),
        None => (seasonality::detect(values, &series.cadence().calendar_seasons()).period.unwrap_or(1), true),
    };
    let forecast = forecast(values, horizon, season)?;
    let baseline = seasonal_naive(values, horizon, season)?;
    let backtest = backtest(values, horizon, season, 3).ok();
    Ok(ForecastReport { timestamps: series.future_timestamps(horizon), forecast, baseline, backtest, season_detected })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::{self, SeriesSpec};

    fn trend_and_season(seed: u64) -> Vec<f64> {
        synthetic::generate(&SeriesSpec::weekly_sales(seed).with_anomalies(0)).values
    }

    #[test]
    fn forecasts_beat_seasonal_naive_mase_on_trend_plus_season() {
        for seed in [1, 2, 3] {
            let values = trend_and_season(seed);
            let result = backtest(&values, 13, 52, 3).unwrap();
            assert!(
                result.beats_baseline(),
                "seed {seed}: model MASE {:.3} vs baseline {:.3}",
                result.mase,
                result.baseline_mase
            );
        }
    }

    #[test]
    fn monthly_forecasts_beat_the_baseline_too() {
        let values = synthetic::generate(&SeriesSpec::monthly_sales(4).with_anomalies(0)).values;
        let result = backtest(&values, 6, 12, 3).unwrap();
        assert!(result.beats_baseline(), "{result:?}");
    }

    #[test]
    fn intervals_are_nested_around_the_point() {
        let values = trend_and_season(8);
        let result = forecast(&values, 10, 52).unwrap();
        assert_eq!(result.model, ModelKind::MstlEts);
        for p in &result.points {
            assert!(p.lo95 <= p.lo80 && p.lo80 <= p.forecast);
            assert!(p.forecast <= p.hi80 && p.hi80 <= p.hi95);
        }
    }

    #[test]
    fn seasonal_naive_repeats_the_last_season() {
        let f = seasonal_naive(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 4, 3).unwrap();
        assert_eq!(f.point_forecasts(), vec![4.0, 5.0, 6.0, 4.0]);
    }

    #[test]
    fn short_histories_fall_back_to_the_baseline_and_say_so() {
        let f = forecast(&[3.0, 4.0, 5.0], 2, 1).unwrap();
        assert_eq!(f.model, ModelKind::SeasonalNaive);
    }

    #[test]
    fn a_zero_horizon_is_refused() {
        assert_eq!(forecast(&[1.0, 2.0], 0, 1), Err(ForecastError::ZeroHorizon));
    }

    #[test]
    fn a_series_forecast_detects_its_season_and_continues_its_calendar() {
        let generated = synthetic::generate(&SeriesSpec::daily_bay_hours(3).with_anomalies(0));
        let report = forecast_series(&generated.to_time_series(), 14, None).unwrap();
        assert_eq!(report.forecast.season, 7);
        assert!(report.season_detected);
        assert_eq!(report.timestamps.len(), 14);
        assert!(report.backtest.is_some());
    }
}
