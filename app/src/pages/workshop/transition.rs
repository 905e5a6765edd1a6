//! Moving a work order on: a keyboard-first form whose changes go through the outbox, and what
//! is still waiting (or in conflict) for this order.

use super::conflict::ConflictPanel;
use super::may_move;
use crate::api::workshop::{TransitionBody, WorkOrderSummary};
use crate::format::work_order_status_label;
use crate::shell::use_online;
use crate::sync::{projected, resolve_take_theirs, submit_transition, use_outbox, Change, MutationState, Queued};
use forecourt_domain::identity::Role;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Everything in the outbox for `id`, oldest first.
pub fn queued_for(id: &str) -> Vec<Queued> {
    use_outbox()
        .map(|o| o.queued.with(|q| q.iter().filter(|e| e.mutation.change.work_order_id() == id).cloned().collect()))
        .unwrap_or_default()
}

#[component]
pub fn TransitionForm(order: Memo<Option<WorkOrderSummary>>, role: Role) -> impl IntoView {
    let online = use_online();
    let choice = RwSignal::new(None::<WorkOrderStatus>);
    let note = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Where the order stands once what waits in the outbox is applied: the form builds on that.
    let projection = Memo::new(move |_| {
        order.with(|o| o.as_ref().map(|o| projected(o, &queued_for(&o.id))).unwrap_or((WorkOrderStatus::Booked, 0)))
    });
    let options = Memo::new(move |_| {
        let (status, _) = projection.get();
        status.next().iter().copied().filter(|to| may_move(role, *to)).collect::<Vec<_>>()
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(to) = choice.get_untracked() else {
            error.set(Some("Choose the new status first.".into()));
            return;
        };
        let (_, expected_version) = projection.get_untracked();
        let text = note.get_untracked().trim().to_owned();
        let body = TransitionBody { to, note: (!text.is_empty()).then_some(text), expected_version };
        let Some(id) = order.with_untracked(|o| o.as_ref().map(|o| o.id.clone())) else { return };
        error.set(None);
        spawn_local(async move {
            match submit_transition(&id, body).await {
                Ok(()) => {
                    choice.try_set(None);
                    note.try_set(String::new());
                    let sent = if online.get_untracked() {
                        "Saved. Sending to the workshop…"
                    } else {
                        "Saved on this device. It will be sent when you are back online."
                    };
                    message.try_set(Some(format!("{sent} ({})", work_order_status_label(to))));
                }
                Err(reason) => {
                    error.try_set(Some(format!("The change could not be saved on this device: {reason}")));
                }
            }
        });
    };

    view! {
        <section class="panel" aria-labelledby="move-heading">
            <h2 id="move-heading">"Update status"</h2>
            <Show
                when=move || !options.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="muted">{move || format!("No further moves for you from {}.", work_order_status_label(projection.get().0))}</p>
                }
            >
                <form class="form" on:submit=submit data-testid="transition-form">
                    <fieldset class="choices">
                        <legend>{move || format!("Move from {} to", work_order_status_label(projection.get().0))}</legend>
                        <For each=move || options.get() key=|s| *s let:to>
                            <label class="choice">
                                <input type="radio" name="to" value=to.as_str()
                                    prop:checked=move || choice.get() == Some(to)
                                    on:change=move |_| choice.set(Some(to))/>
                                <span>{work_order_status_label(to)}</span>
                            </label>
                        </For>
                    </fieldset>
                    <div class="field">
                        <label for="transition-note">"Note (optional)"</label>
                        <textarea id="transition-note" name="note" rows="3" maxlength="2000"
                            prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </div>
                    <p class="form-error" role="alert">{move || error.get()}</p>
                    <button type="submit" class="button-primary" data-testid="transition-submit">"Update status"</button>
                </form>
            </Show>
            <p class="form-status" role="status" data-testid="transition-status">{move || message.get()}</p>
        </section>
    }
}

/// The outbox entries of this order: waiting, in conflict, or refused.
#[component]
pub fn Waiting(id: String) -> impl IntoView {
    let entries = Memo::new(move |_| queued_for(&id));
    view! {
        <Show when=move || !entries.with(Vec::is_empty)>
            <section class="panel" aria-labelledby="waiting-heading" data-testid="waiting">
                <h2 id="waiting-heading">"Your changes not yet on the server"</h2>
                <For each=move || entries.get() key=|e| (e.key, e.mutation.idempotency_key.clone(), format!("{:?}", e.mutation.state)) let:entry>
                    {match entry.mutation.state.clone() {
                        MutationState::Pending => {
                            let Change::WorkOrderTransition { body, .. } = entry.mutation.change.clone();
                            view! { <p class="pill pill-waiting" data-testid="waiting-entry">{format!("Waiting to send: move to {}", work_order_status_label(body.to))}</p> }.into_any()
                        }
                        MutationState::Conflict { .. } => view! { <ConflictPanel entry=entry/> }.into_any(),
                        MutationState::Rejected { message } => {
                            let key = entry.key;
                            view! {
                                <div class="error-panel" role="alert" data-testid="rejected-entry">
                                    <p>{format!("The workshop refused a change: {message}")}</p>
                                    <button type="button" on:click=move |_| spawn_local(resolve_take_theirs(key))>"Dismiss"</button>
                                </div>
                            }.into_any()
                        }
                    }}
                </For>
            </section>
        </Show>
    }
}
