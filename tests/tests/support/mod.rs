//! Shared by the integration test binaries: one real edge per binary, and small clients.

#![allow(dead_code)] // each test binary uses a different part of this module

use forecourt_domain::identity::{token, Principal, Role};
use forecourt_tests::{EdgeOptions, LocalEdge, DEMO_PASSWORD, LOCAL_TOKEN_SIGNING_KEY};
use libtest_mimic::{Arguments, Trial};
use reqwest::blocking::{Client, Response};
use serde_json::Value;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn seed_sql() -> PathBuf {
    std::env::var_os("FORECOURT_SEED_SQL")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/forecourt/demo.sql"))
}

/// Starts `wrangler dev` with fresh local state, migrated and seeded.
pub fn start_edge(name: &str) -> Result<LocalEdge, String> {
    start_edge_with_vars(name, &[])
}

/// As [`start_edge`], overriding `[vars]` of wrangler.toml.
pub fn start_edge_with_vars(name: &str, vars: &[(&str, &str)]) -> Result<LocalEdge, String> {
    let seed = seed_sql();
    if !seed.exists() {
        return Err(format!("{} is missing: run the tests through `cargo xtask test`", seed.display()));
    }
    let state_dir = root().join(format!("target/forecourt/{name}-state"));
    let _ = std::fs::remove_dir_all(&state_dir);
    let options = EdgeOptions {
        root: root(),
        port: None,
        state_dir,
        seed_sql: Some(seed),
        log_file: Some(root().join(format!("target/forecourt/{name}-wrangler.log"))),
    };
    LocalEdge::start_with_vars(&options, vars)
}

pub struct Api {
    pub base: String,
    pub client: Client,
}

impl Api {
    pub fn new(base: &str) -> Self {
        let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_else(|_| Client::new());
        Self { base: base.to_owned(), client }
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().expect("the edge answers")
    }

    pub fn get_json(&self, path: &str) -> Value {
        let response = self.get(path);
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().expect("JSON body")
    }

    /// Signs in as a demo account and returns its access token.
    pub fn login(&self, email: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/auth/login", self.base))
            .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .expect("the edge answers");
        assert_eq!(response.status(), 200, "login as {email}");
        let tokens: Value = response.json().expect("tokens");
        tokens["access_token"].as_str().expect("an access token").to_owned()
    }

    /// Changes a price as the admin (who may price stock at every location).
    pub fn patch_price(&self, id: &str, body: &str) -> Response {
        let token = self.login("admin@forecourt.example");
        self.patch_price_as(&token, id, body)
    }

    pub fn patch_price_as(&self, token: &str, id: &str, body: &str) -> Response {
        self.client
            .patch(format!("{}/api/vehicles/{id}", self.base))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .expect("the edge answers")
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }
}

pub type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

pub fn connect(url: &str) -> Socket {
    let (mut socket, _) = tungstenite::connect(url).expect("WebSocket handshake");
    if let MaybeTlsStream::Plain(stream) = socket.get_mut() {
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout can be set");
    }
    socket
}

/// The next JSON text frame, skipping control frames.
pub fn next_json(socket: &mut Socket) -> Value {
    loop {
        match socket.read().expect("a message before the timeout") {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// An access token for `subject`, signed with the local key (what `/api/auth/login` would issue,
/// without paying for a password hash per test).
pub fn mint_token(subject: &str, role: Role, locations: &[&str], customer: Option<&str>) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let principal = Principal {
        subject: subject.to_owned(),
        role,
        location_ids: locations.iter().map(|l| (*l).to_owned()).collect(),
        customer_id: customer.map(str::to_owned),
    };
    token::sign(&token::Claims::for_principal(&principal, now), LOCAL_TOKEN_SIGNING_KEY.as_bytes())
}

/// Opens a WebSocket with `Authorization: Bearer <token>`; `Err(status)` when the edge refuses
/// the upgrade.
pub fn connect_as(url: &str, token: &str) -> Result<Socket, u16> {
    use tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().expect("a WebSocket URL");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("a header value"));
    match tungstenite::connect(request) {
        Ok((mut socket, _)) => {
            set_timeout(&mut socket, Duration::from_secs(10));
            Ok(socket)
        }
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("WebSocket handshake failed: {other}"),
    }
}

pub fn set_timeout(socket: &mut Socket, timeout: Duration) {
    if let MaybeTlsStream::Plain(stream) = socket.get_mut() {
        stream.set_read_timeout(Some(timeout)).expect("timeout can be set");
    }
}

pub fn send_json(socket: &mut Socket, value: &Value) {
    socket.send(Message::text(value.to_string())).expect("the socket is open");
}

/// The next JSON frame whose `type` is `kind`, skipping others.
pub fn next_of_type(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let message = next_json(socket);
        if message["type"] == kind {
            return message;
        }
    }
}

/// Reads until the server closes; returns the close code and reason.
pub fn expect_close(socket: &mut Socket) -> (u16, String) {
    loop {
        match socket.read() {
            Ok(Message::Close(Some(frame))) => return (u16::from(frame.code), frame.reason.to_string()),
            Ok(Message::Close(None)) => return (1005, String::new()),
            Ok(_) => continue,
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return (1006, String::new())
            }
            Err(error) => panic!("expected a close frame, got {error}"),
        }
    }
}

/// Restarts the edge started by [`start_edge`] with `name`, keeping its state directory.
pub fn restart_edge(edge: &mut LocalEdge, name: &str) -> Result<(), String> {
    edge.restart(&EdgeOptions {
        root: root(),
        port: None,
        state_dir: root().join(format!("target/forecourt/{name}-state")),
        seed_sql: None,
        log_file: Some(root().join(format!("target/forecourt/{name}-wrangler-restarted.log"))),
    })
}

/// A check of a test binary: a named function against the shared edge.
pub type Check = fn(&Api);

/// Starts one real edge for the binary and runs its checks against it, one at a time (several
/// change shared data such as prices and work orders), with cargo test's output and exit code.
pub fn run_checks(edge_name: &str, checks: &'static [(&'static str, Check)]) -> ! {
    run_checks_with_vars(edge_name, &[], checks)
}

/// As [`run_checks`], with Worker vars overridden for this edge (e.g. exempting loopback from
/// the per-address rate limit for a binary that sends many requests on purpose).
pub fn run_checks_with_vars(edge_name: &str, vars: &[(&str, &str)], checks: &'static [(&'static str, Check)]) -> ! {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let edge = start_edge_with_vars(edge_name, vars).unwrap_or_else(|error| {
        eprintln!("could not start the local edge: {error}");
        std::process::exit(1)
    });
    let api = Arc::new(Api::new(edge.base_url()));
    let trials = checks
        .iter()
        .map(|&(name, check)| {
            let api = Arc::clone(&api);
            Trial::test(name, move || {
                check(&api);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(edge);
    conclusion.exit()
}
