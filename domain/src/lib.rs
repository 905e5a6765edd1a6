//! Forecourt's business logic, free of HTTP, storage and the browser.
//!
//! `edge` and `app` are thin shells that translate between the world and these types, so a rule
//! written here holds identically on the server and in the client, and is tested natively.

pub mod analytics;
pub mod caching;
pub mod compression;
pub mod cors;
pub mod customers;
pub mod identity;
pub mod money;
pub mod problem;
pub mod rate_limit;
pub mod realtime;
pub mod showroom;
pub mod workshop;

pub use money::Money;
pub use problem::Problem;
pub use showroom::stock_query::{Cursor, StockPage, StockQuery};
pub use showroom::vehicle::{PriceChange, Vehicle, VehicleStatus};
pub use showroom::vin::Vin;
