//! The connection state of a live view, in words and colour.

use super::LiveStatus;
use leptos::prelude::*;

#[component]
pub fn LiveIndicator(status: ReadSignal<LiveStatus>, #[prop(into)] title: String) -> impl IntoView {
    let label = move || match status.get() {
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Live => "Live",
        LiveStatus::Reconnecting => "Reconnecting…",
    };
    let class = move || match status.get() {
        LiveStatus::Live => "live live-on",
        _ => "live live-off",
    };
    view! {
        <span class=class data-testid="live-status" role="status" title=title>
            <span class="live-dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}
