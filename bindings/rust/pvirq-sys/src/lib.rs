// SPDX-License-Identifier: MIT
//! Raw FFI declarations of libpvirq's public C API (`include/pvirq/*.h`).
//!
//! Hand-written, one item per C declaration, in the order of the headers.
//! `tests/header_check.rs` keeps them honest: it parses the headers and
//! fails if a `PVIRQ_API` prototype, an error code or an integer constant is
//! missing here or declared with another type, and it compares every
//! `sizeof`/`offsetof` against values the C compiler reported for the real
//! headers (`check/abi_check.c`).
//!
//! Everything here is `unsafe` to call and follows the C contracts word for
//! word; the `pvirq` crate is the safe interface.
//!
//! Linking: `build.rs` links the static `libpvirq.a` found in
//! `$PVIRQ_LIB_DIR` when that variable is set (the CTest suite points it at
//! the CMake build directory), and otherwise builds the freestanding core
//! with CMake into `OUT_DIR`. The hosted convenience constructor
//! (`hosted.h`) is not bound: Rust callers own the memory of their VMs.

#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

// --- common.h -------------------------------------------------------------

/// Alignment, in bytes, that `pvirq_vm_init()` requires of caller memory.
pub const PVIRQ_CACHE_LINE: u32 = 64;

/// Success.
pub const PVIRQ_OK: c_int = 0;
/// Malformed argument: NULL pointer, bad config, misaligned memory.
pub const PVIRQ_EINVAL: c_int = -1;
/// vCPU index out of range, or no vCPU has that CPU id.
pub const PVIRQ_EVCPU: c_int = -2;
/// INTID outside the instance, or of the wrong class (trusted/untrusted).
pub const PVIRQ_EINTID: c_int = -3;
/// Target instance disabled: the injection was dropped.
pub const PVIRQ_EDISABLED: c_int = -4;
/// Acknowledge found nothing deliverable (spurious).
pub const PVIRQ_ENOINTR: c_int = -5;
/// rVID input number out of range.
pub const PVIRQ_EINPUT: c_int = -6;
/// rVID input not mapped: the injection was ignored.
pub const PVIRQ_EUNMAPPED: c_int = -7;
/// Caller buffer too small.
pub const PVIRQ_ENOSPC: c_int = -8;
/// Snapshot shorter than its header says.
pub const PVIRQ_ETRUNCATED: c_int = -9;
/// Not a libpvirq snapshot.
pub const PVIRQ_EMAGIC: c_int = -10;
/// Snapshot format version not supported.
pub const PVIRQ_EVERSION: c_int = -11;
/// Snapshot checksum mismatch.
pub const PVIRQ_ECHECKSUM: c_int = -12;
/// Snapshot taken from a VM with another configuration.
pub const PVIRQ_ECONFIG: c_int = -13;
/// Snapshot internally inconsistent.
pub const PVIRQ_ECORRUPT: c_int = -14;
/// MSI written to an address that is not the doorbell.
pub const PVIRQ_EADDRESS: c_int = -15;
/// Hypercall not in libpvirq's ranges: the hypervisor handles it.
pub const PVIRQ_ENOSYS: c_int = -16;

unsafe extern "C" {
    /// Human-readable name of an error code (a static NUL-terminated string).
    pub fn pvirq_strerror(err: c_int) -> *const c_char;
}

// --- version.h ------------------------------------------------------------

/// Incompatible API changes.
pub const PVIRQ_VERSION_MAJOR: u32 = 0;
/// Compatible additions.
pub const PVIRQ_VERSION_MINOR: u32 = 1;
/// Fixes only.
pub const PVIRQ_VERSION_PATCH: u32 = 0;
/// Version as one integer: major << 16 | minor << 8 | patch.
pub const PVIRQ_VERSION: u32 =
    (PVIRQ_VERSION_MAJOR << 16) | (PVIRQ_VERSION_MINOR << 8) | PVIRQ_VERSION_PATCH;

unsafe extern "C" {
    /// Version of the library actually linked, encoded as [`PVIRQ_VERSION`].
    pub fn pvirq_version() -> u32;
}

