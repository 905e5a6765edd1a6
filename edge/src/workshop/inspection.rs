//! Digital vehicle inspection: checklist items (green/amber/red, note, recommended work with its
//! price), photos in R2, and the customer's approval link (no account needed) on which each
//! recommended line is approved or declined on its own. Declined work is kept for follow-up.

use super::editing::{
    at_version, commit, current_conflict, detail_response, editable, internal, invalid, new_id, number, opt_text,
    param, publish_change, required_text, text, EditKind, AT_VERSION,
};
use super::work_order_records;
#[allow(unused_imports)]
use super::work_order_records::WorkOrderDetail;
use crate::platform::audit;
use crate::platform::auth::{require_principal, require_role, signing_key};
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_rfc3339, now_seconds, rfc3339_in};
use crate::platform::crypto::token_hash;
use crate::platform::idempotency;
use crate::platform::listing::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::platform::row_scope::RowScope;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::workshop::approval::{self, ApprovalClaims, ApprovalTokenError, Decision, APPROVAL_LINK_SECONDS};
use forecourt_domain::Problem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worker::{Headers, HttpMetadata, Request, Response, Result, RouteContext};

const RATINGS: [&str; 3] = ["green", "amber", "red"];
/// Photos from a tablet camera fit comfortably; anything bigger is not an inspection photo.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
const DOCUMENT_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "application/pdf"];
/// Declined work comes back to the advisor's follow-up list after this many days.
const FOLLOW_UP_DAYS: u64 = 30;

// ----- inspection items -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Recommended {
    operation: String,
    hours: f64,
    rate_cents: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ItemInput {
    item: String,
    rating: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    recommended: Option<Recommended>,
    #[serde(default)]
    expected_version: Option<i64>,
}

#[utoipa::path(post, path = "/api/work-orders/{id}/inspection", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = ItemInput,
    responses((status = 201, description = "The order with the new inspection item (recommended work as a pending line)", body = WorkOrderDetail)))]
pub async fn add_item(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(add_item_guarded(req, ctx).await)
}

async fn add_item_guarded(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal =
        require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin, Role::Technician]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| add_item_once(body, ctx, principal)).await
}

async fn add_item_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: ItemInput = parse_json(&body)?;
    let item = required_text("item", &request.item, 200)?;
    if !RATINGS.contains(&request.rating.as_str()) {
        return Err(invalid("rating", "rating is green, amber or red"));
    }
    let note = match request.note.as_deref() {
        Some(n) => Some(required_text("note", n, 2_000)?),
        None => None,
    };
    if request.recommended.is_some() && request.rating == "green" {
        return Err(invalid("recommended", "a green item needs no work; rate it amber or red to recommend some"));
    }
    let recommended = match &request.recommended {
        Some(r) => {
            let operation = required_text("recommended.operation", &r.operation, 200)?;
            if !(r.hours.is_finite() && r.hours > 0.0 && r.hours <= 100.0) {
                return Err(invalid("recommended.hours", "hours are more than 0 and at most 100"));
            }
            if !(0..=1_000_000).contains(&r.rate_cents) {
                return Err(invalid("recommended.rate_cents", "rate_cents is whole cents from 0 to 1000000"));
            }
            Some((operation, (r.hours * 100.0).round() / 100.0, r.rate_cents))
        }
        None => None,
    };
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Findings, request.expected_version).await?;
    let item_id = new_id("ins-")?;
    let labour_id = match recommended {
        Some(_) => Some(new_id("lab-")?),
        None => None,
    };
    let mut statements = Vec::new();
    if let (Some(id), Some((operation, hours, rate))) = (&labour_id, &recommended) {
        // Recommended work waits for the customer: pending lines are not charged.
        let mut values = at_version(&order);
        values.extend([text(id), text(operation), number(*hours), number(*rate as f64)]);
        statements.push(
            db.prepare(format!(
                "INSERT INTO work_order_labour (id, work_order_id, operation, hours, rate_cents, approval) \
                 SELECT ?3, ?1, ?4, ?5, ?6, 'pending' WHERE {AT_VERSION}"
            ))
            .bind(&values)?,
        );
    }
    let mut values = at_version(&order);
    values.extend([
        text(&item_id),
        text(&item),
        text(&request.rating),
        opt_text(note.as_deref()),
        opt_text(labour_id.as_deref()),
    ]);
    statements.push(
        db.prepare(format!(
            "INSERT INTO inspection_items (id, work_order_id, item, rating, note, labour_id) SELECT ?3, ?1, ?4, ?5, ?6, ?7 WHERE {AT_VERSION}"
        ))
        .bind(&values)?,
    );
    let after = serde_json::json!({ "id": item_id, "item": item, "rating": request.rating, "note": note, "labour_id": labour_id });
    if !commit(&db, &principal, &order, "inspection_added", &serde_json::Value::Null, &after, statements, None).await? {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "inspection_added", &principal).await;
    detail_response(&db, &principal, &order.id, 201).await
}

