//! Accounts and sessions against the real runtime: sign-in for every role, throttling, refresh
//! rotation with reuse detection, sign-out, forged and expired tokens, and who may change prices.

mod support;

use forecourt_domain::identity::token::{self, Claims};
use forecourt_domain::identity::Role;
use forecourt_tests::{DEMO_PASSWORD, LOCAL_TOKEN_SIGNING_KEY};
use serde_json::{json, Value};
use support::{Api, Check};

const CHECKS: &[(&str, Check)] = &[
    ("every_role_signs_in_and_sees_its_own_profile", every_role_signs_in_and_sees_its_own_profile),
    ("a_wrong_password_and_an_unknown_email_fail_alike", a_wrong_password_and_an_unknown_email_fail_alike),
    ("repeated_failures_lock_the_account_for_a_while", repeated_failures_lock_the_account_for_a_while),
    (
        "refresh_tokens_rotate_and_a_reused_one_revokes_the_session",
        refresh_tokens_rotate_and_a_reused_one_revokes_the_session,
    ),
    ("signing_out_revokes_the_refresh_token", signing_out_revokes_the_refresh_token),
    ("forged_and_expired_tokens_are_refused", forged_and_expired_tokens_are_refused),
    ("malformed_sign_in_requests_name_the_problem", malformed_sign_in_requests_name_the_problem),
    (
        "only_staff_of_the_vehicles_location_may_change_its_price",
        only_staff_of_the_vehicles_location_may_change_its_price,
    ),
];

const ACCOUNTS: &[(&str, &str, &[&str])] = &[
    ("admin@forecourt.example", "admin", &[]),
    ("manager.north@forecourt.example", "manager", &["loc-north"]),
    ("sales.city@forecourt.example", "sales", &["loc-city"]),
    ("advisor.north@forecourt.example", "advisor", &["loc-north"]),
    ("tech.north@forecourt.example", "technician", &["loc-north"]),
    ("alex@example.com", "customer", &[]),
];

fn main() {
    support::run_checks("it-auth", CHECKS)
}

fn post(api: &Api, path: &str, body: Value) -> reqwest::blocking::Response {
    api.client.post(format!("{}{path}", api.base)).json(&body).send().expect("the edge answers")
}

fn sign_in(api: &Api, email: &str, password: &str) -> reqwest::blocking::Response {
    post(api, "/api/auth/login", json!({"email": email, "password": password}))
}

fn me(api: &Api, token: &str) -> reqwest::blocking::Response {
    api.client.get(format!("{}/api/auth/me", api.base)).bearer_auth(token).send().expect("the edge answers")
}

fn problem_type(response: reqwest::blocking::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().expect("problem json");
    body["type"].as_str().unwrap_or_default().to_owned()
}

fn every_role_signs_in_and_sees_its_own_profile(api: &Api) {
    for (email, role, locations) in ACCOUNTS {
        let response = sign_in(api, email, DEMO_PASSWORD);
        assert_eq!(response.status(), 200, "{email}");
        let tokens: Value = response.json().expect("tokens");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 900);
        assert!(tokens["refresh_token"].as_str().is_some_and(|t| t.starts_with("fcr_")));
        let profile: Value = me(api, tokens["access_token"].as_str().expect("access token")).json().expect("profile");
        assert_eq!(profile["email"], *email);
        assert_eq!(profile["role"], *role);
        assert_eq!(profile["location_ids"], json!(locations));
    }
}

fn a_wrong_password_and_an_unknown_email_fail_alike(api: &Api) {
    let wrong = sign_in(api, "sales.north@forecourt.example", "not-the-password");
    let unknown = sign_in(api, "nobody@forecourt.example", DEMO_PASSWORD);
    assert_eq!(problem_type(wrong, 401), "/docs/problems#invalid-credentials");
    assert_eq!(problem_type(unknown, 401), "/docs/problems#invalid-credentials");
    // Email case does not matter.
    assert_eq!(sign_in(api, "Sales.North@Forecourt.Example", DEMO_PASSWORD).status(), 200);
}

fn repeated_failures_lock_the_account_for_a_while(api: &Api) {
    let email = "sales.south@forecourt.example";
    for _ in 0..5 {
        assert_eq!(sign_in(api, email, "guess").status(), 401);
    }
    let locked = sign_in(api, email, DEMO_PASSWORD);
    assert_eq!(locked.status(), 429, "even the right password waits while locked");
    let retry_after: u64 = locked
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!((1..=900).contains(&retry_after));
}

