//! Chat rooms: roles, invitations and unread counts (the chat room's Durable Object stores them).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Roles in a chat room, from most to least rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    Owner,
    Admin,
    Member,
    /// Reads and writes, but cannot invite (a customer's family member, a parts supplier).
    Guest,
}

impl ChatRole {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            "guest" => Some(Self::Guest),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Guest => "guest",
        }
    }

    /// Who may invite whom: owners anyone but another owner, admins members and guests.
    /// A room has one owner; ownership is not handed out by invitation.
    pub fn may_invite(self, role: ChatRole) -> bool {
        match self {
            Self::Owner => role != Self::Owner,
            Self::Admin => matches!(role, Self::Member | Self::Guest),
            Self::Member | Self::Guest => false,
        }
    }
}

/// Invitations: pending → accepted | rejected | expired. Accepted members are the room's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Accepted,
    Rejected,
    Expired,
}

impl InvitationState {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            "rejected" => Some(Self::Rejected),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
        }
    }
}

/// What can happen to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAction {
    Accept,
    Reject,
    /// The room's clock passed the invitation's expiry.
    Expire,
    /// Invite again (after a rejection or expiry, or to refresh a pending one).
    Reinvite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum InvitationError {
    #[error("this invitation was already {0:?}")]
    Settled(InvitationState),
    #[error("this invitation expired")]
    Expired,
    #[error("{0:?} is already a member")]
    AlreadyMember(ChatRole),
}

/// How long an invitation stays open.
pub const INVITATION_TTL_MS: u64 = 7 * 24 * 60 * 60 * 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub state: InvitationState,
    pub role: ChatRole,
    pub expires_ms: u64,
}

impl Invitation {
    pub fn new(role: ChatRole, now: u64) -> Self {
        Self { state: InvitationState::Pending, role, expires_ms: now + INVITATION_TTL_MS }
    }

    /// The only legal moves; anything else is an error and changes nothing.
    pub fn transition(&self, action: InvitationAction, now: u64) -> Result<Self, InvitationError> {
        use InvitationAction as A;
        use InvitationState as S;
        let lapsed = now >= self.expires_ms;
        let state = match (self.state, action) {
            (S::Pending, A::Accept | A::Reject) if lapsed => return Err(InvitationError::Expired),
            (S::Pending, A::Accept) => S::Accepted,
            (S::Pending, A::Reject) => S::Rejected,
            (S::Pending, A::Expire) if lapsed => S::Expired,
            (S::Pending, A::Expire) => return Err(InvitationError::Settled(S::Pending)),
            (S::Accepted, A::Reinvite) => return Err(InvitationError::AlreadyMember(self.role)),
            (S::Pending | S::Rejected | S::Expired, A::Reinvite) => {
                return Ok(Self::new(self.role, now));
            }
            (settled, _) => return Err(InvitationError::Settled(settled)),
        };
        Ok(Self { state, ..self.clone() })
    }
}

/// Unread messages for one reader: messages after their read marker that others wrote.
pub fn unread<'a>(reader: &str, last_read: u64, messages: impl IntoIterator<Item = (u64, &'a str)>) -> u64 {
    messages.into_iter().filter(|&(seq, author)| seq > last_read && author != reader).count() as u64
}

/// A read marker only moves forward: a stale tab must not resurrect read messages as unread.
pub fn advance_read(current: u64, seen: u64, newest: u64) -> u64 {
    current.max(seen.min(newest))
}

/// Longest chat message body, in characters.
pub const MAX_BODY_CHARS: usize = 4_000;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    #[error("a message cannot be empty")]
    Empty,
    #[error("a message can have at most {MAX_BODY_CHARS} characters")]
    TooLong,
}