// ----- documents and photos (R2) -----

/// Whether the bytes are what the declared type says (a renamed executable is not a JPEG).
fn looks_like(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        _ => false,
    }
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct DocumentRow {
    id: String,
    owner_id: String,
    r2_key: String,
    content_type: String,
    bytes: i64,
    created_at: String,
}

/// `PUT /api/work-orders/{id}/documents`: the body is the file. Content-addressed (the R2 key is
/// the SHA-256 of the bytes), so a repeated upload stores one document: PUT is idempotent.
#[utoipa::path(put, path = "/api/work-orders/{id}/documents", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The file: image/jpeg, image/png, image/webp or application/pdf, at most 8 MiB"),
    responses((status = 201, description = "Stored in R2", body = DocumentRow), (status = 200, description = "The same bytes were already stored", body = DocumentRow)))]
pub async fn upload(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(upload_document(req, ctx).await)
}

async fn upload_document(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal =
        require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin, Role::Technician]).await?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Findings, None).await?;
    let content_type = req
        .headers()
        .get("content-type")?
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !DOCUMENT_TYPES.contains(&content_type.as_str()) {
        return Err(invalid("content-type", format!("upload one of {}", DOCUMENT_TYPES.join(", "))));
    }
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_DOCUMENT_BYTES) {
        return Err(ApiError::BodyTooLarge { limit: MAX_DOCUMENT_BYTES });
    }
    let bytes = req.bytes().await.map_err(|e| ApiError::InvalidBody { field: None, detail: e.to_string() })?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::BodyTooLarge { limit: MAX_DOCUMENT_BYTES });
    }
    if bytes.is_empty() || !looks_like(&content_type, &bytes) {
        return Err(invalid("content-type", format!("the body is not a {content_type} file")));
    }
    let digest = format!("{:x}", Sha256::digest(&bytes));
    let key = format!("work-orders/{}/{digest}", order.id);
    let existing: Option<DocumentRow> = db
        .prepare("SELECT id, owner_id, r2_key, content_type, bytes, created_at FROM documents WHERE r2_key = ?1")
        .bind(&[text(&key)])?
        .first(None)
        .await?;
    if let Some(existing) = existing {
        return Ok(Response::from_json(&existing)?);
    }
    let size = bytes.len();
    bindings::media(&ctx.env)?
        .put(&key, bytes)
        .http_metadata(HttpMetadata { content_type: Some(content_type.clone()), ..Default::default() })
        .execute()
        .await?;
    let document = DocumentRow {
        id: new_id("doc-")?,
        owner_id: order.id.clone(),
        r2_key: key,
        content_type,
        bytes: size as i64,
        created_at: now_rfc3339(),
    };
    let insert = db
        .prepare(
            "INSERT INTO documents (id, owner_kind, owner_id, r2_key, content_type, bytes, created_by, created_at) \
             VALUES (?1, 'work_order', ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (r2_key) DO NOTHING",
        )
        .bind(&[
            text(&document.id),
            text(&order.id),
            text(&document.r2_key),
            text(&document.content_type),
            number(size as f64),
            text(&principal.subject),
            text(&document.created_at),
        ])?;
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        "work_order.document_added",
        "work_order",
        &order.id,
        &serde_json::Value::Null,
        &document,
    )?;
    db.batch(vec![insert, audit]).await?;
    publish_change(&ctx.env, &order, "document_added", &principal).await;
    Ok(Response::from_json(&document)?.with_status(201))
}

