//! Seasonal-decomposition residuals: MSTL splits the series into trend, season(s) and remainder;
//! the remainder is scored with a robust z. Robust STL iterations down-weight outliers while
//! fitting, so an anomaly stays in the remainder instead of being absorbed into the season.

use super::robust::location_scale;
use super::{AnomalyError, Detector, PointScore};
use augurs_mstl::stlrs::{MstlParams, StlParams};

#[derive(Debug, Clone)]
pub struct SeasonalResidual {
    /// Season lengths, shortest first (e.g. `[24, 168]` for hourly data).
    pub periods: Vec<usize>,
}

impl SeasonalResidual {
    pub fn new(period: usize) -> Self {
        Self { periods: vec![period] }
    }

    /// (trend + seasonal, remainder) per point.
    pub fn decompose(&self, values: &[f64]) -> Result<(Vec<f64>, Vec<f64>), AnomalyError> {
        let longest = self.periods.iter().copied().max().unwrap_or(0);
        let needed = 2 * longest + 1;
        if longest < 2 || values.len() < needed {
            return Err(AnomalyError::NotEnoughData { needed: needed.max(5), got: values.len() });
        }
        let mut stl = StlParams::new();
        // A trend window of a few seasons keeps a short burst out of the trend; 61 points is two
        // months of daily data, long enough for that and short enough to follow the year.
        let trend_length = odd((3 * longest).max(61));
        stl.robust(true).trend_length(trend_length);
        let mut params = MstlParams::new();
        params
            .stl_params(stl)
            // Wide seasonal smoothers: a season that changes slowly is what makes a deviation
            // stand out.
            .seasonal_lengths(&vec![35; self.periods.len()]);
        let fit = params.fit(values, &self.periods).map_err(|e| AnomalyError::Decomposition(e.to_string()))?;
        let remainder = fit.remainder().to_vec();
        let expected = values.iter().zip(&remainder).map(|(v, r)| v - r).collect();
        Ok((expected, remainder))
    }
}

fn odd(n: usize) -> usize {
    if n.is_multiple_of(2) {
        n + 1
    } else {
        n
    }
}

impl Detector for SeasonalResidual {
    fn name(&self) -> &'static str {
        "MSTL residual + robust z"
    }

    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError> {
        let (expected, remainder) = self.decompose(values)?;
        let (centre, remainder_scale) = location_scale(&remainder);
        // The remainder understates the noise by the share the smoothers absorbed (about 10 %
        // here, more at the ends of the series), which turns into false alarms in the tails.
        // Differences one season apart estimate the noise (× √2) independently of any fit; the
        // larger of the two is used so the band never claims more certainty than the data has.
        let shortest = self.periods.iter().copied().min().unwrap_or(1);
        let seasonal_diffs: Vec<f64> =
            values.iter().skip(shortest).zip(values).map(|(now, before)| now - before).collect();
        let (_, diff_scale) = location_scale(&seasonal_diffs);
        // With few cycles the season itself is estimated from few points per phase; its error
        // adds to the noise (variance × (1 + 1/cycles)).
        let cycles = (values.len() / shortest.max(1)).max(1) as f64;
        let scale = remainder_scale.max(diff_scale / std::f64::consts::SQRT_2) * (1.0 + 1.0 / cycles).sqrt();
        Ok(values.iter().zip(&expected).map(|(&v, &e)| PointScore::new(v, e + centre, scale)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::{self, SeriesSpec};

    #[test]
    fn an_injected_spike_stands_out_of_the_residuals() {
        let series = synthetic::generate(&SeriesSpec::hourly_telemetry(4));
        let scores = SeasonalResidual::new(24).score(&series.values).unwrap();
        for anomaly in &series.anomalies {
            let peak = (anomaly.start..=anomaly.end).map(|i| scores[i].score.abs()).fold(0.0, f64::max);
            assert!(peak > 4.0, "{anomaly:?} scored {peak}");
        }
    }

    #[test]
    fn too_short_a_series_is_refused() {
        let err = SeasonalResidual::new(24).score(&[1.0; 30]).unwrap_err();
        assert!(matches!(err, AnomalyError::NotEnoughData { .. }));
    }
}
