// SPDX-License-Identifier: MIT
//! Checks the hand-written declarations of pvirq-sys against the C headers.
//!
//! Three independent checks, each of which fails on a real mismatch:
//! 1. every `PVIRQ_API` prototype in the bound headers is declared in
//!    `src/lib.rs` with the same parameter and return types (C types mapped
//!    to their Rust FFI equivalents), and nothing else named `pvirq_*` is;
//! 2. every error code of `enum pvirq_error` and every `#define PVIRQ_*`
//!    integer literal has a Rust constant of the same value;
//! 3. sizes, alignments, offsets and computed constants, as the C compiler
//!    reported them for the real headers (`check/abi_check.c`), equal the
//!    Rust layout.

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char};
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};

use pvirq_sys::*;

/// Headers pvirq-sys does not bind, and why.
const NOT_BOUND: &[(&str, &str)] = &[
    (
        "hosted.h",
        "Rust callers own their VM memory; the malloc constructor is for C",
    ),
    (
        "guest.h",
        "guest-side hypercall wrappers, not part of the host API",
    ),
    ("guest/driver.h", "the guest driver core runs in guests, not hosts"),
    ("guest/trap.h", "the guest driver core runs in guests, not hosts"),
    ("guest/x86_discover.h", "the guest driver core runs in guests, not hosts"),
    (
        "x86_cpuid.h",
        "header-only CPUID block layout, no library symbol; not bound yet",
    ),
];

const LIB_RS: &str = include_str!("../src/lib.rs");

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../include/pvirq")
}

fn headers() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "h") {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if NOT_BOUND.iter().any(|(name, _)| *name == rel) {
                    continue;
                }
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    let dir = include_dir();
    walk(&dir, &dir, &mut out);
    assert!(
        out.iter().any(|(name, _)| name == "vm.h"),
        "headers not found in {}",
        dir.display()
    );
    out
}

/// Removes C comments and preprocessor continuation lines' backslashes.
fn strip_c_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").expect("unterminated comment");
            out.push(' ');
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Maps one C parameter or return type (name included or not) to the
/// spelling pvirq-sys uses, e.g. `const struct pvirq_vm *vm` -> `*const pvirq_vm`.
fn c_type_to_rust(decl: &str, has_name: bool) -> String {
    // An array parameter (`uint64_t irr[4]`) is a pointer in C.
    let (decl_text, array) = match decl.trim().strip_suffix(']') {
        Some(head) => (
            head[..head.rfind('[').expect("unbalanced [")].to_string(),
            true,
        ),
        None => (decl.to_string(), false),
    };
    let spaced = decl_text.replace('*', " * ");
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    if has_name {
        let name = tokens.pop().expect("parameter without tokens");
        assert!(
            name != "*",
            "unnamed pointer parameter in `{decl}`: name every parameter"
        );
    }
    if array {
        tokens.push("*");
    }
    let mut base = None;
    let mut pointee_const = false;
    let mut stars = 0;
    for token in tokens {
        match token {
            "const" if stars == 0 => pointee_const = true,
            "const" => {} // `T *const p`: the pointer itself is const, same FFI type
            "struct" | "enum" => {}
            "*" => stars += 1,
            t => {
                assert!(base.is_none(), "cannot map C type `{decl}`");
                base = Some(t);
            }
        }
    }
    let base = match base.unwrap_or_else(|| panic!("no base type in `{decl}`")) {
        "void" if stars == 0 => return String::new(),
        "void" => "c_void",
        "char" => "c_char",
        "int" => "c_int",
        "bool" => "bool",
        "size_t" => "usize",
        "uint8_t" => "u8",
        "uint16_t" => "u16",
        "uint32_t" => "u32",
        "uint64_t" => "u64",
        "int32_t" => "i32",
        "int64_t" => "i64",
        other => other,
    };
    let mut ty = base.to_string();
    for level in 0..stars {
        let qual = if level == 0 && pointee_const {
            "*const "
        } else {
            "*mut "
        };
        ty = format!("{qual}{ty}");
    }
    ty
}

