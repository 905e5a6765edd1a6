//! `POST /api/customers/:id/merge` with `{"duplicate_id"}`: the duplicate's leads, test drives,
//! vehicles, activity, work orders, appointments, sales and login move to the survivor in one D1
//! batch; the duplicate is marked merged; both are audited.

use super::profiles::find_visible;
use super::records::{self, to_json, Customer, CustomerRow};
use crate::platform::audit;
use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::now_rfc3339;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::customers::merge::{plan, MergeError, ProfileFacts};
use forecourt_domain::customers::Channel;
use forecourt_domain::identity::{Principal, Role};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MergeRequest {
    duplicate_id: String,
}

fn facts(row: &CustomerRow) -> ProfileFacts {
    ProfileFacts {
        id: row.id.clone(),
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        consent_marketing: row.consent_marketing != 0,
        consent_updated_at: row.consent_updated_at.clone(),
        high_value: row.high_value != 0,
        home_location_id: row.home_location_id.clone(),
        merged_into: row.merged_into.clone(),
    }
}

/// The survivor after a merge, and the id that now points at it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Merged {
    survivor: Customer,
    merged: String,
}

/// `POST /api/customers/:id/merge`.
#[utoipa::path(post, path = "/api/customers/{id}/merge", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "the survivor")), request_body = MergeRequest,
    responses((status = 200, description = "Merged: everything of the duplicate now belongs to the survivor",
        body = Merged)))]
pub async fn merge(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(merge_profiles(req, ctx).await)
}

async fn merge_profiles(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_role(&req, &ctx.env, &[Role::Manager, Role::Admin]).await?;
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| merge_once(body, ctx, principal)).await
}

async fn merge_once(body: Vec<u8>, ctx: RouteContext<()>, principal: Principal) -> ApiResult<Response> {
    let request: MergeRequest = parse_json(&body)?;
    let survivor_id = ctx.param("id").cloned().unwrap_or_default();
    let db = bindings::database(&ctx.env)?;
    // Both profiles must be visible to the manager (their locations); admins see all.
    let survivor = find_visible(&db, &principal, &survivor_id).await?;
    let duplicate = find_visible(&db, &principal, &request.duplicate_id).await.map_err(|error| match error {
        ApiError::NotFound { .. } => ApiError::InvalidInput {
            field: "duplicate_id".into(),
            detail: format!("'{}' is not a customer you can see", request.duplicate_id),
        },
        other => other,
    })?;
    let merge = plan(&facts(&survivor), &facts(&duplicate)).map_err(|error| match &error {
        MergeError::SameProfile => ApiError::InvalidInput { field: "duplicate_id".into(), detail: error.to_string() },
        MergeError::AlreadyMerged(id) if *id == survivor_id => {
            ApiError::InvalidInput { field: "id".into(), detail: error.to_string() }
        }
        MergeError::AlreadyMerged(_) => {
            ApiError::InvalidInput { field: "duplicate_id".into(), detail: error.to_string() }
        }
    })?;
    let now = now_rfc3339();
    let after = &merge.survivor_after;
    let dup = JsValue::from_str(&merge.duplicate_id);
    let keep = JsValue::from_str(&merge.survivor_id);

    // First the duplicate is marked merged, guarded by its version: a second, racing merge of the
    // same duplicate changes nothing, and the batch below is then refused as a whole (see the
    // guard in the survivor update).
    let mut statements = vec![db
        .prepare(
            "UPDATE customers SET merged_into = ?1, version = version + 1, updated_at = ?2 \
             WHERE id = ?3 AND version = ?4 AND merged_into IS NULL",
        )
        .bind(&[keep.clone(), JsValue::from_str(&now), dup.clone(), JsValue::from_f64(duplicate.version as f64)])?];
    let mut duplicate_after = duplicate.clone();
    duplicate_after.merged_into = Some(merge.survivor_id.clone());
    duplicate_after.version += 1;
    statements.push(audit::entry_if_changed(
        &db,
        &principal,
        "customer.merged_into",
        "customer",
        &merge.duplicate_id,
        &duplicate,
        &duplicate_after,
    )?);
    let mut survivor_after = survivor.clone();
    survivor_after.email = after.email.clone();
    survivor_after.phone = after.phone.clone();
    survivor_after.home_location_id = after.home_location_id.clone();
    survivor_after.high_value = i64::from(after.high_value);
    survivor_after.consent_marketing = i64::from(after.consent_marketing);
    survivor_after.consent_updated_at = after.consent_updated_at.clone();
    survivor_after.version += 1;
    survivor_after.updated_at = now.clone();
    // Runs only if the duplicate was marked (the audit insert before it changed one row);
    // otherwise it sets `name` to NULL, which the schema refuses, and D1 rolls the whole batch
    // back: no record moves to a survivor of a merge that did not happen.
    statements.push(
        db.prepare(
            "UPDATE customers SET name = CASE WHEN changes() = 1 THEN name ELSE NULL END, email = ?1, phone = ?2, \
             home_location_id = ?3, high_value = ?4, consent_marketing = ?5, consent_updated_at = ?6, \
             version = version + 1, updated_at = ?7 WHERE id = ?8 AND merged_into IS NULL",
        )
        .bind(&[
            records::optional(after.email.as_deref()),
            records::optional(after.phone.as_deref()),
            records::optional(after.home_location_id.as_deref()),
            JsValue::from(i32::from(after.high_value)),
            JsValue::from(i32::from(after.consent_marketing)),
            records::optional(after.consent_updated_at.as_deref()),
            JsValue::from_str(&now),
            keep.clone(),
        ])?,
    );
    statements.push(audit::entry_if_changed(
        &db,
        &principal,
        "customer.merge",
        "customer",
        &merge.survivor_id,
        &serde_json::json!({"profile": survivor, "duplicate": duplicate}),
        &serde_json::json!({"profile": survivor_after, "merged": merge.duplicate_id}),
    )?);
    for (table, column) in &merge.moves {
        statements.push(
            db.prepare(format!("UPDATE {table} SET {column} = ?1 WHERE {column} = ?2"))
                .bind(&[keep.clone(), dup.clone()])?,
        );
    }
    statements.push(records::activity(
        &db,
        &merge.survivor_id,
        Channel::Tablet,
        "profiles_merged",
        &serde_json::json!({"duplicate_id": merge.duplicate_id, "by": principal.subject}),
    )?);
    let results = match db.batch(statements).await {
        Ok(results) => results,
        Err(_) => {
            // The guard aborted the batch: someone merged or edited one of them meanwhile.
            let current = find_visible(&db, &principal, &survivor_id).await?;
            return Err(ApiError::Conflict { current: to_json(&Customer::from(current))? });
        }
    };
    let survivor_changed = results.get(2).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    let current = find_visible(&db, &principal, &survivor_id).await?;
    if survivor_changed == 0 {
        return Err(ApiError::Conflict { current: to_json(&Customer::from(current))? });
    }
    Ok(Response::from_json(&Merged { survivor: Customer::from(current), merged: merge.duplicate_id })?)
}
