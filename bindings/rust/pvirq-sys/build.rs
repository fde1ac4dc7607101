// SPDX-License-Identifier: MIT
//! Finds or builds libpvirq, compiles the layout-check table, and writes
//! the bindgen cross-check of the declarations (for `tests/header_check.rs`).
//!
//! Where the library comes from, first match wins:
//! 1. `PVIRQ_LIB_DIR` set: the `libpvirq.a` in that directory (the CTest
//!    suite points it at the CMake build directory, so the tests exercise
//!    exactly the library `make test` built);
//! 2. an installed libpvirq that `pkg-config` finds (the `pkg-config`
//!    program, or `$PKG_CONFIG`, is run directly), at least as new as this
//!    crate; linked statically when `libpvirq.a` is installed, so programs
//!    need no run-time search path. `PVIRQ_NO_PKG_CONFIG=1` skips this;
//! 3. the C sources shipped in the crate (`csrc/`, copied there by
//!    `sync-csrc.sh` before packaging), or, in a checkout of the libpvirq
//!    tree without that copy, the tree's own sources: the freestanding
//!    engine and architecture shims, compiled with `$CC` (default `cc`)
//!    and archived with `$AR` (default `ar`).
//!
//! No crates: every tool is run as a program.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for var in [
        "PVIRQ_LIB_DIR",
        "PVIRQ_NO_PKG_CONFIG",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "CC",
        "AR",
        "BINDGEN",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=check/abi_check.c");
    println!("cargo:rerun-if-changed=csrc");

    let sources = c_sources(&manifest);
    let include = match env::var_os("PVIRQ_LIB_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let lib = dir.join("libpvirq.a");
            if !lib.is_file() {
                panic!("PVIRQ_LIB_DIR={}: no libpvirq.a there", dir.display());
            }
            println!("cargo:rerun-if-changed={}", lib.display());
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-lib=static=pvirq");
            println!("cargo:rustc-env=PVIRQ_SYS_LIBRARY=PVIRQ_LIB_DIR");
            sources
                .as_ref()
                .expect("PVIRQ_LIB_DIR needs the headers: csrc/ or the source tree")
                .join("include")
        }
        None => match installed_library() {
            Some(include) => include,
            None => {
                let root = sources.as_ref().unwrap_or_else(|| {
                    panic!(
                        "no libpvirq found: install it (pkg-config pvirq), set PVIRQ_LIB_DIR, \
                         or run sync-csrc.sh to ship the C sources in the crate"
                    )
                });
                build_bundled(root, &out);
                println!("cargo:rustc-env=PVIRQ_SYS_LIBRARY=bundled");
                root.join("include")
            }
        },
    };
    println!("cargo:rerun-if-changed={}", include.display());

    compile_check_table(&include, &out);
    write_bindgen_check(&include, &out);
    // For dependants' build scripts (DEP_PVIRQ_INCLUDE).
    println!("cargo:include={}", include.display());
}

/// The root holding `include/`, `src/core/` and `src/arch/`: the crate's
/// own copy, else the libpvirq tree this crate sits in (a checkout).
fn c_sources(manifest: &Path) -> Option<PathBuf> {
    let shipped = manifest.join("csrc");
    let tree = manifest.join("../../..");
    [shipped, tree]
        .into_iter()
        .find(|root| root.join("include/pvirq/pvirq.h").is_file() && root.join("src/core").is_dir())
}

fn run(cmd: &mut Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    if !status.success() {
        panic!("{cmd:?} failed: {status}");
    }
}

