//! Who may join which room, decided from the principal and facts the edge looked up.
//!
//! Pure so that every rule is tested here; the edge only fills [`Facts`] from D1. Anything the
//! edge could not find (a missing row, a table that does not exist yet, a failed query) arrives
//! as [`Facts::Missing`] and denies: a room is never open by default.

use super::chat::{ChatRole, InvitationState};
use super::room::RoomName;
use crate::identity::{Principal, Role};

/// What the edge knows about a room's subject, in the shape the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    /// The subject (or the table that would hold it) was not found.
    Missing,
    /// The room's name says everything (`board:{location}`, `dashboard:{location}`,
    /// `user:{id}`, `anomalies:{severity}`).
    NameOnly,
    Vehicle {
        /// In stock customers can see (available, reserved, in service).
        public: bool,
        location_id: String,
    },
    WorkOrder {
        customer_id: Option<String>,
        technician_id: Option<String>,
        advisor_id: Option<String>,
        location_id: String,
    },
    Lead {
        customer_id: Option<String>,
        assigned_rep_id: Option<String>,
        location_id: String,
    },
    Showroom {
        location_id: String,
    },
    Anomaly {
        location_id: String,
    },
    Prediction {
        location_id: String,
    },
    /// The principal's own department (from `users.department`).
    Department {
        principal_department: Option<String>,
    },
    /// The principal's membership of the chat, if any.
    Chat {
        membership: Option<(ChatRole, InvitationState)>,
    },
}

/// Which events of a room a connection receives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Everything,
    /// Only events of these locations (rooms that span locations, `anomalies:{severity}`).
    Locations(Vec<String>),
}

impl Scope {
    pub fn admits(&self, location: Option<&str>) -> bool {
        match (self, location) {
            (Self::Everything, _) => true,
            (Self::Locations(mine), Some(location)) => mine.iter().any(|l| l == location),
            // An event without a location in a location-scoped room is not for this connection.
            (Self::Locations(_), None) => false,
        }
    }
}

/// What a connection may do in the room.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// Receives events, presence and typing.
    pub reads: bool,
    /// May post (chat messages, typing).
    pub can_post: bool,
    pub scope: Scope,
    /// The role in a chat room.
    pub chat_role: Option<ChatRole>,
}

impl Grant {
    fn read_only() -> Self {
        Self { reads: true, can_post: false, scope: Scope::Everything, chat_role: None }
    }

