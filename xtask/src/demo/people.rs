//! Demo people and places: showrooms, bays, one account per role (passwords in the README),
//! customers and the vehicles they own.

use super::sql::Insert;
use super::stock::LOCATIONS;
use forecourt_domain::identity::password::{PasswordRecord, HASH_BYTES, ITERATIONS};
use sha2::{Digest, Sha256};

/// The password of every demo account. Demo data only: production accounts set their own.
pub const DEMO_PASSWORD: &str = "forecourt-demo-2026";
pub const CREATED_AT: &str = "2025-04-01T08:00:00Z";

/// (id, email, name, role, department, locations, customer id)
pub type Account = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    Option<&'static str>,
);

pub const ACCOUNTS: &[Account] = &[
    ("usr-admin", "admin@forecourt.example", "Ada Admin", "admin", Some("admin"), &[], None),
    (
        "usr-manager-north",
        "manager.north@forecourt.example",
        "Morgan North",
        "manager",
        Some("management"),
        &["loc-north"],
        None,
    ),
    (
        "usr-manager-south",
        "manager.south@forecourt.example",
        "Sasha South",
        "manager",
        Some("management"),
        &["loc-south"],
        None,
    ),
    ("usr-sales-north", "sales.north@forecourt.example", "Sam Seller", "sales", Some("sales"), &["loc-north"], None),
    ("usr-sales2-north", "sales2.north@forecourt.example", "Riley Rep", "sales", Some("sales"), &["loc-north"], None),
    ("usr-sales-city", "sales.city@forecourt.example", "Casey City", "sales", Some("sales"), &["loc-city"], None),
    ("usr-sales-south", "sales.south@forecourt.example", "Jordan South", "sales", Some("sales"), &["loc-south"], None),
    (
        "usr-advisor-north",
        "advisor.north@forecourt.example",
        "Avery Advisor",
        "advisor",
        Some("service"),
        &["loc-north"],
        None,
    ),
    (
        "usr-advisor-city",
        "advisor.city@forecourt.example",
        "Charlie Counter",
        "advisor",
        Some("service"),
        &["loc-city"],
        None,
    ),
    (
        "usr-tech-north",
        "tech.north@forecourt.example",
        "Taylor Torque",
        "technician",
        Some("service"),
        &["loc-north"],
        None,
    ),
    (
        "usr-tech2-north",
        "tech2.north@forecourt.example",
        "Quinn Spanner",
        "technician",
        Some("service"),
        &["loc-north"],
        None,
    ),
    ("usr-tech-city", "tech.city@forecourt.example", "Drew Diag", "technician", Some("service"), &["loc-city"], None),
    (
        "usr-advisor-south",
        "advisor.south@forecourt.example",
        "Blair Booking",
        "advisor",
        Some("service"),
        &["loc-south"],
        None,
    ),
    (
        "usr-tech-south",
        "tech.south@forecourt.example",
        "Rowan Ratchet",
        "technician",
        Some("service"),
        &["loc-south"],
        None,
    ),
    ("usr-customer-alex", "alex@example.com", "Alex Morgan", "customer", None, &[], Some("cus-00001")),
    ("usr-customer-sam", "sam@example.com", "Sam Patel", "customer", None, &[], Some("cus-00002")),
];

/// PBKDF2 with the same parameters the edge uses, so the edge's WebCrypto verifies these.
/// The salt is derived from the account id: deterministic demo data, unique per account.
pub fn password_record(account_id: &str, password: &str) -> PasswordRecord {
    let salt = Sha256::digest(format!("forecourt-demo-salt:{account_id}").as_bytes())[..16].to_vec();
    let mut hash = vec![0u8; HASH_BYTES];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, ITERATIONS, &mut hash);
    PasswordRecord { iterations: ITERATIONS, salt, hash }
}

const FIRST_NAMES: &[&str] = &[
    "Alex", "Sam", "Jamie", "Priya", "Tom", "Aisha", "Liam", "Olivia", "Noah", "Emma", "Mohammed", "Sophie", "Oscar",
    "Mia", "Harry", "Isla", "Leo", "Amelia", "Ravi", "Chloe", "Ethan", "Grace", "Kofi", "Hannah",
];
const LAST_NAMES: &[&str] = &[
    "Morgan", "Patel", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Evans", "Thomas", "Roberts",
    "Walker", "Wright", "Thompson", "Hughes", "Green", "Hall", "Lewis", "Clarke", "Okafor", "Novak",
];

pub const CUSTOMER_COUNT: usize = 400;

