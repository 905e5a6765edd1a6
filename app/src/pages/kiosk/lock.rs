//! Kiosk mode as a property of the device: once a browser has opened `/kiosk`, every other route
//! leads back there, so a visitor cannot wander into the rest of the app (or someone else's data).
//!
//! This part is tiny and lives in the main module, because the shell must know before it renders
//! a customer page; the kiosk itself arrives in its own chunk. Staff leave kiosk mode at
//! `/kiosk/exit`, which nothing links to: a kiosk runs without an address bar, so a visitor cannot
//! reach it (the admin "devices" screen will take this over with device tokens).

/// Where kiosk mode is remembered: it must survive reloads and restarts of the kiosk browser.
const STORAGE_KEY: &str = "forecourt.kiosk-mode";
/// The kiosk's device token (`fcd_…`, registered by an admin), which its check-ins and calls for
/// a rep carry. Set up once by opening `/kiosk?device=fcd_…` on the device.
const DEVICE_KEY: &str = "forecourt.kiosk-device";
const DEVICE_PREFIX: &str = "fcd_";

/// Takes `?device=fcd_…` from the address the kiosk was opened with, keeps it on the device and
/// removes it from the address (and so from history and screenshots).
pub fn adopt_device_token_from_url() {
    let Some(window) = web_sys::window() else { return };
    let Ok(search) = window.location().search() else { return };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else { return };
    let Some(token) = params.get("device").filter(|t| t.starts_with(DEVICE_PREFIX) && t.len() <= 200) else {
        return;
    };
    if let Some(storage) = storage() {
        let _ = storage.set_item(DEVICE_KEY, &token);
    }
    params.delete("device");
    let rest = params.to_string().as_string().unwrap_or_default();
    let url = if rest.is_empty() { "/kiosk".to_owned() } else { format!("/kiosk?{rest}") };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The device token this kiosk was set up with, if any.
pub fn device_token() -> Option<String> {
    storage()?.get_item(DEVICE_KEY).ok().flatten()
}

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

pub fn unlock() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
        let _ = storage.remove_item(DEVICE_KEY);
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
