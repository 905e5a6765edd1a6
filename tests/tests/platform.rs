//! What every route shares, against the real runtime: the OpenAPI document, rate limits, CORS,
//! request ids in the audit log and the log line, and coalesced reads.

mod support;

use forecourt_domain::identity::Role;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use support::{Api, Check};

const CHECKS: &[(&str, Check)] = &[
    (
        "every_route_in_the_route_table_is_in_the_openapi_document",
        every_route_in_the_route_table_is_in_the_openapi_document,
    ),
    (
        "the_openapi_document_is_3_1_with_problem_errors_and_security",
        the_openapi_document_is_3_1_with_problem_errors_and_security,
    ),
    (
        "flooding_from_one_address_gets_429_with_retry_after_then_recovers",
        flooding_from_one_address_gets_429_with_retry_after_then_recovers,
    ),
    ("one_token_is_limited_on_its_own", one_token_is_limited_on_its_own),
    ("the_apps_origin_passes_a_preflight_and_reads_responses", the_apps_origin_passes_a_preflight_and_reads_responses),
    (
        "other_origins_get_no_cors_headers_and_a_refused_preflight",
        other_origins_get_no_cors_headers_and_a_refused_preflight,
    ),
    ("an_audit_row_carries_the_request_id_of_its_request", an_audit_row_carries_the_request_id_of_its_request),
    (
        "every_request_logs_one_json_line_with_its_route_template",
        every_request_logs_one_json_line_with_its_route_template,
    ),
];

fn main() {
    support::run_checks("it-platform", CHECKS)
}

/// `(method, OpenAPI path)` for every route declared in `edge/src/routes.rs`, read from its
/// source: the route table stays a plain builder chain, and this test notices a new line.
fn declared_routes() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(support::root().join("edge/src/routes.rs")).expect("routes.rs is readable");
    let mut routes = Vec::new();
    for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
        let needle = format!(".{method}_async(\"");
        for (at, _) in source.match_indices(&needle) {
            let rest = &source[at + needle.len()..];
            let path = &rest[..rest.find('"').expect("a closing quote")];
            let openapi_path = path
                .split('/')
                .map(|segment| match segment.strip_prefix(':') {
                    Some(name) => format!("{{{name}}}"),
                    None => segment.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("/");
            routes.push((method.to_owned(), openapi_path));
        }
    }
    assert!(routes.len() >= 10, "the route table parsed to only {routes:?}");
    routes
}

fn document(api: &Api) -> Value {
    let response = api.get("/api/openapi.json");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().expect("a JSON document")
}

fn every_route_in_the_route_table_is_in_the_openapi_document(api: &Api) {
    let document = document(api);
    let missing: Vec<String> = declared_routes()
        .into_iter()
        .filter(|(method, path)| document["paths"][path][method].is_null())
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes.rs declares routes the OpenAPI document lacks (annotate the handler with #[utoipa::path] and list it \
         in edge/src/platform/openapi.rs, see docs/api.md): {missing:?}"
    );
}

fn the_openapi_document_is_3_1_with_problem_errors_and_security(api: &Api) {
    let document = document(api);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", document["openapi"]);
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["device_token"]["scheme"], "bearer");
    assert!(document["components"]["schemas"]["Problem"]["properties"]["field"].is_object());
    let patch = &document["paths"]["/api/vehicles/{id}"]["patch"];
    assert_eq!(patch["security"][0]["bearer"], serde_json::json!([]));
    assert_eq!(
        patch["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PriceChange"
    );
    for status in ["400", "401", "403", "404", "409", "422", "429", "500"] {
        let problem = &patch["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem", "PATCH /api/vehicles/{{id}} {status}");
    }
    assert!(patch["responses"]["429"]["headers"]["retry-after"].is_object());
    assert!(patch["parameters"].as_array().is_some_and(|p| p.iter().any(|p| p["name"] == "Idempotency-Key")));
    // A public read has no security requirement and no 401.
    let search = &document["paths"]["/api/vehicles"]["get"];
    assert!(search["security"].is_null(), "{}", search["security"]);
    assert!(search["responses"]["401"].is_null());
    assert_eq!(
        search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/StockPage"
    );
}

