//! Demo stock: the same realistic vehicles on every machine, from a fixed seed.

use forecourt_domain::showroom::vin::check_digit;
use forecourt_domain::VehicleStatus;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sql::{Insert, Value};

pub const VEHICLE_COUNT: usize = 240;
const SEED: u64 = 0xF0_2EC0_0127;

pub struct Location {
    pub id: &'static str,
    pub name: &'static str,
    pub city: &'static str,
}

pub const LOCATIONS: [Location; 3] = [
    Location { id: "loc-north", name: "Forecourt North", city: "Leeds" },
    Location { id: "loc-city", name: "Forecourt City", city: "Manchester" },
    Location { id: "loc-south", name: "Forecourt South", city: "Bristol" },
];

/// make, world manufacturer identifier, model, body, fuel, new price in whole euros, trims.
pub(super) type ModelLine =
    (&'static str, &'static str, &'static str, &'static str, &'static str, i64, &'static [&'static str]);

pub(super) const CATALOG: &[ModelLine] = &[
    ("Volkswagen", "WVW", "Golf", "hatchback", "petrol", 31_000, &["Life", "Style", "R-Line", "GTI"]),
    ("Volkswagen", "WVG", "Tiguan", "suv", "diesel", 42_000, &["Life", "Elegance", "R-Line"]),
    ("Volkswagen", "WVW", "ID.3", "hatchback", "electric", 39_000, &["Pure", "Pro", "Pro S"]),
    ("Skoda", "TMB", "Octavia", "estate", "diesel", 33_000, &["SE", "SE L", "vRS"]),
    ("Skoda", "TMB", "Enyaq", "suv", "electric", 46_000, &["60", "85", "Sportline 85"]),
    ("Toyota", "JTD", "Yaris", "hatchback", "hybrid", 24_000, &["Icon", "Design", "GR Sport"]),
    ("Toyota", "JTM", "RAV4", "suv", "hybrid", 41_000, &["Icon", "Design", "Excel"]),
    ("Toyota", "JTD", "Corolla", "saloon", "hybrid", 31_000, &["Icon", "Design", "Excel"]),
    ("BMW", "WBA", "3 Series", "saloon", "petrol", 46_000, &["Sport", "M Sport", "M340i"]),
    ("BMW", "WBY", "i4", "saloon", "electric", 59_000, &["eDrive35", "eDrive40", "M50"]),
    ("BMW", "WBX", "X3", "suv", "diesel", 52_000, &["xLine", "M Sport"]),
    ("Ford", "WF0", "Puma", "suv", "petrol", 27_000, &["Titanium", "ST-Line", "ST"]),
    ("Ford", "WF0", "Focus", "hatchback", "petrol", 28_000, &["Titanium", "ST-Line X", "Active"]),
    ("Ford", "1FT", "Ranger", "pickup", "diesel", 44_000, &["XLT", "Wildtrak", "Raptor"]),
    ("Kia", "KNA", "Sportage", "suv", "hybrid", 36_000, &["2", "3", "GT-Line S"]),
    ("Kia", "KNA", "EV6", "suv", "electric", 48_000, &["Air", "GT-Line", "GT"]),
    ("Hyundai", "KMH", "Tucson", "suv", "hybrid", 37_000, &["Premium", "N Line", "Ultimate"]),
    ("Renault", "VF1", "Clio", "hatchback", "petrol", 21_000, &["Evolution", "Techno", "Esprit Alpine"]),
    ("Peugeot", "VF3", "3008", "suv", "hybrid", 38_000, &["Allure", "GT"]),
    ("Tesla", "5YJ", "Model 3", "saloon", "electric", 45_000, &["RWD", "Long Range", "Performance"]),
    ("Audi", "WAU", "A4", "estate", "diesel", 44_000, &["Sport", "S line", "Black Edition"]),
    ("Mercedes-Benz", "WDD", "C-Class", "saloon", "hybrid", 49_000, &["Sport", "AMG Line", "AMG Line Premium"]),
    ("Volvo", "YV1", "XC60", "suv", "hybrid", 54_000, &["Core", "Plus", "Ultimate"]),
    ("Nissan", "SJN", "Qashqai", "suv", "petrol", 30_000, &["Acenta Premium", "N-Connecta", "Tekna"]),
];

pub(super) const COLOURS: &[&str] = &[
    "Pure White",
    "Deep Black",
    "Moonstone Grey",
    "Reflex Silver",
    "Kings Red",
    "Atlantic Blue",
    "Racing Green",
    "Graphite",
];
pub(super) const FEATURES: &[&str] = &[
    "Adaptive cruise control",
    "Heated seats",
    "Apple CarPlay",
    "Android Auto",
    "Reversing camera",
    "Parking sensors",
    "LED headlights",
    "Panoramic roof",
    "Keyless entry",
    "Blind-spot monitor",
    "Heat pump",
    "Tow bar",
    "Head-up display",
];
/// ISO 3779 model-year codes for 2016..=2026.
pub(super) const YEAR_CODES: [(u16, char); 11] = [
    (2016, 'G'),
    (2017, 'H'),
    (2018, 'J'),
    (2019, 'K'),
    (2020, 'L'),
    (2021, 'M'),
    (2022, 'N'),
    (2023, 'P'),
    (2024, 'R'),
    (2025, 'S'),
    (2026, 'T'),
];
const VIN_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

pub struct DemoVehicle {
    pub id: String,
    pub vin: String,
    pub stock_number: String,
    pub make: &'static str,
    pub model: &'static str,
    pub year: u16,
    pub trim: &'static str,
    pub body: &'static str,
    pub fuel: &'static str,
    pub mileage_km: u32,
    pub colour: &'static str,
    pub price_cents: i64,
    pub features: Vec<&'static str>,
    pub location_id: &'static str,
    pub status: VehicleStatus,
}

pub(super) fn vin(rng: &mut ChaCha8Rng, wmi: &str, year_code: char, serial: usize) -> String {
    let mut chars: Vec<char> = wmi.chars().collect();
    for _ in 0..5 {
        chars.push(VIN_ALPHABET[rng.random_range(0..VIN_ALPHABET.len())] as char);
    }
    chars.push('0'); // check digit, filled in below
    chars.push(year_code);
    chars.push(VIN_ALPHABET[rng.random_range(0..23)] as char); // plant: a letter
                                                               // Six digits; callers pass disjoint serial ranges (stock, owned, sold) so VINs never collide.
    chars.extend(format!("{:06}", serial % 1_000_000).chars());
    let draft: String = chars.iter().collect();
    // The draft only uses the VIN alphabet and is 17 long, so a check digit always exists.
    chars[8] = check_digit(&draft).unwrap_or('0');
    chars.into_iter().collect()
}

fn status(rng: &mut ChaCha8Rng) -> VehicleStatus {
    match rng.random_range(0..100) {
        0..70 => VehicleStatus::Available,
        70..80 => VehicleStatus::Incoming,
        80..88 => VehicleStatus::Reserved,
        88..96 => VehicleStatus::Sold,
        96..98 => VehicleStatus::InService,
        _ => VehicleStatus::Archived,
    }
}

pub fn vehicles() -> Vec<DemoVehicle> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..VEHICLE_COUNT)
        .map(|i| {
            let &(make, wmi, model, body, fuel, new_price, trims) = CATALOG.choose(&mut rng).unwrap_or(&CATALOG[0]);
            let &(year, year_code) = YEAR_CODES.choose(&mut rng).unwrap_or(&YEAR_CODES[0]);
            let age = 2026u16.saturating_sub(year);
            let trim_index = rng.random_range(0..trims.len());
            let mileage_km =
                if age == 0 { rng.random_range(5..2_000) } else { u32::from(age) * rng.random_range(8_000..22_000) };
            // Roughly 12 % depreciation a year plus a premium for higher trims, rounded to €10.
            let value = new_price as f64 * 0.88f64.powi(i32::from(age)) * (1.0 + 0.07 * trim_index as f64);
            let price_cents = ((value / 10.0).round() as i64).max(50) * 10 * 100;
            let feature_count = rng.random_range(3..7);
            let mut features: Vec<&'static str> = FEATURES.choose_multiple(&mut rng, feature_count).copied().collect();
            features.sort_unstable();
            DemoVehicle {
                id: format!("veh-{:05}", i + 1),
                vin: vin(&mut rng, wmi, year_code, i),
                stock_number: format!("FC{:02}-{:04}", year % 100, 1000 + i),
                make,
                model,
                year,
                trim: trims[trim_index],
                body,
                fuel,
                mileage_km,
                colour: COLOURS.choose(&mut rng).copied().unwrap_or(COLOURS[0]),
                price_cents,
                features,
                location_id: LOCATIONS[i % LOCATIONS.len()].id,
                status: status(&mut rng),
            }
        })
        .collect()
}

