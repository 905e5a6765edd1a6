//! `GET /api/rooms/:room`: checks who may join, then hands the WebSocket to the room.

use super::ROOM_ORIGIN;
use crate::platform::bindings;
use crate::platform::problem::{respond, ApiError, ApiResult};
use crate::showroom::vehicle_records;
use forecourt_domain::realtime::RoomName;
use worker::{Headers, Method, Request, RequestInit, Response, Result, RouteContext};

pub async fn join(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(join_room(req, ctx).await)
}

async fn join_room(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let raw = ctx.param("room").cloned().unwrap_or_default();
    let room = RoomName::parse(&raw).map_err(|error| ApiError::InvalidInput {
        field: "room".into(),
        detail: error.to_string(),
    })?;
    authorize(&room, &ctx).await?;
    let is_upgrade = req
        .headers()
        .get("upgrade")?
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !is_upgrade {
        return Err(ApiError::UpgradeRequired);
    }
    let after = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "after")
        .map(|(_, v)| v.into_owned());
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
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let stub = bindings::rooms(&ctx.env)?
        .id_from_name(&room.to_string())?
        .get_stub()?;
    Ok(stub
        .fetch_with_request(Request::new_with_init(&url, &init)?)
        .await?)
}

/// Who may join which room. Until accounts exist (issue 4) only public rooms are open:
/// the room of a vehicle customers can see. Every other room is refused, not left open.
async fn authorize(room: &RoomName, ctx: &RouteContext<()>) -> ApiResult<()> {
    match room {
        RoomName::Vehicle(id) => {
            let db = bindings::database(&ctx.env)?;
            vehicle_records::find_public(&db, id)
                .await?
                .map(|_| ())
                .ok_or_else(|| ApiError::NotFound {
                    what: "vehicle",
                    id: id.clone(),
                })
        }
        _ => Err(ApiError::RoomForbidden),
    }
}
