//! A real Forecourt edge on this machine: `wrangler dev --local` (workerd with D1, KV, R2 and
//! Durable Objects) on a free loopback port, with migrations applied and demo data loaded.
//!
//! Used by the integration tests and by `cargo xtask dev/test`, so both run the same setup.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key local instances sign access tokens with (dev and tests only; production sets the
/// `TOKEN_SIGNING_KEY` secret). Tests may mint tokens with it to reach edge cases like expiry.
pub const LOCAL_TOKEN_SIGNING_KEY: &str = "local-development-signing-key-not-for-production";

/// The password of every demo account (see README).
pub const DEMO_PASSWORD: &str = "forecourt-demo-2026";

/// How long a cold `wrangler dev` may take to answer its first health check.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

pub struct EdgeOptions {
    /// The workspace root (with node_modules/, edge/wrangler.toml, dist/).
    pub root: PathBuf,
    /// Fixed port, or `None` for a free one.
    pub port: Option<u16>,
    /// Where D1, KV, R2 and Durable Objects keep their local state.
    pub state_dir: PathBuf,
    /// SQL to load after migrations (demo data), if any.
    pub seed_sql: Option<PathBuf>,
    /// Send wrangler's own output to this file instead of the terminal.
    pub log_file: Option<PathBuf>,
}

pub struct LocalEdge {
    child: Child,
    base_url: String,
}

pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn wrangler(root: &Path) -> Command {
    let mut cmd = Command::new(root.join("node_modules/.bin/wrangler"));
    cmd.current_dir(root.join("edge"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "true")
        .stdin(Stdio::null());
    cmd
}

fn run_quietly(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: could not start wrangler ({e}); run `cargo xtask test` to install it"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Applies D1 migrations and loads `seed_sql` into the local state at `state_dir`.
pub fn prepare_database(root: &Path, state_dir: &Path, seed_sql: Option<&Path>) -> Result<(), String> {
    run_quietly(
        wrangler(root).args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"]).arg(state_dir),
        "applying D1 migrations",
    )?;
    if let Some(seed) = seed_sql {
        run_quietly(
            wrangler(root)
                .args(["d1", "execute", "DB", "--local", "--persist-to"])
                .arg(state_dir)
                .arg("--file")
                .arg(seed),
            "loading demo data",
        )?;
    }
    Ok(())
}

impl LocalEdge {
    /// Prepares the database, starts `wrangler dev` and waits until `/api/health` answers 200.
    pub fn start(options: &EdgeOptions) -> Result<Self, String> {
        Self::start_with_vars(options, &[])
    }

    /// As [`LocalEdge::start`], overriding `[vars]` of `wrangler.toml` (e.g. the bench exempts
    /// loopback from rate limits with `RATE_LIMIT_EXEMPT_IPS`).
    pub fn start_with_vars(options: &EdgeOptions, vars: &[(&str, &str)]) -> Result<Self, String> {
        std::fs::create_dir_all(&options.state_dir)
            .map_err(|e| format!("creating {}: {e}", options.state_dir.display()))?;
        prepare_database(&options.root, &options.state_dir, options.seed_sql.as_deref())?;
        let port = match options.port {
            Some(port) => port,
            None => free_port()?,
        };
        let mut cmd = wrangler(&options.root);
        cmd.args(["dev", "--local", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &free_port()?.to_string()])
            .args(["--show-interactive-dev-session=false", "--persist-to"])
            .arg(&options.state_dir)
            .args(["--var", &format!("TOKEN_SIGNING_KEY:{LOCAL_TOKEN_SIGNING_KEY}")]);
        for (name, value) in vars {
            cmd.args(["--var", &format!("{name}:{value}")]);
        }
        if let Some(log) = &options.log_file {
            let file = std::fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
            let err = file.try_clone().map_err(|e| e.to_string())?;
            cmd.stdout(file).stderr(err);
        }
        // Own process group, so stopping reaches workerd too; and die with the parent, so an
        // aborted test run never leaves a server behind.
        unsafe {
            cmd.pre_exec(|| {
                libc::setpgid(0, 0);
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| format!("starting wrangler dev: {e}"))?;
        let mut edge = Self { child, base_url: format!("http://127.0.0.1:{port}") };
        edge.wait_until_ready()?;
        Ok(edge)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.base_url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("wrangler dev exited early ({status})"));
            }
            if health_status(self.port()) == Some(200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!("wrangler dev did not become healthy within {READY_TIMEOUT:?}"))
    }

    /// Whether wrangler is still running (for `cargo xtask dev`, which runs until Ctrl-C).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn stop(&mut self) {
        let pgid = self.child.id() as i32;
        unsafe {
            libc::kill(-pgid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl LocalEdge {
    /// Stops wrangler and starts it again on the same port with the same state directory, as a
    /// restart of the runtime would: what D1, KV and the Durable Objects stored is kept, every
    /// open connection drops. `options` names the state directory and (a new) log file; its
    /// port and seed are ignored (the port stays, nothing is seeded twice).
    pub fn restart(&mut self, options: &EdgeOptions) -> Result<(), String> {
        self.stop();
        let fresh = Self::start(&EdgeOptions {
            root: options.root.clone(),
            port: Some(self.port()),
            state_dir: options.state_dir.clone(),
            seed_sql: None,
            log_file: options.log_file.clone(),
        })?;
        let stopped = std::mem::replace(self, fresh);
        // Already stopped and reaped: its Drop would signal a process group that is gone (and
        // whose id the system may have handed to someone else).
        std::mem::forget(stopped);
        Ok(())
    }
}

impl Drop for LocalEdge {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status of `GET /api/health`, with std only (this library must stay light for xtask).
pub fn health_status(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let request = format!("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 32];
    let read = stream.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..read]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}
