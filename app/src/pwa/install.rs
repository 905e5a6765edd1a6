//! "Install Forecourt on this device", offered to staff: the installed app opens full screen,
//! signed in, and offline. Customers keep the browser's own, quieter install hint.

use crate::session::use_session;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn InstallPrompt() -> impl IntoView {
    let session = use_session();
    // The browser's deferred `beforeinstallprompt` event, once it has offered installation.
    let deferred: RwSignal<Option<SendWrapper<web_sys::Event>>> = RwSignal::new(None);
    if let Some(window) = web_sys::window() {
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let staff = session.role().is_some_and(|r| r.is_staff());
            if staff {
                // Our button asks instead of the browser's mini-infobar.
                event.prevent_default();
                deferred.set(Some(SendWrapper::new(event)));
            }
        });
        let _ = window.add_event_listener_with_callback("beforeinstallprompt", listener.as_ref().unchecked_ref());
        // Lives as long as the app.
        listener.forget();
    }
    let install = move |_| {
        let Some(event) = deferred.get_untracked() else { return };
        if let Ok(prompt) = js_sys::Reflect::get(&event, &JsValue::from_str("prompt")) {
            if let Some(prompt) = prompt.dyn_ref::<js_sys::Function>() {
                let _ = prompt.call0(&event);
            }
        }
        // The event can prompt only once.
        deferred.set(None);
    };
    view! {
        <Show when=move || deferred.with(Option::is_some) && session.role().is_some_and(|r| r.is_staff())>
            <button type="button" class="button-quiet" on:click=install data-testid="install-app">
                "Install app"
            </button>
        </Show>
    }
}
