//! What only admins do with the dealer's data as a whole: export it, and send its events to
//! the dealer's other systems.

pub mod export;
