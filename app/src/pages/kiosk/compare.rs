//! Up to three cars side by side, and the tray that collects them while browsing.

use super::use_kiosk;
use super::visit::{Action, Screen, MAX_COMPARE};
use crate::format;
use forecourt_domain::Vehicle;
use leptos::prelude::*;

/// The cars being compared, always in reach at the bottom of the screen.
#[component]
pub fn CompareTray() -> impl IntoView {
    let kiosk = use_kiosk();
    let count = Memo::new(move |_| kiosk.visit.with(|v| v.compare.len()));
    let on_compare = Memo::new(move |_| kiosk.visit.with(|v| v.screen == Screen::Compare));
    view! {
        <Show when=move || { count.get() > 0 && !on_compare.get() }>
            <aside class="kiosk-tray" aria-label="Cars to compare" data-testid="compare-tray">
                <p class="kiosk-tray-count">{move || format!("Comparing {} of {MAX_COMPARE}", count.get())}</p>
                <button
                    type="button"
                    class="kiosk-button"
                    data-testid="open-compare"
                    disabled=move || count.get() < 2
                    on:click=move |_| kiosk.open(Screen::Compare)
                >
                    {move || if count.get() < 2 { "Add one more to compare".to_owned() } else { format!("Compare {} cars", count.get()) }}
                </button>
            </aside>
        </Show>
    }
}

/// One row of the comparison: a label and how each car reads.
struct Row {
    label: &'static str,
    value: fn(&Vehicle) -> String,
}

const ROWS: [Row; 9] = [
    Row { label: "Price", value: |v| v.price.to_string() },
    Row { label: "Year", value: |v| v.year.to_string() },
    Row { label: "Mileage", value: |v| format::kilometres(v.mileage_km) },
    Row { label: "Fuel", value: |v| format::fuel_label(&v.fuel) },
    Row { label: "Body", value: |v| format::body_label(&v.body) },
    Row { label: "Trim", value: |v| v.trim.clone() },
    Row { label: "Colour", value: |v| v.colour.clone() },
    Row { label: "Location", value: |v| v.location_name.clone() },
    Row { label: "Status", value: |v| format::status_label(v.status).to_owned() },
];

#[component]
pub fn KioskCompare() -> impl IntoView {
    let kiosk = use_kiosk();
    let cars = Memo::new(move |_| kiosk.visit.with(|v| v.compare.clone()));
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading" data-testid="kiosk-compare">
            <h1 id="kiosk-heading" tabindex="-1">"Compare cars"</h1>
            <div class="kiosk-compare-scroll">
                <table class="kiosk-compare">
                    <caption class="visually-hidden">"The chosen cars side by side"</caption>
                    <thead>
                        <tr>
                            <td></td>
                            {move || cars.get().into_iter().map(|car| {
                                let id = car.id.clone();
                                let title = car.title();
                                view! {
                                    <th scope="col">
                                        <span class="kiosk-compare-title">{title.clone()}</span>
                                        <button
                                            type="button"
                                            class="kiosk-button kiosk-button-quiet"
                                            aria-label=format!("Remove {title} from the comparison")
                                            on:click=move |_| kiosk.act(Action::RemoveFromCompare(id.clone()))
                                        >
                                            "Remove"
                                        </button>
                                    </th>
                                }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {ROWS.iter().map(|row| view! {
                            <tr>
                                <th scope="row">{row.label}</th>
                                {move || cars.get().iter().map(|car| view! { <td>{(row.value)(car)}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="kiosk-actions">
                <button type="button" class="kiosk-button" on:click=move |_| kiosk.open(Screen::Browse)>"Back to all cars"</button>
            </div>
        </section>
    }
}
