//! The outbox: changes a person makes, kept in IndexedDB until the edge has them.
//!
//! Every change is written to the outbox first (online or not) and sent from there, oldest first,
//! each with the idempotency key it was given when the person made it. Closing the tab, losing the
//! network or a lost answer never loses a change and never applies one twice: a resend with the
//! same key is answered from the first attempt. A change the edge refuses because the work order
//! moved on (`409`, stale `expected_version`) stays in the outbox as a conflict until the person
//! chooses: keep mine (sent again against the current version) or take theirs (dropped). Nothing
//! is ever overwritten silently. Decisions: docs/decisions.md.

mod runner;

pub use runner::{flush, resolve_keep_mine, resolve_take_theirs, start, submit_transition, use_outbox, OutboxState};

use crate::api::workshop::{Sent, TransitionBody, WorkOrder, WorkOrderSummary};
use crate::api::ApiError;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use serde::{Deserialize, Serialize};

/// One change waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// Given once, when the person made the change; every attempt sends the same one.
    pub idempotency_key: String,
    /// Whose change it is: it is only ever sent with that person's session.
    pub user_id: String,
    pub created_at_ms: f64,
    pub change: Change,
    pub state: MutationState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    WorkOrderTransition { work_order_id: String, body: TransitionBody },
}

impl Change {
    pub fn work_order_id(&self) -> &str {
        match self {
            Self::WorkOrderTransition { work_order_id, .. } => work_order_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MutationState {
    /// Waiting to be sent (or resent).
    Pending,
    /// The work order changed on the server first; `current` is its state there.
    Conflict { current: WorkOrderSummary },
    /// The edge refused it for good (no longer allowed, invalid); shown until dismissed.
    Rejected { message: String },
}

/// An outbox entry with its place in line.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub key: u64,
    pub mutation: Mutation,
}

/// What to do after one attempt to send a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Applied (or replayed from an earlier attempt): remove it, keep the edge's answer.
    Delivered(Box<WorkOrder>),
    /// Stale version: keep it as a conflict for the person to resolve.
    Conflict(Box<WorkOrderSummary>),
    /// Refused for good.
    Rejected(String),
    /// No answer, the edge in trouble, or the same key still being processed: stop, retry later
    /// (same key, so a request that did arrive is never applied twice).
    RetryLater,
    /// The session is over: nothing can be sent until the person signs in again.
    SignInNeeded,
}

/// Judges one attempt. Pure, so the rules are tested without a network.
pub fn judge(result: Result<Sent, ApiError>) -> Verdict {
    match result {
        Ok(Sent::Applied(order)) => Verdict::Delivered(order),
        Ok(Sent::Refused(refusal)) => match refusal.problem.status {
            409 if refusal.problem.kind.ends_with("version-conflict") => {
                match refusal.body.get("current").cloned().map(serde_json::from_value::<WorkOrderSummary>) {
                    Some(Ok(current)) => Verdict::Conflict(Box::new(current)),
                    _ => Verdict::Rejected("the work order changed, and its new state could not be read".into()),
                }
            }
            // The first attempt with this key is still running at the edge.
            409 | 429 => Verdict::RetryLater,
            401 => Verdict::SignInNeeded,
            _ => Verdict::Rejected(refusal.problem.detail.unwrap_or(refusal.problem.title)),
        },
        Err(ApiError::Problem(problem)) if problem.status == 401 => Verdict::SignInNeeded,
        Err(_) => Verdict::RetryLater,
    }
}

/// The status a work order will have once everything queued for it is applied, and the version
/// the next change must expect: each applied transition raises the version by one.
pub fn projected(order: &WorkOrderSummary, queued: &[Queued]) -> (WorkOrderStatus, i64) {
    let mut status = order.status;
    let mut version = order.version;
    let waiting = queued
        .iter()
        .filter(|q| q.mutation.state == MutationState::Pending && q.mutation.change.work_order_id() == order.id);
    for entry in waiting {
        let Change::WorkOrderTransition { body, .. } = &entry.mutation.change;
        if body.expected_version >= version {
            status = body.to;
            version = body.expected_version + 1;
        }
    }
    (status, version)
}

#[cfg(test)]
mod tests;
