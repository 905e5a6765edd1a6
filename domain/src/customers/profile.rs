//! Changes to a customer profile: contact data, consent and preferences, validated and
//! normalised before anything is written.

use super::contact::{parse_name, ContactError, Email, Phone};
use super::PreferredContact;
use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

/// Preferences are a small JSON object of the customer's choices, not a document store.
pub const MAX_PREFERENCES_BYTES: usize = 4 * 1024;

/// `PATCH /api/customers/{id}`: every field optional except the version read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(default)]
    pub name: Option<String>,
    /// `Some(None)` (JSON `null`) removes the address.
    #[serde(default, with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub preferred_contact: Option<PreferredContact>,
    #[serde(default)]
    pub consent_marketing: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub preferences: Option<Map<String, Value>>,
    pub expected_version: i64,
}

mod nullable {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct ProfileError {
    pub field: &'static str,
    pub reason: String,
}

impl ProfileError {
    fn new(field: &'static str, reason: impl ToString) -> Self {
        Self { field, reason: reason.to_string() }
    }
}

/// The profile as stored, the part a patch can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditableProfile {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_contact: PreferredContact,
    pub consent_marketing: bool,
    /// JSON object text.
    pub preferences: String,
}

/// Applies `patch` to `current`: the new values, normalised, or the first field at fault.
/// A profile must stay reachable by the contact method it prefers.
pub fn apply(current: &EditableProfile, patch: &ProfilePatch) -> Result<EditableProfile, ProfileError> {
    let mut next = current.clone();
    if let Some(name) = &patch.name {
        next.name = parse_name(name).map_err(|e| ProfileError::new("name", e))?;
    }
    if let Some(email) = &patch.email {
        next.email = match email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(raw) => Some(Email::parse(raw).map_err(|e| ProfileError::new("email", e))?.as_str().to_owned()),
            None => None,
        };
    }
    if let Some(phone) = &patch.phone {
        next.phone = match phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => Some(Phone::parse(raw).map_err(|e| ProfileError::new("phone", e))?.as_str().to_owned()),
            None => None,
        };
    }
    if let Some(contact) = patch.preferred_contact {
        next.preferred_contact = contact;
    }
    if let Some(consent) = patch.consent_marketing {
        next.consent_marketing = consent;
    }
    if let Some(preferences) = &patch.preferences {
        let text = serde_json::to_string(preferences).map_err(|e| ProfileError::new("preferences", e))?;
        if text.len() > MAX_PREFERENCES_BYTES {
            return Err(ProfileError::new("preferences", format!("at most {MAX_PREFERENCES_BYTES} bytes of JSON")));
        }
        next.preferences = text;
    }
    if next.email.is_none() && next.phone.is_none() {
        return Err(ProfileError::new("email", ContactError::NoWayToReach));
    }
    let reachable = match next.preferred_contact {
        PreferredContact::Email => next.email.is_some(),
        PreferredContact::Phone | PreferredContact::Sms | PreferredContact::Whatsapp => next.phone.is_some(),
    };
    if !reachable {
        return Err(ProfileError::new(
            "preferred_contact",
            format!("cannot prefer {} without that contact detail", next.preferred_contact.as_str()),
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> EditableProfile {
        EditableProfile {
            name: "Alex Morgan".into(),
            email: Some("alex@example.com".into()),
            phone: Some("+447700900000".into()),
            preferred_contact: PreferredContact::Email,
            consent_marketing: false,
            preferences: "{}".into(),
        }
    }

    fn patch(json: &str) -> ProfilePatch {
        serde_json::from_str(json).expect("a patch")
    }

    #[test]
    fn contact_data_is_normalised_on_the_way_in() {
        let next =
            apply(&current(), &patch(r#"{"email":" Alex@NEW.example ","phone":"07700 900123","expected_version":1}"#));
        let next = next.expect("valid");
        assert_eq!(next.email.as_deref(), Some("alex@new.example"));
        assert_eq!(next.phone.as_deref(), Some("+447700900123"));
    }

    #[test]
    fn an_invalid_field_is_named() {
        let error = apply(&current(), &patch(r#"{"phone":"call me","expected_version":1}"#)).err();
        assert_eq!(error.map(|e| e.field), Some("phone"));
    }

    #[test]
    fn removing_the_preferred_channel_is_refused() {
        let error = apply(&current(), &patch(r#"{"email":null,"expected_version":1}"#)).err();
        assert_eq!(error.map(|e| e.field), Some("preferred_contact"));
        let ok = apply(&current(), &patch(r#"{"email":null,"preferred_contact":"sms","expected_version":1}"#));
        assert_eq!(ok.map(|p| p.email), Ok(None));
    }

    #[test]
    fn unknown_fields_and_a_missing_version_are_refused() {
        assert!(serde_json::from_str::<ProfilePatch>(r#"{"high_value":true,"expected_version":1}"#).is_err());
        assert!(serde_json::from_str::<ProfilePatch>(r#"{"name":"A"}"#).is_err());
    }

    #[test]
    fn preferences_are_bounded() {
        let big = format!(r#"{{"preferences":{{"note":"{}"}},"expected_version":1}}"#, "x".repeat(5000));
        assert_eq!(apply(&current(), &patch(&big)).err().map(|e| e.field), Some("preferences"));
    }
}
