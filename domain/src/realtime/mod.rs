//! Live updates: room names, the message protocol shared by the edge and the app, who may join
//! which room, and the rules rooms apply (presence, typing, rate limits, chat, fan-out).

pub mod access;
pub mod chat;
pub mod fanout;
pub mod history;
pub mod limits;
pub mod presence;
pub mod protocol;
pub mod room;

pub use protocol::{ClientMessage, RoomEvent, ServerMessage};
pub use room::{RoomName, RoomNameError};
