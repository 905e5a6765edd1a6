//! Showroom & sales: stock, its search, and the identifiers that make a vehicle unique.

pub mod assignment;
pub mod intake;
pub mod lead;
pub mod reminders;
pub mod stock_query;
pub mod test_drive;
pub mod vehicle;
pub mod vin;
