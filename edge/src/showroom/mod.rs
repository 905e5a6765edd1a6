//! Showroom & sales: stock search, vehicle detail, price changes.

pub mod leads;
pub mod stock;
pub mod vehicle_records;
