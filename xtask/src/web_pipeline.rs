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

pub fn run_as_trunk_hook() -> Result<()> {
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or("web-pipeline runs as Trunk's post_build hook (TRUNK_STAGING_DIR is not set)")?;
    build_into(&Tools::locate(), &staging)
}

pub fn build_into(tools: &Tools, staging: &Path) -> Result<()> {
    let app_js = build_wasm(
        tools,
        staging,
        "forecourt-app",
        "forecourt_app",
        "web",
        "pkg",
    )?;
    let index = staging.join("index.html");
    let html = read(&index)?;
    if !html.contains(APP_PLACEHOLDER) {
        return Err(format!(
            "{} has no {APP_PLACEHOLDER} placeholder",
            index.display()
        ));
    }
    write(&index, &html.replace(APP_PLACEHOLDER, &app_js))?;

    // The shell is everything the page needs; the service worker's own files are not part of it.
    let mut precache = vec!["/".to_owned()];
    collect_files(staging, staging, &mut precache)?;
    precache.sort();

    let sw_js = build_wasm(
        tools,
        staging,
        "forecourt-service-worker",
        "forecourt_sw",
        "no-modules",
        "sw",
    )?;
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
        "   app {app_js}, service worker {sw_js}, build {build_id}, {} files precached",
        precache.len()
    );
    Ok(())
}

/// cargo → wasm-bindgen → wasm-opt; returns the URL path of the JS glue under `/<dir>/<hash>/`.
fn build_wasm(
    tools: &Tools,
    staging: &Path,
    package: &str,
    out_name: &str,
    target: &str,
    dir: &str,
) -> Result<String> {
    run(tools.command("cargo").args([
        "build",
        "--lib",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        package,
    ]))?;
    let wasm = tools
        .root
        .join("target/wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    let scratch = tools.root.join("target/forecourt/bindgen").join(out_name);
    let _ = fs::remove_dir_all(&scratch);
    run(tools
        .command(&tools.wasm_bindgen)
        .args([
            "--target",
            target,
            "--no-typescript",
            "--out-name",
            out_name,
            "--out-dir",
        ])
        .arg(&scratch)
        .arg(&wasm))?;
    let bg = scratch.join(format!("{out_name}_bg.wasm"));
    run(tools
        .command(&tools.wasm_opt)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-reference-types",
            "--enable-multivalue",
            "--enable-sign-ext",
        ])
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;

    // A content hash in the path: a changed build can never be served from a stale cache.
    let js_name = format!("{out_name}.js");
    let js = fs::read(scratch.join(&js_name)).map_err(|e| format!("reading {js_name}: {e}"))?;
    let bytes = fs::read(&bg).map_err(|e| format!("reading {}: {e}", bg.display()))?;
    let hash = format!(
        "{:x}",
        Sha256::new()
            .chain_update(&js)
            .chain_update(&bytes)
            .finalize()
    )[..16]
        .to_owned();
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
