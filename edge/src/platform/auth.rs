//! Staff authentication for the walking skeleton: one bearer token held as a Worker secret.
//!
//! Real accounts, roles and device tokens replace this (issue 4); until then no write is open
//! to the public, and a missing secret locks writes rather than opening them.

use super::problem::{ApiError, ApiResult};
use worker::{Env, Request};

const SECRET_NAME: &str = "STAFF_API_TOKEN";

pub fn require_staff(req: &Request, env: &Env) -> ApiResult<()> {
    let expected = env
        .secret(SECRET_NAME)
        .map(|s| s.to_string())
        .map_err(|_| ApiError::Unauthenticated)?;
    let presented = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .and_then(|value| value.strip_prefix("Bearer ").map(str::to_owned))
        .ok_or(ApiError::Unauthenticated)?;
    if expected.is_empty() || !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Unauthenticated);
    }
    Ok(())
}

/// Compares without an early exit, so response timing does not reveal how much of a guess matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
