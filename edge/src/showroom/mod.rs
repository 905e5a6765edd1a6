//! Showroom & sales: stock search, vehicle detail, price changes.

pub mod lead_intake;
pub mod leads;
pub mod stock;
pub mod test_drives;
pub mod vehicle_records;
