//! Customers: one profile per person across every channel (web, mobile, kiosk, tablet), contact
//! data in canonical form, consent and preferences, and the merge of duplicates.

pub mod contact;
pub mod merge;
pub mod profile;
pub mod search;

use serde::{Deserialize, Serialize};

/// How a customer wants to be contacted (the `customers.preferred_contact` and
/// `leads.preferred_contact` values).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredContact {
    Email,
    Phone,
    Sms,
    Whatsapp,
}

impl PreferredContact {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Sms => "sms",
            Self::Whatsapp => "whatsapp",
        }
    }
}

/// Where a customer did something: the `customer_activity.channel` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Mobile,
    Kiosk,
    Tablet,
    Phone,
    Showroom,
    Workshop,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Mobile => "mobile",
            Self::Kiosk => "kiosk",
            Self::Tablet => "tablet",
            Self::Phone => "phone",
            Self::Showroom => "showroom",
            Self::Workshop => "workshop",
            Self::Email => "email",
        }
    }
}
