//! `POST /api/auth/login`, `/refresh`, `/logout` and `GET /api/auth/me`.
//!
//! Access tokens are short-lived and stateless; refresh tokens are random, stored hashed, rotate
//! on every use, and a reused one revokes its whole family (it was stolen or replayed).

use super::{throttle, users};
use crate::platform::auth::{require_principal, signing_key};
use crate::platform::bindings;
use crate::platform::body::read_json;
use crate::platform::clock::{now_rfc3339, now_seconds, rfc3339_in};
use crate::platform::crypto::{random_token, token_hash, verify_password};
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::identity::password::PasswordRecord;
use forecourt_domain::identity::token::{self, Claims, ACCESS_TOKEN_SECONDS};
use forecourt_domain::identity::Principal;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response, Result, RouteContext};

const REFRESH_TOKEN_SECONDS: u64 = 30 * 24 * 60 * 60;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Tokens {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
}

#[derive(Deserialize)]
struct RefreshRow {
    id: String,
    user_id: String,
    family_id: String,
    expires_at: String,
    used_at: Option<String>,
    revoked_at: Option<String>,
}

async fn issue(env: &Env, db: &D1Database, principal: &Principal, family_id: Option<String>) -> ApiResult<Tokens> {
    let access_token = token::sign(&Claims::for_principal(principal, now_seconds()), &signing_key(env)?);
    let refresh_token = random_token("fcr_").map_err(|e| ApiError::Internal(e.to_string()))?;
    let family_id = match family_id {
        Some(family) => family,
        None => random_token("fam_").map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let id = random_token("rt_").map_err(|e| ApiError::Internal(e.to_string()))?;
    db.prepare(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&[
        JsValue::from_str(&id),
        JsValue::from_str(&principal.subject),
        JsValue::from_str(&family_id),
        JsValue::from_str(&token_hash(&refresh_token)),
        JsValue::from_str(&now_rfc3339()),
        JsValue::from_str(&rfc3339_in(REFRESH_TOKEN_SECONDS)),
    ])?
    .run()
    .await?;
    Ok(Tokens { access_token, refresh_token, token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS })
}

fn client_address(req: &Request) -> String {
    req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| "local".into())
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, description = "Signed in", body = Tokens),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = forecourt_domain::Problem, content_type = "application/problem+json")))]
pub async fn login(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(sign_in(req, ctx.env).await)
}

async fn sign_in(mut req: Request, env: Env) -> ApiResult<Response> {
    let login: Login = read_json(&mut req).await?;
    let email = login.email.trim().to_ascii_lowercase();
    let db = bindings::database(&env)?;
    let now = now_seconds();
    let keys = [format!("email:{email}"), format!("ip:{}", client_address(&req))];
    throttle::check(&db, &keys, now).await?;

    let user = users::by_email(&db, &email).await?.filter(|u| u.active == 1);
    // Unknown accounts cost the same PBKDF2 work as known ones, so timing does not reveal
    // which emails exist.
    let record = user.as_ref().and_then(|u| PasswordRecord::parse(&u.password).ok()).unwrap_or(PasswordRecord {
        iterations: forecourt_domain::identity::password::ITERATIONS,
        salt: vec![0; 16],
        hash: vec![],
    });
    let verified = verify_password(&login.password, &record).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(user) = user.filter(|_| verified) else {
        throttle::record_failure(&db, &keys, now).await?;
        return Err(ApiError::InvalidCredentials);
    };
    throttle::clear(&db, &keys[..1]).await?;
    let principal = users::principal(&db, &user).await?;
    Ok(Response::from_json(&issue(&env, &db, &principal, None).await?)?)
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair; the old refresh token is spent", body = Tokens),
        (status = 401, description = "Unknown, expired, revoked or replayed refresh token", body = forecourt_domain::Problem, content_type = "application/problem+json")))]
pub async fn refresh(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(rotate(req, ctx.env).await)
}

async fn find_refresh(db: &D1Database, token: &str) -> ApiResult<RefreshRow> {
    let row: Option<RefreshRow> = db
        .prepare(
            "SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?1",
        )
        .bind(&[JsValue::from_str(&token_hash(token))])?
        .first(None)
        .await?;
    row.ok_or(ApiError::Unauthenticated)
}

async fn revoke_family(db: &D1Database, family_id: &str) -> ApiResult<()> {
    db.prepare("UPDATE refresh_tokens SET revoked_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL")
        .bind(&[JsValue::from_str(&now_rfc3339()), JsValue::from_str(family_id)])?
        .run()
        .await?;
    Ok(())
}

async fn rotate(mut req: Request, env: Env) -> ApiResult<Response> {
    let body: RefreshRequest = read_json(&mut req).await?;
    let db = bindings::database(&env)?;
    let row = find_refresh(&db, &body.refresh_token).await?;
    if row.revoked_at.is_some() || row.expires_at <= now_rfc3339() {
        return Err(ApiError::Unauthenticated);
    }
    // Marking as used only succeeds once, so two concurrent refreshes cannot both win.
    let marked = db
        .prepare("UPDATE refresh_tokens SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL")
        .bind(&[JsValue::from_str(&now_rfc3339()), JsValue::from_str(&row.id)])?
        .run()
        .await?
        .meta()?
        .and_then(|m| m.changes)
        .unwrap_or(0);
    if row.used_at.is_some() || marked == 0 {
        revoke_family(&db, &row.family_id).await?;
        return Err(ApiError::Unauthenticated);
    }
    let user = users::by_id(&db, &row.user_id).await?.filter(|u| u.active == 1).ok_or(ApiError::Unauthenticated)?;
    let principal = users::principal(&db, &user).await?;
    Ok(Response::from_json(&issue(&env, &db, &principal, Some(row.family_id)).await?)?)
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The session's refresh tokens are revoked")))]
pub async fn logout(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(sign_out(req, ctx.env).await)
}

async fn sign_out(mut req: Request, env: Env) -> ApiResult<Response> {
    let body: RefreshRequest = read_json(&mut req).await?;
    let db = bindings::database(&env)?;
    if let Ok(row) = find_refresh(&db, &body.refresh_token).await {
        revoke_family(&db, &row.family_id).await?;
    }
    // Signing out an unknown or already revoked session is not an error: the outcome is the same.
    Ok(Response::empty()?.with_status(204))
}

#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = []), ("device_token" = [])),
    responses((status = 200, description = "The caller's profile", body = super::users::Profile)))]
pub async fn me(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(who_am_i(req, ctx.env).await)
}

async fn who_am_i(req: Request, env: Env) -> ApiResult<Response> {
    let principal = require_principal(&req, &env).await?;
    if principal.role.is_device() {
        return Ok(Response::from_json(&principal)?);
    }
    let db = bindings::database(&env)?;
    let user = users::by_id(&db, &principal.subject).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Response::from_json(&users::profile(&db, &user).await?)?)
}