fn refresh(api: &Api, refresh_token: &str) -> reqwest::blocking::Response {
    post(api, "/api/auth/refresh", json!({"refresh_token": refresh_token}))
}

fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session(api: &Api) {
    let first: Value = sign_in(api, "advisor.city@forecourt.example", DEMO_PASSWORD).json().expect("tokens");
    let original = first["refresh_token"].as_str().expect("refresh token").to_owned();
    let rotated: Value = refresh(api, &original).json().expect("rotated tokens");
    let next = rotated["refresh_token"].as_str().expect("new refresh token").to_owned();
    assert_ne!(next, original);
    assert_eq!(me(api, rotated["access_token"].as_str().expect("access")).status(), 200);

    // The old token again: a replay. The whole session is revoked, including the newest token.
    assert_eq!(refresh(api, &original).status(), 401);
    assert_eq!(refresh(api, &next).status(), 401);
}

fn signing_out_revokes_the_refresh_token(api: &Api) {
    let tokens: Value = sign_in(api, "tech2.north@forecourt.example", DEMO_PASSWORD).json().expect("tokens");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token");
    assert_eq!(post(api, "/api/auth/logout", json!({"refresh_token": refresh_token})).status(), 204);
    assert_eq!(refresh(api, refresh_token).status(), 401);
}

fn forged_and_expired_tokens_are_refused(api: &Api) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let admin =
        Claims { sub: "usr-admin".into(), role: Role::Admin, locs: vec![], cust: None, iat: now, exp: now + 600 };
    let forged = token::sign(&admin, b"an attacker's key that is long enough!!");
    assert_eq!(me(api, &forged).status(), 401);
    let expired = Claims { iat: now - 2_000, exp: now - 1_000, ..admin.clone() };
    let response = me(api, &token::sign(&expired, LOCAL_TOKEN_SIGNING_KEY.as_bytes()));
    assert_eq!(response.status(), 401);
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(challenge.contains("invalid_token"), "expired tokens say so: {challenge}");
    assert_eq!(me(api, "fc1.garbage.garbage").status(), 401);
    assert_eq!(me(api, "fcd_not-a-registered-device").status(), 401);
    // A validly signed token is accepted: the refusals above are about the token, not the route.
    assert_eq!(me(api, &token::sign(&admin, LOCAL_TOKEN_SIGNING_KEY.as_bytes())).status(), 200);
}

fn malformed_sign_in_requests_name_the_problem(api: &Api) {
    let missing = post(api, "/api/auth/login", json!({"email": "admin@forecourt.example"}));
    assert_eq!(problem_type(missing, 400), "/docs/problems#invalid-body");
    let extra = post(api, "/api/auth/login", json!({"email": "a@b.c", "password": "x", "admin": true}));
    assert_eq!(problem_type(extra, 400), "/docs/problems#invalid-body");
    let wrong_type = post(api, "/api/auth/login", json!({"email": 5, "password": "x"}));
    let body: Value = wrong_type.json().expect("problem");
    assert_eq!(body["field"], "email");
}

fn only_staff_of_the_vehicles_location_may_change_its_price(api: &Api) {
    let page = api.get_json("/api/vehicles?location=loc-north&limit=1");
    let vehicle = &page["items"][0];
    let id = vehicle["id"].as_str().expect("a north vehicle");
    let price = vehicle["price"].as_i64().expect("price");
    let cases = [
        ("admin@forecourt.example", 200),
        ("manager.north@forecourt.example", 200),
        ("sales.north@forecourt.example", 200),
        ("manager.south@forecourt.example", 403),
        ("sales.city@forecourt.example", 403),
        ("advisor.north@forecourt.example", 403),
        ("tech.north@forecourt.example", 403),
        ("alex@example.com", 403),
    ];
    for (offset, (email, status)) in cases.iter().enumerate() {
        let token = api.login(email);
        let response = api.patch_price_as(&token, id, &format!("{{\"price_cents\":{}}}", price + offset as i64 * 100));
        assert_eq!(response.status(), *status, "{email}");
    }
    assert_eq!(api.patch_price_as("", id, r#"{"price_cents":1}"#).status(), 401);
}