/// Signature as `name(type, type) -> ret` in Rust spelling.
#[derive(Debug, PartialEq, Eq)]
struct Signature {
    params: Vec<String>,
    ret: String,
}

fn c_prototypes() -> BTreeMap<String, (String, Signature)> {
    let mut out = BTreeMap::new();
    for (file, text) in headers() {
        let text = strip_c_comments(&text);
        for (at, _) in text.match_indices("PVIRQ_API") {
            // Skip the macro's own definition and any preprocessor use.
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            if text[line_start..at].trim_start().starts_with('#') {
                continue;
            }
            let chunk = &text[at + "PVIRQ_API".len()..];
            let proto = squash(&chunk[..chunk.find(';').expect("prototype without ;")]);
            let open = proto.find('(').unwrap();
            let close = proto.rfind(')').unwrap();
            let head = &proto[..open];
            let name = head.rsplit([' ', '*']).next().unwrap().to_string();
            let ret = c_type_to_rust(&head[..head.len() - name.len()], false);
            let params_text = proto[open + 1..close].trim();
            let params = if params_text == "void" {
                Vec::new()
            } else {
                params_text
                    .split(',')
                    .map(|p| c_type_to_rust(p, true))
                    .collect()
            };
            assert!(
                name.starts_with("pvirq_"),
                "{file}: odd prototype `{proto}`"
            );
            out.insert(name, (file.clone(), Signature { params, ret }));
        }
    }
    out
}

fn rust_normalize(ty: &str) -> String {
    let ty = squash(ty)
        .replace("core::ffi::", "")
        .replace("std::ffi::", "");
    ty.replace("* const", "*const").replace("* mut", "*mut")
}

fn rust_functions() -> BTreeMap<String, Signature> {
    let mut out = BTreeMap::new();
    for chunk in LIB_RS.split("pub fn ").skip(1) {
        let open = chunk.find('(').unwrap();
        let name = chunk[..open].trim().to_string();
        let decl = &chunk[..chunk.find(';').unwrap()];
        let close = decl.rfind(')').unwrap();
        let params = decl[open + 1..close]
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| rust_normalize(p.split_once(':').expect("param without type").1))
            .collect();
        let ret = decl[close + 1..]
            .trim()
            .strip_prefix("->")
            .map_or(String::new(), rust_normalize);
        out.insert(name, Signature { params, ret });
    }
    out
}

#[test]
fn every_prototype_is_declared_with_the_same_types() {
    let c = c_prototypes();
    let rust = rust_functions();
    assert!(
        c.len() >= 30,
        "parsed only {} prototypes: parser broken?",
        c.len()
    );
    let mut problems = Vec::new();
    for (name, (file, sig)) in &c {
        match rust.get(name) {
            None => problems.push(format!(
                "{name} (include/pvirq/{file}) is not declared: add it (and to \
                 bindings/python/pvirq/_native.py)"
            )),
            Some(r) if r != sig => {
                problems.push(format!("{name}: C says {sig:?}, pvirq-sys says {r:?}"))
            }
            Some(_) => {}
        }
    }
    for name in rust.keys() {
        if !c.contains_key(name) {
            problems.push(format!("{name} is declared but no bound header has it"));
        }
    }
    assert!(
        problems.is_empty(),
        "bindings/rust/pvirq-sys/src/lib.rs:\n  {}",
        problems.join("\n  ")
    );
}

/// `pub const NAME: T = VALUE;` items of lib.rs whose value is a literal.
fn rust_literal_consts() -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for chunk in LIB_RS.split("pub const ").skip(1) {
        let item = &chunk[..chunk.find(';').unwrap()];
        let (name, rest) = item.split_once(':').unwrap();
        let value = rest.split_once('=').unwrap().1;
        if let Some(v) = parse_int(value) {
            out.insert(name.trim().to_string(), v);
        }
    }
    out
}

