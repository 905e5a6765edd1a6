//! Whether the browser has a network, as a signal, and the banner that says so.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct Online(pub ReadSignal<bool>);

/// Follows `online`/`offline` events for the app's lifetime.
pub fn provide_online() -> Online {
    let initial = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
    let (online, set_online) = signal(initial);
    if let Some(window) = web_sys::window() {
        for (event, value) in [("online", true), ("offline", false)] {
            let listener = Closure::<dyn FnMut()>::new(move || set_online.set(value));
            let _ = window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            // Lives as long as the app.
            listener.forget();
        }
    }
    let online = Online(online);
    provide_context(online);
    online
}

pub fn use_online() -> ReadSignal<bool> {
    use_context::<Online>().map(|o| o.0).unwrap_or_else(|| signal(true).0)
}

/// Shown on every page while the device is offline: what still works, and what happens to changes.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let online = use_online();
    view! {
        <Show when=move || !online.get()>
            <p class="banner banner-offline connection-banner" role="status" data-testid="connection-banner">
                "You are offline. Saved pages still open; changes are kept on this device and sent when you reconnect."
            </p>
        </Show>
    }
}
