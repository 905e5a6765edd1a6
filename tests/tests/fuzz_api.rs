//! Random and malformed requests at every mutating route (read from `edge/src/routes.rs`): bad
//! JSON, wrong types, unknown fields, huge bodies, injection strings, invalid UTF-8, odd methods
//! and paths, as an admin (so payloads get past authorization), a customer and anonymously.
//! None may answer 5xx, none may be accepted, and the database must be exactly as before.
//!
//! Bounded: a fixed seed and number of cases, and a deadline. The edge runs with loopback exempt
//! from rate limits, so every payload reaches its handler instead of a `429`.

mod support;

use forecourt_domain::identity::Role;
use forecourt_tests::LocalEdge;
use reqwest::blocking::Client;
use reqwest::Method;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SEED: u64 = 0x00f0_4ec0_0a7f_2026;
const RANDOM_BODIES_PER_ROUTE: usize = 40;
const DEADLINE: Duration = Duration::from_secs(300);
const STATE: &str = "it-fuzz";

fn main() {
    let edge = support::start_edge_with_vars(STATE, &[("RATE_LIMIT_EXEMPT_IPS", "127.0.0.1,::1,unknown")])
        .unwrap_or_else(|error| {
            eprintln!("could not start the local edge: {error}");
            std::process::exit(1)
        });
    let outcome = std::panic::catch_unwind(|| fuzz(&edge));
    drop(edge);
    match outcome {
        Ok(()) => println!("test result: ok. fuzz_api: no 5xx, nothing accepted, database unchanged"),
        Err(_) => {
            eprintln!("test result: FAILED. fuzz_api");
            std::process::exit(101)
        }
    }
}

fn fuzz(edge: &LocalEdge) {
    let base = edge.base_url();
    let client = Client::builder().timeout(Duration::from_secs(30)).build().expect("a client");
    let admin = support::mint_token("usr-admin", Role::Admin, &[], None);
    let customer = support::mint_token("usr-cus-00001", Role::Customer, &[], Some("cus-00001"));
    let callers: [Option<&str>; 3] = [Some(&admin), Some(&customer), None];
    let before = database_digest();
    let mut random = XorShift(SEED);
    let started = Instant::now();
    let (mut sent, mut failures) = (0usize, Vec::new());

    for (method, template) in mutating_routes() {
        for path in paths_for(&template) {
            let mut cases = fixed_bodies();
            cases.extend((0..RANDOM_BODIES_PER_ROUTE).map(|_| random_body(&mut random).into_bytes()));
            for (i, body) in cases.into_iter().enumerate() {
                if started.elapsed() > DEADLINE {
                    break;
                }
                let caller = callers[i % callers.len()];
                let methods = [method.clone(), odd_method(i)];
                for method in methods.iter().take(if i % 7 == 0 { 2 } else { 1 }) {
                    let mut request = client
                        .request(method.clone(), format!("{base}{path}"))
                        .header("content-type", content_type(i))
                        .header("idempotency-key", format!("fuzz-{sent}"))
                        .body(body.clone());
                    if let Some(token) = caller {
                        request = request.bearer_auth(token);
                    }
                    sent += 1;
                    match request.send() {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            // Signing out with a token that is not (or no longer) valid is a no-op by
                            // design (`204`, nothing revealed, nothing changed).
                            let harmless = status == 204 && path == "/api/auth/logout";
                            if !(400..500).contains(&status) && !harmless {
                                let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                                let answer = response.text().unwrap_or_default();
                                let (path, answer) = (&path[..path.len().min(120)], &answer[..answer.len().min(300)]);
                                failures.push(format!("{method} {path} [{shown}] → {status} {answer}"));
                            }
                        }
                        Err(error) => failures.push(format!("{method} {path}: no answer ({error})")),
                    }
                }
            }
        }
    }
    println!("fuzz_api: {sent} requests in {:.0?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} requests were accepted or failed on our side:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(sent > 500, "only {sent} requests before the deadline");
    let after = database_digest();
    assert!(before == after, "the database changed: {}", first_difference(&before, &after));
}

