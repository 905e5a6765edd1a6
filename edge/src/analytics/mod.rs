//! Analytics served: anomalies and their lifecycle, live telemetry scored on arrival, stored
//! predictions (forecasts, maintenance) with feedback, debounced recomputation and dashboards.
//! The maths lives in `forecourt_domain::analytics`; this module stores, authorises and pushes.

pub mod anomalies;
mod anomaly_records;
mod notify;
pub mod telemetry;
