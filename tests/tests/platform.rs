//! What every route shares, against the real runtime: the OpenAPI document, rate limits, CORS,
//! request ids in the audit log and the log line, and coalesced reads.

mod support;

use serde_json::Value;
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
