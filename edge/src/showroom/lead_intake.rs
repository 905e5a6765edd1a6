//! `POST /api/leads`: a new lead from the web form, a signed-in customer, a kiosk or staff. The
//! person is found again (or created) by their contact data, the lead is scored on what is known
//! at arrival, a hot lead goes at once to the showroom's least recently assigned available rep,
//! and everything (customer, lead, history, timeline, assignment, notification, audit) is one
//! D1 batch. `POST /api/leads/:id/assignment` reassigns.

use super::leads::{self, LeadRow};
use super::vehicle_records;
use crate::customers::notifications::Pending;
use crate::customers::records::{self, audit_as, optional, to_json};
use crate::platform::auth::authenticate;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339, now_seconds};
use crate::platform::crypto::random_bytes;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::analytics::lead_scoring::{LeadModel, LeadScore};
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::{RoomEvent, RoomName};
use forecourt_domain::showroom::assignment::{may_assign, next_rep, RepState, AUTO_ASSIGN_SCORE};
use forecourt_domain::showroom::intake::{source_name, ArrivalContext, LeadCustomer, NewLead, Submitter};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response, Result, RouteContext};

/// Ids that sort after the demo's `lead-00001…` and by time among themselves, so "newest
/// first" by id stays true: `lead-t<epoch ms>-<random>`.
pub fn time_ordered_id(prefix: &str) -> ApiResult<String> {
    let random: String =
        random_bytes(3).map_err(|e| ApiError::Internal(e.to_string()))?.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}-t{:013}-{random}", now_millis() as u64))
}

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput { field: field.into(), detail: detail.into() }
}

fn internal(error: impl ToString) -> ApiError {
    ApiError::Internal(error.to_string())
}

/// Who submits, and the key space their idempotency keys live in.
fn submitter(principal: Option<&Principal>) -> ApiResult<Submitter> {
    match principal {
        None => Ok(Submitter::Anonymous),
        Some(p) => match p.role {
            Role::Customer => Ok(Submitter::Customer {
                customer_id: p.customer_id.clone().ok_or_else(|| ApiError::Forbidden("no customer record".into()))?,
            }),
            Role::Kiosk => Ok(Submitter::Kiosk {
                location_id: p.location_ids.first().cloned().ok_or_else(|| internal("kiosk without a location"))?,
            }),
            Role::Sales | Role::Manager | Role::Admin => Ok(Submitter::Staff),
            other => Err(ApiError::Forbidden(format!("a {} does not take leads", other.as_str()))),
        },
    }
}

/// What the public form and kiosks get back: a receipt, never the profile behind it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LeadReceipt {
    pub id: String,
    pub status: String,
    pub received_at: String,
}

/// `POST /api/leads`.
#[utoipa::path(post, path = "/api/leads", tag = "showroom",
    security((), ("bearer" = []), ("device_token" = [])),
    request_body = NewLead,
    responses(
        (status = 201, description = "Staff and customers get the lead (score, reasons, assignment); \
            the anonymous web form and kiosks a receipt", body = leads::Lead),
        (status = 201, description = "Receipt (anonymous, kiosk)", body = LeadReceipt)))]
pub async fn create(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(create_lead(req, ctx).await)
}

async fn create_lead(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = authenticate(&req, &ctx.env).await?;
    let submitter = submitter(principal.as_ref())?;
    // The public form's retries are keyed per client address.
    let key_owner = principal.clone().unwrap_or_else(|| Principal {
        subject: format!(
            "anonymous:{}",
            req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| "unknown".into())
        ),
        role: Role::Customer,
        location_ids: Vec::new(),
        customer_id: None,
    });
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &key_owner, |body| create_once(body, env.clone(), principal, submitter)).await
}

#[derive(Deserialize)]
struct Exists {
    id: String,
}

#[derive(Deserialize)]
struct Facts {
    is_returning: i64,
    prior: i64,
}

#[derive(Deserialize)]
struct StoredModel {
    model: String,
}

