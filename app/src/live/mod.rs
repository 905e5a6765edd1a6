//! Live updates over WebSocket rooms: one connection per room, kept alive across network blips.

pub mod backoff;
mod connection;
pub mod outbox;

pub use connection::{LiveStatus, RoomConnection};
