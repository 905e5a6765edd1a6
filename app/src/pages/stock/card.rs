//! One vehicle in the stock list.

use crate::format;
use forecourt_domain::Vehicle;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn VehicleCard(vehicle: Vehicle) -> impl IntoView {
    let href = format!("/vehicles/{}", vehicle.id);
    let status_class = format!("status status-{}", vehicle.status.as_str());
    let id = vehicle.id.clone();
    let title = vehicle.title();
    view! {
        <li class="card" data-testid="vehicle-card" data-vehicle-id=id>
            <h2 class="card-title">
                // The link covers the whole card (see .card a::after) but reads as the title.
                <A href=href>{title}</A>
            </h2>
            <p class="card-price">{vehicle.price.to_string()}</p>
            <ul class="facts" aria-label="Key facts">
                <li>{format::kilometres(vehicle.mileage_km)}</li>
                <li>{format::fuel_label(&vehicle.fuel)}</li>
                <li>{vehicle.location_name.clone()}</li>
            </ul>
            <span class=status_class>{format::status_label(vehicle.status)}</span>
        </li>
    }
}
