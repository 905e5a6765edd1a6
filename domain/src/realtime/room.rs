//! Room names: `kind:id`, one Durable Object each.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Every room of the brief. The name is the Durable Object's identity, so parsing is strict:
/// two spellings of one room would split its subscribers across two objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RoomName {
    Showroom(String),
    Vehicle(String),
    WorkOrder(String),
    Board(String),
    Lead(String),
    Anomalies(String),
    Anomaly(String),
    Prediction(String),
    Department(String),
    User(String),
    Dashboard(String),
    Chat(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoomNameError {
    #[error("a room name looks like 'vehicle:veh-00001'")]
    MissingSeparator,
    #[error("'{0}' is not a kind of room")]
    UnknownKind(String),
    #[error("a room id is 1 to 64 letters, digits, '-' or '_'")]
    BadId,
    #[error("anomaly rooms are per severity: info, low, medium, high or critical")]
    BadSeverity,
}

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, RoomNameError> {
        let (kind, id) = raw.split_once(':').ok_or(RoomNameError::MissingSeparator)?;
        let valid_id =
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_id {
            return Err(RoomNameError::BadId);
        }
        let id = id.to_owned();
        Ok(match kind {
            "showroom" => Self::Showroom(id),
            "vehicle" => Self::Vehicle(id),
            "workorder" => Self::WorkOrder(id),
            "board" => Self::Board(id),
            "lead" => Self::Lead(id),
            "anomalies" if SEVERITIES.contains(&id.as_str()) => Self::Anomalies(id),
            "anomalies" => return Err(RoomNameError::BadSeverity),
            "anomaly" => Self::Anomaly(id),
            "prediction" => Self::Prediction(id),
            "department" => Self::Department(id),
            "user" => Self::User(id),
            "dashboard" => Self::Dashboard(id),
            "chat" => Self::Chat(id),
            other => return Err(RoomNameError::UnknownKind(other.to_owned())),
        })
    }

    fn parts(&self) -> (&'static str, &str) {
        match self {
            Self::Showroom(id) => ("showroom", id),
            Self::Vehicle(id) => ("vehicle", id),
            Self::WorkOrder(id) => ("workorder", id),
            Self::Board(id) => ("board", id),
            Self::Lead(id) => ("lead", id),
            Self::Anomalies(id) => ("anomalies", id),
            Self::Anomaly(id) => ("anomaly", id),
            Self::Prediction(id) => ("prediction", id),
            Self::Department(id) => ("department", id),
            Self::User(id) => ("user", id),
            Self::Dashboard(id) => ("dashboard", id),
            Self::Chat(id) => ("chat", id),
        }
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = self.parts();
        write!(f, "{kind}:{id}")
    }
}

impl TryFrom<String> for RoomName {
    type Error = RoomNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RoomName> for String {
    fn from(room: RoomName) -> Self {
        room.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_the_brief_round_trips() {
        for raw in [
            "showroom:s1",
            "vehicle:veh-00001",
            "workorder:wo_9",
            "board:loc-north",
            "lead:l1",
            "anomalies:critical",
            "anomaly:a1",
            "prediction:p1",
            "department:sales",
            "user:u1",
            "dashboard:d1",
            "chat:c1",
        ] {
            assert_eq!(RoomName::parse(raw).map(|r| r.to_string()), Ok(raw.to_owned()));
        }
    }

    #[test]
    fn refuses_unknown_kinds() {
        assert_eq!(RoomName::parse("garage:1"), Err(RoomNameError::UnknownKind("garage".into())));
    }

    #[test]
    fn refuses_ids_that_could_alias_another_room() {
        for raw in ["vehicle:", "vehicle:a b", "vehicle:a:b", "vehicle:../x"] {
            assert_eq!(RoomName::parse(raw), Err(RoomNameError::BadId), "{raw}");
        }
    }

    #[test]
    fn anomaly_feeds_exist_only_per_severity() {
        assert_eq!(RoomName::parse("anomalies:urgent"), Err(RoomNameError::BadSeverity));
    }
}
