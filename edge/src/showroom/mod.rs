//! Showroom & sales: stock search, vehicle detail, price changes.

pub mod assistance;
pub mod lead_intake;
pub mod leads;
pub mod reference;
pub mod stock;
pub mod test_drive_calendar;
pub mod test_drives;
pub mod vehicle_records;
