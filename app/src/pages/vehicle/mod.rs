//! `/vehicles/:id`: one vehicle, its price kept live through the vehicle's room.

mod detail;
mod live_price;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn VehiclePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // A new id is a new vehicle: new data, new room.
    move || view! { <detail::VehicleDetail id=id.get()/> }
}
