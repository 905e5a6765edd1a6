//! `POST /api/telemetry`: readings from a telematics unit, for the one vehicle it is fitted to.
//!
//! Readings are validated (`domain::analytics::telemetry`), stored, and scored on arrival by the
//! streaming detectors. Each (vehicle, signal) keeps its detector state in D1 (`detector_state`,
//! versioned), so the baseline survives restarts and is the same whichever isolate answers. A
//! breach opens an anomaly, or, inside the rule's cooldown, counts as one more occurrence of the
//! open one; new anomalies are published live and reach the location's managers (high and
//! critical at once).

use super::anomaly_records::{self, AnomalySummary};
use super::notify::{self, Note};
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::cache;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::crypto::random_token;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use chrono::{DateTime, SecondsFormat, Utc};
use forecourt_domain::analytics::telemetry::{
    score_reading, Dedup, RawReading, Reading, Signal, SignalState, StreamAlert, StreamRule, MAX_READINGS,
};
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response, Result, RouteContext};

/// Attempts at the read-score-write of one signal's state when another request got there first.
const STATE_ATTEMPTS: usize = 3;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TelemetryRequest {
    /// Optional: a unit may name its vehicle; it must be the one it is fitted to.
    #[serde(default)]
    vehicle_id: Option<String>,
    readings: Vec<RawReading>,
}

#[derive(Deserialize)]
struct Device {
    owned_vehicle_id: Option<String>,
    location_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RaisedAlert {
    anomaly_id: String,
    metric: &'static str,
    at: String,
    score: f64,
    severity: String,
    dedup: Dedup,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    vehicle_id: String,
    stored: usize,
    alerts: Vec<RaisedAlert>,
}

#[utoipa::path(post, path = "/api/telemetry", tag = "analytics", security(("device_token" = [])),
    request_body = TelemetryRequest,
    responses((status = 201, description = "Readings stored and scored; alerts raised or repeated", body = Accepted)))]
pub async fn ingest(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(ingest_readings(req, ctx).await)
}

async fn ingest_readings(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    if principal.role != Role::Telematics {
        return Err(ApiError::Forbidden("telemetry is sent by telematics units with their device token".into()));
    }
    let env = ctx.env.clone();
    let (vehicle, location) = fitted_vehicle(&env, &principal).await?;
    idempotency::once(&mut req, &env, &principal.clone(), |body| {
        ingest_once(body, env.clone(), principal, vehicle, location)
    })
    .await
}

