//! Live updates: room names and the message protocol shared by the edge and the app.

pub mod history;
pub mod protocol;
pub mod room;

pub use protocol::{RoomEvent, ServerMessage};
pub use room::{RoomName, RoomNameError};
