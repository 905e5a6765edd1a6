//! Staff verdicts on alerts (false positive, resolved = it was real) tune each rule's threshold.
//!
//! Verdicts only exist for alerts that were raised, so they can tell that a threshold is too low
//! (false positives above it) but never directly that it is too high. The tuner therefore raises
//! a threshold to shed false positives where that costs few real anomalies (a missed real one
//! weighs twice a false alarm), lowers it only a little after a long run without false
//! positives, and moves halfway towards its target each time so one bad week cannot swing it.

use serde::{Deserialize, Serialize};

/// The range a tuned threshold stays in: below it every wobble alerts, above it nothing does.
pub const THRESHOLD_FLOOR: f64 = 2.5;
pub const THRESHOLD_CEILING: f64 = 12.0;

/// Verdicts needed before a threshold moves at all.
pub const MIN_FEEDBACK: usize = 5;
/// Clean verdicts in a row (no false positive) before the tuner probes a lower threshold.
const CLEAN_RUN_TO_LOWER: usize = 20;
const MISSED_REAL_COST: f64 = 2.0;
const STEP: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    FalsePositive,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The alert's peak score (absolute).
    pub score: f64,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tuning {
    pub threshold: f64,
    pub false_positives: usize,
    pub confirmed: usize,
}

/// The threshold to use next, kept within `[min, max]`.
pub fn tune_threshold(current: f64, feedback: &[Feedback], min: f64, max: f64) -> Tuning {
    let false_positives = feedback.iter().filter(|f| f.verdict == Verdict::FalsePositive).count();
    let confirmed = feedback.len() - false_positives;
    let unchanged = Tuning { threshold: current.clamp(min, max), false_positives, confirmed };
    if feedback.len() < MIN_FEEDBACK {
        return unchanged;
    }
    let target = if false_positives == 0 {
        if feedback.len() >= CLEAN_RUN_TO_LOWER {
            current * 0.95
        } else {
            current
        }
    } else {
        let cost = |t: f64| {
            feedback
                .iter()
                .map(|f| match f.verdict {
                    Verdict::FalsePositive if f.score.abs() >= t => 1.0,
                    Verdict::Resolved if f.score.abs() < t => MISSED_REAL_COST,
                    _ => 0.0,
                })
                .sum::<f64>()
        };
        // Candidates: the current threshold and just above each false positive's score.
        let mut best = (cost(current), current);
        for f in feedback.iter().filter(|f| f.verdict == Verdict::FalsePositive) {
            let t = f.score.abs() * 1.001;
            let c = cost(t);
            if c < best.0 || (c == best.0 && t < best.1) {
                best = (c, t);
            }
        }
        best.1
    };
    Tuning { threshold: (current + STEP * (target - current)).clamp(min, max), ..unchanged }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fb(score: f64, verdict: Verdict) -> Feedback {
        Feedback { score, verdict }
    }

    #[test]
    fn false_positives_below_the_real_anomalies_raise_the_threshold() {
        let feedback = [
            fb(3.6, Verdict::FalsePositive),
            fb(3.8, Verdict::FalsePositive),
            fb(3.9, Verdict::FalsePositive),
            fb(6.0, Verdict::Resolved),
            fb(7.5, Verdict::Resolved),
        ];
        let tuned = tune_threshold(3.5, &feedback, 2.5, 8.0);
        assert!(tuned.threshold > 3.5 && tuned.threshold < 3.91 * 1.001);
        assert_eq!((tuned.false_positives, tuned.confirmed), (3, 2));
    }

    #[test]
    fn a_threshold_is_not_raised_past_real_anomalies_for_one_false_alarm() {
        let feedback = [
            fb(9.0, Verdict::FalsePositive),
            fb(4.0, Verdict::Resolved),
            fb(5.0, Verdict::Resolved),
            fb(6.0, Verdict::Resolved),
            fb(4.5, Verdict::Resolved),
        ];
        assert_eq!(tune_threshold(3.5, &feedback, 2.5, 8.0).threshold, 3.5);
    }

    #[test]
    fn too_little_feedback_changes_nothing() {
        let feedback = [fb(3.6, Verdict::FalsePositive)];
        assert_eq!(tune_threshold(3.5, &feedback, 2.5, 8.0).threshold, 3.5);
    }

    #[test]
    fn a_long_clean_run_lowers_the_threshold_a_little() {
        let feedback = vec![fb(5.0, Verdict::Resolved); 25];
        let tuned = tune_threshold(4.0, &feedback, 2.5, 8.0).threshold;
        assert!(tuned < 4.0 && tuned > 3.8);
    }
}
