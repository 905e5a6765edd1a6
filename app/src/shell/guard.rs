//! Pages for signed-in people: the sign-in link instead of the page when nobody is, and a clear
//! word when the person's role has no business there (the edge refuses them anyway).

use crate::session::use_session;
use forecourt_domain::identity::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn RequireSignIn(
    /// Roles that use this page.
    roles: &'static [Role],
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let children = StoredValue::new(children);
    move || match session.role() {
        None => {
            let next = location.pathname.get_untracked();
            let href = format!("/sign-in?next={}", crate::api::encode_path_segment(&next));
            view! {
                <section class="page narrow" data-testid="sign-in-needed">
                    <h1>"Sign in to continue"</h1>
                    <p>"This page shows your own work. "<A href=href>"Sign in"</A></p>
                </section>
            }
            .into_any()
        }
        Some(role) if !roles.contains(&role) => view! {
            <section class="page narrow">
                <h1>"Not part of your work"</h1>
                <p>"Your role does not use this page. "<A href="/">"Go to your start page"</A></p>
            </section>
        }
        .into_any(),
        Some(_) => children.with_value(|children| children()).into_any(),
    }
}
