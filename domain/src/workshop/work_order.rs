//! Work-order status: booked → checked_in → diagnosing → awaiting_approval → in_progress →
//! quality_check → ready → collected; cancelled from any state before in_progress.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderStatus {
    Booked,
    CheckedIn,
    Diagnosing,
    AwaitingApproval,
    InProgress,
    QualityCheck,
    Ready,
    Collected,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a work order cannot go from {from} to {to}", from = from.as_str(), to = to.as_str())]
pub struct IllegalTransition {
    pub from: WorkOrderStatus,
    pub to: WorkOrderStatus,
}

impl WorkOrderStatus {
    pub const ALL: [WorkOrderStatus; 9] = [
        Self::Booked,
        Self::CheckedIn,
        Self::Diagnosing,
        Self::AwaitingApproval,
        Self::InProgress,
        Self::QualityCheck,
        Self::Ready,
        Self::Collected,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::CheckedIn => "checked_in",
            Self::Diagnosing => "diagnosing",
            Self::AwaitingApproval => "awaiting_approval",
            Self::InProgress => "in_progress",
            Self::QualityCheck => "quality_check",
            Self::Ready => "ready",
            Self::Collected => "collected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The legal next states. Diagnosis may find nothing needing approval (straight to work),
    /// and quality control may send a job back to the bench.
    pub fn next(self) -> &'static [WorkOrderStatus] {
        use WorkOrderStatus::*;
        match self {
            Booked => &[CheckedIn, Cancelled],
            CheckedIn => &[Diagnosing, Cancelled],
            Diagnosing => &[AwaitingApproval, InProgress, Cancelled],
            AwaitingApproval => &[InProgress, Cancelled],
            InProgress => &[QualityCheck],
            QualityCheck => &[Ready, InProgress],
            Ready => &[Collected],
            Collected | Cancelled => &[],
        }
    }

    pub fn transition(self, to: WorkOrderStatus) -> Result<WorkOrderStatus, IllegalTransition> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// Work has started on the car: from here on it can no longer simply be cancelled.
    pub fn work_started(self) -> bool {
        matches!(self, Self::InProgress | Self::QualityCheck | Self::Ready | Self::Collected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkOrderStatus::*;

    #[test]
    fn the_happy_path_is_legal() {
        let path = [Booked, CheckedIn, Diagnosing, AwaitingApproval, InProgress, QualityCheck, Ready, Collected];
        for pair in path.windows(2) {
            assert_eq!(pair[0].transition(pair[1]), Ok(pair[1]));
        }
    }

    #[test]
    fn cancelling_is_possible_exactly_before_work_starts() {
        for status in WorkOrderStatus::ALL {
            let can_cancel = status.transition(Cancelled).is_ok();
            let expected = !status.work_started() && status != Cancelled;
            assert_eq!(can_cancel, expected, "{status:?}");
        }
    }

    #[test]
    fn every_transition_not_listed_is_refused() {
        for from in WorkOrderStatus::ALL {
            for to in WorkOrderStatus::ALL {
                assert_eq!(from.transition(to).is_ok(), from.next().contains(&to), "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn finished_orders_are_final() {
        assert!(Collected.next().is_empty());
        assert!(Cancelled.next().is_empty());
    }

    #[test]
    fn names_round_trip() {
        for status in WorkOrderStatus::ALL {
            assert_eq!(WorkOrderStatus::parse(status.as_str()), Some(status));
        }
    }
}
