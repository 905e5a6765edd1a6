//! Installing what the build and the tests need: idempotent, pinned, and offline-safe (only the
//! package registries are used). Every step says what it found and what it does.

use crate::process::{cargo_bin_dir, output, root, run};
use crate::Result;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Trunk 0.21.14 is the newest that builds on rustc 1.95 (0.22 needs 1.96).
const TRUNK_VERSION: &str = "0.21.14";
/// worker-build matching the `worker` crate in Cargo.lock.
const WORKER_BUILD_VERSION: &str = "0.8.7";
/// The lazy-route splitter verified with Leptos 0.8 (../shared/BUILD-NOTES.md).
const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
const WASM_SPLIT_VERSION: &str = "0.2.4";

/// Paths and environment of the installed tools.
pub struct Tools {
    pub root: PathBuf,
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub wasm_split: PathBuf,
    pub esbuild: PathBuf,
    pub trunk: PathBuf,
    pub worker_build: PathBuf,
    pub wrangler: PathBuf,
}

impl Tools {
    /// A command with the environment every tool here expects: local binaries first on PATH,
    /// no telemetry, no downloads.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.root.join("node_modules/.bin"), cargo_bin_dir()];
        dirs.extend(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(dirs) {
            cmd.env("PATH", joined);
        }
        cmd.env("WASM_BINDGEN_BIN", &self.wasm_bindgen)
            .env("WASM_OPT_BIN", &self.wasm_opt)
            .env("ESBUILD_BIN", &self.esbuild)
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("CHROME_PATH", "/usr/bin/chromium")
            .current_dir(&self.root);
        cmd
    }
}

fn step(what: &str, present: bool) -> bool {
    if present {
        println!("✓ {what}: present");
    } else {
        println!("→ {what}: installing");
    }
    present
}

/// The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) =
                lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !step("rust target wasm32-unknown-unknown", installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown")) {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// `cargo install` of `krate` at `version` unless `bin --version` already reports it.
fn ensure_cargo_tool(krate: &str, bin: &str, version: &str, extra: &[&str]) -> Result<PathBuf> {
    let path = cargo_bin_dir().join(bin);
    let reported = output(Command::new(&path).arg("--version")).unwrap_or_default();
    let present = reported.split_whitespace().any(|word| word.trim_start_matches('v') == version);
    if !step(&format!("{krate} {version}"), present) {
        let mut cmd = Command::new("cargo");
        cmd.args(["install", krate, "--version", version]).args(extra);
        run(&mut cmd)?;
    }
    Ok(path)
}

/// wasm-split-cli has no `--version`; cargo's own install record says which version built it,
/// and `--help` proves the binary is there and runs.
fn ensure_wasm_split() -> Result<PathBuf> {
    let path = cargo_bin_dir().join("wasm-split-cli");
    let record = format!("{WASM_SPLIT_CRATE} v{WASM_SPLIT_VERSION}:");
    let installed = output(Command::new("cargo").args(["install", "--list"]))
        .is_some_and(|list| list.lines().any(|line| line.trim() == record));
    let runs = output(Command::new(&path).arg("--help")).is_some();
    if !step(&format!("{WASM_SPLIT_CRATE} {WASM_SPLIT_VERSION} (wasm-split-cli)"), installed && runs) {
        run(Command::new("cargo").args([
            "install",
            "--locked",
            &format!("{WASM_SPLIT_CRATE}@{WASM_SPLIT_VERSION}"),
            "--features",
            "build-binary",
        ]))?;
    }
    Ok(path)
}

/// `npm ci` whenever package-lock.json changed since the last install.
fn ensure_npm_packages(root: &Path) -> Result<()> {
    let lock = std::fs::read(root.join("package-lock.json")).map_err(|e| format!("reading package-lock.json: {e}"))?;
    let digest = format!("{:x}", Sha256::digest(&lock));
    let stamp = root.join("node_modules/.forecourt-lock-sha256");
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if !step("npm packages (package-lock.json)", current.trim() == digest) {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root))?;
        std::fs::write(&stamp, &digest).map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    }
    Ok(())
}

/// Debian's Chromium and its driver, for the browser test layers only.
pub fn ensure_browsers() -> Result<()> {
    let present = Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists();
    if !step("chromium + chromium-driver (Debian)", present) {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]))?;
    }
    Ok(())
}

/// Everything `build`, `dev` and `test` need except browsers.
pub fn ensure_build_tools() -> Result<Tools> {
    let root = root();
    println!("== tools");
    ensure_wasm_target()?;
    let bindgen_version = locked_wasm_bindgen_version(&root)?;
    // `--locked` makes this version of wasm-bindgen-cli fail to build; its own lock is stale.
    let wasm_bindgen = ensure_cargo_tool("wasm-bindgen-cli", "wasm-bindgen", &bindgen_version, &[])?;
    let worker_build = ensure_cargo_tool("worker-build", "worker-build", WORKER_BUILD_VERSION, &[])?;
    let trunk = ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, &["--locked"])?;
    let wasm_split = ensure_wasm_split()?;
    ensure_npm_packages(&root)?;
    let tools = Tools::locate();
    debug_assert!(
        tools.wasm_bindgen == wasm_bindgen
            && tools.worker_build == worker_build
            && tools.trunk == trunk
            && tools.wasm_split == wasm_split
    );
    Ok(tools)
}

impl Tools {
    /// Where the tools are once installed (used by Trunk's hook, which runs after the installs).
    pub fn locate() -> Self {
        let root = root();
        let bin = cargo_bin_dir();
        Self {
            wasm_opt: root.join("node_modules/.bin/wasm-opt"),
            esbuild: root.join("node_modules/@esbuild/linux-x64/bin/esbuild"),
            wrangler: root.join("node_modules/.bin/wrangler"),
            wasm_bindgen: bin.join("wasm-bindgen"),
            wasm_split: bin.join("wasm-split-cli"),
            worker_build: bin.join("worker-build"),
            trunk: bin.join("trunk"),
            root,
        }
    }
}
