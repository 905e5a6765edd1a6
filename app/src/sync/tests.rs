use super::*;
use crate::api::workshop::WorkOrderSummary;
use crate::api::Refusal;
use forecourt_domain::Problem;
use wasm_bindgen_test::wasm_bindgen_test;
use WorkOrderStatus::*;

fn order(status: WorkOrderStatus, version: i64) -> WorkOrderSummary {
    WorkOrderSummary {
        id: "wo-00001".into(),
        location_id: "loc-north".into(),
        customer_id: "cus-00001".into(),
        owned_vehicle_id: "ov-00001".into(),
        advisor_id: Some("usr-advisor-north".into()),
        technician_id: None,
        bay_id: None,
        mileage_in: 42_000,
        complaint: "Brakes squeal".into(),
        status,
        version,
        created_at: "2026-11-23T08:00:00Z".into(),
        updated_at: "2026-11-23T08:00:00Z".into(),
    }
}

fn refused(status: u16, slug: &str, body: serde_json::Value) -> Result<Sent, ApiError> {
    Ok(Sent::Refused(Refusal { problem: Problem::new(status, slug, "refused"), body }))
}

fn queued(key: u64, to: WorkOrderStatus, expected_version: i64, state: MutationState) -> Queued {
    Queued {
        key,
        mutation: Mutation {
            idempotency_key: format!("k-{key}"),
            user_id: "usr-1".into(),
            created_at_ms: 0.0,
            change: Change::WorkOrderTransition {
                work_order_id: "wo-00001".into(),
                body: TransitionBody { to, note: None, expected_version },
            },
            state,
        },
    }
}

#[wasm_bindgen_test]
fn a_stale_version_becomes_a_conflict_holding_their_version() {
    let theirs = order(Diagnosing, 5);
    let body = serde_json::json!({ "status": 409, "current": serde_json::to_value(&theirs).unwrap() });
    assert_eq!(judge(refused(409, "version-conflict", body)), Verdict::Conflict(Box::new(theirs)));
}

#[wasm_bindgen_test]
fn a_key_still_in_flight_is_retried_not_reported() {
    assert_eq!(judge(refused(409, "idempotency-in-flight", serde_json::Value::Null)), Verdict::RetryLater);
}

#[wasm_bindgen_test]
fn no_answer_is_retried_later_with_the_same_key() {
    assert_eq!(judge(Err(ApiError::Offline)), Verdict::RetryLater);
}

#[wasm_bindgen_test]
fn an_illegal_move_is_rejected_with_the_edges_words() {
    let result = Ok(Sent::Refused(Refusal {
        problem: Problem::new(400, "invalid-input", "Invalid input").with_detail("cannot go from ready to booked"),
        body: serde_json::Value::Null,
    }));
    assert_eq!(judge(result), Verdict::Rejected("cannot go from ready to booked".into()));
}

#[wasm_bindgen_test]
fn an_ended_session_waits_for_sign_in() {
    let signed_out = Err(ApiError::Problem(Problem::new(401, "unauthenticated", "Signed out")));
    assert_eq!(judge(signed_out), Verdict::SignInNeeded);
}

#[wasm_bindgen_test]
fn queued_changes_project_status_and_the_next_expected_version() {
    let queue = [queued(1, CheckedIn, 3, MutationState::Pending), queued(2, Diagnosing, 4, MutationState::Pending)];
    assert_eq!(projected(&order(Booked, 3), &queue), (Diagnosing, 5));
}

#[wasm_bindgen_test]
fn conflicts_do_not_project() {
    let theirs = order(Cancelled, 4);
    let queue = [queued(1, CheckedIn, 3, MutationState::Conflict { current: theirs })];
    assert_eq!(projected(&order(Booked, 3), &queue), (Booked, 3));
}
