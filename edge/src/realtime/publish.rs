//! Publishing events to rooms from request handlers.
//!
//! Every API change calls [`event`] (or [`to_rooms`] for an explicit list) after its write has
//! committed; `domain::realtime::fanout::rooms_for` decides which rooms hear about it.

use super::{headers as internal, ROOM_ORIGIN};
use crate::platform::bindings;
use forecourt_domain::realtime::fanout::rooms_for;
use forecourt_domain::realtime::{RoomEvent, RoomName};
use worker::{Env, Headers, Method, Request, RequestInit};

/// Publishes `event` to every room the fan-out table names for it.
// The accounts, workshop and analytics handlers call these as they land (issue 4 onwards).
#[allow(dead_code)]
pub async fn event(env: &Env, event: &RoomEvent) {
    to_rooms(env, &rooms_for(event), event).await;
}

/// Sends `event` to each room in `rooms`.
///
/// Called after the write has committed; a failure here must not undo or fail the write, so it
/// is logged. Clients that miss a live event resync on reconnect (the room's history and the
/// HTTP API are the source of truth). Rooms are independent objects, so one failing does not
/// stop the others.
#[allow(dead_code)]
pub async fn to_rooms(env: &Env, rooms: &[RoomName], event: &RoomEvent) {
    for room in rooms {
        to_room(env, room, event).await;
    }
}

/// Sends `event` to every socket in `room`.
pub async fn to_room(env: &Env, room: &RoomName, event: &RoomEvent) {
    if let Err(error) = try_publish(env, room, event).await {
        worker::console_error!("publish to {room} failed: {error}");
    }
}

async fn try_publish(env: &Env, room: &RoomName, event: &RoomEvent) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(internal::ROOM, &room.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(serde_json::to_string(event)?.into()));
    let stub = bindings::rooms(env)?.id_from_name(&room.to_string())?.get_stub()?;
    let response = stub.fetch_with_request(Request::new_with_init(&format!("{ROOM_ORIGIN}/publish"), &init)?).await?;
    if response.status_code() != 204 {
        return Err(worker::Error::RustError(format!("room answered {}", response.status_code())));
    }
    Ok(())
}
