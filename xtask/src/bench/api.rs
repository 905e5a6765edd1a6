//! `cargo xtask bench api`: cached vs uncached reads at 100 concurrent connections, and how many
//! D1 reads a burst of identical reads costs with and without coalescing.
//!
//! A Rust load generator (plain threads, one keep-alive HTTP/1.1 connection each) on loopback,
//! straight to the workerd that `wrangler dev` runs (its Node proxy would dominate the numbers).
//! Everything is bounded: a fixed number of requests per phase and a deadline for each.
//! The edge runs with loopback exempt from rate limits (`RATE_LIMIT_EXEMPT_IPS`), as an
//! operator's own load test would.

use crate::process::root;
use crate::{build, local_edge, toolchain, Result};
use forecourt_domain::identity::{token, Principal, Role};
use forecourt_tests::{EdgeOptions, LocalEdge};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CONNECTIONS: usize = 100;
/// Requests per connection in a cached phase.
const CACHED_PER_CONNECTION: usize = 100;
/// Uncached phases: rounds of distinct keys, the cache retired between rounds.
const UNCACHED_ROUNDS: usize = 8;
/// Thundering-herd rounds: every connection asks for the same key right after a write.
const HERD_ROUNDS: usize = 10;
const PHASE_DEADLINE: Duration = Duration::from_secs(180);

const TARGET_CACHED_P99_MS: f64 = 20.0;
const TARGET_SPEEDUP: f64 = 5.0;

struct Phase {
    name: String,
    requests: usize,
    errors: usize,
    misses: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

struct Herd {
    coalescing: bool,
    requests: usize,
    origin_reads: usize,
    coalesced: usize,
}

pub fn run(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        return Err(format!("bench api: unknown argument {other}"));
    }
    let tools = toolchain::ensure_build_tools()?;
    build::worker(&tools)?;

    let (edge, port) = start(true)?;
    let admin = admin_token();
    let vehicles = public_vehicles(port)?;
    let makes: Vec<String> = {
        let mut makes: Vec<String> = vehicles.iter().map(|(_, make)| make.clone()).collect();
        makes.sort();
        makes.dedup();
        makes
    };
    let ids: Vec<String> = vehicles.iter().map(|(id, _)| id.clone()).collect();
    let searches: Vec<String> = (1..=100)
        .flat_map(|limit| {
            let make = &makes[limit % makes.len().max(1)];
            [format!("/api/vehicles?limit={limit}"), format!("/api/vehicles?limit={limit}&make={make}")]
        })
        .collect();
    println!("== bench api: {} public vehicles, {} distinct searches, port {port}", ids.len(), searches.len());

    let mut phases = Vec::new();
    let details: Vec<String> = ids.iter().map(|id| format!("/api/vehicles/{id}")).collect();
    for (what, keys) in [("vehicle detail", &details), ("stock search", &searches)] {
        // Uncached: every key once per round, the stock cache retired (a price write) between rounds.
        let mut rounds = Vec::new();
        for _ in 0..UNCACHED_ROUNDS {
            bump(port, &admin, &ids[0])?;
            rounds.push(load(port, keys, keys.len())?);
        }
        phases.push(merge(format!("{what}, uncached"), rounds));
        // Cached: a warm set of keys, read over and over.
        let warm: Vec<String> = keys.iter().take(20).cloned().collect();
        for key in &warm {
            get(port, key)?;
        }
        phases.push(merge(format!("{what}, cached"), vec![load(port, &warm, CONNECTIONS * CACHED_PER_CONNECTION)?]));
    }
    let herd_on = herd(port, &admin, &ids, true)?;
    drop(edge);
    let (edge, port) = start(false)?;
    let herd_off = herd(port, &admin, &ids, false)?;
    drop(edge);

