//! How numbers and states read on screen.

use forecourt_domain::money::group_thousands;
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
    fn body_abbreviations_read_in_capitals() {
        assert_eq!(body_label("suv"), "SUV");
        assert_eq!(body_label("estate"), "Estate");
    }
}
