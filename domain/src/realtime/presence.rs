//! Presence (per room, per person over all their devices) and typing indicators that expire.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one device says it is, and how a person appears to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    Online,
    Away,
    Offline,
}

/// A person is online when any device is online, away when every device is away, offline with
/// no device at all: a phone left in a pocket must not hide the open laptop.
pub fn aggregate(devices: impl IntoIterator<Item = PresenceStatus>) -> PresenceStatus {
    devices.into_iter().fold(PresenceStatus::Offline, |acc, device| match (acc, device) {
        (PresenceStatus::Online, _) | (_, PresenceStatus::Online) => PresenceStatus::Online,
        (PresenceStatus::Away, _) | (_, PresenceStatus::Away) => PresenceStatus::Away,
        _ => PresenceStatus::Offline,
    })
}

/// Every person's presence, from `(person, device status)` pairs of the open connections.
pub fn by_person<'a>(
    connections: impl IntoIterator<Item = (&'a str, PresenceStatus)>,
) -> BTreeMap<&'a str, PresenceStatus> {
    let mut people: BTreeMap<&str, PresenceStatus> = BTreeMap::new();
    for (person, status) in connections {
        let current = people.entry(person).or_insert(PresenceStatus::Offline);
        *current = aggregate([*current, status]);
    }
    people
}

/// The change others should hear about when one person's devices change, if any.
pub fn change(before: PresenceStatus, after: PresenceStatus) -> Option<PresenceStatus> {
    (before != after).then_some(after)
}

/// A typing indicator lives this long after the last keystroke signal.
pub const TYPING_TTL_MS: u64 = 3_000;

/// Who is typing in a room, and until when (milliseconds since the epoch).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typing {
    until: BTreeMap<String, u64>,
}

/// What the room should tell the others after a typing signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypingSignal {
    /// The person just started: broadcast `typing: true`.
    Started,
    /// The person was already typing: only the expiry moved, nothing to broadcast.
    Extended,
}

impl Typing {
    pub fn from_entries(entries: impl IntoIterator<Item = (String, u64)>) -> Self {
        Self { until: entries.into_iter().collect() }
    }

    /// `person` typed at `now`; the indicator expires [`TYPING_TTL_MS`] later.
    pub fn signal(&mut self, person: &str, now: u64) -> TypingSignal {
        let was_typing = self.until.get(person).is_some_and(|&until| until > now);
        self.until.insert(person.to_owned(), now + TYPING_TTL_MS);
        if was_typing {
            TypingSignal::Extended
        } else {
            TypingSignal::Started
        }
    }

    /// The person stopped (sent a message, left): true when others must hear `typing: false`.
    pub fn stop(&mut self, person: &str, now: u64) -> bool {
        self.until.remove(person).is_some_and(|until| until > now)
    }

    /// Removes and returns everyone whose indicator has expired at `now`.
    pub fn expire(&mut self, now: u64) -> Vec<String> {
        let expired: Vec<String> =
            self.until.iter().filter(|(_, &until)| until <= now).map(|(person, _)| person.clone()).collect();
        for person in &expired {
            self.until.remove(person);
        }
        expired
    }

    /// When the next indicator expires, to wake the room then.
    pub fn next_expiry(&self) -> Option<u64> {
        self.until.values().copied().min()
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, u64)> {
        self.until.iter().map(|(person, &until)| (person.as_str(), until))
    }
}

#[cfg(test)]
mod tests {
    use super::PresenceStatus::{Away, Offline, Online};
    use super::*;

    #[test]
    fn no_device_is_offline() {
        assert_eq!(aggregate([]), Offline);
    }

    #[test]
    fn any_online_device_makes_a_person_online() {
        assert_eq!(aggregate([Away, Online, Away]), Online);
    }

    #[test]
    fn all_devices_away_is_away() {
        assert_eq!(aggregate([Away, Away]), Away);
    }

    #[test]
    fn people_are_aggregated_over_their_own_devices_only() {
        let people = by_person([("ana", Away), ("ben", Online), ("ana", Online)]);
        assert_eq!(people.get("ana"), Some(&Online));
        assert_eq!(people.get("ben"), Some(&Online));
        let people = by_person([("ana", Away), ("ben", Online)]);
        assert_eq!(people.get("ana"), Some(&Away));
    }

    #[test]
    fn only_real_changes_are_announced() {
        assert_eq!(change(Online, Online), None);
        assert_eq!(change(Online, Away), Some(Away));
        assert_eq!(change(Away, Offline), Some(Offline));
    }

    #[test]
    fn the_first_signal_starts_typing_and_later_ones_extend_it() {
        let mut typing = Typing::default();
        assert_eq!(typing.signal("ana", 1_000), TypingSignal::Started);
        assert_eq!(typing.signal("ana", 2_000), TypingSignal::Extended);
        assert_eq!(typing.next_expiry(), Some(5_000));
    }

    #[test]
    fn typing_expires_three_seconds_after_the_last_signal() {
        let mut typing = Typing::default();
        typing.signal("ana", 1_000);
        assert!(typing.expire(3_999).is_empty());
        assert_eq!(typing.expire(4_000), vec!["ana".to_owned()]);
        assert_eq!(typing.next_expiry(), None);
    }

    #[test]
    fn a_signal_after_expiry_starts_again() {
        let mut typing = Typing::from_entries([("ana".to_owned(), 4_000)]);
        assert_eq!(typing.signal("ana", 4_500), TypingSignal::Started);
    }

    #[test]
    fn stopping_announces_only_a_live_indicator() {
        let mut typing = Typing::from_entries([("ana".to_owned(), 4_000)]);
        assert!(typing.stop("ana", 3_000));
        assert!(!typing.stop("ana", 3_000));
        let mut stale = Typing::from_entries([("ben".to_owned(), 4_000)]);
        assert!(!stale.stop("ben", 5_000));
    }
}
