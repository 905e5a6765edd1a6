//! What the edge stores and serves for a location's forecasts: which series exist, how daily
//! history becomes the series (complete calendar buckets only), and the stored shape (forecast
//! with 80/95 % bands, the seasonal-naive baseline, the backtest, recent actuals, and a summary of
//! the inputs), so a manager sees next to each forecast how far to trust it.

use super::forecasting::{forecast_series, Backtest, ForecastError, ModelKind};
use super::series::{Granularity, TimeSeries, TimestampStyle};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastSeries {
    /// Cars sold per ISO week.
    SalesWeekly,
    /// Cars sold per calendar month.
    SalesMonthly,
    /// Workshop labour booked per day, in bay-hours.
    ServiceDaily,
}

impl ForecastSeries {
    pub const ALL: [ForecastSeries; 3] = [Self::SalesWeekly, Self::SalesMonthly, Self::ServiceDaily];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SalesWeekly => "sales_weekly",
            Self::SalesMonthly => "sales_monthly",
            Self::ServiceDaily => "service_daily",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The `predictions.kind` it is stored under.
    pub fn prediction_kind(self) -> &'static str {
        match self {
            Self::SalesWeekly | Self::SalesMonthly => "sales_forecast",
            Self::ServiceDaily => "service_demand",
        }
    }

    /// The stored prediction's subject: one per location and series.
    pub fn subject(self, location_id: &str) -> String {
        format!("{location_id}:{}", self.as_str())
    }

    pub fn granularity(self) -> Granularity {
        match self {
            Self::SalesWeekly => Granularity::Week,
            Self::SalesMonthly => Granularity::Month,
            Self::ServiceDaily => Granularity::Day,
        }
    }

    /// A quarter ahead for weeks, half a year for months, four weeks of workshop days.
    pub fn horizon(self) -> usize {
        match self {
            Self::SalesWeekly => 13,
            Self::SalesMonthly => 6,
            Self::ServiceDaily => 28,
        }
    }

    /// How many past buckets are shown next to the forecast.
    fn actuals_shown(self) -> usize {
        match self {
            Self::SalesWeekly => 26,
            Self::SalesMonthly => 12,
            Self::ServiceDaily => 56,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inputs {
    pub series: ForecastSeries,
    pub location_id: String,
    /// Complete buckets used (the current, unfinished week or month is left out).
    pub points: usize,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandPoint {
    pub at: NaiveDate,
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actual {
    pub at: NaiveDate,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredForecast {
    pub model: ModelKind,
    pub model_version: &'static str,
    pub season: usize,
    pub season_detected: bool,
    pub points: Vec<BandPoint>,
    pub baseline: Vec<f64>,
    pub backtest: Option<Backtest>,
    pub actuals: Vec<Actual>,
}

/// The complete buckets of `daily` (date, amount) up to and including `through`.
pub fn bucketed(series: ForecastSeries, daily: &[(NaiveDate, f64)], through: NaiveDate) -> Option<TimeSeries> {
    let granularity = series.granularity();
    let mut rows: Vec<(NaiveDate, f64)> = daily.iter().copied().filter(|(d, _)| *d <= through).collect();
    rows.sort_by_key(|(d, _)| *d);
    let first = rows.first()?.0;
    // Anchor both ends so empty days at the edges count as zeros, then drop an unfinished bucket.
    let timestamps = std::iter::once(first)
        .chain(rows.iter().map(|(d, _)| *d))
        .chain(std::iter::once(through))
        .map(|d| d.and_time(chrono::NaiveTime::MIN));
    let values = std::iter::once(0.0).chain(rows.iter().map(|(_, v)| *v)).chain(std::iter::once(0.0));
    // Merge duplicate days so timestamps increase strictly.
    let mut merged: Vec<(chrono::NaiveDateTime, f64)> = Vec::new();
    for (at, value) in timestamps.zip(values) {
        match merged.last_mut() {
            Some((last, sum)) if *last == at => *sum += value,
            _ => merged.push((at, value)),
        }
    }
    let (ts, vs): (Vec<_>, Vec<_>) = merged.into_iter().unzip();
    let mut resampled = TimeSeries::new(ts, vs, TimestampStyle::Date).ok()?.resample(granularity);
    let last_start = granularity.bucket_start(through);
    let complete = granularity.next(last_start).pred_opt().is_some_and(|end| end <= through);
    if !complete && resampled.len() > 1 {
        let keep = resampled.len() - 1;
        resampled = TimeSeries::new(
            resampled.timestamps()[..keep].to_vec(),
            resampled.values()[..keep].to_vec(),
            TimestampStyle::Date,
        )
        .ok()?;
    }
    Some(resampled)
}

/// Forecasts `series` for a location from its daily history.
pub fn forecast_location(
    series: ForecastSeries,
    location_id: &str,
    daily: &[(NaiveDate, f64)],
    through: NaiveDate,
) -> Result<(Inputs, StoredForecast), ForecastError> {
    let history = bucketed(series, daily, through).ok_or(ForecastError::NotEnoughData { needed: 1, got: 0 })?;
    let inputs = Inputs {
        series,
        location_id: location_id.to_owned(),
        points: history.len(),
        first: history.timestamps().first().map(|t| t.date()),
        last: history.timestamps().last().map(|t| t.date()),
        total: history.values().iter().sum(),
    };
    let report = forecast_series(&history, series.horizon(), None)?;
    let points = report
        .timestamps
        .iter()
        .zip(&report.forecast.points)
        .map(|(at, p)| BandPoint {
            at: at.date(),
            forecast: p.forecast.max(0.0),
            lo80: p.lo80.max(0.0),
            hi80: p.hi80.max(0.0),
            lo95: p.lo95.max(0.0),
            hi95: p.hi95.max(0.0),
        })
        .collect();
    let shown = history.len().saturating_sub(series.actuals_shown());
    let actuals = history.timestamps()[shown..]
        .iter()
        .zip(&history.values()[shown..])
        .map(|(at, value)| Actual { at: at.date(), value: *value })
        .collect();
    let stored = StoredForecast {
        model: report.forecast.model,
        model_version: report.forecast.model.version(),
        season: report.forecast.season,
        season_detected: report.season_detected,
        points,
        baseline: report.baseline.point_forecasts(),
        backtest: report.backtest,
        actuals,
    };
    Ok((inputs, stored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::SplitMix64;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn daily_sales(days: i64, seed: u64) -> Vec<(NaiveDate, f64)> {
        let mut rng = SplitMix64::new(seed);
        let start = day(2025, 5, 5);
        (0..days)
            .map(|i| {
                let date = start + chrono::Duration::days(i);
                let weekend = if i % 7 >= 5 { 2.0 } else { 0.0 };
                (date, (3.0 + weekend + rng.normal()).round().max(0.0))
            })
            .collect()
    }

    #[test]
    fn series_names_round_trip() {
        for series in ForecastSeries::ALL {
            assert_eq!(ForecastSeries::parse(series.as_str()), Some(series));
        }
        assert_eq!(ForecastSeries::parse("sales_daily"), None);
    }

    #[test]
    fn an_unfinished_week_is_left_out() {
        // 2025-05-05 is a Monday; through a Wednesday three weeks later.
        let daily = daily_sales(30, 1);
        let weeks = bucketed(ForecastSeries::SalesWeekly, &daily, day(2025, 5, 28)).expect("weeks");
        assert_eq!(weeks.len(), 3);
        let through_sunday = bucketed(ForecastSeries::SalesWeekly, &daily, day(2025, 6, 1)).expect("weeks");
        assert_eq!(through_sunday.len(), 4);
    }

    #[test]
    fn days_without_rows_count_as_zero() {
        let daily = vec![(day(2026, 1, 1), 4.0), (day(2026, 1, 4), 2.0)];
        let days = bucketed(ForecastSeries::ServiceDaily, &daily, day(2026, 1, 5)).expect("days");
        assert_eq!(days.values(), [4.0, 0.0, 0.0, 2.0, 0.0]);
    }

    #[test]
    fn a_weekly_forecast_has_bands_a_baseline_and_a_backtest() {
        let daily = daily_sales(540, 7);
        let through = day(2025, 5, 5) + chrono::Duration::days(539);
        let (inputs, stored) =
            forecast_location(ForecastSeries::SalesWeekly, "loc-north", &daily, through).expect("a forecast");
        assert_eq!(stored.points.len(), 13);
        assert_eq!(stored.baseline.len(), 13);
        assert!(stored.points.iter().all(|p| p.lo95 <= p.lo80 && p.lo80 <= p.forecast && p.forecast <= p.hi80));
        assert!(stored.points.iter().all(|p| p.hi80 <= p.hi95));
        let backtest = stored.backtest.expect("a backtest");
        assert!(backtest.mase.is_finite() && backtest.smape.is_finite());
        assert_eq!(inputs.points, 77);
        assert!(stored.actuals.len() == 26 && stored.points[0].at > stored.actuals[25].at);
    }
}

/// Whether a workshop operation counts as doing `service` (from the model's maintenance
/// intervals): its name appears in the operation, or it is the routine service ("Service: oil and
/// filters") that covers the yearly oil service or EV health check.
pub fn service_done_by(service: &str, operation: &str) -> bool {
    let (service, operation) = (service.to_lowercase(), operation.to_lowercase());
    operation.contains(&service)
        || (operation.starts_with("service:") && matches!(service.as_str(), "oil service" | "ev health check"))
}

#[cfg(test)]
mod service_tests {
    use super::service_done_by;

    #[test]
    fn a_routine_service_counts_as_the_oil_service_but_not_the_brake_fluid() {
        assert!(service_done_by("Oil service", "Service: oil and filters"));
        assert!(service_done_by("Brake fluid", "Brake fluid change"));
        assert!(!service_done_by("Brake fluid", "Service: oil and filters"));
        assert!(!service_done_by("Major service", "Replace front pads and discs"));
    }
}

/// An anomaly found by a scan of a location's daily series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub metric: String,
    /// The worst day of the episode, and the episode's first and last day.
    pub day: NaiveDate,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub observed: f64,
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    pub score: f64,
    pub severity: super::anomaly::Severity,
}

/// Scans a daily series (days without rows are zeros) with the tuning-free detector and returns
/// the episodes that end within the last `recent_days` up to `through`: the scan runs after new
/// data, so older episodes were found (or dismissed) by earlier scans.
pub fn scan_daily(
    metric: &str,
    daily: &[(NaiveDate, f64)],
    through: NaiveDate,
    recent_days: i64,
) -> Result<Vec<Found>, super::anomaly::AnomalyError> {
    use super::anomaly::auto::{detect, AutoOptions};
    let Some(series) = bucketed(ForecastSeries::ServiceDaily, daily, through) else {
        return Ok(Vec::new());
    };
    let days: Vec<NaiveDate> = series.timestamps().iter().map(|t| t.date()).collect();
    let detection = detect(metric, series.values(), AutoOptions { calendar_hints: &[7, 365], known_events: &[] })?;
    let since = through - chrono::Duration::days(recent_days);
    Ok(detection
        .alerts
        .iter()
        .filter(|a| days[a.end] > since)
        .map(|a| Found {
            metric: metric.to_owned(),
            day: days[a.peak],
            first_day: days[a.start],
            last_day: days[a.end],
            observed: a.observed,
            expected: a.expected,
            lower: a.lower,
            upper: a.upper,
            score: a.score,
            severity: a.severity,
        })
        .collect())
}

#[cfg(test)]
mod scan_tests {
    use super::*;
    use crate::analytics::synthetic::SplitMix64;

    #[test]
    fn a_recent_collapse_is_found_and_old_history_is_left_alone() {
        let mut rng = SplitMix64::new(11);
        let start = NaiveDate::from_ymd_opt(2025, 5, 1).expect("date");
        let daily: Vec<(NaiveDate, f64)> = (0..540)
            .map(|i| {
                let weekend = if i % 7 >= 5 { 6.0 } else { 0.0 };
                let level = if (530..534).contains(&i) { 0.0 } else { 10.0 + weekend + rng.normal() };
                (start + chrono::Duration::days(i), level.max(0.0))
            })
            .collect();
        let through = start + chrono::Duration::days(539);
        let found = scan_daily("daily_sales", &daily, through, 30).expect("a scan");
        assert_eq!(found.len(), 1, "{found:?}");
        let day = found[0].day;
        assert!(day >= start + chrono::Duration::days(530) && day < start + chrono::Duration::days(534));
        assert!(found[0].score < 0.0);
    }
}
