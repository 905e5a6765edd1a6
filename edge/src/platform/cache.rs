//! KV read-through cache with generation-based invalidation.
//!
//! KV cannot delete by prefix, so each invalidation scope has a generation number that is part
//! of every key; a write bumps it and all older keys stop being read (they expire by TTL).

use super::problem::ApiResult;
use forecourt_domain::caching::CacheKind;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use worker::kv::KvStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Miss,
}

impl CacheStatus {
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Hit => "HIT",
            Self::Miss => "MISS",
        }
    }
}

fn generation_key(kind: CacheKind) -> String {
    format!("gen:{}", kind.scope())
}

async fn generation(kv: &KvStore, kind: CacheKind) -> ApiResult<String> {
    Ok(kv.get(&generation_key(kind)).text().await?.unwrap_or_else(|| "0".into()))
}

/// Retires every cached entry in `kind`'s scope. Call after the write has committed.
pub async fn invalidate(kv: &KvStore, kind: CacheKind) -> ApiResult<()> {
    // A timestamp never repeats an older generation, even when two writers race.
    let next = format!("{}", js_sys::Date::now() as u64);
    kv.put(&generation_key(kind), next)?.execute().await?;
    Ok(())
}

/// Returns the cached value for `key`, or loads, stores and returns it.
pub async fn read_through<T, F, Fut>(kv: &KvStore, kind: CacheKind, key: &str, load: F) -> ApiResult<(T, CacheStatus)>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let full_key = kind.key(&generation(kv, kind).await?, key);
    if let Some(cached) = kv.get(&full_key).json::<T>().await? {
        return Ok((cached, CacheStatus::Hit));
    }
    let fresh = load().await?;
    kv.put(&full_key, serde_json::to_string(&fresh).map_err(|e| super::problem::ApiError::Internal(e.to_string()))?)?
        .expiration_ttl(kind.ttl_seconds())
        .execute()
        .await?;
    Ok((fresh, CacheStatus::Miss))
}
