//! The edge API against the real Workers runtime (`wrangler dev`: workerd, D1, KV, Durable
//! Objects), over HTTP and WebSocket. One server for the whole binary; tests run one at a time
//! because several of them change shared stock and watch the cache.

mod support;

use serde_json::Value;
use std::collections::HashSet;
use std::io::Read;
use support::{connect, next_json, Api, Check};

const CHECKS: &[(&str, Check)] = &[
    ("health_reports_every_storage_reachable", health_reports_every_storage_reachable),
    ("stock_pages_cover_all_public_stock_once", stock_pages_cover_all_public_stock_once),
    ("make_filter_is_case_insensitive_and_exact", make_filter_is_case_insensitive_and_exact),
    ("location_filter_returns_only_that_location", location_filter_returns_only_that_location),
    ("sold_stock_is_not_public", sold_stock_is_not_public),
    ("repeated_search_is_served_from_kv", repeated_search_is_served_from_kv),
    ("a_price_change_is_visible_to_the_next_read", a_price_change_is_visible_to_the_next_read),
    ("a_price_change_reaches_every_socket_in_the_room", a_price_change_reaches_every_socket_in_the_room),
    (
        "a_reconnecting_client_gets_what_it_missed_once_in_order",
        a_reconnecting_client_gets_what_it_missed_once_in_order,
    ),
    ("a_stale_edit_is_a_conflict_with_the_current_record", a_stale_edit_is_a_conflict_with_the_current_record),
    ("writes_need_a_signed_in_caller", writes_need_a_signed_in_caller),
    ("bad_query_parameters_name_the_field", bad_query_parameters_name_the_field),
    ("bad_bodies_are_refused_without_changing_data", bad_bodies_are_refused_without_changing_data),
    ("large_bodies_prefer_brotli_then_gzip", large_bodies_prefer_brotli_then_gzip),
    ("small_bodies_and_opt_outs_are_not_compressed", small_bodies_and_opt_outs_are_not_compressed),
    ("unknown_routes_and_methods_are_problems", unknown_routes_and_methods_are_problems),
    ("rooms_check_the_request_before_upgrading", rooms_check_the_request_before_upgrading),
    ("every_response_carries_security_headers", every_response_carries_security_headers),
    ("the_app_is_served_with_deep_links", the_app_is_served_with_deep_links),
    ("unchanged_resources_answer_304_and_changed_ones_do_not", unchanged_resources_answer_304_and_changed_ones_do_not),
];

fn main() {
    support::run_checks("it-edge-api", CHECKS)
}

fn problem(response: reqwest::blocking::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().expect("problem body");
    assert_eq!(body["status"], status);
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()), "problems carry the request id");
    body
}