/// `GET /api/work-orders/{id}/documents/{doc}`: streamed from R2 to whoever may see the order.
#[utoipa::path(get, path = "/api/work-orders/{id}/documents/{doc}", tag = "workshop", security(("bearer" = [])),
    params(("id" = String, Path), ("doc" = String, Path)),
    responses((status = 200, description = "The file, streamed from R2", content_type = "application/octet-stream")))]
pub async fn download(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(download_document(req, ctx).await)
}

async fn download_document(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    let db = bindings::database(&ctx.env)?;
    let order = work_order_records::find(&db, &principal, &param(&ctx, "id")?).await?;
    let doc_id = param(&ctx, "doc")?;
    let row: Option<DocumentRow> = db
        .prepare(
            "SELECT id, owner_id, r2_key, content_type, bytes, created_at FROM documents \
             WHERE id = ?1 AND owner_kind = 'work_order' AND owner_id = ?2",
        )
        .bind(&[text(&doc_id), text(&order.id)])?
        .first(None)
        .await?;
    let row = row.ok_or(ApiError::NotFound { what: "document", id: doc_id.clone() })?;
    let object = bindings::media(&ctx.env)?
        .get(&row.r2_key)
        .execute()
        .await?
        .ok_or(ApiError::NotFound { what: "document", id: doc_id })?;
    let body = object.body().ok_or_else(|| internal("R2 object without a body"))?.response_body()?;
    let headers = Headers::new();
    headers.set("content-type", &row.content_type)?;
    headers.set("cache-control", "private, max-age=3600")?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(Response::from_body(body)?.with_headers(headers))
}

// ----- approval links -----

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LinkRequest {
    #[serde(default)]
    expected_version: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Link {
    token: String,
    path: String,
    expires_at: String,
    pending_lines: usize,
}

#[derive(Deserialize, Serialize, Clone)]
struct Recommendation {
    id: String,
    operation: String,
    hours: f64,
    rate_cents: i64,
    approval: String,
    item: Option<String>,
    rating: Option<String>,
    note: Option<String>,
}

async fn recommendations(db: &worker::D1Database, order: &str) -> ApiResult<Vec<Recommendation>> {
    Ok(db
        .prepare(
            "SELECT l.id, l.operation, l.hours, l.rate_cents, l.approval, i.item, i.rating, i.note \
             FROM work_order_labour l LEFT JOIN inspection_items i ON i.labour_id = l.id \
             WHERE l.work_order_id = ?1 AND (l.approval != 'approved' OR i.id IS NOT NULL) ORDER BY l.id",
        )
        .bind(&[text(order)])?
        .all()
        .await?
        .results()?)
}

#[utoipa::path(post, path = "/api/work-orders/{id}/approval-link", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = LinkRequest,
    responses((status = 201, description = "A signed link for the customer (replaces any earlier one)", body = Link)))]
pub async fn create_link(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(create_link_guarded(req, ctx).await)
}

async fn create_link_guarded(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| create_link_once(body, ctx, principal)).await
}

