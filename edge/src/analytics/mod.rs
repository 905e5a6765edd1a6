//! Analytics served: anomalies and their lifecycle, live telemetry scored on arrival, stored
//! predictions (forecasts, maintenance) with feedback, debounced recomputation and dashboards.
//! The maths lives in `forecourt_domain::analytics`; this module stores, authorises and pushes.

mod access;
pub mod anomalies;
mod anomaly_records;
pub mod dashboards;
pub mod feedback;
pub mod forecasts;
pub mod maintenance;
mod notify;
mod predictions;
pub mod recompute;
mod scans;
pub mod telemetry;
