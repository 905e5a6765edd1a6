//! A vehicle in stock and the edits staff may make to it.

use super::vin::Vin;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a vehicle is in its life at the dealership.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    Incoming,
    Available,
    Reserved,
    Sold,
    InService,
    Archived,
}

impl VehicleStatus {
    pub const ALL: [VehicleStatus; 6] =
        [Self::Incoming, Self::Available, Self::Reserved, Self::Sold, Self::InService, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Available => "available",
            Self::Reserved => "reserved",
            Self::Sold => "sold",
            Self::InService => "in_service",
            Self::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }

    /// Customers see stock that can still be bought or is on its way.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Incoming | Self::Available | Self::Reserved)
    }
}

/// One vehicle of the dealer group's stock, as the API returns it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "WVWZZZ1KZAW000001"))]
    pub vin: Vin,
    pub stock_number: String,
    pub make: String,
    pub model: String,
    pub year: u16,
    pub trim: String,
    pub body: String,
    pub fuel: String,
    pub mileage_km: u32,
    pub colour: String,
    pub price: Money,
    pub features: Vec<String>,
    pub location_id: String,
    pub location_name: String,
    pub status: VehicleStatus,
    /// Bumped by every update; clients send it back for optimistic concurrency.
    pub version: i64,
    pub updated_at: String,
}

impl Vehicle {
    /// "2021 Volkswagen Golf Life", the way a salesperson says it.
    pub fn title(&self) -> String {
        format!("{} {} {} {}", self.year, self.make, self.model, self.trim)
    }
}

/// A staff edit of a vehicle's asking price.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceChange {
    pub price_cents: i64,
    /// The version the editor saw; a stale version is a conflict, never a silent overwrite.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriceChangeError {
    #[error("a price must be more than zero")]
    NotPositive,
    #[error("a price above €{max} is not plausible for a vehicle", max = PriceChange::MAX_CENTS / 100)]
    Implausible,
}

impl PriceChange {
    /// Ten million in the currency: above any car a dealership sells, below overflow of any sum.
    pub const MAX_CENTS: i64 = 1_000_000_000;

    pub fn validate(&self) -> Result<Money, PriceChangeError> {
        if self.price_cents <= 0 {
            return Err(PriceChangeError::NotPositive);
        }
        if self.price_cents > Self::MAX_CENTS {
            return Err(PriceChangeError::Implausible);
        }
        Ok(Money::from_cents(self.price_cents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for status in VehicleStatus::ALL {
            assert_eq!(VehicleStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn sold_and_archived_stock_is_not_public() {
        let public: Vec<_> = VehicleStatus::ALL.into_iter().filter(|s| s.is_public()).collect();
        assert_eq!(public, [VehicleStatus::Incoming, VehicleStatus::Available, VehicleStatus::Reserved]);
    }

    #[test]
    fn a_positive_price_is_accepted() {
        let change = PriceChange { price_cents: 1_999_900, expected_version: None };
        assert_eq!(change.validate(), Ok(Money::from_cents(1_999_900)));
    }

    #[test]
    fn zero_and_negative_prices_are_refused() {
        for cents in [0, -1] {
            let change = PriceChange { price_cents: cents, expected_version: None };
            assert_eq!(change.validate(), Err(PriceChangeError::NotPositive));
        }
    }

    #[test]
    fn implausible_prices_are_refused() {
        let change = PriceChange { price_cents: PriceChange::MAX_CENTS + 1, expected_version: None };
        assert_eq!(change.validate(), Err(PriceChangeError::Implausible));
    }

    #[test]
    fn unknown_fields_in_a_price_change_are_refused() {
        let parsed: Result<PriceChange, _> = serde_json::from_str(r#"{"price_cents":1,"discount":5}"#);
        assert!(parsed.is_err());
    }
}
