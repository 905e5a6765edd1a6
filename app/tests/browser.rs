//! Browser tests: run in headless Chromium by `wasm-bindgen-test-runner`.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p forecourt-app --target wasm32-unknown-unknown`

use forecourt_app::live::backoff::{delay, nominal_delay, MAX_DELAY};
use forecourt_app::store::Store;
use forecourt_domain::{Cursor, Money, StockPage, StockQuery, Vehicle, VehicleStatus, Vin};
use std::time::Duration;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn vehicle(id: &str, price_cents: i64, version: i64) -> Vehicle {
    Vehicle {
        id: id.to_owned(),
        // Wikipedia's worked example of the check digit: a VIN the domain accepts.
        vin: Vin::parse("1M8GDM9AXKP042788").expect("valid VIN"),
        stock_number: format!("FN-{id}"),
        make: "Skoda".into(),
        model: "Octavia".into(),
        year: 2021,
        trim: "Style".into(),
        body: "estate".into(),
        fuel: "diesel".into(),
        mileage_km: 48_200,
        colour: "Moon White".into(),
        price: Money::from_cents(price_cents),
        features: vec!["Heated seats".into(), "Adaptive cruise control".into()],
        location_id: "loc-north".into(),
        location_name: "Forecourt North".into(),
        status: VehicleStatus::Available,
        // Above 2^53: proves versions survive storage exactly, not as a float.
        version,
        updated_at: "2025-11-20T09:30:00Z".into(),
    }
}

fn skoda_query() -> StockQuery {
    StockQuery::from_pairs([("make", "Skoda"), ("location", "loc-north")]).expect("valid query")
}

/// Each test gets its own database so tests never see each other's data.
async fn fresh_store(name: &str) -> Store {
    // A leftover database from an earlier run in the same browser profile would hide a bug.
    let _ = rexie::Rexie::delete(name).await;
    Store::open(name).await.expect("IndexedDB opens")
}

#[wasm_bindgen_test]
async fn a_saved_stock_page_reads_back_equal() {
    let store = fresh_store("forecourt-test-stock").await;
    let page = StockPage {
        items: vec![vehicle("veh-00001", 2_499_000, 3), vehicle("veh-00002", 1_899_000, 9_007_199_254_740_993)],
        next_cursor: Some(Cursor { after_id: "veh-00002".into() }),
    };
    store.save_stock_page(&skoda_query(), &page).await.expect("saved");

    let read = store.stock_page(&skoda_query()).await.expect("readable");

    assert_eq!(read, Some(page));
}

#[wasm_bindgen_test]
async fn stock_pages_are_kept_per_query() {
    let store = fresh_store("forecourt-test-per-query").await;
    let page = StockPage { items: vec![vehicle("veh-00001", 2_499_000, 1)], next_cursor: None };
    store.save_stock_page(&skoda_query(), &page).await.expect("saved");

    let other_query = StockQuery::from_pairs([("make", "Toyota")]).expect("valid query");

    assert_eq!(store.stock_page(&other_query).await.expect("readable"), None);
}

#[wasm_bindgen_test]
async fn saving_a_page_saves_its_vehicles_for_offline_detail_views() {
    let store = fresh_store("forecourt-test-vehicles").await;
    let octavia = vehicle("veh-00042", 2_150_000, 4);
    let page = StockPage { items: vec![octavia.clone()], next_cursor: None };
    store.save_stock_page(&skoda_query(), &page).await.expect("saved");

    assert_eq!(store.vehicle("veh-00042").await.expect("readable"), Some(octavia));
}

#[wasm_bindgen_test]
async fn a_newer_vehicle_replaces_the_saved_one() {
    let store = fresh_store("forecourt-test-replace").await;
    store.save_vehicle(&vehicle("veh-00007", 2_000_000, 1)).await.expect("saved");
    let repriced = vehicle("veh-00007", 1_950_000, 2);
    store.save_vehicle(&repriced).await.expect("saved again");

    assert_eq!(store.vehicle("veh-00007").await.expect("readable"), Some(repriced));
}

#[wasm_bindgen_test]
fn reconnect_backoff_doubles_from_one_second_to_a_thirty_second_ceiling() {
    let schedule: Vec<Duration> = (0..7).map(nominal_delay).collect();
    let seconds = |s: &[u64]| s.iter().map(|&s| Duration::from_secs(s)).collect::<Vec<_>>();
    assert_eq!(schedule, seconds(&[1, 2, 4, 8, 16, 30, 30]));
}

#[wasm_bindgen_test]
fn reconnect_jitter_stays_within_twenty_percent_and_under_the_ceiling() {
    for attempt in 0..10 {
        let nominal = nominal_delay(attempt);
        let lowest = delay(attempt, 0.0);
        let highest = delay(attempt, 0.999_999);
        assert_eq!(lowest, nominal.mul_f64(0.8), "attempt {attempt}");
        assert!(highest <= nominal.mul_f64(1.2) && highest <= MAX_DELAY, "attempt {attempt}: {highest:?}");
        assert!(lowest < highest || nominal == MAX_DELAY, "attempt {attempt}: jitter must spread retries");
    }
}

#[wasm_bindgen_test]
fn jitter_from_math_random_changes_the_delay() {
    let a = delay(2, 0.1);
    let b = delay(2, 0.9);
    assert!(a < b, "{a:?} vs {b:?}");
}
