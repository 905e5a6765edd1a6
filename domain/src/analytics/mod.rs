//! Analytics: forecasts, anomaly detection, lead scoring and maintenance prediction.
//!
//! Everything here is pure computation over numbers and dates so that the edge (Worker), the app
//! and the command-line tools give the same answer for the same data. The maths that has a
//! maintained implementation comes from one (`augurs` for ETS/MSTL/periodograms/change points,
//! `smartcore` for logistic regression); what is written here is the product's own logic around
//! it: choosing a season, baselines, backtests, rules, severities, feedback and evaluation.

pub mod anomaly;
pub mod debounce;
pub mod forecasting;
pub mod lead_scoring;
pub mod maintenance;
pub mod metrics;
pub mod seasonality;
pub mod series;
pub mod serving;
pub mod synthetic;
pub mod telemetry;
