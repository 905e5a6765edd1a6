//! What travels over a room's WebSocket. Versioned so old clients fail loudly, not subtly.

use crate::money::Money;
use crate::showroom::vehicle::VehicleStatus;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change; the server tells clients which version it speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Something that happened in a room's subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoomEvent {
    /// A vehicle's price or status changed; `version` lets clients drop out-of-order updates.
    VehicleUpdated {
        vehicle_id: String,
        price: Money,
        status: VehicleStatus,
        version: i64,
    },
}

/// A message from the server to one socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on a socket: who you are talking to and the room's newest sequence number.
    Welcome {
        protocol: u32,
        room: String,
        last_seq: u64,
    },
    /// A room event with its per-room sequence number (strictly increasing, no gaps).
    Event {
        room: String,
        seq: u64,
        event: RoomEvent,
    },
    /// The resume point is older than the room's history: refetch the state over HTTP.
    ResyncRequired {
        room: String,
        oldest_seq: u64,
    },
    Pong,
    Error {
        code: String,
        message: String,
    },
}

/// A message from a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Ping,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_explicit_tags() {
        let message = ServerMessage::Event {
            room: "vehicle:veh-00001".into(),
            seq: 7,
            event: RoomEvent::VehicleUpdated {
                vehicle_id: "veh-00001".into(),
                price: Money::from_cents(1_000_000),
                status: VehicleStatus::Available,
                version: 3,
            },
        };
        let json = serde_json::to_value(&message).expect("serialisable");
        assert_eq!(json["type"], "event");
        assert_eq!(json["event"]["kind"], "vehicle_updated");
        assert_eq!(json["event"]["price"], 1_000_000);
    }

    #[test]
    fn round_trips_through_json() {
        let message = ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
            room: "vehicle:x".into(),
            last_seq: 0,
        };
        let text = serde_json::to_string(&message).expect("serialisable");
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&text).ok(),
            Some(message)
        );
    }
}
