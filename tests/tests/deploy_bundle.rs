//! The production bundle builds: `wrangler deploy --dry-run` packs the same Worker that
//! `wrangler deploy` would upload, with every binding, offline.

mod support;

use std::process::Command;

#[test]
fn the_worker_bundle_builds_for_deployment_with_every_binding() {
    let root = support::root();
    let out_dir = root.join("target/forecourt/deploy-dry-run");
    let output = Command::new(root.join("node_modules/.bin/wrangler"))
        .current_dir(root.join("edge"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .args(["deploy", "--dry-run", "--outdir"])
        .arg(&out_dir)
        .output()
        .expect("wrangler runs (install it with `cargo xtask test`)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "dry run failed:\n{text}");
    for binding in ["env.DB", "env.CACHE", "env.ROOMS", "env.MEDIA", "env.ASSETS"] {
        assert!(text.contains(binding), "the bundle lacks {binding}:\n{text}");
    }
    // "Total Upload: 1234.56 KiB / gzip: 456.78 KiB": the free plan takes 3 MiB gzipped.
    let gzip_kib: f64 = text
        .split("gzip: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no bundle size in:\n{text}"));
    assert!(gzip_kib < 3.0 * 1024.0, "bundle is {gzip_kib} KiB gzipped");
    println!("worker bundle: {gzip_kib} KiB gzipped");
}
