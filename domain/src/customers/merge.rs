//! Merging duplicate customer profiles: one person who booked on the web, walked in and used the
//! kiosk ends up as one profile with everything they did, and the duplicate points at it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Every record that belongs to a customer, as (table, column). A merge moves all of them to
/// the survivor in one transaction; a table missing here would leave rows on the duplicate.
pub const OWNED_RECORDS: &[(&str, &str)] = &[
    ("leads", "customer_id"),
    ("test_drives", "customer_id"),
    ("owned_vehicles", "customer_id"),
    ("customer_activity", "customer_id"),
    ("work_orders", "customer_id"),
    ("appointments", "customer_id"),
    ("sales", "customer_id"),
    ("users", "customer_id"),
];

/// What a merge needs to know about a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileFacts {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub consent_marketing: bool,
    pub consent_updated_at: Option<String>,
    pub high_value: bool,
    pub home_location_id: Option<String>,
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MergeError {
    #[error("a profile cannot be merged into itself")]
    SameProfile,
    #[error("profile {0} was already merged; merge into the profile it was merged into")]
    AlreadyMerged(String),
}

/// The survivor after the merge: its own data first, the duplicate's where it had none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergePlan {
    pub survivor_id: String,
    pub duplicate_id: String,
    pub survivor_after: ProfileFacts,
    pub moves: Vec<(&'static str, &'static str)>,
}

/// Plans merging `duplicate` into `survivor`.
///
/// Consent follows the most recent decision the person made (withdrawing consent on one channel
/// must not be undone by an older "yes" on another); high value sticks if either profile had it.
pub fn plan(survivor: &ProfileFacts, duplicate: &ProfileFacts) -> Result<MergePlan, MergeError> {
    if survivor.id == duplicate.id {
        return Err(MergeError::SameProfile);
    }
    for profile in [survivor, duplicate] {
        if profile.merged_into.is_some() {
            return Err(MergeError::AlreadyMerged(profile.id.clone()));
        }
    }
    let mut after = survivor.clone();
    after.email = survivor.email.clone().or_else(|| duplicate.email.clone());
    after.phone = survivor.phone.clone().or_else(|| duplicate.phone.clone());
    after.home_location_id = survivor.home_location_id.clone().or_else(|| duplicate.home_location_id.clone());
    after.high_value = survivor.high_value || duplicate.high_value;
    if duplicate.consent_updated_at > survivor.consent_updated_at {
        after.consent_marketing = duplicate.consent_marketing;
        after.consent_updated_at = duplicate.consent_updated_at.clone();
    }
    Ok(MergePlan {
        survivor_id: survivor.id.clone(),
        duplicate_id: duplicate.id.clone(),
        survivor_after: after,
        moves: OWNED_RECORDS.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str) -> ProfileFacts {
        ProfileFacts {
            id: id.into(),
            name: "Alex Morgan".into(),
            email: None,
            phone: None,
            consent_marketing: false,
            consent_updated_at: None,
            high_value: false,
            home_location_id: None,
            merged_into: None,
        }
    }

    #[test]
    fn a_profile_is_never_merged_into_itself() {
        assert_eq!(plan(&profile("a"), &profile("a")), Err(MergeError::SameProfile));
    }

    #[test]
    fn merged_profiles_take_no_part_in_another_merge() {
        let mut gone = profile("b");
        gone.merged_into = Some("c".into());
        assert_eq!(plan(&profile("a"), &gone), Err(MergeError::AlreadyMerged("b".into())));
        assert_eq!(plan(&gone, &profile("a")), Err(MergeError::AlreadyMerged("b".into())));
    }

    #[test]
    fn the_survivor_keeps_its_data_and_fills_gaps_from_the_duplicate() {
        let mut survivor = profile("a");
        survivor.email = Some("alex@example.com".into());
        let mut duplicate = profile("b");
        duplicate.email = Some("old@example.com".into());
        duplicate.phone = Some("+447700900001".into());
        duplicate.high_value = true;
        let after = plan(&survivor, &duplicate).map(|p| p.survivor_after);
        let after = after.as_ref().ok();
        assert_eq!(after.and_then(|a| a.email.as_deref()), Some("alex@example.com"));
        assert_eq!(after.and_then(|a| a.phone.as_deref()), Some("+447700900001"));
        assert_eq!(after.map(|a| a.high_value), Some(true));
    }

    #[test]
    fn the_latest_consent_decision_wins() {
        let mut survivor = profile("a");
        survivor.consent_marketing = true;
        survivor.consent_updated_at = Some("2026-01-01T00:00:00Z".into());
        let mut duplicate = profile("b");
        duplicate.consent_marketing = false;
        duplicate.consent_updated_at = Some("2026-06-01T00:00:00Z".into());
        assert_eq!(plan(&survivor, &duplicate).map(|p| p.survivor_after.consent_marketing), Ok(false));
        assert_eq!(plan(&duplicate, &survivor).map(|p| p.survivor_after.consent_marketing), Ok(false));
    }

    #[test]
    fn every_customer_owned_table_moves() {
        let moves = plan(&profile("a"), &profile("b")).map(|p| p.moves).unwrap_or_default();
        for table in ["leads", "test_drives", "owned_vehicles", "customer_activity", "work_orders", "appointments"] {
            assert!(moves.iter().any(|(t, c)| *t == table && *c == "customer_id"), "{table}");
        }
    }
}
