//! Work orders: `/api/work-orders`.

use super::{bearer, encode_path_segment, get_signed_in, refusal_of, send_signed_in, unexpected, ApiError, Refusal};
use forecourt_domain::workshop::totals::Totals;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrderSummary {
    pub id: String,
    pub location_id: String,
    pub customer_id: String,
    pub owned_vehicle_id: String,
    pub advisor_id: Option<String>,
    pub technician_id: Option<String>,
    pub bay_id: Option<String>,
    pub mileage_in: i64,
    pub complaint: String,
    pub status: WorkOrderStatus,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabourLine {
    pub id: String,
    pub operation: String,
    pub hours: f64,
    pub rate_cents: i64,
    pub approval: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartLine {
    pub id: String,
    pub part_id: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub approval: String,
}

/// One recorded move: who, when, and the note they left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    #[serde(flatten)]
    pub summary: WorkOrderSummary,
    #[serde(default)]
    pub labour: Vec<LabourLine>,
    #[serde(default)]
    pub parts: Vec<PartLine>,
    pub totals: Option<Totals>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default)]
    pub diagnostic_codes: Vec<DiagnosticCode>,
    #[serde(default)]
    pub inspection: Vec<InspectionItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticCode {
    pub id: String,
    pub code: String,
    pub description: String,
    pub severity: String,
}

/// One checklist item of the digital inspection: green, amber or red.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionItem {
    pub id: String,
    pub item: String,
    pub rating: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrderPage {
    pub items: Vec<WorkOrderSummary>,
    pub next_cursor: Option<String>,
}

/// A status change as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionBody {
    pub to: WorkOrderStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    pub expected_version: i64,
}

/// The work orders the signed-in person may see (one page of up to 100: a location's open work).
pub async fn list() -> Result<WorkOrderPage, ApiError> {
    get_signed_in("/api/work-orders?limit=100").await
}

pub async fn detail(id: &str) -> Result<WorkOrder, ApiError> {
    get_signed_in(&format!("/api/work-orders/{}", encode_path_segment(id))).await
}

/// What the edge made of a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Applied(Box<WorkOrder>),
    /// 4xx: refused with a problem (a `409` carries the current order in `body.current`).
    Refused(Refusal),
}

/// `POST /api/work-orders/{id}/transitions` with an idempotency key: sending the same change
/// again (after a lost answer) is answered from the first attempt and changes nothing.
pub async fn transition(id: &str, body: &TransitionBody, idempotency_key: &str) -> Result<Sent, ApiError> {
    let url = format!("/api/work-orders/{}/transitions", encode_path_segment(id));
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
        return Ok(Sent::Applied(Box::new(response.json().await.map_err(unexpected)?)));
    }
    if response.status() >= 500 {
        // The edge is in trouble: the same as no answer, try again later.
        return Err(ApiError::Offline);
    }
    Ok(Sent::Refused(refusal_of(response).await))
}
