//! Rules turn scores into alerts, per metric: a threshold, a direction, a minimum duration (how
//! many consecutive points must breach before anyone is bothered), and a cooldown inside which a
//! new breach merges into the open alert instead of raising a duplicate.
//!
//! One streaming engine serves both batch scans and live telemetry, so a replayed history raises
//! exactly the alerts the live stream would have.

use super::{AnomalyError, PointScore, Severity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Both,
    /// Only surprises upwards matter (coolant temperature, comeback rate).
    Above,
    /// Only drops matter (sales, lead inflow).
    Below,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub metric: String,
    pub threshold: f64,
    pub direction: Direction,
    /// Consecutive breaching points needed to raise an alert.
    pub min_duration: usize,
    /// Points after an alert's last breach during which a new breach merges into it.
    pub cooldown: usize,
}

impl Rule {
    pub fn new(metric: impl Into<String>, threshold: f64) -> Result<Self, AnomalyError> {
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(AnomalyError::InvalidRule("threshold must be a positive number"));
        }
        Ok(Self { metric: metric.into(), threshold, direction: Direction::Both, min_duration: 1, cooldown: 3 })
    }

    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    pub fn min_duration(mut self, points: usize) -> Self {
        self.min_duration = points.max(1);
        self
    }

    pub fn cooldown(mut self, points: usize) -> Self {
        self.cooldown = points;
        self
    }

    fn breaches(&self, score: f64) -> bool {
        match self.direction {
            Direction::Both => score.abs() >= self.threshold,
            Direction::Above => score >= self.threshold,
            Direction::Below => -score >= self.threshold,
        }
    }
}

/// An alert as raised: the worst point of the episode, its band and severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub metric: String,
    pub start: usize,
    pub end: usize,
    pub peak: usize,
    pub observed: f64,
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    pub score: f64,
    pub severity: Severity,
    /// Breaches merged into this alert during its cooldown (0 = just the first).
    pub merged: usize,
}

/// What a pushed point did: the edge fans out `Raised` and only updates on `Merged`.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertUpdate {
    Raised(Alert),
    Merged(Alert),
}

#[derive(Debug, Clone)]
pub struct RuleEngine {
    rule: Rule,
    /// Current run of consecutive breaches: (start, best index, best score).
    run: Option<(usize, usize, PointScore)>,
    run_length: usize,
    open: Option<Alert>,
    closed: Vec<Alert>,
}

impl RuleEngine {
    pub fn new(rule: Rule) -> Self {
        Self { rule, run: None, run_length: 0, open: None, closed: Vec::new() }
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Feeds point `index`. `suppressed` marks known events (holidays, planned closures) that
    /// must not alert however odd they look.
    pub fn push(&mut self, index: usize, score: &PointScore, suppressed: bool) -> Option<AlertUpdate> {
        if let Some(open) = &self.open {
            // Consecutive breaches always belong to one alert, even with no cooldown.
            if index > open.end + self.rule.cooldown.max(1) {
                self.closed.extend(self.open.take());
            }
        }
        if suppressed || !self.rule.breaches(score.score) {
            self.run = None;
            self.run_length = 0;
            return None;
        }
        self.run_length += 1;
        let run = self.run.get_or_insert((index, index, *score));
        if score.score.abs() > run.2.score.abs() {
            run.1 = index;
            run.2 = *score;
        }
        let (start, peak, peak_score) = *run;
        if self.run_length < self.rule.min_duration {
            return None;
        }
        let threshold = self.rule.threshold;
        let (lower, upper) = peak_score.band(threshold);
        let severity = Severity::from_score(peak_score.score, threshold)?;
        match &mut self.open {
            Some(open) => {
                let first_breach_of_run = self.run_length == self.rule.min_duration;
                open.end = index;
                if peak_score.score.abs() > open.score.abs() {
                    open.peak = peak;
                    open.observed = peak_score.observed;
                    open.expected = peak_score.expected;
                    open.lower = lower;
                    open.upper = upper;
                    open.score = peak_score.score;
                    open.severity = open.severity.max(severity);
                }
                if first_breach_of_run && start > open.start {
                    open.merged += 1;
                }
                Some(AlertUpdate::Merged(open.clone()))
            }
            None => {
                let alert = Alert {
                    metric: self.rule.metric.clone(),
                    start,
                    end: index,
                    peak,
                    observed: peak_score.observed,
                    expected: peak_score.expected,
                    lower,
                    upper,
                    score: peak_score.score,
                    severity,
                    merged: 0,
                };
                self.open = Some(alert.clone());
                Some(AlertUpdate::Raised(alert))
            }
        }
    }

    pub fn finish(mut self) -> Vec<Alert> {
        self.closed.extend(self.open.take());
        self.closed
    }
}

/// Batch form: all alerts of a scored series. `suppressed` lists indices of known events.
pub fn apply(rule: &Rule, scores: &[PointScore], suppressed: &[usize]) -> Vec<Alert> {
    let mut engine = RuleEngine::new(rule.clone());
    let mut known = suppressed.to_vec();
    known.sort_unstable();
    for (i, score) in scores.iter().enumerate() {
        engine.push(i, score, known.binary_search(&i).is_ok());
    }
    engine.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[f64]) -> Vec<PointScore> {
        values.iter().map(|&z| PointScore::new(z, 0.0, 1.0)).collect()
    }

