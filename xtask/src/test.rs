//! `cargo xtask test`: every test layer, each with its real runner, then one summary line.

use crate::process::describe;
use crate::toolchain::{self, Tools};
use crate::{build, local_edge, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: u64,
    failed: u64,
}

/// Reads the counts from the closing lines of cargo test ("test result: ok. 3 passed; 0 failed")
/// and node's test runner ("# pass 3", "# fail 0").
fn scan(line: &str, counts: &mut Counts) {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("test result: ") {
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(word)) = (words.next().and_then(|n| n.parse::<u64>().ok()), words.next()) {
                match word {
                    "passed" => counts.passed += n,
                    "failed" => counts.failed += n,
                    _ => {}
                }
            }
        }
    } else if let Some(n) = line.strip_prefix("# pass ").and_then(|n| n.parse::<u64>().ok()) {
        counts.passed += n;
    } else if let Some(n) = line.strip_prefix("# fail ").and_then(|n| n.parse::<u64>().ok()) {
        counts.failed += n;
    }
}

/// Runs `cmd`, echoing its output as it comes, and counts the tests it reports.
fn run_counted(cmd: &mut Command) -> Result<Counts> {
    println!("  $ {}", describe(cmd));
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    let (sender, receiver) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let sender = sender.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(std::result::Result::ok) {
                println!("{line}");
                let _ = sender.send(line);
            }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let sender = sender.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(std::result::Result::ok) {
                eprintln!("{line}");
                let _ = sender.send(line);
            }
        }));
    }
    drop(sender);
    let mut counts = Counts::default();
    for line in receiver {
        scan(&line, &mut counts);
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() && counts.failed == 0 {
        // A runner that fails without reporting a failed test (build error, crash) still fails.
        counts.failed += 1;
    }
    Ok(counts)
}

struct Layer {
    name: &'static str,
    counts: Counts,
    seconds: f64,
}

fn layer(name: &'static str, layers: &mut Vec<Layer>, body: impl FnOnce() -> Result<Counts>) -> Result<()> {
    println!("\n== test layer: {name}");
    let started = Instant::now();
    let counts = body()?;
    if counts.passed == 0 && counts.failed == 0 {
        return Err(format!("layer '{name}' ran no tests"));
    }
    println!("== {name}: {} passed, {} failed", counts.passed, counts.failed);
    layers.push(Layer { name, counts, seconds: started.elapsed().as_secs_f64() });
    Ok(())
}

/// Crates that only make sense in a browser or the Workers runtime; they are linted for wasm32
/// and tested in the browser and integration layers.
const WASM_ONLY: [&str; 2] = ["forecourt-app", "forecourt-edge"];

fn excluding<'a>(crates: &'a [&'a str]) -> impl Iterator<Item = &'a str> {
    crates.iter().flat_map(|name| ["--exclude", name])
}

/// Formatting and clippy are part of "green": a lint failure fails the layer like a test would.
fn lint(tools: &Tools) -> Result<u64> {
    let mut failures = 0;
    let checks: [Vec<&str>; 3] = [
        vec!["fmt", "--all", "--check"],
        ["clippy", "--workspace", "--all-targets"]
            .into_iter()
            .chain(excluding(&WASM_ONLY))
            .chain(["--", "-D", "warnings"])
            .collect(),
        [
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "-p",
            WASM_ONLY[0],
            "-p",
            WASM_ONLY[1],
            "--",
            "-D",
            "warnings",
        ]
        .to_vec(),
    ];
    for args in checks {
        failures += run_counted(tools.command("cargo").args(&args))?.failed;
    }
    Ok(failures)
}

fn native(tools: &Tools) -> Result<Counts> {
    let lint_failures = lint(tools)?;
    let mut counts = run_counted(
        tools
            .command("cargo")
            .args(["test", "--workspace"])
            .args(excluding(&WASM_ONLY))
            .args(["--exclude", "forecourt-tests"]),
    )?;
    counts.failed += lint_failures;
    Ok(counts)
}

fn wasm_in_browser(tools: &Tools) -> Result<Counts> {
    run_counted(tools.command("cargo").args(["test", "-p", "forecourt-app", "--target", "wasm32-unknown-unknown"]))
}

fn integration(tools: &Tools) -> Result<Counts> {
    let seed = local_edge::write_seed_sql(&tools.root)?;
    run_counted(tools.command("cargo").args(["test", "-p", "forecourt-tests"]).env("FORECOURT_SEED_SQL", seed))
}

fn end_to_end(tools: &Tools) -> Result<Counts> {
    let state = tools.root.join("target/forecourt/e2e-state");
    let _ = std::fs::remove_dir_all(&state);
    let log = tools.root.join("target/forecourt/e2e-wrangler.log");
    let edge = local_edge::start(&tools.root, None, state, Some(log))?;
    let counts = run_counted(
        tools
            .command("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("FORECOURT_URL", edge.base_url())
            .env("FORECOURT_DEMO_PASSWORD", forecourt_tests::DEMO_PASSWORD),
    );
    drop(edge);
    counts
}

pub fn run(args: &[String]) -> Result<()> {
    if let Some(unknown) = args.first() {
        return Err(format!("`cargo xtask test` takes no options (got '{unknown}')"));
    }
    let started = Instant::now();
    let tools = toolchain::ensure_build_tools()?;
    toolchain::ensure_browsers()?;
    println!("   tools ready in {:.0?}", started.elapsed());

    let mut layers = Vec::new();
    layer("native (cargo test)", &mut layers, || native(&tools))?;
    layer("wasm in headless Chromium (wasm-bindgen-test)", &mut layers, || wasm_in_browser(&tools))?;
    println!("\n== build for the integration and end-to-end layers");
    build::all(&tools)?;
    layer("integration against wrangler dev", &mut layers, || integration(&tools))?;
    layer("end-to-end in Chromium (Playwright)", &mut layers, || end_to_end(&tools))?;

    println!("\n{:<50} {:>7} {:>7} {:>8}", "layer", "passed", "failed", "seconds");
    let mut total = Counts::default();
    for layer in &layers {
        println!("{:<50} {:>7} {:>7} {:>8.1}", layer.name, layer.counts.passed, layer.counts.failed, layer.seconds);
        total.passed += layer.counts.passed;
        total.failed += layer.counts.failed;
    }
    println!("total time {:.0?}", started.elapsed());
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        return Err(format!("{} test(s) failed", total.failed));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_test_closing_lines() {
        let mut counts = Counts::default();
        scan(
            "test result: FAILED. 12 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s",
            &mut counts,
        );
        assert_eq!((counts.passed, counts.failed), (12, 2));
    }

    #[test]
    fn reads_node_test_runner_totals() {
        let mut counts = Counts::default();
        for line in ["# tests 3", "# pass 3", "# fail 0"] {
            scan(line, &mut counts);
        }
        assert_eq!((counts.passed, counts.failed), (3, 0));
    }
}
