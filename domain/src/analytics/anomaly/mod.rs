//! Anomaly detection: detectors turn a series into per-point scores; rules turn scores into
//! alerts (threshold, minimum duration, cooldown, dedup, severity); feedback tunes the rules.
//!
//! Scores are signed and on a z-like scale (observed minus expected, over a robust spread), so a
//! rule's threshold means the same thing whichever detector produced the score.

pub mod auto;
pub mod changepoint;
pub mod ewma;
pub mod feedback;
pub mod lifecycle;
pub mod robust;
pub mod rules;
pub mod seasonal;

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnomalyError {
    #[error("need at least {needed} points, got {got}")]
    NotEnoughData { needed: usize, got: usize },
    #[error("seasonal decomposition failed: {0}")]
    Decomposition(String),
    #[error("invalid rule: {0}")]
    InvalidRule(&'static str),
}

/// The score of one observation against what the detector expected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointScore {
    pub observed: f64,
    pub expected: f64,
    /// Robust standard deviation around `expected`: the unit of `score`.
    pub spread: f64,
    /// `(observed - expected) / spread`.
    pub score: f64,
}

impl PointScore {
    pub fn new(observed: f64, expected: f64, spread: f64) -> Self {
        let score = if spread > 0.0 { (observed - expected) / spread } else { 0.0 };
        Self { observed, expected, spread, score }
    }

    /// The band of normal values for a rule with this threshold: shown around the series.
    pub fn band(&self, threshold: f64) -> (f64, f64) {
        (self.expected - threshold * self.spread, self.expected + threshold * self.spread)
    }
}

/// A detector scores every point of a batch.
pub trait Detector {
    fn name(&self) -> &'static str;
    fn score(&self, values: &[f64]) -> Result<Vec<PointScore>, AnomalyError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Severity from how far past its threshold a score went. Relative bands make severities
    /// comparable across metrics with different thresholds: at a threshold of 3.5, a score of 4
    /// is info and 11 is critical.
    pub fn from_score(score: f64, threshold: f64) -> Option<Self> {
        let ratio = score.abs() / threshold;
        if !ratio.is_finite() || ratio < 1.0 {
            return None;
        }
        Some(match ratio {
            r if r < 1.2 => Self::Info,
            r if r < 1.5 => Self::Low,
            r if r < 2.0 => Self::Medium,
            r if r < 3.0 => Self::High,
            _ => Self::Critical,
        })
    }

    /// High and critical reach people immediately; the rest wait for their digest.
    pub fn notifies_immediately(self) -> bool {
        self >= Self::High
    }

    pub const ALL: [Severity; 5] = [Self::Info, Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The `anomalies:{severity}` room this severity fans out to.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_grows_with_the_score_relative_to_the_threshold() {
        assert_eq!(Severity::from_score(3.0, 3.5), None);
        assert_eq!(Severity::from_score(-3.6, 3.5), Some(Severity::Info));
        assert_eq!(Severity::from_score(4.5, 3.5), Some(Severity::Low));
        assert_eq!(Severity::from_score(6.0, 3.5), Some(Severity::Medium));
        assert_eq!(Severity::from_score(8.0, 3.5), Some(Severity::High));
        assert_eq!(Severity::from_score(11.0, 3.5), Some(Severity::Critical));
    }

    #[test]
    fn severities_round_trip_through_their_names() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
        assert_eq!(Severity::parse("urgent"), None);
    }

    #[test]
    fn only_high_and_critical_notify_at_once() {
        assert!(!Severity::Medium.notifies_immediately());
        assert!(Severity::High.notifies_immediately());
    }
}
