//! Sends the outbox: on start, when the browser comes back online, when the service worker's
//! Background Sync fires, on a slow timer while anything waits, and right after each new change.

use super::{judge, Change, Mutation, MutationState, Queued, Verdict};
use crate::api;
use crate::api::workshop::{self, TransitionBody};
use crate::{session, store};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::collections::HashSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What the app shows about the outbox.
#[derive(Debug, Clone, Copy)]
pub struct OutboxState {
    /// Every entry of the signed-in person, oldest first.
    pub queued: RwSignal<Vec<Queued>>,
    pub sending: RwSignal<bool>,
}

thread_local! {
    static STATE: Cell<Option<OutboxState>> = const { Cell::new(None) };
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
}

/// While something waits, try again this often (the `online` event is not always fired).
const RETRY_MS: u32 = 15_000;

/// Loads the outbox and starts sending it; called once when the app mounts.
pub fn start() -> OutboxState {
    let state = OutboxState { queued: RwSignal::new(Vec::new()), sending: RwSignal::new(false) };
    STATE.with(|s| s.set(Some(state)));
    provide_context(state);
    spawn_local(async {
        reload().await;
        flush().await;
    });
    if let Some(window) = web_sys::window() {
        let on_online = Closure::<dyn FnMut()>::new(|| spawn_local(flush()));
        let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        // Lives as long as the app.
        on_online.forget();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            if event.data().as_string().as_deref() == Some("sync-outbox") {
                spawn_local(flush());
            }
        });
        if js_sys::Reflect::has(&window.navigator(), &JsValue::from_str("serviceWorker")).unwrap_or(false) {
            let _ = window
                .navigator()
                .service_worker()
                .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        }
        on_message.forget();
    }
    let timer = gloo_timers::callback::Interval::new(RETRY_MS, || {
        let waiting = use_outbox()
            .is_some_and(|s| s.queued.with_untracked(|q| q.iter().any(|e| e.mutation.state == MutationState::Pending)));
        if waiting && online() {
            spawn_local(flush());
        }
    });
    timer.forget();
    state
}

pub fn use_outbox() -> Option<OutboxState> {
    STATE.with(Cell::get)
}

fn online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

/// Re-reads the outbox into the signal the pages show.
async fn reload() {
    let Some(state) = use_outbox() else { return };
    let me = session::current_profile().map(|p| p.id);
    let queued = match store::shared().await {
        Ok(store) => store.queued().await.unwrap_or_else(|error| {
            leptos::logging::warn!("reading the outbox: {error}");
            Vec::new()
        }),
        Err(_) => Vec::new(),
    };
    let mine = queued.into_iter().filter(|q| Some(&q.mutation.user_id) == me.as_ref()).collect();
    state.queued.try_set(mine);
}

/// Puts a work-order transition in the outbox and starts sending. Fails only when the device
/// cannot store it (then nothing was queued and the person is told).
pub async fn submit_transition(work_order_id: &str, body: TransitionBody) -> Result<(), String> {
    let profile = session::current_profile().ok_or("sign in to change work orders")?;
    let key = api::new_idempotency_key().ok_or("this browser cannot make an idempotency key")?;
    let mutation = Mutation {
        idempotency_key: key,
        user_id: profile.id,
        created_at_ms: js_sys::Date::now(),
        change: Change::WorkOrderTransition { work_order_id: work_order_id.to_owned(), body },
        state: MutationState::Pending,
    };
    let store = store::shared().await.map_err(|e| e.to_string())?;
    store.enqueue(&mutation).await.map_err(|e| e.to_string())?;
    reload().await;
    request_background_sync();
    spawn_local(flush());
    Ok(())
}

/// Sends what waits, oldest first. One run at a time; a call during a run asks for another run.
pub async fn flush() {
    if FLUSHING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    FLUSHING.with(|f| f.set(true));
    if let Some(state) = use_outbox() {
        state.sending.try_set(true);
    }
    loop {
        AGAIN.with(|a| a.set(false));
        send_waiting().await;
        if !AGAIN.with(Cell::get) {
            break;
        }
    }
    FLUSHING.with(|f| f.set(false));
    if let Some(state) = use_outbox() {
        state.sending.try_set(false);
    }
    reload().await;
}