/// Runs pkg-config with @args; its stdout, or None if it fails or is absent.
fn pkg_config(args: &[&str]) -> Option<String> {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Links an installed libpvirq if pkg-config knows one at least as new as
/// this crate; returns its include directory.
fn installed_library() -> Option<PathBuf> {
    if env::var_os("PVIRQ_NO_PKG_CONFIG").is_some_and(|v| v != "0") {
        return None;
    }
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");
    pkg_config(&["--atleast-version", &version, "pvirq"])?;
    let include = pkg_config(&["--variable=includedir", "pvirq"])?;
    let libdir = pkg_config(&["--variable=libdir", "pvirq"])?;
    let include = PathBuf::from(include);
    if !include.join("pvirq/pvirq.h").is_file() {
        return None;
    }
    println!("cargo:rustc-link-search=native={libdir}");
    if Path::new(&libdir).join("libpvirq.a").is_file() {
        println!("cargo:rustc-link-lib=static=pvirq");
    } else {
        println!("cargo:rustc-link-lib=dylib=pvirq");
    }
    println!("cargo:rustc-env=PVIRQ_SYS_LIBRARY=pkg-config");
    Some(include)
}

/// Every `.c` file under @dir, sorted, so the archive is reproducible.
fn c_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable directory").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            c_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "c") {
            out.push(path);
        }
    }
}

/// Compiles the engine and the architecture shims (all three: they are
/// pure functions of register values) into `OUT_DIR/libpvirq.a`, with the
/// flags the CMake build gives the freestanding core.
fn build_bundled(root: &Path, out: &Path) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let ar = env::var("AR").unwrap_or_else(|_| "ar".into());
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let objects = out.join("pvirq-objects");
    let archive = out.join("libpvirq.a");
    let mut sources = Vec::new();

    c_files(&root.join("src/core"), &mut sources);
    c_files(&root.join("src/arch"), &mut sources);
    fs::create_dir_all(&objects).expect("OUT_DIR is writable");
    let _ = fs::remove_file(&archive);
    let mut archiver = Command::new(&ar);
    archiver.arg("crs").arg(&archive);
    for (i, source) in sources.iter().enumerate() {
        let object = objects.join(format!("{i:02}.o"));
        let mut compile = Command::new(&cc);
        compile
            .args([
                "-std=c11",
                "-O2",
                "-fPIC",
                "-ffreestanding",
                "-fno-builtin",
                "-c",
            ])
            .arg("-I")
            .arg(root.join("include"));
        if target_arch == "aarch64" {
            compile.arg("-mno-outline-atomics");
        }
        run(compile.arg(source).arg("-o").arg(&object));
        archiver.arg(&object);
        println!("cargo:rerun-if-changed={}", source.display());
    }
    run(&mut archiver);
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=pvirq");
}

/// Compiles `check/abi_check.c` against the headers into
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
    let _ = fs::remove_file(&archive);
    run(Command::new(&ar).arg("crs").arg(&archive).arg(&object));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=pvirq_sys_check");
}

/// Headers the crate does not bind (the test prints why).
const NOT_BOUND: &[&str] = &["pvirq/hosted.h", "pvirq/guest.h", "pvirq/eventfd.h"];

/// Writes `OUT_DIR/bindgen_check.rs` for `tests/header_check.rs`: bindgen's
/// own declarations of the headers in a module that takes every
/// `pvirq_*` type from this crate (so a function's type can only agree if
/// every parameter does), plus the names of its functions and constants.
/// Without the bindgen program (Debian package `bindgen`; `$BINDGEN`), or
/// if it fails, the file records why and the test reports it.
fn write_bindgen_check(include: &Path, out: &Path) {
    let file = out.join("bindgen_check.rs");
    let text = match run_bindgen(include, out, true)
        .and_then(|f| run_bindgen(include, out, false).map(|c| (f, c)))
    {
        Ok(((version, functions), (_, constants))) => {
            check_module(&version, &functions, &constants)
        }
        Err(why) => format!(
            "/// Why the bindgen check could not run.\n\
             pub const BINDGEN_MISSING: Option<&str> = Some({why:?});\n\
             pub const BINDGEN_VERSION: &str = \"\";\n\
             pub fn same_function_types() -> usize {{ 0 }}\n\
             pub const FUNCTIONS: &[&str] = &[];\n\
             pub fn constants() -> Vec<(&'static str, i128, i128)> {{ Vec::new() }}\n"
        ),
    };
    fs::write(&file, text).expect("OUT_DIR is writable");
}

