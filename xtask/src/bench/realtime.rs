//! `cargo xtask bench realtime`: one room, 1,000 subscribers on loopback, one publisher.
//!
//! The same scenario runs against Forecourt (`wrangler dev`: the Worker, a room Durable Object),
//! once through wrangler's dev proxy and once straight to the workerd that runs it, and against a
//! Socket.IO (Node) server doing the same broadcast, the baseline the old design used. Both are measured by the same client (this file: plain threads and a minimal WebSocket
//! client), so differences come from the servers, not the clients.
//!
//! Forecourt's publisher is the real API path: `PATCH /api/vehicles/{id}` (D1 write, cache
//! invalidation, publish to `vehicle:{id}`); the baseline's is `POST /publish` to the Node server.
//! Latency is from just before the publish request to the moment a subscriber read the frame.
//! Everything is bounded: loopback only, a fixed number of messages, a deadline for each phase.

use crate::process::root;
use crate::toolchain;
use crate::{build, local_edge, Result};
use forecourt_domain::identity::{token, Principal, Role};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SUBSCRIBERS: usize = 1_000;
/// Spaced messages for latency…
const LATENCY_MESSAGES: usize = 50;
const LATENCY_SPACING: Duration = Duration::from_millis(50);
/// …then back-to-back messages for throughput.
const BURST_MESSAGES: usize = 100;
/// How many sockets connect at once (a thousand at once would measure the accept queue).
const CONNECT_BATCH: usize = 25;
const PHASE_DEADLINE: Duration = Duration::from_secs(120);
const PRICE_BASE: u64 = 5_000_000;

/// The brief's target for 1,000 subscribers.
const TARGET_P99_MS: f64 = 50.0;

pub struct Report {
    pub name: &'static str,
    pub subscribers: usize,
    pub deliveries: usize,
    pub expected: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub per_second: f64,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut subscribers = SUBSCRIBERS;
    let mut only: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--subscribers" => {
                subscribers = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=SUBSCRIBERS).contains(n))
                    .ok_or("--subscribers takes 1 to 1000")?;
            }
            "--only" => only = args.next().cloned(),
            other => return Err(format!("bench realtime: unknown argument {other}")),
        }
    }
    let mut reports = Vec::new();
    if only.as_deref() != Some("socketio") {
        reports.extend(forecourt_both(subscribers)?);
    }
    if only.as_deref() != Some("forecourt") {
        reports.push(socketio(subscribers)?);
    }
    let table = table(&reports);
    println!("\n{table}");
    let out = root().join("target/forecourt/bench-realtime.md");
    std::fs::write(&out, &table).map_err(|e| format!("writing {}: {e}", out.display()))?;
    println!("(also written to {})", out.display());
    if let [_, ours, baseline] = reports.as_slice() {
        let meets = ours.p99_ms < TARGET_P99_MS;
        let no_worse = ours.p99_ms <= baseline.p99_ms;
        println!(
            "straight to workerd: target p99 < {TARGET_P99_MS} ms: {}; no worse than the baseline: {}",
            if meets { "met" } else { "MISSED" },
            if no_worse { "yes" } else { "NO" }
        );
    }
    Ok(())
}

fn table(reports: &[Report]) -> String {
    let mut out = String::from(
        "| server | subscribers | delivered | p50 ms | p99 ms | max ms | messages/s |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in reports {
        out.push_str(&format!(
            "| {} | {} | {}/{} | {:.1} | {:.1} | {:.1} | {:.0} |\n",
            r.name, r.subscribers, r.deliveries, r.expected, r.p50_ms, r.p99_ms, r.max_ms, r.per_second
        ));
    }
    out
}

// ---- the two servers ----

/// How the bench reaches the Worker: through `wrangler dev`'s front door (its proxy Worker, a
/// second workerd process that relays every frame so it can hold requests during reloads), or
/// straight at the runtime that runs Forecourt, as clients reach it on Cloudflare.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    DevProxy,
    Runtime,
}

