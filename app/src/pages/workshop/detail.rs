//! One work order: saved copy first, network copy next, refreshed live from `workorder:{id}`.

use super::list::saved_summary;
use super::tracker::Tracker;
use super::transition::{TransitionForm, Waiting};
use crate::api::workshop::{self, WorkOrder, WorkOrderSummary};
use crate::api::ApiError;
use crate::format::{self, timestamp, work_order_status_label};
use crate::live::{LiveIndicator, LiveStatus, RoomConnection};
use crate::session::{access_token_now, use_session};
use crate::shell::{ErrorPanel, OfflineBanner, Skeleton};
use crate::store;
use crate::sync::use_outbox;
use forecourt_domain::identity::Role;
use forecourt_domain::realtime::{RoomEvent, ServerMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use send_wrapper::SendWrapper;

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Order(Box<WorkOrder>, Option<ApiError>),
    Failed(ApiError),
}

/// The newest of what the network and the device have; the device may be newer (an outbox
/// delivery saved the edge's answer) or the only one (offline).
fn decide(fresh: Option<Result<WorkOrder, ApiError>>, saved: Option<Option<WorkOrder>>) -> Shown {
    match (fresh, saved) {
        (Some(Ok(net)), Some(Some(dev))) if dev.summary.version > net.summary.version => {
            Shown::Order(Box::new(dev), None)
        }
        (Some(Ok(net)), _) => Shown::Order(Box::new(net), None),
        (Some(Err(error)), Some(Some(dev))) if !error.is_not_found() => Shown::Order(Box::new(dev), Some(error)),
        (Some(Err(error)), Some(_)) => Shown::Failed(error),
        (None, Some(Some(dev))) => Shown::Order(Box::new(dev), None),
        _ => Shown::Loading,
    }
}

#[component]
pub fn WorkOrderDetail(id: String) -> impl IntoView {
    let outbox = use_outbox();
    let saved = {
        let id = id.clone();
        LocalResource::new(move || {
            // Read again whenever the outbox changes: a delivery saves the edge's answer here.
            if let Some(o) = outbox {
                o.queued.track();
            }
            let id = id.clone();
            async move {
                match store::saved_work_order(&id).await {
                    Some(order) => Some(order),
                    None => saved_summary(&id).await.map(|summary| WorkOrder {
                        summary,
                        labour: Vec::new(),
                        parts: Vec::new(),
                        totals: None,
                        history: Vec::new(),
                        diagnostic_codes: Vec::new(),
                        inspection: Vec::new(),
                    }),
                }
            }
        })
    };
    let fresh = {
        let id = id.clone();
        LocalResource::new(move || {
            let id = id.clone();
            async move { workshop::detail(&id).await }
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(order)) = fresh.get() {
            spawn_local(async move { store::remember_work_order(&order).await });
        }
    });
    let online = crate::shell::use_online();
    Effect::new(move |was: Option<bool>| {
        let now = online.get();
        if was == Some(false) && now {
            fresh.refetch();
        }
        now
    });
    let status = follow_order(&id, move || fresh.refetch());
    let shown = Memo::new(move |_| decide(fresh.get(), saved.get()));
    // The form and the outbox entries live outside the re-rendered part: a refetch or a live
    // update must not rebuild the form under the person's fingers (and lose their focus).
    let summary = Memo::new(move |_| match shown.get() {
        Shown::Order(order, _) => Some(order.summary),
        _ => None,
    });
    let session = use_session();
    let editor = move || session.role().filter(|r| *r != Role::Customer);

    view! {
        <article class="page work-order">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                {move || match session.role() {
                    Some(Role::Customer) => view! { <A href="/my">"← My car"</A> }.into_any(),
                    _ => view! { <A href="/work-orders">"← All work orders"</A> }.into_any(),
                }}
            </nav>
            {move || match shown.get() {
                Shown::Loading => view! { <Skeleton rows=3 label="Loading the work order…"/> }.into_any(),
                Shown::Failed(error) if error.is_not_found() => view! {
                    <Title text="Work order"/>
                    <div class="error-panel" role="alert"><p>"This work order does not exist or is not yours to see."</p></div>
                }.into_any(),
                Shown::Failed(error) => view! {
                    <Title text="Work order"/>
                    <ErrorPanel what="this work order" error=error on_retry=move || fresh.refetch()/>
                }.into_any(),
                Shown::Order(order, error) => view! {
                    {error.map(|e| {
                        let text = if e.is_offline() { "Offline — showing the saved work order" } else { "Could not refresh — showing the saved work order" };
                        view! { <OfflineBanner message=text/> }
                    })}
                    <OrderHead order=order.summary status=status/>
                }.into_any(),
            }}
            <Show when=move || summary.with(Option::is_some)>
                <Waiting id=id.clone()/>
                {move || editor().map(|role| view! { <TransitionForm order=summary role=role/> })}
            </Show>
            {move || match shown.get() {
                Shown::Order(order, _) => view! { <OrderBody order=*order/> }.into_any(),
                _ => ().into_any(),
            }}
        </article>
    }
}