// --- vm.h -----------------------------------------------------------------

/// Largest number of vCPUs in one VM.
pub const PVIRQ_MAX_VCPUS: u32 = 4096;
/// Largest INTID space (trusted + untrusted) of one rVIC instance.
pub const PVIRQ_MAX_INTIDS: u32 = 2048;
/// Granularity and minimum of the trusted and untrusted INTID counts.
pub const PVIRQ_INTID_GRANULE: u32 = 32;
/// Largest number of rVID inputs.
pub const PVIRQ_MAX_RVID_INPUTS: u32 = 65536;

/// Opaque interrupt-controller state of one VM, in caller memory.
///
/// Only ever handled by pointer. Not `Send`/`Sync`/`Unpin` by itself: the
/// safe crate states which sharing the C contract allows.
#[repr(C)]
pub struct pvirq_vm {
    _opaque: [u8; 0],
    _not_send_sync_unpin: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// Told that a vCPU's line may have risen (see `vm.h`).
pub type pvirq_notify_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, vcpu: u32)>;

/// Reads the level of a trusted level-triggered source (RESAMPLE).
pub type pvirq_line_level_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, vcpu: u32, intid: u32) -> bool>;

/// Shape of a VM's interrupt controller. Read only by `pvirq_vm_init()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pvirq_config {
    /// Number of vCPUs, 1..=PVIRQ_MAX_VCPUS.
    pub nr_vcpus: u32,
    /// Trusted INTIDs [0, T): >= 32, multiple of 32.
    pub nr_trusted: u32,
    /// Untrusted INTIDs [T, T+U): >= 32, multiple of 32, T+U <= 2048.
    pub nr_untrusted: u32,
    /// Number of rVID inputs, 0..=PVIRQ_MAX_RVID_INPUTS.
    pub nr_rvid_inputs: u32,
    /// Architectural CPU id of each vCPU, or NULL for id == index.
    pub cpu_ids: *const u64,
    /// Line-rise notification, or None for a hypervisor that polls.
    pub notify: pvirq_notify_fn,
    /// Passed to notify.
    pub notify_ctx: *mut c_void,
    /// Level reader for RESAMPLE of trusted sources, or None.
    pub line_level: pvirq_line_level_fn,
    /// Passed to line_level.
    pub line_level_ctx: *mut c_void,
}

unsafe extern "C" {
    /// Checks a configuration: `PVIRQ_OK` or `PVIRQ_EINVAL`.
    pub fn pvirq_config_check(cfg: *const pvirq_config) -> c_int;
    /// Bytes of memory a VM with this configuration needs; 0 if invalid.
    pub fn pvirq_vm_footprint(cfg: *const pvirq_config) -> usize;
    /// Places a VM in caller memory, in its reset state.
    pub fn pvirq_vm_init(
        mem: *mut c_void,
        size: usize,
        cfg: *const pvirq_config,
        out: *mut *mut pvirq_vm,
    ) -> c_int;
    /// Returns every instance and the rVID to the reset state.
    pub fn pvirq_vm_reset(vm: *mut pvirq_vm);
    /// Number of vCPUs.
    pub fn pvirq_vm_nr_vcpus(vm: *const pvirq_vm) -> u32;
    /// Number of trusted INTIDs.
    pub fn pvirq_vm_nr_trusted(vm: *const pvirq_vm) -> u32;
    /// Number of untrusted INTIDs.
    pub fn pvirq_vm_nr_untrusted(vm: *const pvirq_vm) -> u32;
    /// Number of rVID inputs.
    pub fn pvirq_vm_nr_rvid_inputs(vm: *const pvirq_vm) -> u32;
    /// Finds the vCPU whose architectural CPU id is `cpu_id`.
    pub fn pvirq_vm_vcpu_by_cpu_id(vm: *const pvirq_vm, cpu_id: u64, vcpu: *mut u32) -> c_int;
    /// Architectural CPU id of vCPU `vcpu`.
    pub fn pvirq_vm_cpu_id(vm: *const pvirq_vm, vcpu: u32, cpu_id: *mut u64) -> c_int;
    /// The vCPU's interrupt line.
    pub fn pvirq_vcpu_line(vm: *mut pvirq_vm, vcpu: u32) -> bool;
    /// Guest-entry step: re-arms notification, then computes the line.
    /// One caller per vCPU at a time.
    pub fn pvirq_vcpu_rearm(vm: *mut pvirq_vm, vcpu: u32) -> bool;
}