fn all_public_stock(api: &Api, filter: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/vehicles?limit=50{filter}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api.get_json(&path);
        let batch = page["items"].as_array().cloned().unwrap_or_default();
        assert!(batch.len() <= 50, "a page never exceeds its limit");
        items.extend(batch);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// Ids of demo vehicles with `status`, read from the seed the server was loaded with.
fn seeded_ids_with_status(status: &str) -> Vec<String> {
    // The seed writes one vehicle row per line: ('veh-00001', 'VIN', …, 'available', 1, '…'),
    let seed = std::fs::read_to_string(support::seed_sql()).expect("seed SQL");
    seed.lines()
        .filter(|line| line.starts_with("('veh-") && line.contains(&format!("'{status}', 1,")))
        .filter_map(|line| line.trim_start_matches("('").split('\'').next().map(str::to_owned))
        .collect()
}

/// The `n`th vehicle customers can see; each test that writes uses its own.
fn public_id(n: usize) -> String {
    let mut ids: Vec<String> =
        ["incoming", "available", "reserved"].iter().flat_map(|s| seeded_ids_with_status(s)).collect();
    ids.sort();
    ids[n].clone()
}

fn health_reports_every_storage_reachable(api: &Api) {
    let health = api.get_json("/api/health");
    assert_eq!(health["status"], "ok");
    for storage in ["d1", "kv", "r2"] {
        assert_eq!(health[storage]["ok"], true, "{storage}");
    }
    assert!(health["version"].as_str().is_some_and(|v| !v.is_empty()));
}

fn stock_pages_cover_all_public_stock_once(api: &Api) {
    let items = all_public_stock(api, "");
    let ids: Vec<&str> = items.iter().filter_map(|v| v["id"].as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no vehicle appears twice across pages");
    let public_in_seed: usize =
        ["incoming", "available", "reserved"].iter().map(|s| seeded_ids_with_status(s).len()).sum();
    assert_eq!(ids.len(), public_in_seed, "every public vehicle appears");
    assert!(ids.len() >= 150, "the demo has a realistic amount of stock");
}

fn make_filter_is_case_insensitive_and_exact(api: &Api) {
    let skodas = all_public_stock(api, "&make=skoda");
    assert!(!skodas.is_empty());
    assert!(skodas.iter().all(|v| v["make"] == "Skoda"));
    let all = all_public_stock(api, "");
    assert_eq!(skodas.len(), all.iter().filter(|v| v["make"] == "Skoda").count());
}

fn location_filter_returns_only_that_location(api: &Api) {
    let south = all_public_stock(api, "&location=loc-south");
    assert!(!south.is_empty());
    assert!(south.iter().all(|v| v["location_id"] == "loc-south" && v["location_name"] == "Forecourt South"));
}

fn sold_stock_is_not_public(api: &Api) {
    let sold = seeded_ids_with_status("sold");
    let id = sold.first().expect("the demo has sold vehicles");
    problem(api.get(&format!("/api/vehicles/{id}")), 404);
    assert!(!all_public_stock(api, "").iter().any(|v| v["id"] == id.as_str()));
}

fn repeated_search_is_served_from_kv(api: &Api) {
    let path = "/api/vehicles?make=Toyota&limit=7";
    let first = api.get(path);
    let second = api.get(path);
    let header =
        |r: &reqwest::blocking::Response| r.headers().get("x-cache").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header(&first).as_deref(), Some("MISS"));
    assert_eq!(header(&second).as_deref(), Some("HIT"));
    assert_eq!(first.json::<Value>().ok(), second.json::<Value>().ok(), "the cache returns the same page");
}

fn a_price_change_is_visible_to_the_next_read(api: &Api) {
    let id = public_id(0);
    let id = id.as_str();
    let before = api.get_json(&format!("/api/vehicles/{id}"));
    api.get_json(&format!("/api/vehicles/{id}")); // now cached
    let search = format!("/api/vehicles?make={}&limit=100", before["make"].as_str().unwrap_or_default());
    api.get_json(&search); // cached too
    let new_price = before["price"].as_i64().unwrap_or(0) + 12_300;
    let response = api.patch_price(id, &format!("{{\"price_cents\":{new_price}}}"));
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().expect("updated vehicle");
    assert_eq!(updated["version"], before["version"].as_i64().unwrap_or(0) + 1);
    assert_eq!(api.get_json(&format!("/api/vehicles/{id}"))["price"], new_price);
    let listed = api.get_json(&search);
    let row = listed["items"].as_array().and_then(|items| items.iter().find(|v| v["id"] == id).cloned());
    assert_eq!(row.map(|v| v["price"].clone()), Some(Value::from(new_price)));
}

fn a_price_change_reaches_every_socket_in_the_room(api: &Api) {
    let id = public_id(1);
    let id = id.as_str();
    let url = api.ws_url(&format!("/api/rooms/vehicle:{id}"));
    let mut first = connect(&url);
    let mut second = connect(&url);
    let welcome = next_json(&mut first);
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["room"], format!("vehicle:{id}"));
    next_json(&mut second);
    let last_seq = welcome["last_seq"].as_u64().unwrap_or(0);

    let response = api.patch_price(id, r#"{"price_cents":2345600}"#);
    assert_eq!(response.status(), 200);
    for socket in [&mut first, &mut second] {
        let event = next_json(socket);
        assert_eq!(event["type"], "event");
        assert_eq!(event["seq"], last_seq + 1);
        assert_eq!(event["event"]["kind"], "vehicle_updated");
        assert_eq!(event["event"]["price"], 2_345_600);
    }
}

fn a_reconnecting_client_gets_what_it_missed_once_in_order(api: &Api) {
    let id = public_id(2);
    let id = id.as_str();
    let url = api.ws_url(&format!("/api/rooms/vehicle:{id}"));
    let mut socket = connect(&url);
    let seen = next_json(&mut socket)["last_seq"].as_u64().unwrap_or(0);
    let _ = socket.close(None);
    drop(socket);

    let prices = [3_000_000, 3_100_000, 3_200_000];
    for price in prices {
        assert_eq!(api.patch_price(id, &format!("{{\"price_cents\":{price}}}")).status(), 200);
    }
    let mut resumed = connect(&format!("{url}?after={seen}"));
    assert_eq!(next_json(&mut resumed)["last_seq"], seen + 3);
    for (offset, price) in prices.iter().enumerate() {
        let event = next_json(&mut resumed);
        assert_eq!(event["seq"], seen + 1 + offset as u64, "missed events arrive in order");
        assert_eq!(event["event"]["price"], *price);
    }
    // Nothing more: the next message is the answer to our ping, not a duplicate event.
    resumed.send(tungstenite::Message::text(r#"{"type":"ping"}"#)).expect("ping");
    assert_eq!(next_json(&mut resumed)["type"], "pong");
}

fn a_stale_edit_is_a_conflict_with_the_current_record(api: &Api) {
    let id = public_id(3);
    let id = id.as_str();
    let current = api.get_json(&format!("/api/vehicles/{id}"));
    let version = current["version"].as_i64().unwrap_or(0);
    let ok = api.patch_price(id, &format!("{{\"price_cents\":1111100,\"expected_version\":{version}}}"));
    assert_eq!(ok.status(), 200);
    let stale = api.patch_price(id, &format!("{{\"price_cents\":2222200,\"expected_version\":{version}}}"));
    let body = problem(stale, 409);
    assert_eq!(body["current"]["price"], 1_111_100, "the conflict shows what won");
    assert_eq!(api.get_json(&format!("/api/vehicles/{id}"))["price"], 1_111_100, "the stale edit changed nothing");
}

fn writes_need_a_signed_in_caller(api: &Api) {
    let id = public_id(4);
    let id = id.as_str();
    let before = api.get_json(&format!("/api/vehicles/{id}"));
    for auth in [None, Some("Basic abc")] {
        let mut request = api
            .client
            .patch(format!("{}/api/vehicles/{id}", api.base))
            .header("content-type", "application/json")
            .body(r#"{"price_cents":100}"#);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().expect("answer");
        assert_eq!(response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
        problem(response, 401);
    }
    assert_eq!(api.get_json(&format!("/api/vehicles/{id}"))["price"], before["price"]);
}

fn bad_query_parameters_name_the_field(api: &Api) {
    for (query, field) in
        [("limit=0", "limit"), ("limit=abc", "limit"), ("cursor=%00%01", "cursor"), ("colour=red", "colour")]
    {
        let body = problem(api.get(&format!("/api/vehicles?{query}")), 400);
        assert_eq!(body["field"], field, "{query}");
    }
}

fn bad_bodies_are_refused_without_changing_data(api: &Api) {
    let id = public_id(5);
    let id = id.as_str();
    let before = api.get_json(&format!("/api/vehicles/{id}"));
    let cases: [(&str, u16, Option<&str>); 6] = [
        ("{not json", 400, None),
        (r#"{"price_cents":"12"}"#, 400, Some("price_cents")),
        (r#"{"price_cents":100,"discount":5}"#, 400, None),
        (r#"{"price_cents":-5}"#, 400, Some("price_cents")),
        (r#"{"price_cents":"1; DROP TABLE vehicles; --"}"#, 400, Some("price_cents")),
        (r#"{"price_cents":99999999999}"#, 400, Some("price_cents")),
    ];
    for (body, status, field) in cases {
        let response = problem(api.patch_price(id, body), status);
        if let Some(field) = field {
            assert_eq!(response["field"], field, "{body}");
        }
    }
    let huge = format!("{{\"price_cents\":1,\"pad\":\"{}\"}}", "x".repeat(100 * 1024));
    problem(api.patch_price(id, &huge), 413);
    let invalid_utf8 = api
        .client
        .patch(format!("{}/api/vehicles/{id}", api.base))
        .header("authorization", format!("Bearer {}", api.login("admin@forecourt.example")))
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .expect("answer");
    problem(invalid_utf8, 400);
    let after = api.get_json(&format!("/api/vehicles/{id}"));
    assert_eq!(after, before, "nothing about the vehicle changed");
    assert!(
        api.get_json("/api/vehicles?limit=1")["items"].as_array().is_some_and(|i| i.len() == 1),
        "the table is intact"
    );
}

fn compressed_get(api: &Api, path: &str, accept: &str, opt_out: bool) -> (Option<String>, Vec<u8>) {
    let mut request = api.client.get(format!("{}{path}", api.base)).header("accept-encoding", accept);
    if opt_out {
        request = request.header("x-no-compression", "1");
    }
    let response = request.send().expect("answer");
    let encoding = response.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (encoding, response.bytes().expect("body").to_vec())
}

fn large_bodies_prefer_brotli_then_gzip(api: &Api) {
    let path = "/api/vehicles?limit=40";
    let plain = serde_json::to_vec(&api.get_json(path)).expect("json");
    assert!(plain.len() > 1024);

    // The worker prefers brotli (domain::compression, unit-tested); the local runtime's
    // front-line emulation then honours the client's own order, so ask with brotli first.
    let (encoding, body) = compressed_get(api, path, "br, gzip", false);
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&body[..], 4096).read_to_end(&mut decoded).expect("valid brotli");
    assert!(body.len() < decoded.len() / 3, "brotli shrinks JSON stock a lot");
    assert_eq!(serde_json::from_slice::<Value>(&decoded).ok(), serde_json::from_slice::<Value>(&plain).ok());

    let (encoding, body) = compressed_get(api, path, "gzip", false);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut decoded).expect("valid gzip");
    assert_eq!(serde_json::from_slice::<Value>(&decoded).ok(), serde_json::from_slice::<Value>(&plain).ok());
}

fn small_bodies_and_opt_outs_are_not_compressed(api: &Api) {
    let (encoding, body) = compressed_get(api, "/api/health", "br, gzip", false);
    assert!(!matches!(encoding.as_deref(), Some("br" | "gzip")), "{encoding:?}");
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    let (encoding, body) = compressed_get(api, "/api/vehicles?limit=40", "br, gzip", true);
    assert!(!matches!(encoding.as_deref(), Some("br" | "gzip")), "{encoding:?}");
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
}

fn unknown_routes_and_methods_are_problems(api: &Api) {
    let body = problem(api.get("/api/no-such-thing"), 404);
    assert_eq!(body["instance"], "/api/no-such-thing");
    problem(api.get("/api/vehicles/veh-99999"), 404);
    let delete = api.client.delete(format!("{}/api/vehicles", api.base)).send().expect("answer");
    problem(delete, 405);
}

fn rooms_check_the_request_before_upgrading(api: &Api) {
    problem(api.get(&format!("/api/rooms/vehicle:{}", public_id(0))), 426);
    problem(api.get("/api/rooms/nonsense"), 400);
    problem(api.get("/api/rooms/vehicle:veh-99999"), 404);
    // Private rooms stay closed until accounts exist; they must never be open by default.
    for room in ["user:u1", "workorder:wo-1", "anomalies:critical", "chat:c1"] {
        problem(api.get(&format!("/api/rooms/{room}")), 403);
    }
    let sold = seeded_ids_with_status("sold");
    problem(api.get(&format!("/api/rooms/vehicle:{}", sold[0])), 404);
}

fn every_response_carries_security_headers(api: &Api) {
    for path in ["/api/health", "/api/vehicles?limit=1", "/api/nope"] {
        let response = api.get(path);
        let headers = response.headers();
        for header in [
            "x-request-id",
            "content-security-policy",
            "strict-transport-security",
            "x-content-type-options",
            "referrer-policy",
        ] {
            assert!(headers.contains_key(header), "{path} lacks {header}");
        }
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}

fn the_app_is_served_with_deep_links(api: &Api) {
    let home = api.get("/");
    assert_eq!(home.status(), 200);
    let html = home.text().expect("html");
    assert!(html.contains("<html"), "the app shell is served");
    let deep = api.get("/vehicles/veh-00001");
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.text().expect("html"), html, "deep links get the same shell");
}

fn unchanged_resources_answer_304_and_changed_ones_do_not(api: &Api) {
    let id = public_id(10);
    let path = format!("/api/vehicles/{id}");
    let first = api.get(&path);
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_eq!(first.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-cache"));
    let conditional =
        |tag: &str| api.client.get(format!("{}{path}", api.base)).header("if-none-match", tag).send().expect("answer");
    let unchanged = conditional(&etag);
    assert_eq!(unchanged.status(), 304);
    assert!(unchanged.bytes().expect("body").is_empty());
    let price = first.json::<Value>().expect("vehicle")["price"].as_i64().unwrap_or(0);
    assert_eq!(api.patch_price(&id, &format!("{{\"price_cents\":{}}}", price + 500)).status(), 200);
    let changed = conditional(&etag);
    assert_eq!(changed.status(), 200, "after a write the old tag no longer matches");
    assert_ne!(changed.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
}