pub fn check_body(body: &str) -> Result<&str, BodyError> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        Err(BodyError::Empty)
    } else if trimmed.chars().count() > MAX_BODY_CHARS {
        Err(BodyError::TooLong)
    } else {
        Ok(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::InvitationAction as A;
    use super::InvitationState as S;
    use super::*;

    const NOW: u64 = 1_000;

    fn pending() -> Invitation {
        Invitation::new(ChatRole::Member, NOW)
    }

    #[test]
    fn a_pending_invitation_can_be_accepted() {
        assert_eq!(pending().transition(A::Accept, NOW + 1).map(|i| i.state), Ok(S::Accepted));
    }

    #[test]
    fn a_pending_invitation_can_be_rejected() {
        assert_eq!(pending().transition(A::Reject, NOW + 1).map(|i| i.state), Ok(S::Rejected));
    }

    #[test]
    fn a_lapsed_invitation_expires_and_cannot_be_accepted() {
        let later = NOW + INVITATION_TTL_MS;
        assert_eq!(pending().transition(A::Accept, later), Err(InvitationError::Expired));
        assert_eq!(pending().transition(A::Expire, later).map(|i| i.state), Ok(S::Expired));
    }

    #[test]
    fn an_open_invitation_does_not_expire_early() {
        assert_eq!(pending().transition(A::Expire, NOW + 1), Err(InvitationError::Settled(S::Pending)));
    }

    #[test]
    fn settled_invitations_cannot_be_answered_again() {
        let accepted = pending().transition(A::Accept, NOW).expect("accept");
        assert_eq!(accepted.transition(A::Reject, NOW), Err(InvitationError::Settled(S::Accepted)));
        let rejected = pending().transition(A::Reject, NOW).expect("reject");
        assert_eq!(rejected.transition(A::Accept, NOW), Err(InvitationError::Settled(S::Rejected)));
    }

    #[test]
    fn rejected_or_expired_invitations_can_be_renewed() {
        let rejected = pending().transition(A::Reject, NOW).expect("reject");
        let renewed = rejected.transition(A::Reinvite, NOW + 5).expect("reinvite");
        assert_eq!(renewed.state, S::Pending);
        assert_eq!(renewed.expires_ms, NOW + 5 + INVITATION_TTL_MS);
    }

    #[test]
    fn members_are_not_invited_again() {
        let accepted = pending().transition(A::Accept, NOW).expect("accept");
        assert_eq!(accepted.transition(A::Reinvite, NOW), Err(InvitationError::AlreadyMember(ChatRole::Member)));
    }

    #[test]
    fn only_owners_and_admins_invite_and_never_a_second_owner() {
        assert!(ChatRole::Owner.may_invite(ChatRole::Admin));
        assert!(!ChatRole::Owner.may_invite(ChatRole::Owner));
        assert!(ChatRole::Admin.may_invite(ChatRole::Guest));
        assert!(!ChatRole::Admin.may_invite(ChatRole::Admin));
        assert!(!ChatRole::Member.may_invite(ChatRole::Guest));
        assert!(!ChatRole::Guest.may_invite(ChatRole::Guest));
    }

    #[test]
    fn unread_counts_only_others_messages_after_the_marker() {
        let messages = [(1, "ana"), (2, "ben"), (3, "ana"), (4, "ben")];
        assert_eq!(unread("ana", 0, messages), 2);
        assert_eq!(unread("ana", 2, messages), 1);
        assert_eq!(unread("ben", 4, messages), 0);
    }

    #[test]
    fn read_markers_only_move_forward_and_not_past_the_newest() {
        assert_eq!(advance_read(5, 3, 10), 5);
        assert_eq!(advance_read(5, 8, 10), 8);
        assert_eq!(advance_read(5, 99, 10), 10);
    }

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(check_body("  hi "), Ok("hi"));
        assert_eq!(check_body("   "), Err(BodyError::Empty));
        assert_eq!(check_body(&"x".repeat(MAX_BODY_CHARS + 1)), Err(BodyError::TooLong));
    }

    #[test]
    fn names_round_trip() {
        for role in [ChatRole::Owner, ChatRole::Admin, ChatRole::Member, ChatRole::Guest] {
            assert_eq!(ChatRole::parse(role.as_str()), Some(role));
        }
        for state in [S::Pending, S::Accepted, S::Rejected, S::Expired] {
            assert_eq!(InvitationState::parse(state.as_str()), Some(state));
        }
    }
}
