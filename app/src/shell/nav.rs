//! The header's navigation: what each role works with, and the signed-in person's menu.

use crate::session::{self, use_session};
use crate::sync::use_outbox;
use forecourt_domain::identity::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The places a role goes, in the order they are used most.
pub fn links_for(role: Option<Role>) -> &'static [(&'static str, &'static str)] {
    match role {
        None | Some(Role::Kiosk | Role::Telematics) => &[("/stock", "Stock")],
        Some(Role::Customer) => &[("/my", "My car"), ("/stock", "Stock")],
        Some(Role::Sales) => &[("/leads", "Leads"), ("/stock", "Stock")],
        Some(Role::Advisor | Role::Technician) => &[("/work-orders", "Work orders"), ("/stock", "Stock")],
        Some(Role::Manager | Role::Admin) => {
            &[("/work-orders", "Work orders"), ("/leads", "Leads"), ("/stock", "Stock")]
        }
    }
}

#[component]
pub fn MainNav() -> impl IntoView {
    let session = use_session();
    view! {
        <nav aria-label="Main" class="main-nav">
            {move || {
                links_for(session.role())
                    .iter()
                    .map(|(href, label)| view! { <A href=*href>{*label}</A> })
                    .collect_view()
            }}
        </nav>
    }
}

#[component]
pub fn AccountMenu() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let waiting = use_outbox().map(|s| s.queued.with_untracked(Vec::len)).unwrap_or(0);
        if waiting > 0 {
            let question = format!(
                "{waiting} change(s) have not been sent yet. They stay on this device and are sent when you sign in again. Sign out?"
            );
            let confirmed = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            session::sign_out().await;
            navigate("/sign-in", Default::default());
        });
    };
    view! {
        <div class="account">
            <OutboxBadge/>
            <crate::pwa::InstallPrompt/>
            {move || match session.0.get() {
                Some(profile) => view! {
                    <span class="account-name" data-testid="signed-in-as">
                        {profile.name.clone()}
                        <span class="account-role">{format!(" · {}", profile.role.as_str())}</span>
                    </span>
                    <button type="button" class="button-quiet" on:click=sign_out.clone() data-testid="sign-out">"Sign out"</button>
                }.into_any(),
                None => view! { <A href="/sign-in" attr:class="button-quiet" attr:data-testid="sign-in-link">"Sign in"</A> }.into_any(),
            }}
        </div>
    }
}

/// How many changes wait to be sent; nothing when none do.
#[component]
fn OutboxBadge() -> impl IntoView {
    let Some(outbox) = use_outbox() else { return ().into_any() };
    let count = move || outbox.queued.with(Vec::len);
    view! {
        <Show when=move || { count() > 0 }>
            <span class="outbox-badge" role="status" data-testid="outbox-badge">
                {move || if count() == 1 { "1 change waiting".to_owned() } else { format!("{} changes waiting", count()) }}
            </span>
        </Show>
    }
    .into_any()
}