fn forecourt_both(subscribers: usize) -> Result<Vec<Report>> {
    let tools = toolchain::ensure_build_tools()?;
    build::worker(&tools)?;
    Ok(vec![forecourt(subscribers, Path::DevProxy)?, forecourt(subscribers, Path::Runtime)?])
}

fn forecourt(subscribers: usize, reach: Path) -> Result<Report> {
    let root = root();
    let state_dir = root.join("target/forecourt/bench-realtime-state");
    let _ = std::fs::remove_dir_all(&state_dir);
    let log = root.join("target/forecourt/bench-realtime-wrangler.log");
    // wrangler names the runtime's own address only in its debug log; ask for it only when the
    // run needs it (debug logging would slow the proxy path down and skew its row).
    if reach == Path::Runtime {
        std::env::set_var("WRANGLER_LOG", "debug");
    }
    let edge = local_edge::start(&root, None, state_dir, Some(log.clone()));
    std::env::remove_var("WRANGLER_LOG");
    let edge = edge?;
    let port = match reach {
        Path::DevProxy => edge.port(),
        Path::Runtime => runtime_port(&log)?,
    };
    let page = http(port, "GET", "/api/vehicles?limit=1", None, None)?;
    let page: serde_json::Value = serde_json::from_str(&page).map_err(|e| format!("stock page: {e}"))?;
    let vehicle = page["items"][0]["id"].as_str().ok_or("no public vehicle to benchmark with")?.to_owned();
    let token = admin_token();
    let name = match reach {
        Path::DevProxy => "Forecourt (Worker + room Durable Object), through wrangler dev's proxy",
        Path::Runtime => "Forecourt (Worker + room Durable Object), straight to workerd",
    };
    println!("== bench: {name}, vehicle:{vehicle}, {subscribers} subscribers");
    let path = format!("/api/rooms/vehicle:{vehicle}");
    let report = measure(
        name,
        subscribers,
        || subscribe_forecourt(port, &path),
        |i| {
            let body = format!("{{\"price_cents\":{}}}", PRICE_BASE + i as u64);
            http(port, "PATCH", &format!("/api/vehicles/{vehicle}"), Some(&token), Some(&body)).map(|_| ())
        },
    );
    drop(edge);
    report
}

