//! Customers and people's inboxes: unified profiles with their timeline, search, edits and
//! merges; notifications and their preferences.

pub mod merge;
pub mod notifications;
pub mod profiles;
pub mod records;
