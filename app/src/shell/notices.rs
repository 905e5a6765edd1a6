//! Banners that tell people where what they see comes from.

use leptos::prelude::*;

/// Shown when the network failed and the page falls back to what was saved on this device.
#[component]
pub fn OfflineBanner(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <p class="banner banner-offline" role="status" data-testid="offline-banner">
            {message}
        </p>
    }
}

/// Shown while the saved copy is on screen and the network copy is still on its way.
#[component]
pub fn SavedNotice() -> impl IntoView {
    view! {
        <p class="banner banner-quiet" role="status" aria-live="polite">
            "Showing saved stock · checking for updates…"
        </p>
    }
}
