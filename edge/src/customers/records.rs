//! Customers in D1: the profile row, finding a person again by contact data, and the timeline
//! and audit statements other routes add to their batches.

use crate::platform::clock::now_rfc3339;
use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::customers::Channel;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

pub const COLUMNS: &str = "c.id, c.name, c.email, c.phone, c.preferred_contact, c.consent_marketing, \
c.consent_updated_at, c.preferences, c.high_value, c.merged_into, c.home_location_id, c.version, c.created_at, c.updated_at";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_contact: String,
    pub consent_marketing: i64,
    pub consent_updated_at: Option<String>,
    pub preferences: String,
    pub high_value: i64,
    pub merged_into: Option<String>,
    pub home_location_id: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A profile as the API shows it: booleans as booleans, preferences as JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_contact: String,
    pub consent_marketing: bool,
    pub consent_updated_at: Option<String>,
    #[schema(value_type = Object)]
    pub preferences: serde_json::Value,
    pub high_value: bool,
    pub merged_into: Option<String>,
    pub home_location_id: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Self {
            preferences: serde_json::from_str(&row.preferences).unwrap_or(serde_json::Value::Null),
            consent_marketing: row.consent_marketing != 0,
            high_value: row.high_value != 0,
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            preferred_contact: row.preferred_contact,
            consent_updated_at: row.consent_updated_at,
            merged_into: row.merged_into,
            home_location_id: row.home_location_id,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn optional(value: Option<&str>) -> JsValue {
    value.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

pub fn to_json<T: Serialize>(value: &T) -> ApiResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

pub async fn find(db: &D1Database, id: &str) -> ApiResult<Option<CustomerRow>> {
    Ok(db
        .prepare(format!("SELECT {COLUMNS} FROM customers c WHERE c.id = ?1"))
        .bind(&[JsValue::from_str(id)])?
        .first(None)
        .await?)
}

#[derive(Deserialize)]
struct Found {
    id: String,
    merged_into: Option<String>,
}

/// The profile with this email (case-insensitive) or phone (by its digits), an email match and
/// a live profile first. A merged profile's contact data still find the person: the survivor
/// it was merged into is returned.
pub async fn find_by_contact(db: &D1Database, email: Option<&str>, phone: Option<&str>) -> ApiResult<Option<String>> {
    let found: Option<Found> = db
        .prepare(
            "SELECT id, merged_into FROM customers \
             WHERE (?1 IS NOT NULL AND email = ?1) OR (?2 IS NOT NULL AND phone_key = ?2) \
             ORDER BY merged_into IS NOT NULL, CASE WHEN email = ?1 THEN 0 ELSE 1 END, id LIMIT 1",
        )
        .bind(&[optional(email), optional(phone)])?
        .first(None)
        .await?;
    let Some(mut current) = found else { return Ok(None) };
    // Survivors may themselves have been merged later; a few hops at most.
    for _ in 0..5 {
        let Some(next) = current.merged_into.clone() else { return Ok(Some(current.id)) };
        match find(db, &next).await? {
            Some(row) => current = Found { id: row.id, merged_into: row.merged_into },
            None => return Ok(Some(next)),
        }
    }
    Ok(Some(current.id))
}

/// An activity on the customer's timeline.
pub fn activity(
    db: &D1Database,
    customer_id: &str,
    channel: Channel,
    kind: &str,
    detail: &serde_json::Value,
) -> ApiResult<D1PreparedStatement> {
    Ok(db
        .prepare("INSERT INTO customer_activity (customer_id, channel, kind, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(&[
            JsValue::from_str(customer_id),
            JsValue::from_str(channel.as_str()),
            JsValue::from_str(kind),
            JsValue::from_str(&detail.to_string()),
            JsValue::from_str(&now_rfc3339()),
        ])?)
}

/// An audit entry for an actor that may be anonymous (the public lead form), inserted only if
/// the statement before it changed a row, like `platform::audit::entry_if_changed`.
pub fn audit_as<B: Serialize, A: Serialize>(
    db: &D1Database,
    actor: Option<(&str, &str)>,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: &B,
    after: &A,
) -> ApiResult<D1PreparedStatement> {
    let (actor_id, actor_role) = actor.map(|(id, role)| (Some(id), role)).unwrap_or((None, "anonymous"));
    Ok(db
        .prepare(
            "INSERT INTO audit_log (at, actor_id, actor_role, action, entity, entity_id, before, after) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE changes() = 1",
        )
        .bind(&[
            JsValue::from_str(&now_rfc3339()),
            optional(actor_id),
            JsValue::from_str(actor_role),
            JsValue::from_str(action),
            JsValue::from_str(entity),
            JsValue::from_str(entity_id),
            JsValue::from_str(&serde_json::to_string(before).unwrap_or_else(|_| "null".into())),
            JsValue::from_str(&serde_json::to_string(after).unwrap_or_else(|_| "null".into())),
        ])?)
}
