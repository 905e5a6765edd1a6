//! Parts stock: a line takes parts off the shelf, never below zero, and a shelf at or below its
//! reorder threshold raises a reorder alert.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    #[error("a part line needs a quantity of at least 1")]
    NothingTaken,
    #[error("only {on_hand} in stock; {wanted} cannot be taken")]
    Insufficient { on_hand: u32, wanted: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub remaining: u32,
    /// The shelf is at or below its threshold after this take.
    pub reorder: bool,
    /// This take crossed the threshold (it was above before): alert once, not on every line.
    pub newly_low: bool,
}

/// Takes `wanted` parts from a shelf of `on_hand` with reorder `threshold`.
pub fn take(on_hand: u32, wanted: u32, threshold: u32) -> Result<Taken, StockError> {
    if wanted == 0 {
        return Err(StockError::NothingTaken);
    }
    let remaining = on_hand.checked_sub(wanted).ok_or(StockError::Insufficient { on_hand, wanted })?;
    let reorder = remaining <= threshold;
    Ok(Taken { remaining, reorder, newly_low: reorder && on_hand > threshold })
}

/// Whether a shelf needs reordering (the low-stock filter of the parts list).
pub fn is_low(on_hand: u32, threshold: u32) -> bool {
    on_hand <= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taking_from_a_full_shelf_leaves_the_rest() {
        assert_eq!(take(20, 4, 5), Ok(Taken { remaining: 16, reorder: false, newly_low: false }));
    }

    #[test]
    fn reaching_the_threshold_raises_a_reorder_alert_once() {
        assert_eq!(take(7, 2, 5), Ok(Taken { remaining: 5, reorder: true, newly_low: true }));
        assert_eq!(take(5, 1, 5), Ok(Taken { remaining: 4, reorder: true, newly_low: false }));
    }

    #[test]
    fn the_last_part_may_be_taken() {
        assert_eq!(take(3, 3, 0), Ok(Taken { remaining: 0, reorder: true, newly_low: true }));
    }

    #[test]
    fn stock_never_goes_below_zero() {
        assert_eq!(take(2, 3, 5), Err(StockError::Insufficient { on_hand: 2, wanted: 3 }));
    }

    #[test]
    fn a_line_takes_at_least_one_part() {
        assert_eq!(take(2, 0, 5), Err(StockError::NothingTaken));
    }

    #[test]
    fn low_means_at_or_below_the_threshold() {
        assert!(is_low(5, 5));
        assert!(!is_low(6, 5));
    }
}
