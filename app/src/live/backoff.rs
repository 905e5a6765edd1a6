//! When to try again after a room connection drops.
//!
//! Exponential backoff from 1 s doubling to a 30 s ceiling, as the brief fixes it. Jitter spreads
//! the retries of many clients (a whole showroom of tablets losing Wi-Fi at once) so they do not
//! hit the edge in lockstep when it comes back.

use std::time::Duration;

pub const FIRST_DELAY: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(30);
/// Each delay is scaled by a factor in `[1 - JITTER, 1 + JITTER)`.
pub const JITTER: f64 = 0.2;

/// The nominal delay before retry number `attempt` (0 for the first retry), without jitter.
pub fn nominal_delay(attempt: u32) -> Duration {
    // 2^5 s already exceeds the ceiling; capping the shift keeps huge attempt counts from overflowing.
    let doubled = FIRST_DELAY.saturating_mul(1u32 << attempt.min(5));
    doubled.min(MAX_DELAY)
}

/// The delay before retry number `attempt`, with `random` in `[0, 1)` choosing the jitter.
///
/// Kept pure (the caller passes `Math.random()`) so the schedule is tested exactly. The result
/// never exceeds [`MAX_DELAY`]: jitter may spread retries, not stretch the promised ceiling.
pub fn delay(attempt: u32, random: f64) -> Duration {
    let factor = 1.0 - JITTER + 2.0 * JITTER * random.clamp(0.0, 1.0);
    nominal_delay(attempt).mul_f64(factor).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn nominal_schedule_doubles_from_one_second_to_thirty() {
        let schedule: Vec<u64> = (0..8).map(|n| nominal_delay(n).as_secs()).collect();
        assert_eq!(schedule, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[wasm_bindgen_test]
    fn huge_attempt_counts_stay_at_the_ceiling() {
        assert_eq!(nominal_delay(u32::MAX), MAX_DELAY);
    }
}
