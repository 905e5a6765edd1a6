//! The frame around every page: routes, header, landmarks, and notices shared by pages.

mod connection;
mod guard;
mod nav;
mod notices;
mod states;

pub use connection::{use_online, ConnectionBanner};
pub use guard::RequireSignIn;
pub use notices::{OfflineBanner, SavedNotice};
pub use states::{EmptyState, ErrorPanel, Skeleton};

use crate::pages::kiosk::lock::{is_kiosk_path, is_locked};
use crate::pages::{stock::StockPage, KioskExitRoute, KioskRoute, ManagerRoute, NotFound, VehicleRoute};
use crate::pages::{LeadsRoute, MyRoute, SignInRoute, WorkOrderRoute, WorkOrdersRoute};
use crate::pwa::UpdatePrompt;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, Lazy};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::session::provide();
    connection::provide_online();
    crate::sync::start();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Forecourt".to_owned() } else { format!("{page} · Forecourt") }/>
        <Router>
            <Frame/>
        </Router>
    }
}

/// Customer pages get the site header and footer; kiosk pages bring their own full-screen frame.
/// A device in kiosk mode never renders a non-kiosk page: it is sent back to `/kiosk` first.
#[component]
fn Frame() -> impl IntoView {
    let location = use_location();
    let in_kiosk = Memo::new(move |_| location.pathname.with(|p| is_kiosk_path(p)));
    let escaped_kiosk = Memo::new(move |_| !in_kiosk.get() && is_locked());
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>"Skip to content"</a>
        <Show when=move || !in_kiosk.get()>
            <Header/>
        </Show>
        <UpdatePrompt/>
        <Show when=move || !in_kiosk.get()>
            <ConnectionBanner/>
        </Show>
        <main id="main" tabindex="-1" class:kiosk-main=move || in_kiosk.get()>
            <Show when=move || !escaped_kiosk.get() fallback=|| view! { <Redirect path="/kiosk"/> }>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/stock") view=StockPage/>
                    <Route path=path!("/vehicles/:id") view={Lazy::<VehicleRoute>::new()}/>
                    <Route path=path!("/kiosk") view={Lazy::<KioskRoute>::new()}/>
                    <Route path=path!("/manager/:location") view={Lazy::<ManagerRoute>::new()}/>
                    <Route path=path!("/kiosk/exit") view={Lazy::<KioskExitRoute>::new()}/>
                    // Anything else under /kiosk is the kiosk too: no dead end on a kiosk screen.
                    <Route path=path!("/kiosk/*any") view=|| view! { <Redirect path="/kiosk"/> }/>
                    // Signed-in experiences (issue 6): each role's pages arrive in their own chunk.
                    <Route path=path!("/sign-in") view={Lazy::<SignInRoute>::new()}/>
                    <Route path=path!("/work-orders") view={Lazy::<WorkOrdersRoute>::new()}/>
                    <Route path=path!("/work-orders/:id") view={Lazy::<WorkOrderRoute>::new()}/>
                    <Route path=path!("/leads") view={Lazy::<LeadsRoute>::new()}/>
                    <Route path=path!("/my") view={Lazy::<MyRoute>::new()}/>
                </Routes>
            </Show>
        </main>
        <Show when=move || !in_kiosk.get()>
            <footer class="site-footer">
                <p>"Forecourt North · Forecourt City · Forecourt South"</p>
            </footer>
        </Show>
    }
}

/// The router would treat `#main` as a navigation and leave focus where it was; a keyboard user
/// needs focus itself on the content, so the next Tab starts there.
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    ev.prevent_default();
    if let Some(main) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = main.focus();
        main.scroll_into_view();
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
            <nav::MainNav/>
            <nav::AccountMenu/>
        </header>
    }
}

/// `/`: a signed-in person starts at their role's work, everyone else at the stock.
#[component]
fn Home() -> impl IntoView {
    let session = crate::session::use_session();
    let to = session.role().map(crate::session::home_of).unwrap_or("/stock");
    view! { <Redirect path=to/> }
}