/// The vehicle (and location) the calling unit is fitted to; a unit without one sends nothing.
async fn fitted_vehicle(env: &Env, principal: &Principal) -> ApiResult<(String, Option<String>)> {
    let device: Option<Device> = bindings::database(env)?
        .prepare("SELECT owned_vehicle_id, location_id FROM devices WHERE id = ?1 AND kind = 'telematics' AND revoked_at IS NULL")
        .bind(&[JsValue::from_str(&principal.subject)])?
        .first(None)
        .await?;
    match device {
        Some(Device { owned_vehicle_id: Some(vehicle), location_id }) => Ok((vehicle, location_id)),
        _ => Err(ApiError::Forbidden("this unit is not fitted to a vehicle".into())),
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn ingest_once(
    body: Vec<u8>,
    env: Env,
    principal: Principal,
    vehicle: String,
    location_id: Option<String>,
) -> ApiResult<Response> {
    let request: TelemetryRequest = parse_json(&body)?;
    let db = bindings::database(&env)?;
    if request.vehicle_id.as_deref().is_some_and(|v| v != vehicle) {
        return Err(ApiError::Forbidden("a unit reports only for the vehicle it is fitted to".into()));
    }
    if request.readings.is_empty() || request.readings.len() > MAX_READINGS {
        return Err(ApiError::InvalidInput {
            field: "readings".into(),
            detail: format!("send 1 to {MAX_READINGS} readings per request"),
        });
    }
    let now = DateTime::<Utc>::from_timestamp_millis(now_millis() as i64)
        .ok_or_else(|| ApiError::Internal("clock out of range".into()))?;
    let mut readings: Vec<Reading> = Vec::with_capacity(request.readings.len());
    for (index, raw) in request.readings.into_iter().enumerate() {
        readings.push(
            raw.validate(index, now)
                .map_err(|e| ApiError::InvalidInput { field: e.field.clone(), detail: e.reason.clone() })?,
        );
    }
    readings.sort_by_key(|r| r.at);

    store(&db, &principal.subject, &vehicle, &readings).await?;
    let mut alerts = Vec::new();
    for signal in Signal::ALL {
        for alert in score_signal(&db, signal, &vehicle, &readings).await? {
            alerts.push(raise(&env, &db, &principal, &vehicle, location_id.as_deref(), alert).await?);
        }
    }
    let accepted = Accepted { vehicle_id: vehicle, stored: readings.len(), alerts };
    Ok(Response::from_json(&accepted)?.with_status(201))
}

/// The readings, and the vehicle's odometer if it moved on (maintenance prediction reads it).
async fn store(db: &D1Database, device: &str, vehicle: &str, readings: &[Reading]) -> ApiResult<()> {
    let optional = |v: Option<f64>| v.map(JsValue::from_f64).unwrap_or(JsValue::NULL);
    let mut statements = Vec::with_capacity(readings.len() + 1);
    for reading in readings {
        let codes = serde_json::to_string(&reading.fault_codes).map_err(|e| ApiError::Internal(e.to_string()))?;
        statements.push(
            db.prepare(
                "INSERT INTO telemetry (device_id, owned_vehicle_id, at, battery_v, coolant_c, odometer_km, fault_codes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(&[
                JsValue::from_str(device),
                JsValue::from_str(vehicle),
                JsValue::from_str(&rfc3339(reading.at)),
                optional(reading.battery_v),
                optional(reading.coolant_c),
                optional(reading.odometer_km.map(f64::from)),
                JsValue::from_str(&codes),
            ])?,
        );
    }
    if let Some(latest) = readings.iter().filter_map(|r| r.odometer_km.map(|km| (r.at, km))).max_by_key(|(_, km)| *km) {
        statements.push(
            db.prepare(
                "UPDATE owned_vehicles SET mileage_km = ?1, mileage_at = ?2, version = version + 1 \
                 WHERE id = ?3 AND mileage_km < ?1",
            )
            .bind(&[
                JsValue::from_f64(f64::from(latest.1)),
                JsValue::from_str(&rfc3339(latest.0)),
                JsValue::from_str(vehicle),
            ])?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}

#[derive(Deserialize)]
struct RuleRow {
    id: String,
    threshold: f64,
    min_duration: u32,
    cooldown_minutes: u32,
}

#[derive(Deserialize)]
struct StateRow {
    state: String,
    version: i64,
}

/// Scores one signal's readings against its stored state; retries if another request updated
/// the same state in between, so no reading is scored twice or lost from the baseline.
async fn score_signal(
    db: &D1Database,
    signal: Signal,
    vehicle: &str,
    readings: &[Reading],
) -> ApiResult<Vec<StreamAlert>> {
    if readings.iter().all(|r| signal.value(r).is_none()) {
        return Ok(Vec::new());
    }
    let rule: Option<RuleRow> = db
        .prepare("SELECT id, threshold, min_duration, cooldown_minutes FROM anomaly_rules WHERE metric = ?1 AND active = 1 ORDER BY id LIMIT 1")
        .bind(&[JsValue::from_str(signal.metric())])?
        .first(None)
        .await?;
    let Some(rule) = rule else { return Ok(Vec::new()) };
    let rule = StreamRule {
        rule_id: rule.id,
        threshold: rule.threshold,
        direction: signal.direction(),
        min_duration: rule.min_duration,
        cooldown_minutes: rule.cooldown_minutes,
    };
    for _ in 0..STATE_ATTEMPTS {
        let stored: Option<StateRow> = db
            .prepare("SELECT state, version FROM detector_state WHERE subject = ?1 AND metric = ?2")
            .bind(&[JsValue::from_str(vehicle), JsValue::from_str(signal.metric())])?
            .first(None)
            .await?;
        let (mut state, version) = match &stored {
            Some(row) => (
                serde_json::from_str::<SignalState>(&row.state).unwrap_or_else(|_| SignalState::new(signal)),
                row.version,
            ),
            None => (SignalState::new(signal), 0),
        };
        let alerts: Vec<StreamAlert> = readings
            .iter()
            .filter_map(|r| signal.value(r).and_then(|v| score_reading(signal, &mut state, &rule, r.at, v)))
            .collect();
        let json = serde_json::to_string(&state).map_err(|e| ApiError::Internal(e.to_string()))?;
        let result = db
            .prepare(
                "INSERT INTO detector_state (subject, metric, state, version, updated_at) VALUES (?1, ?2, ?3, 1, ?4) \
                 ON CONFLICT (subject, metric) DO UPDATE SET state = excluded.state, version = detector_state.version + 1, \
                 updated_at = excluded.updated_at WHERE detector_state.version = ?5",
            )
            .bind(&[
                JsValue::from_str(vehicle),
                JsValue::from_str(signal.metric()),
                JsValue::from_str(&json),
                JsValue::from_str(&now_rfc3339()),
                JsValue::from_f64(version as f64),
            ])?
            .run()
            .await?;
        if result.meta()?.and_then(|m| m.changes).unwrap_or(0) == 1 {
            return Ok(alerts);
        }
    }
    Err(ApiError::Internal(format!("detector state for {vehicle}/{} kept changing", signal.metric())))
}

/// Opens an anomaly for `alert`, or counts it towards the open one inside the cooldown.
async fn raise(
    env: &Env,
    db: &D1Database,
    device: &Principal,
    vehicle: &str,
    location: Option<&str>,
    alert: StreamAlert,
) -> ApiResult<RaisedAlert> {
    let metric = alert.signal.metric();
    let at = rfc3339(alert.at);
    let now = now_rfc3339();
    let raised = |anomaly_id: String, dedup| RaisedAlert {
        anomaly_id,
        metric,
        at: at.clone(),
        score: alert.score.score,
        severity: alert.severity.as_str().into(),
        dedup,
    };
    if alert.dedup == Dedup::Repeat {
        let open: Option<AnomalySummary> = db
            .prepare(format!(
                "SELECT {} FROM anomalies WHERE metric = ?1 AND subject = ?2 AND status NOT IN ('resolved','false_positive') \
                 ORDER BY created_at DESC LIMIT 1",
                anomaly_records::COLUMNS
            ))
            .bind(&[JsValue::from_str(metric), JsValue::from_str(vehicle)])?
            .first(None)
            .await?;
        if let Some(open) = open {
            let mut after = open.clone();
            after.occurrences += 1;
            after.version += 1;
            after.updated_at = now.clone();
            if alert.score.score.abs() > open.score.abs() {
                after.score = alert.score.score;
                after.observed = alert.score.observed;
            }
            let update = db
                .prepare(
                    "UPDATE anomalies SET occurrences = occurrences + 1, score = ?1, observed = ?2, version = version + 1, \
                     updated_at = ?3 WHERE id = ?4 AND version = ?5",
                )
                .bind(&[
                    JsValue::from_f64(after.score),
                    JsValue::from_f64(after.observed),
                    JsValue::from_str(&now),
                    JsValue::from_str(&open.id),
                    JsValue::from_f64(open.version as f64),
                ])?;
            let audit = audit::entry_if_changed(db, device, "anomaly.repeated", "anomaly", &open.id, &open, &after)?;
            db.batch(vec![update, audit]).await?;
            return Ok(raised(open.id, Dedup::Repeat));
        }
    }

    let id = random_token("an_").map_err(|e| ApiError::Internal(e.to_string()))?;
    let (band_low, band_high) = alert.band;
    let rule_id = match alert.signal {
        Signal::BatteryV => "rule-battery-v",
        Signal::CoolantC => "rule-coolant-c",
    };
    let null_or = |v: Option<&str>| v.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let insert = db
        .prepare(
            "INSERT INTO anomalies (id, metric, location_id, subject, at, observed, expected, band_low, band_high, score, \
             severity, status, detector, rule_id, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'detected', 'ewma', r.id, ?12, ?12 \
             FROM (SELECT id FROM anomaly_rules WHERE metric = ?2 ORDER BY id = ?13 DESC, id LIMIT 1) r",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(metric),
            null_or(location),
            JsValue::from_str(vehicle),
            JsValue::from_str(&at),
            JsValue::from_f64(alert.score.observed),
            JsValue::from_f64(alert.score.expected),
            JsValue::from_f64(band_low),
            JsValue::from_f64(band_high),
            JsValue::from_f64(alert.score.score),
            JsValue::from_str(alert.severity.as_str()),
            JsValue::from_str(&now),
            JsValue::from_str(rule_id),
        ])?;
    let history = db
        .prepare(
            "INSERT INTO anomaly_history (anomaly_id, from_status, to_status, actor_id, note, at) \
             SELECT ?1, NULL, 'detected', NULL, ?2, ?3 WHERE changes() = 1",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(&format!("raised by telematics unit {}", device.subject)),
            JsValue::from_str(&now),
        ])?;
    let audit =
        audit::entry_if_changed(db, device, "anomaly.raised", "anomaly", &id, &serde_json::Value::Null, &alert)?;
    db.batch(vec![insert, history, audit]).await?;

    let event = RoomEvent::AnomalyRaised {
        anomaly_id: id.clone(),
        location_id: location.unwrap_or_default().to_owned(),
        metric: metric.into(),
        severity: alert.severity,
        observed: alert.score.observed,
        expected: alert.score.expected,
    };
    publish::event(env, &event).await;
    cache::invalidate(&bindings::cache(env)?, CacheKind::Dashboard).await?;
    for user in anomaly_records::responders(db, location).await? {
        notify::send(
            env,
            Note {
                user_id: &user,
                title: format!("{} anomaly on vehicle {vehicle}: {metric}", alert.severity),
                body: format!("Observed {:.1}, expected {:.1}", alert.score.observed, alert.score.expected),
                link: format!("/manager/anomalies/{id}"),
                immediate: alert.severity.notifies_immediately(),
            },
        )
        .await?;
    }
    Ok(raised(id, Dedup::Raise))
}