async fn create_link_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: LinkRequest = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let order = editable(&db, &principal, &param(&ctx, "id")?, EditKind::Lines, request.expected_version).await?;
    let pending = recommendations(&db, &order.id).await?.into_iter().filter(|r| r.approval == "pending").count();
    if pending == 0 {
        return Err(invalid("work_order", "nothing is waiting for the customer's approval"));
    }
    let claims =
        ApprovalClaims { wo: order.id.clone(), v: order.version + 1, exp: now_seconds() + APPROVAL_LINK_SECONDS };
    let token = approval::sign(&claims, &signing_key(&ctx.env)?);
    // A new link replaces the previous one; the link is valid at the version this edit creates.
    let mut values = at_version(&order);
    values.push(text(&token_hash(&token)));
    let statement = db
        .prepare(format!(
            "UPDATE work_orders SET approval_token_hash = ?3, approval_link_version = ?2 + 1 WHERE id = ?1 AND {AT_VERSION}"
        ))
        .bind(&values)?;
    let after = serde_json::json!({ "approval_link": "issued", "expires_in_s": APPROVAL_LINK_SECONDS, "pending_lines": pending });
    if !commit(&db, &principal, &order, "approval_link_issued", &serde_json::Value::Null, &after, vec![statement], None)
        .await?
    {
        return Err(current_conflict(&db, &principal, &order.id).await?);
    }
    publish_change(&ctx.env, &order, "approval_link_issued", &principal).await;
    Ok(Response::from_json(&Link {
        path: format!("/approve/{token}"),
        token,
        expires_at: rfc3339_in(APPROVAL_LINK_SECONDS),
        pending_lines: pending,
    })?
    .with_status(201))
}

// ----- the customer's side (no account) -----

#[derive(Deserialize, Serialize, Clone)]
struct LinkedOrder {
    id: String,
    location_id: String,
    customer_id: String,
    status: String,
    complaint: String,
    version: i64,
    approval_token_hash: Option<String>,
    approval_link_version: Option<i64>,
    make: String,
    model: String,
    registration: Option<String>,
}

fn gone(detail: &str) -> ApiResult<Response> {
    let problem = Problem::new(410, "link-gone", "Link no longer valid").with_detail(detail).with_field("token");
    let headers = Headers::new();
    headers.set("content-type", Problem::CONTENT_TYPE)?;
    Ok(Response::from_bytes(serde_json::to_vec(&problem).map_err(internal)?)?.with_status(410).with_headers(headers))
}

