//! The frame around every page: routes, header, landmarks, and notices shared by pages.

mod notices;

pub use notices::{OfflineBanner, SavedNotice};

use crate::pages::{stock::StockPage, vehicle::VehiclePage, NotFound};
use crate::pwa::UpdatePrompt;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Forecourt".to_owned() } else { format!("{page} · Forecourt") }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <UpdatePrompt/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/stock"/> }/>
                    <Route path=path!("/stock") view=StockPage/>
                    <Route path=path!("/vehicles/:id") view=VehiclePage/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Forecourt North · Forecourt City · Forecourt South"</p>
            </footer>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <A href="/stock" attr:class="brand">
                <img src="/icons/icon-192.png" alt="" width="32" height="32"/>
                <span>"Forecourt"</span>
            </A>
            <nav aria-label="Main">
                <A href="/stock">"Stock"</A>
            </nav>
        </header>
    }
}
