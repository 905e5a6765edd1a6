//! Time, read once per use from the runtime (Workers freeze the clock during I/O-free compute).

pub fn now_millis() -> f64 {
    js_sys::Date::now()
}

pub fn now_seconds() -> u64 {
    (now_millis() / 1000.0) as u64
}

/// RFC 3339 in UTC with milliseconds, the format every timestamp column uses.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default()
}

/// RFC 3339 for `seconds` from now.
pub fn rfc3339_in(seconds: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_millis() + seconds as f64 * 1000.0));
    date.to_iso_string().as_string().unwrap_or_default()
}
