//! A change that met a newer version on the server: both side by side, the person decides.

use crate::format::{timestamp, work_order_status_label};
use crate::sync::{resolve_keep_mine, resolve_take_theirs, Change, MutationState, Queued};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ConflictPanel(entry: Queued) -> impl IntoView {
    let MutationState::Conflict { current } = entry.mutation.state.clone() else { return ().into_any() };
    let Change::WorkOrderTransition { body, .. } = entry.mutation.change.clone();
    let key = entry.key;
    let still_possible = current.status.transition(body.to).is_ok();
    let heading_id = format!("conflict-{key}");
    let labelled_by = heading_id.clone();
    view! {
        <section class="conflict" role="alert" aria-labelledby=labelled_by data-testid="conflict">
            <h3 id=heading_id>"Someone else changed this work order first"</h3>
            <p>"Your change was not applied. Compare both versions and choose which one stands."</p>
            <div class="conflict-sides">
                <div class="conflict-side" data-testid="conflict-mine">
                    <h4>"Your change"</h4>
                    <p>{format!("Move to: {}", work_order_status_label(body.to))}</p>
                    <p>{format!("Note: {}", body.note.clone().unwrap_or_else(|| "—".into()))}</p>
                    <p class="muted">{format!("Made on version {}", body.expected_version)}</p>
                </div>
                <div class="conflict-side" data-testid="conflict-theirs">
                    <h4>"Their version (on the server now)"</h4>
                    <p>{format!("Status: {}", work_order_status_label(current.status))}</p>
                    <p>{format!("Changed {}", timestamp(&current.updated_at))}</p>
                    <p class="muted">{format!("Version {}", current.version)}</p>
                </div>
            </div>
            {(!still_possible).then(|| view! {
                <p class="form-error">{format!(
                    "Your change no longer fits: a work order cannot go from {} to {}.",
                    work_order_status_label(current.status), work_order_status_label(body.to)
                )}</p>
            })}
            <div class="conflict-actions">
                <button type="button" class="button-primary" disabled=!still_possible data-testid="keep-mine"
                    on:click=move |_| spawn_local(resolve_keep_mine(key))>
                    "Keep mine"
                </button>
                <button type="button" class="button-quiet" data-testid="take-theirs"
                    on:click=move |_| spawn_local(resolve_take_theirs(key))>
                    "Take theirs"
                </button>
            </div>
        </section>
    }
    .into_any()
}
