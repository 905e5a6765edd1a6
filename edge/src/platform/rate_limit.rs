//! Per-address and per-token request limits with the Workers Rate Limiting binding (which
//! `wrangler dev` runs locally). Over a limit: `429` problem+json with `Retry-After`.

use super::problem::ApiError;
use forecourt_domain::rate_limit::{keys, Scope, PERIOD_SECONDS};
use worker::{Env, Request};

/// `Some(error)` when the request is over one of its limits. A limiter that fails lets the
/// request through (logged): an outage of the limiter must not become an outage of the API.
pub async fn check(req: &Request, env: &Env) -> Option<ApiError> {
    let address = req.headers().get("cf-connecting-ip").ok().flatten();
    let authorization = req.headers().get("authorization").ok().flatten();
    let exempt = env.var("RATE_LIMIT_EXEMPT_IPS").map(|v| v.to_string()).unwrap_or_default();
    for (scope, key) in keys(address.as_deref(), authorization.as_deref(), &exempt) {
        let binding = match scope {
            Scope::Address => "RATE_LIMIT_IP",
            Scope::Token => "RATE_LIMIT_TOKEN",
        };
        let outcome = match env.rate_limiter(binding) {
            Ok(limiter) => limiter.limit(key).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(outcome) if !outcome.success => return Some(ApiError::RateLimited { retry_after: PERIOD_SECONDS }),
            Ok(_) => {}
            Err(error) => worker::console_error!("rate limiter {binding} failed: {error}"),
        }
    }
    None
}