enum Linked {
    Valid(LinkedOrder),
    Gone(&'static str),
}

/// The order behind a link: a forged or malformed link is 401, an old one 410.
async fn linked(ctx: &RouteContext<()>, token: &str) -> ApiResult<Linked> {
    let claims = match approval::verify(token, &signing_key(&ctx.env)?, now_seconds()) {
        Ok(claims) => claims,
        Err(ApprovalTokenError::Expired) => {
            return Ok(Linked::Gone("this approval link has expired; ask the workshop for a new one"))
        }
        Err(_) => return Err(ApiError::Unauthenticated),
    };
    let db = bindings::database(&ctx.env)?;
    let order: Option<LinkedOrder> = db
        .prepare(
            "SELECT w.id, w.location_id, w.customer_id, w.status, w.complaint, w.version, w.approval_token_hash, \
             w.approval_link_version, v.make, v.model, v.registration \
             FROM work_orders w JOIN owned_vehicles v ON v.id = w.owned_vehicle_id WHERE w.id = ?1",
        )
        .bind(&[text(&claims.wo)])?
        .first(None)
        .await?;
    let order = order.ok_or(ApiError::Unauthenticated)?;
    if order.approval_token_hash.as_deref() != Some(token_hash(token).as_str()) {
        return Ok(Linked::Gone("a newer link was sent for this work order; use that one"));
    }
    if order.approval_link_version != Some(order.version) || matches!(order.status.as_str(), "collected" | "cancelled")
    {
        return Ok(Linked::Gone("the work order changed since this link was sent; the workshop will send a new one"));
    }
    Ok(Linked::Valid(order))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ApprovalView {
    work_order_id: String,
    vehicle: String,
    complaint: String,
    status: String,
    lines: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/approvals/{token}", tag = "workshop", params(("token" = String, Path)),
    responses((status = 200, description = "The recommended lines to decide (no account needed)", body = ApprovalView),
        (status = 401, description = "A forged or malformed link"), (status = 410, description = "An expired, replaced or stale link")))]
pub async fn view(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(view_link(req, ctx).await)
}

async fn view_link(_req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let token = param(&ctx, "token")?;
    let order = match linked(&ctx, &token).await? {
        Linked::Valid(order) => order,
        Linked::Gone(why) => return gone(why),
    };
    let db = bindings::database(&ctx.env)?;
    let lines = recommendations(&db, &order.id)
        .await?
        .into_iter()
        .map(|r| {
            let price_cents = (r.hours * r.rate_cents as f64).round() as i64;
            serde_json::json!({
                "line_id": r.id, "operation": r.operation, "hours": r.hours, "price_cents": price_cents,
                "approval": r.approval, "item": r.item, "rating": r.rating, "note": r.note,
            })
        })
        .collect();
    // Only what the decision needs: no name, no contact data, no account.
    Ok(Response::from_json(&ApprovalView {
        work_order_id: order.id,
        vehicle: format!(
            "{} {}{}",
            order.make,
            order.model,
            order.registration.map(|r| format!(" ({r})")).unwrap_or_default()
        ),
        complaint: order.complaint,
        status: order.status,
        lines,
    })?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionInput {
    line_id: String,
    decision: Decision,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Decisions {
    decisions: Vec<DecisionInput>,
}

#[utoipa::path(post, path = "/api/approvals/{token}", tag = "workshop", params(("token" = String, Path)), request_body = Decisions,
    responses((status = 200, description = "Decisions recorded; the new totals"),
        (status = 401, description = "A forged or malformed link"), (status = 410, description = "An expired, replaced or stale link")))]
pub async fn decide(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(decide_guarded(req, ctx).await)
}

async fn decide_guarded(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let token = param(&ctx, "token")?;
    let order = match linked(&ctx, &token).await? {
        Linked::Valid(order) => order,
        Linked::Gone(why) => return gone(why),
    };
    // The link acts for the order's customer, and only on this order.
    let principal = Principal {
        subject: format!("approval-link:{}", &token_hash(&token)[..16]),
        role: Role::Customer,
        location_ids: Vec::new(),
        customer_id: Some(order.customer_id.clone()),
    };
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| decide_once(body, ctx, principal, order)).await
}

async fn decide_once(
    body: Vec<u8>,
    ctx: RouteContext<()>,
    principal: Principal,
    order: LinkedOrder,
) -> ApiResult<Response> {
    let request: Decisions = parse_json(&body)?;
    if request.decisions.is_empty() {
        return Err(invalid("decisions", "decide at least one line"));
    }
    let db = bindings::database(&ctx.env)?;
    let lines = recommendations(&db, &order.id).await?;
    let mut seen = std::collections::BTreeSet::new();
    for (i, decision) in request.decisions.iter().enumerate() {
        let field = format!("decisions[{i}].line_id");
        let line = lines
            .iter()
            .find(|l| l.id == decision.line_id)
            .ok_or_else(|| invalid(&field, "no such recommended line on this work order"))?;
        if line.approval != "pending" {
            return Err(invalid(&field, format!("this line was already {}", line.approval)));
        }
        if !seen.insert(&decision.line_id) {
            return Err(invalid(&field, "each line is decided once"));
        }
    }
    let summary = work_order_records::WorkOrderSummary {
        id: order.id.clone(),
        location_id: order.location_id.clone(),
        customer_id: order.customer_id.clone(),
        owned_vehicle_id: String::new(),
        advisor_id: None,
        technician_id: None,
        bay_id: None,
        mileage_in: 0,
        complaint: order.complaint.clone(),
        status: order.status.clone(),
        version: order.version,
        created_at: String::new(),
        updated_at: String::new(),
    };
    let now = now_rfc3339();
    let follow_up = rfc3339_in(FOLLOW_UP_DAYS * 86_400);
    let mut statements = Vec::new();
    for decision in &request.decisions {
        let mut values = at_version(&summary);
        values.extend([
            text(&decision.line_id),
            text(decision.decision.approval()),
            text(&now),
            if decision.decision == Decision::Decline { text(&follow_up) } else { worker::wasm_bindgen::JsValue::NULL },
        ]);
        statements.push(
            db.prepare(format!(
                "UPDATE work_order_labour SET approval = ?4, decided_at = ?5, follow_up_at = ?6 \
                 WHERE id = ?3 AND work_order_id = ?1 AND approval = 'pending' AND {AT_VERSION}"
            ))
            .bind(&values)?,
        );
    }
    // The customer's own answers keep the link valid for the lines still open.
    statements.push(
        db.prepare(format!("UPDATE work_orders SET approval_link_version = ?2 + 1 WHERE id = ?1 AND {AT_VERSION}"))
            .bind(&at_version(&summary))?,
    );
    let after: Vec<serde_json::Value> = request
        .decisions
        .iter()
        .map(|d| serde_json::json!({ "line_id": d.line_id, "approval": d.decision.approval() }))
        .collect();
    if !commit(&db, &principal, &summary, "approval", &serde_json::Value::Null, &after, statements, None).await? {
        return gone("the work order changed while you were deciding; reload the link");
    }
    publish_change(&ctx.env, &summary, "approval", &principal).await;
    let order = work_order_records::find(&db, &Principal { role: Role::Admin, ..principal }, &order.id).await?;
    let detail = work_order_records::detail(&db, order).await?;
    Ok(Response::from_json(&serde_json::json!({
        "work_order_id": detail.summary.id,
        "totals": detail.totals,
        "decided": after,
    }))?)
}

// ----- declined work, for follow-up -----

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct DeclinedLine {
    line_id: String,
    work_order_id: String,
    location_id: String,
    customer_id: String,
    owned_vehicle_id: String,
    operation: String,
    hours: f64,
    rate_cents: i64,
    decided_at: Option<String>,
    follow_up_at: Option<String>,
}

#[utoipa::path(get, path = "/api/declined-work", tag = "workshop", security(("bearer" = [])),
    params(("due" = Option<bool>, Query, description = "only lines whose follow-up date has come"), ("cursor" = Option<String>, Query),
        ("limit" = Option<u32>, Query, description = "1–100")),
    responses((status = 200, description = "Declined lines of the caller's locations, for follow-up", body = DeclinedPage)))]
