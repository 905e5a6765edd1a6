//! Change points: where a metric's level moves for good (a new competitor opens, a price list
//! changes). Bayesian online change-point detection from `augurs-changepoint` finds them; each is
//! then sized by the difference of the segment medians around it, in robust standard deviations.

use super::robust::{location_scale, median_in_place};
use augurs_changepoint::{dist::NormalGamma, Detector as _, NormalGammaDetector};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangePoint {
    /// First index of the new regime.
    pub index: usize,
    pub level_before: f64,
    pub level_after: f64,
    /// Shift in robust standard deviations of the whole series' point-to-point noise.
    pub score: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct ChangePoints {
    /// Expected run length between changes, in points (BOCPD's hazard λ).
    pub expected_run: f64,
    /// Shifts smaller than this many noise standard deviations are not reported.
    pub min_score: f64,
}

impl Default for ChangePoints {
    fn default() -> Self {
        Self { expected_run: 250.0, min_score: 2.0 }
    }
}

impl ChangePoints {
    pub fn detect(&self, values: &[f64]) -> Vec<ChangePoint> {
        if values.len() < 10 {
            return Vec::new();
        }
        // The noise level is estimated from first differences, which a level shift barely
        // touches (one large difference among many), unlike the overall spread.
        let diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
        let (_, diff_scale) = location_scale(&diffs);
        let noise = diff_scale / std::f64::consts::SQRT_2;
        let (centre, _) = location_scale(values);
        // The prior (mean 0, unit precision) fits standardised data, so standardise first.
        let standardised: Vec<f64> = values.iter().map(|v| (v - centre) / noise).collect();
        let prior = NormalGamma::new_unchecked(0.0, 1.0, 1.0, 1.0);
        let mut detector = NormalGammaDetector::normal_gamma(self.expected_run, prior);
        let mut indices = detector.detect_changepoints(&standardised);
        indices.retain(|&i| i > 0 && i < values.len());
        indices.sort_unstable();
        indices.dedup();
        let mut bounds = vec![0];
        bounds.extend(indices.iter().copied());
        bounds.push(values.len());
        let mut found = Vec::new();
        for w in bounds.windows(3) {
            let mut before = values[w[0]..w[1]].to_vec();
            let mut after = values[w[1]..w[2]].to_vec();
            let level_before = median_in_place(&mut before);
            let level_after = median_in_place(&mut after);
            let score = (level_after - level_before) / noise;
            if score.abs() >= self.min_score {
                found.push(ChangePoint { index: w[1], level_before, level_after, score });
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::SplitMix64;

    #[test]
    fn finds_a_level_shift_near_where_it_happened() {
        let mut rng = SplitMix64::new(5);
        let values: Vec<f64> = (0..300).map(|i| if i < 180 { 50.0 } else { 58.0 } + 2.0 * rng.normal()).collect();
        let found = ChangePoints::default().detect(&values);
        assert!(found.iter().any(|c| c.index.abs_diff(180) <= 3 && c.score > 2.0), "{found:?}");
    }

    #[test]
    fn a_stable_series_has_no_change_points() {
        let mut rng = SplitMix64::new(6);
        let values: Vec<f64> = (0..300).map(|_| 50.0 + 2.0 * rng.normal()).collect();
        assert!(ChangePoints::default().detect(&values).is_empty());
    }
}