async fn send_waiting() {
    let Some(me) = session::current_profile() else { return };
    let Ok(store) = store::shared().await else { return };
    let queue = match store.queued().await {
        Ok(queue) => queue,
        Err(error) => {
            leptos::logging::warn!("reading the outbox: {error}");
            return;
        }
    };
    // A work order with an unresolved entry holds back everything queued after it for that
    // order: later changes were made on top of the one in question.
    let mut held: HashSet<String> = HashSet::new();
    for entry in queue {
        if entry.mutation.user_id != me.id {
            continue;
        }
        let order_id = entry.mutation.change.work_order_id().to_owned();
        if held.contains(&order_id) {
            continue;
        }
        if entry.mutation.state != MutationState::Pending {
            held.insert(order_id);
            continue;
        }
        let Change::WorkOrderTransition { work_order_id, body } = &entry.mutation.change;
        let verdict = judge(workshop::transition(work_order_id, body, &entry.mutation.idempotency_key).await);
        let outcome = match verdict {
            Verdict::Delivered(order) => store.settle(entry.key, Some(&order)).await,
            Verdict::Conflict(current) => {
                held.insert(order_id);
                remember_theirs(&current).await;
                let mutation = Mutation { state: MutationState::Conflict { current: *current }, ..entry.mutation };
                store.update_queued(entry.key, &mutation).await
            }
            Verdict::Rejected(message) => {
                held.insert(order_id);
                let mutation = Mutation { state: MutationState::Rejected { message }, ..entry.mutation };
                store.update_queued(entry.key, &mutation).await
            }
            Verdict::RetryLater | Verdict::SignInNeeded => break,
        };
        if let Err(error) = outcome {
            leptos::logging::warn!("updating the outbox: {error}");
            break;
        }
        reload().await;
    }
}

/// The saved copy of the order takes the server's state, so what is on screen is theirs while the
/// person decides about theirs vs. mine.
async fn remember_theirs(current: &workshop::WorkOrderSummary) {
    if let Some(mut order) = store::saved_work_order(&current.id).await {
        if current.version > order.summary.version {
            order.summary = current.clone();
            store::remember_work_order(&order).await;
        }
    }
}

/// "Keep mine": the change is sent again on top of their version, when it still makes sense
/// there; otherwise it is marked refused with the reason.
pub async fn resolve_keep_mine(key: u64) {
    let Ok(store) = store::shared().await else { return };
    let Some(entry) = store.queued().await.ok().and_then(|q| q.into_iter().find(|e| e.key == key)) else {
        return;
    };
    let MutationState::Conflict { current } = &entry.mutation.state else { return };
    let Change::WorkOrderTransition { work_order_id, body } = &entry.mutation.change;
    let state = match current.status.transition(body.to) {
        Ok(_) => MutationState::Pending,
        Err(illegal) => MutationState::Rejected { message: format!("{illegal} any more") },
    };
    let body = TransitionBody { expected_version: current.version, ..body.clone() };
    // A new request (another expected version), so a new key: the old one belongs to the refused one.
    let idempotency_key = api::new_idempotency_key().unwrap_or_else(|| entry.mutation.idempotency_key.clone() + ":2");
    let mutation = Mutation {
        idempotency_key,
        change: Change::WorkOrderTransition { work_order_id: work_order_id.clone(), body },
        state,
        ..entry.mutation
    };
    if let Err(error) = store.update_queued(key, &mutation).await {
        leptos::logging::warn!("keeping a change: {error}");
    }
    reload().await;
    flush().await;
}

/// "Take theirs" (or dismiss a refused change): it leaves the outbox unsent.
pub async fn resolve_take_theirs(key: u64) {
    if let Ok(store) = store::shared().await {
        if let Err(error) = store.settle(key, None).await {
            leptos::logging::warn!("dropping a change: {error}");
        }
    }
    reload().await;
    flush().await;
}

/// Asks the service worker for a Background Sync (where the browser has it), so the outbox is
/// sent even if the person closes the app before the network returns. Elsewhere `online` does it.
fn request_background_sync() {
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return;
    }
    let ready = navigator.service_worker().ready();
    spawn_local(async move {
        let Ok(registration) = ready.map(wasm_bindgen_futures::JsFuture::from) else { return };
        let Ok(registration) = registration.await else { return };
        let Ok(sync) = js_sys::Reflect::get(&registration, &JsValue::from_str("sync")) else { return };
        let Ok(register) = js_sys::Reflect::get(&sync, &JsValue::from_str("register")) else { return };
        if let Some(register) = register.dyn_ref::<js_sys::Function>() {
            let _ = register.call1(&sync, &JsValue::from_str("outbox"));
        }
    });
}
