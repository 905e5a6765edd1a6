//! The installable-app side: service worker registration and the "new version" prompt.

mod update;

pub use update::UpdatePrompt;
