//! Garage & workshop: appointments, work orders, their money, parts stock, approvals, clocks and
//! the mileage they record.

pub mod appointment;
pub mod approval;
pub mod clocks;
pub mod mileage;
pub mod stock;
pub mod totals;
pub mod work_order;