    fn participant() -> Self {
        Self { can_post: true, ..Self::read_only() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Anonymous, and the room is not public: authenticate first.
    SignInRequired,
    Forbidden,
    /// Only for public subjects, whose existence is no secret (a vehicle not in stock).
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(Grant),
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

fn allow_if(condition: bool, grant: Grant) -> Decision {
    if condition {
        Decision::Allow(grant)
    } else {
        Decision::Deny(Denial::Forbidden)
    }
}

fn is(p: &Principal, roles: &[Role]) -> bool {
    roles.contains(&p.role)
}

fn same(a: Option<&String>, b: &str) -> bool {
    a.is_some_and(|a| a == b)
}

/// The one place that says who may join `room`.
///
/// Rules (least privilege, as in the brief):
/// - `vehicle:{id}` of public stock: anyone, read-only; a kiosk only stock of its own location.
///   Vehicles not in public stock: staff of their location (not technicians) and admins.
/// - `workorder:{id}`: its customer, its technician, its advisor, the location's advisors and
///   managers, admins.
/// - `lead:{id}`: its customer, its assigned rep, the location's sales and managers, admins.
/// - `board:{location}`: the location's advisors, technicians and managers, admins.
/// - `showroom:{id}`: the location's sales and managers, admins (never kiosks: the floor carries
///   visits, which are personal data).
/// - `anomalies:{severity}`: managers (only their locations' anomalies) and admins (all).
/// - `anomaly:{id}`, `prediction:{id}`: staff of the location except technicians, admins.
/// - `department:{name}`: staff of that department, who may post.
/// - `dashboard:{location}`: the location's managers, admins.
/// - `user:{id}`: that user only (not even admins: it carries their notifications).
/// - `chat:{id}`: accepted members (who may post); invitees may connect to answer only.
///
/// Devices other than kiosks (telematics units) join no room.
pub fn decide(principal: Option<&Principal>, room: &RoomName, facts: &Facts) -> Decision {
    if matches!(facts, Facts::Missing) {
        return Decision::Deny(match room {
            RoomName::Vehicle(_) => Denial::NotFound,
            _ if principal.is_none() => Denial::SignInRequired,
            _ => Denial::Forbidden,
        });
    }
    let Some(p) = principal else {
        return match (room, facts) {
            (RoomName::Vehicle(_), Facts::Vehicle { public: true, .. }) => Decision::Allow(Grant::read_only()),
            (RoomName::Vehicle(_), Facts::Vehicle { public: false, .. }) => Decision::Deny(Denial::NotFound),
            _ => Decision::Deny(Denial::SignInRequired),
        };
    };
    use Role::*;
    match (room, facts) {
        (_, _) if p.role == Telematics => Decision::Deny(Denial::Forbidden),
        (RoomName::Vehicle(_), Facts::Vehicle { public, location_id }) => match p.role {
            Kiosk => allow_if(*public && p.works_at(location_id), Grant::read_only()),
            _ if *public => Decision::Allow(Grant::read_only()),
            Sales | Advisor | Manager | Admin if p.works_at(location_id) => Decision::Allow(Grant::read_only()),
            // Not in stock and not yours: as unknown as a vehicle that never existed.
            _ => Decision::Deny(Denial::NotFound),
        },
        (RoomName::WorkOrder(_), Facts::WorkOrder { customer_id, technician_id, advisor_id, location_id }) => {
            let allowed = match p.role {
                Customer => p.customer_id.as_ref().is_some_and(|c| same(customer_id.as_ref(), c)),
                Technician => same(technician_id.as_ref(), &p.subject),
                Advisor => same(advisor_id.as_ref(), &p.subject) || p.works_at(location_id),
                Manager | Admin => p.works_at(location_id),
                Sales | Kiosk | Telematics => false,
            };
            allow_if(allowed, Grant::read_only())
        }
        (RoomName::Lead(_), Facts::Lead { customer_id, assigned_rep_id, location_id }) => {
            let allowed = match p.role {
                Customer => p.customer_id.as_ref().is_some_and(|c| same(customer_id.as_ref(), c)),
                Sales => same(assigned_rep_id.as_ref(), &p.subject) || p.works_at(location_id),
                Manager | Admin => p.works_at(location_id),
                Advisor | Technician | Kiosk | Telematics => false,
            };
            allow_if(allowed, Grant::read_only())
        }
        (RoomName::Board(location), Facts::NameOnly) => {
            allow_if(is(p, &[Advisor, Technician, Manager, Admin]) && p.works_at(location), Grant::read_only())
        }
        (RoomName::Showroom(_), Facts::Showroom { location_id }) => {
            allow_if(is(p, &[Sales, Manager, Admin]) && p.works_at(location_id), Grant::read_only())
        }
        (RoomName::Anomalies(_), Facts::NameOnly) => match p.role {
            Admin => Decision::Allow(Grant::read_only()),
            Manager if !p.location_ids.is_empty() => {
                Decision::Allow(Grant { scope: Scope::Locations(p.location_ids.clone()), ..Grant::read_only() })
            }
            _ => Decision::Deny(Denial::Forbidden),
        },
        (RoomName::Anomaly(_), Facts::Anomaly { location_id })
        | (RoomName::Prediction(_), Facts::Prediction { location_id }) => {
            allow_if(is(p, &[Sales, Advisor, Manager, Admin]) && p.works_at(location_id), Grant::read_only())
        }
        (RoomName::Department(name), Facts::Department { principal_department }) => {
            allow_if(p.role.is_staff() && same(principal_department.as_ref(), name), Grant::participant())
        }
        (RoomName::Dashboard(location), Facts::NameOnly) => {
            allow_if(is(p, &[Manager, Admin]) && p.works_at(location), Grant::read_only())
        }
        (RoomName::User(id), Facts::NameOnly) => allow_if(&p.subject == id && !p.role.is_device(), Grant::read_only()),
        (RoomName::Chat(_), Facts::Chat { membership }) => match membership {
            _ if p.role.is_device() => Decision::Deny(Denial::Forbidden),
            Some((role, InvitationState::Accepted)) => {
                Decision::Allow(Grant { chat_role: Some(*role), ..Grant::participant() })
            }
            Some((role, InvitationState::Pending)) => Decision::Allow(Grant {
                reads: false,
                can_post: false,
                scope: Scope::Everything,
                chat_role: Some(*role),
            }),
            _ => Decision::Deny(Denial::Forbidden),
        },
        // Facts that do not match the room's kind: a lookup bug must not open a room.
        _ => Decision::Deny(Denial::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, locations: &[&str]) -> Principal {
        Principal {
            subject: "u1".into(),
            role,
            location_ids: locations.iter().map(|l| (*l).to_owned()).collect(),
            customer_id: (role == Role::Customer).then(|| "cus-1".to_owned()),
        }
    }

    fn room(raw: &str) -> RoomName {
        RoomName::parse(raw).expect("valid room")
    }

    fn vehicle(public: bool) -> Facts {
        Facts::Vehicle { public, location_id: "north".into() }
    }

    fn work_order(customer: &str, technician: &str, advisor: &str) -> Facts {
        Facts::WorkOrder {
            customer_id: Some(customer.into()),
            technician_id: Some(technician.into()),
            advisor_id: Some(advisor.into()),
            location_id: "north".into(),
        }
    }

    fn lead(customer: &str, rep: &str) -> Facts {
        Facts::Lead {
            customer_id: Some(customer.into()),
            assigned_rep_id: Some(rep.into()),
            location_id: "north".into(),
        }
    }

    fn allowed(p: Option<&Principal>, r: &str, facts: &Facts) -> bool {
        decide(p, &room(r), facts).is_allowed()
    }

    // ---- missing facts ----

    #[test]
    fn missing_facts_deny_every_role_and_room() {
        for raw in [
            "vehicle:v",
            "workorder:w",
            "lead:l",
            "board:north",
            "showroom:s",
            "anomalies:high",
            "anomaly:a",
            "prediction:p",
            "department:sales",
            "dashboard:north",
            "user:u1",
            "chat:c",
        ] {
            assert!(!allowed(None, raw, &Facts::Missing), "anonymous {raw}");
            for role in Role::ALL {
                assert!(!allowed(Some(&who(role, &["north"])), raw, &Facts::Missing), "{role:?} {raw}");
            }
        }
    }

    #[test]
    fn a_missing_vehicle_is_not_found_but_other_rooms_do_not_reveal_existence() {
        assert_eq!(decide(None, &room("vehicle:v"), &Facts::Missing), Decision::Deny(Denial::NotFound));
        assert_eq!(
            decide(Some(&who(Role::Customer, &[])), &room("workorder:w"), &Facts::Missing),
            Decision::Deny(Denial::Forbidden)
        );
    }

    #[test]
    fn facts_of_another_kind_deny() {
        let admin = who(Role::Admin, &[]);
        assert!(!allowed(Some(&admin), "workorder:w", &vehicle(true)));
        assert!(!allowed(Some(&admin), "vehicle:v", &Facts::NameOnly));
    }

    // ---- vehicles ----

    #[test]
    fn public_stock_rooms_are_read_only_for_anyone() {
        assert_eq!(decide(None, &room("vehicle:v"), &vehicle(true)), Decision::Allow(Grant::read_only()));
        for role in [Role::Customer, Role::Sales, Role::Technician, Role::Admin] {
            assert_eq!(
                decide(Some(&who(role, &["south"])), &room("vehicle:v"), &vehicle(true)),
                Decision::Allow(Grant::read_only())
            );
        }
    }

    #[test]
    fn vehicles_out_of_public_stock_are_for_their_locations_staff() {
        assert_eq!(decide(None, &room("vehicle:v"), &vehicle(false)), Decision::Deny(Denial::NotFound));
        assert!(allowed(Some(&who(Role::Sales, &["north"])), "vehicle:v", &vehicle(false)));
        assert!(!allowed(Some(&who(Role::Sales, &["south"])), "vehicle:v", &vehicle(false)));
        assert!(!allowed(Some(&who(Role::Technician, &["north"])), "vehicle:v", &vehicle(false)));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "vehicle:v", &vehicle(false)));
        assert!(allowed(Some(&who(Role::Admin, &[])), "vehicle:v", &vehicle(false)));
    }

    #[test]
    fn kiosks_see_only_public_stock_of_their_own_showroom() {
        assert!(allowed(Some(&who(Role::Kiosk, &["north"])), "vehicle:v", &vehicle(true)));
        assert!(!allowed(Some(&who(Role::Kiosk, &["south"])), "vehicle:v", &vehicle(true)));
        assert!(!allowed(Some(&who(Role::Kiosk, &["north"])), "vehicle:v", &vehicle(false)));
    }

    #[test]
    fn kiosks_join_no_private_room() {
        let kiosk = who(Role::Kiosk, &["north"]);
        let kiosk = Some(&kiosk);
        assert!(!allowed(kiosk, "showroom:s", &Facts::Showroom { location_id: "north".into() }));
        assert!(!allowed(kiosk, "board:north", &Facts::NameOnly));
        assert!(!allowed(kiosk, "workorder:w", &work_order("cus-1", "u1", "u1")));
        assert!(!allowed(kiosk, "user:u1", &Facts::NameOnly));
        assert!(!allowed(
            kiosk,
            "chat:c",
            &Facts::Chat { membership: Some((ChatRole::Member, InvitationState::Accepted)) }
        ));
    }

    #[test]
    fn telematics_devices_join_nothing() {
        let unit = who(Role::Telematics, &["north"]);
        assert!(!allowed(Some(&unit), "vehicle:v", &vehicle(true)));
        assert!(!allowed(Some(&unit), "board:north", &Facts::NameOnly));
    }

    // ---- anonymous ----

    #[test]
    fn anonymous_clients_must_sign_in_for_every_private_room() {
        for (raw, facts) in [
            ("workorder:w", work_order("cus-1", "t", "a")),
            ("lead:l", lead("cus-1", "r")),
            ("board:north", Facts::NameOnly),
            ("user:u1", Facts::NameOnly),
            ("chat:c", Facts::Chat { membership: None }),
        ] {
            assert_eq!(decide(None, &room(raw), &facts), Decision::Deny(Denial::SignInRequired), "{raw}");
        }
    }

    // ---- work orders ----

    #[test]
    fn customers_follow_only_their_own_work_orders() {
        let customer = who(Role::Customer, &[]);
        assert!(allowed(Some(&customer), "workorder:w", &work_order("cus-1", "t", "a")));
        assert!(!allowed(Some(&customer), "workorder:w", &work_order("cus-2", "t", "a")));
    }

    #[test]
    fn a_customer_without_a_customer_record_sees_no_work_order() {
        let mut customer = who(Role::Customer, &[]);
        customer.customer_id = None;
        let unassigned =
            Facts::WorkOrder { customer_id: None, technician_id: None, advisor_id: None, location_id: "north".into() };
        assert!(!allowed(Some(&customer), "workorder:w", &unassigned));
    }

    #[test]
    fn technicians_follow_only_their_own_jobs_even_at_their_location() {
        let tech = who(Role::Technician, &["north"]);
        assert!(allowed(Some(&tech), "workorder:w", &work_order("c", "u1", "a")));
        assert!(!allowed(Some(&tech), "workorder:w", &work_order("c", "t2", "a")));
    }

    #[test]
    fn advisors_and_managers_follow_their_locations_work_orders() {
        assert!(allowed(Some(&who(Role::Advisor, &["north"])), "workorder:w", &work_order("c", "t", "a")));
        assert!(allowed(Some(&who(Role::Advisor, &["south"])), "workorder:w", &work_order("c", "t", "u1")));
        assert!(!allowed(Some(&who(Role::Advisor, &["south"])), "workorder:w", &work_order("c", "t", "a")));
        assert!(allowed(Some(&who(Role::Manager, &["north"])), "workorder:w", &work_order("c", "t", "a")));
        assert!(!allowed(Some(&who(Role::Manager, &["south"])), "workorder:w", &work_order("c", "t", "a")));
        assert!(!allowed(Some(&who(Role::Sales, &["north"])), "workorder:w", &work_order("c", "t", "a")));
        assert!(allowed(Some(&who(Role::Admin, &[])), "workorder:w", &work_order("c", "t", "a")));
    }

    // ---- leads ----

    #[test]
    fn leads_are_for_their_customer_rep_and_location() {
        assert!(allowed(Some(&who(Role::Customer, &[])), "lead:l", &lead("cus-1", "r")));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "lead:l", &lead("cus-9", "r")));
        assert!(allowed(Some(&who(Role::Sales, &["south"])), "lead:l", &lead("c", "u1")));
        assert!(allowed(Some(&who(Role::Sales, &["north"])), "lead:l", &lead("c", "r")));
        assert!(!allowed(Some(&who(Role::Sales, &["south"])), "lead:l", &lead("c", "r")));
        assert!(!allowed(Some(&who(Role::Technician, &["north"])), "lead:l", &lead("c", "r")));
        assert!(!allowed(Some(&who(Role::Advisor, &["north"])), "lead:l", &lead("c", "r")));
        assert!(allowed(Some(&who(Role::Manager, &["north"])), "lead:l", &lead("c", "r")));
    }

