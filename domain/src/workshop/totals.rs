//! Work-order money: labour (hours × rate) plus parts (quantity × unit price), with tax.

use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabourLine {
    pub hours: f64,
    pub rate: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartLine {
    pub quantity: u32,
    pub unit_price: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub labour: Money,
    pub parts: Money,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// Rounds half away from zero to the cent, the way an invoice line is rounded.
fn cents(value: f64) -> i64 {
    value.round() as i64
}

/// Totals of the approved lines; `tax_rate_bp` in basis points (2000 = 20 %).
pub fn totals(labour: &[LabourLine], parts: &[PartLine], tax_rate_bp: u32) -> Totals {
    let labour_cents: i64 = labour.iter().map(|l| cents(l.hours * l.rate.cents() as f64)).sum();
    let parts_cents: i64 = parts.iter().map(|p| i64::from(p.quantity) * p.unit_price.cents()).sum();
    let net = labour_cents + parts_cents;
    let tax = cents(net as f64 * f64::from(tax_rate_bp) / 10_000.0);
    Totals {
        labour: Money::from_cents(labour_cents),
        parts: Money::from_cents(parts_cents),
        net: Money::from_cents(net),
        tax: Money::from_cents(tax),
        gross: Money::from_cents(net + tax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_labour_parts_and_tax() {
        let labour = [LabourLine { hours: 1.5, rate: Money::from_cents(9_000) }];
        let parts = [PartLine { quantity: 4, unit_price: Money::from_cents(1_250) }];
        let t = totals(&labour, &parts, 2_000);
        assert_eq!(
            (t.labour.cents(), t.parts.cents(), t.net.cents(), t.tax.cents(), t.gross.cents()),
            (13_500, 5_000, 18_500, 3_700, 22_200)
        );
    }

    #[test]
    fn an_empty_order_costs_nothing() {
        assert_eq!(totals(&[], &[], 2_000).gross, Money::from_cents(0));
    }
}
