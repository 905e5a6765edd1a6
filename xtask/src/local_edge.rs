//! Starting the local edge (wrangler dev) for `dev` and for the end-to-end layer of `test`.

use crate::demo;
use crate::Result;
use forecourt_tests::{EdgeOptions, LocalEdge};
use std::path::{Path, PathBuf};

/// Writes the demo data SQL where the integration tests also find it; returns its path.
pub fn write_seed_sql(root: &Path) -> Result<PathBuf> {
    let path = root.join("target/forecourt/demo.sql");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, demo::seed_sql()).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

pub fn start(root: &Path, port: Option<u16>, state_dir: PathBuf, log_file: Option<PathBuf>) -> Result<LocalEdge> {
    let seed_sql = write_seed_sql(root)?;
    println!("== local edge: migrating D1, loading {} demo vehicles, starting wrangler dev", demo::VEHICLE_COUNT);
    LocalEdge::start(&EdgeOptions { root: root.to_path_buf(), port, state_dir, seed_sql: Some(seed_sql), log_file })
}
