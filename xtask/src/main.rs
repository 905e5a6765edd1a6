//! `cargo xtask …`: the developer commands of Forecourt. A newcomer needs two of them:
//! `cargo xtask dev` (install, build, seed, run) and `cargo xtask test` (install, run every layer).

mod bench;
mod build;
mod demo;
mod dev;
mod local_edge;
mod process;
mod test;
mod toolchain;
mod web_pipeline;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  dev [--port N] [--reset]   install what is missing, build, migrate and seed D1, serve app + API
  test                       install what is missing, then run every test layer
  build                      build the app (dist/) and the worker (edge/build/)
  deploy [wrangler args…]    build, then `wrangler deploy` (needs Cloudflare credentials)
  demo-sql                   print the deterministic demo data as SQL
  web-pipeline               (Trunk's post_build hook) app + service worker wasm into the staging dir
  bench analytics [FILE.csv] forecast/detector/lead-score quality tables and 1M-point timings
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev::run_dev(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("build") => toolchain::ensure_build_tools().and_then(|tools| build::all(&tools)),
        Some("deploy") => dev::deploy(&args[1..]),
        Some("demo-sql") => {
            print!("{}", demo::seed_sql());
            Ok(())
        }
        Some("web-pipeline") => web_pipeline::run_as_trunk_hook(),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Errors are reported to a person at the terminal; a message with context is all they need.
pub type Result<T> = std::result::Result<T, String>;