// --- rvic.h ---------------------------------------------------------------

unsafe extern "C" {
    /// Enables the instance.
    pub fn pvirq_rvic_enable(vm: *mut pvirq_vm, vcpu: u32) -> c_int;
    /// Disables the instance.
    pub fn pvirq_rvic_disable(vm: *mut pvirq_vm, vcpu: u32) -> c_int;
    /// Whether the instance is enabled.
    pub fn pvirq_rvic_is_enabled(vm: *mut pvirq_vm, vcpu: u32, enabled: *mut bool) -> c_int;
    /// Masks `intid`.
    pub fn pvirq_rvic_set_masked(vm: *mut pvirq_vm, vcpu: u32, intid: u32) -> c_int;
    /// Unmasks `intid` (end of interrupt).
    pub fn pvirq_rvic_clear_masked(vm: *mut pvirq_vm, vcpu: u32, intid: u32) -> c_int;
    /// Whether `intid` is masked.
    pub fn pvirq_rvic_is_masked(
        vm: *mut pvirq_vm,
        vcpu: u32,
        intid: u32,
        masked: *mut bool,
    ) -> c_int;
    /// Whether `intid` is pending.
    pub fn pvirq_rvic_is_pending(
        vm: *mut pvirq_vm,
        vcpu: u32,
        intid: u32,
        pending: *mut bool,
    ) -> c_int;
    /// Makes `intid` pending (trusted path).
    pub fn pvirq_rvic_signal(vm: *mut pvirq_vm, vcpu: u32, intid: u32) -> c_int;
    /// Clears the pending bit of `intid`.
    pub fn pvirq_rvic_clear_pending(vm: *mut pvirq_vm, vcpu: u32, intid: u32) -> c_int;
    /// Acknowledges one deliverable INTID.
    pub fn pvirq_rvic_acknowledge(vm: *mut pvirq_vm, vcpu: u32, intid: *mut u32) -> c_int;
    /// RESAMPLE of a trusted level-triggered source.
    pub fn pvirq_rvic_resample(vm: *mut pvirq_vm, vcpu: u32, intid: u32) -> c_int;
    /// Drives the software level line of trusted `intid`.
    pub fn pvirq_rvic_set_level(vm: *mut pvirq_vm, vcpu: u32, intid: u32, level: bool) -> c_int;
    /// The software level of trusted `intid`.
    pub fn pvirq_rvic_get_level(
        vm: *mut pvirq_vm,
        vcpu: u32,
        intid: u32,
        level: *mut bool,
    ) -> c_int;
}

// --- rvid.h ---------------------------------------------------------------

/// Guest-physical address of the MSI doorbell.
pub const PVIRQ_MSI_DOORBELL: u64 = 0xBA5E_0000;

unsafe extern "C" {
    /// Maps `input` to (`vcpu`, `intid`), replacing any mapping.
    pub fn pvirq_rvid_map(vm: *mut pvirq_vm, input: u32, vcpu: u32, intid: u32) -> c_int;
    /// Unmaps `input`.
    pub fn pvirq_rvid_unmap(vm: *mut pvirq_vm, input: u32) -> c_int;
    /// Current mapping of `input`.
    pub fn pvirq_rvid_lookup(
        vm: *mut pvirq_vm,
        input: u32,
        vcpu: *mut u32,
        intid: *mut u32,
    ) -> c_int;
    /// A device raises an edge on `input` (the untrusted path).
    pub fn pvirq_rvid_inject(vm: *mut pvirq_vm, input: u32) -> c_int;
    /// A device writes an MSI to `addr` with `data`.
    pub fn pvirq_rvid_msi(vm: *mut pvirq_vm, addr: u64, data: u64) -> c_int;
}
