//! Finding the season length of a series from the data, so that neither the CLI user nor a
//! dashboard has to know it.
//!
//! Candidates come from two places: the peaks of a Welch periodogram (`augurs-seasons`) and the
//! calendar (7 for daily data, 12 for monthly…). The periodogram rounds periods to its frequency
//! grid, so its neighbours are tried too. Each candidate `p` is then verified the classical way:
//! remove the local level with a centred moving average of length `p` (which cancels a season of
//! length `p` and keeps the trend), and measure the autocorrelation of what is left at lag `p`.
//! A real season leaves a strong correlation; a trend or a random walk does not.

use augurs_seasons::PeriodogramDetector;
use serde::Serialize;

/// Below this lag-`p` autocorrelation a "season" is too weak to be worth modelling. Trending
/// random walks reach about 0.28 by chance; the weakest real season in the demo data is 0.48.
const MIN_STRENGTH: f64 = 0.35;
/// A divisor of the best candidate this close to it is preferred: 7 over its multiple 14.
const FUNDAMENTAL_SLACK: f64 = 0.1;
/// A season must repeat at least this often in the data to be believed.
const MIN_CYCLES: usize = 4;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeasonReport {
    /// The chosen season length, or `None` when the data shows none.
    pub period: Option<usize>,
    /// Lag-`period` autocorrelation of the detrended series (0 when none).
    pub strength: f64,
    /// Every candidate tried with its strength, strongest first.
    pub candidates: Vec<(usize, f64)>,
}

/// Detects the dominant season. `calendar_hints` are periods the timestamps suggest (see
/// `Cadence::calendar_seasons`); they are candidates, not answers.
pub fn detect(values: &[f64], calendar_hints: &[usize]) -> SeasonReport {
    let n = values.len();
    let max_period = n / MIN_CYCLES;
    let mut candidates: Vec<usize> = calendar_hints.iter().copied().filter(|&p| p >= 2 && p <= max_period).collect();
    if n >= 16 {
        let detrended = detrend_linear(values);
        let detector = PeriodogramDetector::builder().min_period(2).threshold(0.5).build();
        let periodogram = detector.periodogram(&detrended);
        for peak in periodogram.peaks(0.5) {
            // The periodogram's frequency grid is coarse at long periods (a 96-point series
            // cannot represent 12 exactly), so every integer between a peak's grid neighbours
            // is a candidate, within a quarter of the peak's own period.
            let p = peak.period as usize;
            let reach = (p / 4).max(1);
            let low = (peak.next_period as usize).max(p.saturating_sub(reach)).max(2);
            let high = (peak.prev_period as usize).min(p + reach).max(p + 1);
            candidates.extend((low..=high).filter(|&q| q <= max_period));
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut scored: Vec<(usize, f64)> =
        candidates.into_iter().map(|p| (p, seasonal_autocorrelation(values, p))).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let chosen = scored.first().copied().filter(|c| c.1 >= MIN_STRENGTH).map(|best| {
        let close = |s: f64| s >= MIN_STRENGTH && s >= best.1 - FUNDAMENTAL_SLACK;
        // The calendar breaks near-ties: 52 weeks, not the periodogram's 51.
        let calendar = scored.iter().copied().find(|(p, s)| calendar_hints.contains(p) && close(*s));
        let anchor = calendar.unwrap_or(best);
        scored.iter().copied().filter(|(p, s)| anchor.0 % p == 0 && close(*s)).min_by_key(|(p, _)| *p).unwrap_or(anchor)
    });
    SeasonReport { period: chosen.map(|c| c.0), strength: chosen.map(|c| c.1).unwrap_or(0.0), candidates: scored }
}

/// Lag-`p` autocorrelation after removing a centred moving average of length `p`.
pub fn seasonal_autocorrelation(values: &[f64], p: usize) -> f64 {
    let n = values.len();
    if p < 2 || n < 3 * p {
        return 0.0;
    }
    let half = p / 2;
    let mut window: f64 = values[..p].iter().sum();
    let mut residual = Vec::with_capacity(n - p + 1);
    for start in 0..=n - p {
        if start > 0 {
            window += values[start + p - 1] - values[start - 1];
        }
        residual.push(values[start + half] - window / p as f64);
    }
    autocorrelation(&residual, p)
}

fn autocorrelation(values: &[f64], lag: usize) -> f64 {
    if values.len() <= lag + 1 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let denominator: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    if denominator <= f64::EPSILON {
        return 0.0;
    }
    let numerator: f64 = values.iter().zip(&values[lag..]).map(|(a, b)| (a - mean) * (b - mean)).sum();
    numerator / denominator
}

/// Removes the least-squares line, so a trend does not dominate the periodogram's low end.
pub fn detrend_linear(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    if values.len() < 2 {
        return values.to_vec();
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    values.iter().enumerate().map(|(i, y)| y - mean_y - slope * (i as f64 - mean_x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::{self, SeriesSpec, SplitMix64};

    #[test]
    fn finds_the_weekly_season_of_daily_sales_without_a_hint() {
        let series = synthetic::generate(&SeriesSpec::daily_sales(11));
        assert_eq!(detect(&series.values, &[]).period, Some(7));
    }

    #[test]
    fn finds_the_yearly_season_of_monthly_sales() {
        let series = synthetic::generate(&SeriesSpec::monthly_sales(5));
        assert_eq!(detect(&series.values, &[12]).period, Some(12));
    }

    #[test]
    fn finds_the_daily_cycle_of_hourly_telemetry() {
        let series = synthetic::generate(&SeriesSpec::hourly_telemetry(2));
        assert_eq!(detect(&series.values, &[]).period, Some(24));
    }

    #[test]
    fn a_trending_random_walk_has_no_season() {
        let mut rng = SplitMix64::new(9);
        let mut level = 100.0;
        let walk: Vec<f64> = (0..400)
            .map(|i| {
                level += rng.normal();
                level + 0.1 * i as f64
            })
            .collect();
        assert_eq!(detect(&walk, &[7, 12]).period, None);
    }

    #[test]
    fn prefers_the_fundamental_over_its_multiples() {
        let series = synthetic::generate(&SeriesSpec::daily_sales(4).with_anomalies(0));
        assert_eq!(detect(&series.values, &[14, 21, 7]).period, Some(7));
    }

    #[test]
    fn too_little_data_has_no_season() {
        assert_eq!(detect(&[1.0, 2.0, 3.0, 1.0, 2.0], &[7]).period, None);
    }
}
