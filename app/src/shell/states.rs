//! The states every data view has besides "here it is": loading, empty, failed.

use crate::api::ApiError;
use leptos::prelude::*;

/// Grey placeholders in the shape of a list while the first data is on its way.
#[component]
pub fn Skeleton(#[prop(default = 4)] rows: usize, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="skeleton" role="status" aria-live="polite" data-testid="skeleton">
            <span class="visually-hidden">{label}</span>
            {(0..rows).map(|_| view! { <div class="skeleton-row" aria-hidden="true"></div> }).collect_view()}
        </div>
    }
}

#[component]
pub fn EmptyState(#[prop(into)] title: String, #[prop(into)] hint: String) -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="empty-state">
            <p class="empty-title">{title}</p>
            <p class="empty-hint">{hint}</p>
        </div>
    }
}

/// An error with what happened in plain words and a way to try again.
#[component]
pub fn ErrorPanel(
    #[prop(into)] what: String,
    error: ApiError,
    on_retry: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let message = if error.is_offline() {
        format!("You are offline and {what} has not been saved on this device yet.")
    } else if error.status() == Some(401) {
        "Your session has ended. Sign in again to continue.".to_owned()
    } else {
        format!("{} could not be loaded: {error}", sentence_start(&what))
    };
    view! {
        <div class="error-panel" role="alert" data-testid="error-panel">
            <p>{message}</p>
            <button type="button" on:click=move |_| on_retry()>"Try again"</button>
        </div>
    }
}

fn sentence_start(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
