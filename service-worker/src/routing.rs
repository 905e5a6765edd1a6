//! Which strategy a request gets: a pure function of the request, tested natively.

/// How the worker answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A page load: network first, the cached shell when offline or slow.
    Navigation,
    /// One of the app's own files: cache first. `runtime_cache` files are content-hashed, so a
    /// copy fetched after install is safe to keep.
    Asset { runtime_cache: bool },
    /// A picture (vehicle photos): stale-while-revalidate, kept across builds.
    Image,
    /// Not the worker's business: API calls, other origins, anything but GET.
    Network,
}

/// Directories whose file names (or parent folder) carry a content hash.
const HASHED_DIRS: [&str; 1] = ["/pkg/"];

#[cfg(test)]
pub fn classify(method: &str, url: &str, origin: &str, is_navigation: bool) -> Route {
    classify_with_destination(method, url, origin, is_navigation, "")
}

/// As [`classify`], with the request's `destination` (`"image"` for pictures). Pictures may come
/// from another origin (a media host) but never through `/api/` data of the app's own origin.
pub fn classify_with_destination(
    method: &str,
    url: &str,
    origin: &str,
    is_navigation: bool,
    destination: &str,
) -> Route {
    if destination == "image" && method.eq_ignore_ascii_case("GET") && url.starts_with("https://") {
        return Route::Image;
    }
    let Some(rest) = url.strip_prefix(origin) else {
        return Route::Network;
    };
    // "https://a.example" must not match "https://a.example.evil"
    if !(rest.is_empty() || rest.starts_with('/')) || !method.eq_ignore_ascii_case("GET") {
        return Route::Network;
    }
    let path = rest.split(['?', '#']).next().filter(|p| !p.is_empty()).unwrap_or("/");
    if path == "/api" || path.starts_with("/api/") {
        return Route::Network;
    }
    if is_navigation {
        return Route::Navigation;
    }
    if destination == "image" && !HASHED_DIRS.iter().any(|dir| path.starts_with(dir)) && !path.starts_with("/icons/") {
        return Route::Image;
    }
    Route::Asset { runtime_cache: HASHED_DIRS.iter().any(|dir| path.starts_with(dir)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8787";

    #[test]
    fn page_loads_are_navigations() {
        assert_eq!(classify("GET", "http://127.0.0.1:8787/vehicles/veh-1", ORIGIN, true), Route::Navigation);
    }

    #[test]
    fn api_calls_go_straight_to_the_network() {
        assert_eq!(classify("GET", "http://127.0.0.1:8787/api/vehicles?make=BMW", ORIGIN, false), Route::Network);
    }

    #[test]
    fn api_navigations_are_not_answered_with_the_shell() {
        assert_eq!(classify("GET", "http://127.0.0.1:8787/api/health", ORIGIN, true), Route::Network);
    }

    #[test]
    fn writes_are_never_intercepted() {
        assert_eq!(classify("POST", "http://127.0.0.1:8787/stock", ORIGIN, false), Route::Network);
    }

    #[test]
    fn other_origins_are_not_intercepted() {
        assert_eq!(classify("GET", "https://cdn.example/app.css", ORIGIN, false), Route::Network);
        assert_eq!(classify("GET", "http://127.0.0.1:87870/app.css", ORIGIN, false), Route::Network);
    }

    #[test]
    fn hashed_app_files_are_runtime_cached() {
        let url = "http://127.0.0.1:8787/pkg/0123abcd/forecourt_app_bg.wasm";
        assert_eq!(classify("GET", url, ORIGIN, false), Route::Asset { runtime_cache: true });
    }

    #[test]
    fn photos_are_stale_while_revalidate() {
        let own = "http://127.0.0.1:8787/media/veh-00001/1.jpg";
        assert_eq!(classify_with_destination("GET", own, ORIGIN, false, "image"), Route::Image);
        let media_host = "https://media.forecourt.example/veh-00001/1.jpg";
        assert_eq!(classify_with_destination("GET", media_host, ORIGIN, false, "image"), Route::Image);
    }

    #[test]
    fn the_shells_own_icons_stay_precached_assets() {
        let icon = "http://127.0.0.1:8787/icons/icon-192.png";
        assert_eq!(
            classify_with_destination("GET", icon, ORIGIN, false, "image"),
            Route::Asset { runtime_cache: false }
        );
    }

    #[test]
    fn api_data_is_never_cached_by_the_worker_even_as_an_image() {
        let api = "http://127.0.0.1:8787/api/vehicles";
        assert_eq!(classify_with_destination("GET", api, ORIGIN, false, "image"), Route::Network);
    }

    #[test]
    fn other_static_files_are_served_from_the_precache_only() {
        let url = "http://127.0.0.1:8787/manifest.webmanifest";
        assert_eq!(classify("GET", url, ORIGIN, false), Route::Asset { runtime_cache: false });
    }
}
