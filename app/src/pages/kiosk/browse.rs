//! The kiosk's stock list: the copy saved on this device first, the network's when it answers,
//! refreshed every minute. A network blip keeps the last good list on screen.

use super::use_kiosk;
use super::visit::{Action, Screen};
use crate::api;
use crate::format;
use crate::store;
use forecourt_domain::{StockPage, StockQuery, Vehicle};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Stock changes slowly; a minute keeps prices on a showroom screen current enough.
const REFRESH: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Waiting,
    Page { page: StockPage, offline: bool },
    Nothing,
}

#[component]
pub fn KioskBrowse() -> impl IntoView {
    let loaded = RwSignal::new(Loaded::Waiting);
    let query = StockQuery { limit: StockQuery::DEFAULT_LIMIT, ..StockQuery::default() };
    refresh(query.clone(), loaded);
    let interval = set_interval_with_handle(move || refresh(query.clone(), loaded), REFRESH);
    on_cleanup(move || {
        if let Ok(interval) = interval {
            interval.clear();
        }
    });

    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading" tabindex="-1">"Find your next car"</h1>
            <p class="kiosk-lede">"Every car at every Forecourt location. Tap a car for details, or add up to three to compare."</p>
            {move || match loaded.get() {
                Loaded::Waiting => view! { <p class="loading" role="status">"Loading cars…"</p> }.into_any(),
                Loaded::Nothing => view! {
                    <p class="error" role="alert">"The cars cannot be shown right now. Please ask a member of staff."</p>
                }.into_any(),
                Loaded::Page { page, offline } => view! {
                    {offline.then(|| view! { <p class="banner banner-offline" role="status" data-testid="kiosk-offline">"Showing saved stock while the connection is back"</p> })}
                    <ul class="kiosk-grid" data-testid="kiosk-stock">
                        {page.items.into_iter().map(|vehicle| view! { <KioskCard vehicle=vehicle/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// Loads the saved page (if nothing is shown yet), then the network's; keeps what is shown when
/// the network fails.
fn refresh(query: StockQuery, loaded: RwSignal<Loaded>) {
    spawn_local(async move {
        if loaded.try_with_untracked(|l| *l == Loaded::Waiting) == Some(true) {
            if let Some(page) = store::saved_stock_page(&query).await {
                loaded.try_set(Loaded::Page { page, offline: false });
            }
        }
        match api::stock(&query).await {
            Ok(page) => {
                store::remember_stock_page(&query, &page).await;
                loaded.try_set(Loaded::Page { page, offline: false });
            }
            Err(_) => {
                loaded.try_update(|l| match l {
                    Loaded::Page { offline, .. } => *offline = true,
                    other => *other = Loaded::Nothing,
                });
            }
        }
    });
}

#[component]
fn KioskCard(vehicle: Vehicle) -> impl IntoView {
    let kiosk = use_kiosk();
    let id = vehicle.id.clone();
    let compared = {
        let id = id.clone();
        Memo::new(move |_| kiosk.visit.with(|v| v.is_compared(&id)))
    };
    let title = vehicle.title();
    let open = {
        let vehicle = vehicle.clone();
        move |_| kiosk.open(Screen::Vehicle(Box::new(vehicle.clone())))
    };
    let toggle = {
        let vehicle = vehicle.clone();
        move |_| kiosk.act(Action::ToggleCompare(vehicle.clone()))
    };
    view! {
        <li class="kiosk-card" data-testid="kiosk-card" data-vehicle-id=id>
            <h2 class="kiosk-card-title">{title.clone()}</h2>
            <p class="kiosk-card-price">{vehicle.price.to_string()}</p>
            <ul class="facts" aria-label="Key facts">
                <li>{vehicle.year.to_string()}</li>
                <li>{format::kilometres(vehicle.mileage_km)}</li>
                <li>{format::fuel_label(&vehicle.fuel)}</li>
                <li>{vehicle.location_name.clone()}</li>
            </ul>
            <div class="kiosk-card-actions">
                <button type="button" class="kiosk-button" on:click=open aria-label=format!("Details of {title}")>"Details"</button>
                <button
                    type="button"
                    class="kiosk-button kiosk-button-quiet"
                    data-testid="compare-toggle"
                    aria-pressed=move || compared.get().to_string()
                    aria-label=format!("Compare {title}")
                    on:click=toggle
                >
                    {move || if compared.get() { "✓ Comparing" } else { "Compare" }}
                </button>
            </div>
        </li>
    }
}
