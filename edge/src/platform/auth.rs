//! Who is calling: bearer access tokens (people) and device tokens (kiosks, telematics units).
//! Authentication happens here for every request; each route then states what it allows.

use super::bindings;
use super::clock::now_seconds;
use super::crypto::token_hash;
use super::problem::{ApiError, ApiResult};
use forecourt_domain::identity::token::{self, TokenError};
use forecourt_domain::identity::{Principal, Role};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Env, Request};

/// Device tokens start with this, access tokens with `fc1.`: one look tells them apart.
pub const DEVICE_TOKEN_PREFIX: &str = "fcd_";

/// The HMAC key for access tokens; without it nobody can sign in (never a default key).
pub fn signing_key(env: &Env) -> ApiResult<Vec<u8>> {
    let key = env
        .secret("TOKEN_SIGNING_KEY")
        .map(|s| s.to_string())
        .map_err(|_| ApiError::Internal("TOKEN_SIGNING_KEY is not configured".into()))?;
    if key.len() < 32 {
        return Err(ApiError::Internal("TOKEN_SIGNING_KEY must be at least 32 characters".into()));
    }
    Ok(key.into_bytes())
}

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization").ok().flatten()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

#[derive(Deserialize)]
struct DeviceRow {
    id: String,
    kind: String,
    location_id: Option<String>,
}

async fn device_principal(env: &Env, token: &str) -> ApiResult<Principal> {
    let db = bindings::database(env)?;
    let row: Option<DeviceRow> = db
        .prepare("SELECT id, kind, location_id FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL")
        .bind(&[JsValue::from_str(&token_hash(token))])?
        .first(None)
        .await?;
    let row = row.ok_or(ApiError::Unauthenticated)?;
    let role = if row.kind == "kiosk" { Role::Kiosk } else { Role::Telematics };
    Ok(Principal { subject: row.id, role, location_ids: row.location_id.into_iter().collect(), customer_id: None })
}

/// The caller, if the request carries credentials; bad credentials are an error, not anonymity.
pub async fn authenticate(req: &Request, env: &Env) -> ApiResult<Option<Principal>> {
    let Some(token) = bearer(req) else {
        return Ok(None);
    };
    if token.starts_with(DEVICE_TOKEN_PREFIX) {
        return device_principal(env, &token).await.map(Some);
    }
    match token::verify(&token, &signing_key(env)?, now_seconds()) {
        Ok(claims) => Ok(Some(claims.principal())),
        Err(TokenError::Expired) => Err(ApiError::TokenExpired),
        Err(_) => Err(ApiError::Unauthenticated),
    }
}

/// The caller, who must be signed in.
pub async fn require_principal(req: &Request, env: &Env) -> ApiResult<Principal> {
    authenticate(req, env).await?.ok_or(ApiError::Unauthenticated)
}

/// The caller, who must have one of `roles`.
pub async fn require_role(req: &Request, env: &Env, roles: &[Role]) -> ApiResult<Principal> {
    let principal = require_principal(req, env).await?;
    if !roles.contains(&principal.role) {
        return Err(ApiError::Forbidden(format!("a {} may not do this", principal.role.as_str())));
    }
    Ok(principal)
}
