//! Checking in for a booked appointment: booking reference and last name, nothing more.

use super::delivery;
use super::use_kiosk;
use super::visit::{Delivery, Screen};
use crate::api::{CheckInRequest, KioskMessage};
use leptos::prelude::*;

#[component]
pub fn KioskCheckIn() -> impl IntoView {
    let kiosk = use_kiosk();
    // Local to this screen and this visit: an idle reset drops both fields with the component.
    let reference = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let delivery = RwSignal::new(Delivery::Ready);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if delivery.with_untracked(Delivery::is_pending) {
            return;
        }
        let message = KioskMessage::CheckIn(CheckInRequest {
            idempotency_key: delivery::idempotency_key(),
            booking_reference: reference.get_untracked().trim().to_owned(),
            last_name: last_name.get_untracked().trim().to_owned(),
        });
        delivery::send(message, delivery);
    };
    view! {
        <section class="kiosk-screen kiosk-check-in" aria-labelledby="kiosk-heading" data-testid="kiosk-check-in">
            <h1 id="kiosk-heading" tabindex="-1">"Check in for your appointment"</h1>
            <p class="kiosk-lede">"Enter the reference from your booking confirmation and your last name."</p>
            <form class="kiosk-form" on:submit=submit>
                <div class="kiosk-field">
                    <label for="check-in-reference">"Booking reference"</label>
                    <input
                        id="check-in-reference"
                        name="reference"
                        required
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        prop:value=move || reference.get()
                        on:input=move |ev| reference.set(event_target_value(&ev))
                    />
                </div>
                <div class="kiosk-field">
                    <label for="check-in-last-name">"Last name"</label>
                    <input
                        id="check-in-last-name"
                        name="last-name"
                        required
                        // A shared screen must not offer the previous visitor's name.
                        autocomplete="off"
                        prop:value=move || last_name.get()
                        on:input=move |ev| last_name.set(event_target_value(&ev))
                    />
                </div>
                <div class="kiosk-actions">
                    <button type="submit" class="kiosk-button" data-testid="check-in-submit" disabled=move || delivery.with(Delivery::is_pending)>"Check in"</button>
                    <button type="button" class="kiosk-button kiosk-button-quiet" on:click=move |_| kiosk.open(Screen::Browse)>"Back to all cars"</button>
                </div>
            </form>
            <CheckInStatus delivery=delivery/>
        </section>
    }
}

#[component]
fn CheckInStatus(delivery: RwSignal<Delivery>) -> impl IntoView {
    let text = move || match delivery.get() {
        Delivery::Ready => None,
        Delivery::Sending => Some("Checking you in…".to_owned()),
        Delivery::Sent => Some("You are checked in. Please take a seat; your advisor has been told.".to_owned()),
        Delivery::Queued => {
            Some("No connection right now: your check-in is queued and will be sent automatically.".to_owned())
        }
        Delivery::Unavailable => {
            Some("Checking in on this screen is not available yet. Please check in at the service desk.".to_owned())
        }
        Delivery::Refused(reason) => Some(format!("We could not check you in: {reason}")),
    };
    view! {
        <p class="kiosk-status" role="status" aria-live="polite" data-testid="check-in-status">{text}</p>
    }
}
