//! An anomaly's life: detected → acknowledged → in progress → resolved or false positive.
//! Only forward moves are legal, so the history a manager reads is always a coherent story.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnomalyStatus {
    Detected,
    Acknowledged,
    InProgress,
    Resolved,
    FalsePositive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("an anomaly cannot go from {from:?} to {to:?}")]
pub struct IllegalTransition {
    pub from: AnomalyStatus,
    pub to: AnomalyStatus,
}

impl AnomalyStatus {
    pub const ALL: [AnomalyStatus; 5] =
        [Self::Detected, Self::Acknowledged, Self::InProgress, Self::Resolved, Self::FalsePositive];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detected => "detected",
            Self::Acknowledged => "acknowledged",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::FalsePositive => "false_positive",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The verdict a closing move gives the rule that raised the anomaly: this is the feedback
    /// that tunes its threshold.
    pub fn verdict(self) -> Option<super::feedback::Verdict> {
        match self {
            Self::Resolved => Some(super::feedback::Verdict::Resolved),
            Self::FalsePositive => Some(super::feedback::Verdict::FalsePositive),
            _ => None,
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::FalsePositive)
    }

    pub fn transition(self, to: Self) -> Result<Self, IllegalTransition> {
        use AnomalyStatus::*;
        let legal = matches!(
            (self, to),
            (Detected, Acknowledged | InProgress | Resolved | FalsePositive)
                | (Acknowledged, InProgress | Resolved | FalsePositive)
                | (InProgress, Resolved | FalsePositive)
        );
        if legal {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AnomalyStatus::{self, *};

    const ALL: [AnomalyStatus; 5] = [Detected, Acknowledged, InProgress, Resolved, FalsePositive];

    #[test]
    fn every_transition_is_legal_exactly_when_it_moves_forward() {
        let order = |s: AnomalyStatus| match s {
            Detected => 0,
            Acknowledged => 1,
            InProgress => 2,
            Resolved | FalsePositive => 3,
        };
        for from in ALL {
            for to in ALL {
                let expected = order(to) > order(from);
                assert_eq!(from.transition(to).is_ok(), expected, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in ALL {
            assert_eq!(AnomalyStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AnomalyStatus::parse("closed"), None);
    }

    #[test]
    fn only_closing_moves_carry_a_verdict() {
        use crate::analytics::anomaly::feedback::Verdict;
        assert_eq!(FalsePositive.verdict(), Some(Verdict::FalsePositive));
        assert_eq!(Resolved.verdict(), Some(Verdict::Resolved));
        assert_eq!(InProgress.verdict(), None);
    }

    #[test]
    fn closed_states_are_final() {
        assert!(Resolved.is_closed() && FalsePositive.is_closed() && !InProgress.is_closed());
    }
}