/// bindgen's reading of the headers: @functions, their declarations with
/// every `pvirq_*` type left to pvirq-sys (a parameter declared with
/// another type then makes the function types differ); else the constants
/// and enums, with bindgen's own types (enum constants need their type).
fn run_bindgen(include: &Path, out: &Path, functions: bool) -> Result<(String, String), String> {
    let program = env::var("BINDGEN").unwrap_or_else(|_| "bindgen".into());
    let wrapper = out.join("bindgen_wrapper.h");
    fs::write(&wrapper, "#include <pvirq/pvirq.h>\n").map_err(|e| e.to_string())?;
    let version = Command::new(&program)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {program}: {e} (Debian package bindgen)"))?;
    let mut cmd = Command::new(&program);
    cmd.arg(&wrapper)
        .args([
            "--use-core",
            "--ctypes-prefix",
            "core::ffi",
            "--size_t-is-usize",
        ])
        .args([
            "--no-layout-tests",
            "--no-doc-comments",
            "--no-prepend-enum-name",
        ]);
    if functions {
        cmd.args([
            "--allowlist-function",
            "pvirq_.*",
            "--blocklist-type",
            "pvirq_.*",
        ]);
    } else {
        cmd.args([
            "--allowlist-var",
            "PVIRQ_.*",
            "--allowlist-type",
            "pvirq_.*",
        ]);
    }
    for header in NOT_BOUND {
        cmd.arg("--blocklist-file").arg(format!(".*/{header}"));
    }
    let output = cmd
        .arg("--")
        .arg("-I")
        .arg(include)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((
        String::from_utf8_lossy(&version.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// The names after `pub fn ` / `pub const ` in bindgen's output: the only
/// thing read from it; the compiler checks the rest.
fn names_after(text: &str, keyword: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix(keyword))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| name.starts_with("pvirq_") || name.starts_with("PVIRQ_"))
        .collect()
}

fn check_module(version: &str, generated: &str, generated_constants: &str) -> String {
    let functions = names_after(generated, "pub fn ");
    let constants = names_after(generated_constants, "pub const ");
    let mut s = String::new();
    s.push_str("/// The bindgen check ran (this is its output).\n");
    s.push_str("pub const BINDGEN_MISSING: Option<&str> = None;\n");
    s.push_str(&format!(
        "/// {version}\npub const BINDGEN_VERSION: &str = {version:?};\n"
    ));
    s.push_str(
        "#[allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code, \
         unused_imports, clippy::all)]\nmod generated {\n    use pvirq_sys::*;\n",
    );
    // Edition 2024 wants extern blocks marked unsafe; bindgen 0.60 predates it.
    s.push_str(&generated.replace("extern \"C\" {", "unsafe extern \"C\" {"));
    s.push_str(
        "}\n\n#[allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code, \
         clippy::all)]\nmod generated_constants {\n",
    );
    s.push_str(generated_constants);
    s.push_str("}\n\n");
    s.push_str(
        "/// One array per C function: its two elements (bindgen's declaration\n\
         /// and pvirq-sys's) must coerce to one function-pointer type, which\n\
         /// the compiler accepts only if parameters and result agree.\n\
         pub fn same_function_types() -> usize {\n    let mut n = 0;\n",
    );
    for f in &functions {
        s.push_str(&format!(
            "    let _ = [generated::{f}, pvirq_sys::{f}];\n    n += 1;\n"
        ));
    }
    s.push_str("    n\n}\n\n/// The C functions bindgen saw.\npub const FUNCTIONS: &[&str] = &[\n");
    for f in &functions {
        s.push_str(&format!("    {f:?},\n"));
    }
    s.push_str(
        "];\n\n/// (name, C value, pvirq-sys value) of every constant bindgen saw.\n\
         pub fn constants() -> Vec<(&'static str, i128, i128)> {\n    vec![\n",
    );
    for c in &constants {
        s.push_str(&format!(
            "        ({c:?}, generated_constants::{c} as i128, pvirq_sys::{c} as i128),\n"
        ));
    }
    s.push_str("    ]\n}\n");
    s
}
