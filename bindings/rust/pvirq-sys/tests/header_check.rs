// SPDX-License-Identifier: MIT
//! Checks the hand-written declarations of pvirq-sys against the C headers,
//! with bindgen (Debian package `bindgen`) reading the headers, not a
//! parser of our own:
//! 1. `build.rs` runs bindgen over `pvirq/pvirq.h` and compiles its output
//!    into a module that takes every `pvirq_*` type from pvirq-sys; for each
//!    C function it emits `[bindgen's, pvirq-sys's]`, an array the compiler
//!    accepts only if both have one function-pointer type, i.e. the same
//!    parameter and result types (a missing declaration does not compile);
//! 2. every constant bindgen saw (`#define PVIRQ_*` literals, enum values)
//!    has a pvirq-sys constant of the same value, and every `pvirq_*`
//!    function pvirq-sys declares exists in the C headers;
//! 3. sizes, alignments, offsets and computed constants, as the C compiler
//!    reported them for the real headers (`check/abi_check.c`), equal the
//!    Rust layout.
//! Without bindgen, checks 1 and 2 report why and pass, unless
//! `PVIRQ_REQUIRE_BINDGEN=1` (set by `make test`) makes that a failure.

use std::ffi::{CStr, c_char};
use std::mem::{align_of, offset_of, size_of};

use pvirq_sys::*;

mod bindgen_check {
    include!(concat!(env!("OUT_DIR"), "/bindgen_check.rs"));
}

/// Headers pvirq-sys does not bind, and why (build.rs leaves them out).
const NOT_BOUND: &[(&str, &str)] = &[
    (
        "hosted.h",
        "Rust callers own their VM memory; the malloc constructor is for C",
    ),
    (
        "guest.h",
        "guest-side hypercall wrappers, not part of the host API",
    ),
    (
        "eventfd.h",
        "Linux epoll bridge for C VMMs; Rust VMMs wait on eventfds in their own event loop",
    ),
    (
        "guest/driver.h",
        "the guest driver core runs in guests, not hosts",
    ),
    (
        "guest/trap.h",
        "the guest driver core runs in guests, not hosts",
    ),
    (
        "guest/x86_discover.h",
        "the guest driver core runs in guests, not hosts",
    ),
    (
        "x86_cpuid.h",
        "header-only CPUID block layout, no library symbol; not bound yet",
    ),
];

const LIB_RS: &str = include_str!("../src/lib.rs");

/// Whether checks 1 and 2 ran; prints why not.
fn bindgen_ran() -> bool {
    match bindgen_check::BINDGEN_MISSING {
        None => {
            eprintln!("checked with {}", bindgen_check::BINDGEN_VERSION);
            true
        }
        Some(why) => {
            if std::env::var_os("PVIRQ_REQUIRE_BINDGEN").is_some_and(|v| v != "0") {
                panic!("bindgen check required but not run: {why}");
            }
            eprintln!("SKIP bindgen check: {why}");
            false
        }
    }
}

