//! Detection with no per-series tuning, as `forecourt-detect` and a new metric's first scan need:
//! the season, the baseline and the threshold are all chosen from the data.
//!
//! - Season: `seasonality::detect` (periodogram candidates verified by autocorrelation).
//! - Baseline: MSTL residuals when there is a season and two full cycles of it; otherwise a
//!   rolling median (level drifts, no season); for tiny series the global median.
//! - Threshold: at least 3.5 robust standard deviations (Iglewicz & Hoaglin's cut-off), and
//!   more for long series: the cut where normal noise would raise a quarter of a false alarm
//!   over the whole series (3.6 for two years of days, 5.1 for a million points), so a longer
//!   history does not mean more noise in the alert feed. Raised further when the residuals are
//!   heavier-tailed than normal, measured at the 75th percentile of |score|: far enough inside
//!   that the anomalies themselves cannot move it even in a short monthly series where a
//!   few bursts are a tenth of the points, unlike a 90th or 99th would.

use super::robust::{RobustZ, RollingMedian};
use super::rules::{self, Alert, Rule};
use super::seasonal::SeasonalResidual;
use super::{AnomalyError, Detector, PointScore};
use crate::analytics::seasonality;
use serde::Serialize;

pub const BASE_THRESHOLD: f64 = 3.5;
/// False alarms that pure normal noise may raise over a whole series.
const FALSE_ALARM_BUDGET: f64 = 0.25;
/// The 75th percentile of |z| for normal data.
const NORMAL_Q75: f64 = 1.150_349;
/// Heavy tails may double the threshold, no more: beyond that the series is mostly noise.
const MAX_TAIL_FACTOR: f64 = 2.0;
/// Breaches this close together are one incident.
const COOLDOWN: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    SeasonalResidual { period: usize },
    RollingMedian { half_window: usize },
    GlobalMedian,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoDetection {
    pub method: Method,
    pub season: Option<usize>,
    pub threshold: f64,
    pub scores: Vec<PointScore>,
    pub alerts: Vec<Alert>,
}

