//! Every way a request can fail, mapped to RFC 9457 problem+json in one place.

use forecourt_domain::Problem;
use thiserror::Error;
use worker::{Headers, Response, Result};

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("no route answers {0}")]
    RouteNotFound(String),
    #[error("this route does not accept that method")]
    MethodNotAllowed,
    #[error("{what} '{id}' does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{detail}")]
    InvalidInput { field: String, detail: String },
    #[error("the request body is not acceptable: {detail}")]
    InvalidBody { field: Option<String>, detail: String },
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("sign in first: this needs a valid access token")]
    Unauthenticated,
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    #[error("too many requests from this address or token; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("this origin may not call the API from a browser")]
    OriginNotAllowed,
    #[error("the record changed since you read it")]
    Conflict { current: serde_json::Value },
    #[error("{detail}")]
    SlotTaken { detail: String, current: serde_json::Value },
    #[error("this idempotency key was used for a different request")]
    IdempotencyMismatch,
    #[error("the first request with this idempotency key is still being processed; retry shortly")]
    IdempotencyInFlight,
    #[error("this endpoint upgrades to a WebSocket; send 'Upgrade: websocket'")]
    UpgradeRequired,
    #[error("you may not join this room")]
    RoomForbidden,
    #[error("a dependency failed: {0}")]
    Internal(String),
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<worker::kv::KvError> for ApiError {
    fn from(error: worker::kv::KvError) -> Self {
        Self::Internal(format!("KV: {error}"))
    }
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        let detail = self.to_string();
        match self {
            Self::RouteNotFound(path) => {
                Problem::new(404, "not-found", "Not found").with_detail(detail).with_instance(path.clone())
            }
            Self::MethodNotAllowed => Problem::new(405, "method-not-allowed", "Method not allowed").with_detail(detail),
            Self::NotFound { .. } => Problem::new(404, "not-found", "Not found").with_detail(detail),
            Self::InvalidInput { field, detail } => Problem::new(400, "invalid-input", "Invalid input")
                .with_detail(detail.clone())
                .with_field(field.clone()),
            Self::InvalidBody { field, .. } => {
                let problem = Problem::new(400, "invalid-body", "Invalid request body").with_detail(detail);
                match field {
                    Some(field) => problem.with_field(field.clone()),
                    None => problem,
                }
            }
            Self::BodyTooLarge { .. } => {
                Problem::new(413, "body-too-large", "Request body too large").with_detail(detail)
            }
            Self::Unauthenticated | Self::TokenExpired => {
                Problem::new(401, "unauthenticated", "Authentication required").with_detail(detail)
            }
            Self::InvalidCredentials => Problem::new(401, "invalid-credentials", "Sign-in failed").with_detail(detail),
            Self::Forbidden(_) => Problem::new(403, "forbidden", "Not allowed").with_detail(detail),
            Self::SlotTaken { .. } => Problem::new(409, "slot-taken", "Already booked").with_detail(detail),
            Self::IdempotencyMismatch => Problem::new(422, "idempotency-key-reused", "Idempotency key reused")
                .with_detail(detail)
                .with_field("idempotency-key"),
            Self::IdempotencyInFlight => {
                Problem::new(409, "idempotency-in-flight", "Request in progress").with_detail(detail)
            }
            Self::TooManyRequests { .. } => {
                Problem::new(429, "too-many-requests", "Too many requests").with_detail(detail)
            }
            Self::OriginNotAllowed => {
                Problem::new(403, "origin-not-allowed", "Origin not allowed").with_detail(detail).with_field("origin")
            }
            Self::RateLimited { .. } => Problem::new(429, "rate-limited", "Rate limited").with_detail(detail),
            Self::Conflict { .. } => Problem::new(409, "version-conflict", "Edit conflict").with_detail(detail),
            Self::UpgradeRequired => {
                Problem::new(426, "upgrade-required", "WebSocket upgrade required").with_detail(detail)
            }
            Self::RoomForbidden => Problem::new(403, "room-forbidden", "Room not allowed").with_detail(detail),
            // Internal details go to the log, never to the client.
            Self::Internal(_) => Problem::new(500, "internal", "Internal error")
                .with_detail("something went wrong on our side; the request id identifies it in our logs"),
        }
    }

    pub fn into_response(self) -> Result<Response> {
        let mut body = serde_json::to_value(self.problem())?;
        if let Self::Conflict { current } | Self::SlotTaken { current, .. } = &self {
            // The current record lets the client show both versions and resolve the conflict.
            body["current"] = current.clone();
        }
        let status = self.problem().status;
        let headers = Headers::new();
        headers.set("content-type", Problem::CONTENT_TYPE)?;
        match &self {
            Self::Unauthenticated => headers.set("www-authenticate", "Bearer")?,
            Self::TokenExpired => {
                headers.set("www-authenticate", "Bearer error=\"invalid_token\", error_description=\"expired\"")?
            }
            Self::TooManyRequests { retry_after } | Self::RateLimited { retry_after } => {
                headers.set("retry-after", &retry_after.to_string())?
            }
            _ => {}
        }
        if let Self::UpgradeRequired = self {
            headers.set("upgrade", "websocket")?;
        }
        Ok(Response::from_bytes(serde_json::to_vec(&body)?)?.with_status(status).with_headers(headers))
    }
}

/// Handlers return this; the envelope turns errors into problem responses.
pub type ApiResult<T> = std::result::Result<T, ApiError>;

/// Adapts a handler's `ApiResult` to what the worker router expects.
pub fn respond(result: ApiResult<Response>) -> Result<Response> {
    match result {
        Ok(response) => Ok(response),
        Err(error) => {
            if let ApiError::Internal(cause) = &error {
                worker::console_error!("internal error: {cause}");
            }
            error.into_response()
        }
    }
}
