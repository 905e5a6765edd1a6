//! Work orders in D1: reads scoped to what the caller may see, and status changes.

use crate::platform::problem::{ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::money::Money;
use forecourt_domain::workshop::totals::{totals, LabourLine, PartLine, Totals};
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
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
    pub status: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Labour {
    pub id: String,
    pub operation: String,
    pub hours: f64,
    pub rate_cents: i64,
    pub approval: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Part {
    pub id: String,
    pub part_id: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub approval: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transition {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkOrderDetail {
    #[serde(flatten)]
    pub summary: WorkOrderSummary,
    pub labour: Vec<Labour>,
    pub parts: Vec<Part>,
    pub totals: Totals,
    pub history: Vec<Transition>,
    pub diagnostic_codes: Vec<DiagnosticCode>,
    pub inspection: Vec<InspectionItem>,
    pub documents: Vec<Document>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DiagnosticCode {
    pub id: String,
    pub code: String,
    pub description: String,
    pub severity: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionItem {
    pub id: String,
    pub item: String,
    pub rating: String,
    pub note: Option<String>,
    pub photo_key: Option<String>,
    /// The recommended labour line, when the item recommends work.
    pub labour_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    pub id: String,
    pub content_type: String,
    pub bytes: i64,
    pub created_at: String,
}

const COLUMNS: &str = "id, location_id, customer_id, owned_vehicle_id, advisor_id, technician_id, bay_id, mileage_in, \
complaint, status, version, created_at, updated_at";

/// The rows `principal` may see: customers their own, technicians their jobs, workshop staff
/// their locations, admins all.
fn scope(principal: &Principal) -> ApiResult<RowScope> {
    match principal.role {
        Role::Admin => Ok(RowScope::everything()),
        Role::Customer => {
            let customer = principal.customer_id.as_deref().ok_or(ApiError::Forbidden("no customer record".into()))?;
            Ok(RowScope::equals("customer_id", customer))
        }
        Role::Technician => Ok(RowScope::equals("technician_id", &principal.subject)),
        Role::Advisor | Role::Manager => RowScope::locations("location_id", principal),
        Role::Sales | Role::Kiosk | Role::Telematics => {
            Err(ApiError::Forbidden("work orders are for the workshop".into()))
        }
    }
}

pub async fn list(
    db: &D1Database,
    principal: &Principal,
    status: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> ApiResult<Vec<WorkOrderSummary>> {
    let scope = scope(principal)?;
    let condition = &scope.condition;
    let sql = format!(
        "SELECT {COLUMNS} FROM work_orders WHERE {condition} AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR id < ?2) \
         ORDER BY id DESC LIMIT ?3"
    );
    let values = scope.bind(vec![
        status.map(JsValue::from_str).unwrap_or(JsValue::NULL),
        after.map(JsValue::from_str).unwrap_or(JsValue::NULL),
        JsValue::from(limit),
    ]);
    Ok(db.prepare(sql).bind(&values)?.all().await?.results()?)
}

/// A work order the caller may see; others are reported as missing, so ids cannot be probed.
pub async fn find(db: &D1Database, principal: &Principal, id: &str) -> ApiResult<WorkOrderSummary> {
    scope(principal)?.find_one(db, &format!("SELECT {COLUMNS} FROM work_orders WHERE id"), id, "work order").await
}

pub async fn detail(db: &D1Database, summary: WorkOrderSummary) -> ApiResult<WorkOrderDetail> {
    let id = JsValue::from_str(&summary.id);
    let labour: Vec<Labour> = db
        .prepare("SELECT id, operation, hours, rate_cents, approval FROM work_order_labour WHERE work_order_id = ?1 ORDER BY id")
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let parts: Vec<Part> = db
        .prepare("SELECT id, part_id, quantity, unit_price_cents, approval FROM work_order_parts WHERE work_order_id = ?1 ORDER BY id")
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let history: Vec<Transition> = db
        .prepare("SELECT from_status, to_status, actor_id, note, at FROM work_order_history WHERE work_order_id = ?1 ORDER BY id")
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let diagnostic_codes: Vec<DiagnosticCode> = db
        .prepare("SELECT id, code, description, severity FROM diagnostic_codes WHERE work_order_id = ?1 ORDER BY id")
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let inspection: Vec<InspectionItem> = db
        .prepare("SELECT id, item, rating, note, photo_key, labour_id FROM inspection_items WHERE work_order_id = ?1 ORDER BY id")
        .bind(std::slice::from_ref(&id))?
        .all()
        .await?
        .results()?;
    let documents: Vec<Document> = db
        .prepare(
            "SELECT id, content_type, bytes, created_at FROM documents WHERE owner_kind = 'work_order' AND owner_id = ?1 ORDER BY created_at, id",
        )
        .bind(&[id])?
        .all()
        .await?
        .results()?;
    #[derive(Deserialize)]
    struct Tax {
        tax_rate_bp: i64,
    }
    let tax: Option<Tax> = db
        .prepare("SELECT tax_rate_bp FROM locations WHERE id = ?1")
        .bind(&[JsValue::from_str(&summary.location_id)])?
        .first(None)
        .await?;
    // Declined lines are remembered for follow-up but are not charged.
    let labour_lines: Vec<LabourLine> = labour
        .iter()
        .filter(|l| l.approval == "approved")
        .map(|l| LabourLine { hours: l.hours, rate: Money::from_cents(l.rate_cents) })
        .collect();
    let part_lines: Vec<PartLine> = parts
        .iter()
        .filter(|p| p.approval == "approved")
        .map(|p| PartLine { quantity: p.quantity.max(0) as u32, unit_price: Money::from_cents(p.unit_price_cents) })
        .collect();
    let totals = totals(&labour_lines, &part_lines, tax.map(|t| t.tax_rate_bp.max(0) as u32).unwrap_or(2_000));
    Ok(WorkOrderDetail { summary, labour, parts, totals, history, diagnostic_codes, inspection, documents })
}

pub fn status_of(summary: &WorkOrderSummary) -> ApiResult<WorkOrderStatus> {
    WorkOrderStatus::parse(&summary.status)
        .ok_or_else(|| ApiError::Internal(format!("work order {} has status {}", summary.id, summary.status)))
}
