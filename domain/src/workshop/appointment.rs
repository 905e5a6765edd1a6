//! Service appointments: capacity per location and day, booking references a visitor can type
//! at a kiosk, and the appointment's own small status machine.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The shortest and longest bookable slot, as the schema allows.
pub const MIN_MINUTES: u32 = 15;
pub const MAX_MINUTES: u32 = 600;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CapacityError {
    #[error("a slot lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, not {0}")]
    BadDuration(u32),
    #[error(
        "the workshop is full that day: {booked} of {capacity} bay-minutes are booked and {requested} more do not fit"
    )]
    Full { booked: u32, requested: u32, capacity: u32 },
}

/// Whether `requested` minutes still fit in a day with `booked` minutes already taken, where the
/// location offers `hours_per_day` bay-hours. The last booking may fill the day exactly.
pub fn check_capacity(booked: u32, requested: u32, hours_per_day: f64) -> Result<(), CapacityError> {
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&requested) {
        return Err(CapacityError::BadDuration(requested));
    }
    let capacity = (hours_per_day.max(0.0) * 60.0).round() as u32;
    if booked.saturating_add(requested) > capacity {
        return Err(CapacityError::Full { booked, requested, capacity });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    CheckedIn,
    Cancelled,
    NoShow,
    Completed,
}

impl AppointmentStatus {
    pub const ALL: [Self; 5] = [Self::Booked, Self::CheckedIn, Self::Cancelled, Self::NoShow, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::CheckedIn => "checked_in",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
            Self::Completed => "completed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Only a booked appointment can be moved, cancelled or checked in.
    pub fn is_open(self) -> bool {
        self == Self::Booked
    }

    /// Whether it still takes capacity on its day.
    pub fn takes_capacity(self) -> bool {
        matches!(self, Self::Booked | Self::CheckedIn | Self::Completed)
    }
}

/// Booking references as printed on the confirmation: `FC-` and six characters from an alphabet
/// without look-alikes (no 0/O, 1/I/L), so a visitor can type them at a kiosk.
pub const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A reference from six random bytes (the edge supplies them from WebCrypto).
pub fn reference_from(random: [u8; 6]) -> String {
    let tail: String =
        random.iter().map(|b| REFERENCE_ALPHABET[usize::from(*b) % REFERENCE_ALPHABET.len()] as char).collect();
    format!("FC-{tail}")
}

/// What a visitor typed, in the stored form: upper case, spaces dropped, `FC` prefix optional.
pub fn normalise_reference(typed: &str) -> Option<String> {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
    let tail = compact.strip_prefix("FC").unwrap_or(&compact);
    (tail.len() == 6 && tail.bytes().all(|b| REFERENCE_ALPHABET.contains(&b))).then(|| format!("FC-{tail}"))
}

/// Whether `typed` is the last name on the booking, ignoring case, accents of spacing.
pub fn last_name_matches(full_name: &str, typed: &str) -> bool {
    let typed = typed.trim().to_lowercase();
    !typed.is_empty() && full_name.split_whitespace().last().is_some_and(|last| last.to_lowercase() == typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_that_fits_the_day_is_accepted() {
        assert_eq!(check_capacity(2_280, 60, 40.0), Ok(()));
    }

    #[test]
    fn the_last_booking_may_fill_the_day_exactly() {
        assert_eq!(check_capacity(2_340, 60, 40.0), Ok(()));
    }

    #[test]
    fn a_booking_past_capacity_is_refused() {
        assert_eq!(
            check_capacity(2_350, 60, 40.0),
            Err(CapacityError::Full { booked: 2_350, requested: 60, capacity: 2_400 })
        );
    }

    #[test]
    fn a_location_without_service_hours_takes_no_bookings() {
        assert!(matches!(check_capacity(0, 15, 0.0), Err(CapacityError::Full { .. })));
    }

    #[test]
    fn durations_outside_the_bookable_range_are_refused() {
        assert_eq!(check_capacity(0, 10, 40.0), Err(CapacityError::BadDuration(10)));
        assert_eq!(check_capacity(0, 601, 40.0), Err(CapacityError::BadDuration(601)));
    }

    #[test]
    fn references_use_only_unambiguous_characters() {
        let reference = reference_from([0, 30, 31, 255, 8, 14]);
        assert_eq!(reference.len(), 9);
        assert!(reference[3..].bytes().all(|b| REFERENCE_ALPHABET.contains(&b)));
        assert_eq!(normalise_reference(&reference), Some(reference));
    }

    #[test]
    fn typed_references_are_normalised() {
        assert_eq!(normalise_reference(" fc-ab c234 "), Some("FC-ABC234".into()));
        assert_eq!(normalise_reference("abc234"), Some("FC-ABC234".into()));
        assert_eq!(normalise_reference("FC-ABC23"), None);
        assert_eq!(normalise_reference("FC-ABC230"), None, "0 is not in the alphabet");
    }

    #[test]
    fn the_last_name_must_match_the_booking() {
        assert!(last_name_matches("Alex Morgan", " morgan "));
        assert!(!last_name_matches("Alex Morgan", "Alex"));
        assert!(!last_name_matches("Alex Morgan", ""));
    }

    #[test]
    fn only_booked_appointments_are_open() {
        for status in AppointmentStatus::ALL {
            assert_eq!(status.is_open(), status == AppointmentStatus::Booked);
            assert_eq!(AppointmentStatus::parse(status.as_str()), Some(status));
        }
        assert!(!AppointmentStatus::Cancelled.takes_capacity());
    }
}
