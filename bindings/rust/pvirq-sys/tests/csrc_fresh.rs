// SPDX-License-Identifier: MIT
//! The C sources shipped in the crate (`csrc/`, written by `sync-csrc.sh`
//! before packaging) must be the tree's current ones: a copy made before
//! the latest change to the engine would publish stale code. Checked when
//! both exist (a checkout where someone synced); a packaged crate has no
//! tree around it, and a plain checkout no copy.

use std::path::Path;
use std::process::Command;

#[test]
fn shipped_c_sources_match_the_tree() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = crate_dir.join("csrc");
    let tree = crate_dir.join("../../../include/pvirq/pvirq.h");
    if !copy.is_dir() || !tree.is_file() {
        eprintln!("no csrc/ copy beside a source tree: nothing to compare");
        return;
    }
    let status = Command::new("sh")
        .arg(crate_dir.join("sync-csrc.sh"))
        .arg("--check")
        .arg(&copy)
        .status()
        .expect("sh runs");
    assert!(
        status.success(),
        "csrc/ is stale: run pvirq-sys/sync-csrc.sh"
    );
}
