//! Who may read a location's analytics: its managers and admins.

use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::identity::{Principal, Role};

/// Managers and admins only (checked before anything else is read or validated).
pub fn require_analyst(principal: &Principal) -> ApiResult<()> {
    match principal.role {
        Role::Admin | Role::Manager => Ok(()),
        _ => Err(ApiError::Forbidden("location analytics are for managers and admins".into())),
    }
}

/// A manager of `location`, or an admin.
pub fn require_location(principal: &Principal, location: &str) -> ApiResult<()> {
    require_analyst(principal)?;
    if principal.role == Role::Admin || principal.location_ids.iter().any(|l| l == location) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("{location} is not one of your locations")))
    }
}
