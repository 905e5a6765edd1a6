//! Debouncing and coalescing expensive recomputations per key (a location's forecast, an
//! anomaly scan): a burst of requests runs the work once, after the burst goes quiet for `wait`,
//! but never later than `max_wait` after the first request, so a steady drizzle still gets fresh
//! results.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debounce {
    pub wait_ms: u64,
    pub max_wait_ms: u64,
}

/// Forecasts: 800 ms quiet, at most 3 s.
pub const FORECAST: Debounce = Debounce { wait_ms: 800, max_wait_ms: 3_000 };
/// Anomaly scans: 1 s quiet, at most 5 s.
pub const ANOMALY_SCAN: Debounce = Debounce { wait_ms: 1_000, max_wait_ms: 5_000 };

/// Requests waiting for one run: when the first and the latest arrived, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub first_ms: u64,
    pub last_ms: u64,
    pub requests: u32,
}

impl Debounce {
    /// Adds a request at `now_ms` to what is pending (if anything) and returns the new pending
    /// state; its [`Debounce::fire_at`] is when the work should run.
    pub fn request(self, pending: Option<Pending>, now_ms: u64) -> Pending {
        match pending {
            Some(p) => Pending { first_ms: p.first_ms, last_ms: now_ms.max(p.last_ms), requests: p.requests + 1 },
            None => Pending { first_ms: now_ms, last_ms: now_ms, requests: 1 },
        }
    }

    pub fn fire_at(self, pending: Pending) -> u64 {
        (pending.last_ms + self.wait_ms).min(pending.first_ms + self.max_wait_ms)
    }

    /// Whether the work is due at `now_ms` (an alarm may fire early or be re-armed late).
    pub fn due(self, pending: Pending, now_ms: u64) -> bool {
        now_ms >= self.fire_at(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_request_runs_after_the_quiet_wait() {
        let pending = FORECAST.request(None, 1_000);
        assert_eq!(FORECAST.fire_at(pending), 1_800);
    }

    #[test]
    fn a_burst_coalesces_into_one_run_after_it_goes_quiet() {
        let mut pending = None;
        for t in [0, 100, 250, 400] {
            pending = Some(FORECAST.request(pending, t));
        }
        let pending = pending.expect("pending");
        assert_eq!(pending.requests, 4);
        assert_eq!(FORECAST.fire_at(pending), 1_200);
        assert!(!FORECAST.due(pending, 1_199) && FORECAST.due(pending, 1_200));
    }

    #[test]
    fn a_steady_drizzle_still_runs_by_the_max_wait() {
        let mut pending = None;
        for t in (0..10_000).step_by(500) {
            pending = Some(ANOMALY_SCAN.request(pending, t));
        }
        assert_eq!(ANOMALY_SCAN.fire_at(pending.expect("pending")), 5_000);
    }

    #[test]
    fn out_of_order_clocks_never_move_the_run_earlier() {
        let pending = FORECAST.request(Some(FORECAST.request(None, 500)), 400);
        assert_eq!(FORECAST.fire_at(pending), 1_300);
    }
}
