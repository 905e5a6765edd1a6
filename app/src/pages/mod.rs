//! One folder per part of the product a person can visit.

pub mod stock;
pub mod vehicle;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <section class="page narrow">
            <h1>"This page does not exist"</h1>
            <p><A href="/stock">"Browse all stock"</A></p>
        </section>
    }
}
