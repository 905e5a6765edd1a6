//! EWMA control limits for streams scored as they arrive (vehicle telemetry, lead inflow).
//!
//! Two statistics share one baseline: the point score `(x - mean) / sd` catches jumps, and the
//! classic EWMA chart statistic `z = λx + (1-λ)z` against limits `mean ± L·sd·√(λ/(2-λ))`
//! catches small sustained shifts that no single point reveals. The baseline itself adapts
//! slowly, and outliers are clipped before they update it, so an incident does not teach the
//! detector that the incident is normal.

use super::{AnomalyError, Detector, PointScore};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EwmaConfig {
    /// Weight of the chart statistic (0.2–0.3 is the textbook range).
    pub lambda: f64,
    /// Weight of each new point in the baseline mean and variance.
    pub baseline_alpha: f64,
    /// Points used to initialise the baseline; they are scored 0.
    pub warmup: usize,
    /// Updates are clipped at this many standard deviations.
    pub clip: f64,
}

impl Default for EwmaConfig {
    fn default() -> Self {
        Self { lambda: 0.2, baseline_alpha: 0.01, warmup: 20, clip: 3.0 }
    }
}

/// The streaming state: small enough to keep per vehicle per signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwmaState {
    config: EwmaConfig,
    seen: usize,
    mean: f64,
    variance: f64,
    chart: f64,
}

impl EwmaState {
    pub fn new(config: EwmaConfig) -> Self {
        Self { config, seen: 0, mean: 0.0, variance: 0.0, chart: 0.0 }
    }

    /// Scores `x` against the state so far, then learns from it.
    pub fn update(&mut self, x: f64) -> PointScore {
        let c = self.config;
        self.seen += 1;
        if self.seen <= c.warmup.max(2) {
            // Welford's running mean and variance for the warm-up.
            let delta = x - self.mean;
            self.mean += delta / self.seen as f64;
            self.variance += (delta * (x - self.mean) - self.variance) / self.seen as f64;
            self.chart = self.mean;
            return PointScore::new(x, self.mean, self.sd());
        }
        let sd = self.sd();
        let point = PointScore::new(x, self.mean, sd);
        self.chart = c.lambda * x + (1.0 - c.lambda) * self.chart;
        let chart_sd = sd * (c.lambda / (2.0 - c.lambda)).sqrt();
        let chart_score = if chart_sd > 0.0 { (self.chart - self.mean) / chart_sd } else { 0.0 };
        let clipped = x.clamp(self.mean - c.clip * sd, self.mean + c.clip * sd);
        let delta = clipped - self.mean;
        self.mean += c.baseline_alpha * delta;
        self.variance = (1.0 - c.baseline_alpha) * (self.variance + c.baseline_alpha * delta * delta);
        // Report whichever statistic is further out, expressed as the point's own score so that
        // one threshold applies to both.
        if chart_score.abs() > point.score.abs() {
            PointScore { score: chart_score, ..point }
        } else {
            point
        }
    }

    fn sd(&self) -> f64 {
        let floor = 1e-9 * self.mean.abs().max(1.0);
        self.variance.max(0.0).sqrt().max(floor)
    }
}

/// Batch form of the same chart.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ewma {
    pub config: EwmaConfig,
}

impl Detector for Ewma {
    fn name(&self) -> &'static str {
        "EWMA control limits"
    }

    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError> {
        let needed = self.config.warmup.max(2) + 1;
        if values.len() < needed {
            return Err(AnomalyError::NotEnoughData { needed, got: values.len() });
        }
        let mut state = EwmaState::new(self.config);
        Ok(values.iter().map(|&v| state.update(v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic::SplitMix64;

    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| 90.0 + rng.normal()).collect()
    }

    #[test]
    fn a_jump_in_a_live_stream_scores_high_as_it_arrives() {
        let mut state = EwmaState::new(EwmaConfig::default());
        for v in noise(200, 1) {
            state.update(v);
        }
        assert!(state.update(98.0).score > 6.0);
    }

    #[test]
    fn a_small_sustained_shift_is_caught_by_the_chart() {
        let mut values = noise(300, 2);
        for v in &mut values[200..230] {
            *v += 1.5;
        }
        let scores = Ewma::default().score(&values).unwrap();
        assert!(scores[200..230].iter().any(|s| s.score > 3.5));
    }

    #[test]
    fn an_incident_does_not_become_the_new_normal_at_once() {
        let mut state = EwmaState::new(EwmaConfig::default());
        for v in noise(100, 3) {
            state.update(v);
        }
        for _ in 0..5 {
            state.update(150.0);
        }
        assert!(state.update(150.0).score > 10.0);
    }
}
