//! The sales pipeline: new → contacted → qualified → test_drive → negotiation → won | lost.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    TestDrive,
    Negotiation,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LeadTransitionError {
    #[error("a lead cannot go from {from:?} to {to:?}")]
    Illegal { from: LeadStatus, to: LeadStatus },
    #[error("a lost lead needs a reason")]
    MissingLostReason,
    #[error("the lead is closed ({0:?}); reopen it as a new lead")]
    Closed(LeadStatus),
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 7] =
        [Self::New, Self::Contacted, Self::Qualified, Self::TestDrive, Self::Negotiation, Self::Won, Self::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Qualified => "qualified",
            Self::TestDrive => "test_drive",
            Self::Negotiation => "negotiation",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Self::Won | Self::Lost)
    }

    fn rank(self) -> u8 {
        match self {
            Self::New => 0,
            Self::Contacted => 1,
            Self::Qualified => 2,
            Self::TestDrive => 3,
            Self::Negotiation => 4,
            Self::Won | Self::Lost => 5,
        }
    }

    /// Leads move forward (skipping steps is allowed: a walk-in may go straight to a test
    /// drive), may be lost from any open state, and won only from qualified onwards.
    pub fn transition(self, to: LeadStatus, lost_reason: Option<&str>) -> Result<LeadStatus, LeadTransitionError> {
        if self.is_closed() {
            return Err(LeadTransitionError::Closed(self));
        }
        match to {
            Self::Lost if lost_reason.is_none_or(|r| r.trim().is_empty()) => {
                Err(LeadTransitionError::MissingLostReason)
            }
            Self::Lost => Ok(to),
            Self::Won if self.rank() >= Self::Qualified.rank() => Ok(to),
            Self::Won => Err(LeadTransitionError::Illegal { from: self, to }),
            _ if to.rank() > self.rank() => Ok(to),
            _ => Err(LeadTransitionError::Illegal { from: self, to }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::*;

    #[test]
    fn leads_move_forward_through_the_pipeline() {
        assert_eq!(New.transition(Contacted, None), Ok(Contacted));
        assert_eq!(Contacted.transition(TestDrive, None), Ok(TestDrive));
        assert_eq!(Negotiation.transition(Won, None), Ok(Won));
    }

    #[test]
    fn leads_never_move_backwards() {
        assert_eq!(
            Qualified.transition(Contacted, None),
            Err(LeadTransitionError::Illegal { from: Qualified, to: Contacted })
        );
        assert_eq!(
            Contacted.transition(Contacted, None),
            Err(LeadTransitionError::Illegal { from: Contacted, to: Contacted })
        );
    }

    #[test]
    fn a_lead_is_won_only_once_qualified() {
        assert_eq!(New.transition(Won, None), Err(LeadTransitionError::Illegal { from: New, to: Won }));
    }

    #[test]
    fn losing_needs_a_reason() {
        assert_eq!(New.transition(Lost, None), Err(LeadTransitionError::MissingLostReason));
        assert_eq!(New.transition(Lost, Some("  ")), Err(LeadTransitionError::MissingLostReason));
        assert_eq!(New.transition(Lost, Some("bought elsewhere")), Ok(Lost));
    }

    #[test]
    fn closed_leads_stay_closed() {
        for closed in [Won, Lost] {
            for to in LeadStatus::ALL {
                assert_eq!(closed.transition(to, Some("x")), Err(LeadTransitionError::Closed(closed)));
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for status in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(status.as_str()), Some(status));
        }
    }
}
