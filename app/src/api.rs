//! Every call the app makes to the edge, typed with domain types so an API change breaks the
//! build rather than the person using the app.

pub mod account;
pub mod leads;
pub mod workshop;

use forecourt_domain::{Problem, StockPage, StockQuery, Vehicle};
use gloo_net::http::{Request, RequestBuilder, Response};
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

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Problem(problem) => Some(problem.status),
            _ => None,
        }
    }
}

/// A problem answer together with the JSON body it came in, for the extension members this
/// app reads (`current` on a `409`).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub problem: Problem,
    pub body: serde_json::Value,
}

/// Sends a request that acts as the signed-in person. `build` makes the request for a token (it
/// runs again after a refresh): an expired access token answers `401`, the session is refreshed
/// once, and the request is repeated with the new token.
pub(crate) async fn send_signed_in(build: impl Fn(&str) -> Result<Request, ApiError>) -> Result<Response, ApiError> {
    let token = crate::session::access_token().await?;
    let response = build(&token)?.send().await.map_err(|_| ApiError::Offline)?;
    if response.status() != 401 {
        return Ok(response);
    }
    let token = crate::session::refresh_after_401(&token).await?;
    build(&token)?.send().await.map_err(|_| ApiError::Offline)
}

/// `GET` as the signed-in person, decoding the JSON answer.
pub(crate) async fn get_signed_in<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let response = send_signed_in(|token| bearer(Request::get(url), token).build().map_err(unexpected)).await?;
    if response.ok() {
        return response.json::<T>().await.map_err(unexpected);
    }
    Err(problem_of(response).await)
}

pub(crate) fn bearer(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("accept", "application/json").header("authorization", &format!("Bearer {token}"))
}

pub(crate) fn unexpected(error: impl std::fmt::Display) -> ApiError {
    ApiError::Unexpected(error.to_string())
}

/// Reads a refused answer's problem and its whole body.
pub(crate) async fn refusal_of(response: Response) -> Refusal {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let problem = serde_json::from_value::<Problem>(body.clone())
        .unwrap_or_else(|_| Problem::new(status, "http", &format!("HTTP {status}")));
    Refusal { problem, body }
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
    let mut request = Request::post(message.path())
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("idempotency-key", message.idempotency_key());
    // The kiosk's device token tells the edge which showroom is calling (see `kiosk::lock`).
    if let Some(token) = crate::pages::kiosk::lock::device_token() {
        request = request.header("authorization", &format!("Bearer {token}"));
    }
    let response = request
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

pub(crate) async fn problem_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<Problem>().await {
        Ok(problem) => ApiError::Problem(problem),
        // A proxy or the dev server answered instead of the edge; keep the status meaningful.
        Err(_) => ApiError::Problem(Problem::new(status, "http", &format!("HTTP {status} {}", response.status_text()))),
    }
}

/// Vehicle ids are slugs today, but an id must never be able to change the path it is put in.
pub(crate) fn encode_path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
