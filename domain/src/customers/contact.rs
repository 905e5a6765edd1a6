//! Contact data in one canonical form, so one person is found again however they typed it:
//! `Alex@Example.COM ` and `alex@example.com` are the same inbox, `07700 900001`,
//! `+44 (0)7700-900001` and `0044 7700 900001` the same phone.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    #[error("'{0}' is not an email address")]
    Email(String),
    #[error("'{0}' is not a phone number (give 8 to 15 digits, with a country code or a leading 0)")]
    Phone(String),
    #[error("a name is 1 to 120 characters")]
    Name,
    #[error("give an email address or a phone number")]
    NoWayToReach,
}

/// The country code assumed for national numbers (`07700…`): every demo location is in the UK.
pub const DEFAULT_COUNTRY_CODE: &str = "44";

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let email = raw.trim().to_lowercase();
        let bad = || ContactError::Email(raw.chars().take(80).collect());
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let plain = |part: &str| !part.is_empty() && part.chars().all(|c| !c.is_whitespace() && !c.is_control());
        let domain_ok = plain(domain)
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if email.len() > 254 || local.len() > 64 || !plain(local) || !domain_ok {
            return Err(bad());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 (`+447700900001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let bad = || ContactError::Phone(raw.chars().take(40).collect());
        // The UK habit of writing the trunk zero after the country code: +44 (0)7700 …
        let raw_trimmed = raw.trim().replace("(0)", "");
        let mut compact = String::new();
        for c in raw_trimmed.chars() {
            match c {
                ' ' | '-' | '.' | '(' | ')' | '/' => {}
                '+' if compact.is_empty() => compact.push(c),
                d if d.is_ascii_digit() => compact.push(d),
                _ => return Err(bad()),
            }
        }
        let international = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix('0') {
            format!("{DEFAULT_COUNTRY_CODE}{rest}")
        } else {
            return Err(bad());
        };
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(bad());
        }
        Ok(Self(format!("+{international}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as they gave it, trimmed; never empty.
pub fn parse_name(raw: &str) -> Result<String, ContactError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(ContactError::Name);
    }
    Ok(name)
}

/// How to find a person again: at least one of email and phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactKeys {
    pub email: Option<Email>,
    pub phone: Option<Phone>,
}

impl ContactKeys {
    pub fn parse(email: Option<&str>, phone: Option<&str>) -> Result<Self, (&'static str, ContactError)> {
        let email = email.filter(|e| !e.trim().is_empty()).map(Email::parse).transpose().map_err(|e| ("email", e))?;
        let phone = phone.filter(|p| !p.trim().is_empty()).map(Phone::parse).transpose().map_err(|e| ("phone", e))?;
        if email.is_none() && phone.is_none() {
            return Err(("email", ContactError::NoWayToReach));
        }
        Ok(Self { email, phone })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Alex@Example.COM ").map(|e| e.0), Ok("alex@example.com".into()));
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in
            ["", "alex", "alex@", "@example.com", "alex@example", "a b@example.com", "a@b@c.com", "a@.com", "a@x..com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_way_of_writing_a_uk_mobile_is_one_number() {
        for raw in ["07700 900001", "+44 7700 900001", "+44 (0)7700-900001", "0044 7700 900001", "+447700900001"] {
            assert_eq!(Phone::parse(raw).map(|p| p.0), Ok("+447700900001".into()), "{raw}");
        }
    }

    #[test]
    fn the_demo_phone_format_normalises_to_what_the_database_key_strips_to() {
        // customers.phone_key strips spaces from stored numbers such as the demo's "+44 7700 900001".
        assert_eq!(Phone::parse("+44 7700 900001").map(|p| p.0), Ok("+44 7700 900001".replace(' ', "")));
    }

    #[test]
    fn implausible_phones_are_refused() {
        for bad in ["", "12345", "7700900001", "+44 7700 9000x1", "+0 1234 5678", "+1234567890123456", "0"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_collapse_whitespace_and_are_never_empty() {
        assert_eq!(parse_name("  Alex   Morgan "), Ok("Alex Morgan".into()));
        assert_eq!(parse_name("   "), Err(ContactError::Name));
        assert_eq!(parse_name(&"x".repeat(121)), Err(ContactError::Name));
    }

    #[test]
    fn a_person_must_be_reachable() {
        assert_eq!(ContactKeys::parse(None, Some(" ")), Err(("email", ContactError::NoWayToReach)));
        assert!(ContactKeys::parse(None, Some("07700 900001")).is_ok());
        assert_eq!(ContactKeys::parse(Some("nope"), None).map_err(|e| e.0), Err("email"));
    }
}
