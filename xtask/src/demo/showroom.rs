//! Demo data of the showroom slice: the live lead-scoring model (and the scores of the demo
//! leads), customers who exist twice and wait to be merged, timelines across channels, and
//! notifications for the reps. (The demo kiosks and their tokens are in `workshop`.)

use super::people::{customer_id, CREATED_AT};
use super::sql::{Insert, Value};
use super::stock::LOCATIONS;
use chrono::NaiveDateTime;
use forecourt_domain::analytics::lead_scoring::{FeatureSet, LeadAtArrival, LeadModel, LeadSource};
use forecourt_domain::analytics::synthetic;
use forecourt_domain::customers::PreferredContact;
use forecourt_domain::showroom::intake::{contact_for_model, LeadTimeframe};
use std::sync::OnceLock;

/// Historical leads the demo model learns from (the analytics module's ground-truth generator).
const TRAINING_LEADS: usize = 4_000;
const TRAINING_SEED: u64 = 0x4c45_4144_5345_4544;

/// (id, name, email, phone, home location, the profile it duplicates)
pub type Duplicate =
    (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str, &'static str);

/// Profiles that are the same person as another one: found by phone written another way, or by
/// the same address in other capitals.
pub const DUPLICATES: &[Duplicate] = &[
    ("cus-90001", "Alex Morgan", Some("alex.morgan@work.example"), Some("07700 900000"), "loc-north", "cus-00001"),
    ("cus-90002", "S. Patel", Some("SAM@example.com"), None, "loc-city", "cus-00002"),
    ("cus-90003", "Jamie Smith", None, Some("+44 (0)7700 900003"), "loc-north", "cus-00004"),
];

pub fn model() -> &'static LeadModel {
    static MODEL: OnceLock<LeadModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        LeadModel::train(&synthetic::leads(TRAINING_LEADS, TRAINING_SEED), FeatureSet::arrival())
            .unwrap_or_else(|error| panic!("the demo lead model trains: {error}"))
    })
}

fn parse_enum<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// The score of a demo lead from its arrival-time columns: (probability, model version, reasons).
pub fn score_lead(source: &str, timeframe: &str, contact: &str, budget_max_cents: i64, created_at: &str) -> [Value; 3] {
    let (Some(source), Some(timeframe), Some(contact), Ok(arrived_at)) = (
        parse_enum::<LeadSource>(source),
        parse_enum::<LeadTimeframe>(timeframe),
        parse_enum::<PreferredContact>(contact),
        NaiveDateTime::parse_from_str(created_at, "%Y-%m-%dT%H:%M:%SZ"),
    ) else {
        return [Value::Null, Value::Null, Value::Null];
    };
    let arrival = LeadAtArrival {
        arrived_at,
        source,
        timeframe: timeframe.for_model(),
        contact: contact_for_model(contact),
        vehicle_price_cents: None,
        budget_max_cents: Some(budget_max_cents),
        returning_customer: false,
        prior_visits: 0,
        trade_in: false,
        finance_requested: false,
    };
    let score = model().score(&arrival);
    let reasons = serde_json::to_string(&score.contributions).unwrap_or_else(|_| "[]".into());
    [(score.probability.clamp(0.0, 1.0)).into(), score.model_version.into(), reasons.into()]
}

pub fn write(out: &mut String) {
    let mut models = Insert::into("lead_models", &["version", "model", "trained_at"]);
    let model = model();
    models.row(vec![
        model.version().into(),
        serde_json::to_string(model).unwrap_or_else(|_| "{}".into()).into(),
        CREATED_AT.into(),
    ]);
    models.write_to(out);

    let mut customers = Insert::into(
        "customers",
        &["id", "name", "email", "phone", "preferred_contact", "home_location_id", "created_at", "updated_at"],
    );
    let mut activity = Insert::into("customer_activity", &["customer_id", "channel", "kind", "detail", "at"]);
    for &(id, name, email, phone, home, same_as) in DUPLICATES {
        let contact = if email.is_some() { "email" } else { "phone" };
        customers.row(vec![
            id.into(),
            name.into(),
            email.into(),
            phone.into(),
            contact.into(),
            home.into(),
            "2026-09-12T10:15:00Z".into(),
            "2026-09-12T10:15:00Z".into(),
        ]);
        activity.row(vec![
            id.into(),
            "kiosk".into(),
            "visit".into(),
            format!(r#"{{"showroom":"shw-{}","note":"looks like {same_as}"}}"#, home.trim_start_matches("loc-")).into(),
            "2026-09-12T10:15:00Z".into(),
        ]);
    }
    customers.write_to(out);

    // A timeline from every channel for the first customers (Alex and Sam included).
    let events: &[(&str, &str, &str)] = &[
        ("web", "viewed_vehicle", r#"{"vehicle_id":"veh-00001"}"#),
        ("mobile", "saved_search", r#"{"make":"Volkswagen"}"#),
        ("kiosk", "compared", r#"{"vehicle_ids":["veh-00002","veh-00003"]}"#),
        ("showroom", "visit", r#"{"zone":"New cars"}"#),
        ("phone", "call", r#"{"minutes":6}"#),
        ("workshop", "service", r#"{"note":"annual service"}"#),
        ("email", "newsletter_opened", r#"{"campaign":"autumn"}"#),
    ];
    for n in 0..30 {
        for (k, (channel, kind, detail)) in events.iter().enumerate() {
            if (n + k) % 3 == 2 && n > 1 {
                continue;
            }
            let at = format!("2026-{:02}-{:02}T{:02}:{:02}:00Z", 3 + k, 1 + (n % 27), 9 + (k % 8), (n * 7) % 60);
            activity.row(vec![customer_id(n).into(), (*channel).into(), (*kind).into(), (*detail).into(), at.into()]);
        }
    }
    activity.write_to(out);

    let mut notifications =
        Insert::into("notifications", &["id", "user_id", "kind", "title", "body", "link", "read_at", "created_at"]);
    for (i, location) in LOCATIONS.iter().enumerate() {
        let rep = match location.id {
            "loc-north" => "usr-sales-north",
            "loc-city" => "usr-sales-city",
            _ => "usr-sales-south",
        };
        for k in 0..3 {
            let read = (k == 0).then_some("2026-10-30T09:00:00Z");
            notifications.row(vec![
                format!("ntf-demo-{i}{k}").into(),
                rep.into(),
                "lead_assigned".into(),
                "New lead assigned".into(),
                format!("A {} lead is waiting for you.", ["web", "kiosk", "walk-in"][k]).into(),
                Value::Null,
                read.into(),
                format!("2026-10-3{k}T08:0{i}:00Z").into(),
            ]);
        }
    }
    notifications.write_to(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_leads_get_a_score_with_reasons_from_the_stored_model() {
        let [score, version, reasons] = score_lead("referral", "now", "phone", 3_000_000, "2026-10-01T10:00:00Z");
        assert!(matches!(score, Value::Real(p) if (0.0..=1.0).contains(&p)));
        assert!(matches!(version, Value::Text(v) if v == model().version()));
        assert!(matches!(reasons, Value::Text(r) if r.contains("\"factor\"")));
    }

    #[test]
    fn the_stored_model_round_trips_through_json() {
        let text = serde_json::to_string(model()).expect("serialises");
        let back: LeadModel = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(back.version(), model().version());
    }

    #[test]
    fn duplicates_point_at_real_customers() {
        for duplicate in DUPLICATES {
            let n: usize = duplicate.5.trim_start_matches("cus-").parse().expect("numbered");
            assert!((1..=super::super::people::CUSTOMER_COUNT).contains(&n));
        }
    }
}
