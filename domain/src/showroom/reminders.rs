//! Test-drive reminders: which bookings get a reminder now. The Worker's cron runs this rule
//! every few minutes; a booking is reminded once, within the day before it starts.

/// How far ahead a reminder goes out.
pub const REMIND_WITHIN_SECONDS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedDrive {
    pub id: String,
    pub status: String,
    /// Seconds since the epoch.
    pub starts_at: i64,
    pub reminded: bool,
}

/// Whether `drive` should be reminded at `now`: still booked, not reminded yet, and starting
/// within the next 24 hours (a drive already under way is not reminded any more).
pub fn due(drive: &BookedDrive, now: i64) -> bool {
    drive.status == "booked"
        && !drive.reminded
        && drive.starts_at > now
        && drive.starts_at - now <= REMIND_WITHIN_SECONDS
}

/// The ids of the drives to remind now, soonest first.
pub fn select(drives: &[BookedDrive], now: i64) -> Vec<String> {
    let mut due: Vec<&BookedDrive> = drives.iter().filter(|d| due(d, now)).collect();
    due.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then_with(|| a.id.cmp(&b.id)));
    due.into_iter().map(|d| d.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(id: &str, status: &str, in_seconds: i64, reminded: bool) -> BookedDrive {
        BookedDrive { id: id.into(), status: status.into(), starts_at: 1_000_000 + in_seconds, reminded }
    }

    #[test]
    fn a_booking_within_the_next_day_is_reminded_once() {
        assert!(due(&drive("a", "booked", 3_600, false), 1_000_000));
        assert!(!due(&drive("a", "booked", 3_600, true), 1_000_000));
    }

    #[test]
    fn bookings_further_out_wait_and_past_ones_are_skipped() {
        assert!(due(&drive("a", "booked", REMIND_WITHIN_SECONDS, false), 1_000_000));
        assert!(!due(&drive("a", "booked", REMIND_WITHIN_SECONDS + 1, false), 1_000_000));
        assert!(!due(&drive("a", "booked", 0, false), 1_000_000));
        assert!(!due(&drive("a", "booked", -60, false), 1_000_000));
    }

    #[test]
    fn cancelled_or_finished_drives_are_never_reminded() {
        for status in ["cancelled", "completed", "no_show"] {
            assert!(!due(&drive("a", status, 3_600, false), 1_000_000), "{status}");
        }
    }

    #[test]
    fn the_soonest_drives_come_first() {
        let drives = [drive("late", "booked", 7_200, false), drive("soon", "booked", 600, false)];
        assert_eq!(select(&drives, 1_000_000), ["soon", "late"]);
    }
}
