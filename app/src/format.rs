//! How numbers and states read on screen.

use forecourt_domain::money::group_thousands;
use forecourt_domain::workshop::work_order::WorkOrderStatus;
use forecourt_domain::VehicleStatus;

/// `42300` → `"42,300 km"`: the grouping matches how [`forecourt_domain::Money`] prints prices.
pub fn kilometres(km: u32) -> String {
    format!("{} km", group_thousands(u64::from(km)))
}

/// The words a customer reads for a status (the API's snake_case names are for machines).
pub fn status_label(status: VehicleStatus) -> &'static str {
    match status {
        VehicleStatus::Incoming => "Arriving soon",
        VehicleStatus::Available => "Available",
        VehicleStatus::Reserved => "Reserved",
        VehicleStatus::Sold => "Sold",
        VehicleStatus::InService => "In service",
        VehicleStatus::Archived => "Archived",
    }
}

/// Fuel names arrive lower-case from the API ("petrol", "plug_in_hybrid").
pub fn fuel_label(fuel: &str) -> String {
    sentence_case(fuel)
}

/// Body types arrive lower-case ("estate", "suv"); abbreviations read in capitals.
pub fn body_label(body: &str) -> String {
    match body {
        "suv" | "mpv" => body.to_ascii_uppercase(),
        other => sentence_case(other),
    }
}

/// How a work-order status reads on screen.
pub fn work_order_status_label(status: WorkOrderStatus) -> &'static str {
    match status {
        WorkOrderStatus::Booked => "Booked",
        WorkOrderStatus::CheckedIn => "Checked in",
        WorkOrderStatus::Diagnosing => "Diagnosing",
        WorkOrderStatus::AwaitingApproval => "Awaiting approval",
        WorkOrderStatus::InProgress => "In progress",
        WorkOrderStatus::QualityCheck => "Quality check",
        WorkOrderStatus::Ready => "Ready for collection",
        WorkOrderStatus::Collected => "Collected",
        WorkOrderStatus::Cancelled => "Cancelled",
    }
}

/// `2026-11-23T08:05:00Z` → `23 Nov 2026, 08:05` in the device's time zone.
pub fn timestamp(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {}, {:02}:{:02}",
        date.get_date(),
        MONTHS[date.get_month() as usize % 12],
        date.get_full_year(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// `754` seconds → `12 min 34 s`; hours once past sixty minutes, seconds always (a timer that
/// someone watches must be seen to run).
pub fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{} h {:02} min {:02} s", s / 3_600, (s % 3_600) / 60, s % 60),
    }
}

fn sentence_case(raw: &str) -> String {
    let spaced = raw.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn groups_kilometres_by_thousands() {
        assert_eq!(kilometres(1_234_567), "1,234,567 km");
        assert_eq!(kilometres(999), "999 km");
    }

    #[wasm_bindgen_test]
    fn fuel_names_read_as_words() {
        assert_eq!(fuel_label("plug_in_hybrid"), "Plug in hybrid");
    }

    #[wasm_bindgen_test]
    fn response_timers_read_in_minutes_then_hours() {
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(754), "12 min 34 s");
        assert_eq!(duration(3_907), "1 h 05 min 07 s");
    }

    #[wasm_bindgen_test]
    fn body_abbreviations_read_in_capitals() {
        assert_eq!(body_label("suv"), "SUV");
        assert_eq!(body_label("estate"), "Estate");
    }
}
