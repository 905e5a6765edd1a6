//! Building the two deployables: the Worker bundle and the app's static files.

use crate::process::run;
use crate::toolchain::Tools;
use crate::Result;
use std::time::Instant;

pub fn all(tools: &Tools) -> Result<()> {
    worker(tools)?;
    web(tools)
}

/// `edge/build/`: the Worker's wasm and JS entry, made by worker-build with our local tools.
pub fn worker(tools: &Tools) -> Result<()> {
    println!("== build: worker (edge/)");
    let started = Instant::now();
    run(tools.command(&tools.worker_build).arg("--release").current_dir(tools.root.join("edge")))?;
    println!("   worker built in {:.0?}", started.elapsed());
    Ok(())
}

/// `dist/`: Trunk processes web/index.html, its hook builds the app and service worker wasm.
pub fn web(tools: &Tools) -> Result<()> {
    println!("== build: app (dist/)");
    let started = Instant::now();
    run(tools.command(&tools.trunk).args(["build", "--release"]))?;
    println!("   app built in {:.0?}", started.elapsed());
    Ok(())
}
