//! Garage & workshop: appointments and kiosk check-in, work orders (list, detail, transitions,
//! the editor), parts and canned jobs, inspections and customer approvals, technician clocks and
//! the workshop board.

pub mod appointments;
pub mod clocks;
pub mod editing;
pub mod editor;
pub mod inspection;
pub mod kiosk;
pub mod parts;
pub mod work_order_records;
pub mod work_orders;
