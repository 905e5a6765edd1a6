//! A room's bounded history and how a reconnecting client catches up from it.

/// How many events a room keeps for clients that reconnect.
pub const HISTORY_LIMIT: u64 = 1_000;

/// What a client that last saw `after` needs, given the history the room still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumePlan {
    /// The client is up to date (or new): send nothing from history.
    UpToDate,
    /// Replay every event with a sequence number above `after`, in order.
    ReplayAfter(u64),
    /// Events the client missed are no longer kept: it must refetch state over HTTP.
    Resync,
}

/// `oldest` and `newest` are the sequence numbers the room still holds (`None` when empty);
/// `newest_ever` is the highest number ever issued, which survives trimming.
pub fn plan_resume(after: Option<u64>, oldest: Option<u64>, newest_ever: u64) -> ResumePlan {
    let Some(after) = after else {
        return ResumePlan::UpToDate;
    };
    if after == newest_ever {
        return ResumePlan::UpToDate;
    }
    if after > newest_ever {
        // The client saw numbers this room never issued: the room was recreated, so the
        // client's view cannot be patched up from history.
        return ResumePlan::Resync;
    }
    match oldest {
        // Everything after `after` is still held when the first missing event is not older
        // than the oldest one kept.
        Some(oldest) if after + 1 >= oldest => ResumePlan::ReplayAfter(after),
        _ => ResumePlan::Resync,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_client_gets_no_history() {
        assert_eq!(plan_resume(None, Some(1), 10), ResumePlan::UpToDate);
    }

    #[test]
    fn a_client_that_saw_everything_gets_nothing() {
        assert_eq!(plan_resume(Some(10), Some(1), 10), ResumePlan::UpToDate);
    }

    #[test]
    fn a_client_behind_within_history_gets_a_replay() {
        assert_eq!(plan_resume(Some(4), Some(1), 10), ResumePlan::ReplayAfter(4));
    }

    #[test]
    fn the_oldest_kept_event_is_still_replayable() {
        assert_eq!(plan_resume(Some(4), Some(5), 10), ResumePlan::ReplayAfter(4));
    }

    #[test]
    fn a_client_behind_the_history_must_resync() {
        assert_eq!(plan_resume(Some(3), Some(5), 10), ResumePlan::Resync);
    }

    #[test]
    fn a_client_ahead_of_a_recreated_room_must_resync() {
        assert_eq!(plan_resume(Some(50), None, 0), ResumePlan::Resync);
    }
}