/// `(method, path template)` of every route in routes.rs that may change data.
fn mutating_routes() -> Vec<(Method, String)> {
    let source = std::fs::read_to_string(support::root().join("edge/src/routes.rs")).expect("routes.rs");
    let mut routes = Vec::new();
    for (name, method) in
        [("post", Method::POST), ("put", Method::PUT), ("patch", Method::PATCH), ("delete", Method::DELETE)]
    {
        let needle = format!(".{name}_async(\"");
        for (at, _) in source.match_indices(&needle) {
            let rest = &source[at + needle.len()..];
            routes.push((method.clone(), rest[..rest.find('"').expect("a closing quote")].to_owned()));
        }
    }
    assert!(routes.len() >= 5, "parsed only {routes:?}");
    routes
}

/// The template with its parameters filled: real records (so payloads reach validation), an
/// unknown id, and hostile ones.
fn paths_for(template: &str) -> Vec<String> {
    let real = |segment: &str| match segment {
        "vehicles" => "veh-00001",
        "work-orders" => "wo-open-03",
        "leads" => "lead-00001",
        "appointments" => "apt-00001",
        _ => "does-not-exist",
    };
    let hostile = ["does-not-exist", "%27%20OR%201%3D1--", "..%2F..%2Fetc%2Fpasswd", "%00", "%F0%28%8C%BC"];
    let fill = |choice: Option<&str>| {
        let mut previous = "";
        template
            .split('/')
            .map(|segment| {
                let filled = if segment.starts_with(':') {
                    // A line or code inside a real record: never a real one (a DELETE would succeed).
                    let id = if segment == ":id" { choice.unwrap_or_else(|| real(previous)) } else { "no-such-line" };
                    id.to_owned()
                } else {
                    segment.to_owned()
                };
                previous = segment;
                filled
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut paths = vec![fill(None)];
    if template.contains(':') {
        paths.extend(hostile.iter().map(|id| fill(Some(id))));
        paths.push(fill(Some(&"x".repeat(2_000))));
    }
    paths
}

fn fixed_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        "",
        "{",
        "}",
        "null",
        "[]",
        "123",
        "\"a string\"",
        "{\"unknown_field\": 1}",
        "{\"to\": 5}",
        "{\"to\": null, \"expected_version\": \"three\"}",
        "{\"price_cents\": \"lots\"}",
        "{\"price_cents\": -1}",
        "{\"price_cents\": 1e400}",
        "{\"price_cents\": 9223372036854775808}",
        "{\"price_cents\": 3.5}",
        "{\"email\": [], \"password\": {}}",
        "{\"refresh_token\": \"'; DROP TABLE users; --\"}",
        "{\"to\": \"'; DROP TABLE work_orders; --\"}",
        "{\"vehicle_id\": \"veh-00001' OR '1'='1\", \"customer_id\": \"<script>alert(1)</script>\", \"starts_at\": \"yesterday\", \"ends_at\": \"\\u0000\"}",
        "{\"note\": \"\\ud800\"}",
        "{\"a\":1,\"a\":2}",
        "{\"to\": \"checked_in\", \"to\": \"done\", \"expected_version\": -1}",
    ]
    .iter()
    .map(|body| body.as_bytes().to_vec())
    .collect();
    bodies.push(vec![0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]); // invalid UTF-8
    bodies.push(format!("{{\"note\": \"{}\"}}", "ü".repeat(600_000)).into_bytes()); // > 1 MiB
    bodies.push(format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes()); // deep nesting
    bodies.push(format!("{{\"note\": \"{}\"}}", "x".repeat(5_000)).into_bytes());
    bodies
}

/// JSON-ish text: known field names with values of the wrong kind, or broken syntax.
fn random_body(random: &mut XorShift) -> String {
    const FIELDS: &[&str] = &[
        "to",
        "note",
        "price_cents",
        "expected_version",
        "email",
        "password",
        "refresh_token",
        "vehicle_id",
        "customer_id",
        "starts_at",
        "ends_at",
        "rep_id",
        "lead_id",
        "lost_reason",
        "status",
        "hours",
        "quantity",
        "code",
        "action",
        "decision",
        "booking_reference",
        "last_name",
        "zzz",
    ];
    const VALUES: &[&str] = &[
        "null",
        "true",
        "-1",
        "0",
        "-9223372036854775809",
        "1e999",
        "3.25",
        "[]",
        "{}",
        "[1,2,3]",
        "\"\"",
        "\"' OR 1=1 --\"",
        "\"<img src=x onerror=alert(1)>\"",
        "\"../../etc/passwd\"",
        "\"\\u0000\"",
        "\"🚗\"",
        "\"2026-13-45T99:99:99Z\"",
        "\"%s%s%n\"",
        "{\"$ne\": null}",
    ];
    let fields = 1 + random.below(5);
    let mut body = String::from("{");
    for i in 0..fields {
        if i > 0 {
            body.push(',');
        }
        let field = FIELDS[random.below(FIELDS.len())];
        let value = VALUES[random.below(VALUES.len())];
        body.push_str(&format!("\"{field}\":{value}"));
    }
    body.push('}');
    match random.below(6) {
        0 => {
            // Cut short (at a character boundary: the text stays UTF-8, only the JSON breaks).
            let mut cut = random.below(body.len().max(1));
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        1 => body = body.replace(':', "="), // not JSON at all
        _ => {}
    }
    body
}

fn odd_method(i: usize) -> Method {
    // Methods workerd itself does not know (e.g. BREW) never reach the Worker: it answers 501.
    let odd = ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "REPORT"];
    Method::from_bytes(odd[i % odd.len()].as_bytes()).expect("a method")
}

fn content_type(i: usize) -> &'static str {
    [
        "application/json",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
    ][i % 5]
}

