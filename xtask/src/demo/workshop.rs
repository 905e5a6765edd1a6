//! Demo data for the workshop API: kiosk devices with known tokens, today's appointments at each
//! location with known booking references (for trying the kiosk check-in), and shelves sitting
//! just above their reorder threshold (so the first part taken raises the alert).
//!
//! Today's appointments are dated by SQLite's `date('now')` when the seed is loaded: the SQL text
//! is identical on every run, and the bookings are always for the day the demo is started.

use super::sql::Insert;
use super::stock::LOCATIONS;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Demo kiosk device tokens (`Authorization: Bearer <token>`), one per showroom.
pub const KIOSK_TOKENS: [(&str, &str); 3] = [
    ("loc-north", "fcd_demo-kiosk-north-2026"),
    ("loc-city", "fcd_demo-kiosk-city-2026"),
    ("loc-south", "fcd_demo-kiosk-south-2026"),
];

/// (id, reference, location, customer, owned vehicle, service, hour, has a booked work order)
pub type TodaysAppointment =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, u32, bool);

pub const TODAY: &[TodaysAppointment] = &[
    ("apt-today-north-1", "FC-NRTH22", "loc-north", "cus-00001", "own-00001", "Annual service", 9, false),
    ("apt-today-north-2", "FC-NRTH33", "loc-north", "cus-00002", "own-00002", "Brakes squeal", 10, true),
    ("apt-today-north-3", "FC-NRTH44", "loc-north", "cus-00002", "own-00402", "MOT test", 11, false),
    ("apt-today-city-1", "FC-CTYA22", "loc-city", "cus-00001", "own-00001", "Air conditioning weak", 9, false),
    ("apt-today-city-2", "FC-CTYA33", "loc-city", "cus-00002", "own-00002", "Battery flat", 14, false),
    ("apt-today-south-1", "FC-STHA22", "loc-south", "cus-00001", "own-00001", "Tyre wear", 9, false),
    ("apt-today-south-2", "FC-STHA33", "loc-south", "cus-00002", "own-00002", "Warning light on", 15, true),
];

/// (location, sku, name, on hand, threshold, price): one above the threshold, one well above.
const NEAR_THRESHOLD: &[(&str, &str, &str, i64, i64, i64)] = &[
    ("loc-north", "SPK-PLUG", "Spark plug", 6, 5, 1_200),
    ("loc-north", "WSH-FLUID", "Screen wash, 5 l", 4, 3, 800),
    ("loc-city", "SPK-PLUG", "Spark plug", 6, 5, 1_200),
    ("loc-south", "SPK-PLUG", "Spark plug", 6, 5, 1_200),
];

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub fn write(out: &mut String) {
    let mut devices =
        Insert::into("devices", &["id", "kind", "name", "location_id", "showroom_id", "token_hash", "created_at"]);
    for (location, token) in KIOSK_TOKENS {
        let short = location.trim_start_matches("loc-");
        devices.row(vec![
            format!("dev-kiosk-{short}").into(),
            "kiosk".into(),
            format!("Showroom kiosk {short}").into(),
            location.into(),
            format!("shw-{short}").into(),
            format!("{:x}", Sha256::digest(token.as_bytes())).into(),
            super::people::CREATED_AT.into(),
        ]);
    }
    devices.write_to(out);

    let mut parts = Insert::into(
        "parts",
        &["id", "location_id", "sku", "name", "quantity_on_hand", "reorder_threshold", "unit_price_cents"],
    );
    for (location, sku, name, on_hand, threshold, price) in NEAR_THRESHOLD {
        let id = format!("prt-{}-{}", location.trim_start_matches("loc-"), sku.to_ascii_lowercase());
        parts.row(vec![
            id.into(),
            (*location).into(),
            (*sku).into(),
            (*name).into(),
            (*on_hand).into(),
            (*threshold).into(),
            (*price).into(),
        ]);
    }
    parts.write_to(out);

    for &(id, reference, location, customer, vehicle, service, hour, with_order) in TODAY {
        debug_assert!(LOCATIONS.iter().any(|l| l.id == location));
        let starts_at = format!("strftime('%Y-%m-%dT{hour:02}:00:00.000Z', 'now')");
        let _ = writeln!(
            out,
            "INSERT OR IGNORE INTO appointments (id, reference, location_id, customer_id, owned_vehicle_id, service, \
             starts_at, duration_minutes, status, booked_by, version, created_at, updated_at) VALUES ({}, {}, {}, {}, {}, \
             {}, {starts_at}, 60, 'booked', 'usr-customer-alex', 1, {created}, {created});",
            quote(id),
            quote(reference),
            quote(location),
            quote(customer),
            quote(vehicle),
            quote(service),
            created = quote(super::people::CREATED_AT),
        );
        if with_order {
            let short = location.trim_start_matches("loc-");
            let _ = writeln!(
                out,
                "INSERT OR IGNORE INTO work_orders (id, location_id, appointment_id, owned_vehicle_id, customer_id, \
                 advisor_id, mileage_in, complaint, status, version, created_at, updated_at) VALUES ({}, {}, {}, {}, {}, \
                 {}, (SELECT mileage_km FROM owned_vehicles WHERE id = {}), {}, 'booked', 1, {created}, {created});",
                quote(&format!("wo-{id}")),
                quote(location),
                quote(id),
                quote(vehicle),
                quote(customer),
                quote(&format!("usr-advisor-{short}")),
                quote(vehicle),
                quote(service),
                created = quote(super::people::CREATED_AT),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecourt_domain::workshop::appointment::normalise_reference;

    #[test]
    fn demo_references_are_valid_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for appointment in TODAY {
            assert_eq!(normalise_reference(appointment.1).as_deref(), Some(appointment.1));
            assert!(seen.insert(appointment.1));
        }
    }

    #[test]
    fn kiosk_tokens_look_like_device_tokens() {
        assert!(KIOSK_TOKENS.iter().all(|(_, token)| token.starts_with("fcd_")));
    }
}
