//! Every call the app makes to the edge, typed with domain types so an API change breaks the
//! build rather than the person using the app.

use forecourt_domain::{Problem, StockPage, StockQuery, Vehicle};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ApiError {
    /// The request never got an answer: no network, DNS, or the edge is down.
    #[error("no connection to Forecourt")]
    Offline,
    /// The edge answered with problem+json.
    #[error("{}", .0.detail.clone().unwrap_or_else(|| .0.title.clone()))]
    Problem(Problem),
    /// The edge answered with something this build of the app does not understand.
    #[error("unexpected answer from Forecourt: {0}")]
    Unexpected(String),
}

impl ApiError {
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Problem(problem) if problem.status == 404)
    }
}

/// `GET /api/vehicles?…`: one page of stock.
pub async fn stock(query: &StockQuery) -> Result<StockPage, ApiError> {
    let qs = query.to_query_string();
    let url = if qs.is_empty() { "/api/vehicles".to_owned() } else { format!("/api/vehicles?{qs}") };
    get_json(&url).await
}

/// `GET /api/vehicles/{id}`.
pub async fn vehicle(id: &str) -> Result<Vehicle, ApiError> {
    get_json(&format!("/api/vehicles/{}", encode_path_segment(id))).await
}

/// The WebSocket address of a room on the app's own origin, resuming after `after` if given.
pub fn room_url(room: &str, after: Option<u64>) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    let host = location.host().ok()?;
    let mut url = format!("{scheme}://{host}/api/rooms/{room}");
    if let Some(after) = after {
        url.push_str(&format!("?after={after}"));
    }
    Some(url)
}

/// A message from a showroom kiosk to the staff on the floor.
///
/// Outbox-ready: a message is plain data (serde) with its own idempotency key, created once when
/// the visitor taps, so it can be stored, resent after a network blip and replayed from an outbox
/// without ever reaching the showroom twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KioskMessage {
    /// "Call a sales rep": raises an alert on the showroom floor.
    Assistance(AssistanceRequest),
    /// A visitor arrived for a booked appointment.
    CheckIn(CheckInRequest),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistanceRequest {
    pub idempotency_key: String,
    /// The cars on the visitor's comparison, so the rep arrives knowing what they look at.
    pub vehicle_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInRequest {
    pub idempotency_key: String,
    /// The reference on the booking confirmation.
    pub booking_reference: String,
    /// Matched against the booking, so a reference alone does not check anyone in.
    pub last_name: String,
}

impl KioskMessage {
    pub fn idempotency_key(&self) -> &str {
        match self {
            Self::Assistance(m) => &m.idempotency_key,
            Self::CheckIn(m) => &m.idempotency_key,
        }
    }

    /// The edge route that takes this message.
    pub fn path(&self) -> &'static str {
        match self {
            Self::Assistance(_) => "/api/kiosk/assistance",
            Self::CheckIn(_) => "/api/kiosk/check-in",
        }
    }
}

/// A fresh idempotency key (a random UUID), or `None` where the browser offers no crypto.
pub fn new_idempotency_key() -> Option<String> {
    web_sys::window()?.crypto().ok().map(|c| c.random_uuid())
}

/// `POST /api/kiosk/assistance` or `POST /api/kiosk/check-in`, with the message's idempotency key
/// in the `Idempotency-Key` header. Sending the same message again is always safe.
pub async fn send_kiosk_message(message: &KioskMessage) -> Result<(), ApiError> {
    let body = match message {
        KioskMessage::Assistance(m) => serde_json::to_string(m),
        KioskMessage::CheckIn(m) => serde_json::to_string(m),
    }
    .map_err(|error| ApiError::Unexpected(error.to_string()))?;
    let response = Request::post(message.path())
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("idempotency-key", message.idempotency_key())
        .body(body)
        .map_err(|error| ApiError::Unexpected(error.to_string()))?
        .send()
        .await
        .map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return Ok(());
    }
    Err(problem_of(response).await)
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let response =
        Request::get(url).header("accept", "application/json").send().await.map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return response.json::<T>().await.map_err(|error| ApiError::Unexpected(error.to_string()));
    }
    Err(problem_of(response).await)
}

async fn problem_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<Problem>().await {
        Ok(problem) => ApiError::Problem(problem),
        // A proxy or the dev server answered instead of the edge; keep the status meaningful.
        Err(_) => ApiError::Problem(Problem::new(status, "http", &format!("HTTP {status} {}", response.status_text()))),
    }
}

/// Vehicle ids are slugs today, but an id must never be able to change the path it is put in.
fn encode_path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
