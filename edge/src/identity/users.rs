//! Users in D1, as authentication needs them.

use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::identity::{Principal, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Deserialize)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
    pub customer_id: Option<String>,
    pub active: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub location_ids: Vec<String>,
    pub customer_id: Option<String>,
}

#[derive(Deserialize)]
struct LocationRow {
    location_id: String,
}

pub async fn by_email(db: &D1Database, email: &str) -> ApiResult<Option<UserRow>> {
    Ok(db
        .prepare("SELECT id, email, name, role, password, customer_id, active FROM users WHERE email = ?1")
        .bind(&[JsValue::from_str(email)])?
        .first(None)
        .await?)
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<UserRow>> {
    Ok(db
        .prepare("SELECT id, email, name, role, password, customer_id, active FROM users WHERE id = ?1")
        .bind(&[JsValue::from_str(id)])?
        .first(None)
        .await?)
}

async fn locations(db: &D1Database, user_id: &str) -> ApiResult<Vec<String>> {
    let rows: Vec<LocationRow> = db
        .prepare("SELECT location_id FROM user_locations WHERE user_id = ?1 ORDER BY location_id")
        .bind(&[JsValue::from_str(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.location_id).collect())
}

pub async fn principal(db: &D1Database, user: &UserRow) -> ApiResult<Principal> {
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("user {} has an unknown role", user.id)))?;
    Ok(Principal {
        subject: user.id.clone(),
        role,
        location_ids: locations(db, &user.id).await?,
        customer_id: user.customer_id.clone(),
    })
}

pub async fn profile(db: &D1Database, user: &UserRow) -> ApiResult<Profile> {
    let principal = principal(db, user).await?;
    Ok(Profile {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        role: principal.role,
        location_ids: principal.location_ids,
        customer_id: principal.customer_id,
    })
}