/// Joins `workorder:{id}` while the page is open; each transition published there refetches.
fn follow_order(id: &str, refetch: impl Fn() + Clone + 'static) -> ReadSignal<LiveStatus> {
    let (status, set_status) = signal(LiveStatus::Connecting);
    let own = id.to_owned();
    let deliver = move |message: ServerMessage| match message {
        ServerMessage::Event { event: RoomEvent::WorkOrderTransitioned { work_order_id, .. }, .. }
            if work_order_id == own =>
        {
            refetch()
        }
        ServerMessage::ResyncRequired { .. } => refetch(),
        _ => {}
    };
    let connection = RoomConnection::open_signed_in(format!("workorder:{id}"), access_token_now, deliver, move |s| {
        set_status.try_set(s);
    });
    let connection = SendWrapper::new(connection);
    on_cleanup(move || connection.close());
    status
}

#[component]
fn OrderHead(order: WorkOrderSummary, status: ReadSignal<LiveStatus>) -> impl IntoView {
    let title = format!("Work order {}", order.id);
    let status_class = format!("status wo-status-{}", order.status.as_str());
    view! {
        <Title text=title.clone()/>
        <header class="vehicle-head">
            <div>
                <h1 data-testid="work-order-title">{title}</h1>
                <p class="sub">{order.complaint.clone()}</p>
            </div>
            <div class="price-meta">
                <span class=status_class data-testid="work-order-status">{work_order_status_label(order.status)}</span>
                <LiveIndicator status=status title="Status updates as the workshop works"/>
            </div>
        </header>
        <Tracker status=order.status/>
    }
}

#[component]
fn OrderBody(order: WorkOrder) -> impl IntoView {
    let summary = order.summary.clone();
    view! {
        <section class="panel" aria-labelledby="facts-heading">
            <h2 id="facts-heading">"Details"</h2>
            <dl class="specs">
                <div><dt>"Mileage in"</dt><dd>{format::kilometres(summary.mileage_in.max(0) as u32)}</dd></div>
                <div><dt>"Bay"</dt><dd>{summary.bay_id.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>"Technician"</dt><dd>{summary.technician_id.clone().unwrap_or_else(|| "not assigned".into())}</dd></div>
                <div><dt>"Updated"</dt><dd>{timestamp(&summary.updated_at)}</dd></div>
                {order.totals.map(|t| view! { <div><dt>"Total (incl. tax)"</dt><dd data-testid="work-order-total">{t.gross.to_string()}</dd></div> })}
            </dl>
        </section>
        {(!order.labour.is_empty() || !order.parts.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="lines-heading">
                <h2 id="lines-heading">"Work and parts"</h2>
                <ul class="lines">
                    {order.labour.iter().map(|l| view! { <li>{format!("{} · {:.1} h · {}", l.operation, l.hours, l.approval)}</li> }).collect_view()}
                    {order.parts.iter().map(|p| view! { <li>{format!("Part {} × {} · {}", p.part_id, p.quantity, p.approval)}</li> }).collect_view()}
                </ul>
            </section>
        })}
        {(!order.diagnostic_codes.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="codes-heading">
                <h2 id="codes-heading">"Diagnostic codes"</h2>
                <ul class="lines" data-testid="diagnostic-codes">
                    {order.diagnostic_codes.iter().map(|c| view! {
                        <li><strong>{c.code.clone()}</strong>{format!(" · {} · {}", c.description, c.severity)}</li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {(!order.inspection.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="inspection-heading">
                <h2 id="inspection-heading">"Inspection"</h2>
                <ul class="lines" data-testid="inspection">
                    {order.inspection.iter().map(|i| view! {
                        <li>
                            <span class=format!("rating rating-{}", i.rating)>{rating_label(&i.rating)}</span>
                            {format!(" {}", i.item)}
                            {i.note.clone().map(|n| view! { <span class="muted">{format!(" — {n}")}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            {if order.history.is_empty() {
                view! { <p class="muted">"No history saved on this device yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="history" data-testid="history">
                        {order.history.iter().rev().map(|h| {
                            let to = forecourt_domain::workshop::work_order::WorkOrderStatus::parse(&h.to_status)
                                .map(work_order_status_label).unwrap_or("?");
                            view! {
                                <li>
                                    <strong>{to}</strong>
                                    {format!(" · {} · {}", timestamp(&h.at), h.actor_id.clone().unwrap_or_default())}
                                    {h.note.clone().map(|n| view! { <p class="history-note">{n}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// Green, amber and red in words: colour alone must never carry the meaning.
fn rating_label(rating: &str) -> &'static str {
    match rating {
        "green" => "OK",
        "amber" => "Soon",
        "red" => "Now",
        _ => "—",
    }
}
