//! Eighteen months of dealership history (May 2025 – October 2026), generated with the shapes
//! real dealers see, so forecasts, anomaly detection and lead scoring have something true to
//! learn from: weekly rhythm (busy Saturdays, quiet Sundays), the UK plate-change peaks in March
//! and September, a gentle upward trend, closed bank holidays, and a few labelled anomalies.

use super::people::{customer_id, CUSTOMER_COUNT};
use super::sql::{Insert, Value};
use super::stock::{vin, DemoVehicle, CATALOG, COLOURS, LOCATIONS, YEAR_CODES};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use forecourt_domain::VehicleStatus;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x0048_4953_544f_5259;
pub const FIRST_DAY: (i32, u32, u32) = (2025, 5, 1);
pub const LAST_DAY: (i32, u32, u32) = (2026, 10, 31);

/// Injected anomalies, kept as labels so detectors can be scored against the truth.
/// (metric, location, first day, last day, what happened, multiplier on the normal level)
pub const LABELLED_ANOMALIES: &[(&str, &str, &str, &str, &str, f64)] = &[
    ("daily_sales", "loc-city", "2026-06-08", "2026-06-14", "website outage: online leads stopped", 0.15),
    ("daily_sales", "loc-south", "2026-02-20", "2026-02-20", "fleet deal: eight cars to one company", 5.0),
    ("daily_leads", "loc-north", "2025-11-03", "2025-11-05", "duplicated marketplace feed", 3.5),
    ("daily_sales", "loc-north", "2026-08-17", "2026-08-23", "showroom refurbishment, half the stock hidden", 0.35),
];

fn day(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or(NaiveDate::MIN)
}

fn is_bank_holiday(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (12, 25) | (12, 26) | (1, 1))
        || [
            day((2025, 5, 5)),
            day((2025, 5, 26)),
            day((2025, 8, 25)),
            day((2026, 4, 3)),
            day((2026, 4, 6)),
            day((2026, 5, 4)),
            day((2026, 5, 25)),
            day((2026, 8, 31)),
        ]
        .contains(&date)
}

fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon | Weekday::Tue => 0.85,
        Weekday::Wed | Weekday::Thu => 1.0,
        Weekday::Fri => 1.2,
        Weekday::Sat => 1.7,
        Weekday::Sun => 0.45,
    }
}

/// March and September bring new registration plates in the UK: car sales peak.
fn month_factor(date: NaiveDate) -> f64 {
    match date.month() {
        3 => 1.6,
        9 => 1.45,
        8 => 0.8,
        12 => 0.7,
        1 => 0.85,
        _ => 1.0,
    }
}

fn anomaly_factor(metric: &str, location: &str, date: NaiveDate) -> f64 {
    LABELLED_ANOMALIES
        .iter()
        .filter(|a| a.0 == metric && a.1 == location)
        .filter(|a| {
            let from = NaiveDate::parse_from_str(a.2, "%Y-%m-%d").unwrap_or(NaiveDate::MAX);
            let to = NaiveDate::parse_from_str(a.3, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
            (from..=to).contains(&date)
        })
        .map(|a| a.5)
        .product()
}

/// Knuth's method: fine for the small rates of a day at one dealership.
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{}T{hour:02}:{minute:02}:00Z", date.format("%Y-%m-%d"))
}

fn sales_reps(location: &str) -> &'static [&'static str] {
    match location {
        "loc-north" => &["usr-sales-north", "usr-sales2-north"],
        "loc-city" => &["usr-sales-city"],
        _ => &["usr-sales-south"],
    }
}

