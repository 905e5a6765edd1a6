//! Odometer sanity: a reading lower than the last one, or implausibly high for the time passed.

use thiserror::Error;

/// More than this per day, sustained, is not a car anyone drives (1,500 km is 20 h at 75 km/h).
pub const MAX_KM_PER_DAY: u32 = 1_500;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MileageError {
    #[error("the odometer reads {reading} km but it read {last} km before; readings never go down")]
    Lower { reading: u32, last: u32 },
    #[error("{reading} km is {driven} km more than {days} day(s) ago, implausible; a manager must confirm it")]
    Implausible { reading: u32, driven: u32, days: u32 },
}

/// Checks a new reading against the last one, `days` days later.
pub fn check(reading: u32, last: u32, days: u32) -> Result<(), MileageError> {
    if reading < last {
        return Err(MileageError::Lower { reading, last });
    }
    let driven = reading - last;
    // A same-day reading still allows a day's driving.
    if driven > MAX_KM_PER_DAY.saturating_mul(days.max(1)) {
        return Err(MileageError::Implausible { reading, driven, days });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_reading_passes() {
        assert_eq!(check(45_200, 44_000, 30), Ok(()));
    }

    #[test]
    fn a_lower_reading_is_refused() {
        assert_eq!(check(43_000, 44_000, 30), Err(MileageError::Lower { reading: 43_000, last: 44_000 }));
    }

    #[test]
    fn an_implausible_jump_is_flagged() {
        assert_eq!(
            check(80_000, 44_000, 2),
            Err(MileageError::Implausible { reading: 80_000, driven: 36_000, days: 2 })
        );
    }

    #[test]
    fn the_same_day_allows_a_days_driving() {
        assert_eq!(check(44_900, 44_000, 0), Ok(()));
    }
}
