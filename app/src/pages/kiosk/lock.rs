//! Kiosk mode as a property of the device: once a browser has opened `/kiosk`, every other route
//! leads back there, so a visitor cannot wander into the rest of the app (or someone else's data).
//!
//! This part is tiny and lives in the main module, because the shell must know before it renders
//! a customer page; the kiosk itself arrives in its own chunk. Staff leave kiosk mode at
//! `/kiosk/exit`, which nothing links to: a kiosk runs without an address bar, so a visitor cannot
//! reach it (the admin "devices" screen will take this over with device tokens).

/// Where kiosk mode is remembered: it must survive reloads and restarts of the kiosk browser.
const STORAGE_KEY: &str = "forecourt.kiosk-mode";

/// Whether `path` belongs to the kiosk (`/kiosk`, `/kiosk/…`, not `/kiosks`).
pub fn is_kiosk_path(path: &str) -> bool {
    path == "/kiosk" || path.starts_with("/kiosk/")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn is_locked() -> bool {
    storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()).is_some()
}

pub fn lock() {
    if let Some(storage) = storage() {
        // Without storage (private mode) the lock holds for this page's life, via the router only.
        let _ = storage.set_item(STORAGE_KEY, "locked");
    }
}

/// Where the kiosk's device token is kept once paired.
const TOKEN_KEY: &str = "forecourt.kiosk-device-token";

/// The device token (`fcd_…`) this kiosk sends with its messages ("call a sales rep", check-in),
/// so the edge knows which showroom it stands in.
pub fn device_token() -> Option<String> {
    storage().and_then(|s| s.get_item(TOKEN_KEY).ok().flatten()).filter(|t| is_device_token(t))
}

fn is_device_token(token: &str) -> bool {
    token.starts_with("fcd_") && token.len() <= 200 && token.bytes().all(|b| b.is_ascii_graphic())
}

/// Pairs this browser with a kiosk device: staff open `/kiosk?device_token=fcd_…` once when
/// setting the kiosk up (the demo tokens are in the README). The token is kept and removed from the
/// address, so it never shows on screen or in the history.
pub fn pair_from_address() {
    let Some(window) = web_sys::window() else { return };
    let Ok(search) = window.location().search() else { return };
    let token = search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "device_token")
        .map(|(_, value)| value.to_owned());
    let Some(token) = token.filter(|t| is_device_token(t)) else { return };
    if let Some(storage) = storage() {
        let _ = storage.set_item(TOKEN_KEY, &token);
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/kiosk"));
    }
}

pub fn unlock() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn kiosk_paths_are_the_kiosk_and_below_it() {
        assert!(is_kiosk_path("/kiosk"));
        assert!(is_kiosk_path("/kiosk/exit"));
        assert!(!is_kiosk_path("/kiosks"));
        assert!(!is_kiosk_path("/stock"));
        assert!(!is_kiosk_path("/"));
    }

    #[wasm_bindgen_test]
    fn the_lock_survives_until_unlocked() {
        unlock();
        assert!(!is_locked());
        lock();
        assert!(is_locked());
        unlock();
        assert!(!is_locked());
    }
}
