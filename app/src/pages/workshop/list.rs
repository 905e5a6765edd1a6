//! The work-order list: the saved copy at once, the network's when it comes (stale-while-revalidate).

use crate::api::workshop::{self, WorkOrderPage, WorkOrderSummary};
use crate::api::ApiError;
use crate::format;
use crate::session::current_profile;
use crate::shell::{EmptyState, ErrorPanel, OfflineBanner, SavedNotice, Skeleton};
use crate::store;
use crate::sync::{use_outbox, MutationState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

fn list_key() -> String {
    format!("work-orders:{}", current_profile().map(|p| p.id).unwrap_or_default())
}

/// The summary of `id` from the saved list: enough to open an order never opened online.
pub async fn saved_summary(id: &str) -> Option<WorkOrderSummary> {
    let page: WorkOrderPage = store::saved_list(&list_key()).await?;
    page.items.into_iter().find(|o| o.id == id)
}

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Fresh(WorkOrderPage),
    Saved(WorkOrderPage, Option<ApiError>),
    Failed(ApiError),
}

fn decide(fresh: Option<Result<WorkOrderPage, ApiError>>, saved: Option<Option<WorkOrderPage>>) -> Shown {
    match (fresh, saved) {
        (Some(Ok(page)), _) => Shown::Fresh(page),
        (Some(Err(error)), Some(Some(page))) => Shown::Saved(page, Some(error)),
        (Some(Err(error)), Some(None)) => Shown::Failed(error),
        (None, Some(Some(page))) => Shown::Saved(page, None),
        _ => Shown::Loading,
    }
}

#[component]
pub fn WorkOrderList() -> impl IntoView {
    let saved = LocalResource::new(|| async { store::saved_list::<WorkOrderPage>(&list_key()).await });
    let fresh = LocalResource::new(|| async { workshop::list().await });
    Effect::new(move |_| {
        if let Some(Ok(page)) = fresh.get() {
            spawn_local(async move { store::remember_list(&list_key(), &page).await });
        }
    });
    // Coming back online refreshes the list.
    let online = crate::shell::use_online();
    Effect::new(move |was_online: Option<bool>| {
        let now = online.get();
        if was_online == Some(false) && now {
            fresh.refetch();
        }
        now
    });
    let shown = Memo::new(move |_| decide(fresh.get(), saved.get()));

    view! {
        <Title text="Work orders"/>
        <section class="page" aria-labelledby="work-orders-heading">
            <div class="page-head">
                <h1 id="work-orders-heading">"Work orders"</h1>
                <p class="lede">"Open work for your workshop, newest first."</p>
            </div>
            {move || match shown.get() {
                Shown::Loading => view! { <Skeleton label="Loading work orders…"/> }.into_any(),
                Shown::Failed(error) => {
                    view! { <ErrorPanel what="the work-order list" error=error on_retry=move || fresh.refetch()/> }.into_any()
                }
                Shown::Fresh(page) => view! { <OrderTable orders=page.items/> }.into_any(),
                Shown::Saved(page, error) => view! {
                    {match error {
                        Some(e) if e.is_offline() => view! { <OfflineBanner message="Offline — showing saved work orders"/> }.into_any(),
                        Some(_) => view! { <OfflineBanner message="Work orders could not be refreshed — showing saved ones"/> }.into_any(),
                        None => view! { <SavedNotice/> }.into_any(),
                    }}
                    <OrderTable orders=page.items/>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn OrderTable(orders: Vec<WorkOrderSummary>) -> impl IntoView {
    if orders.is_empty() {
        return view! { <EmptyState title="No work orders" hint="New jobs appear here as soon as they are booked."/> }
            .into_any();
    }
    let outbox = use_outbox();
    let waiting_for = move |id: &str| {
        outbox.map_or(0, |o| o.queued.with(|q| q.iter().filter(|e| e.mutation.change.work_order_id() == id).count()))
    };
    let conflicted = move |id: &str| {
        outbox.is_some_and(|o| {
            o.queued.with(|q| {
                q.iter().any(|e| {
                    e.mutation.change.work_order_id() == id && !matches!(e.mutation.state, MutationState::Pending)
                })
            })
        })
    };
    view! {
        <ul class="order-list" data-testid="work-order-list">
            {orders.into_iter().map(|order| {
                let href = format!("/work-orders/{}", order.id);
                let id = order.id.clone();
                let id2 = order.id.clone();
                let status_class = format!("status wo-status-{}", order.status.as_str());
                view! {
                    <li class="order-row" data-testid="work-order-row" data-work-order-id=order.id.clone()>
                        <div class="order-main">
                            <A href=href attr:class="order-link">{format!("{} · {}", order.id, order.complaint)}</A>
                            <p class="order-meta">
                                {format!("{} km in · updated {}", format::kilometres(order.mileage_in.max(0) as u32), format::timestamp(&order.updated_at))}
                            </p>
                        </div>
                        <span class=status_class>{format::work_order_status_label(order.status)}</span>
                        {move || (waiting_for(&id) > 0).then(|| view! { <span class="pill pill-waiting">"Waiting to send"</span> })}
                        {move || conflicted(&id2).then(|| view! { <span class="pill pill-conflict">"Needs your decision"</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
