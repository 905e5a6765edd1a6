//! Stored predictions: one row per subject (a location's series, a vehicle's maintenance),
//! recomputed in place so `prediction:{id}` keeps naming the same thing; `computations` counts
//! the runs, `created_at` is when the current one was computed.

use crate::platform::audit;
use crate::platform::bindings;
use crate::platform::cache;
use crate::platform::clock::now_rfc3339;
use crate::platform::problem::{ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::caching::CacheKind;
use forecourt_domain::identity::Principal;
use forecourt_domain::realtime::RoomEvent;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PredictionRow {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub location_id: Option<String>,
    pub model_version: String,
    pub inputs: String,
    pub output: String,
    pub created_at: String,
    pub computations: i64,
}

/// The JSON a client sees: inputs and output as objects, and when it was computed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PredictionView {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub location_id: Option<String>,
    pub model_version: String,
    pub computed_at: String,
    pub computations: i64,
    pub inputs: serde_json::Value,
    pub output: serde_json::Value,
}

impl PredictionRow {
    pub fn view(self) -> PredictionView {
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        PredictionView {
            inputs: parse(&self.inputs),
            output: parse(&self.output),
            id: self.id,
            kind: self.kind,
            subject: self.subject,
            location_id: self.location_id,
            model_version: self.model_version,
            computed_at: self.created_at,
            computations: self.computations,
        }
    }
}

const COLUMNS: &str = "id, kind, subject, location_id, model_version, inputs, output, created_at, computations";

pub async fn find(db: &D1Database, id: &str) -> ApiResult<Option<PredictionRow>> {
    Ok(db
        .prepare(format!("SELECT {COLUMNS} FROM predictions WHERE id = ?1"))
        .bind(&[JsValue::from_str(id)])?
        .first(None)
        .await?)
}

/// A stable id per (kind, subject), safe in a room name.
pub fn id_for(kind: &str, subject: &str) -> String {
    let clean: String =
        subject.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("pred-{kind}-{clean}")
}

pub struct NewPrediction<'a, I: Serialize, O: Serialize> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub location_id: Option<&'a str>,
    pub model_version: &'a str,
    pub inputs: &'a I,
    pub output: &'a O,
    /// The headline number pushed live (next period's forecast) with its 80 % band.
    pub headline: Option<(f64, f64, f64)>,
    /// The short name of what was predicted, for the live event (`sales_weekly`, `maintenance`).
    pub label: &'a str,
    /// Keep the stored row when the new computation gives the same inputs and output (plans
    /// computed on read); recomputations that must be counted set this to false.
    pub only_if_changed: bool,
}

/// Stores a fresh computation (insert or replace in place, counting runs), audits it as done by
/// `actor`, pushes it to `prediction:{id}` and the location's dashboard, and retires the cached
/// dashboard.
pub async fn store<I: Serialize, O: Serialize>(
    env: &Env,
    actor: &Principal,
    new: NewPrediction<'_, I, O>,
) -> ApiResult<PredictionRow> {
    let db = bindings::database(env)?;
    let id = id_for(new.kind, new.subject);
    let inputs = to_json(new.inputs)?;
    let output = to_json(new.output)?;
    let before = find(&db, &id).await?;
    if new.only_if_changed
        && before
            .as_ref()
            .is_some_and(|b| b.output == output && b.inputs == inputs && b.model_version == new.model_version)
    {
        // Same answer as stored: reading it again is not a new computation to record.
        return before.ok_or_else(|| ApiError::Internal(format!("prediction {id} vanished")));
    }
    let now = now_rfc3339();
    let upsert = db
        .prepare(
            "INSERT INTO predictions (id, kind, subject, location_id, model_version, inputs, output, created_at, computations) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1) ON CONFLICT (id) DO UPDATE SET model_version = excluded.model_version, \
             inputs = excluded.inputs, output = excluded.output, created_at = excluded.created_at, \
             computations = predictions.computations + 1",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(new.kind),
            JsValue::from_str(new.subject),
            new.location_id.map(JsValue::from_str).unwrap_or(JsValue::NULL),
            JsValue::from_str(new.model_version),
            JsValue::from_str(&inputs),
            JsValue::from_str(&output),
            JsValue::from_str(&now),
        ])?;
    // The audit keeps what changed, not the whole output (which can be large): version and time.
    let summary = |p: Option<&PredictionRow>| {
        p.map(|p| serde_json::json!({"model_version": p.model_version, "computed_at": p.created_at, "computations": p.computations}))
    };
    let after = serde_json::json!({
        "model_version": new.model_version,
        "computed_at": now,
        "computations": before.as_ref().map_or(1, |b| b.computations + 1),
    });
    let audit = audit::entry_if_changed(
        &db,
        actor,
        "prediction.computed",
        "prediction",
        &id,
        &summary(before.as_ref()),
        &after,
    )?;
    db.batch(vec![upsert, audit]).await?;
    let row = find(&db, &id).await?.ok_or_else(|| ApiError::Internal(format!("prediction {id} vanished")))?;

    if let Some(location) = new.location_id {
        let (value, lower, upper) = new.headline.unwrap_or((0.0, 0.0, 0.0));
        let event = RoomEvent::PredictionReady {
            prediction_id: id.clone(),
            location_id: location.to_owned(),
            model_version: new.model_version.to_owned(),
            subject: new.label.to_owned(),
            value,
            lower: new.headline.map(|_| lower),
            upper: new.headline.map(|_| upper),
        };
        publish::event(env, &event).await;
        cache::invalidate(&bindings::cache(env)?, CacheKind::Dashboard).await?;
    }
    Ok(row)
}

fn to_json<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))
}
