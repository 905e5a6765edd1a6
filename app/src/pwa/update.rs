//! Registers `/sw.js` and asks the person before switching to a new version.
//!
//! A new service worker installs in the background and then waits; taking over mid-task could
//! swap the app under someone's fingers. When one is waiting we show a prompt, and only their
//! click tells it to skip waiting; the page reloads once the new worker controls it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    RegistrationOptions, ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
    ServiceWorkerUpdateViaCache,
};

/// The message the service worker understands as "activate now" (see service-worker/).
const SKIP_WAITING: &str = "skip-waiting";

#[component]
pub fn UpdatePrompt() -> impl IntoView {
    let waiting: RwSignal<Option<SendWrapper<ServiceWorker>>> = RwSignal::new(None);
    let updating = Rc::new(Cell::new(false));

    if let Some(container) = service_worker_container() {
        let flag = updating.clone();
        spawn_local(async move {
            let found = move |worker: ServiceWorker| waiting.set(Some(SendWrapper::new(worker)));
            if let Err(error) = register(container, flag, found).await {
                leptos::logging::warn!("service worker not registered: {error:?}");
            }
        });
    }

    let updating = SendWrapper::new(updating);
    let apply = move |_| {
        if let Some(worker) = waiting.get_untracked() {
            updating.set(true);
            let _ = worker.post_message(&JsValue::from_str(SKIP_WAITING));
        }
    };

    view! {
        <Show when=move || waiting.with(Option::is_some)>
            <div class="update-prompt" role="status" data-testid="update-prompt">
                <span>"A new version of Forecourt is ready."</span>
                <button type="button" on:click=apply.clone()>"Update now"</button>
            </div>
        </Show>
    }
}

/// `None` where service workers do not exist (insecure origins, some embedded browsers).
fn service_worker_container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let present = js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    present.then(|| navigator.service_worker())
}

async fn register(
    container: ServiceWorkerContainer,
    updating: Rc<Cell<bool>>,
    found: impl Fn(ServiceWorker) + Clone + 'static,
) -> Result<(), JsValue> {
    let options = RegistrationOptions::new();
    options.set_scope("/");
    // sw.js names the build; it must always come from the network, never the HTTP cache.
    options.set_update_via_cache(ServiceWorkerUpdateViaCache::None);
    let registration: ServiceWorkerRegistration =
        JsFuture::from(container.register_with_options("/sw.js", &options)).await?.dyn_into()?;

    // A worker already waiting from an earlier visit; without a controller this is the first
    // install, which activates by itself and needs no prompt.
    if let (Some(worker), Some(_)) = (registration.waiting(), container.controller()) {
        found(worker);
    }

    let on_update_found = {
        let registration = registration.clone();
        let container = container.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(installing) = registration.installing() {
                watch_installing(installing, container.clone(), found.clone());
            }
        })
    };
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    // Both listeners live as long as the page: registration happens once per load.
    on_update_found.forget();

    let on_controller_change = Closure::<dyn FnMut()>::new(move || {
        // The first install also changes the controller (clients.claim); only reload for an
        // update the person asked for.
        if updating.get() {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    });
    container.set_oncontrollerchange(Some(on_controller_change.as_ref().unchecked_ref()));
    on_controller_change.forget();
    Ok(())
}

fn watch_installing(worker: ServiceWorker, container: ServiceWorkerContainer, found: impl Fn(ServiceWorker) + 'static) {
    let watched = worker.clone();
    let on_state_change = Closure::<dyn FnMut()>::new(move || {
        if watched.state() == ServiceWorkerState::Installed && container.controller().is_some() {
            found(watched.clone());
        }
    });
    worker.set_onstatechange(Some(on_state_change.as_ref().unchecked_ref()));
    // One small closure per update found in a page's life: leaking it costs less than tracking it.
    on_state_change.forget();
}