/// The live scoring model; none stored means leads arrive unscored (and are never auto-assigned).
async fn live_model(db: &D1Database) -> ApiResult<Option<LeadModel>> {
    let row: Option<StoredModel> =
        db.prepare("SELECT model FROM lead_models ORDER BY trained_at DESC, version DESC LIMIT 1").first(None).await?;
    row.map(|r| serde_json::from_str(&r.model).map_err(|e| internal(format!("stored lead model: {e}")))).transpose()
}

#[derive(Deserialize)]
struct RepRow {
    id: String,
    available: i64,
    last_assigned_at: Option<String>,
}

/// The sales reps of a location, with what assignment needs to know.
async fn reps(db: &D1Database, location_id: &str) -> ApiResult<Vec<RepState>> {
    let rows: Vec<RepRow> = db
        .prepare(
            "SELECT u.id, u.available, u.last_assigned_at FROM users u JOIN user_locations ul ON ul.user_id = u.id \
             WHERE ul.location_id = ?1 AND u.role = 'sales' AND u.active = 1",
        )
        .bind(&[JsValue::from_str(location_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows
        .into_iter()
        .map(|r| RepState { id: r.id, available: r.available != 0, last_assigned_at: r.last_assigned_at })
        .collect())
}

/// The showroom of a location (the realtime floor room); every demo location has one.
pub async fn showroom_of(db: &D1Database, location_id: &str) -> ApiResult<Option<String>> {
    let row: Option<Exists> = db
        .prepare("SELECT id FROM showrooms WHERE location_id = ?1 ORDER BY id LIMIT 1")
        .bind(&[JsValue::from_str(location_id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.id))
}

async fn exists(db: &D1Database, sql: &str, id: &str) -> ApiResult<bool> {
    let row: Option<Exists> = db.prepare(sql).bind(&[JsValue::from_str(id)])?.first(None).await?;
    Ok(row.is_some())
}

/// The statements that give `lead_id` to `rep_id`: the lead, the rep's round-robin clock, and
/// the rep's notification. The lead update is guarded by `version`, so a stale reassignment
/// changes nothing; the rest follows only if it changed a row.
fn assignment_statements(
    db: &D1Database,
    lead_id: &str,
    version: i64,
    rep_id: &str,
    notice: &Pending,
    now: &str,
    audit: D1PreparedStatement,
) -> ApiResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.prepare(
            "UPDATE leads SET assigned_rep_id = ?1, assigned_at = ?2, version = version + 1, updated_at = ?2 \
             WHERE id = ?3 AND version = ?4",
        )
        .bind(&[
            JsValue::from_str(rep_id),
            JsValue::from_str(now),
            JsValue::from_str(lead_id),
            JsValue::from_f64(version as f64),
        ])?,
        audit,
        db.prepare("UPDATE users SET last_assigned_at = ?1 WHERE id = ?2 AND changes() = 1")
            .bind(&[JsValue::from_str(now), JsValue::from_str(rep_id)])?,
        notice.statement_if_changed(db)?,
    ])
}

fn lead_notice(rep_id: &str, lead_id: &str, source: &str, score: Option<f64>) -> ApiResult<Pending> {
    let body = match score {
        Some(score) => {
            format!("A {source} lead scored {:.0} % is yours; the response clock is running.", score * 100.0)
        }
        None => format!("A {source} lead is yours; the response clock is running."),
    };
    Pending::new(rep_id, "lead_assigned", "New lead assigned", &body, Some(format!("/leads/{lead_id}")))
}

async fn publish_assigned(env: &Env, lead_id: &str, location_id: &str, showroom: Option<&str>, rep_id: &str) {
    let event = RoomEvent::LeadAssigned {
        lead_id: lead_id.to_owned(),
        location_id: location_id.to_owned(),
        rep_id: rep_id.to_owned(),
    };
    let mut rooms = vec![RoomName::Lead(lead_id.to_owned()), RoomName::User(rep_id.to_owned())];
    rooms.extend(showroom.map(|s| RoomName::Showroom(s.to_owned())));
    publish::to_rooms(env, &rooms, &event).await;
}

