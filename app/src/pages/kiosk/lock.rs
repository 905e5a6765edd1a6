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
