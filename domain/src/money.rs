//! Money as integer minor units, so totals never drift through floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in cents (or pence): prices, totals, budgets.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }
}

/// `1234567` → `"1,234,567"`: the grouping used for every number shown to people.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

/// Whole units with thousands separators, e.g. `€24,990` or `€24,990.50`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / 100;
        let cents = abs % 100;
        let grouped = group_thousands(units);
        if cents == 0 {
            write!(f, "{sign}€{grouped}")
        } else {
            write!(f, "{sign}€{grouped}.{cents:02}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_whole_prices_with_thousands_separators() {
        assert_eq!(Money::from_cents(2_499_000).to_string(), "€24,990");
    }

    #[test]
    fn shows_cents_only_when_present() {
        assert_eq!(Money::from_cents(105).to_string(), "€1.05");
    }

    #[test]
    fn shows_negative_amounts() {
        assert_eq!(Money::from_cents(-123_456_700).to_string(), "-€1,234,567");
    }
}
