//! The workshop's work orders for advisors, technicians, managers and admins, and the live
//! tracker a customer sees for their own car. Offline-first: what was last seen opens from
//! IndexedDB, and status changes go through the outbox (crate::sync).

mod conflict;
mod detail;
mod list;
mod tracker;
mod transition;

use crate::shell::RequireSignIn;
use forecourt_domain::identity::Role;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

pub use list::saved_summary;

/// Who works with the workshop's list.
const WORKSHOP: &[Role] = &[Role::Advisor, Role::Technician, Role::Manager, Role::Admin];
/// Who may open one work order (customers: their own, as a tracker).
const ONE_ORDER: &[Role] = &[Role::Customer, Role::Advisor, Role::Technician, Role::Manager, Role::Admin];

#[component]
pub fn WorkOrdersPage() -> impl IntoView {
    view! {
        <RequireSignIn roles=WORKSHOP>
            <list::WorkOrderList/>
        </RequireSignIn>
    }
}

#[component]
pub fn WorkOrderPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    view! {
        <RequireSignIn roles=ONE_ORDER>
            {move || view! { <detail::WorkOrderDetail id=id.get()/> }}
        </RequireSignIn>
    }
}

/// The moves a role may make (the edge decides; this only hides buttons that would be refused).
/// Technicians move their own jobs through the bench states; customers approve work through the
/// inspection link, not here.
pub fn may_move(role: Role, to: WorkOrderStatus) -> bool {
    use WorkOrderStatus::*;
    match role {
        Role::Advisor | Role::Manager | Role::Admin => true,
        Role::Technician => matches!(to, Diagnosing | AwaitingApproval | InProgress | QualityCheck),
        _ => false,
    }
}