/// Sends `GET path` (with `token`, if any) from 8 threads until one answer is `429`, at most
/// `cap` requests; returns that answer's status, headers and body, and how many were sent.
fn flood(api: &Api, path: &str, token: Option<&str>, cap: usize) -> (u16, reqwest::header::HeaderMap, Value, usize) {
    let sent = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let limited = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) && sent.fetch_add(1, Ordering::Relaxed) < cap {
                    let mut request = api.client.get(format!("{}{path}", api.base));
                    if let Some(token) = token {
                        request = request.bearer_auth(token);
                    }
                    let response = request.send().expect("the edge answers");
                    if response.status() == 429 {
                        stop.store(true, Ordering::Relaxed);
                        let headers = response.headers().clone();
                        let body: Value = response.json().expect("a problem body");
                        *limited.lock().expect("not poisoned") = Some((429, headers, body));
                    }
                }
            });
        }
    });
    let (status, headers, body) =
        limited.into_inner().expect("not poisoned").unwrap_or((0, Default::default(), Value::Null));
    (status, headers, body, sent.load(Ordering::Relaxed).min(cap))
}

fn wait_out_the_window(headers: &reqwest::header::HeaderMap) {
    let seconds: u64 = headers["retry-after"].to_str().ok().and_then(|v| v.parse().ok()).expect("numeric Retry-After");
    std::thread::sleep(Duration::from_secs(seconds));
}

fn flooding_from_one_address_gets_429_with_retry_after_then_recovers(api: &Api) {
    let (status, headers, body, sent) = flood(api, "/api/no-such-route", None, 5_000);
    assert_eq!(status, 429, "no 429 after {sent} requests");
    assert!(sent >= 1_000, "limited after only {sent} requests (the limit is 1000 per 10 s)");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(headers["retry-after"], "10");
    assert_eq!(body["type"], "/docs/problems#rate-limited");
    assert!(body["request_id"].is_string());
    wait_out_the_window(&headers);
    assert_eq!(api.get("/api/vehicles?limit=1").status(), 200, "the address may call again after Retry-After");
}

fn one_token_is_limited_on_its_own(api: &Api) {
    let busy = support::mint_token("usr-busy", Role::Admin, &[], None);
    let other = support::mint_token("usr-other", Role::Admin, &[], None);
    let (status, headers, body, sent) = flood(api, "/api/no-such-route", Some(&busy), 3_000);
    assert_eq!(status, 429, "no 429 after {sent} requests");
    assert!(sent < 1_000, "the token's limit (500) comes before the address's (1000): {sent}");
    assert_eq!(body["type"], "/docs/problems#rate-limited");
    let another_token = api.client.get(format!("{}/api/no-such-route", api.base)).bearer_auth(&other).send();
    assert_eq!(another_token.expect("the edge answers").status(), 404, "another token is not limited");
    assert_eq!(api.get("/api/no-such-route").status(), 404, "the address is not limited");
    wait_out_the_window(&headers);
}

/// One of the origins `APP_ORIGIN` lists in wrangler.toml.
const APP_ORIGIN: &str = "http://127.0.0.1:8787";

fn preflight(api: &Api, origin: &str) -> reqwest::blocking::Response {
    api.client
        .request(reqwest::Method::OPTIONS, format!("{}/api/vehicles/veh-00001", api.base))
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, content-type, idempotency-key")
        .send()
        .expect("the edge answers")
}

