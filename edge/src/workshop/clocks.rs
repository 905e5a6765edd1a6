//! Technician clocks: shift on/off, job on/off (only the assigned technician, one job at a time,
//! never outside a shift), "my jobs" with billed against actual hours, and the workshop board.

use super::editing::{internal, invalid, new_id, param, text};
use super::work_order_records::{self, WorkOrderSummary};
use crate::platform::audit;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::{now_millis, now_rfc3339};
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::identity::{Principal, Role};
use forecourt_domain::realtime::RoomEvent;
use forecourt_domain::workshop::clocks::{self, efficiency, ClockError, Efficiency, OpenClocks};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Request, Response, Result, RouteContext};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Toggle {
    on: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockRow {
    pub id: String,
    pub technician_id: String,
    pub work_order_id: Option<String>,
    pub kind: String,
    pub started_at: String,
    pub ended_at: Option<String>,
}

const CLOCK_COLUMNS: &str = "id, technician_id, work_order_id, kind, started_at, ended_at";

/// Closing time: now, but always after the start (a clock on and off within one millisecond).
const END_AT: &str =
    "CASE WHEN ?1 > started_at THEN ?1 ELSE strftime('%Y-%m-%dT%H:%M:%fZ', started_at, '+0.001 seconds') END";

async fn open_clocks(db: &D1Database, technician: &str) -> ApiResult<Vec<ClockRow>> {
    Ok(db
        .prepare(format!("SELECT {CLOCK_COLUMNS} FROM technician_clocks WHERE technician_id = ?1 AND ended_at IS NULL"))
        .bind(&[text(technician)])?
        .all()
        .await?
        .results()?)
}

fn open_state(rows: &[ClockRow]) -> OpenClocks {
    OpenClocks {
        shift: rows.iter().any(|r| r.kind == "shift"),
        job: rows.iter().find(|r| r.kind == "job").and_then(|r| r.work_order_id.clone()),
    }
}

fn refused(error: ClockError) -> ApiError {
    match error {
        ClockError::NotYourJob => ApiError::Forbidden(error.to_string()),
        other => invalid("on", other.to_string()),
    }
}

async fn board_event(
    ctx: &RouteContext<()>,
    location: &str,
    technician: &str,
    order: Option<&WorkOrderSummary>,
    status: &str,
) {
    let event = RoomEvent::BoardUpdated {
        location_id: location.to_owned(),
        bay: order.and_then(|o| o.bay_id.clone()).unwrap_or_default(),
        technician_id: Some(technician.to_owned()),
        work_order_id: order.map(|o| o.id.clone()),
        status: status.to_owned(),
    };
    publish::event(&ctx.env, &event).await;
}

fn changed(results: &[worker::D1Result]) -> bool {
    results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) == 1
}

// ----- shift -----

#[utoipa::path(post, path = "/api/clocks/shift", tag = "workshop", security(("bearer" = [])), request_body = Toggle,
    responses((status = 200, description = "On or off shift, with the open clocks")))]
pub async fn shift(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(shift_guarded(req, ctx).await)
}

async fn shift_guarded(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Technician]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| shift_once(body, ctx, principal)).await
}

async fn shift_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Toggle = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    let open = open_state(&open_clocks(&db, &principal.subject).await?);
    let now = now_rfc3339();
    let (statement, action) = if request.on {
        clocks::shift_on(&open).map_err(refused)?;
        let id = new_id("clk-")?;
        (
            db.prepare(
                "INSERT INTO technician_clocks (id, technician_id, kind, started_at) SELECT ?2, ?3, 'shift', ?1 \
                 WHERE NOT EXISTS (SELECT 1 FROM technician_clocks WHERE technician_id = ?3 AND kind = 'shift' AND ended_at IS NULL)",
            )
            .bind(&[text(&now), text(&id), text(&principal.subject)])?,
            "clock.shift_on",
        )
    } else {
        clocks::shift_off(&open).map_err(refused)?;
        (
            db.prepare(format!(
                "UPDATE technician_clocks SET ended_at = {END_AT} WHERE technician_id = ?2 AND kind = 'shift' AND ended_at IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM technician_clocks WHERE technician_id = ?2 AND kind = 'job' AND ended_at IS NULL)"
            ))
            .bind(&[text(&now), text(&principal.subject)])?,
            "clock.shift_off",
        )
    };
    let after = serde_json::json!({ "on_shift": request.on, "at": now });
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        action,
        "technician",
        &principal.subject,
        &serde_json::json!({ "on_shift": open.shift }),
        &after,
    )?;
    if !changed(&db.batch(vec![statement, audit]).await?) {
        return Err(ApiError::Conflict {
            current: serde_json::to_value(open_clocks(&db, &principal.subject).await?).map_err(internal)?,
        });
    }
    if let Some(location) = principal.location_ids.first() {
        board_event(&ctx, location, &principal.subject, None, if request.on { "on_shift" } else { "off_shift" }).await;
    }
    Ok(Response::from_json(
        &serde_json::json!({ "on_shift": request.on, "open": open_clocks(&db, &principal.subject).await? }),
    )?)
}

