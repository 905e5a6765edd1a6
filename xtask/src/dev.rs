//! `cargo xtask dev` and `cargo xtask deploy`.

use crate::process::run;
use crate::{build, local_edge, toolchain, Result};
use forecourt_tests::DEMO_PASSWORD;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct DevArgs {
    port: u16,
    reset: bool,
}

fn parse(args: &[String]) -> Result<DevArgs> {
    let mut parsed = DevArgs { port: 8787, reset: false };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--port" => {
                parsed.port =
                    iter.next().and_then(|p| p.parse().ok()).ok_or("--port takes a port number, e.g. --port 8788")?;
            }
            "--reset" => parsed.reset = true,
            other => return Err(format!("unknown option '{other}' (try --port N or --reset)")),
        }
    }
    Ok(parsed)
}

pub fn run_dev(args: &[String]) -> Result<()> {
    let args = parse(args)?;
    let tools = toolchain::ensure_build_tools()?;
    build::all(&tools)?;
    let state_dir = tools.root.join("edge/.wrangler/state");
    if args.reset {
        println!("== --reset: wiping local D1, KV, R2 and rooms");
        let _ = std::fs::remove_dir_all(&state_dir);
    }
    let mut edge = local_edge::start(&tools.root, Some(args.port), state_dir, None)?;
    let url = edge.base_url().to_owned();
    println!(
        "\n  Forecourt is running.\n\n    App:     {url}/\n    Stock:   {url}/stock\n    API:     {url}/api/vehicles\n    Health:  {url}/api/health\n\n  \
         Demo accounts (password {DEMO_PASSWORD}): admin@forecourt.example, manager.north@forecourt.example, \
         sales.north@forecourt.example, advisor.north@forecourt.example, tech.north@forecourt.example, alex@example.com …\n\n  \
         Change a price live (open {url}/vehicles/veh-00002 first):\n    \
         TOKEN=$(curl -s {url}/api/auth/login -H 'content-type: application/json' \\\n      \
         -d '{{\"email\":\"admin@forecourt.example\",\"password\":\"{DEMO_PASSWORD}\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n    \
         curl -X PATCH {url}/api/vehicles/veh-00002 -H \"authorization: Bearer $TOKEN\" \\\n      \
         -H 'content-type: application/json' -d '{{\"price_cents\": 1999900}}'\n\n  \
         Ctrl-C stops everything.\n"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("installing Ctrl-C handler: {e}"))?;
    while !stop.load(Ordering::SeqCst) {
        if !edge.is_running() {
            return Err("wrangler dev stopped unexpectedly (its output is above)".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("\nstopping…");
    edge.stop();
    Ok(())
}

pub fn deploy(args: &[String]) -> Result<()> {
    let tools = toolchain::ensure_build_tools()?;
    build::all(&tools)?;
    run(tools.command(&tools.wrangler).args(["deploy", "--config", "edge/wrangler.toml"]).args(args))
}
