//! Signing in and out: `/api/auth/*`.

use super::{problem_of, unexpected, ApiError};
use forecourt_domain::identity::Role;
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

/// What `/api/auth/login` and `/api/auth/refresh` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// The signed-in person (`/api/auth/me`); kept on the device so an installed app opens signed in
/// and offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub location_ids: Vec<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// Why signing in did not work, in the words the form shows.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    WrongCredentials,
    /// Too many failed attempts; try again after this many seconds.
    Throttled(Option<u64>),
    Other(ApiError),
}

#[derive(Serialize)]
struct Credentials<'a> {
    email: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    refresh_token: &'a str,
}

pub async fn login(email: &str, password: &str) -> Result<Tokens, SignInError> {
    let response = Request::post("/api/auth/login")
        .header("accept", "application/json")
        .json(&Credentials { email, password })
        .map_err(|e| SignInError::Other(unexpected(e)))?
        .send()
        .await
        .map_err(|_| SignInError::Other(ApiError::Offline))?;
    match response.status() {
        200 => response.json().await.map_err(|e| SignInError::Other(unexpected(e))),
        401 => Err(SignInError::WrongCredentials),
        429 => Err(SignInError::Throttled(response.headers().get("retry-after").and_then(|v| v.parse().ok()))),
        _ => Err(SignInError::Other(problem_of(response).await)),
    }
}

/// Spends `refresh_token` for a new pair. A spent or revoked token is a `401` problem.
pub async fn refresh(refresh_token: &str) -> Result<Tokens, ApiError> {
    let response = Request::post("/api/auth/refresh")
        .header("accept", "application/json")
        .json(&RefreshBody { refresh_token })
        .map_err(unexpected)?
        .send()
        .await
        .map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return response.json().await.map_err(unexpected);
    }
    Err(problem_of(response).await)
}

/// Revokes the session on the server (best effort: signing out locally never waits on it).
pub async fn logout(refresh_token: &str) -> Result<(), ApiError> {
    let response = Request::post("/api/auth/logout")
        .json(&RefreshBody { refresh_token })
        .map_err(unexpected)?
        .send()
        .await
        .map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return Ok(());
    }
    Err(problem_of(response).await)
}

/// `GET /api/auth/me` with a token just received (before the session holds it).
pub async fn me(access_token: &str) -> Result<Profile, ApiError> {
    let response =
        super::bearer(Request::get("/api/auth/me"), access_token).send().await.map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return response.json().await.map_err(unexpected);
    }
    Err(problem_of(response).await)
}