    // ---- location rooms ----

    #[test]
    fn boards_are_for_the_workshop_staff_of_that_location() {
        for role in [Role::Advisor, Role::Technician, Role::Manager] {
            assert!(allowed(Some(&who(role, &["north"])), "board:north", &Facts::NameOnly));
            assert!(!allowed(Some(&who(role, &["south"])), "board:north", &Facts::NameOnly));
        }
        assert!(!allowed(Some(&who(Role::Sales, &["north"])), "board:north", &Facts::NameOnly));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "board:north", &Facts::NameOnly));
        assert!(allowed(Some(&who(Role::Admin, &[])), "board:north", &Facts::NameOnly));
    }

    #[test]
    fn showroom_floors_are_for_sales_and_managers_of_that_location() {
        let floor = Facts::Showroom { location_id: "north".into() };
        assert!(allowed(Some(&who(Role::Sales, &["north"])), "showroom:s", &floor));
        assert!(!allowed(Some(&who(Role::Sales, &["south"])), "showroom:s", &floor));
        assert!(!allowed(Some(&who(Role::Advisor, &["north"])), "showroom:s", &floor));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "showroom:s", &floor));
    }

    #[test]
    fn dashboards_are_for_managers_of_that_location() {
        assert!(allowed(Some(&who(Role::Manager, &["north"])), "dashboard:north", &Facts::NameOnly));
        assert!(!allowed(Some(&who(Role::Manager, &["south"])), "dashboard:north", &Facts::NameOnly));
        assert!(!allowed(Some(&who(Role::Sales, &["north"])), "dashboard:north", &Facts::NameOnly));
    }

    // ---- anomalies ----

    #[test]
    fn managers_get_anomaly_feeds_scoped_to_their_locations() {
        let manager = who(Role::Manager, &["north", "east"]);
        assert_eq!(
            decide(Some(&manager), &room("anomalies:critical"), &Facts::NameOnly),
            Decision::Allow(Grant {
                scope: Scope::Locations(vec!["north".into(), "east".into()]),
                ..Grant::read_only()
            })
        );
    }

    #[test]
    fn admins_get_every_anomaly_and_other_roles_none() {
        assert_eq!(
            decide(Some(&who(Role::Admin, &[])), &room("anomalies:low"), &Facts::NameOnly),
            Decision::Allow(Grant::read_only())
        );
        for role in [Role::Sales, Role::Advisor, Role::Technician, Role::Customer, Role::Kiosk] {
            assert!(!allowed(Some(&who(role, &["north"])), "anomalies:low", &Facts::NameOnly), "{role:?}");
        }
        assert!(!allowed(Some(&who(Role::Manager, &[])), "anomalies:low", &Facts::NameOnly));
    }

    #[test]
    fn location_scopes_admit_only_their_locations() {
        let scope = Scope::Locations(vec!["north".into()]);
        assert!(scope.admits(Some("north")));
        assert!(!scope.admits(Some("south")));
        assert!(!scope.admits(None));
        assert!(Scope::Everything.admits(None));
    }

    #[test]
    fn single_anomalies_and_predictions_follow_the_location() {
        let anomaly = Facts::Anomaly { location_id: "north".into() };
        let prediction = Facts::Prediction { location_id: "north".into() };
        assert!(allowed(Some(&who(Role::Sales, &["north"])), "anomaly:a", &anomaly));
        assert!(!allowed(Some(&who(Role::Sales, &["south"])), "anomaly:a", &anomaly));
        assert!(!allowed(Some(&who(Role::Technician, &["north"])), "anomaly:a", &anomaly));
        assert!(allowed(Some(&who(Role::Manager, &["north"])), "prediction:p", &prediction));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "prediction:p", &prediction));
    }

    // ---- people ----

    #[test]
    fn a_user_room_is_for_that_user_alone() {
        assert!(allowed(Some(&who(Role::Customer, &[])), "user:u1", &Facts::NameOnly));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "user:u2", &Facts::NameOnly));
        assert!(!allowed(Some(&who(Role::Admin, &[])), "user:u2", &Facts::NameOnly));
    }

    #[test]
    fn departments_are_for_their_staff_who_may_post() {
        let sales = Facts::Department { principal_department: Some("sales".into()) };
        assert_eq!(
            decide(Some(&who(Role::Sales, &["north"])), &room("department:sales"), &sales),
            Decision::Allow(Grant::participant())
        );
        assert!(!allowed(Some(&who(Role::Sales, &["north"])), "department:service", &sales));
        assert!(!allowed(Some(&who(Role::Customer, &[])), "department:sales", &sales));
        let none = Facts::Department { principal_department: None };
        assert!(!allowed(Some(&who(Role::Manager, &["north"])), "department:sales", &none));
    }

    #[test]
    fn chat_members_post_and_strangers_are_refused() {
        let member = Facts::Chat { membership: Some((ChatRole::Guest, InvitationState::Accepted)) };
        assert_eq!(
            decide(Some(&who(Role::Customer, &[])), &room("chat:c"), &member),
            Decision::Allow(Grant { chat_role: Some(ChatRole::Guest), ..Grant::participant() })
        );
        assert!(!allowed(Some(&who(Role::Admin, &[])), "chat:c", &Facts::Chat { membership: None }));
    }

    #[test]
    fn invitees_may_connect_only_to_answer() {
        let invited = Facts::Chat { membership: Some((ChatRole::Member, InvitationState::Pending)) };
        let Decision::Allow(grant) = decide(Some(&who(Role::Customer, &[])), &room("chat:c"), &invited) else {
            panic!("an invitee connects");
        };
        assert!(!grant.reads && !grant.can_post);
    }

    #[test]
    fn rejected_and_expired_invitations_keep_the_chat_closed() {
        for state in [InvitationState::Rejected, InvitationState::Expired] {
            let facts = Facts::Chat { membership: Some((ChatRole::Member, state)) };
            assert!(!allowed(Some(&who(Role::Customer, &[])), "chat:c", &facts), "{state:?}");
        }
    }
}
