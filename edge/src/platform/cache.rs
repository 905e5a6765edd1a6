//! KV read-through cache with generation-based invalidation.
//!
//! KV cannot delete by prefix, so each invalidation scope has a generation number that is part
//! of every key; a write bumps it and all older keys stop being read (they expire by TTL).

use super::problem::{ApiError, ApiResult};
use super::request_scope;
use forecourt_domain::caching::CacheKind;
use serde::{de::DeserializeOwned, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use worker::kv::KvStore;
use worker::Delay;

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

/// Returns the cached value for `key`, or loads, stores and returns it; identical reads in flight
/// in this isolate are coalesced.
///
/// While one request (the leader) reads a key, another request for the same key waits for the
/// leader's answer instead of starting its own: one KV lookup and at most one D1 load for any
/// number of concurrent readers. The key includes the scope's generation, looked up by each
/// request itself, so a reader never joins a read that began before a write it has seen committed
/// (its own, say).
///
/// Followers poll the leader's slot on their own timers rather than being woken by the leader:
/// the Workers runtime cancels a request that waits only on another request's I/O as hung, and
/// code resumed from another request's event would run in that request's context. A leader that
/// is cancelled marks its slot abandoned, and its followers read for themselves.
///
/// The request's context counts `coalesced` (joined) and `origin_reads` (loaded from D1); the
/// envelope reports both. `COALESCE_READS = "off"` turns joining off, to measure what it saves.
pub async fn read_through<T, F, Fut>(kv: &KvStore, kind: CacheKind, key: &str, load: F) -> ApiResult<(T, CacheStatus)>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let full_key = kind.key(&generation(kv, kind).await?, key);
    let context = request_scope::current();
    let coalesce = context.as_ref().is_none_or(|context| context.coalesce);
    let in_flight = if coalesce { IN_FLIGHT.with(|reads| reads.borrow().get(&full_key).cloned()) } else { None };
    if let Some(slot) = in_flight {
        if let Some(outcome) = wait_for(&slot).await {
            if let Some(context) = &context {
                *context.coalesced.borrow_mut() += 1;
            }
            return decode(kind, &outcome);
        }
    }
    let leader = Leader::new(full_key.clone(), coalesce);
    let outcome = Rc::new(lookup_or_load(kv, kind, &full_key, load).await);
    leader.finish(Rc::clone(&outcome));
    if let (Some(context), Ok((_, CacheStatus::Miss))) = (&context, outcome.as_ref()) {
        *context.origin_reads.borrow_mut() += 1;
    }
    decode(kind, &outcome)
}

/// What a read produced: the value as JSON text and whether it came from the cache.
type Outcome = Rc<ApiResult<(String, CacheStatus)>>;

enum Slot {
    Pending,
    Done(Outcome),
    Abandoned,
}

type SlotRef = Rc<RefCell<Slot>>;

thread_local! {
    /// Reads in flight in this isolate, by full cache key (generation included).
    static IN_FLIGHT: RefCell<HashMap<String, SlotRef>> = RefCell::new(HashMap::new());
}

/// How long a follower waits for a leader before reading for itself.
const FOLLOW_AT_MOST_MS: f64 = 10_000.0;
const POLL_EVERY: Duration = Duration::from_millis(1);

/// The leader's answer, or `None` when it gave up or took too long.
async fn wait_for(slot: &SlotRef) -> Option<Outcome> {
    let deadline = js_sys::Date::now() + FOLLOW_AT_MOST_MS;
    loop {
        match &*slot.borrow() {
            Slot::Done(outcome) => return Some(Rc::clone(outcome)),
            Slot::Abandoned => return None,
            Slot::Pending => {}
        }
        if js_sys::Date::now() > deadline {
            return None;
        }
        Delay::from(POLL_EVERY).await;
    }
}

/// A read in flight that others may join; marks itself abandoned if dropped unfinished.
struct Leader {
    key: String,
    slot: SlotRef,
    shared: bool,
}

impl Leader {
    fn new(key: String, shared: bool) -> Self {
        let slot = Rc::new(RefCell::new(Slot::Pending));
        if shared {
            IN_FLIGHT.with(|reads| reads.borrow_mut().insert(key.clone(), Rc::clone(&slot)));
        }
        Self { key, slot, shared }
    }

    fn finish(self, outcome: Outcome) {
        *self.slot.borrow_mut() = Slot::Done(outcome);
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if matches!(*self.slot.borrow(), Slot::Pending) {
            *self.slot.borrow_mut() = Slot::Abandoned;
        }
        if self.shared {
            // Only our own entry: a follower that gave up on us may have started a newer one.
            IN_FLIGHT.with(|reads| {
                let mut reads = reads.borrow_mut();
                if reads.get(&self.key).is_some_and(|slot| Rc::ptr_eq(slot, &self.slot)) {
                    reads.remove(&self.key);
                }
            });
        }
    }
}

async fn lookup_or_load<T, F, Fut>(
    kv: &KvStore,
    kind: CacheKind,
    full_key: &str,
    load: F,
) -> ApiResult<(String, CacheStatus)>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    if let Some(cached) = kv.get(full_key).text().await? {
        return Ok((cached, CacheStatus::Hit));
    }
    let fresh = serde_json::to_string(&load().await?).map_err(|e| ApiError::Internal(e.to_string()))?;
    kv.put(full_key, fresh.clone())?.expiration_ttl(kind.ttl_seconds()).execute().await?;
    Ok((fresh, CacheStatus::Miss))
}

fn decode<T: DeserializeOwned>(kind: CacheKind, outcome: &Outcome) -> ApiResult<(T, CacheStatus)> {
    match outcome.as_ref() {
        Ok((text, status)) => {
            let value = serde_json::from_str(text).map_err(|e| ApiError::Internal(format!("cached {kind:?}: {e}")))?;
            Ok((value, *status))
        }
        Err(error) => Err(error.clone()),
    }
}