async fn create_once(
    body: Vec<u8>,
    env: Env,
    principal: Option<Principal>,
    submitter: Submitter,
) -> ApiResult<Response> {
    let request: NewLead = parse_json(&body)?;
    let intake = request.validate(&submitter).map_err(|e| invalid(e.field, e.reason))?;
    let db = bindings::database(&env)?;

    // Where: the location given, the vehicle's, or the kiosk's.
    let vehicle = match &intake.vehicle_id {
        Some(id) => Some(
            vehicle_records::find_public(&db, id)
                .await?
                .ok_or_else(|| invalid("vehicle_id", format!("'{id}' is not a vehicle in stock")))?,
        ),
        None => None,
    };
    let location_id = match (&intake.location_id, &vehicle) {
        (Some(given), Some(v)) if *given != v.location_id => {
            return Err(invalid("location_id", "the vehicle is at another location"))
        }
        (Some(given), _) => given.clone(),
        (None, Some(v)) => v.location_id.clone(),
        (None, None) => return Err(invalid("location_id", "give the location_id or a vehicle_id")),
    };
    if !exists(&db, "SELECT id FROM locations WHERE id = ?1", &location_id).await? {
        return Err(invalid("location_id", format!("'{location_id}' is not a location")));
    }
    if let Some(p) = principal.as_ref().filter(|p| p.role.is_staff()) {
        if !p.works_at(&location_id) {
            return Err(ApiError::Forbidden("you take leads for your own location only".into()));
        }
    }
    if let Some(model_id) = &intake.model_id {
        if !exists(&db, "SELECT id FROM models WHERE id = ?1", model_id).await? {
            return Err(invalid("model_id", format!("'{model_id}' is not a model")));
        }
    }

    // Who: an existing profile, or the one these contact data find, or a new one.
    let now = now_rfc3339();
    let mut statements = Vec::new();
    let actor = principal.as_ref().map(|p| (p.subject.as_str(), p.role.as_str()));
    let customer_id = match &intake.customer {
        LeadCustomer::Existing(id) => {
            let row = records::find(&db, id).await?;
            match row {
                Some(row) if row.merged_into.is_none() => row.id,
                Some(row) => row.merged_into.unwrap_or_default(),
                None => return Err(invalid("customer_id", format!("'{id}' is not a customer"))),
            }
        }
        LeadCustomer::Contact { name, keys } => {
            let email = keys.email.as_ref().map(|e| e.as_str());
            let phone = keys.phone.as_ref().map(|p| p.as_str());
            match records::find_by_contact(&db, email, phone).await? {
                Some(id) => id,
                None => {
                    let id = time_ordered_id("cus")?;
                    statements.push(
                        db.prepare(
                            "INSERT INTO customers (id, name, email, phone, preferred_contact, home_location_id, \
                             created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                        )
                        .bind(&[
                            JsValue::from_str(&id),
                            JsValue::from_str(name),
                            optional(email),
                            optional(phone),
                            JsValue::from_str(intake.preferred_contact.as_str()),
                            JsValue::from_str(&location_id),
                            JsValue::from_str(&now),
                        ])?,
                    );
                    let after = serde_json::json!({"id": id, "name": name, "email": email, "phone": phone});
                    statements.push(audit_as(&db, actor, "customer.create", "customer", &id, &(), &after)?);
                    id
                }
            }
        }
    };

    // The score, from what is known now: the profile's past, not this lead's future.
    let facts: Option<Facts> = db
        .prepare(
            "SELECT (EXISTS (SELECT 1 FROM sales WHERE customer_id = ?1) OR EXISTS (SELECT 1 FROM owned_vehicles \
             WHERE customer_id = ?1)) AS is_returning, (SELECT COUNT(*) FROM leads WHERE customer_id = ?1) AS prior",
        )
        .bind(&[JsValue::from_str(&customer_id)])?
        .first(None)
        .await?;
    let context = ArrivalContext {
        arrived_at_millis: now_millis() as i64,
        vehicle_price_cents: vehicle.as_ref().map(|v| v.price.cents()),
        returning_customer: facts.as_ref().is_some_and(|f| f.is_returning != 0),
        prior_visits: facts.as_ref().map(|f| f.prior.clamp(0, 1_000) as u32).unwrap_or(0),
    };
    let score: Option<LeadScore> = live_model(&db).await?.map(|model| model.score(&intake.at_arrival(&context)));
    let probability = score.as_ref().map(|s| s.probability.clamp(0.0, 1.0));
    let reasons = score.as_ref().map(|s| to_json(&s.contributions)).transpose()?;

    // Hot leads go straight to a rep.
    let rep = match probability {
        Some(p) if p > AUTO_ASSIGN_SCORE => next_rep(&reps(&db, &location_id).await?).map(str::to_owned),
        _ => None,
    };
    let lead_id = time_ordered_id("lead")?;
    let source = source_name(intake.source);
    statements.push(
        db.prepare(
            "INSERT INTO leads (id, customer_id, location_id, source, vehicle_id, model_id, budget_min_cents, \
             budget_max_cents, timeframe, preferred_contact, trade_in, finance_requested, message, status, score, \
             score_model, score_reasons, version, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'new', ?14, ?15, ?16, 1, ?17, ?17)",
        )
        .bind(&[
            JsValue::from_str(&lead_id),
            JsValue::from_str(&customer_id),
            JsValue::from_str(&location_id),
            JsValue::from_str(source),
            optional(intake.vehicle_id.as_deref()),
            optional(intake.model_id.as_deref()),
            intake.budget_min_cents.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL),
            intake.budget_max_cents.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL),
            JsValue::from_str(intake.timeframe.as_str()),
            JsValue::from_str(intake.preferred_contact.as_str()),
            JsValue::from(i32::from(intake.trade_in)),
            JsValue::from(i32::from(intake.finance)),
            optional(intake.message.as_deref()),
            probability.map(JsValue::from_f64).unwrap_or(JsValue::NULL),
            optional(score.as_ref().map(|s| s.model_version.as_str())),
            optional(reasons.as_ref().map(|r| r.to_string()).as_deref()),
            JsValue::from_str(&now),
        ])?,
    );
    let audit_after = serde_json::json!({
        "id": lead_id, "customer_id": customer_id, "location_id": location_id, "source": source,
        "vehicle_id": intake.vehicle_id, "model_id": intake.model_id, "budget_min_cents": intake.budget_min_cents,
        "budget_max_cents": intake.budget_max_cents, "timeframe": intake.timeframe.as_str(),
        "preferred_contact": intake.preferred_contact.as_str(), "score": probability,
        "score_model": score.as_ref().map(|s| s.model_version.clone()), "reasons": reasons,
    });
    statements.push(audit_as(&db, actor, "lead.create", "lead", &lead_id, &(), &audit_after)?);
    statements.push(
        db.prepare(
            "INSERT INTO lead_history (lead_id, from_status, to_status, actor_id, note, at) VALUES (?1, NULL, 'new', ?2, ?3, ?4)",
        )
        .bind(&[
            JsValue::from_str(&lead_id),
            optional(actor.map(|a| a.0)),
            JsValue::from_str(&format!("from {source}")),
            JsValue::from_str(&now),
        ])?,
    );
    statements.push(records::activity(
        &db,
        &customer_id,
        intake.channel,
        "lead",
        &serde_json::json!({"lead_id": lead_id, "source": source, "vehicle_id": intake.vehicle_id}),
    )?);
    let notice = match &rep {
        Some(rep_id) => {
            let notice = lead_notice(rep_id, &lead_id, source, probability)?;
            let audit = audit_as(
                &db,
                actor,
                "lead.assign",
                "lead",
                &lead_id,
                &serde_json::json!({"assigned_rep_id": null}),
                &serde_json::json!({"assigned_rep_id": rep_id, "rule": "auto: score above 0.7, least recently assigned"}),
            )?;
            statements.extend(assignment_statements(&db, &lead_id, 1, rep_id, &notice, &now, audit)?);
            Some(notice)
        }
        None => None,
    };
    db.batch(statements).await?;

    // Committed: tell the floor, the lead's room and the rep.
    let showroom = showroom_of(&db, &location_id).await?;
    let created = RoomEvent::LeadCreated {
        lead_id: lead_id.clone(),
        location_id: location_id.clone(),
        source: source.to_owned(),
        score: probability.unwrap_or(0.0),
    };
    let mut rooms = vec![RoomName::Lead(lead_id.clone())];
    rooms.extend(showroom.clone().map(RoomName::Showroom));
    publish::to_rooms(&env, &rooms, &created).await;
    if let (Some(rep_id), Some(notice)) = (&rep, &notice) {
        publish_assigned(&env, &lead_id, &location_id, showroom.as_deref(), rep_id).await;
        notice.publish(&env).await;
    }

    // Staff and the customer see the lead; the public form and kiosks only its receipt.
    let response = match principal
        .as_ref()
        .filter(|p| matches!(p.role, Role::Sales | Role::Manager | Role::Admin | Role::Customer))
    {
        Some(p) => to_json(&leads::with_timer(leads::find(&db, p, &lead_id).await?, now_seconds()))?,
        None => to_json(&LeadReceipt { id: lead_id, status: "new".into(), received_at: now })?,
    };
    Ok(Response::from_json(&response)?.with_status(201))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Assignment {
    /// Omitted by sales taking a lead for themselves.
    #[serde(default)]
    rep_id: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

/// `POST /api/leads/:id/assignment` with `{"rep_id"?, "expected_version"?}`.
#[utoipa::path(post, path = "/api/leads/{id}/assignment", tag = "showroom", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Assignment,
    responses((status = 200, description = "The lead with its new rep", body = leads::Lead)))]
