//! What travels over a room's WebSocket. Versioned so old clients fail loudly, not subtly.
//!
//! Every frame is one JSON text message with a `type` tag. Room events carry a `kind` tag and a
//! per-room sequence number; everything else (acks, presence, typing, unread counts) is about the
//! connection or the people in the room and is never replayed.

use super::chat::{ChatRole, InvitationState};
use super::presence::PresenceStatus;
use crate::money::Money;
use crate::showroom::vehicle::VehicleStatus;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change; the server tells clients which version it speaks.
/// Version 2 added authentication, acks, presence, typing, unread counts and chat.
pub const PROTOCOL_VERSION: u32 = 2;

/// Something that happened in a room's subject. Stored in the room's history and replayed on
/// resume, so every variant must make sense to a client that reads it late.
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
    /// A work order moved through the workshop (status names as in the brief: booked, …, collected).
    WorkOrderTransitioned {
        work_order_id: String,
        location_id: String,
        from: String,
        to: String,
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        at_ms: u64,
    },
    /// A work order's lines, codes, inspection or assignment changed (not its status); `what`
    /// names the change ("labour_added", "part_removed", "approval", …) and `version` lets
    /// clients drop out-of-order updates and refetch.
    WorkOrderUpdated {
        work_order_id: String,
        location_id: String,
        what: String,
        version: i64,
        by: String,
    },
    /// A cell of the workshop board (bay × technician × job) changed.
    BoardUpdated {
        location_id: String,
        bay: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        technician_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work_order_id: Option<String>,
        status: String,
    },
    LeadCreated {
        lead_id: String,
        location_id: String,
        source: String,
        /// 0..1, the lead score of the brief.
        score: f64,
    },
    LeadAssigned {
        lead_id: String,
        location_id: String,
        rep_id: String,
    },
    /// A lead moved along the pipeline (new → … → won | lost).
    LeadUpdated {
        lead_id: String,
        location_id: String,
        status: String,
        version: i64,
        by: String,
    },
    /// Something on the showroom floor; `visit_id` is the visit, never a customer's identity.
    Floor {
        showroom_id: String,
        visit_id: String,
        activity: FloorActivity,
        at_ms: u64,
    },
    /// The per-zone heatmap, recomputed every 60 s.
    Heatmap {
        showroom_id: String,
        window_seconds: u32,
        zones: Vec<ZoneHeat>,
    },
    AnomalyRaised {
        anomaly_id: String,
        location_id: String,
        metric: String,
        severity: Severity,
        observed: f64,
        expected: f64,
    },
    AnomalyUpdated {
        anomaly_id: String,
        location_id: String,
        severity: Severity,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee_id: Option<String>,
    },
    PredictionReady {
        prediction_id: String,
        location_id: String,
        model_version: String,
        /// What was predicted, e.g. "sales_weekly", "service_demand", "lead_score".
        subject: String,
        value: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upper: Option<f64>,
    },
    /// A notification for one person (published to `user:{user_id}`).
    Notification {
        notification_id: String,
        user_id: String,
        title: String,
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    /// A chat message, stored in the chat room and in its history.
    ChatMessage {
        message_id: String,
        author_id: String,
        body: String,
        at_ms: u64,
    },
    /// A chat membership changed (invited, accepted, rejected, expired, role changed).
    ChatMember {
        user_id: String,
        role: ChatRole,
        state: InvitationState,
        by: String,
    },
}

/// What happened on the floor during a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum FloorActivity {
    Entered,
    Zone {
        zone: String,
    },
    /// Interest in a vehicle, 0..1; at or above [`HIGH_INTEREST`] the floor is alerted.
    Interest {
        vehicle_id: String,
        level: f64,
    },
    Engaged {
        rep_id: String,
    },
    Left,
    /// "Call a sales rep" from a kiosk: a floor alert, with where and what the visitor looks at.
    AssistanceRequested {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        vehicle_ids: Vec<String>,
    },
}

/// The brief's high-interest threshold.
pub const HIGH_INTEREST: f64 = 0.7;

