//! `GET /api/rooms/:room`: checks who may join, then hands the WebSocket to the room.
//!
//! A client with an `Authorization: Bearer` header is checked here, before the upgrade, so a
//! refusal is a plain `401`/`403`/`404` problem. Browsers cannot set that header on a WebSocket:
//! an anonymous upgrade to a room that is not public is handed to the room unauthenticated, and
//! the room waits 5 s for a `{"type":"auth","token":…}` message before closing it.

use super::access::{self, AuthError};
use super::{headers as internal, ROOM_ORIGIN};
use crate::platform::bindings;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::realtime::access::{Decision, Denial};
use forecourt_domain::realtime::RoomName;
use worker::{Headers, Method, Request, RequestInit, Response, Result, RouteContext};

#[utoipa::path(get, path = "/api/rooms/{room}", tag = "realtime", security((), ("bearer" = [])),
    params(("room" = String, Path, description = "e.g. `vehicle:veh-00001`; see the room protocol in docs/api.md"),
        ("after" = Option<u64>, Query, description = "Resume after this sequence number")),
    responses((status = 101, description = "Switched to the room's WebSocket"),
        (status = 426, description = "Not a WebSocket upgrade", body = forecourt_domain::Problem, content_type = "application/problem+json")))]
pub async fn join(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(join_room(req, ctx).await)
}

async fn join_room(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let raw = ctx.param("room").cloned().unwrap_or_default();
    let room = RoomName::parse(&raw)
        .map_err(|error| ApiError::InvalidInput { field: "room".into(), detail: error.to_string() })?;
    let is_upgrade = req.headers().get("upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let bearer = req.headers().get("authorization")?.and_then(|value| value.strip_prefix("Bearer ").map(str::to_owned));
    let principal = match bearer {
        Some(token) => Some(access::verify(&ctx.env, &token).map_err(|error| match error {
            AuthError::Token(_) | AuthError::NoKey => ApiError::Unauthenticated,
        })?),
        None => None,
    };
    let grant = match access::check(&ctx.env, &room, principal.as_ref()).await {
        Decision::Allow(grant) => Some(grant),
        // The browser will authenticate over the socket; the room checks again then.
        Decision::Deny(Denial::SignInRequired) if is_upgrade => None,
        Decision::Deny(Denial::NotFound) => return Err(ApiError::NotFound { what: "room", id: room.to_string() }),
        Decision::Deny(Denial::SignInRequired | Denial::Forbidden) => return Err(ApiError::RoomForbidden),
    };
    if !is_upgrade {
        return Err(ApiError::UpgradeRequired);
    }
    let after = req.url()?.query_pairs().find(|(k, _)| k == "after").map(|(_, v)| v.into_owned());
    let after = match after {
        Some(raw) => Some(raw.parse::<u64>().map_err(|_| ApiError::InvalidInput {
            field: "after".into(),
            detail: "after is the last sequence number you saw, a whole number".into(),
        })?),
        None => None,
    };

    let mut url = format!("{ROOM_ORIGIN}/connect");
    if let Some(after) = after {
        url.push_str(&format!("?after={after}"));
    }
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(internal::ROOM, &room.to_string())?;
    if let Some(principal) = &principal {
        headers.set(internal::PRINCIPAL, &to_json(principal)?)?;
    }
    if let Some(grant) = &grant {
        headers.set(internal::GRANT, &to_json(grant)?)?;
    }
    if let Some(address) = req.headers().get("cf-connecting-ip")? {
        headers.set(internal::ADDRESS, &address)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let stub = bindings::rooms(&ctx.env)?.id_from_name(&room.to_string())?.get_stub()?;
    Ok(stub.fetch_with_request(Request::new_with_init(&url, &init)?).await?)
}

fn to_json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|error| ApiError::Internal(error.to_string()))
}