/// A tiny deterministic generator (xorshift64*), so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// Every row of every table of the local D1 database (read-only from its SQLite file), minus what
/// a refused request records by design: failed sign-ins in `login_throttle`.
fn database_digest() -> Vec<String> {
    let dir = support::root().join(format!("target/forecourt/{STATE}-state/v3/d1/miniflare-D1DatabaseObject"));
    let file: PathBuf = std::fs::read_dir(&dir)
        .expect("the local D1 directory")
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "sqlite") && !path.ends_with("metadata.sqlite"))
        .expect("the local D1 database file");
    let db = rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'login_throttle' ORDER BY name")
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .expect("the table list");
    // SQLite's own tables and D1's (`_cf_METADATA` counts every statement) are not data.
    tables.retain(|name| !name.starts_with("sqlite_") && !name.starts_with("_cf"));
    let mut lines = Vec::new();
    for table in tables {
        let mut statement = db.prepare(&format!("SELECT * FROM \"{table}\"")).expect("a table");
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                let values: Vec<String> =
                    (0..columns).map(|i| format!("{:?}", row.get_ref(i).map(|v| v.to_owned()))).collect();
                Ok(format!("{table}: {}", values.join(" | ")))
            })
            .expect("rows");
        lines.extend(rows.map(|row| row.expect("a row")));
    }
    lines.sort();
    lines
}

fn first_difference(before: &[String], after: &[String]) -> String {
    let position = before.iter().zip(after).position(|(a, b)| a != b).unwrap_or(before.len().min(after.len()));
    format!(
        "{} lines before, {} after; first difference at line {position}: {:?} vs {:?}",
        before.len(),
        after.len(),
        before.get(position).map(|l| &l[..l.len().min(300)]),
        after.get(position).map(|l| &l[..l.len().min(300)])
    )
}
