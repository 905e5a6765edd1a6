//! Telemetry from telematics units: validated readings, and the streaming scoring that turns
//! each reading into alerts as it arrives.
//!
//! Each vehicle signal (battery voltage, coolant temperature) keeps a small [`SignalState`]: the
//! EWMA baseline, how many consecutive points breached, and when it last alerted. The edge stores
//! it between requests, so scoring a reading is one read and one write, and a restart forgets
//! nothing.

use super::anomaly::ewma::{EwmaConfig, EwmaState};
use super::anomaly::rules::Direction;
use super::anomaly::{PointScore, Severity};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Readings accepted in one request (a unit that was offline uploads its backlog in pages).
pub const MAX_READINGS: usize = 100;
/// Fault codes accepted in one reading.
pub const MAX_FAULT_CODES: usize = 20;
/// How far ahead of the server clock a unit's timestamp may run.
const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawReading {
    pub at: String,
    #[serde(default)]
    pub battery_v: Option<f64>,
    #[serde(default)]
    pub coolant_c: Option<f64>,
    #[serde(default)]
    pub odometer_km: Option<i64>,
    #[serde(default)]
    pub fault_codes: Vec<String>,
}

/// A reading that passed every check: it can be stored and scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub at: DateTime<Utc>,
    pub battery_v: Option<f64>,
    pub coolant_c: Option<f64>,
    pub odometer_km: Option<u32>,
    pub fault_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Error)]
#[error("{field}: {reason}")]
pub struct ReadingError {
    /// The offending field, as a JSON pointer-ish path (`readings[2].battery_v`).
    pub field: String,
    pub reason: String,
}

fn invalid(index: usize, field: &str, reason: impl Into<String>) -> ReadingError {
    ReadingError { field: format!("readings[{index}].{field}"), reason: reason.into() }
}

/// An OBD-II diagnostic trouble code: P, C, B or U, then four hexadecimal digits (P0301).
pub fn is_fault_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 5
        && matches!(bytes[0], b'P' | b'C' | b'B' | b'U')
        && matches!(bytes[1], b'0'..=b'3')
        && bytes[2..].iter().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
}

impl RawReading {
    /// Checks one reading (number `index` in its request) against physical limits.
    pub fn validate(self, index: usize, now: DateTime<Utc>) -> Result<Reading, ReadingError> {
        let at = DateTime::parse_from_rfc3339(&self.at)
            .map_err(|_| invalid(index, "at", "must be an RFC 3339 timestamp"))?
            .with_timezone(&Utc);
        if at > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            return Err(invalid(index, "at", "is in the future"));
        }
        if self.battery_v.is_none()
            && self.coolant_c.is_none()
            && self.odometer_km.is_none()
            && self.fault_codes.is_empty()
        {
            return Err(invalid(index, "battery_v", "a reading needs at least one value"));
        }
        if let Some(v) = self.battery_v {
            if !(v.is_finite() && (0.0..=30.0).contains(&v)) {
                return Err(invalid(index, "battery_v", "battery voltage must be between 0 and 30 V"));
            }
        }
        if let Some(c) = self.coolant_c {
            if !(c.is_finite() && (-50.0..=150.0).contains(&c)) {
                return Err(invalid(index, "coolant_c", "coolant temperature must be between -50 and 150 °C"));
            }
        }
        let odometer_km = match self.odometer_km {
            Some(km) if !(0..=2_000_000).contains(&km) => {
                return Err(invalid(index, "odometer_km", "odometer must be between 0 and 2,000,000 km"))
            }
            Some(km) => Some(km as u32),
            None => None,
        };
        if self.fault_codes.len() > MAX_FAULT_CODES {
            return Err(invalid(index, "fault_codes", format!("at most {MAX_FAULT_CODES} fault codes per reading")));
        }
        if let Some(bad) = self.fault_codes.iter().find(|c| !is_fault_code(c)) {
            return Err(invalid(index, "fault_codes", format!("'{bad}' is not an OBD-II code such as P0301")));
        }
        Ok(Reading {
            at,
            battery_v: self.battery_v,
            coolant_c: self.coolant_c,
            odometer_km,
            fault_codes: self.fault_codes,
        })
    }
}

/// The signals scored live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    BatteryV,
    CoolantC,
}

impl Signal {
    pub const ALL: [Signal; 2] = [Self::BatteryV, Self::CoolantC];

