//! Robust z-scores: the median and the median absolute deviation (MAD) instead of mean and
//! standard deviation, so the anomalies being looked for do not inflate the yardstick that is
//! supposed to find them (Iglewicz & Hoaglin's modified z-score).

use super::{AnomalyError, Detector, PointScore};

/// MAD × 1.4826 estimates the standard deviation of normal data.
const MAD_TO_SD: f64 = 1.482_6;
/// Mean absolute deviation × √(π/2) estimates it too; used when more than half the points are
/// identical (e.g. many zero-sales days) and the MAD collapses to 0.
const MEAN_AD_TO_SD: f64 = 1.253_314;

/// Median by selection, O(n); reorders `values`.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let mid = n / 2;
    let (_, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let lower = values[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// (median, robust standard deviation). The spread is never 0, so scores stay finite; a
/// constant series gets a tiny spread and every deviation from it is flagged, which is right.
pub fn location_scale(values: &[f64]) -> (f64, f64) {
    let mut work = values.to_vec();
    let median = median_in_place(&mut work);
    for (w, v) in work.iter_mut().zip(values) {
        *w = (v - median).abs();
    }
    let mad = median_in_place(&mut work) * MAD_TO_SD;
    let scale = if mad > 0.0 {
        mad
    } else {
        let mean_ad = work.iter().sum::<f64>() / work.len().max(1) as f64;
        mean_ad * MEAN_AD_TO_SD
    };
    let floor = 1e-9 * median.abs().max(1.0);
    (median, scale.max(floor))
}

/// Global robust z-score: for stationary metrics and for residuals of other models.
#[derive(Debug, Clone, Copy, Default)]
pub struct RobustZ;

impl Detector for RobustZ {
    fn name(&self) -> &'static str {
        "robust z (MAD)"
    }

    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError> {
        if values.len() < 3 {
            return Err(AnomalyError::NotEnoughData { needed: 3, got: values.len() });
        }
        let (median, scale) = location_scale(values);
        Ok(values.iter().map(|&v| PointScore::new(v, median, scale)).collect())
    }
}

/// Robust z of the residual from a centred rolling median: for metrics with a drifting level
/// but no season. The median ignores a burst shorter than half its window.
#[derive(Debug, Clone, Copy)]
pub struct RollingMedian {
    pub half_window: usize,
}

impl Default for RollingMedian {
    fn default() -> Self {
        Self { half_window: 7 }
    }
}

impl RollingMedian {
    pub fn baseline(&self, values: &[f64]) -> Vec<f64> {
        let n = values.len();
        let k = self.half_window.max(1);
        let len = (2 * k + 1).min(n);
        let mut window = Vec::with_capacity(len);
        (0..n)
            .map(|i| {
                // Near the edges the window is shifted inwards, keeping its full length, and the
                // level is carried from the window's centre to `i` along the window's own slope
                // (difference of its halves' medians), so a trend does not bias the edges.
                let start = i.saturating_sub(k).min(n - len);
                let centre = start + len / 2;
                window.clear();
                window.extend_from_slice(&values[start..start + len]);
                let level = median_in_place(&mut window);
                if i == centre || len < 4 {
                    return level;
                }
                let half = len / 2;
                window.clear();
                window.extend_from_slice(&values[start..start + half]);
                let left = median_in_place(&mut window);
                window.clear();
                window.extend_from_slice(&values[start + len - half..start + len]);
                let right = median_in_place(&mut window);
                let slope = (right - left) / (len - half) as f64;
                level + slope * (i as f64 - centre as f64)
            })
            .collect()
    }
}

impl Detector for RollingMedian {
    fn name(&self) -> &'static str {
        "rolling median + robust z"
    }

    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError> {
        let needed = 2 * self.half_window + 1;
        if values.len() < needed {
            return Err(AnomalyError::NotEnoughData { needed, got: values.len() });
        }
        let baseline = self.baseline(values);
        // The spread comes from first differences (noise × √2 for a smooth level): residuals
        // from a rolling median understate it, since the median often is the point itself.
        let diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
        let (_, diff_scale) = location_scale(&diffs);
        let scale = diff_scale / std::f64::consts::SQRT_2;
        Ok(values.iter().zip(&baseline).map(|(&v, &b)| PointScore::new(v, b, scale)).collect())
    }
}

/// The naive detector every real one is compared with: mean ± k standard deviations.
#[derive(Debug, Clone, Copy, Default)]
pub struct NaiveSigma;

impl Detector for NaiveSigma {
    fn name(&self) -> &'static str {
        "naive mean/sd"
    }

    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError> {
        let n = values.len();
        if n < 3 {
            return Err(AnomalyError::NotEnoughData { needed: 3, got: n });
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        Ok(values.iter().map(|&v| PointScore::new(v, mean, sd)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlier_does_not_move_the_median_or_the_mad() {
        let mut values = vec![10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0];
        let (m1, s1) = location_scale(&values);
        values.push(1_000.0);
        let (m2, s2) = location_scale(&values);
        assert!((m1 - m2).abs() < 0.6 && (s1 - s2).abs() < 0.5);
    }

    #[test]
    fn the_outlier_gets_the_largest_score() {
        let values = [10.0, 11.0, 9.0, 10.0, 30.0, 9.5, 10.0];
        let scores = RobustZ.score(&values).unwrap();
        let top = scores.iter().enumerate().max_by(|a, b| a.1.score.abs().total_cmp(&b.1.score.abs())).unwrap();
        assert_eq!(top.0, 4);
        assert!(top.1.score > 10.0);
    }

    #[test]
    fn mostly_zero_series_still_have_a_spread() {
        let values = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0];
        let (_, scale) = location_scale(&values);
        assert!(scale > 0.1);
    }

    #[test]
    fn the_rolling_median_follows_a_drifting_level() {
        let mut rng = crate::analytics::synthetic::SplitMix64::new(1);
        let values: Vec<f64> = (0..100).map(|i| i as f64 + rng.normal()).collect();
        let scores = RollingMedian::default().score(&values).unwrap();
        assert!(scores.iter().all(|s| s.score.abs() < 3.5));
    }
}