impl FloorActivity {
    pub fn is_high_interest(&self) -> bool {
        matches!(self, Self::Interest { level, .. } if *level >= HIGH_INTEREST)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneHeat {
    pub zone: String,
    pub visitors: u32,
    pub dwell_seconds: u32,
}

/// Anomaly severities (the analytics' own type, so a detected severity is the one fanned out).
pub use crate::analytics::anomaly::Severity;

impl RoomEvent {
    /// The location an event belongs to, where rooms span locations (`anomalies:{severity}`)
    /// and each subscriber may only see some of them.
    pub fn location_id(&self) -> Option<&str> {
        match self {
            Self::WorkOrderTransitioned { location_id, .. }
            | Self::WorkOrderUpdated { location_id, .. }
            | Self::BoardUpdated { location_id, .. }
            | Self::LeadCreated { location_id, .. }
            | Self::LeadAssigned { location_id, .. }
            | Self::LeadUpdated { location_id, .. }
            | Self::AnomalyRaised { location_id, .. }
            | Self::AnomalyUpdated { location_id, .. }
            | Self::PredictionReady { location_id, .. } => Some(location_id),
            Self::VehicleUpdated { .. }
            | Self::Floor { .. }
            | Self::Heatmap { .. }
            | Self::Notification { .. }
            | Self::ChatMessage { .. }
            | Self::ChatMember { .. } => None,
        }
    }
}

/// A message from the server to one socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The room needs to know who you are: send `{"type":"auth","token":…}` within `within_ms`.
    AuthRequired {
        within_ms: u64,
    },
    /// You are in: who you are talking to and the room's newest sequence number. Missed events
    /// (when resuming) follow, in order, before any new one.
    Welcome {
        protocol: u32,
        room: String,
        last_seq: u64,
        /// Whether this connection may post (chat, typing); public rooms are read-only.
        #[serde(default)]
        can_post: bool,
        /// The principal's subject, when signed in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
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
    /// The client message with this `id` was applied; `seq` is the event it became, if any.
    Ack {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<u64>,
    },
    /// A person's presence in this room, over all their devices.
    Presence {
        room: String,
        user: String,
        status: PresenceStatus,
    },
    /// Someone started or stopped typing; a start expires by itself after 3 s.
    Typing {
        room: String,
        user: String,
        typing: bool,
    },
    /// How many chat messages in this room you have not read.
    Unread {
        room: String,
        count: u64,
    },
    /// Older chat messages, newest last, in answer to `history`.
    History {
        room: String,
        messages: Vec<ChatLine>,
    },
    Pong,
    Error {
        code: ErrorCode,
        message: String,
        /// The client message this answers, when it had an id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// A chat message as history returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatLine {
    pub seq: u64,
    pub message_id: String,
    pub author_id: String,
    pub body: String,
    pub at_ms: u64,
}

/// Machine-readable error codes; `message` explains them to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadMessage,
    Unauthenticated,
    Forbidden,
    ReadOnly,
    NotAChat,
    NotAllowed,
    Invalid,
    Unavailable,
    RateLimited,
    Blocked,
}

/// A message from a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message of a browser, which cannot set an `Authorization` header on a WebSocket.
    Auth { token: String },
    /// Answered by the runtime itself when sent exactly as [`PING_TEXT`], without waking the room.
    Ping,
    /// Leave the room; the server closes with 1000.
    Leave,
    /// I am typing (repeat while typing; it expires 3 s after the last one).
    Typing,
    /// I am here but not looking (another tab, screen off), or back.
    Presence { status: PresenceStatus },
    /// Post a chat message. `id` is the client's idempotency key: sending the same id again
    /// (after a reconnect, from the offline queue) is acknowledged without a second message.
    Send { id: String, body: String },
    /// I have read everything up to `seq`.
    Read { seq: u64 },
    /// Chat history before `before` (or the newest), at most `limit` (≤ 100).
    History {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Invite someone to this chat (owners and admins).
    Invite { id: String, user_id: String, role: ChatRole },
    /// Accept or reject the invitation you hold for this chat.
    Respond { id: String, accept: bool },
}

impl ClientMessage {
    /// The idempotency/ack id, for messages that have one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Send { id, .. } | Self::Invite { id, .. } | Self::Respond { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// The exact ping and pong frames. The edge registers them as the runtime's automatic response,
/// so heartbeats are answered without waking a hibernated room (and do not count as messages).
pub const PING_TEXT: &str = r#"{"type":"ping"}"#;
pub const PONG_TEXT: &str = r#"{"type":"pong"}"#;

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
            can_post: false,
            user: None,
        };
        let text = serde_json::to_string(&message).expect("serialisable");
        assert_eq!(serde_json::from_str::<ServerMessage>(&text).ok(), Some(message));
    }

    #[test]
    fn ping_and_pong_frames_are_exactly_what_the_types_produce() {
        // The runtime matches the auto-response request byte for byte.
        assert_eq!(serde_json::to_string(&ClientMessage::Ping).ok().as_deref(), Some(PING_TEXT));
        assert_eq!(serde_json::to_string(&ServerMessage::Pong).ok().as_deref(), Some(PONG_TEXT));
    }

    #[test]
    fn a_welcome_from_version_one_still_parses() {
        let old = r#"{"type":"welcome","protocol":1,"room":"vehicle:x","last_seq":4}"#;
        assert!(matches!(
            serde_json::from_str::<ServerMessage>(old),
            Ok(ServerMessage::Welcome { last_seq: 4, can_post: false, .. })
        ));
    }

    #[test]
    fn client_messages_parse_from_their_documented_shape() {
        let auth: ClientMessage = serde_json::from_str(r#"{"type":"auth","token":"fc1.a.b"}"#).expect("auth");
        assert_eq!(auth, ClientMessage::Auth { token: "fc1.a.b".into() });
        let send: ClientMessage = serde_json::from_str(r#"{"type":"send","id":"m1","body":"hi"}"#).expect("send");
        assert_eq!(send.id(), Some("m1"));
        let away: ClientMessage = serde_json::from_str(r#"{"type":"presence","status":"away"}"#).expect("presence");
        assert_eq!(away, ClientMessage::Presence { status: PresenceStatus::Away });
    }

    #[test]
    fn high_interest_starts_at_the_threshold() {
        let at = |level| FloorActivity::Interest { vehicle_id: "v".into(), level };
        assert!(at(0.7).is_high_interest());
        assert!(!at(0.69).is_high_interest());
        assert!(!FloorActivity::Entered.is_high_interest());
    }

    #[test]
    fn only_location_bound_events_name_a_location() {
        let raised = RoomEvent::AnomalyRaised {
            anomaly_id: "a1".into(),
            location_id: "loc-north".into(),
            metric: "daily_sales".into(),
            severity: Severity::High,
            observed: 1.0,
            expected: 5.0,
        };
        assert_eq!(raised.location_id(), Some("loc-north"));
        let note = RoomEvent::Notification {
            notification_id: "n".into(),
            user_id: "u".into(),
            title: "t".into(),
            body: "b".into(),
            link: None,
        };
        assert_eq!(note.location_id(), None);
    }
}