/// The port of the workerd that runs Forecourt, from wrangler's debug log
/// (`"userWorkerUrl":{"protocol":"http:","hostname":"127.0.0.1","port":"42605"}`).
fn runtime_port(log: &std::path::Path) -> Result<u16> {
    let text = std::fs::read_to_string(log).map_err(|e| format!("reading {}: {e}", log.display()))?;
    text.rsplit("\"userWorkerUrl\":")
        .next()
        .filter(|_| text.contains("\"userWorkerUrl\":"))
        .and_then(|rest| rest.split("\"port\":\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| format!("wrangler's debug log {} does not name the runtime's port", log.display()))
}

fn socketio(subscribers: usize) -> Result<Report> {
    let script = root().join("xtask/bench-baselines/socketio-room.mjs");
    let mut server = NodeServer::start(&script)?;
    let port = server.port;
    println!("== bench: Socket.IO baseline, {subscribers} subscribers");
    let report = measure(
        "Socket.IO 4.8.4 (Node), same broadcast",
        subscribers,
        || subscribe_socketio(port),
        |i| http(port, "POST", "/publish", None, Some(&format!("{{\"i\":{i}}}"))).map(|_| ()),
    );
    server.stop();
    report
}

fn admin_token() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let principal =
        Principal { subject: "usr-admin".into(), role: Role::Admin, location_ids: vec![], customer_id: None };
    token::sign(&token::Claims::for_principal(&principal, now), forecourt_tests::LOCAL_TOKEN_SIGNING_KEY.as_bytes())
}

struct NodeServer {
    child: Child,
    port: u16,
}

impl NodeServer {
    fn start(script: &std::path::Path) -> Result<Self> {
        let mut child = Command::new("node")
            .arg(script)
            .arg("0")
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting node: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout from node")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("reading node: {e}"))?;
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the Socket.IO server did not start: {line:?}"))?;
        Ok(Self { child, port })
    }

    fn stop(&mut self) {
        // Closing its stdin ends it; kill is the fallback.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- the measurement ----

type Subscriber = Box<dyn FnMut() -> Option<usize> + Send>;

/// Connects `subscribers` sockets with `connect`, publishes with `publish`, and collects when
/// each socket read each message.
fn measure(
    name: &'static str,
    subscribers: usize,
    connect: impl Fn() -> Result<Subscriber>,
    publish: impl Fn(usize) -> Result<()>,
) -> Result<Report> {
    let total = LATENCY_MESSAGES + BURST_MESSAGES;
    let ready = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(subscribers);
    let started = Instant::now();
    for batch in (0..subscribers).collect::<Vec<_>>().chunks(CONNECT_BATCH) {
        let target = ready.load(Ordering::SeqCst) + batch.len();
        for _ in batch {
            let mut next = connect()?;
            let ready = Arc::clone(&ready);
            let handle = thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    ready.fetch_add(1, Ordering::SeqCst);
                    let mut seen: Vec<(usize, Instant)> = Vec::with_capacity(total);
                    let deadline = Instant::now() + PHASE_DEADLINE * 2;
                    while seen.len() < total && Instant::now() < deadline {
                        if let Some(i) = next() {
                            seen.push((i, Instant::now()));
                        }
                    }
                    seen
                })
                .map_err(|e| format!("spawning a subscriber: {e}"))?;
            handles.push(handle);
        }
        while ready.load(Ordering::SeqCst) < target {
            if started.elapsed() > PHASE_DEADLINE {
                return Err("subscribers did not connect in time".into());
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
    println!("   {subscribers} subscribers connected in {:.1?}", started.elapsed());
    // Let the last joins settle before the clock starts.
    thread::sleep(Duration::from_millis(500));

    let mut sent = Vec::with_capacity(total);
    for i in 0..LATENCY_MESSAGES {
        let at = Instant::now();
        sent.push(at);
        publish(i)?;
        thread::sleep(LATENCY_SPACING.saturating_sub(at.elapsed()));
    }
    for i in LATENCY_MESSAGES..total {
        sent.push(Instant::now());
        publish(i)?;
    }
    let mut latencies = Vec::with_capacity(subscribers * total);
    let burst_start = sent[LATENCY_MESSAGES];
    let mut burst_end = burst_start;
    let mut burst_deliveries = 0usize;
    for handle in handles {
        let seen = handle.join().map_err(|_| "a subscriber thread panicked")?;
        for (i, at) in seen {
            let Some(&published) = sent.get(i) else { continue };
            latencies.push(at.saturating_duration_since(published).as_secs_f64() * 1_000.0);
            if i >= LATENCY_MESSAGES {
                burst_deliveries += 1;
                burst_end = burst_end.max(at);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pick =
        |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
    let burst_seconds = burst_end.saturating_duration_since(burst_start).as_secs_f64();
    Ok(Report {
        name,
        subscribers,
        deliveries: latencies.len(),
        expected: subscribers * total,
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        per_second: if burst_seconds > 0.0 { burst_deliveries as f64 / burst_seconds } else { 0.0 },
    })
}

fn subscribe_forecourt(port: u16, path: &str) -> Result<Subscriber> {
    let mut ws = Ws::connect(port, path)?;
    // Wait for the welcome, so the socket is in the room before publishing starts.
    loop {
        let text = ws.next_text()?.ok_or("the room closed before welcoming us")?;
        if text.contains("\"type\":\"welcome\"") {
            break;
        }
    }
    ws.set_timeout(Duration::from_secs(1));
    let mut pinged = Instant::now();
    Ok(Box::new(move || {
        // Heartbeat like the app, or the room's sweep closes us as dead after 75 s.
        if pinged.elapsed() > Duration::from_secs(20) {
            pinged = Instant::now();
            let _ = ws.send_text(r#"{"type":"ping"}"#);
        }
        let text = ws.next_text().ok().flatten()?;
        if !text.contains("\"type\":\"event\"") {
            return None;
        }
        number_after(&text, "\"price\":").and_then(|p| p.checked_sub(PRICE_BASE)).map(|i| i as usize)
    }))
}

fn subscribe_socketio(port: u16) -> Result<Subscriber> {
    let mut ws = Ws::connect(port, "/socket.io/?EIO=4&transport=websocket")?;
    // Engine.IO open packet, then connect to the default namespace.
    let open = ws.next_text()?.ok_or("no Engine.IO open packet")?;
    if !open.starts_with('0') {
        return Err(format!("unexpected Engine.IO greeting {open}"));
    }
    ws.send_text("40")?;
    loop {
        let text = ws.next_text()?.ok_or("Socket.IO closed before connecting")?;
        if text.starts_with("40") {
            break;
        }
    }
    ws.set_timeout(Duration::from_secs(1));
    Ok(Box::new(move || {
        let text = ws.next_text().ok().flatten()?;
        if text == "2" {
            // Engine.IO heartbeat: answer it, as socket.io-client does.
            let _ = ws.send_text("3");
            return None;
        }
        if !text.starts_with("42") {
            return None;
        }
        number_after(&text, "\"i\":").map(|i| i as usize)
    }))
}

fn number_after(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(key)? + key.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

// ---- a minimal HTTP/1.1 and WebSocket client (loopback only, std only) ----

fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nx-no-compression: 1\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).map_err(|e| format!("send: {e}"))?;
    // Read exactly one response (by Content-Length or chunked framing): proxies may keep the
    // connection open after it, and waiting for them to close would be measured as latency.
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        if read == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let lower = head.to_ascii_lowercase();
    let length =
        lower.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = Vec::new();
    if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body).map_err(|e| format!("read: {e}"))?;
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| format!("read: {e}"))?;
            let size = usize::from_str_radix(size.trim(), 16).map_err(|e| format!("chunk size: {e}"))?;
            let mut chunk = vec![0u8; size + 2];
            reader.read_exact(&mut chunk).map_err(|e| format!("read: {e}"))?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if status != 204 {
        reader.read_to_end(&mut body).map_err(|e| format!("read: {e}"))?;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    if !(200..300).contains(&status) {
        return Err(format!("{method} {path} answered {status}: {body}"));
    }
    Ok(body)
}

struct Ws {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Ws {
    fn connect(port: u16, path: &str) -> Result<Self> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).map_err(|e| format!("handshake: {e}"))?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).map_err(|e| format!("handshake: {e}"))?;
        if !status.contains(" 101 ") {
            return Err(format!("the WebSocket upgrade was refused: {}", status.trim()));
        }
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| format!("handshake: {e}"))?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Ok(Self { reader, writer })
    }

    fn set_timeout(&mut self, timeout: Duration) {
        let _ = self.reader.get_ref().set_read_timeout(Some(timeout));
    }

    /// The next text message (`None` on close); answers pings on the way.
    fn next_text(&mut self) -> Result<Option<String>> {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader.read_exact(&mut head).map_err(|e| e.to_string())?;
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut ext = [0u8; 2];
                self.reader.read_exact(&mut ext).map_err(|e| e.to_string())?;
                len = u64::from(u16::from_be_bytes(ext));
            } else if len == 127 {
                let mut ext = [0u8; 8];
                self.reader.read_exact(&mut ext).map_err(|e| e.to_string())?;
                len = u64::from_be_bytes(ext);
            }
            let mut payload = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
            self.reader.read_exact(&mut payload).map_err(|e| e.to_string())?;
            match opcode {
                0x8 => return Ok(None),
                0x9 => self.send(0xA, &payload)?,
                0xA => {}
                _ => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return Ok(Some(String::from_utf8_lossy(&message).into_owned()));
                    }
                }
            }
        }
    }

    fn send_text(&mut self, text: &str) -> Result<()> {
        self.send(0x1, text.as_bytes())
    }

    /// Client frames must be masked (RFC 6455 §5.3); a fixed mask is fine on loopback.
    fn send(&mut self, opcode: u8, payload: &[u8]) -> Result<()> {
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= usize::from(u16::MAX) => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.writer.write_all(&frame).map_err(|e| e.to_string())
    }
}
