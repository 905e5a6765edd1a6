//! Who is connecting and what they may do: token verification and the D1 facts behind
//! `domain::realtime::access::decide`. Used by the connect route (bearer header) and by the room
//! itself (a browser's first `auth` message).

use crate::platform::bindings;
use forecourt_domain::identity::{token, Principal};
use forecourt_domain::realtime::access::{decide, Decision, Facts};
use forecourt_domain::realtime::chat::{ChatRole, InvitationState};
use forecourt_domain::realtime::RoomName;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use thiserror::Error;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// The Worker secret the access tokens are signed with.
const SIGNING_KEY: &str = "TOKEN_SIGNING_KEY";

/// Statuses in which a vehicle is public stock (as the stock search shows it).
const PUBLIC_STATUSES: [&str; 3] = ["incoming", "available", "reserved"];

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("the access token is not valid: {0}")]
    Token(#[from] token::TokenError),
    /// No key means no token can be trusted; refuse rather than accept unsigned claims.
    #[error("this deployment cannot verify tokens (no signing key)")]
    NoKey,
}

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The principal a bearer token stands for.
pub fn verify(env: &Env, raw: &str) -> Result<Principal, AuthError> {
    let key = env.secret(SIGNING_KEY).map(|s| s.to_string()).map_err(|_| AuthError::NoKey)?;
    if key.is_empty() {
        return Err(AuthError::NoKey);
    }
    let claims = token::verify(raw, key.as_bytes(), now_ms() / 1_000)?;
    Ok(claims.principal())
}

/// The decision for `principal` in `room`, with the facts looked up in D1.
pub async fn check(env: &Env, room: &RoomName, principal: Option<&Principal>) -> Decision {
    let facts = match bindings::database(env) {
        Ok(db) => facts(&db, room, principal).await,
        Err(error) => {
            worker::console_error!("room access: no database binding: {error}");
            Facts::Missing
        }
    };
    decide(principal, room, &facts)
}

/// One row, or `None` when the row, the table or the query is missing: every failure denies.
async fn row<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[&str]) -> Option<T> {
    let args: Vec<JsValue> = args.iter().map(|a| JsValue::from_str(a)).collect();
    let statement = match db.prepare(sql).bind(&args) {
        Ok(statement) => statement,
        Err(error) => {
            worker::console_error!("room access: cannot bind {sql}: {error}");
            return None;
        }
    };
    match statement.first::<T>(None).await {
        Ok(found) => found,
        Err(error) => {
            // Typically "no such table" before a migration ran; logged, and it denies.
            worker::console_warn!("room access lookup failed ({sql}): {error}");
            None
        }
    }
}

#[derive(Deserialize)]
struct VehicleRow {
    status: String,
    location_id: String,
}

#[derive(Deserialize)]
struct WorkOrderRow {
    customer_id: Option<String>,
    technician_id: Option<String>,
    advisor_id: Option<String>,
    location_id: String,
}

#[derive(Deserialize)]
struct LeadRow {
    customer_id: Option<String>,
    assigned_rep_id: Option<String>,
    location_id: String,
}

#[derive(Deserialize)]
struct LocationRow {
    /// Group-wide anomalies and predictions have no location: only admins see those.
    location_id: Option<String>,
}

#[derive(Deserialize)]
struct DepartmentRow {
    department: Option<String>,
}

#[derive(Deserialize)]
struct MemberRow {
    role: String,
    state: String,
}

async fn facts(db: &D1Database, room: &RoomName, principal: Option<&Principal>) -> Facts {
    let location = |row: Option<LocationRow>| row.map(|r| r.location_id.unwrap_or_default());
    match room {
        RoomName::Vehicle(id) => {
            let found: Option<VehicleRow> =
                row(db, "SELECT status, location_id FROM vehicles WHERE id = ?1", &[id]).await;
            found.map_or(Facts::Missing, |v| Facts::Vehicle {
                public: PUBLIC_STATUSES.contains(&v.status.as_str()),
                location_id: v.location_id,
            })
        }
        RoomName::WorkOrder(id) => {
            let found: Option<WorkOrderRow> = row(
                db,
                "SELECT customer_id, technician_id, advisor_id, location_id FROM work_orders WHERE id = ?1",
                &[id],
            )
            .await;
            found.map_or(Facts::Missing, |w| Facts::WorkOrder {
                customer_id: w.customer_id,
                technician_id: w.technician_id,
                advisor_id: w.advisor_id,
                location_id: w.location_id,
            })
        }
        RoomName::Lead(id) => {
            let found: Option<LeadRow> =
                row(db, "SELECT customer_id, assigned_rep_id, location_id FROM leads WHERE id = ?1", &[id]).await;
            found.map_or(Facts::Missing, |l| Facts::Lead {
                customer_id: l.customer_id,
                assigned_rep_id: l.assigned_rep_id,
                location_id: l.location_id,
            })
        }
        RoomName::Showroom(id) => location(row(db, "SELECT location_id FROM showrooms WHERE id = ?1", &[id]).await)
            .map_or(Facts::Missing, |location_id| Facts::Showroom { location_id }),
        RoomName::Anomaly(id) => location(row(db, "SELECT location_id FROM anomalies WHERE id = ?1", &[id]).await)
            .map_or(Facts::Missing, |location_id| Facts::Anomaly { location_id }),
        RoomName::Prediction(id) => location(row(db, "SELECT location_id FROM predictions WHERE id = ?1", &[id]).await)
            .map_or(Facts::Missing, |location_id| Facts::Prediction { location_id }),
        RoomName::Department(_) => {
            let Some(principal) = principal else {
                return Facts::NameOnly;
            };
            let found: Option<DepartmentRow> =
                row(db, "SELECT department FROM users WHERE id = ?1 AND active = 1", &[&principal.subject]).await;
            found.map_or(Facts::Missing, |d| Facts::Department { principal_department: d.department })
        }
        RoomName::Chat(id) => {
            let Some(principal) = principal else {
                return Facts::Chat { membership: None };
            };
            let found: Option<MemberRow> = row(
                db,
                "SELECT role, state FROM chat_members WHERE room_id = ?1 AND user_id = ?2",
                &[id, &principal.subject],
            )
            .await;
            Facts::Chat {
                membership: found.and_then(|m| Some((ChatRole::parse(&m.role)?, InvitationState::parse(&m.state)?))),
            }
        }
        RoomName::Board(_) | RoomName::Anomalies(_) | RoomName::Dashboard(_) | RoomName::User(_) => Facts::NameOnly,
    }
}
