//! Pages whose code arrives only when first visited.
//!
//! With the `split` feature (set by `cargo xtask web-pipeline`, which runs `wasm-split-cli`), each
//! [`lazy_page!`] view is compiled into its own wasm chunk that the router fetches on first use.
//! Without it (wasm-bindgen-test, clippy) the same code is linked in normally: an unsplit build
//! that still imports the splitter's placeholder module could not be loaded at all.
//!
//! Leptos' `#[lazy_route]` panics when a chunk fails to load, and a panic aborts the whole wasm
//! module; on a network blip that would kill the app. The split here is `fallible` instead, so a
//! chunk that cannot be fetched shows [`CodeUnavailable`] with a retry and the app lives on.

use leptos::prelude::*;

/// The chunk holding a page's code could not be fetched (offline, never visited before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeUnavailable;

impl From<leptos::wasm_split::SplitLoaderError> for CodeUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self
    }
}

/// What a lazy route shows when its chunk could not be loaded.
#[component]
pub fn PageUnavailable() -> impl IntoView {
    let retry = |_| {
        // A reload re-runs the route, which tries the chunk again (failures are not cached).
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <div class="error-panel" role="alert" data-testid="page-unavailable">
            <p>"This page is not available offline yet. Connect to the internet and try again."</p>
            <button type="button" on:click=retry>"Try again"</button>
        </div>
    }
}

/// Declares a `LazyRoute` whose view is `$view` (a component without props), placed in the wasm
/// chunk `$chunk`. `$loader` must be unique in the crate: it names the exported split function.
macro_rules! lazy_page {
    ($(#[$meta:meta])* $route:ident, chunk = $chunk:ident, loader = $loader:ident, view = $view:path) => {
        $(#[$meta])*
        pub struct $route;

        #[cfg_attr(
            feature = "split",
            ::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)
        )]
        fn $loader() -> Result<::leptos::prelude::AnyView, $crate::pages::lazy::CodeUnavailable> {
            Ok(::leptos::prelude::IntoAny::into_any($view()))
        }

        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> ::leptos::prelude::AnyView {
                #[cfg(feature = "split")]
                let page = $loader().await;
                #[cfg(not(feature = "split"))]
                let page = $loader();
                page.unwrap_or_else(|_| {
                    ::leptos::prelude::IntoAny::into_any($crate::pages::lazy::PageUnavailable())
                })
            }
        }
    };
}

pub(crate) use lazy_page;