pub fn customer_id(n: usize) -> String {
    format!("cus-{:05}", n + 1)
}

pub fn customer_name(n: usize) -> String {
    match n {
        0 => "Alex Morgan".into(),
        1 => "Sam Patel".into(),
        _ => {
            format!("{} {}", FIRST_NAMES[(n * 7) % FIRST_NAMES.len()], LAST_NAMES[(n * 13 + n / 5) % LAST_NAMES.len()])
        }
    }
}

pub fn write(out: &mut String) {
    let mut showrooms = Insert::into("showrooms", &["id", "location_id", "name"]);
    let mut zones = Insert::into("showroom_zones", &["id", "showroom_id", "name"]);
    let mut bays = Insert::into("bays", &["id", "location_id", "name"]);
    for location in &LOCATIONS {
        let short = location.id.trim_start_matches("loc-");
        let showroom = format!("shw-{short}");
        showrooms.row(vec![showroom.clone().into(), location.id.into(), format!("{} showroom", location.name).into()]);
        for zone in ["Entrance", "New cars", "Used cars", "Electric", "Finance desk", "Handover bay"] {
            let id = format!("zone-{short}-{}", zone.to_ascii_lowercase().replace(' ', "-"));
            zones.row(vec![id.into(), showroom.clone().into(), zone.into()]);
        }
        for bay in 1..=6 {
            bays.row(vec![format!("bay-{short}-{bay}").into(), location.id.into(), format!("Bay {bay}").into()]);
        }
    }
    showrooms.write_to(out);
    zones.write_to(out);
    bays.write_to(out);

    let mut customers = Insert::into(
        "customers",
        &[
            "id",
            "name",
            "email",
            "phone",
            "preferred_contact",
            "consent_marketing",
            "high_value",
            "home_location_id",
            "created_at",
            "updated_at",
        ],
    );
    for n in 0..CUSTOMER_COUNT {
        let name = customer_name(n);
        let email = match n {
            0 => "alex@example.com".to_owned(),
            1 => "sam@example.com".to_owned(),
            _ => format!("{}.{}@example.com", name.to_ascii_lowercase().replace(' ', "."), n + 1),
        };
        let contact = ["email", "phone", "sms", "whatsapp"][n % 4];
        customers.row(vec![
            customer_id(n).into(),
            name.into(),
            email.into(),
            format!("+44 7700 9{:05}", n).into(),
            contact.into(),
            i64::from(n % 3 != 0).into(),
            i64::from(n % 17 == 0).into(),
            LOCATIONS[n % LOCATIONS.len()].id.into(),
            CREATED_AT.into(),
            CREATED_AT.into(),
        ]);
    }
    customers.write_to(out);

    let mut users = Insert::into(
        "users",
        &["id", "email", "name", "role", "password", "department", "customer_id", "created_at", "updated_at"],
    );
    let mut user_locations = Insert::into("user_locations", &["user_id", "location_id"]);
    for &(id, email, name, role, department, locations, customer) in ACCOUNTS {
        let password = password_record(id, DEMO_PASSWORD).to_string();
        users.row(vec![
            id.into(),
            email.into(),
            name.into(),
            role.into(),
            password.into(),
            department.into(),
            customer.into(),
            CREATED_AT.into(),
            CREATED_AT.into(),
        ]);
        for location in locations {
            user_locations.row(vec![id.into(), (*location).into()]);
        }
    }
    users.write_to(out);
    user_locations.write_to(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_passwords_verify_against_their_records() {
        let record = password_record("usr-admin", DEMO_PASSWORD);
        let mut derived = vec![0u8; HASH_BYTES];
        pbkdf2::pbkdf2_hmac::<Sha256>(DEMO_PASSWORD.as_bytes(), &record.salt, record.iterations, &mut derived);
        assert!(record.matches(&derived));
        assert!(!record.matches(&[0u8; HASH_BYTES]));
    }

    #[test]
    fn every_role_of_the_brief_has_a_demo_account() {
        for role in ["customer", "sales", "advisor", "technician", "manager", "admin"] {
            assert!(ACCOUNTS.iter().any(|a| a.3 == role), "{role}");
        }
    }

    #[test]
    fn customer_accounts_point_at_existing_customers() {
        for account in ACCOUNTS.iter().filter(|a| a.3 == "customer") {
            let id = account.6.expect("customer accounts have a customer");
            let n: usize = id.trim_start_matches("cus-").parse().expect("numbered");
            assert!((1..=CUSTOMER_COUNT).contains(&n));
        }
    }
}