    let table = table(&phases, &[herd_on, herd_off]);
    println!("\n{table}");
    let out = root().join("target/forecourt/bench-api.md");
    std::fs::write(&out, &table).map_err(|e| format!("writing {}: {e}", out.display()))?;
    println!("(also written to {})", out.display());
    for pair in phases.chunks(2) {
        if let [uncached, cached] = pair {
            let speedup = cached.per_second / uncached.per_second.max(f64::MIN_POSITIVE);
            println!(
                "{}: cached p99 {:.1} ms (target < {TARGET_CACHED_P99_MS}: {}), {speedup:.1}× the uncached throughput (target ≥ {TARGET_SPEEDUP}: {})",
                cached.name,
                cached.p99_ms,
                if cached.p99_ms < TARGET_CACHED_P99_MS { "met" } else { "NOT met" },
                if speedup >= TARGET_SPEEDUP { "met" } else { "NOT met" },
            );
        }
    }
    Ok(())
}

fn start(coalescing: bool) -> Result<(LocalEdge, u16)> {
    let root = root();
    let state_dir = root.join("target/forecourt/bench-api-state");
    let _ = std::fs::remove_dir_all(&state_dir);
    let log = root.join("target/forecourt/bench-api-wrangler.log");
    let seed_sql = local_edge::write_seed_sql(&root)?;
    let options = EdgeOptions { root, port: None, state_dir, seed_sql: Some(seed_sql), log_file: Some(log.clone()) };
    let vars =
        [("RATE_LIMIT_EXEMPT_IPS", "127.0.0.1,::1,unknown"), ("COALESCE_READS", if coalescing { "on" } else { "off" })];
    let edge = LocalEdge::start_with_vars(&options, &vars)?;
    let port = runtime_port(&edge)?;
    Ok((edge, port))
}

/// The port of the workerd that runs the Worker, found among the listening sockets of the edge's
/// process group: the one that is not wrangler's proxy and answers `/api/health`. (wrangler names
/// it only in its debug log, and debug logging relays every log line through the inspector,
/// which would slow the very requests we measure.)
fn runtime_port(edge: &LocalEdge) -> Result<u16> {
    let group = edge.process_group().to_string();
    let mut inodes = std::collections::HashSet::new();
    for entry in std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?.flatten() {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …: the fields after the parenthesised name.
        let after_name = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or_default();
        if after_name.split_whitespace().nth(2) != Some(group.as_str()) {
            continue;
        }
        for fd in std::fs::read_dir(entry.path().join("fd")).into_iter().flatten().flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let target = target.to_string_lossy().into_owned();
                if let Some(inode) = target.strip_prefix("socket:[").and_then(|t| t.strip_suffix(']')) {
                    inodes.insert(inode.to_owned());
                }
            }
        }
    }
    let table = std::fs::read_to_string("/proc/net/tcp").map_err(|e| format!("/proc/net/tcp: {e}"))?;
    let ports: Vec<u16> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let listening = fields.get(3) == Some(&"0A");
            let ours = fields.get(9).is_some_and(|inode| inodes.contains(*inode));
            let port = fields
                .get(1)
                .and_then(|local| local.rsplit(':').next())
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            port.filter(|_| listening && ours)
        })
        .filter(|port| *port != edge.port())
        .collect();
    ports
        .into_iter()
        .find(|port| get(*port, "/api/health").is_ok_and(|answer| answer.status == 200))
        .ok_or_else(|| "no workerd port answers /api/health in the edge's process group".into())
}

fn admin_token() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let principal =
        Principal { subject: "usr-admin".into(), role: Role::Admin, location_ids: vec![], customer_id: None };
    token::sign(&token::Claims::for_principal(&principal, now), forecourt_tests::LOCAL_TOKEN_SIGNING_KEY.as_bytes())
}