    #[test]
    fn a_single_breach_raises_one_alert_with_its_severity() {
        let rule = Rule::new("sales", 3.5).unwrap();
        let alerts = apply(&rule, &scores(&[0.0, 0.5, 8.0, 0.2, 0.0]), &[]);
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].peak, alerts[0].severity), (2, Severity::High));
    }

    #[test]
    fn breaches_shorter_than_the_minimum_duration_do_not_alert() {
        let rule = Rule::new("coolant", 3.0).unwrap().min_duration(3);
        assert!(apply(&rule, &scores(&[0.0, 5.0, 5.0, 0.0, 5.0]), &[]).is_empty());
        let alerts = apply(&rule, &scores(&[0.0, 5.0, 5.0, 5.0, 0.0]), &[]);
        assert_eq!((alerts.len(), alerts[0].start, alerts[0].end), (1, 1, 3));
    }

    #[test]
    fn a_breach_within_the_cooldown_merges_instead_of_duplicating() {
        let rule = Rule::new("leads", 3.0).unwrap().cooldown(5);
        let alerts = apply(&rule, &scores(&[4.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0]), &[]);
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].merged, alerts[0].peak, alerts[0].severity), (1, 3, Severity::Critical));
    }

    #[test]
    fn a_breach_after_the_cooldown_is_a_new_alert() {
        let rule = Rule::new("leads", 3.0).unwrap().cooldown(2);
        let alerts = apply(&rule, &scores(&[4.0, 0.0, 0.0, 0.0, 4.0]), &[]);
        assert_eq!(alerts.len(), 2);
    }

    #[test]
    fn the_direction_limits_which_surprises_count() {
        let rule = Rule::new("sales", 3.0).unwrap().direction(Direction::Below);
        assert!(apply(&rule, &scores(&[6.0]), &[]).is_empty());
        assert_eq!(apply(&rule, &scores(&[-6.0]), &[]).len(), 1);
    }

    #[test]
    fn known_events_are_suppressed() {
        let rule = Rule::new("sales", 3.0).unwrap();
        assert!(apply(&rule, &scores(&[0.0, -9.0, 0.0]), &[1]).is_empty());
    }

    #[test]
    fn a_streaming_engine_reports_raise_then_merge() {
        let mut engine = RuleEngine::new(Rule::new("v", 3.0).unwrap().cooldown(4));
        let first = engine.push(0, &PointScore::new(5.0, 0.0, 1.0), false);
        let second = engine.push(2, &PointScore::new(6.0, 0.0, 1.0), false);
        assert!(matches!(first, Some(AlertUpdate::Raised(_))));
        assert!(matches!(second, Some(AlertUpdate::Merged(_))));
    }

    #[test]
    fn a_threshold_must_be_positive() {
        assert!(Rule::new("x", 0.0).is_err());
        assert!(Rule::new("x", f64::NAN).is_err());
    }
}
