//! Trunk's post_build hook: builds the app and the service worker to wasm and places them, with
//! content-hashed paths, in Trunk's staging directory.
//!
//! Trunk's own Rust step cannot host this pipeline (the lazy-route splitter must run between
//! cargo and wasm-bindgen, see docs/ARCHITECTURE.md), so index.html lives in web/ without a
//! Cargo.toml and this hook does the Rust part.

use crate::process::run;
use crate::toolchain::Tools;
use crate::Result;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

const APP_PLACEHOLDER: &str = "__FORECOURT_APP_JS__";
/// The app's content-hashed directory (`/pkg/<hash>`), for index.html's preloads.
const PKG_DIR_PLACEHOLDER: &str = "__FORECOURT_PKG_DIR__";

pub fn run_as_trunk_hook() -> Result<()> {
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or("web-pipeline runs as Trunk's post_build hook (TRUNK_STAGING_DIR is not set)")?;
    build_into(&Tools::locate(), &staging)
}

pub fn build_into(tools: &Tools, staging: &Path) -> Result<()> {
    let app = build_split_app(tools, staging)?;
    let app_js = app.js_url;
    let index = staging.join("index.html");
    let html = read(&index)?;
    if !html.contains(APP_PLACEHOLDER) {
        return Err(format!("{} has no {APP_PLACEHOLDER} placeholder", index.display()));
    }
    let pkg_dir = app_js.rsplit_once('/').map(|(dir, _)| dir).unwrap_or_default();
    write(&index, &html.replace(APP_PLACEHOLDER, &app_js).replace(PKG_DIR_PLACEHOLDER, pkg_dir))?;

    // The shell is everything the first page needs. Not part of it: the service worker's own
    // files, and the lazy chunks, which the worker caches when a page first asks for them (they
    // are content-hashed like the rest of /pkg/), so a customer's first visit never downloads
    // staff or kiosk code, not even in the background.
    let mut precache = vec!["/".to_owned()];
    collect_files(staging, staging, &mut precache)?;
    precache.retain(|url| !app.lazy_urls.contains(url));
    precache.sort();

    let sw_js = build_wasm(tools, staging, "forecourt-service-worker", "forecourt_sw", "no-modules", "sw")?;
    let sw_wasm = sw_js.replace(".js", "_bg.wasm");
    // The id covers every precached file's bytes: any change to the shell installs a new worker.
    let mut hasher = Sha256::new();
    for path in &precache {
        hasher.update(path.as_bytes());
        if let Ok(bytes) = fs::read(staging.join(path.trim_start_matches('/'))) {
            hasher.update(&bytes);
        }
    }
    hasher.update(sw_js.as_bytes());
    let build_id = format!("{:x}", hasher.finalize())[..12].to_owned();
    let template = read(&tools.root.join("web/sw.js"))?;
    let precache_json = serde_json::to_string(&precache).map_err(|e| e.to_string())?;
    let loader = template
        .replace("__FORECOURT_SW_JS__", &sw_js)
        .replace("__FORECOURT_SW_WASM__", &sw_wasm)
        .replace("__FORECOURT_BUILD_ID__", &build_id)
        .replace("__FORECOURT_PRECACHE__", &precache_json);
    write(&staging.join("sw.js"), &loader)?;
    println!(
        "   app {app_js} (+{} lazy chunks), service worker {sw_js}, build {build_id}, {} files precached",
        app.lazy_urls.len(),
        precache.len()
    );
    Ok(())
}

/// The app as built: its entry module and the chunks it loads on demand.
struct AppBuild {
    /// `/pkg/<hash>/forecourt_app.js`, imported by index.html.
    js_url: String,
    /// `/pkg/<hash>/split_*.wasm` and shared `chunk_*.wasm`: fetched only when a lazy page needs them.
    lazy_urls: Vec<String>,
}

const APP_PACKAGE: &str = "forecourt-app";
const APP_OUT_NAME: &str = "forecourt_app";
/// What wasm-split-cli writes next to the main module: the JS that fetches chunks on demand.
const SPLIT_LOADER: &str = "__wasm_split.js";

