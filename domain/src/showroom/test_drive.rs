//! Test-drive slots: sensible lengths, and the overlap rule that stops double booking.

use thiserror::Error;

pub const MIN_MINUTES: i64 = 15;
pub const MAX_MINUTES: i64 = 240;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlotError {
    #[error("a test drive ends after it starts")]
    EndsBeforeStart,
    #[error("a test drive lasts {MIN_MINUTES} to {MAX_MINUTES} minutes")]
    Length,
}

/// Checks a slot given as epoch milliseconds.
pub fn check_slot(starts_ms: i64, ends_ms: i64) -> Result<(), SlotError> {
    if ends_ms <= starts_ms {
        return Err(SlotError::EndsBeforeStart);
    }
    let minutes = (ends_ms - starts_ms) / 60_000;
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&minutes) {
        return Err(SlotError::Length);
    }
    Ok(())
}

/// Half-open intervals: a drive ending at 11:00 does not clash with one starting at 11:00.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn a_normal_slot_is_fine() {
        assert_eq!(check_slot(0, 45 * MIN), Ok(()));
    }

    #[test]
    fn backwards_and_odd_lengths_are_refused() {
        assert_eq!(check_slot(10 * MIN, 10 * MIN), Err(SlotError::EndsBeforeStart));
        assert_eq!(check_slot(0, 5 * MIN), Err(SlotError::Length));
        assert_eq!(check_slot(0, 300 * MIN), Err(SlotError::Length));
    }

    #[test]
    fn touching_slots_do_not_overlap_but_crossing_ones_do() {
        assert!(!overlaps((0, 60), (60, 120)));
        assert!(overlaps((0, 61), (60, 120)));
        assert!(overlaps((10, 20), (0, 100)));
    }
}
