//! Browser tests: run in headless Chromium by `wasm-bindgen-test-runner`.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p forecourt-app --target wasm32-unknown-unknown`

use forecourt_app::api::workshop::{TransitionBody, WorkOrder, WorkOrderSummary};
use forecourt_app::live::backoff::{delay, nominal_delay, MAX_DELAY};
use forecourt_app::store::Store;
use forecourt_app::sync::{Change, Mutation, MutationState};
use forecourt_domain::workshop::work_order::WorkOrderStatus;
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

fn summary(id: &str, status: WorkOrderStatus, version: i64) -> WorkOrderSummary {
    WorkOrderSummary {
        id: id.into(),
        location_id: "loc-north".into(),
        customer_id: "cus-00001".into(),
        owned_vehicle_id: "ov-00001".into(),
        advisor_id: Some("usr-advisor-north".into()),
        technician_id: Some("usr-tech-north".into()),
        bay_id: None,
        mileage_in: 42_000,
        complaint: "Brakes squeal".into(),
        status,
        version,
        created_at: "2026-11-23T08:00:00Z".into(),
        updated_at: "2026-11-23T08:00:00Z".into(),
    }
}

fn order(id: &str, status: WorkOrderStatus, version: i64) -> WorkOrder {
    WorkOrder {
        summary: summary(id, status, version),
        labour: vec![],
        parts: vec![],
        totals: None,
        history: vec![],
        diagnostic_codes: vec![],
        inspection: vec![],
    }
}

fn transition(key: &str, order_id: &str, to: WorkOrderStatus, expected_version: i64) -> Mutation {
    Mutation {
        idempotency_key: key.into(),
        user_id: "usr-advisor-north".into(),
        created_at_ms: 0.0,
        change: Change::WorkOrderTransition {
            work_order_id: order_id.into(),
            body: TransitionBody { to, note: Some(format!("note {key}")), expected_version },
        },
        state: MutationState::Pending,
    }
}

#[wasm_bindgen_test]
async fn the_outbox_keeps_changes_in_the_order_they_were_made_across_a_reopen() {
    let name = "forecourt-test-outbox-order";
    let store = fresh_store(name).await;
    for (n, key) in ["c", "a", "b"].iter().enumerate() {
        store.enqueue(&transition(key, "wo-1", WorkOrderStatus::CheckedIn, n as i64)).await.expect("queued");
    }
    // Closing the tab closes the connection; the next visit opens the same database.
    store.close();
    let reopened = Store::open(name).await.expect("reopens");

    let keys: Vec<String> =
        reopened.queued().await.expect("readable").into_iter().map(|q| q.mutation.idempotency_key).collect();

    assert_eq!(keys, ["c", "a", "b"]);
}

#[wasm_bindgen_test]
async fn a_conflict_is_recorded_in_place_without_losing_its_turn() {
    let store = fresh_store("forecourt-test-outbox-conflict").await;
    store.enqueue(&transition("first", "wo-1", WorkOrderStatus::InProgress, 3)).await.expect("queued");
    store.enqueue(&transition("second", "wo-2", WorkOrderStatus::Ready, 7)).await.expect("queued");
    let first = store.queued().await.expect("readable").remove(0);
    let theirs = summary("wo-1", WorkOrderStatus::AwaitingApproval, 4);
    let conflicted = Mutation { state: MutationState::Conflict { current: theirs.clone() }, ..first.mutation.clone() };

    store.update_queued(first.key, &conflicted).await.expect("updated");

    let queue = store.queued().await.expect("readable");
    assert_eq!(queue[0].mutation.state, MutationState::Conflict { current: theirs });
    assert_eq!(queue[1].mutation.idempotency_key, "second");
}

#[wasm_bindgen_test]
async fn a_delivered_change_leaves_the_outbox_and_its_answer_is_saved() {
    let store = fresh_store("forecourt-test-outbox-settle").await;
    let key = store.enqueue(&transition("only", "wo-7", WorkOrderStatus::QualityCheck, 2)).await.expect("queued");
    let answer = order("wo-7", WorkOrderStatus::QualityCheck, 3);

    store.settle(key, Some(&answer)).await.expect("settled");

    assert!(store.queued().await.expect("readable").is_empty());
    assert_eq!(store.work_order("wo-7").await.expect("readable"), Some(answer));
}

#[wasm_bindgen_test]
async fn signing_out_forgets_saved_work_but_keeps_unsent_changes() {
    let store = fresh_store("forecourt-test-forget").await;
    store.save_work_order(&order("wo-9", WorkOrderStatus::Booked, 1)).await.expect("saved");
    store.save_list("work-orders:usr-1", &vec![summary("wo-9", WorkOrderStatus::Booked, 1)]).await.expect("saved");
    store.enqueue(&transition("unsent", "wo-9", WorkOrderStatus::CheckedIn, 1)).await.expect("queued");

    store.forget_personal().await.expect("forgotten");

    assert_eq!(store.work_order("wo-9").await.expect("readable"), None);
    assert_eq!(store.list::<Vec<WorkOrderSummary>>("work-orders:usr-1").await.expect("readable"), None);
    assert_eq!(store.queued().await.expect("readable").len(), 1);
}