/// Parses a C or Rust integer literal (`-16`, `0xBA5E0000ull`, `0xBA5E_0000`).
fn parse_int(text: &str) -> Option<i128> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return parse_int(inner);
    }
    if let Some((value, shift)) = text.split_once("<<") {
        return Some(parse_int(value)? << parse_int(shift)?);
    }
    let text = text.replace('_', "");
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d.trim()),
        None => (false, text.as_str()),
    };
    let digits = digits.trim_end_matches(['u', 'U', 'l', 'L']);
    let v = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    Some(if neg { -v } else { v })
}

#[test]
fn every_error_code_and_integer_define_has_a_constant() {
    let rust = rust_literal_consts();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (file, text) in headers() {
        let text = strip_c_comments(&text);
        let mut check = |name: &str, value: i128| {
            seen += 1;
            match rust.get(name) {
                None => problems.push(format!("{name} ({file}) has no constant")),
                Some(v) if *v != value => {
                    problems.push(format!("{name}: C value {value}, Rust value {v}"))
                }
                Some(_) => {}
            }
        };
        // Every enum written out as `NAME [= value],` (X-macro enums are
        // checked through the C table instead).
        for (start, _) in text.match_indices("enum pvirq_") {
            let rest = &text[start..];
            let (Some(open), Some(semi)) = (rest.find('{'), rest.find(';')) else {
                continue;
            };
            if open > semi {
                continue; // a use of the type, not its definition
            }
            let body = &rest[open + 1..rest.find('}').unwrap()];
            if body.contains('(') || body.contains('#') {
                continue;
            }
            let mut next = 0;
            for item in body.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (name, value) = match item.split_once('=') {
                    Some((name, value)) => (name.trim(), parse_int(value).expect("enum value")),
                    None => (item, next),
                };
                check(name, value);
                next = value + 1;
            }
        }
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                continue;
            }
            let (Some(name), Some(value), None) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            if let (true, Some(v)) = (name.starts_with("PVIRQ_"), parse_int(value)) {
                check(name, v);
            }
        }
    }
    assert!(seen >= 20, "parsed only {seen} constants: parser broken?");
    assert!(
        problems.is_empty(),
        "bindings/rust/pvirq-sys/src/lib.rs:\n  {}",
        problems.join("\n  ")
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
        "sizeof pvirq_notify_fn" => size_of::<pvirq_notify_fn>(),
        "sizeof pvirq_line_level_fn" => size_of::<pvirq_line_level_fn>(),
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
        // Values of macros and X-macro enums: the Rust constant of that name.
        name => return rust_literal_consts().get(name).map(|v| *v as u64),
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

#[test]
fn linked_library_matches_the_headers() {
    // SAFETY: pure functions without preconditions.
    unsafe {
        assert_eq!(pvirq_version(), PVIRQ_VERSION);
        let s = CStr::from_ptr(pvirq_strerror(PVIRQ_ENOINTR));
        assert_eq!(s.to_str().unwrap(), "no deliverable interrupt");
    }
}

#[test]
fn mapper_handles_the_shapes_in_the_headers() {
    let cases = [
        ("const struct pvirq_vm *vm", true, "*const pvirq_vm"),
        ("struct pvirq_vm **out", true, "*mut *mut pvirq_vm"),
        ("const void *buf", true, "*const c_void"),
        ("uint32_t *intid", true, "*mut u32"),
        ("bool level", true, "bool"),
        ("const char *", false, "*const c_char"),
        ("uint64_t irr[4]", true, "*mut u64"),
        ("enum pvirq_abi_part part", true, "pvirq_abi_part"),
        ("void", false, ""),
        ("size_t", false, "usize"),
    ];
    for (c, named, rust) in cases {
        assert_eq!(c_type_to_rust(c, named), rust, "mapping `{c}`");
    }
}
