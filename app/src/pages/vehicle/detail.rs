//! The vehicle page's content: saved copy first, network copy next, live price on top.

use super::live_price::{follow_vehicle, LiveBadge, LiveUpdate};
use crate::api::{self, ApiError};
use crate::format;
use crate::shell::OfflineBanner;
use crate::store;
use forecourt_domain::Vehicle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Network,
    Saved,
    SavedOffline,
    /// A live event moved the vehicle past what the network or the saved copy said.
    Live,
}

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Vehicle(Box<Vehicle>, Origin),
    Failed(ApiError),
}

fn decide(fresh: Option<Result<Vehicle, ApiError>>, saved: Option<Option<Vehicle>>, live: Option<LiveUpdate>) -> Shown {
    let base = match (fresh, saved) {
        (Some(Ok(vehicle)), _) => Some((vehicle, Origin::Network)),
        (Some(Err(error)), Some(Some(vehicle))) if error.is_offline() => Some((vehicle, Origin::SavedOffline)),
        (Some(Err(error)), Some(_)) => return Shown::Failed(error),
        (None, Some(Some(vehicle))) => Some((vehicle, Origin::Saved)),
        _ => None,
    };
    let Some((mut vehicle, mut origin)) = base else {
        return Shown::Loading;
    };
    if let Some(update) = live.filter(|update| update.version > vehicle.version) {
        vehicle.price = update.price;
        vehicle.status = update.status;
        vehicle.version = update.version;
        origin = Origin::Live;
    }
    Shown::Vehicle(Box::new(vehicle), origin)
}

#[component]
pub fn VehicleDetail(id: String) -> impl IntoView {
    let saved = {
        let id = id.clone();
        LocalResource::new(move || {
            let id = id.clone();
            async move { store::saved_vehicle(&id).await }
        })
    };
    let fresh = {
        let id = id.clone();
        LocalResource::new(move || {
            let id = id.clone();
            async move { api::vehicle(&id).await }
        })
    };
    let (live, status) = follow_vehicle(&id, move || fresh.refetch());
    let shown = Memo::new(move |_| decide(fresh.get(), saved.get(), live.get()));

    // Keep the device's copy as new as what is on screen, so offline shows the latest price.
    Effect::new(move |_| {
        if let Shown::Vehicle(vehicle, Origin::Network | Origin::Live) = shown.get() {
            spawn_local(async move { store::remember_vehicle(&vehicle).await });
        }
    });

    view! {
        <article class="page vehicle">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <A href="/stock">"← All stock"</A>
            </nav>
            {move || match shown.get() {
                Shown::Loading => view! { <p class="loading" role="status">"Loading vehicle…"</p> }.into_any(),
                Shown::Failed(error) => view! { <VehicleMissing error=error/> }.into_any(),
                Shown::Vehicle(vehicle, origin) => view! { <VehicleView vehicle=*vehicle origin=origin status=status/> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn VehicleView(vehicle: Vehicle, origin: Origin, status: ReadSignal<crate::live::LiveStatus>) -> impl IntoView {
    let title = vehicle.title();
    let price_class = if origin == Origin::Live { "price price-updated" } else { "price" };
    let status_class = format!("status status-{}", vehicle.status.as_str());
    view! {
        <Title text=title.clone()/>
        {(origin == Origin::SavedOffline).then(|| view! { <OfflineBanner message="Offline — showing saved details"/> })}
        <header class="vehicle-head">
            <div>
                <h1 data-testid="vehicle-title">{title}</h1>
                <p class="sub">{format!("{} · Stock no. {}", vehicle.location_name, vehicle.stock_number)}</p>
            </div>
            <div class="price-panel">
                <p class=price_class data-testid="vehicle-price" aria-live="polite" aria-atomic="true">
                    {vehicle.price.to_string()}
                </p>
                <div class="price-meta">
                    <span class=status_class>{format::status_label(vehicle.status)}</span>
                    <LiveBadge status=status/>
                </div>
            </div>
        </header>
        <section aria-labelledby="specs-heading">
            <h2 id="specs-heading">"Specification"</h2>
            <dl class="specs">
                <Spec term="Year" value=vehicle.year.to_string()/>
                <Spec term="Mileage" value=format::kilometres(vehicle.mileage_km)/>
                <Spec term="Fuel" value=format::fuel_label(&vehicle.fuel)/>
                <Spec term="Body" value=format::body_label(&vehicle.body)/>
                <Spec term="Colour" value=vehicle.colour.clone()/>
                <Spec term="Trim" value=vehicle.trim.clone()/>
                <Spec term="VIN" value=vehicle.vin.to_string()/>
                <Spec term="Location" value=vehicle.location_name.clone()/>
            </dl>
        </section>
        {(!vehicle.features.is_empty()).then(|| view! {
            <section aria-labelledby="features-heading">
                <h2 id="features-heading">"Features"</h2>
                <ul class="features">
                    {vehicle.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn Spec(term: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt>{term}</dt>
            <dd>{value}</dd>
        </div>
    }
}

#[component]
fn VehicleMissing(error: ApiError) -> impl IntoView {
    let message = if error.is_not_found() {
        "This vehicle is no longer in stock.".to_owned()
    } else if error.is_offline() {
        "You are offline and this vehicle has not been saved on this device.".to_owned()
    } else {
        format!("This vehicle could not be loaded: {error}")
    };
    view! {
        <Title text="Vehicle"/>
        <div class="error-panel" role="alert">
            <p>{message}</p>
            <p><A href="/stock">"Browse all stock"</A></p>
        </div>
    }
}