/// Locations and stock as SQL.
pub fn write(out: &mut String) {
    let mut locations = Insert::into("locations", &["id", "name", "city"]);
    for location in &LOCATIONS {
        locations.row(vec![location.id.into(), location.name.into(), location.city.into()]);
    }
    locations.write_to(out);
    let mut stock = Insert::into("vehicles", VEHICLE_COLUMNS);
    for v in vehicles() {
        stock.row(vehicle_row(&v, "2026-11-01T09:00:00Z"));
    }
    stock.write_to(out);
}

pub const VEHICLE_COLUMNS: &[&str] = &[
    "id",
    "vin",
    "stock_number",
    "make",
    "model",
    "year",
    "trim",
    "body",
    "fuel",
    "mileage_km",
    "colour",
    "price_cents",
    "features",
    "location_id",
    "status",
    "version",
    "updated_at",
];

pub fn vehicle_row(v: &DemoVehicle, updated_at: &str) -> Vec<Value> {
    let features = serde_json::to_string(&v.features).unwrap_or_else(|_| "[]".into());
    vec![
        (&v.id).into(),
        (&v.vin).into(),
        (&v.stock_number).into(),
        v.make.into(),
        v.model.into(),
        i64::from(v.year).into(),
        v.trim.into(),
        v.body.into(),
        v.fuel.into(),
        v.mileage_km.into(),
        v.colour.into(),
        v.price_cents.into(),
        features.into(),
        v.location_id.into(),
        v.status.as_str().into(),
        1i64.into(),
        updated_at.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecourt_domain::Vin;
    use std::collections::HashSet;

    #[test]
    fn every_vin_is_valid_and_unique() {
        let vehicles = vehicles();
        let vins: HashSet<_> = vehicles.iter().map(|v| v.vin.clone()).collect();
        assert_eq!(vins.len(), VEHICLE_COUNT);
        assert!(vehicles.iter().all(|v| Vin::parse(&v.vin).is_ok()));
    }

    #[test]
    fn stock_spans_all_three_locations() {
        let locations: HashSet<_> = vehicles().iter().map(|v| v.location_id).collect();
        assert_eq!(locations.len(), 3);
    }

    #[test]
    fn generation_is_deterministic() {
        let (mut a, mut b) = (String::new(), String::new());
        write(&mut a);
        write(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn prices_are_plausible() {
        assert!(vehicles().iter().all(|v| (500_000..=10_000_000).contains(&v.price_cents)));
    }
}
