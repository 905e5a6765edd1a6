//! Login throttling state in D1, per email and per client address.

use crate::platform::clock::now_rfc3339;
use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::identity::throttle::{Throttle, FREE_FAILURES, FREE_FAILURES_PER_ADDRESS};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Deserialize)]
struct Row {
    failures: i64,
    locked_until: Option<String>,
}

async fn load(db: &D1Database, key: &str) -> ApiResult<Throttle> {
    let row: Option<Row> = db
        .prepare("SELECT failures, locked_until FROM login_throttle WHERE key = ?1")
        .bind(&[JsValue::from_str(key)])?
        .first(None)
        .await?;
    Ok(row
        .map(|r| Throttle {
            failures: r.failures.max(0) as u32,
            locked_until: r.locked_until.and_then(|t| t.parse().ok()),
        })
        .unwrap_or_default())
}

/// Refuses the attempt while any of `keys` is locked.
pub async fn check(db: &D1Database, keys: &[String], now: u64) -> ApiResult<()> {
    for key in keys {
        if let Some(retry_after) = load(db, key).await?.retry_after(now) {
            return Err(ApiError::TooManyRequests { retry_after });
        }
    }
    Ok(())
}

pub async fn record_failure(db: &D1Database, keys: &[String], now: u64) -> ApiResult<()> {
    for key in keys {
        let free = if key.starts_with("ip:") { FREE_FAILURES_PER_ADDRESS } else { FREE_FAILURES };
        let next = load(db, key).await?.after_failure(now, free);
        db.prepare(
            "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at",
        )
        .bind(&[
            JsValue::from_str(key),
            JsValue::from(next.failures),
            next.locked_until.map(|t| JsValue::from_str(&t.to_string())).unwrap_or(JsValue::NULL),
            JsValue::from_str(&now_rfc3339()),
        ])?
        .run()
        .await?;
    }
    Ok(())
}

pub async fn clear(db: &D1Database, keys: &[String]) -> ApiResult<()> {
    for key in keys {
        db.prepare("DELETE FROM login_throttle WHERE key = ?1").bind(&[JsValue::from_str(key)])?.run().await?;
    }
    Ok(())
}
