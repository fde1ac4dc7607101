// SPDX-License-Identifier: MIT
//! Links libpvirq and compiles the header-check table.
//!
//! Where the library comes from:
//! - `PVIRQ_LIB_DIR` set: the `libpvirq.a` in that directory (the CTest
//!   suite points it at the CMake build directory, so the tests exercise
//!   exactly the library `make test` built);
//! - otherwise: CMake builds the freestanding core of this source tree into
//!   `OUT_DIR` (`-DPVIRQ_HOSTED=OFF`: no tests, no allocator), so
//!   `cargo test --offline` works from a fresh clone with only cmake and a
//!   C compiler installed.
//!
//! No crates: the C compiler (`$CC`, default `cc`) and `ar` (`$AR`) are run
//! directly.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let root = manifest.join("../../..");
    let include = root.join("include");

    println!("cargo:rerun-if-env-changed=PVIRQ_LIB_DIR");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=AR");
    println!("cargo:rerun-if-changed=check/abi_check.c");
    println!("cargo:rerun-if-changed={}", include.display());

    let lib_dir = match env::var_os("PVIRQ_LIB_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let lib = dir.join("libpvirq.a");
            if !lib.is_file() {
                panic!("PVIRQ_LIB_DIR={}: no libpvirq.a there", dir.display());
            }
            println!("cargo:rerun-if-changed={}", lib.display());
            dir
        }
        None => build_with_cmake(&root, &out),
    };

    compile_check_table(&include, &out);

    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=pvirq_sys_check");
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=static=pvirq");
    // For dependants' build scripts (DEP_PVIRQ_INCLUDE).
    println!("cargo:include={}", include.display());
}

fn run(cmd: &mut Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    if !status.success() {
        panic!("{cmd:?} failed: {status}");
    }
}

/// Builds the `pvirq` static library (core and arch shims) with CMake.
fn build_with_cmake(root: &Path, out: &Path) -> PathBuf {
    for input in ["CMakeLists.txt", "cmake", "src"] {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
    let build = out.join("cmake-build");
    run(Command::new("cmake")
        .arg("-S")
        .arg(root)
        .arg("-B")
        .arg(&build)
        .arg("-DPVIRQ_HOSTED=OFF")
        .arg("-DCMAKE_BUILD_TYPE=Release")
        .arg("-DCMAKE_POSITION_INDEPENDENT_CODE=ON"));
    run(Command::new("cmake")
        .arg("--build")
        .arg(&build)
        .arg("--target")
        .arg("pvirq"));
    build
}

/// Compiles `check/abi_check.c` against the real headers into
/// `libpvirq_sys_check.a`. Only the header-check test references it, so it
/// adds nothing to binaries that do not.
fn compile_check_table(include: &Path, out: &Path) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let ar = env::var("AR").unwrap_or_else(|_| "ar".into());
    let object = out.join("abi_check.o");
    let archive = out.join("libpvirq_sys_check.a");
    run(Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fPIC", "-c"])
        .arg("-I")
        .arg(include)
        .arg("check/abi_check.c")
        .arg("-o")
        .arg(&object));
    let _ = std::fs::remove_file(&archive);
    run(Command::new(&ar).arg("crs").arg(&archive).arg(&object));
}
