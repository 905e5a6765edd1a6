//! Forecourt's web app: a client-side rendered Leptos shell over the edge API.
//!
//! The app is a thin shell: business rules live in `forecourt-domain`, every call to the edge goes
//! through [`api`], and everything a person last saw is kept in IndexedDB through [`store`] so the
//! app opens instantly and keeps working offline.

pub mod api;
pub mod charts;
pub mod format;
pub mod live;
pub mod pages;
pub mod pwa;
pub mod session;
pub mod shell;
pub mod store;
pub mod sync;

use wasm_bindgen::prelude::*;

/// Entry point called by `init()` in index.html: mounts the app (which registers the service worker).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    remove_boot_placeholder();
    leptos::mount::mount_to_body(shell::App);
}

/// index.html paints a placeholder so the first frame is not blank while wasm streams in.
fn remove_boot_placeholder() {
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
}

// Unit tests run in the same headless browser as the integration tests in tests/.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
