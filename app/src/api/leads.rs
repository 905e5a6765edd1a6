//! The sales lead queue: `/api/leads`.

use super::{bearer, encode_path_segment, get_signed_in, refusal_of, send_signed_in, unexpected, ApiError, Refusal};
use forecourt_domain::analytics::lead_scoring::Contribution;
use forecourt_domain::showroom::assignment::ResponseTimer;
use forecourt_domain::showroom::lead::LeadStatus;
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: String,
    pub customer_id: String,
    pub location_id: String,
    pub source: String,
    pub vehicle_id: Option<String>,
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    pub timeframe: String,
    pub preferred_contact: String,
    pub status: LeadStatus,
    pub lost_reason: Option<String>,
    pub assigned_rep_id: Option<String>,
    pub first_response_at: Option<String>,
    pub score: Option<f64>,
    pub score_model: Option<String>,
    /// Per-factor contributions (the edge's `reasons`, largest first); `null` for an unscored lead.
    #[serde(default)]
    pub reasons: Option<Vec<Contribution>>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub response_target_minutes: i64,
    pub response: ResponseTimer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadPage {
    pub items: Vec<Lead>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadMove {
    pub to: LeadStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
    pub expected_version: i64,
}

pub async fn list() -> Result<LeadPage, ApiError> {
    get_signed_in("/api/leads?limit=100").await
}

pub async fn detail(id: &str) -> Result<Lead, ApiError> {
    get_signed_in(&format!("/api/leads/{}", encode_path_segment(id))).await
}

/// Moves a lead along the pipeline; `Err(Refusal)` inside `Ok` is the edge saying no.
pub async fn transition(id: &str, body: &LeadMove, idempotency_key: &str) -> Result<Result<Lead, Refusal>, ApiError> {
    let url = format!("/api/leads/{}/transitions", encode_path_segment(id));
    let json = serde_json::to_string(body).map_err(unexpected)?;
    let response = send_signed_in(|token| {
        bearer(Request::post(&url), token)
            .header("content-type", "application/json")
            .header("idempotency-key", idempotency_key)
            .body(json.clone())
            .map_err(unexpected)
    })
    .await?;
    if response.ok() {
        return Ok(Ok(response.json().await.map_err(unexpected)?));
    }
    Ok(Err(refusal_of(response).await))
}
