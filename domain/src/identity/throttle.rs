//! Login throttling: a few mistakes are free, a guessing run is locked out for a while.

/// Failures allowed on one account before it is locked.
pub const FREE_FAILURES: u32 = 5;
/// Failures allowed from one client address: higher, because a dealership's staff share one
/// office address, and one person's typos must not lock out the floor.
pub const FREE_FAILURES_PER_ADDRESS: u32 = 30;
/// How long a lock lasts, in seconds; each further failure while locked restarts it.
pub const LOCK_SECONDS: u64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    pub failures: u32,
    /// Seconds since the epoch until which the key is locked.
    pub locked_until: Option<u64>,
}

impl Throttle {
    /// Seconds to wait, when locked at `now`.
    pub fn retry_after(&self, now: u64) -> Option<u64> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    /// The state after one more failure, locking once `free` failures have been used up.
    pub fn after_failure(self, now: u64, free: u32) -> Self {
        let failures = self.failures.saturating_add(1);
        let locked_until = (failures >= free).then_some(now + LOCK_SECONDS);
        Self { failures, locked_until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failures_do_not_lock() {
        let mut throttle = Throttle::default();
        for _ in 1..FREE_FAILURES {
            throttle = throttle.after_failure(100, FREE_FAILURES);
            assert_eq!(throttle.retry_after(100), None);
        }
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let throttle = (0..FREE_FAILURES).fold(Throttle::default(), |t, _| t.after_failure(100, FREE_FAILURES));
        assert_eq!(throttle.retry_after(100), Some(LOCK_SECONDS));
        assert_eq!(throttle.retry_after(100 + LOCK_SECONDS), None);
    }
}
