//! The kiosk's own header: no site navigation, only what a visitor at the screen needs.

use super::delivery;
use super::visit::{Delivery, Screen};
use super::{use_kiosk, Kiosk};
use crate::api::{AssistanceRequest, KioskMessage};
use leptos::prelude::*;

#[component]
pub fn KioskHeader() -> impl IntoView {
    let kiosk = use_kiosk();
    view! {
        <header class="kiosk-header">
            // Not a link: on a kiosk the brand must not lead anywhere.
            <p class="kiosk-brand">
                <img src="/icons/icon-192.png" alt="" width="40" height="40"/>
                <span>"Forecourt showroom"</span>
            </p>
            <div class="kiosk-header-actions">
                <button type="button" class="kiosk-button kiosk-button-quiet" on:click=move |_| kiosk.open(Screen::Browse)>"All cars"</button>
                <button type="button" class="kiosk-button kiosk-button-quiet" data-testid="open-check-in" on:click=move |_| kiosk.open(Screen::CheckIn)>"Check in"</button>
                <CallRep kiosk=kiosk/>
                <button type="button" class="kiosk-button kiosk-button-quiet" data-testid="start-over" on:click=move |_| kiosk.start_over.run(())>"Start over"</button>
            </div>
        </header>
        <AssistanceStatus kiosk=kiosk/>
    }
}

#[component]
fn CallRep(kiosk: Kiosk) -> impl IntoView {
    let call = move |_| {
        if kiosk.assistance.with_untracked(Delivery::is_pending) {
            return;
        }
        let vehicle_ids = kiosk.visit.with_untracked(|v| v.compare.iter().map(|car| car.id.clone()).collect());
        let message =
            KioskMessage::Assistance(AssistanceRequest { idempotency_key: delivery::idempotency_key(), vehicle_ids });
        delivery::send(message, kiosk.assistance);
    };
    view! {
        <button
            type="button"
            class="kiosk-button kiosk-button-call"
            data-testid="call-rep"
            on:click=call
            disabled=move || kiosk.assistance.with(Delivery::is_pending)
        >
            "Call a sales rep"
        </button>
    }
}

/// What became of the call, in words; announced by screen readers as it changes.
#[component]
fn AssistanceStatus(kiosk: Kiosk) -> impl IntoView {
    let text = move || match kiosk.assistance.get() {
        Delivery::Ready => None,
        Delivery::Sending => Some("Calling a sales rep…".to_owned()),
        Delivery::Sent => Some("A sales rep is on the way. Please stay near this screen.".to_owned()),
        Delivery::Queued => {
            Some("No connection right now: your call is queued and will be sent automatically.".to_owned())
        }
        Delivery::Unavailable => {
            Some("Calling a rep from this screen is not available yet. Please ask at the front desk.".to_owned())
        }
        Delivery::Refused(reason) => Some(format!("The call did not go through: {reason}")),
    };
    let state = move || match kiosk.assistance.get() {
        Delivery::Sent => "sent",
        Delivery::Queued | Delivery::Sending => "queued",
        Delivery::Ready => "ready",
        Delivery::Unavailable | Delivery::Refused(_) => "failed",
    };
    view! {
        <p class="kiosk-status" role="status" aria-live="polite" data-testid="assist-status" data-state=state>
            {text}
        </p>
    }
}
