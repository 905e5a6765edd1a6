//! Where the car is in the workshop's flow, as steps a customer can read at a glance.

use crate::format::work_order_status_label;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use leptos::prelude::*;

const STEPS: [WorkOrderStatus; 8] = [
    WorkOrderStatus::Booked,
    WorkOrderStatus::CheckedIn,
    WorkOrderStatus::Diagnosing,
    WorkOrderStatus::AwaitingApproval,
    WorkOrderStatus::InProgress,
    WorkOrderStatus::QualityCheck,
    WorkOrderStatus::Ready,
    WorkOrderStatus::Collected,
];

#[component]
pub fn Tracker(status: WorkOrderStatus) -> impl IntoView {
    if status == WorkOrderStatus::Cancelled {
        return view! { <p class="banner banner-quiet" data-testid="tracker">"This work order was cancelled."</p> }
            .into_any();
    }
    let reached = STEPS.iter().position(|s| *s == status).unwrap_or(0);
    view! {
        <ol class="tracker" aria-label="Progress" data-testid="tracker">
            {STEPS.iter().enumerate().map(|(n, step)| {
                let state = if n < reached { "done" } else if n == reached { "current" } else { "todo" };
                let current = (n == reached).then_some("step");
                view! {
                    <li class=format!("tracker-step tracker-{state}") aria-current=current>
                        <span class="tracker-dot" aria-hidden="true"></span>
                        <span>{work_order_status_label(*step)}</span>
                        {(n < reached).then(|| view! { <span class="visually-hidden">" (done)"</span> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