/// `(id, make)` of every public vehicle, page by page.
fn public_vehicles(port: u16) -> Result<Vec<(String, String)>> {
    let mut vehicles = Vec::new();
    let mut cursor = String::new();
    loop {
        let answer = get(port, &format!("/api/vehicles?limit=100{cursor}"))?;
        let page: serde_json::Value = serde_json::from_slice(&answer.body).map_err(|e| format!("stock page: {e}"))?;
        for vehicle in page["items"].as_array().into_iter().flatten() {
            let field = |name: &str| vehicle[name].as_str().unwrap_or_default().to_owned();
            vehicles.push((field("id"), field("make")));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    if vehicles.is_empty() {
        return Err("no public vehicles to benchmark with".into());
    }
    Ok(vehicles)
}

/// Retires the stock cache (vehicle detail and search share its generation) with a price write.
fn bump(port: u16, admin: &str, vehicle: &str) -> Result<()> {
    let cents =
        1_000_000 + (SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_micros()).unwrap_or(0) as u64);
    let body = format!("{{\"price_cents\":{cents}}}");
    let mut connection = Connection::open(port)?;
    let answer = connection.request("PATCH", &format!("/api/vehicles/{vehicle}"), Some(admin), Some(&body))?;
    if answer.status != 200 {
        return Err(format!("price write answered {}", answer.status));
    }
    Ok(())
}

/// `total` GETs over `keys` (in turn) from [`CONNECTIONS`] connections at once.
fn load(port: u16, keys: &[String], total: usize) -> Result<Run> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new((Vec::with_capacity(total), 0usize, 0usize));
    let barrier = Barrier::new(CONNECTIONS + 1);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let deadline = Instant::now() + PHASE_DEADLINE;
    let mut elapsed = Duration::ZERO;
    std::thread::scope(|scope| -> Result<Instant> {
        for _ in 0..CONNECTIONS {
            scope.spawn(|| {
                let mut connection = Connection::open(port).ok();
                let (mut latencies, mut errors, mut misses) = (Vec::new(), 0, 0);
                barrier.wait();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || Instant::now() > deadline {
                        break;
                    }
                    let started = Instant::now();
                    let answer = connection.as_mut().map(|c| c.request("GET", &keys[i % keys.len()], None, None));
                    match answer {
                        Some(Ok(answer)) if answer.status == 200 => {
                            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                            misses += usize::from(answer.cache.as_deref() == Some("MISS"));
                        }
                        other => {
                            errors += 1;
                            if let Ok(mut first) = first_error.lock() {
                                first.get_or_insert_with(|| match other {
                                    Some(Ok(answer)) => format!("status {}", answer.status),
                                    Some(Err(error)) => error,
                                    None => "no connection".into(),
                                });
                            }
                            connection = Connection::open(port).ok();
                        }
                    }
                }
                if let Ok(mut results) = results.lock() {
                    results.0.extend(latencies);
                    results.1 += errors;
                    results.2 += misses;
                }
            });
        }
        barrier.wait();
        Ok(Instant::now())
    })
    .map(|started| elapsed = started.elapsed())?;
    let (latencies, errors, misses) = results.into_inner().map_err(|_| "a load thread panicked")?;
    if let Some(error) = first_error.into_inner().ok().flatten() {
        println!("   {errors} failed requests; the first: {error}");
    }
    Ok(Run { latencies, seconds: elapsed.as_secs_f64(), errors, misses })
}

/// One bounded load: each request's latency, the wall time, failures and cache misses.
struct Run {
    latencies: Vec<f64>,
    seconds: f64,
    errors: usize,
    misses: usize,
}

/// Combines runs into one row of the table.
fn merge(name: String, runs: Vec<Run>) -> Phase {
    let mut latencies: Vec<f64> = runs.iter().flat_map(|run| run.latencies.iter().copied()).collect();
    let seconds: f64 = runs.iter().map(|run| run.seconds).sum();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies.get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied();
    Phase {
        name,
        requests: latencies.len(),
        errors: runs.iter().map(|run| run.errors).sum(),
        misses: runs.iter().map(|run| run.misses).sum(),
        per_second: latencies.len() as f64 / seconds.max(f64::MIN_POSITIVE),
        p50_ms: at(0.50).unwrap_or(f64::NAN),
        p99_ms: at(0.99).unwrap_or(f64::NAN),
    }
}