fn workshop_staff(location: &str) -> (&'static str, &'static [&'static str]) {
    match location {
        "loc-north" => ("usr-advisor-north", &["usr-tech-north", "usr-tech2-north"]),
        "loc-city" => ("usr-advisor-city", &["usr-tech-city"]),
        _ => ("usr-advisor-south", &["usr-tech-south"]),
    }
}

const SOURCES: &[(&str, f64)] =
    &[("web", 0.10), ("phone", 0.20), ("walk_in", 0.34), ("kiosk", 0.18), ("referral", 0.30), ("marketplace", 0.07)];
const TIMEFRAMES: &[(&str, f64)] =
    &[("now", 1.7), ("1_month", 1.3), ("3_months", 0.9), ("6_months", 0.6), ("browsing", 0.25)];
const LOST_REASONS: &[&str] =
    &["bought elsewhere", "price", "finance declined", "no response", "changed mind", "part-exchange value"];
const COMPLAINTS: &[(&str, &str, f64, i64)] = &[
    ("Annual service", "Service: oil and filters", 1.5, 9_500),
    ("Brakes squeal", "Replace front pads and discs", 2.0, 9_500),
    ("Warning light on", "Diagnose engine management light", 1.0, 9_500),
    ("MOT test", "MOT inspection", 0.75, 5_485),
    ("Air conditioning weak", "Air-con regas", 0.8, 9_500),
    ("Tyre wear", "Replace two tyres and align", 1.2, 9_500),
    ("Battery flat", "Test and replace 12 V battery", 0.6, 9_500),
];
const PARTS: &[(&str, &str, i64)] = &[
    ("OIL-5W30-5L", "Engine oil 5W-30, 5 l", 4_200),
    ("FLT-OIL", "Oil filter", 1_150),
    ("BRK-PAD-F", "Front brake pads", 6_400),
    ("BRK-DSC-F", "Front brake disc", 8_900),
    ("TYR-205-55-16", "Tyre 205/55 R16", 9_800),
    ("BAT-70AH", "12 V battery 70 Ah", 13_900),
    ("AC-GAS-R1234", "Refrigerant R1234yf, 500 g", 7_500),
    ("FLT-CABIN", "Cabin filter", 1_900),
    ("WPR-SET", "Wiper blade set", 2_400),
    ("BLB-H7", "Headlight bulb H7", 900),
];

pub fn write(out: &mut String) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (first, last) = (day(FIRST_DAY), day(LAST_DAY));

    let mut labels = Insert::into("labelled_anomalies", &["metric", "location_id", "first_day", "last_day", "label"]);
    for (metric, location, from, to, label, _) in LABELLED_ANOMALIES {
        labels.row(vec![(*metric).into(), (*location).into(), (*from).into(), (*to).into(), (*label).into()]);
    }
    labels.write_to(out);

    // Reference tree and maintenance intervals for every model line in the catalogue.
    let mut makes = Insert::into("makes", &["id", "name"]);
    let mut models = Insert::into("models", &["id", "make_id", "name"]);
    let mut intervals = Insert::into(
        "maintenance_intervals",
        &["id", "model_id", "year_from", "year_to", "service", "every_km", "every_months"],
    );
    let mut seen_makes = std::collections::BTreeSet::new();
    for &(make, _, model, _, fuel, _, _) in CATALOG {
        let make_id = format!("mk-{}", slug(make));
        if seen_makes.insert(make) {
            makes.row(vec![make_id.clone().into(), make.into()]);
        }
        let model_id = format!("md-{}-{}", slug(make), slug(model));
        models.row(vec![model_id.clone().into(), make_id.into(), model.into()]);
        let services: &[(&str, Option<i64>, Option<i64>)] = if fuel == "electric" {
            &[
                ("EV health check", None, Some(12)),
                ("Brake fluid", None, Some(24)),
                ("Cabin filter", Some(30_000), Some(24)),
            ]
        } else {
            &[
                ("Oil service", Some(15_000), Some(12)),
                ("Major service", Some(30_000), Some(24)),
                ("Brake fluid", None, Some(24)),
            ]
        };
        for (service, km, months) in services {
            intervals.row(vec![
                format!("int-{}-{}", model_id.trim_start_matches("md-"), slug(service)).into(),
                model_id.clone().into(),
                2016i64.into(),
                2026i64.into(),
                (*service).into(),
                (*km).into(),
                (*months).into(),
            ]);
        }
    }
    makes.write_to(out);
    models.write_to(out);
    intervals.write_to(out);

    // Parts stock per location; a few below their reorder threshold so the alert has work.
    let mut parts = Insert::into(
        "parts",
        &["id", "location_id", "sku", "name", "quantity_on_hand", "reorder_threshold", "unit_price_cents"],
    );
    for location in &LOCATIONS {
        for (i, (sku, name, price)) in PARTS.iter().enumerate() {
            let quantity = if i % 4 == 3 { 2 } else { rng.random_range(8..60) };
            parts.row(vec![
                format!("prt-{}-{}", location.id.trim_start_matches("loc-"), slug(sku)).into(),
                location.id.into(),
                (*sku).into(),
                (*name).into(),
                i64::from(quantity).into(),
                5i64.into(),
                (*price).into(),
            ]);
        }
    }
    parts.write_to(out);

    let mut canned = Insert::into("canned_jobs", &["id", "name", "operation", "hours", "parts", "price_cents"]);
    for (i, (complaint, operation, hours, rate)) in COMPLAINTS.iter().enumerate() {
        canned.row(vec![
            format!("cj-{}", i + 1).into(),
            (*complaint).into(),
            (*operation).into(),
            (*hours).into(),
            format!("[\"{}\"]", PARTS[i % PARTS.len()].0).into(),
            ((*hours * *rate as f64) as i64 + PARTS[i % PARTS.len()].2).into(),
        ]);
    }
    canned.write_to(out);

    // Customers' own cars.
    let mut owned = Insert::into(
        "owned_vehicles",
        &[
            "id",
            "customer_id",
            "vin",
            "make",
            "model",
            "year",
            "registration",
            "first_registered",
            "mileage_km",
            "mileage_at",
        ],
    );
    let owned_count = CUSTOMER_COUNT + CUSTOMER_COUNT / 4;
    for n in 0..owned_count {
        let &(make, wmi, model, _, _, _, _) = CATALOG.choose(&mut rng).unwrap_or(&CATALOG[0]);
        let &(year, code) = YEAR_CODES[..8].choose(&mut rng).unwrap_or(&YEAR_CODES[0]);
        let registered = NaiveDate::from_ymd_opt(i32::from(year), rng.random_range(1..=12), 1).unwrap_or(first);
        let age_days = (last - registered).num_days().max(1);
        let mileage = (age_days as f64 * rng.random_range(20.0..55.0)) as i64;
        owned.row(vec![
            format!("own-{:05}", n + 1).into(),
            customer_id(n % CUSTOMER_COUNT).into(),
            vin(&mut rng, wmi, code, 500_000 + n).into(),
            make.into(),
            model.into(),
            i64::from(year).into(),
            format!(
                "{}{:02} {}",
                ["LS", "MA", "BR", "YK", "WD"][n % 5],
                year % 100,
                ["ABC", "XYZ", "KLM", "PQR"][n % 4]
            )
            .into(),
            registered.format("%Y-%m-%d").to_string().into(),
            mileage.into(),
            at(last, 9, 0).into(),
        ]);
    }
    owned.write_to(out);

    let mut sold = Insert::into("vehicles", super::stock::VEHICLE_COLUMNS);
    let mut sales = Insert::into(
        "sales",
        &["id", "vehicle_id", "location_id", "customer_id", "rep_id", "model_line", "price_cents", "sold_at"],
    );
    let mut leads = Insert::into(
        "leads",
        &[
            "id",
            "customer_id",
            "location_id",
            "source",
            "budget_min_cents",
            "budget_max_cents",
            "timeframe",
            "preferred_contact",
            "status",
            "lost_reason",
            "assigned_rep_id",
            "assigned_at",
            "first_response_at",
            "created_at",
            "updated_at",
            "score",
            "score_model",
            "score_reasons",
        ],
    );
    let mut lead_history =
        Insert::into("lead_history", &["lead_id", "from_status", "to_status", "actor_id", "note", "at"]);
    let mut orders = Insert::into(
        "work_orders",
        &[
            "id",
            "location_id",
            "owned_vehicle_id",
            "customer_id",
            "advisor_id",
            "technician_id",
            "bay_id",
            "mileage_in",
            "complaint",
            "status",
            "created_at",
            "updated_at",
        ],
    );
    let mut labour =
        Insert::into("work_order_labour", &["id", "work_order_id", "operation", "hours", "rate_cents", "approval"]);
    let mut used_parts = Insert::into(
        "work_order_parts",
        &["id", "work_order_id", "part_id", "quantity", "unit_price_cents", "approval"],
    );
    let mut order_history =
        Insert::into("work_order_history", &["work_order_id", "from_status", "to_status", "actor_id", "note", "at"]);
    let mut clocks =
        Insert::into("technician_clocks", &["id", "technician_id", "work_order_id", "kind", "started_at", "ended_at"]);

    let (mut sale_n, mut lead_n, mut order_n) = (0usize, 0usize, 0usize);
    let mut date = first;
    while date <= last {
        let open = !is_bank_holiday(date);
        let trend = 1.0 + 0.06 * (date - first).num_days() as f64 / 365.0;
        for (loc_index, location) in LOCATIONS.iter().enumerate() {
            if !open {
                continue;
            }
            let base = [1.5, 2.1, 1.1][loc_index];
            let seasonal = weekday_factor(date) * month_factor(date) * trend;

            // Sales, each a vehicle leaving stock.
            let sales_today = poisson(&mut rng, base * seasonal * anomaly_factor("daily_sales", location.id, date));
            for _ in 0..sales_today {
                sale_n += 1;
                let &(make, wmi, model, body, fuel, new_price, trims) = CATALOG.choose(&mut rng).unwrap_or(&CATALOG[0]);
                let age = rng.random_range(0..6u16);
                let year = (date.year() as u16).saturating_sub(age).clamp(2016, 2026);
                let code = YEAR_CODES.iter().find(|(y, _)| *y == year).map(|(_, c)| *c).unwrap_or('G');
                let price = ((new_price as f64 * 0.88f64.powi(i32::from(age)) / 10.0).round() as i64).max(50) * 1_000;
                let vehicle = DemoVehicle {
                    id: format!("veh-s{sale_n:05}"),
                    vin: vin(&mut rng, wmi, code, 700_000 + sale_n),
                    stock_number: format!("FS{:02}-{sale_n:05}", year % 100),
                    make,
                    model,
                    year,
                    trim: trims[rng.random_range(0..trims.len())],
                    body,
                    fuel,
                    mileage_km: u32::from(age) * rng.random_range(8_000..20_000),
                    colour: COLOURS.choose(&mut rng).copied().unwrap_or(COLOURS[0]),
                    price_cents: price,
                    features: vec![],
                    location_id: location.id,
                    status: VehicleStatus::Sold,
                };
                let sold_at = at(date, rng.random_range(9..18), rng.random_range(0..60));
                sold.row(super::stock::vehicle_row(&vehicle, &sold_at));
                sales.row(vec![
                    format!("sale-{sale_n:05}").into(),
                    vehicle.id.clone().into(),
                    location.id.into(),
                    customer_id(rng.random_range(0..CUSTOMER_COUNT)).into(),
                    sales_reps(location.id).choose(&mut rng).copied().unwrap_or("usr-sales-north").into(),
                    format!("{make} {model}").into(),
                    price.into(),
                    sold_at.into(),
                ]);
            }

            // Leads: conversion depends only on what is known when the lead arrives.
            let leads_today =
                poisson(&mut rng, 3.2 * base * seasonal * anomaly_factor("daily_leads", location.id, date));
            for _ in 0..leads_today {
                lead_n += 1;
                let &(source, source_rate) = SOURCES.choose(&mut rng).unwrap_or(&SOURCES[0]);
                let &(timeframe, timeframe_factor) = TIMEFRAMES.choose(&mut rng).unwrap_or(&TIMEFRAMES[0]);
                let budget_min = rng.random_range(8..40) * 100_000i64;
                let budget_max = budget_min + rng.random_range(2..15) * 100_000;
                let contact = ["email", "phone", "sms", "whatsapp"][rng.random_range(0..4)];
                let created = at(date, rng.random_range(8..20), rng.random_range(0..60));
                let rep = sales_reps(location.id).choose(&mut rng).copied().unwrap_or("usr-sales-north");
                let response_minutes = rng.random_range(2..90);
                let responded = (date.and_hms_opt(12, 0, 0).unwrap_or_default() + Duration::minutes(response_minutes))
                    .format("%Y-%m-%dT%H:%M:00Z")
                    .to_string();
                let age_days = (last - date).num_days();
                let p_win =
                    (source_rate * timeframe_factor * if response_minutes <= 15 { 1.25 } else { 0.9 }).min(0.95);
                let (status, reason) = if age_days > 30 {
                    if rng.random::<f64>() < p_win {
                        ("won", None)
                    } else {
                        ("lost", LOST_REASONS.choose(&mut rng).copied())
                    }
                } else {
                    (["new", "contacted", "qualified", "test_drive", "negotiation"][rng.random_range(0..5)], None)
                };
                let id = format!("lead-{lead_n:05}");
                let updated = at(date + Duration::days(age_days.min(21)), 16, 0);
                let score = super::showroom::score_lead(source, timeframe, contact, budget_max, &created);
                leads.row(
                    vec![
                        id.clone().into(),
                        customer_id(rng.random_range(0..CUSTOMER_COUNT)).into(),
                        location.id.into(),
                        source.into(),
                        budget_min.into(),
                        budget_max.into(),
                        timeframe.into(),
                        contact.into(),
                        status.into(),
                        reason.into(),
                        rep.into(),
                        created.clone().into(),
                        (status != "new").then(|| responded.clone()).into(),
                        created.clone().into(),
                        updated.clone().into(),
                    ]
                    .into_iter()
                    .chain(score)
                    .collect(),
                );
                lead_history.row(vec![
                    id.clone().into(),
                    Value::Null,
                    "new".into(),
                    Value::Null,
                    format!("from {source}").into(),
                    created.into(),
                ]);
                if status != "new" {
                    lead_history.row(vec![
                        id.into(),
                        "new".into(),
                        status.into(),
                        rep.into(),
                        reason.into(),
                        updated.into(),
                    ]);
                }
            }

            // Workshop: weekdays and Saturday mornings.
            if date.weekday() == Weekday::Sun {
                continue;
            }
            let jobs =
                poisson(&mut rng, [4.5, 5.5, 3.5][loc_index] * if date.weekday() == Weekday::Sat { 0.5 } else { 1.0 });
            let (advisor, technicians) = workshop_staff(location.id);
            for job in 0..jobs {
                order_n += 1;
                let id = format!("wo-{order_n:05}");
                let owned_index = rng.random_range(0..owned_count);
                let (complaint, operation, hours, rate) = COMPLAINTS[rng.random_range(0..COMPLAINTS.len())];
                let technician = technicians.choose(&mut rng).copied().unwrap_or(technicians[0]);
                let start = 8 + (job % 8);
                let created = at(date, start, 0);
                let done = at(date, (start + 1 + hours.ceil() as u32).min(19), 30);
                orders.row(vec![
                    id.clone().into(),
                    location.id.into(),
                    format!("own-{:05}", owned_index + 1).into(),
                    customer_id(owned_index % CUSTOMER_COUNT).into(),
                    advisor.into(),
                    technician.into(),
                    format!("bay-{}-{}", location.id.trim_start_matches("loc-"), job % 6 + 1).into(),
                    i64::from(rng.random_range(5_000..140_000u32)).into(),
                    complaint.into(),
                    "collected".into(),
                    created.clone().into(),
                    done.clone().into(),
                ]);
                labour.row(vec![
                    format!("{id}-l1").into(),
                    id.clone().into(),
                    operation.into(),
                    hours.into(),
                    rate.into(),
                    "approved".into(),
                ]);
                let (sku, _, price) = PARTS[rng.random_range(0..PARTS.len())];
                used_parts.row(vec![
                    format!("{id}-p1").into(),
                    id.clone().into(),
                    format!("prt-{}-{}", location.id.trim_start_matches("loc-"), slug(sku)).into(),
                    i64::from(rng.random_range(1..3u32)).into(),
                    price.into(),
                    "approved".into(),
                ]);
                order_history.row(vec![
                    id.clone().into(),
                    Value::Null,
                    "booked".into(),
                    advisor.into(),
                    Value::Null,
                    created.clone().into(),
                ]);
                order_history.row(vec![
                    id.clone().into(),
                    "ready".into(),
                    "collected".into(),
                    advisor.into(),
                    "imported history".into(),
                    done.clone().into(),
                ]);
                // Actual time on the job varies around the billed hours: efficiency is real data.
                let actual_minutes = (hours * 60.0 * rng.random_range(0.7..1.4)) as i64;
                let job_start = date.and_hms_opt(start, 10, 0).unwrap_or_default();
                clocks.row(vec![
                    format!("clk-{id}").into(),
                    technician.into(),
                    id.into(),
                    "job".into(),
                    job_start.format("%Y-%m-%dT%H:%M:00Z").to_string().into(),
                    (job_start + Duration::minutes(actual_minutes.max(5)))
                        .format("%Y-%m-%dT%H:%M:00Z")
                        .to_string()
                        .into(),
                ]);
            }
        }
        date += Duration::days(1);
    }
    // Today's workshop: open jobs in every state, two of them Alex's (the demo customer), so
    // the board, the technicians' lists and the customer's live tracker have something to show.
    let open_states =
        ["booked", "checked_in", "diagnosing", "awaiting_approval", "in_progress", "quality_check", "ready"];
    for (n, status) in open_states.iter().cycle().take(14).enumerate() {
        let location = &LOCATIONS[n % 2];
        let (advisor, technicians) = workshop_staff(location.id);
        let id = format!("wo-open-{:02}", n + 1);
        let owned_index = if n < 2 { 0 } else { 20 + n * 7 };
        let (complaint, operation, hours, rate) = COMPLAINTS[n % COMPLAINTS.len()];
        let created = at(last, 8, (n * 4) as u32);
        orders.row(vec![
            id.clone().into(),
            location.id.into(),
            format!("own-{:05}", owned_index + 1).into(),
            customer_id(owned_index % CUSTOMER_COUNT).into(),
            advisor.into(),
            technicians[n % technicians.len()].into(),
            format!("bay-{}-{}", location.id.trim_start_matches("loc-"), n % 6 + 1).into(),
            i64::from(30_000 + n as u32 * 1_000).into(),
            complaint.into(),
            (*status).into(),
            created.clone().into(),
            created.clone().into(),
        ]);
        labour.row(vec![
            format!("{id}-l1").into(),
            id.clone().into(),
            operation.into(),
            hours.into(),
            rate.into(),
            "approved".into(),
        ]);
        order_history.row(vec![
            id.into(),
            Value::Null,
            (*status).into(),
            advisor.into(),
            "opened today".into(),
            created.into(),
        ]);
    }

    for insert in [&sold, &sales, &leads, &lead_history, &orders, &labour, &used_parts, &order_history, &clocks] {
        insert.write_to(out);
    }
}

fn slug(text: &str) -> String {
    text.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_covers_eighteen_months() {
        assert_eq!((day(LAST_DAY) - day(FIRST_DAY)).num_days() + 1, 549);
    }

    #[test]
    fn saturdays_outsell_sundays_and_march_outsells_august() {
        let saturday = day((2026, 3, 14));
        let sunday = day((2026, 3, 15));
        assert!(weekday_factor(saturday) > 3.0 * weekday_factor(sunday));
        assert!(month_factor(saturday) > month_factor(day((2026, 8, 10))));
    }

    #[test]
    fn labelled_anomalies_change_the_level_only_inside_their_window() {
        assert_eq!(anomaly_factor("daily_sales", "loc-city", day((2026, 6, 10))), 0.15);
        assert_eq!(anomaly_factor("daily_sales", "loc-city", day((2026, 6, 15))), 1.0);
        assert_eq!(anomaly_factor("daily_sales", "loc-north", day((2026, 6, 10))), 1.0);
    }

    #[test]
    fn the_history_is_the_same_every_time() {
        let (mut a, mut b) = (String::new(), String::new());
        write(&mut a);
        write(&mut b);
        assert_eq!(a, b);
        assert!(a.contains("INSERT OR IGNORE INTO sales"));
    }
}