// ----- job -----

#[utoipa::path(post, path = "/api/work-orders/{id}/clock", tag = "workshop", security(("bearer" = [])), params(("id" = String, Path)), request_body = Toggle,
    responses((status = 200, description = "The job with billed against actual hours", body = Job)))]
pub async fn job(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(job_guarded(req, ctx).await)
}

async fn job_guarded(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Technician]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| job_once(body, ctx, principal)).await
}

async fn job_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: Toggle = parse_json(&body)?;
    let db = bindings::database(&ctx.env)?;
    // A technician sees only their own jobs: anyone else's is missing.
    let order = work_order_records::find(&db, &principal, &param(&ctx, "id")?).await?;
    let mine = order.technician_id.as_deref() == Some(principal.subject.as_str());
    let open = open_state(&open_clocks(&db, &principal.subject).await?);
    let now = now_rfc3339();
    let (statement, action) = if request.on {
        clocks::job_on(&open, &order.id, mine, &order.status).map_err(refused)?;
        (
            db.prepare(
                "INSERT INTO technician_clocks (id, technician_id, work_order_id, kind, started_at) SELECT ?2, ?3, ?4, 'job', ?1 \
                 WHERE EXISTS (SELECT 1 FROM technician_clocks WHERE technician_id = ?3 AND kind = 'shift' AND ended_at IS NULL) \
                 AND NOT EXISTS (SELECT 1 FROM technician_clocks WHERE technician_id = ?3 AND kind = 'job' AND ended_at IS NULL) \
                 AND EXISTS (SELECT 1 FROM work_orders WHERE id = ?4 AND technician_id = ?3)",
            )
            .bind(&[text(&now), text(&new_id("clk-")?), text(&principal.subject), text(&order.id)])?,
            "clock.job_on",
        )
    } else {
        clocks::job_off(&open, &order.id, mine).map_err(refused)?;
        (
            db.prepare(format!(
                "UPDATE technician_clocks SET ended_at = {END_AT} WHERE technician_id = ?2 AND work_order_id = ?3 \
                 AND kind = 'job' AND ended_at IS NULL"
            ))
            .bind(&[text(&now), text(&principal.subject), text(&order.id)])?,
            "clock.job_off",
        )
    };
    let after = serde_json::json!({ "work_order_id": order.id, "on": request.on, "at": now });
    let audit = audit::entry_if_changed(
        &db,
        &principal,
        action,
        "work_order",
        &order.id,
        &serde_json::json!({ "open_job": open.job }),
        &after,
    )?;
    if !changed(&db.batch(vec![statement, audit]).await?) {
        return Err(ApiError::Conflict {
            current: serde_json::to_value(open_clocks(&db, &principal.subject).await?).map_err(internal)?,
        });
    }
    board_event(
        &ctx,
        &order.location_id,
        &principal.subject,
        Some(&order),
        if request.on { "clocked_on" } else { "clocked_off" },
    )
    .await;
    let jobs = my_jobs(&db, &principal).await?;
    let this = jobs.into_iter().find(|j| j.order.id == order.id).ok_or_else(|| internal("clocked job vanished"))?;
    Ok(Response::from_json(&this)?)
}

// ----- my jobs -----

#[derive(Serialize, utoipa::ToSchema)]
pub struct Job {
    #[serde(flatten)]
    order: WorkOrderSummary,
    clocked_on: bool,
    hours: Efficiency,
}

#[derive(Deserialize)]
struct Billed {
    work_order_id: String,
    hours: f64,
}

/// The technician's open jobs with billed (approved labour) against actual (job clocks) hours.
async fn my_jobs(db: &D1Database, principal: &Principal) -> ApiResult<Vec<Job>> {
    let orders = work_order_records::list(db, principal, None, None, 100).await?;
    let orders: Vec<WorkOrderSummary> =
        orders.into_iter().filter(|o| !matches!(o.status.as_str(), "collected" | "cancelled")).collect();
    let ids = serde_json::to_string(&orders.iter().map(|o| &o.id).collect::<Vec<_>>()).map_err(internal)?;
    let billed: Vec<Billed> = db
        .prepare(
            "SELECT work_order_id, SUM(hours) AS hours FROM work_order_labour WHERE approval = 'approved' \
             AND work_order_id IN (SELECT value FROM json_each(?1)) GROUP BY work_order_id",
        )
        .bind(&[text(&ids)])?
        .all()
        .await?
        .results()?;
    let clocks: Vec<ClockRow> = db
        .prepare(format!(
            "SELECT {CLOCK_COLUMNS} FROM technician_clocks WHERE kind = 'job' AND technician_id = ?2 \
             AND work_order_id IN (SELECT value FROM json_each(?1))"
        ))
        .bind(&[text(&ids), text(&principal.subject)])?
        .all()
        .await?
        .results()?;
    let now = now_millis() as i64;
    let millis = |t: &str| js_sys::Date::parse(t) as i64;
    Ok(orders
        .into_iter()
        .map(|order| {
            let billed_hours = billed.iter().find(|b| b.work_order_id == order.id).map_or(0.0, |b| b.hours);
            let intervals: Vec<(i64, Option<i64>)> = clocks
                .iter()
                .filter(|c| c.work_order_id.as_deref() == Some(order.id.as_str()))
                .map(|c| (millis(&c.started_at), c.ended_at.as_deref().map(millis)))
                .collect();
            let clocked_on = intervals.iter().any(|(_, end)| end.is_none());
            Job { clocked_on, hours: efficiency(billed_hours, &intervals, now), order }
        })
        .collect())
}

