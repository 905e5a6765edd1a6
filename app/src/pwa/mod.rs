//! The installable-app side: service worker registration, the "new version" prompt, and the
//! install offer for staff.

mod install;
mod update;

pub use install::InstallPrompt;
pub use update::UpdatePrompt;
