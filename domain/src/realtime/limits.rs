//! The limits of the brief for room connections, and the rate limiter that enforces them.

use serde::{Deserialize, Serialize};

/// Largest message a client may send (and the room will accept), in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Clients ping this often; proxies and mobile networks drop quieter sockets.
pub const HEARTBEAT_MS: u64 = 25_000;
/// A connection silent for this long (three missed heartbeats) is considered dead and closed.
pub const DEAD_AFTER_MS: u64 = 3 * HEARTBEAT_MS;
/// A browser must authenticate within this long after connecting.
pub const AUTH_WITHIN_MS: u64 = 5_000;
/// At most this many messages per connection in any [`RATE_WINDOW_MS`] window…
pub const RATE_LIMIT: u32 = 100;
pub const RATE_WINDOW_MS: u64 = 60_000;
/// …or the connection is closed with 1008 and its principal (or address) blocked this long.
pub const BLOCK_MS: u64 = 300_000;

/// Close codes the rooms use (RFC 6455 §7.4.1).
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
}

/// A fixed window per connection. Fixed rather than sliding: it needs two numbers (kept in the
/// socket's attachment across hibernation), and "100 in 60 s" is what the brief promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RateWindow {
    pub started_ms: u64,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateVerdict {
    Allowed,
    /// Over the limit: close with 1008 and block until `until_ms`.
    Exceeded {
        until_ms: u64,
    },
}

impl RateWindow {
    /// Counts one message at `now`.
    pub fn hit(&mut self, now: u64) -> RateVerdict {
        if now.saturating_sub(self.started_ms) >= RATE_WINDOW_MS || self.count == 0 {
            self.started_ms = now;
            self.count = 0;
        }
        self.count += 1;
        if self.count > RATE_LIMIT {
            RateVerdict::Exceeded { until_ms: now + BLOCK_MS }
        } else {
            RateVerdict::Allowed
        }
    }
}

/// Whether a block recorded until `until_ms` still applies at `now`, and for how many seconds.
pub fn blocked_for_seconds(until_ms: u64, now: u64) -> Option<u64> {
    (until_ms > now).then(|| (until_ms - now).div_ceil(1_000))
}

/// The key a block is recorded under: the principal when signed in (so a new socket or another
/// device does not escape it), otherwise the client's address, otherwise only this connection.
pub fn block_key(subject: Option<&str>, address: Option<&str>, connection: &str) -> String {
    match (subject, address) {
        (Some(subject), _) => format!("sub:{subject}"),
        (None, Some(address)) => format!("ip:{address}"),
        (None, None) => format!("conn:{connection}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_messages_in_a_minute_are_allowed() {
        let mut window = RateWindow::default();
        for i in 0..RATE_LIMIT {
            assert_eq!(window.hit(1_000 + u64::from(i)), RateVerdict::Allowed);
        }
    }

    #[test]
    fn the_hundred_and_first_blocks_for_five_minutes() {
        let mut window = RateWindow::default();
        for _ in 0..RATE_LIMIT {
            window.hit(1_000);
        }
        assert_eq!(window.hit(2_000), RateVerdict::Exceeded { until_ms: 2_000 + 300_000 });
    }

    #[test]
    fn a_new_window_starts_after_sixty_seconds() {
        let mut window = RateWindow::default();
        for _ in 0..RATE_LIMIT {
            window.hit(1_000);
        }
        assert_eq!(window.hit(61_000), RateVerdict::Allowed);
        assert_eq!(window.count, 1);
    }

    #[test]
    fn blocks_report_whole_seconds_left_and_lapse() {
        assert_eq!(blocked_for_seconds(10_000, 9_001), Some(1));
        assert_eq!(blocked_for_seconds(10_000, 10_000), None);
    }

    #[test]
    fn blocks_follow_the_principal_before_the_address() {
        assert_eq!(block_key(Some("u1"), Some("1.2.3.4"), "c"), "sub:u1");
        assert_eq!(block_key(None, Some("1.2.3.4"), "c"), "ip:1.2.3.4");
        assert_eq!(block_key(None, None, "c"), "conn:c");
    }

    #[test]
    fn dead_connections_are_three_missed_heartbeats() {
        assert_eq!(DEAD_AFTER_MS, 75_000);
    }
}