#[utoipa::path(get, path = "/api/technicians/me/jobs", tag = "workshop", security(("bearer" = [])),
    responses((status = 200, description = "My open jobs with billed against actual hours, and my open clocks")))]
pub async fn mine(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(list_mine(req, ctx).await)
}

async fn list_mine(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Technician]).await?;
    let db = bindings::database(&ctx.env)?;
    let jobs = my_jobs(&db, &principal).await?;
    let open = open_clocks(&db, &principal.subject).await?;
    Ok(Response::from_json(&serde_json::json!({ "items": jobs, "open_clocks": open }))?)
}

// ----- the workshop board -----

#[derive(Serialize, Deserialize)]
struct Bay {
    id: String,
    name: String,
}

#[derive(Serialize, Deserialize)]
struct Technician {
    id: String,
    name: String,
    on_shift: f64,
    clocked_job: Option<String>,
}

#[utoipa::path(get, path = "/api/board/{location}", tag = "workshop", security(("bearer" = [])), params(("location" = String, Path)),
    responses((status = 200, description = "Bays × technicians × jobs of the location")))]
pub async fn board(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(show_board(req, ctx).await)
}

async fn show_board(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal =
        require_role(&req, &ctx.env, &[Role::Advisor, Role::Manager, Role::Technician, Role::Admin]).await?;
    let location = param(&ctx, "location")?;
    if !principal.works_at(&location) {
        return Err(ApiError::Forbidden("the board is for the staff of its own location".into()));
    }
    let db = bindings::database(&ctx.env)?;
    let bays: Vec<Bay> = db
        .prepare("SELECT id, name FROM bays WHERE location_id = ?1 ORDER BY name")
        .bind(&[text(&location)])?
        .all()
        .await?
        .results()?;
    if bays.is_empty() {
        return Err(ApiError::NotFound { what: "location", id: location });
    }
    let technicians: Vec<Technician> = db
        .prepare(
            "SELECT u.id, u.name, \
               EXISTS (SELECT 1 FROM technician_clocks c WHERE c.technician_id = u.id AND c.kind = 'shift' AND c.ended_at IS NULL) AS on_shift, \
               (SELECT c.work_order_id FROM technician_clocks c WHERE c.technician_id = u.id AND c.kind = 'job' AND c.ended_at IS NULL) AS clocked_job \
             FROM users u JOIN user_locations ul ON ul.user_id = u.id \
             WHERE ul.location_id = ?1 AND u.role = 'technician' AND u.active = 1 ORDER BY u.name",
        )
        .bind(&[text(&location)])?
        .all()
        .await?
        .results()?;
    // The board shows jobs in the building; booked ones are not on a bay yet.
    let jobs: Vec<WorkOrderSummary> = db
        .prepare(
            "SELECT id, location_id, customer_id, owned_vehicle_id, advisor_id, technician_id, bay_id, mileage_in, complaint, \
             status, version, created_at, updated_at FROM work_orders WHERE location_id = ?1 \
             AND status IN ('checked_in','diagnosing','awaiting_approval','in_progress','quality_check','ready') ORDER BY created_at",
        )
        .bind(&[text(&location)])?
        .all()
        .await?
        .results()?;
    let job_view = |o: &WorkOrderSummary| {
        serde_json::json!({
            "work_order_id": o.id, "status": o.status, "technician_id": o.technician_id, "bay_id": o.bay_id,
            "complaint": o.complaint, "version": o.version,
        })
    };
    let bays: Vec<serde_json::Value> = bays
        .iter()
        .map(|b| {
            let here: Vec<serde_json::Value> =
                jobs.iter().filter(|o| o.bay_id.as_deref() == Some(b.id.as_str())).map(job_view).collect();
            serde_json::json!({ "id": b.id, "name": b.name, "jobs": here })
        })
        .collect();
    let technicians: Vec<serde_json::Value> = technicians
        .iter()
        .map(|t| {
            let assigned: Vec<&str> = jobs
                .iter()
                .filter(|o| o.technician_id.as_deref() == Some(t.id.as_str()))
                .map(|o| o.id.as_str())
                .collect();
            serde_json::json!({ "id": t.id, "name": t.name, "on_shift": t.on_shift > 0.0, "clocked_job": t.clocked_job, "jobs": assigned })
        })
        .collect();
    let unplaced: Vec<serde_json::Value> = jobs.iter().filter(|o| o.bay_id.is_none()).map(job_view).collect();
    Ok(Response::from_json(&serde_json::json!({
        "location_id": location, "bays": bays, "technicians": technicians, "unplaced": unplaced,
    }))?)
}