pub async fn declined(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_declined(req, ctx).await)
}

async fn list_declined(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Admin]).await?;
    let (mut due, mut cursor, mut limit) = (false, None, DEFAULT_LIMIT);
    for (key, value) in req.url()?.query_pairs() {
        match key.as_ref() {
            "due" => {
                due = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid("due", "due is true or false")),
                }
            }
            "cursor" => cursor = Some(value.into_owned()),
            "limit" => {
                limit =
                    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    })?
            }
            other => return Err(invalid(other, format!("unknown query parameter '{other}'"))),
        }
    }
    let scope = match principal.role {
        Role::Admin => RowScope::everything(),
        _ => RowScope::locations("w.location_id", &principal)?,
    };
    let condition = scope.condition.clone();
    let sql = format!(
        "SELECT l.id AS line_id, w.id AS work_order_id, w.location_id, w.customer_id, w.owned_vehicle_id, l.operation, \
         l.hours, l.rate_cents, l.decided_at, l.follow_up_at FROM work_order_labour l JOIN work_orders w ON w.id = l.work_order_id \
         WHERE l.approval = 'declined' AND {condition} AND (?1 = 0 OR l.follow_up_at <= ?2) AND (?3 IS NULL OR l.id > ?3) \
         ORDER BY l.id LIMIT ?4"
    );
    let values = scope.bind(vec![
        number(f64::from(u8::from(due))),
        text(&now_rfc3339()),
        opt_text(cursor.as_deref()),
        number(f64::from(limit)),
    ]);
    let db = bindings::database(&ctx.env)?;
    let items: Vec<DeclinedLine> = db.prepare(sql).bind(&values)?.all().await?.results()?;
    let next_cursor = (items.len() == limit as usize).then(|| items.last().map(|l| l.line_id.clone())).flatten();
    Ok(Response::from_json(&DeclinedPage { items, next_cursor })?)
}

#[derive(Serialize, utoipa::ToSchema)]
struct DeclinedPage {
    items: Vec<DeclinedLine>,
    next_cursor: Option<String>,
}
