//! Sending a kiosk message and keeping the visitor told what became of it.

use super::visit::Delivery;
use crate::api::{self, KioskMessage};
use crate::live::backoff;
use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Sends `message`, resending while there is no connection, and reports into `delivery`.
///
/// The loop ends once the message is delivered or refused, or when `delivery` is disposed (the
/// visit ended: a queued check-in holds a name, which must not outlive the visit).
pub fn send(message: KioskMessage, delivery: RwSignal<Delivery>) {
    delivery.set(Delivery::Sending);
    spawn_local(async move {
        let mut attempt = 0;
        loop {
            let next = Delivery::after(&api::send_kiosk_message(&message).await);
            let pending = next.is_pending();
            if delivery.try_set(next).is_some() || !pending {
                return;
            }
            sleep(backoff::delay(attempt, js_sys::Math::random())).await;
            attempt = attempt.saturating_add(1);
            if delivery.try_get().is_none() {
                return;
            }
        }
    });
}

/// A new idempotency key; without browser crypto a timestamp-and-random key is unique enough for
/// one kiosk.
pub fn idempotency_key() -> String {
    api::new_idempotency_key()
        .unwrap_or_else(|| format!("kiosk-{}-{}", js_sys::Date::now(), (js_sys::Math::random() * 1e12) as u64))
}
