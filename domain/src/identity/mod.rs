//! Who is asking: roles, principals, access tokens and password-hash records.

pub mod password;
pub mod role;
pub mod throttle;
pub mod token;

pub use role::{Principal, Role};
