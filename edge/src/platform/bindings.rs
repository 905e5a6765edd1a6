//! The Worker's bindings, named once (they match `wrangler.toml`).

use worker::{D1Database, Env, ObjectNamespace, Result};

/// D1: the system of record.
pub fn database(env: &Env) -> Result<D1Database> {
    env.d1("DB")
}

/// KV: the read-through cache.
pub fn cache(env: &Env) -> Result<worker::kv::KvStore> {
    env.kv("CACHE")
}

/// Durable Objects: one per realtime room.
pub fn rooms(env: &Env) -> Result<ObjectNamespace> {
    env.durable_object("ROOMS")
}

/// R2: photos and documents.
pub fn media(env: &Env) -> Result<worker::Bucket> {
    env.bucket("MEDIA")
}

/// The build's version, set in `wrangler.toml` `[vars]`.
pub fn version(env: &Env) -> String {
    env.var("FORECOURT_VERSION").map(|v| v.to_string()).unwrap_or_else(|_| "dev".into())
}
