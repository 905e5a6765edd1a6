//! Publishing an event to a room from a request handler.

use super::ROOM_ORIGIN;
use crate::platform::bindings;
use forecourt_domain::realtime::{RoomEvent, RoomName};
use worker::{Env, Headers, Method, Request, RequestInit};

/// Sends `event` to every socket in `room`.
///
/// Called after the write has committed; a failure here must not undo or fail the write, so it
/// is logged. Clients that miss a live event resync on reconnect (the room's history and the
/// HTTP API are the source of truth).
pub async fn to_room(env: &Env, room: &RoomName, event: &RoomEvent) {
    if let Err(error) = try_publish(env, room, event).await {
        worker::console_error!("publish to {room} failed: {error}");
    }
}

async fn try_publish(env: &Env, room: &RoomName, event: &RoomEvent) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(serde_json::to_string(event)?.into()));
    let stub = bindings::rooms(env)?
        .id_from_name(&room.to_string())?
        .get_stub()?;
    let response = stub
        .fetch_with_request(Request::new_with_init(
            &format!("{ROOM_ORIGIN}/publish"),
            &init,
        )?)
        .await?;
    if response.status_code() != 204 {
        return Err(worker::Error::RustError(format!(
            "room answered {}",
            response.status_code()
        )));
    }
    Ok(())
}
