//! Anomaly scans of a location's daily business series (sales, lead inflow), run by the
//! location's `Recompute` object (debounced 1 s, at most 5 s) when a manager asks for one.
//!
//! Each scan looks at the whole history with the tuning-free detector and records the episodes
//! of the last 30 days that no anomaly already covers (within a week either side), so a repeated
//! scan never raises the same incident twice.

use super::anomaly_records;
use super::notify::{self, Note};
use crate::platform::audit;
use crate::platform::bindings;
use crate::platform::cache;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::problem::{ApiError, ApiResult};
use crate::realtime::publish;
use chrono::{Duration, NaiveDate};
use forecourt_domain::analytics::serving::{scan_daily, Found};
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::Principal;
use forecourt_domain::realtime::RoomEvent;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// Episodes ending this many days before the newest data are left to earlier scans.
const RECENT_DAYS: i64 = 30;

const SERIES: &[(&str, &str, &str)] = &[
    (
        "daily_sales",
        "rule-daily-sales",
        "SELECT substr(sold_at, 1, 10) AS day, CAST(COUNT(*) AS REAL) AS value FROM sales WHERE location_id = ?1 GROUP BY day ORDER BY day",
    ),
    (
        "daily_leads",
        "rule-daily-leads",
        "SELECT substr(created_at, 1, 10) AS day, CAST(COUNT(*) AS REAL) AS value FROM leads WHERE location_id = ?1 GROUP BY day ORDER BY day",
    ),
];

#[derive(Deserialize)]
struct DailyRow {
    day: String,
    value: f64,
}

/// Scans every series of `location`; returns how many new anomalies were raised.
pub async fn run(env: &Env, location: &str, actor: &Principal) -> ApiResult<usize> {
    let db = bindings::database(env)?;
    let mut raised = 0;
    for (metric, rule, sql) in SERIES {
        let rows: Vec<DailyRow> = db.prepare(*sql).bind(&[JsValue::from_str(location)])?.all().await?.results()?;
        let daily: Vec<(NaiveDate, f64)> = rows
            .iter()
            .filter_map(|r| NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok().map(|d| (d, r.value)))
            .collect();
        let Some(through) = daily.last().map(|(d, _)| *d) else { continue };
        let found = scan_daily(metric, &daily, through, RECENT_DAYS).map_err(|e| ApiError::Internal(e.to_string()))?;
        for episode in found {
            if record(env, &db, location, rule, &episode, actor).await? {
                raised += 1;
            }
        }
    }
    if raised > 0 {
        cache::invalidate(&bindings::cache(env)?, CacheKind::Dashboard).await?;
    }
    Ok(raised)
}

/// Inserts `episode` unless an anomaly of the metric at the location already covers it.
async fn record(
    env: &Env,
    db: &D1Database,
    location: &str,
    rule: &str,
    episode: &Found,
    actor: &Principal,
) -> ApiResult<bool> {
    let id = random_token("an_").map_err(|e| ApiError::Internal(e.to_string()))?;
    let now = now_rfc3339();
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let insert = db
        .prepare(
            "INSERT INTO anomalies (id, metric, location_id, at, observed, expected, band_low, band_high, score, severity, \
             status, detector, rule_id, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'detected', 'auto_scan', ?11, ?12, ?12 \
             WHERE NOT EXISTS (SELECT 1 FROM anomalies WHERE metric = ?2 AND location_id = ?3 \
             AND substr(at, 1, 10) BETWEEN ?13 AND ?14)",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(&episode.metric),
            JsValue::from_str(location),
            JsValue::from_str(&format!("{}T23:00:00Z", day(episode.day))),
            JsValue::from_f64(episode.observed),
            JsValue::from_f64(episode.expected),
            JsValue::from_f64(episode.lower),
            JsValue::from_f64(episode.upper),
            JsValue::from_f64(episode.score),
            JsValue::from_str(episode.severity.as_str()),
            JsValue::from_str(rule),
            JsValue::from_str(&now),
            JsValue::from_str(&day(episode.first_day - Duration::days(7))),
            JsValue::from_str(&day(episode.last_day + Duration::days(7))),
        ])?;
    let history = db
        .prepare(
            "INSERT INTO anomaly_history (anomaly_id, from_status, to_status, actor_id, note, at) \
             SELECT ?1, NULL, 'detected', NULL, 'raised by an anomaly scan', ?2 WHERE changes() = 1",
        )
        .bind(&[JsValue::from_str(&id), JsValue::from_str(&now)])?;
    let audit =
        audit::entry_if_changed(db, actor, "anomaly.raised", "anomaly", &id, &serde_json::Value::Null, episode)?;
    let results = db.batch(vec![insert, history, audit]).await?;
    let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) == 1;
    if !inserted {
        return Ok(false);
    }
    let event = RoomEvent::AnomalyRaised {
        anomaly_id: id.clone(),
        location_id: location.to_owned(),
        metric: episode.metric.clone(),
        severity: episode.severity,
        observed: episode.observed,
        expected: episode.expected,
    };
    publish::event(env, &event).await;
    for user in anomaly_records::responders(db, Some(location)).await? {
        notify::send(
            env,
            Note {
                user_id: &user,
                title: format!("{} anomaly at {location}: {}", episode.severity, episode.metric),
                body: format!("{}: observed {:.1}, expected {:.1}", episode.day, episode.observed, episode.expected),
                link: format!("/manager/anomalies/{id}"),
                immediate: episode.severity.notifies_immediately(),
            },
        )
        .await?;
    }
    Ok(true)
}
