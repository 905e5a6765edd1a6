//! Garage & workshop: work orders, their money, and the mileage they record.

pub mod mileage;
pub mod totals;
pub mod work_order;