    /// The metric name anomalies and rules use.
    pub fn metric(self) -> &'static str {
        match self {
            Self::BatteryV => "battery_v",
            Self::CoolantC => "coolant_c",
        }
    }

    /// Which surprises matter: a battery is wrong whether it sags or overcharges; a coolant only
    /// worries anyone when it runs hot.
    pub fn direction(self) -> Direction {
        match self {
            Self::BatteryV => Direction::Both,
            Self::CoolantC => Direction::Above,
        }
    }

    pub fn value(self, reading: &Reading) -> Option<f64> {
        match self {
            Self::BatteryV => reading.battery_v,
            Self::CoolantC => reading.coolant_c,
        }
    }

    /// The smallest spread a score is measured in. A healthy battery reads 12.6 V for days; without
    /// a floor, a 0.1 V wobble after a perfectly flat warm-up would score in the thousands.
    fn min_spread(self) -> f64 {
        match self {
            Self::BatteryV => 0.1,
            Self::CoolantC => 2.0,
        }
    }

    fn ewma(self) -> EwmaConfig {
        // Telematics units report every few minutes: learn a baseline from a short warm-up.
        EwmaConfig { warmup: 8, ..EwmaConfig::default() }
    }
}

/// A streaming rule, as stored in `anomaly_rules` (cooldown in minutes of wall time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRule {
    pub rule_id: String,
    pub threshold: f64,
    pub direction: Direction,
    pub min_duration: u32,
    pub cooldown_minutes: u32,
}

/// What a signal remembers between readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalState {
    pub ewma: EwmaState,
    /// Consecutive breaching readings so far.
    pub breaching: u32,
    /// When this signal last raised or repeated an alert.
    pub last_alert_at: Option<DateTime<Utc>>,
    /// The time of the newest reading learned from: older ones (a backlog arriving out of
    /// order) are stored but not scored, so a replay cannot skew the baseline.
    pub last_at: Option<DateTime<Utc>>,
}

impl SignalState {
    pub fn new(signal: Signal) -> Self {
        Self { ewma: EwmaState::new(signal.ewma()), breaching: 0, last_alert_at: None, last_at: None }
    }
}

/// Whether a breach opens a new anomaly or counts towards the one already open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Dedup {
    Raise,
    /// Within the rule's cooldown of the last alert: one more occurrence of the open anomaly.
    Repeat,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamAlert {
    pub signal: Signal,
    pub at: DateTime<Utc>,
    pub score: PointScore,
    pub band: (f64, f64),
    pub severity: Severity,
    pub dedup: Dedup,
}

fn breaches(direction: Direction, score: f64, threshold: f64) -> bool {
    match direction {
        Direction::Both => score.abs() >= threshold,
        Direction::Above => score >= threshold,
        Direction::Below => -score >= threshold,
    }
}

