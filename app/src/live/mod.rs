//! Live updates over WebSocket rooms: one connection per room, kept alive across network blips.

pub mod backoff;
mod connection;
mod indicator;
pub mod outbox;

pub use connection::{LiveStatus, RoomConnection};
pub use indicator::LiveIndicator;
