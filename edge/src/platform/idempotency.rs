//! Idempotency keys on mutating requests: a retried or replayed request (the PWA's offline
//! outbox, a flaky network) is applied once, and every repeat gets the first answer back.

use super::bindings;
use super::body::read_body;
use super::clock::now_rfc3339;
use super::problem::{ApiError, ApiResult};
use forecourt_domain::identity::Principal;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response};

pub const HEADER: &str = "idempotency-key";

#[derive(Deserialize)]
struct Stored {
    request_hash: String,
    status: i64,
    response: String,
}

fn valid_key(key: &str) -> bool {
    (1..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Runs `apply` with the request body once per (caller, key); without a key it simply runs.
pub async fn once<F, Fut>(req: &mut Request, env: &Env, principal: &Principal, apply: F) -> ApiResult<Response>
where
    F: FnOnce(Vec<u8>) -> Fut,
    Fut: Future<Output = ApiResult<Response>>,
{
    let key = req.headers().get(HEADER).ok().flatten();
    let body = read_body(req).await?;
    let Some(key) = key else {
        return apply(body).await;
    };
    if !valid_key(&key) {
        return Err(ApiError::InvalidInput {
            field: HEADER.into(),
            detail: "an idempotency key is 1 to 128 letters, digits, '-', '_', '.' or ':'".into(),
        });
    }
    let method = req.method().to_string();
    let path = req.path();
    let request_hash = format!(
        "{:x}",
        Sha256::new().chain_update(method.as_bytes()).chain_update(path.as_bytes()).chain_update(&body).finalize()
    );
    let db = bindings::database(env)?;

    // Claim the key first: of two concurrent attempts exactly one inserts the row and runs.
    let claimed = db
        .prepare(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status, response, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 0, '', ?6) ON CONFLICT (principal, key) DO NOTHING",
        )
        .bind(&[
            JsValue::from_str(&principal.subject),
            JsValue::from_str(&key),
            JsValue::from_str(&method),
            JsValue::from_str(&path),
            JsValue::from_str(&request_hash),
            JsValue::from_str(&now_rfc3339()),
        ])?
        .run()
        .await?
        .meta()?
        .and_then(|m| m.changes)
        .unwrap_or(0);
    if claimed == 0 {
        let stored: Option<Stored> = db
            .prepare("SELECT request_hash, status, response FROM idempotency_keys WHERE principal = ?1 AND key = ?2")
            .bind(&[JsValue::from_str(&principal.subject), JsValue::from_str(&key)])?
            .first(None)
            .await?;
        let stored = stored.ok_or_else(|| ApiError::Internal("idempotency row vanished".into()))?;
        if stored.request_hash != request_hash {
            return Err(ApiError::IdempotencyMismatch);
        }
        if stored.status == 0 {
            return Err(ApiError::IdempotencyInFlight);
        }
        let mut replay = Response::from_bytes(stored.response.into_bytes())?.with_status(stored.status as u16);
        replay.headers_mut().set("content-type", "application/json")?;
        replay.headers_mut().set("idempotent-replayed", "true")?;
        return Ok(replay);
    }

    match apply(body).await {
        Ok(mut response) => {
            let text = response.text().await?;
            let status = response.status_code();
            let headers = response.headers().clone();
            db.prepare("UPDATE idempotency_keys SET status = ?1, response = ?2 WHERE principal = ?3 AND key = ?4")
                .bind(&[
                    JsValue::from(status),
                    JsValue::from_str(&text),
                    JsValue::from_str(&principal.subject),
                    JsValue::from_str(&key),
                ])?
                .run()
                .await?;
            Ok(Response::from_bytes(text.into_bytes())?.with_status(status).with_headers(headers))
        }
        Err(error) => {
            // A refused request changed nothing: release the key so a corrected retry can run.
            db.prepare("DELETE FROM idempotency_keys WHERE principal = ?1 AND key = ?2")
                .bind(&[JsValue::from_str(&principal.subject), JsValue::from_str(&key)])?
                .run()
                .await?;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_are_short_and_plain() {
        assert!(valid_key("outbox:7f3a-12"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(129)));
    }
}
