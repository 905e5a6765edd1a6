//! Garage & workshop: work orders and their live status.

pub mod work_order_records;
pub mod work_orders;
