// SPDX-License-Identifier: MIT
//! Runs the example as part of `cargo test`, so it cannot rot.

#[path = "../examples/inject.rs"]
mod inject;

#[test]
fn inject_example_runs() {
    inject::main().expect("example failed");
}