impl AutoDetection {
    /// Indices of every breaching point inside an alert: the rows `forecourt-detect` prints.
    pub fn anomalous_points(&self) -> Vec<usize> {
        self.alerts
            .iter()
            .flat_map(|a| a.start..=a.end)
            .filter(|&i| self.scores[i].score.abs() >= self.threshold)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AutoOptions<'a> {
    /// Seasons the calendar suggests (see `Cadence::calendar_seasons`).
    pub calendar_hints: &'a [usize],
    /// Indices of known events (holidays) that must not alert.
    pub known_events: &'a [usize],
}

pub fn detect(metric: &str, values: &[f64], options: AutoOptions<'_>) -> Result<AutoDetection, AnomalyError> {
    let n = values.len();
    if n < 3 {
        return Err(AnomalyError::NotEnoughData { needed: 3, got: n });
    }
    let season = seasonality::detect(values, options.calendar_hints).period;
    let half_window = 7.min((n - 1) / 2);
    let (method, scores) = match season {
        Some(period) if n > 2 * period => {
            let scores = SeasonalResidual::new(period).score(values)?;
            (Method::SeasonalResidual { period }, scores)
        }
        _ if half_window >= 2 => {
            let detector = RollingMedian { half_window };
            (Method::RollingMedian { half_window }, detector.score(values)?)
        }
        _ => (Method::GlobalMedian, RobustZ.score(values)?),
    };
    let threshold = threshold_from(&scores);
    let rule = Rule::new(metric, threshold)?.cooldown(COOLDOWN);
    let alerts = rules::apply(&rule, &scores, options.known_events);
    Ok(AutoDetection { method, season, threshold, scores, alerts })
}

fn threshold_from(scores: &[PointScore]) -> f64 {
    let mut magnitudes: Vec<f64> = scores.iter().map(|s| s.score.abs()).collect();
    if magnitudes.is_empty() {
        return BASE_THRESHOLD;
    }
    let k = (magnitudes.len() as f64 * 0.75) as usize;
    let k = k.min(magnitudes.len() - 1);
    let (_, q75, _) = magnitudes.select_nth_unstable_by(k, f64::total_cmp);
    let tail = (*q75 / NORMAL_Q75).clamp(1.0, MAX_TAIL_FACTOR);
    let length_cut = two_sided_normal_cut(FALSE_ALARM_BUDGET / magnitudes.len() as f64);
    BASE_THRESHOLD.max(length_cut) * tail
}

/// The `t` with P(|Z| > t) = `p` for standard normal Z, by bisection on erfc (monotone, so
/// 60 halvings of [0, 40] are exact to machine precision).
fn two_sided_normal_cut(p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if libm::erfc(mid / std::f64::consts::SQRT_2) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::metrics::score_events;
    use crate::analytics::synthetic::{self, SeriesSpec};

    fn evaluate(spec: SeriesSpec, use_holidays: bool) -> (f64, f64) {
        let series = synthetic::generate(&spec);
        let known = if use_holidays { series.holidays.clone() } else { Vec::new() };
        let options = AutoOptions { calendar_hints: &[], known_events: &known };
        let detection = detect("metric", &series.values, options).unwrap();
        assert_eq!(detection.season, Some(series.season), "season of {spec:?}");
        let detected: Vec<(usize, usize)> = detection.alerts.iter().map(|a| (a.start, a.end)).collect();
        let score = score_events(&detected, &series.labelled_ranges(), 1);
        (score.precision, score.recall)
    }

    #[test]
    fn finds_injected_anomalies_in_daily_sales_with_precision_and_recall_of_at_least_0_9() {
        for seed in 1..=5 {
            let (p, r) = evaluate(SeriesSpec::daily_sales(seed), true);
            assert!(p >= 0.9 && r >= 0.9, "seed {seed}: precision {p:.2}, recall {r:.2}");
        }
    }

    #[test]
    fn finds_injected_anomalies_in_hourly_telemetry_with_precision_and_recall_of_at_least_0_9() {
        for seed in 1..=5 {
            let (p, r) = evaluate(SeriesSpec::hourly_telemetry(seed), false);
            assert!(p >= 0.9 && r >= 0.9, "seed {seed}: precision {p:.2}, recall {r:.2}");
        }
    }

    #[test]
    fn finds_injected_anomalies_in_daily_bay_hours() {
        for seed in 1..=3 {
            let (p, r) = evaluate(SeriesSpec::daily_bay_hours(seed), true);
            assert!(p >= 0.9 && r >= 0.9, "seed {seed}: precision {p:.2}, recall {r:.2}");
        }
    }

    #[test]
    fn a_clean_series_raises_almost_nothing() {
        let series = synthetic::generate(&SeriesSpec::daily_sales(9).with_anomalies(0));
        let options = AutoOptions { calendar_hints: &[], known_events: &series.holidays };
        let detection = detect("sales", &series.values, options).unwrap();
        assert!(detection.alerts.len() <= 2, "{:?}", detection.alerts);
    }

    #[test]
    fn the_threshold_grows_with_the_length_of_the_series() {
        assert!((two_sided_normal_cut(0.05) - 1.96).abs() < 1e-3);
        let short = vec![PointScore::new(0.0, 0.0, 1.0); 100];
        let long = vec![PointScore::new(0.0, 0.0, 1.0); 1_000_000];
        assert_eq!(threshold_from(&short), BASE_THRESHOLD);
        assert!(threshold_from(&long) > 5.0);
    }

    #[test]
    fn series_without_season_use_a_rolling_median() {
        let values: Vec<f64> = (0..60).map(|i| i as f64 + if i == 30 { 40.0 } else { 0.0 }).collect();
        let detection = detect("x", &values, AutoOptions::default()).unwrap();
        assert_eq!(detection.method, Method::RollingMedian { half_window: 7 });
        assert_eq!(detection.anomalous_points(), vec![30]);
    }
}