#[test]
fn every_c_function_is_declared_with_the_same_type() {
    if !bindgen_ran() {
        return;
    }
    let n = bindgen_check::same_function_types();
    // A header change that bindgen reads as nothing would pass vacuously.
    assert!(n >= 40, "bindgen saw only {n} functions");
    // The other direction: nothing named pvirq_* in lib.rs that C lacks.
    let declared = LIB_RS
        .split("pub fn ")
        .skip(1)
        .map(|rest| rest.split('(').next().unwrap().trim())
        .filter(|name| name.starts_with("pvirq_"));
    let stray: Vec<&str> = declared
        .filter(|name| !bindgen_check::FUNCTIONS.contains(name))
        .collect();
    assert!(
        stray.is_empty(),
        "declared in pvirq-sys but not in the bound headers ({}): {stray:?}",
        NOT_BOUND
            .iter()
            .map(|(h, why)| format!("{h} not bound: {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

#[test]
fn every_constant_has_the_c_value() {
    if !bindgen_ran() {
        return;
    }
    let constants = bindgen_check::constants();
    assert!(
        constants.len() >= 20,
        "bindgen saw only {} constants",
        constants.len()
    );
    let wrong: Vec<String> = constants
        .iter()
        .filter(|(_, c, rust)| c != rust)
        .map(|(name, c, rust)| format!("{name}: C {c}, pvirq-sys {rust}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "constants differ:\n  {}",
        wrong.join("\n  ")
    );
}

#[repr(C)]
struct CheckEntry {
    name: *const c_char,
    value: u64,
}

unsafe extern "C" {
    static pvirq_sys_check_entries: [CheckEntry; 0];
}

/// The C compiler's view of the headers, from `check/abi_check.c`.
fn c_layout() -> Vec<(String, u64)> {
    let mut out = Vec::new();
    // SAFETY: the C table is a static array terminated by a NULL name.
    unsafe {
        let mut entry = (&raw const pvirq_sys_check_entries).cast::<CheckEntry>();
        while !(*entry).name.is_null() {
            let name = CStr::from_ptr((*entry).name).to_string_lossy().into_owned();
            out.push((name, (*entry).value));
            entry = entry.add(1);
        }
    }
    out
}

/// The same facts computed from the Rust declarations.
fn rust_layout(name: &str) -> Option<u64> {
    let v = match name {
        "sizeof struct pvirq_config" => size_of::<pvirq_config>(),
        "alignof struct pvirq_config" => align_of::<pvirq_config>(),
        "offsetof struct pvirq_config nr_vcpus" => offset_of!(pvirq_config, nr_vcpus),
        "offsetof struct pvirq_config nr_trusted" => offset_of!(pvirq_config, nr_trusted),
        "offsetof struct pvirq_config nr_untrusted" => offset_of!(pvirq_config, nr_untrusted),
        "offsetof struct pvirq_config nr_rvid_inputs" => offset_of!(pvirq_config, nr_rvid_inputs),
        "offsetof struct pvirq_config cpu_ids" => offset_of!(pvirq_config, cpu_ids),
        "offsetof struct pvirq_config notify" => offset_of!(pvirq_config, notify),
        "offsetof struct pvirq_config notify_ctx" => offset_of!(pvirq_config, notify_ctx),
        "offsetof struct pvirq_config line_level" => offset_of!(pvirq_config, line_level),
        "offsetof struct pvirq_config line_level_ctx" => offset_of!(pvirq_config, line_level_ctx),
        "offsetof struct pvirq_config guest_page" => offset_of!(pvirq_config, guest_page),
        "offsetof struct pvirq_config guest_page_ctx" => offset_of!(pvirq_config, guest_page_ctx),
        "offsetof struct pvirq_config resample" => offset_of!(pvirq_config, resample),
        "offsetof struct pvirq_config resample_ctx" => offset_of!(pvirq_config, resample_ctx),
        "offsetof struct pvirq_config nmi_line" => offset_of!(pvirq_config, nmi_line),
        "sizeof pvirq_notify_fn" => size_of::<pvirq_notify_fn>(),
        "sizeof pvirq_line_level_fn" => size_of::<pvirq_line_level_fn>(),
        "sizeof pvirq_guest_page_fn" => size_of::<pvirq_guest_page_fn>(),
        "sizeof pvirq_resample_fn" => size_of::<pvirq_resample_fn>(),
        "PVIRQ_ABI_FEATURES" => PVIRQ_ABI_FEATURES as usize,
        "PVIRQ_SHARED_WORDS(64)" => (pvirq_shared_floor_word(64) + 1) as usize,
        "sizeof bool" => size_of::<bool>(),
        "sizeof size_t" => size_of::<usize>(),
        "sizeof int" => size_of::<core::ffi::c_int>(),
        "PVIRQ_VERSION" => PVIRQ_VERSION as usize,
        "PVIRQ_ABI_VERSION" => PVIRQ_ABI_VERSION as usize,
        "sizeof struct pvirq_abi_call_desc" => size_of::<pvirq_abi_call_desc>(),
        "offsetof struct pvirq_abi_call_desc name" => offset_of!(pvirq_abi_call_desc, name),
        "offsetof struct pvirq_abi_call_desc part" => offset_of!(pvirq_abi_call_desc, part),
        "offsetof struct pvirq_abi_call_desc fn" => offset_of!(pvirq_abi_call_desc, r#fn),
        "offsetof struct pvirq_abi_call_desc args" => offset_of!(pvirq_abi_call_desc, args),
        "offsetof struct pvirq_abi_call_desc returns_value" => {
            offset_of!(pvirq_abi_call_desc, returns_value)
        }
        "sizeof struct pvirq_abi_call" => size_of::<pvirq_abi_call>(),
        "offsetof struct pvirq_abi_call part" => offset_of!(pvirq_abi_call, part),
        "offsetof struct pvirq_abi_call fn" => offset_of!(pvirq_abi_call, r#fn),
        "offsetof struct pvirq_abi_call args" => offset_of!(pvirq_abi_call, args),
        "sizeof struct pvirq_abi_result" => size_of::<pvirq_abi_result>(),
        "offsetof struct pvirq_abi_result reason" => offset_of!(pvirq_abi_result, reason),
        "offsetof struct pvirq_abi_result index" => offset_of!(pvirq_abi_result, index),
        "offsetof struct pvirq_abi_result value" => offset_of!(pvirq_abi_result, value),
        "sizeof struct pvirq_abi_binding" => size_of::<pvirq_abi_binding>(),
        "offsetof struct pvirq_abi_binding target_mask" => {
            offset_of!(pvirq_abi_binding, target_mask)
        }
        "offsetof struct pvirq_abi_binding upcall_vector" => {
            offset_of!(pvirq_abi_binding, upcall_vector)
        }
        "sizeof enum pvirq_abi_part" => size_of::<pvirq_abi_part>(),
        "sizeof enum pvirq_x86_kvm_entry" => size_of::<pvirq_x86_kvm_entry>(),
        "sizeof struct pvirq_x86_regs" => size_of::<pvirq_x86_regs>(),
        "offsetof struct pvirq_x86_regs rax" => offset_of!(pvirq_x86_regs, rax),
        "offsetof struct pvirq_x86_regs rbx" => offset_of!(pvirq_x86_regs, rbx),
        "offsetof struct pvirq_x86_regs rcx" => offset_of!(pvirq_x86_regs, rcx),
        "offsetof struct pvirq_x86_regs rdx" => offset_of!(pvirq_x86_regs, rdx),
        "offsetof struct pvirq_x86_regs rsi" => offset_of!(pvirq_x86_regs, rsi),
        "offsetof struct pvirq_x86_regs rdi" => offset_of!(pvirq_x86_regs, rdi),
        "sizeof struct pvirq_x86_pi_desc" => size_of::<pvirq_x86_pi_desc>(),
        "alignof struct pvirq_x86_pi_desc" => align_of::<pvirq_x86_pi_desc>(),
        "sizeof struct pvirq_arm64_regs" => size_of::<pvirq_arm64_regs>(),
        "sizeof struct pvirq_arm64_kvm_irq_level" => size_of::<pvirq_arm64_kvm_irq_level>(),
        "offsetof struct pvirq_arm64_kvm_irq_level irq" => {
            offset_of!(pvirq_arm64_kvm_irq_level, irq)
        }
        "offsetof struct pvirq_arm64_kvm_irq_level level" => {
            offset_of!(pvirq_arm64_kvm_irq_level, level)
        }
        "sizeof struct pvirq_riscv_regs" => size_of::<pvirq_riscv_regs>(),
        // Values of macros and X-macro enums: the pvirq-sys constant of that
        // name, as the bindgen check listed it.
        name => {
            return bindgen_check::constants()
                .into_iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, _, rust)| rust as u64);
        }
    };

    Some(v as u64)
}

#[test]
fn layouts_match_the_c_compiler() {
    let table = c_layout();
    assert!(table.len() >= 10, "C check table too short");
    let mut problems = Vec::new();
    for (name, c_value) in &table {
        match rust_layout(name) {
            None if bindgen_check::BINDGEN_MISSING.is_some() && !name.contains(' ') => {
                eprintln!("{name}: not compared (no bindgen, see the bindgen test)")
            }
            None => problems.push(format!("`{name}` has no Rust counterpart in this test")),
            Some(v) if v != *c_value => problems.push(format!("{name}: C {c_value}, Rust {v}")),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "layout mismatch:\n  {}",
        problems.join("\n  ")
    );
}

/// Which library build.rs linked (PVIRQ_LIB_DIR, pkg-config or bundled),
/// checked against `PVIRQ_SYS_EXPECT_LIBRARY` when the caller says.
#[test]
fn linked_the_expected_library() {
    let linked = env!("PVIRQ_SYS_LIBRARY");
    eprintln!("pvirq-sys linked libpvirq from: {linked}");
    if let Some(want) = std::env::var_os("PVIRQ_SYS_EXPECT_LIBRARY") {
        assert_eq!(linked, want.to_string_lossy());
    }
}

#[test]
fn linked_library_matches_the_headers() {
    // SAFETY: pure functions without preconditions.
    unsafe {
        assert_eq!(pvirq_version(), PVIRQ_VERSION);
        let s = CStr::from_ptr(pvirq_strerror(PVIRQ_ENOINTR));
        assert_eq!(s.to_str().unwrap(), "no deliverable interrupt");
    }
}