/// After each write, every connection asks for the same vehicle at once; counts D1 reads.
fn herd(port: u16, admin: &str, ids: &[String], coalescing: bool) -> Result<Herd> {
    println!("== bench api: thundering herd, coalescing {}", if coalescing { "on" } else { "off" });
    let mut totals = Herd { coalescing, requests: 0, origin_reads: 0, coalesced: 0 };
    let mut connections: Vec<Connection> = (0..CONNECTIONS).map(|_| Connection::open(port)).collect::<Result<_>>()?;
    for round in 0..HERD_ROUNDS {
        bump(port, admin, &ids[0])?;
        let path = format!("/api/vehicles/{}", ids[(round + 1) % ids.len()]);
        let barrier = Barrier::new(CONNECTIONS);
        let answers: Vec<Result<Answer>> = std::thread::scope(|scope| {
            let handles: Vec<_> = connections
                .iter_mut()
                .map(|connection| {
                    let (barrier, path) = (&barrier, &path);
                    scope.spawn(move || {
                        barrier.wait();
                        connection.request("GET", path, None, None)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
        });
        for answer in answers {
            let answer = answer?;
            totals.requests += 1;
            totals.origin_reads += answer.origin_reads;
            totals.coalesced += answer.coalesced;
        }
    }
    Ok(totals)
}

fn table(phases: &[Phase], herds: &[Herd]) -> String {
    let mut out = String::from(
        "| read | requests | errors | cache misses | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for p in phases {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.0} | {:.1} | {:.1} |\n",
            p.name, p.requests, p.errors, p.misses, p.per_second, p.p50_ms, p.p99_ms
        ));
    }
    out.push_str(&format!(
        "\n| thundering herd ({HERD_ROUNDS} writes, then {CONNECTIONS} identical reads each) | requests | D1 reads | joined a read in flight |\n|---|---:|---:|---:|\n"
    ));
    for h in herds {
        out.push_str(&format!(
            "| coalescing {} | {} | {} | {} |\n",
            if h.coalescing { "on" } else { "off" },
            h.requests,
            h.origin_reads,
            h.coalesced
        ));
    }
    out
}

struct Answer {
    status: u16,
    cache: Option<String>,
    origin_reads: usize,
    coalesced: usize,
    body: Vec<u8>,
}

fn get(port: u16, path: &str) -> Result<Answer> {
    Connection::open(port)?.request("GET", path, None, None)
}

/// One keep-alive HTTP/1.1 connection: just enough client for `Content-Length` answers.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(port: u16) -> Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        Ok(Self { reader: BufReader::new(stream) })
    }

    fn request(&mut self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Result<Answer> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept-encoding: identity\r\n");
        if let Some(token) = token {
            head.push_str(&format!("authorization: Bearer {token}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or_default());
        self.reader.get_mut().write_all(head.as_bytes()).map_err(|e| format!("send: {e}"))?;

        let mut line = String::new();
        self.reader.read_line(&mut line).map_err(|e| format!("status line: {e}"))?;
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no status")?;
        let (mut length, mut cache, mut origin_reads, mut coalesced) = (0usize, None, 0, 0);
        loop {
            line.clear();
            self.reader.read_line(&mut line).map_err(|e| format!("header: {e}"))?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "x-cache" => cache = Some(value.to_owned()),
                    "x-origin-reads" => origin_reads = value.parse().unwrap_or(0),
                    "x-coalesced" => coalesced = value.parse().unwrap_or(0),
                    "transfer-encoding" => return Err("chunked answers are not supported".into()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).map_err(|e| format!("body: {e}"))?;
        Ok(Answer { status, cache, origin_reads, coalesced, body })
    }
}