/// The app with real code splitting (../shared/BUILD-NOTES.md): cargo with relocations kept →
/// wasm-split-cli → wasm-bindgen on the main module only → wasm-opt on the main module and every
/// chunk → all of it in one content-hashed `/pkg/<hash>/`, where the loader finds the chunks next
/// to itself (`import.meta.url`).
fn build_split_app(tools: &Tools, staging: &Path) -> Result<AppBuild> {
    // `--emit-relocs` is a link argument: `cargo rustc` hands it to the app's own link step only,
    // where RUSTFLAGS would also replace the target's rustflags in .cargo/config.toml and rebuild
    // every dependency shared with the Worker and the service worker.
    run(tools.command("cargo").args([
        "rustc",
        "--lib",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        APP_PACKAGE,
        "--features",
        "split",
        "--",
        "-C",
        "link-arg=--emit-relocs",
    ]))?;
    let wasm = tools
        .root
        .join("target/wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", APP_PACKAGE.replace('-', "_")));
    let split_dir = tools.root.join("target/forecourt/split").join(APP_OUT_NAME);
    let out = tools.root.join("target/forecourt/bindgen").join(APP_OUT_NAME);
    for dir in [&split_dir, &out] {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    run(tools
        .command(&tools.wasm_split)
        .args(["--target", "web", "--out-name", APP_OUT_NAME])
        .arg(&wasm)
        .arg(&split_dir))?;

    // The chunks import the main module's function table and memory by their linker names, so
    // wasm-bindgen must keep those exports (and not demangle what the chunks refer to).
    run(tools
        .command(&tools.wasm_bindgen)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--no-demangle",
            "--out-name",
            APP_OUT_NAME,
            "--out-dir",
        ])
        .arg(&out)
        .arg(split_dir.join(format!("{APP_OUT_NAME}.wasm"))))?;
    optimise(tools, &out.join(format!("{APP_OUT_NAME}_bg.wasm")))?;

    let mut lazy = Vec::new();
    for entry in fs::read_dir(&split_dir).map_err(|e| format!("reading {}: {e}", split_dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if name == format!("{APP_OUT_NAME}.wasm") {
            continue;
        }
        fs::copy(&path, out.join(&name)).map_err(|e| format!("copying {name}: {e}"))?;
        if name.ends_with(".wasm") {
            optimise(tools, &out.join(&name))?;
            lazy.push(name);
        } else if name != SPLIT_LOADER {
            return Err(format!("wasm-split-cli wrote an unexpected file: {name}"));
        }
    }
    if !out.join(SPLIT_LOADER).exists() {
        return Err(format!("wasm-split-cli wrote no {SPLIT_LOADER}"));
    }
    lazy.sort();

    let hash = hash_dir(&out)?;
    let dest = staging.join("pkg").join(&hash);
    copy_dir(&out, &dest)?;
    Ok(AppBuild {
        js_url: format!("/pkg/{hash}/{APP_OUT_NAME}.js"),
        lazy_urls: lazy.iter().map(|name| format!("/pkg/{hash}/{name}")).collect(),
    })
}

/// The app as it was before code splitting (one module, no `split` feature), built into
/// `staging/pkg/<hash>/` for comparison by `cargo xtask bench web`; returns that directory.
pub fn build_unsplit_baseline(tools: &Tools, staging: &Path) -> Result<PathBuf> {
    let js_url = build_wasm(tools, staging, APP_PACKAGE, APP_OUT_NAME, "web", "pkg")?;
    let dir = js_url.trim_start_matches('/').rsplit_once('/').map(|(dir, _)| dir).unwrap_or_default();
    Ok(staging.join(dir))
}

fn optimise(tools: &Tools, wasm: &Path) -> Result<()> {
    run(tools.command(&tools.wasm_opt).args(WASM_OPT_FLAGS).arg(wasm).arg("-o").arg(wasm))
}

const WASM_OPT_FLAGS: [&str; 6] = [
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-sign-ext",
];

/// A hash over every file's name and bytes, so any change gives the directory a new name.
fn hash_dir(dir: &Path) -> Result<String> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut hasher = Sha256::new();
    for path in names {
        let bytes = fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        hasher.update(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        hasher.update(bytes.len().to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(format!("{:x}", hasher.finalize())[..16].to_owned())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            fs::copy(&path, to.join(name)).map_err(|e| format!("copying {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// cargo → wasm-bindgen → wasm-opt; returns the URL path of the JS glue under `/<dir>/<hash>/`.
fn build_wasm(tools: &Tools, staging: &Path, package: &str, out_name: &str, target: &str, dir: &str) -> Result<String> {
    run(tools.command("cargo").args([
        "build",
        "--lib",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        package,
    ]))?;
    let wasm =
        tools.root.join("target/wasm32-unknown-unknown/release").join(format!("{}.wasm", package.replace('-', "_")));
    let scratch = tools.root.join("target/forecourt/bindgen").join(out_name);
    let _ = fs::remove_dir_all(&scratch);
    run(tools
        .command(&tools.wasm_bindgen)
        .args(["--target", target, "--no-typescript", "--out-name", out_name, "--out-dir"])
        .arg(&scratch)
        .arg(&wasm))?;
    let bg = scratch.join(format!("{out_name}_bg.wasm"));
    optimise(tools, &bg)?;

    // A content hash in the path: a changed build can never be served from a stale cache.
    let js_name = format!("{out_name}.js");
    let js = fs::read(scratch.join(&js_name)).map_err(|e| format!("reading {js_name}: {e}"))?;
    let bytes = fs::read(&bg).map_err(|e| format!("reading {}: {e}", bg.display()))?;
    let hash = format!("{:x}", Sha256::new().chain_update(&js).chain_update(&bytes).finalize())[..16].to_owned();
    let dest = staging.join(dir).join(&hash);
    fs::create_dir_all(&dest).map_err(|e| format!("creating {}: {e}", dest.display()))?;
    fs::write(dest.join(&js_name), &js).map_err(|e| e.to_string())?;
    fs::write(dest.join(format!("{out_name}_bg.wasm")), &bytes).map_err(|e| e.to_string())?;
    Ok(format!("/{dir}/{hash}/{js_name}"))
}

fn collect_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_files(base, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(base) {
            let url = format!("/{}", relative.to_string_lossy());
            if url != "/sw.js" && !url.starts_with("/sw/") {
                out.push(url);
            }
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
