//! Who gets a new lead: the available rep of the location who was assigned least recently, and
//! how long a lead has waited for its first response.

use crate::identity::Role;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A new lead above this score is assigned at once (the brief's 0.7).
pub const AUTO_ASSIGN_SCORE: f64 = 0.7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepState {
    pub id: String,
    pub available: bool,
    /// RFC 3339, comparable as text; `None` for someone never assigned.
    pub last_assigned_at: Option<String>,
}

/// Least recently assigned available rep; never-assigned reps first, ties broken by id so the
/// choice is stable.
pub fn next_rep(reps: &[RepState]) -> Option<&str> {
    reps.iter()
        .filter(|r| r.available)
        .min_by(|a, b| a.last_assigned_at.cmp(&b.last_assigned_at).then_with(|| a.id.cmp(&b.id)))
        .map(|r| r.id.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AssignmentRefusal {
    #[error("only sales, managers and admins assign leads")]
    Role,
    #[error("sales may take only a lead nobody has yet; ask a manager to reassign it")]
    AlreadyAssigned,
    #[error("sales may take a lead only for themselves")]
    NotForThemselves,
    #[error("the lead is already assigned to that rep")]
    Unchanged,
}

/// Who may (re)assign a lead of their location to `target`: managers and admins to any rep;
/// sales only an unassigned lead, and only to themselves.
pub fn may_assign(role: Role, caller: &str, current: Option<&str>, target: &str) -> Result<(), AssignmentRefusal> {
    if current == Some(target) {
        return Err(AssignmentRefusal::Unchanged);
    }
    match role {
        Role::Manager | Role::Admin => Ok(()),
        Role::Sales if target != caller => Err(AssignmentRefusal::NotForThemselves),
        Role::Sales if current.is_some() => Err(AssignmentRefusal::AlreadyAssigned),
        Role::Sales => Ok(()),
        _ => Err(AssignmentRefusal::Role),
    }
}

/// How a lead stands against the location's first-response target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTimer {
    /// Seconds from arrival to the first response, or to now while still waiting.
    pub waited_seconds: u64,
    pub responded: bool,
    /// Waited longer than the target without a response: escalates to the manager.
    pub overdue: bool,
}

pub fn response_timer(arrived_at: u64, first_response_at: Option<u64>, target_minutes: u32, now: u64) -> ResponseTimer {
    let end = first_response_at.unwrap_or(now);
    let waited_seconds = end.saturating_sub(arrived_at);
    let over = waited_seconds > u64::from(target_minutes) * 60;
    ResponseTimer {
        waited_seconds,
        responded: first_response_at.is_some(),
        overdue: first_response_at.is_none() && over,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(id: &str, available: bool, last: Option<&str>) -> RepState {
        RepState { id: id.into(), available, last_assigned_at: last.map(Into::into) }
    }

    #[test]
    fn the_least_recently_assigned_available_rep_is_next() {
        let reps = [
            rep("a", true, Some("2026-11-02T10:00:00Z")),
            rep("b", true, Some("2026-11-01T10:00:00Z")),
            rep("c", false, None),
        ];
        assert_eq!(next_rep(&reps), Some("b"));
    }

    #[test]
    fn someone_never_assigned_goes_first() {
        let reps = [rep("a", true, Some("2026-11-01T10:00:00Z")), rep("z", true, None)];
        assert_eq!(next_rep(&reps), Some("z"));
    }

    #[test]
    fn nobody_available_means_no_assignment() {
        assert_eq!(next_rep(&[rep("a", false, None)]), None);
    }

    #[test]
    fn managers_reassign_to_anyone_and_sales_take_only_unassigned_leads_for_themselves() {
        assert_eq!(may_assign(Role::Manager, "m", Some("a"), "b"), Ok(()));
        assert_eq!(may_assign(Role::Sales, "s", None, "s"), Ok(()));
        assert_eq!(may_assign(Role::Sales, "s", Some("a"), "s"), Err(AssignmentRefusal::AlreadyAssigned));
        assert_eq!(may_assign(Role::Sales, "s", None, "a"), Err(AssignmentRefusal::NotForThemselves));
        assert_eq!(may_assign(Role::Manager, "m", Some("a"), "a"), Err(AssignmentRefusal::Unchanged));
        for role in [Role::Technician, Role::Advisor, Role::Customer, Role::Kiosk] {
            assert_eq!(may_assign(role, "x", None, "x"), Err(AssignmentRefusal::Role), "{role:?}");
        }
    }

    #[test]
    fn a_waiting_lead_becomes_overdue_after_the_target() {
        assert!(!response_timer(0, None, 15, 15 * 60).overdue);
        assert!(response_timer(0, None, 15, 15 * 60 + 1).overdue);
    }

    #[test]
    fn an_answered_lead_is_never_overdue_and_its_clock_stops() {
        let timer = response_timer(0, Some(3_600), 15, 99_999);
        assert_eq!(timer, ResponseTimer { waited_seconds: 3_600, responded: true, overdue: false });
    }
}