pub async fn assign(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(assign_lead(req, ctx).await)
}

async fn assign_lead(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal =
        crate::platform::auth::require_role(&req, &ctx.env, &[Role::Sales, Role::Manager, Role::Admin]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| assign_once(body, ctx, principal)).await
}

async fn assign_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Assignment = parse_json(&body)?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    let db = bindings::database(&ctx.env)?;
    // Another location's lead is as unknown as a missing one.
    let before: LeadRow = leads::find(&db, &principal, &id).await?;
    let target = request.rep_id.clone().unwrap_or_else(|| principal.subject.clone());
    may_assign(principal.role, &principal.subject, before.assigned_rep_id.as_deref(), &target).map_err(|refusal| {
        match refusal {
            forecourt_domain::showroom::assignment::AssignmentRefusal::Unchanged => {
                invalid("rep_id", refusal.to_string())
            }
            _ => ApiError::Forbidden(refusal.to_string()),
        }
    })?;
    if request.expected_version.is_some_and(|v| v != before.version) {
        return Err(ApiError::Conflict { current: to_json(&leads::with_timer(before, now_seconds()))? });
    }
    if !reps(&db, &before.location_id).await?.iter().any(|r| r.id == target) {
        return Err(invalid("rep_id", "not a sales rep of this lead's location"));
    }
    let now = now_rfc3339();
    let notice = lead_notice(&target, &id, &before.source, before.score)?;
    let mut after = before.clone();
    after.assigned_rep_id = Some(target.clone());
    after.assigned_at = Some(now.clone());
    after.version += 1;
    let audit = crate::platform::audit::entry_if_changed(&db, &principal, "lead.assign", "lead", &id, &before, &after)?;
    let statements = assignment_statements(&db, &id, before.version, &target, &notice, &now, audit)?;
    let results = db.batch(statements).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if changed == 0 {
        let current = leads::find(&db, &principal, &id).await?;
        return Err(ApiError::Conflict { current: to_json(&leads::with_timer(current, now_seconds()))? });
    }
    let showroom = showroom_of(&db, &before.location_id).await?;
    publish_assigned(&ctx.env, &id, &before.location_id, showroom.as_deref(), &target).await;
    notice.publish(&ctx.env).await;
    Ok(Response::from_json(&leads::with_timer(leads::find(&db, &principal, &id).await?, now_seconds()))?)
}
