//! Realtime rooms against the real Workers runtime (`wrangler dev`: workerd, Durable Objects with
//! hibernation and SQLite, D1) with real WebSocket clients: who may join, ordering, resume,
//! limits, typing, presence, and a restart of the runtime in the middle of a stream.
//!
//! One server for the binary, tests one at a time (they share rooms and the clock of blocks);
//! the restart test runs last because it restarts that server.

mod support;

use forecourt_domain::identity::Role;
use libtest_mimic::{Arguments, Trial};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{
    connect, connect_as, expect_close, mint_token, next_json, next_of_type, send_json, set_timeout, Api, Socket,
};
use tungstenite::Message;

const EDGE: &str = "it-realtime";

struct World {
    api: Api,
    edge: Mutex<forecourt_tests::LocalEdge>,
    /// One admin token for all price changes (signing in costs a password hash each time).
    admin: String,
}

type Check = fn(&World);

const CHECKS: &[(&str, Check)] = &[
    ("private_rooms_refuse_anonymous_plain_requests", private_rooms_refuse_anonymous_plain_requests),
    ("bad_and_expired_tokens_are_refused_before_the_upgrade", bad_and_expired_tokens_are_refused_before_the_upgrade),
    ("roles_and_locations_decide_who_joins_which_room", roles_and_locations_decide_who_joins_which_room),
    ("kiosks_join_only_public_stock_of_their_own_location", kiosks_join_only_public_stock_of_their_own_location),
    ("a_browser_authenticates_with_its_first_message", a_browser_authenticates_with_its_first_message),
    (
        "a_browser_that_does_not_authenticate_is_closed_after_five_seconds",
        a_browser_that_does_not_authenticate_is_closed_after_five_seconds,
    ),
    ("first_message_auth_still_checks_the_room", first_message_auth_still_checks_the_room),
    ("events_reach_every_subscriber_in_order_without_gaps", events_reach_every_subscriber_in_order_without_gaps),
    ("a_forced_disconnect_loses_and_duplicates_nothing", a_forced_disconnect_loses_and_duplicates_nothing),
    ("heartbeats_are_answered_and_do_not_count_as_messages", heartbeats_are_answered_and_do_not_count_as_messages),
    (
        "over_a_hundred_messages_a_minute_close_with_1008_and_block",
        over_a_hundred_messages_a_minute_close_with_1008_and_block,
    ),
    ("oversized_messages_are_refused_with_1009", oversized_messages_are_refused_with_1009),
    ("typing_expires_three_seconds_after_the_last_signal", typing_expires_three_seconds_after_the_last_signal),
    ("presence_follows_a_person_across_two_devices", presence_follows_a_person_across_two_devices),
    ("chat_messages_are_acked_once_and_counted_unread", chat_messages_are_acked_once_and_counted_unread),
    ("read_only_rooms_refuse_posts", read_only_rooms_refuse_posts),
    ("a_restart_of_the_runtime_mid_stream_loses_nothing", a_restart_of_the_runtime_mid_stream_loses_nothing),
];

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let edge = match support::start_edge(EDGE) {
        Ok(edge) => edge,
        Err(error) => {
            eprintln!("could not start the local edge: {error}");
            std::process::exit(1);
        }
    };
    let api = Api::new(edge.base_url());
    let admin = api.login("admin@forecourt.example");
    let world = Arc::new(World { api, edge: Mutex::new(edge), admin });
    let trials = CHECKS
        .iter()
        .map(|&(name, check)| {
            let world = Arc::clone(&world);
            Trial::test(name, move || {
                check(&world);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(world);
    conclusion.exit();
}

// ---- helpers ----

fn staff(subject: &str, role: Role, location: &str) -> String {
    mint_token(subject, role, &[location], None)
}

fn public_vehicle(world: &World, location: Option<&str>) -> String {
    let query = location.map_or("limit=1".to_owned(), |l| format!("location={l}&limit=1"));
    let page = world.api.get_json(&format!("/api/vehicles?{query}"));
    page["items"][0]["id"].as_str().expect("a public vehicle").to_owned()
}

/// A vehicle no other test changes, so sequence numbers are predictable within a test.
fn vehicle_for(world: &World, index: usize) -> String {
    let page = world.api.get_json("/api/vehicles?limit=40");
    page["items"][index]["id"].as_str().expect("a public vehicle").to_owned()
}

fn room_url(world: &World, room: &str) -> String {
    world.api.ws_url(&format!("/api/rooms/{room}"))
}

fn set_price(world: &World, vehicle: &str, cents: u64) {
    let response = world.api.patch_price_as(&world.admin, vehicle, &format!("{{\"price_cents\":{cents}}}"));
    assert_eq!(response.status(), 200, "price change of {vehicle}");
}

fn welcome(socket: &mut Socket) -> Value {
    let message = next_json(socket);
    assert_eq!(message["type"], "welcome", "first message: {message}");
    message
}

fn status_of(world: &World, room: &str, token: Option<&str>) -> u16 {
    let mut request = world.api.client.get(format!("{}/api/rooms/{room}", world.api.base));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().expect("the edge answers").status().as_u16()
}

fn joins(world: &World, room: &str, token: &str) -> bool {
    match connect_as(&room_url(world, room), token) {
        Ok(mut socket) => {
            let first = welcome(&mut socket);
            assert_eq!(first["room"], room);
            let _ = socket.close(None);
            true
        }
        Err(403 | 404) => false,
        Err(other) => panic!("{room}: unexpected status {other}"),
    }
}

// ---- who may join ----

fn private_rooms_refuse_anonymous_plain_requests(world: &World) {
    for room in ["user:usr-admin", "board:loc-north", "anomalies:critical", "chat:c1", "department:sales"] {
        assert_eq!(status_of(world, room, None), 403, "{room}");
    }
    assert_eq!(status_of(world, "vehicle:veh-99999", None), 404);
}

fn bad_and_expired_tokens_are_refused_before_the_upgrade(world: &World) {
    let vehicle = public_vehicle(world, None);
    let room = format!("vehicle:{vehicle}");
    assert_eq!(connect_as(&room_url(world, &room), "fc1.forged.token").err(), Some(401));
    let expired = {
        use forecourt_domain::identity::{token, Principal};
        let principal =
            Principal { subject: "usr-admin".into(), role: Role::Admin, location_ids: vec![], customer_id: None };
        let mut claims = token::Claims::for_principal(&principal, 1_000);
        claims.exp = 2_000;
        token::sign(&claims, forecourt_tests::LOCAL_TOKEN_SIGNING_KEY.as_bytes())
    };
    assert_eq!(connect_as(&room_url(world, &room), &expired).err(), Some(401));
}

fn roles_and_locations_decide_who_joins_which_room(world: &World) {
    let advisor_north = staff("usr-advisor-north", Role::Advisor, "loc-north");
    let sales_north = staff("usr-sales-north", Role::Sales, "loc-north");
    let tech_north = staff("usr-tech-north", Role::Technician, "loc-north");
    let manager_north = staff("usr-manager-north", Role::Manager, "loc-north");
    let alex = mint_token("usr-customer-alex", Role::Customer, &[], Some("cus-00001"));
    let admin = mint_token("usr-admin", Role::Admin, &[], None);

    // The workshop board: workshop staff of that location only.
    assert!(joins(world, "board:loc-north", &advisor_north));
    assert!(joins(world, "board:loc-north", &tech_north));
    assert!(!joins(world, "board:loc-south", &advisor_north), "another location");
    assert!(!joins(world, "board:loc-north", &sales_north), "sales are not on the board");
    assert!(!joins(world, "board:loc-north", &alex), "customers are not on the board");
    // Dashboards: managers of that location.
    assert!(joins(world, "dashboard:loc-north", &manager_north));
    assert!(!joins(world, "dashboard:loc-south", &manager_north));
    // Personal rooms: that person only, not even an admin.
    assert!(joins(world, "user:usr-customer-alex", &alex));
    assert!(!joins(world, "user:usr-customer-sam", &alex));
    assert!(!joins(world, "user:usr-customer-alex", &admin));
    // Anomaly feeds: managers and admins.
    assert!(joins(world, "anomalies:critical", &manager_north));
    assert!(joins(world, "anomalies:critical", &admin));
    assert!(!joins(world, "anomalies:critical", &sales_north));
    // Departments from the user record (D1), not from the token.
    assert!(joins(world, "department:sales", &sales_north));
    assert!(!joins(world, "department:service", &sales_north));
    assert!(joins(world, "department:service", &tech_north));
    // Rows that do not exist deny, whoever asks.
    assert!(!joins(world, "workorder:wo-does-not-exist", &admin));
    assert!(!joins(world, "chat:chat-does-not-exist", &admin));
    assert!(!joins(world, "lead:lead-does-not-exist", &admin));
    // A token for a user the directory does not know has no department.
    let ghost = staff("usr-ghost", Role::Sales, "loc-north");
    assert!(!joins(world, "department:sales", &ghost));
}

fn kiosks_join_only_public_stock_of_their_own_location(world: &World) {
    let kiosk = mint_token("dev-kiosk-north", Role::Kiosk, &["loc-north"], None);
    let north = public_vehicle(world, Some("loc-north"));
    let south = public_vehicle(world, Some("loc-south"));
    assert!(joins(world, &format!("vehicle:{north}"), &kiosk));
    assert!(!joins(world, &format!("vehicle:{south}"), &kiosk));
    assert!(!joins(world, "board:loc-north", &kiosk));
}

fn a_browser_authenticates_with_its_first_message(world: &World) {
    let mut socket = connect(&room_url(world, "user:usr-sales-north"));
    let first = next_json(&mut socket);
    assert_eq!(first["type"], "auth_required");
    assert_eq!(first["within_ms"], 5_000);
    let token = staff("usr-sales-north", Role::Sales, "loc-north");
    send_json(&mut socket, &json!({"type": "auth", "token": token}));
    let welcome = welcome(&mut socket);
    assert_eq!(welcome["user"], "usr-sales-north");
    assert_eq!(welcome["protocol"], 2);
}

fn a_browser_that_does_not_authenticate_is_closed_after_five_seconds(world: &World) {
    let started = Instant::now();
    let mut socket = connect(&room_url(world, "user:usr-sales-north"));
    assert_eq!(next_json(&mut socket)["type"], "auth_required");
    let (code, reason) = expect_close(&mut socket);
    assert_eq!(code, 1008);
    assert!(reason.contains("authentication timeout"), "{reason}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(4_500) && waited < Duration::from_secs(10), "closed after {waited:?}");
}

fn first_message_auth_still_checks_the_room(world: &World) {
    let mut socket = connect(&room_url(world, "user:usr-admin"));
    assert_eq!(next_json(&mut socket)["type"], "auth_required");
    let token = staff("usr-sales-north", Role::Sales, "loc-north");
    send_json(&mut socket, &json!({"type": "auth", "token": token}));
    assert_eq!(next_json(&mut socket)["code"], "forbidden");
    let (code, reason) = expect_close(&mut socket);
    assert_eq!(code, 1008);
    assert!(reason.contains("forbidden"), "{reason}");
}

// ---- delivery ----

fn events_reach_every_subscriber_in_order_without_gaps(world: &World) {
    let vehicle = vehicle_for(world, 5);
    let url = room_url(world, &format!("vehicle:{vehicle}"));
    let mut first = connect(&url);
    let mut second = connect(&url);
    let start = welcome(&mut first)["last_seq"].as_u64().unwrap_or(0);
    welcome(&mut second);
    let prices: Vec<u64> = (0..20).map(|i| 2_000_000 + i * 100).collect();
    for &price in &prices {
        set_price(world, &vehicle, price);
    }
    for socket in [&mut first, &mut second] {
        for (i, &price) in prices.iter().enumerate() {
            let event = next_of_type(socket, "event");
            assert_eq!(event["seq"], start + 1 + i as u64, "no gap, no reordering");
            assert_eq!(event["event"]["price"], price);
        }
    }
}

fn a_forced_disconnect_loses_and_duplicates_nothing(world: &World) {
    let vehicle = vehicle_for(world, 6);
    let url = room_url(world, &format!("vehicle:{vehicle}"));
    let mut socket = connect(&url);
    let start = welcome(&mut socket)["last_seq"].as_u64().unwrap_or(0);
    let mut seen: Vec<(u64, u64)> = Vec::new();
    for i in 0..5 {
        set_price(world, &vehicle, 3_000_000 + i);
    }
    for _ in 0..3 {
        let event = next_of_type(&mut socket, "event");
        seen.push((event["seq"].as_u64().unwrap_or(0), event["event"]["price"].as_u64().unwrap_or(0)));
    }
    // Pull the plug: no close handshake, as when a phone loses its network.
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_mut() {
        stream.shutdown(std::net::Shutdown::Both).expect("shutdown");
    }
    drop(socket);
    for i in 5..10 {
        set_price(world, &vehicle, 3_000_000 + i);
    }
    let last = seen.last().map_or(start, |&(seq, _)| seq);
    let mut resumed = connect(&format!("{url}?after={last}"));
    assert_eq!(welcome(&mut resumed)["last_seq"], start + 10);
    for _ in 0..7 {
        let event = next_of_type(&mut resumed, "event");
        seen.push((event["seq"].as_u64().unwrap_or(0), event["event"]["price"].as_u64().unwrap_or(0)));
    }
    let expected: Vec<(u64, u64)> = (0..10).map(|i| (start + 1 + i, 3_000_000 + i)).collect();
    assert_eq!(seen, expected, "every event once, in order");
    // Nothing more is queued: the next frame answers our ping.
    resumed.send(Message::text(r#"{"type":"ping"}"#)).expect("ping");
    assert_eq!(next_json(&mut resumed)["type"], "pong");
}

// ---- limits ----

fn heartbeats_are_answered_and_do_not_count_as_messages(world: &World) {
    let token = staff("usr-advisor-north", Role::Advisor, "loc-north");
    let mut socket = connect_as(&room_url(world, "user:usr-advisor-north"), &token).expect("joins");
    welcome(&mut socket);
    // Far more than the rate limit; the runtime answers these without the room counting them.
    for _ in 0..150 {
        socket.send(Message::text(r#"{"type":"ping"}"#)).expect("ping");
    }
    for _ in 0..150 {
        next_of_type(&mut socket, "pong");
    }
}

fn over_a_hundred_messages_a_minute_close_with_1008_and_block(world: &World) {
    let token = staff("usr-tech-north", Role::Technician, "loc-north");
    let url = room_url(world, "user:usr-tech-north");
    let mut socket = connect_as(&url, &token).expect("joins");
    welcome(&mut socket);
    // Any spelling other than the exact heartbeat reaches the room and counts.
    for _ in 0..101 {
        socket.send(Message::text(r#"{ "type": "ping" }"#)).expect("send");
    }
    for _ in 0..100 {
        next_of_type(&mut socket, "pong");
    }
    let error = next_json(&mut socket);
    assert_eq!(error["code"], "rate_limited");
    let (code, reason) = expect_close(&mut socket);
    assert_eq!(code, 1008);
    assert!(reason.contains("rate limit"), "{reason}");

    // A new connection of the same person is refused for 300 s.
    let mut again = connect_as(&url, &token).expect("the upgrade itself succeeds");
    let refusal = next_json(&mut again);
    assert_eq!(refusal["code"], "blocked");
    let (code, reason) = expect_close(&mut again);
    assert_eq!(code, 1008);
    assert!(reason.contains("blocked for"), "{reason}");
    let seconds: u64 = reason.split_whitespace().find_map(|w| w.parse().ok()).expect("seconds in the reason");
    assert!((290..=300).contains(&seconds), "{seconds}");
}

fn oversized_messages_are_refused_with_1009(world: &World) {
    let token = staff("usr-sales2-north", Role::Sales, "loc-north");
    let mut socket = connect_as(&room_url(world, "user:usr-sales2-north"), &token).expect("joins");
    welcome(&mut socket);
    let big = format!(r#"{{"type":"send","id":"x","body":"{}"}}"#, "a".repeat(1024 * 1024));
    let _ = socket.send(Message::text(big));
    let (code, _) = expect_close(&mut socket);
    assert!(code == 1009, "closed with {code}");
}

// ---- people ----

fn typing_expires_three_seconds_after_the_last_signal(world: &World) {
    let url = room_url(world, "department:sales");
    let mut writer = connect_as(&url, &staff("usr-sales-north", Role::Sales, "loc-north")).expect("joins");
    let mut reader = connect_as(&url, &staff("usr-sales2-north", Role::Sales, "loc-north")).expect("joins");
    assert_eq!(welcome(&mut writer)["can_post"], true);
    welcome(&mut reader);
    send_json(&mut writer, &json!({"type": "typing"}));
    let started = Instant::now();
    let on = next_of_type(&mut reader, "typing");
    assert_eq!((on["user"].as_str(), on["typing"].as_bool()), (Some("usr-sales-north"), Some(true)));
    let off = next_of_type(&mut reader, "typing");
    let after = started.elapsed();
    assert_eq!((off["user"].as_str(), off["typing"].as_bool()), (Some("usr-sales-north"), Some(false)));
    assert!(after >= Duration::from_millis(2_500) && after < Duration::from_millis(6_000), "stopped after {after:?}");
}

fn presence_of(socket: &mut Socket, user: &str) -> String {
    loop {
        let message = next_of_type(socket, "presence");
        if message["user"] == user {
            return message["status"].as_str().unwrap_or_default().to_owned();
        }
    }
}

fn presence_follows_a_person_across_two_devices(world: &World) {
    let url = room_url(world, "department:sales");
    let mut observer = connect_as(&url, &staff("usr-sales-city", Role::Sales, "loc-city")).expect("joins");
    welcome(&mut observer);
    let token = staff("usr-sales-south", Role::Sales, "loc-south");
    let mut phone = connect_as(&url, &token).expect("joins");
    welcome(&mut phone);
    assert_eq!(presence_of(&mut observer, "usr-sales-south"), "online");
    let mut laptop = connect_as(&url, &token).expect("joins");
    welcome(&mut laptop);

    // The phone goes away: the laptop is still online, so nothing changes for others.
    send_json(&mut phone, &json!({"type": "presence", "status": "away"}));
    // The laptop goes away too: now the person is away.
    send_json(&mut laptop, &json!({"type": "presence", "status": "away"}));
    assert_eq!(presence_of(&mut observer, "usr-sales-south"), "away");
    // One device leaves: still away on the other.
    let _ = phone.close(None);
    expect_close(&mut phone);
    // The laptop comes back.
    send_json(&mut laptop, &json!({"type": "presence", "status": "online"}));
    assert_eq!(presence_of(&mut observer, "usr-sales-south"), "online");
    // The last device leaves: offline.
    let _ = laptop.close(None);
    expect_close(&mut laptop);
    assert_eq!(presence_of(&mut observer, "usr-sales-south"), "offline");
}

fn chat_messages_are_acked_once_and_counted_unread(world: &World) {
    let url = room_url(world, "department:service");
    let mut advisor = connect_as(&url, &staff("usr-advisor-city", Role::Advisor, "loc-city")).expect("joins");
    let mut tech = connect_as(&url, &staff("usr-tech-city", Role::Technician, "loc-city")).expect("joins");
    welcome(&mut advisor);
    welcome(&mut tech);
    let baseline = next_of_type(&mut tech, "unread")["count"].as_u64().unwrap_or(0);
    send_json(&mut advisor, &json!({"type": "send", "id": "m-1", "body": "Bay 3 is free"}));
    let ack = next_of_type(&mut advisor, "ack");
    let seq = ack["seq"].as_u64().expect("the message became an event");
    let event = next_of_type(&mut tech, "event");
    assert_eq!(event["seq"], seq);
    assert_eq!(event["event"]["kind"], "chat_message");
    assert_eq!(event["event"]["body"], "Bay 3 is free");
    assert_eq!(next_of_type(&mut tech, "unread")["count"], baseline + 1);

    // The offline queue resends after a reconnect: acknowledged with the same seq, not re-posted.
    send_json(&mut advisor, &json!({"type": "send", "id": "m-1", "body": "Bay 3 is free"}));
    assert_eq!(next_of_type(&mut advisor, "ack")["seq"], seq);

    send_json(&mut tech, &json!({"type": "read", "seq": seq}));
    assert_eq!(next_of_type(&mut tech, "unread")["count"], 0);
    send_json(&mut tech, &json!({"type": "history", "limit": 5}));
    let history = next_of_type(&mut tech, "history");
    let bodies: Vec<&str> = history["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|l| l["body"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(bodies.iter().filter(|b| **b == "Bay 3 is free").count(), 1);
}

fn read_only_rooms_refuse_posts(world: &World) {
    let vehicle = public_vehicle(world, None);
    let mut socket = connect(&room_url(world, &format!("vehicle:{vehicle}")));
    assert_eq!(welcome(&mut socket)["can_post"], false);
    send_json(&mut socket, &json!({"type": "send", "id": "m", "body": "hello"}));
    let error = next_of_type(&mut socket, "error");
    assert_eq!(error["code"], "read_only");
    assert_eq!(error["id"], "m");
}

// ---- durability ----

fn a_restart_of_the_runtime_mid_stream_loses_nothing(world: &World) {
    let vehicle = vehicle_for(world, 7);
    let url = room_url(world, &format!("vehicle:{vehicle}"));
    let mut socket = connect(&url);
    let start = welcome(&mut socket)["last_seq"].as_u64().unwrap_or(0);
    let mut seen: Vec<(u64, u64)> = Vec::new();
    for i in 0..5 {
        set_price(world, &vehicle, 4_000_000 + i);
    }
    for _ in 0..5 {
        let event = next_of_type(&mut socket, "event");
        seen.push((event["seq"].as_u64().unwrap_or(0), event["event"]["price"].as_u64().unwrap_or(0)));
    }

    {
        let mut edge = world.edge.lock().expect("the edge");
        support::restart_edge(&mut edge, EDGE).expect("wrangler dev restarts");
    }
    // The old connection died with the runtime (a reset or a close, depending on timing).
    set_timeout(&mut socket, Duration::from_secs(5));
    while socket.read().is_ok() {}

    for i in 5..10 {
        set_price(world, &vehicle, 4_000_000 + i);
    }
    let last = seen.last().map_or(start, |&(seq, _)| seq);
    let mut resumed = connect(&format!("{url}?after={last}"));
    assert_eq!(welcome(&mut resumed)["last_seq"], start + 10, "the counter survived");
    for _ in 0..5 {
        let event = next_of_type(&mut resumed, "event");
        seen.push((event["seq"].as_u64().unwrap_or(0), event["event"]["price"].as_u64().unwrap_or(0)));
    }
    let expected: Vec<(u64, u64)> = (0..10).map(|i| (start + 1 + i, 4_000_000 + i)).collect();
    assert_eq!(seen, expected, "nothing lost, nothing twice, across the restart");

    // The whole history before the restart is still there for anyone resuming from further back.
    let mut late = connect(&format!("{url}?after={start}"));
    welcome(&mut late);
    for i in 0..10 {
        assert_eq!(next_of_type(&mut late, "event")["event"]["price"], 4_000_000 + i);
    }

    // A block is durable state too: the rate-limited technician is still blocked.
    let token = staff("usr-tech-north", Role::Technician, "loc-north");
    let mut blocked = connect_as(&room_url(world, "user:usr-tech-north"), &token).expect("upgrade");
    assert_eq!(next_json(&mut blocked)["code"], "blocked");
    assert_eq!(expect_close(&mut blocked).0, 1008);
}