/// Scores `value` observed at `at`, updates `state`, and says whether to alert.
pub fn score_reading(
    signal: Signal,
    state: &mut SignalState,
    rule: &StreamRule,
    at: DateTime<Utc>,
    value: f64,
) -> Option<StreamAlert> {
    if state.last_at.is_some_and(|last| at <= last) {
        return None;
    }
    state.last_at = Some(at);
    let raw = state.ewma.update(value);
    let spread = raw.spread.max(signal.min_spread());
    // Keep the direction of whichever statistic the EWMA reported, measured in the floored unit.
    let scale = raw.spread / spread;
    let score = PointScore { spread, score: raw.score * scale, ..raw };
    if !breaches(rule.direction, score.score, rule.threshold) {
        state.breaching = 0;
        return None;
    }
    state.breaching += 1;
    if state.breaching < rule.min_duration.max(1) {
        return None;
    }
    let severity = Severity::from_score(score.score, rule.threshold)?;
    let cooldown = Duration::minutes(i64::from(rule.cooldown_minutes));
    let dedup = match state.last_alert_at {
        Some(last) if at - last <= cooldown => Dedup::Repeat,
        _ => Dedup::Raise,
    };
    state.last_alert_at = Some(at);
    Some(StreamAlert { signal, at, band: score.band(rule.threshold), score, severity, dedup })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").map(|d| d.with_timezone(&Utc)).expect("time")
    }

    fn raw(at: &str) -> RawReading {
        RawReading { at: at.into(), battery_v: Some(12.6), coolant_c: None, odometer_km: None, fault_codes: vec![] }
    }

    fn rule() -> StreamRule {
        StreamRule {
            rule_id: "rule-battery".into(),
            threshold: 4.0,
            direction: Direction::Both,
            min_duration: 1,
            cooldown_minutes: 60,
        }
    }

    fn warmed(signal: Signal) -> (SignalState, DateTime<Utc>) {
        let mut state = SignalState::new(signal);
        let mut at = now();
        for i in 0..30 {
            at += Duration::minutes(5);
            let wobble = [0.0, 0.05, -0.04, 0.02, -0.03][i % 5];
            assert!(score_reading(signal, &mut state, &rule(), at, 12.6 + wobble).is_none());
        }
        (state, at)
    }

    #[test]
    fn a_plausible_reading_is_accepted() {
        let reading = raw("2026-11-23T11:59:00Z").validate(0, now()).expect("valid");
        assert_eq!(reading.battery_v, Some(12.6));
    }

    #[test]
    fn each_implausible_field_is_named() {
        let cases: Vec<(RawReading, &str)> = vec![
            (raw("yesterday"), "readings[0].at"),
            (raw("2026-11-23T13:00:00Z"), "readings[0].at"),
            (RawReading { battery_v: Some(48.0), ..raw("2026-11-23T11:00:00Z") }, "readings[0].battery_v"),
            (RawReading { coolant_c: Some(f64::NAN), ..raw("2026-11-23T11:00:00Z") }, "readings[0].coolant_c"),
            (RawReading { odometer_km: Some(-1), ..raw("2026-11-23T11:00:00Z") }, "readings[0].odometer_km"),
            (
                RawReading { fault_codes: vec!["X9999".into()], ..raw("2026-11-23T11:00:00Z") },
                "readings[0].fault_codes",
            ),
            (RawReading { battery_v: None, ..raw("2026-11-23T11:00:00Z") }, "readings[0].battery_v"),
        ];
        for (reading, field) in cases {
            assert_eq!(reading.validate(0, now()).expect_err(field).field, field);
        }
    }

    #[test]
    fn obd_codes_are_recognised() {
        assert!(is_fault_code("P0301") && is_fault_code("U0100") && is_fault_code("C12AF"));
        assert!(!is_fault_code("P9301") && !is_fault_code("p0301") && !is_fault_code("P030"));
    }

    #[test]
    fn a_battery_collapse_alerts_on_arrival() {
        let (mut state, at) = warmed(Signal::BatteryV);
        let alert =
            score_reading(Signal::BatteryV, &mut state, &rule(), at + Duration::minutes(5), 10.9).expect("an alert");
        assert!(alert.score.score < -4.0);
        assert_eq!(alert.dedup, Dedup::Raise);
        assert!(alert.severity >= Severity::High);
    }

    #[test]
    fn a_second_breach_within_the_cooldown_repeats_the_open_alert() {
        let (mut state, at) = warmed(Signal::BatteryV);
        let first = score_reading(Signal::BatteryV, &mut state, &rule(), at + Duration::minutes(5), 10.9);
        let second = score_reading(Signal::BatteryV, &mut state, &rule(), at + Duration::minutes(10), 10.8);
        let later = score_reading(Signal::BatteryV, &mut state, &rule(), at + Duration::minutes(200), 10.7);
        assert_eq!(first.map(|a| a.dedup), Some(Dedup::Raise));
        assert_eq!(second.map(|a| a.dedup), Some(Dedup::Repeat));
        assert_eq!(later.map(|a| a.dedup), Some(Dedup::Raise));
    }

    #[test]
    fn a_minimum_duration_waits_for_consecutive_breaches() {
        let (mut state, at) = warmed(Signal::BatteryV);
        let rule = StreamRule { min_duration: 2, ..rule() };
        assert!(score_reading(Signal::BatteryV, &mut state, &rule, at + Duration::minutes(5), 10.9).is_none());
        assert!(score_reading(Signal::BatteryV, &mut state, &rule, at + Duration::minutes(10), 10.9).is_some());
    }

    #[test]
    fn an_old_reading_arriving_late_is_not_scored() {
        let (mut state, at) = warmed(Signal::BatteryV);
        assert!(score_reading(Signal::BatteryV, &mut state, &rule(), at - Duration::minutes(1), 2.0).is_none());
    }

    #[test]
    fn the_state_survives_a_round_trip_through_storage() {
        let (state, _) = warmed(Signal::CoolantC);
        let stored = serde_json::to_string(&state).expect("serialises");
        assert_eq!(serde_json::from_str::<SignalState>(&stored).expect("parses"), state);
    }
}