fn the_apps_origin_passes_a_preflight_and_reads_responses(api: &Api) {
    let response = preflight(api, APP_ORIGIN);
    assert_eq!(response.status(), 204);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
    assert!(headers["access-control-allow-methods"].to_str().is_ok_and(|m| m.contains("PATCH")));
    let allowed = headers["access-control-allow-headers"].to_str().unwrap_or_default();
    assert!(["authorization", "content-type", "idempotency-key"].iter().all(|h| allowed.contains(h)), "{allowed}");
    assert!(headers.contains_key("access-control-max-age"));

    let read = api.client.get(format!("{}/api/vehicles?limit=1", api.base)).header("origin", APP_ORIGIN).send();
    let read = read.expect("the edge answers");
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["access-control-allow-origin"], APP_ORIGIN);
    assert!(read.headers()["access-control-expose-headers"].to_str().is_ok_and(|h| h.contains("x-request-id")));
    assert!(read.headers()["vary"].to_str().is_ok_and(|v| v.contains("origin")));
}

fn other_origins_get_no_cors_headers_and_a_refused_preflight(api: &Api) {
    for origin in ["https://evil.example", "http://127.0.0.1:8787.evil.example", "null"] {
        let response = preflight(api, origin);
        assert_eq!(response.status(), 403, "{origin}");
        assert!(!response.headers().contains_key("access-control-allow-origin"), "{origin}");
        let problem: Value = response.json().expect("a problem body");
        assert_eq!(problem["field"], "origin");

        let read = api.client.get(format!("{}/api/vehicles?limit=1", api.base)).header("origin", origin).send();
        let read = read.expect("the edge answers");
        assert!(!read.headers().contains_key("access-control-allow-origin"), "{origin}");
        assert!(!read.headers().contains_key("access-control-expose-headers"), "{origin}");
    }
    // Without an Origin, a request is not a browser's cross-origin one: no CORS headers either.
    assert!(!api.get("/api/vehicles?limit=1").headers().contains_key("access-control-allow-origin"));
}

fn an_audit_row_carries_the_request_id_of_its_request(api: &Api) {
    let admin = api.login("admin@forecourt.example");
    // wo-open-02 is checked in at City in the demo data; diagnosing is a legal next move.
    let moved = api
        .client
        .post(format!("{}/api/work-orders/wo-open-02/transitions", api.base))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"to": "diagnosing"}))
        .send()
        .expect("the edge answers");
    assert_eq!(moved.status(), 200, "{:?}", moved.text());
    let request_id = moved.headers()["x-request-id"].to_str().expect("ASCII").to_owned();

    let trail = api
        .client
        .get(format!("{}/api/audit?entity=work_order&entity_id=wo-open-02", api.base))
        .bearer_auth(&admin)
        .send()
        .expect("the edge answers");
    assert_eq!(trail.status(), 200);
    let trail: Value = trail.json().expect("a trail");
    let last = trail["items"].as_array().and_then(|items| items.last()).cloned().expect("an audit row");
    assert_eq!(last["action"], "work_order.transition");
    assert_eq!(last["request_id"], request_id.as_str());
}

/// The JSON log lines the worker wrote to wrangler's output so far.
fn log_lines() -> Vec<Value> {
    let log = support::root().join("target/forecourt/it-platform-wrangler.log");
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines().filter(|line| line.starts_with('{')).filter_map(|line| serde_json::from_str(line).ok()).collect()
}

fn every_request_logs_one_json_line_with_its_route_template(api: &Api) {
    let response = api.get("/api/vehicles/veh-00003");
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().expect("ASCII").to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let lines: Vec<Value> =
            log_lines().into_iter().filter(|line| line["request_id"] == request_id.as_str()).collect();
        if !lines.is_empty() || std::time::Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(lines.len(), 1, "exactly one line for {request_id}");
    let line = &lines[0];
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/api/vehicles/{id}");
    assert_eq!(line["status"], 200);
    assert!(line["duration_ms"].as_f64().is_some());
    assert!(line["cache"] == "HIT" || line["cache"] == "MISS", "{line}");
}
