//! `/my`: a signed-in customer's cars in the workshop, each with a live tracker.

use crate::api::workshop::{self, WorkOrderPage};
use crate::format::{timestamp, work_order_status_label};
use crate::session::current_profile;
use crate::shell::{EmptyState, ErrorPanel, OfflineBanner, RequireSignIn, Skeleton};
use crate::store;
use forecourt_domain::identity::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

fn list_key() -> String {
    format!("work-orders:{}", current_profile().map(|p| p.id).unwrap_or_default())
}

#[component]
pub fn MyPage() -> impl IntoView {
    view! {
        <RequireSignIn roles=&[Role::Customer]>
            <MyOrders/>
        </RequireSignIn>
    }
}

#[component]
fn MyOrders() -> impl IntoView {
    let saved = LocalResource::new(|| async { store::saved_list::<WorkOrderPage>(&list_key()).await });
    let fresh = LocalResource::new(|| async { workshop::list().await });
    Effect::new(move |_| {
        if let Some(Ok(page)) = fresh.get() {
            spawn_local(async move { store::remember_list(&list_key(), &page).await });
        }
    });
    let shown = Memo::new(move |_| match (fresh.get(), saved.get()) {
        (Some(Ok(page)), _) => Ok((page.items, false)),
        (Some(Err(_)), Some(Some(page))) => Ok((page.items, true)),
        (Some(Err(e)), Some(None)) => Err(Some(e)),
        (None, Some(Some(page))) => Ok((page.items, false)),
        _ => Err(None),
    });
    let name = current_profile().map(|p| p.name).unwrap_or_default();
    view! {
        <Title text="My car"/>
        <section class="page" aria-labelledby="my-heading">
            <div class="page-head">
                <h1 id="my-heading">{format!("Hello, {name}")}</h1>
                <p class="lede">"Your cars in our workshop, live as the work goes on."</p>
            </div>
            {move || match shown.get() {
                Err(None) => view! { <Skeleton rows=2 label="Loading your work orders…"/> }.into_any(),
                Err(Some(error)) => view! { <ErrorPanel what="your work orders" error=error on_retry=move || fresh.refetch()/> }.into_any(),
                Ok((items, stale)) => view! {
                    {stale.then(|| view! { <OfflineBanner message="Offline — showing what you last saw"/> })}
                    {if items.is_empty() {
                        view! { <EmptyState title="Nothing in the workshop" hint="When you book a service, you can follow it here."/> }.into_any()
                    } else {
                        view! {
                            <ul class="order-list" data-testid="my-work-orders">
                                {items.into_iter().map(|o| view! {
                                    <li class="order-row">
                                        <div class="order-main">
                                            <A href=format!("/work-orders/{}", o.id) attr:class="order-link">{format!("{} · {}", o.id, o.complaint)}</A>
                                            <p class="order-meta">{format!("Updated {}", timestamp(&o.updated_at))}</p>
                                        </div>
                                        <span class=format!("status wo-status-{}", o.status.as_str())>{work_order_status_label(o.status)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}
