//! One car on the kiosk, from the stock already on the device (no extra request to fail).

use super::use_kiosk;
use super::visit::{Action, Screen};
use crate::format;
use leptos::prelude::*;

#[component]
pub fn KioskVehicle() -> impl IntoView {
    let kiosk = use_kiosk();
    // A memo, so toggling "Compare" updates the button without rebuilding (and unfocusing) it.
    let vehicle = Memo::new(move |_| {
        kiosk.visit.with(|v| match &v.screen {
            Screen::Vehicle(vehicle) => Some((**vehicle).clone()),
            _ => None,
        })
    });
    move || {
        vehicle.get().map(|vehicle| {
            let title = vehicle.title();
            let id = vehicle.id.clone();
            let compared = Memo::new(move |_| kiosk.visit.with(|v| v.is_compared(&id)));
            let toggle = {
                let vehicle = vehicle.clone();
                move |_| kiosk.act(Action::ToggleCompare(vehicle.clone()))
            };
            view! {
                <section class="kiosk-screen" aria-labelledby="kiosk-heading" data-testid="kiosk-vehicle">
                    <h1 id="kiosk-heading" tabindex="-1">{title}</h1>
                    <p class="kiosk-card-price">{vehicle.price.to_string()}</p>
                    <dl class="specs kiosk-specs">
                        <Spec term="Year" value=vehicle.year.to_string()/>
                        <Spec term="Mileage" value=format::kilometres(vehicle.mileage_km)/>
                        <Spec term="Fuel" value=format::fuel_label(&vehicle.fuel)/>
                        <Spec term="Body" value=format::body_label(&vehicle.body)/>
                        <Spec term="Colour" value=vehicle.colour.clone()/>
                        <Spec term="Trim" value=vehicle.trim.clone()/>
                        <Spec term="Location" value=vehicle.location_name.clone()/>
                        <Spec term="Status" value=format::status_label(vehicle.status).to_owned()/>
                    </dl>
                    {(!vehicle.features.is_empty()).then(|| view! {
                        <h2>"Features"</h2>
                        <ul class="features">
                            {vehicle.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                    <div class="kiosk-actions">
                        <button type="button" class="kiosk-button" on:click=move |_| kiosk.open(Screen::Browse)>"Back to all cars"</button>
                        <button type="button" class="kiosk-button kiosk-button-quiet" aria-pressed=move || compared.get().to_string() on:click=toggle>
                            {move || if compared.get() { "✓ Comparing" } else { "Compare" }}
                        </button>
                    </div>
                </section>
            }
        })
    }
}

#[component]
pub fn Spec(term: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt>{term}</dt>
            <dd>{value}</dd>
        </div>
    }
}
