//! What every route shares: errors, the request envelope, bindings, caching, auth, health.

pub mod audit;
pub mod auth;
pub mod bindings;
pub mod body;
pub mod cache;
pub mod clock;
pub mod crypto;
pub mod envelope;
pub mod health;
pub mod idempotency;
pub mod listing;
pub mod openapi;
pub mod problem;
pub mod rate_limit;
pub mod request_scope;
pub mod row_scope;
