//! Realtime rooms: one Durable Object per room, WebSockets through the hibernation API.
//!
//! `connect` checks who may join (with `access`, which fills the domain's facts from D1) and
//! hands the socket to the room; `publish` is how request handlers reach rooms; `room` is the
//! Durable Object, with its SQLite state in `store`.

pub mod access;
pub mod connect;
pub mod publish;
pub mod room;
mod store;

/// The internal URL a worker uses to talk to a room; never reachable from outside.
const ROOM_ORIGIN: &str = "https://room.internal";

/// Headers of the Worker → room requests. Only the Worker can reach a room, so the room trusts
/// them; they are never read from a client's request.
mod headers {
    pub const ROOM: &str = "x-room-name";
    pub const PRINCIPAL: &str = "x-room-principal";
    pub const GRANT: &str = "x-room-grant";
    pub const ADDRESS: &str = "x-room-address";
}
