//! Accounts and sessions: sign-in, token refresh with rotation, sign-out, who am I.

pub mod sessions;
pub mod throttle;
pub mod users;
