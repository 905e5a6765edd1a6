//! `POST /api/predictions/{id}/feedback`: staff rate a prediction (1–5) and may say why; stored
//! with who and when, audited, and idempotent. Location forecasts are rated by staff of that
//! location; maintenance plans by service staff.

use super::predictions;
use crate::platform::audit;
use crate::platform::auth::require_principal;
use crate::platform::bindings;
use crate::platform::body::parse_json;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::idempotency;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::identity::{Principal, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Request, Response, Result, RouteContext};

const MAX_COMMENT: usize = 2_000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct FeedbackRequest {
    rating: i64,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PredictionFeedback)]
struct Feedback {
    id: String,
    prediction_id: String,
    user_id: String,
    rating: i64,
    comment: Option<String>,
    at: String,
}

fn is_staff(principal: &Principal) -> bool {
    matches!(principal.role, Role::Sales | Role::Advisor | Role::Technician | Role::Manager | Role::Admin)
}

#[utoipa::path(post, path = "/api/predictions/{id}/feedback", tag = "analytics", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = FeedbackRequest,
    responses((status = 201, description = "The stored rating", body = Feedback)))]
pub async fn post(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(give_feedback(req, ctx).await)
}

async fn give_feedback(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let principal = require_principal(&req, &ctx.env).await?;
    if !is_staff(&principal) {
        return Err(ApiError::Forbidden("predictions are rated by staff".into()));
    }
    let id = ctx.param("id").cloned().ok_or_else(|| ApiError::Internal("route without :id".into()))?;
    let db = bindings::database(&ctx.env)?;
    let prediction = predictions::find(&db, &id).await?;
    let visible = prediction.as_ref().is_some_and(|p| match p.location_id.as_deref() {
        Some(location) => principal.role == Role::Admin || principal.location_ids.iter().any(|l| l == location),
        None => principal.role != Role::Sales,
    });
    if !visible {
        return Err(ApiError::NotFound { what: "prediction", id });
    }
    let env = ctx.env.clone();
    idempotency::once(&mut req, &env, &principal.clone(), |body| async move {
        let request: FeedbackRequest = parse_json(&body)?;
        if !(1..=5).contains(&request.rating) {
            return Err(ApiError::InvalidInput { field: "rating".into(), detail: "rate from 1 to 5".into() });
        }
        let comment = request.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT) {
            return Err(ApiError::InvalidInput {
                field: "comment".into(),
                detail: format!("a comment has at most {MAX_COMMENT} characters"),
            });
        }
        let feedback = Feedback {
            id: random_token("pfb_").map_err(|e| ApiError::Internal(e.to_string()))?,
            prediction_id: id.clone(),
            user_id: principal.subject.clone(),
            rating: request.rating,
            comment,
            at: now_rfc3339(),
        };
        let insert = db
            .prepare(
                "INSERT INTO prediction_feedback (id, prediction_id, user_id, rating, comment, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[
                JsValue::from_str(&feedback.id),
                JsValue::from_str(&feedback.prediction_id),
                JsValue::from_str(&feedback.user_id),
                JsValue::from_f64(feedback.rating as f64),
                feedback.comment.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
                JsValue::from_str(&feedback.at),
            ])?;
        let audit =
            audit::entry_if_changed(&db, &principal, "prediction.feedback", "prediction", &id, &serde_json::Value::Null, &feedback)?;
        db.batch(vec![insert, audit]).await?;
        Ok(Response::from_json(&feedback)?.with_status(201))
    })
    .await
}
