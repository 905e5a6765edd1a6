//! The roles of the brief and the principal a request acts as.

use serde::{Deserialize, Serialize};

/// Every role of the brief. Devices (kiosks, telematics units) are principals too, with the
/// narrowest rights of all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Sales,
    Advisor,
    Technician,
    Manager,
    Admin,
    Kiosk,
    Telematics,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::Customer,
        Self::Sales,
        Self::Advisor,
        Self::Technician,
        Self::Manager,
        Self::Admin,
        Self::Kiosk,
        Self::Telematics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Sales => "sales",
            Self::Advisor => "advisor",
            Self::Technician => "technician",
            Self::Manager => "manager",
            Self::Admin => "admin",
            Self::Kiosk => "kiosk",
            Self::Telematics => "telematics",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == raw)
    }

    /// People who work for the dealer (not customers, not devices).
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Sales | Self::Advisor | Self::Technician | Self::Manager | Self::Admin)
    }

    pub fn is_device(self) -> bool {
        matches!(self, Self::Kiosk | Self::Telematics)
    }
}

/// The authenticated identity behind a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// A user id, or a device id for kiosks and telematics units.
    pub subject: String,
    pub role: Role,
    /// The locations this principal works at (staff, kiosks); empty for customers.
    pub location_ids: Vec<String>,
    /// The customer record a signed-in customer is (None for staff and devices).
    pub customer_id: Option<String>,
}

impl Principal {
    /// Least privilege by location: admins see every location, everyone else only their own.
    pub fn works_at(&self, location_id: &str) -> bool {
        self.role == Role::Admin || self.location_ids.iter().any(|l| l == location_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, locations: &[&str]) -> Principal {
        Principal {
            subject: "u1".into(),
            role,
            location_ids: locations.iter().map(|l| (*l).to_owned()).collect(),
            customer_id: None,
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn a_manager_works_only_at_their_locations() {
        let manager = principal(Role::Manager, &["loc-north"]);
        assert!(manager.works_at("loc-north"));
        assert!(!manager.works_at("loc-south"));
    }

    #[test]
    fn an_admin_works_everywhere() {
        assert!(principal(Role::Admin, &[]).works_at("loc-south"));
    }

    #[test]
    fn devices_and_customers_are_not_staff() {
        let staff: Vec<_> = Role::ALL.into_iter().filter(|r| r.is_staff()).collect();
        assert_eq!(staff, [Role::Sales, Role::Advisor, Role::Technician, Role::Manager, Role::Admin]);
    }
}
