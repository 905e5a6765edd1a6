//! Analytics demo data: telematics units on customers' cars (with known tokens, so the live
//! telemetry path can be tried from the README), and the anomalies detectors found in the
//! history, at several stages of their lifecycle, so the manager dashboard is not empty.

use super::history::LABELLED_ANOMALIES;
use super::sql::{Insert, Value};
use sha2::{Digest, Sha256};

/// Demo telematics units: (id, owned vehicle, location, token, revoked). The tokens are public
/// demo credentials (README); production units get random `fcd_` tokens and only their hash.
pub const TELEMATICS: &[(&str, &str, &str, &str, bool)] = &[
    ("dev-telematics-alex", "own-00001", "loc-north", "fcd_demo-telematics-alex-a4", false),
    ("dev-telematics-sam", "own-00002", "loc-south", "fcd_demo-telematics-sam-tiguan", false),
    ("dev-telematics-retired", "own-00003", "loc-north", "fcd_demo-telematics-retired-golf", true),
];

/// Detected anomalies on the demo history: (id, metric, location, day, observed, expected,
/// score, severity, status, assignee).
type DemoAnomaly = (&'static str, &'static str, &'static str, &'static str, f64, f64, f64, &'static str, &'static str);
const FOUND: &[DemoAnomaly] = &[
    ("an-0001", "daily_sales", "loc-city", "2026-06-08", 0.0, 4.1, -9.2, "high", "acknowledged"),
    ("an-0002", "daily_sales", "loc-south", "2026-02-20", 14.0, 2.8, 12.5, "critical", "detected"),
    ("an-0003", "daily_leads", "loc-north", "2025-11-03", 41.0, 11.6, 8.4, "high", "resolved"),
    ("an-0004", "daily_sales", "loc-north", "2026-08-17", 1.0, 3.9, -5.6, "medium", "detected"),
    ("an-0005", "daily_leads", "loc-north", "2026-09-14", 19.0, 12.2, 4.3, "info", "detected"),
    ("an-0006", "daily_sales", "loc-north", "2026-10-05", 7.0, 3.6, 4.9, "low", "detected"),
    ("an-0007", "daily_leads", "loc-south", "2026-10-12", 3.0, 10.4, -5.1, "medium", "detected"),
    // Closed with a verdict: the feedback the daily sales rule has been tuned from so far.
    ("an-0008", "daily_sales", "loc-north", "2026-03-02", 7.0, 3.8, 3.6, "info", "false_positive"),
    ("an-0009", "daily_sales", "loc-south", "2026-04-13", 6.0, 2.9, 3.8, "info", "false_positive"),
    ("an-0010", "daily_sales", "loc-north", "2026-05-11", 0.0, 4.2, -6.0, "medium", "resolved"),
    ("an-0011", "daily_sales", "loc-south", "2026-07-20", 12.0, 3.1, 7.2, "high", "resolved"),
];

fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

pub fn write(out: &mut String) {
    let mut devices = Insert::into(
        "devices",
        &["id", "kind", "name", "location_id", "owned_vehicle_id", "token_hash", "created_at", "revoked_at"],
    );
    for (id, vehicle, location, token, revoked) in TELEMATICS {
        devices.row(vec![
            (*id).into(),
            "telematics".into(),
            format!("Telematics unit on {vehicle}").into(),
            (*location).into(),
            (*vehicle).into(),
            token_hash(token).into(),
            "2026-01-15T09:00:00Z".into(),
            revoked.then_some("2026-09-01T09:00:00Z").into(),
        ]);
    }
    devices.write_to(out);

    let mut anomalies = Insert::into(
        "anomalies",
        &[
            "id",
            "metric",
            "location_id",
            "at",
            "observed",
            "expected",
            "band_low",
            "band_high",
            "score",
            "severity",
            "status",
            "assignee_id",
            "detector",
            "rule_id",
            "created_at",
            "updated_at",
        ],
    );
    let mut feedback =
        Insert::into("anomaly_feedback", &["anomaly_id", "rule_id", "metric", "score", "verdict", "user_id", "at"]);
    let mut history =
        Insert::into("anomaly_history", &["anomaly_id", "from_status", "to_status", "actor_id", "note", "at"]);
    for &(id, metric, location, day, observed, expected, score, severity, status) in FOUND {
        let at = format!("{day}T23:00:00Z");
        let spread = ((observed - expected) / score).abs();
        let assignee: Option<&str> = match (status, location) {
            ("detected", _) => None,
            (_, "loc-south") => Some("usr-manager-south"),
            (_, "loc-north") => Some("usr-manager-north"),
            _ => Some("usr-admin"),
        };
        let rule = if metric == "daily_sales" { "rule-daily-sales" } else { "rule-daily-leads" };
        anomalies.row(vec![
            id.into(),
            metric.into(),
            location.into(),
            at.clone().into(),
            observed.into(),
            expected.into(),
            (expected - 3.5 * spread).into(),
            (expected + 3.5 * spread).into(),
            score.into(),
            severity.into(),
            status.into(),
            assignee.into(),
            "seasonal_residual".into(),
            rule.into(),
            at.clone().into(),
            at.clone().into(),
        ]);
        history.row(vec![
            id.into(),
            Value::Null,
            "detected".into(),
            Value::Null,
            "raised by the nightly scan".into(),
            at.clone().into(),
        ]);
        if status == "resolved" || status == "false_positive" {
            feedback.row(vec![
                id.into(),
                rule.into(),
                metric.into(),
                score.into(),
                status.into(),
                assignee.into(),
                at.clone().into(),
            ]);
        }
        if status != "detected" {
            history.row(vec![id.into(), "detected".into(), status.into(), assignee.into(), Value::Null, at.into()]);
        }
    }
    anomalies.write_to(out);
    history.write_to(out);
    feedback.write_to(out);
    // The labels are the ground truth these were scored against (see docs/analytics.md).
    debug_assert!(LABELLED_ANOMALIES.len() <= FOUND.len());
}
