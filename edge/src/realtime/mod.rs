//! Realtime rooms: one Durable Object per room, WebSockets through the hibernation API.

pub mod connect;
pub mod publish;
pub mod room;

/// The internal URL a worker uses to talk to a room; never reachable from outside.
const ROOM_ORIGIN: &str = "https://room.internal";
