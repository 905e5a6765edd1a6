//! `cargo xtask bench …`: measurements that do not belong in tests (timings, tables for docs).

mod analytics;
mod api;
mod realtime;
mod web;

pub fn run(args: &[String]) -> crate::Result<()> {
    match args.first().map(String::as_str) {
        Some("analytics") => analytics::run(&args[1..]),
        Some("api") => api::run(&args[1..]),
        Some("realtime") => realtime::run(&args[1..]),
        Some("web") => web::run(&args[1..]),
        _ => Err("usage: cargo xtask bench analytics [FILE.csv] | api | web | realtime [--subscribers N] [--only forecourt|socketio]".into()),
    }
}
