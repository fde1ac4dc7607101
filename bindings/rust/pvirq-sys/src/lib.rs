// SPDX-License-Identifier: MIT
//! Raw FFI declarations of libpvirq's public C API (`include/pvirq/*.h`).
//!
//! Hand-written, one item per C declaration, in the order of the headers,
//! with the documentation a reader needs. `tests/header_check.rs` keeps
//! them honest with bindgen: every C function must have the same type here
//! as in bindgen's reading of the headers, every constant the same value,
//! and every `sizeof`/`offsetof` the value the C compiler reported for the
//! real headers (`check/abi_check.c`).
//!
//! Everything here is `unsafe` to call and follows the C contracts word for
//! word; the `pvirq` crate is the safe interface.
//!
//! Linking (`build.rs`): the `libpvirq.a` in `$PVIRQ_LIB_DIR` when that is
//! set (the CTest suite points it at the CMake build directory); else an
//! installed libpvirq that pkg-config finds; else the C sources shipped in
//! the crate (`csrc/`), compiled into `OUT_DIR`. The hosted convenience constructor
//! (`hosted.h`) is not bound: Rust callers own the memory of their VMs.

#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_uint, c_void};

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
/// rVID MAP onto a (vCPU, INTID) that another input is mapped to.
pub const PVIRQ_EBUSY: c_int = -17;
/// The call needs the vCPU's instance disabled (sharing its state page).
pub const PVIRQ_EENABLED: c_int = -18;

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
/// Software level lines exist for trusted INTIDs below min(T, this).
pub const PVIRQ_MAX_LEVEL_LINES: u32 = 256;
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

/// Translates the guest-physical page a vCPU shares (RVIC_SHARE_STATE,
/// snapshot restore) into a host pointer, or NULL if it is not guest RAM.
pub type pvirq_guest_page_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, vcpu: u32, gpa: u64, size: usize) -> *mut c_void>;

/// Told that the guest ended an interrupt of level-triggered rVID input
/// `input` (RVID_RESAMPLE), in the style of KVM's resamplefd.
pub type pvirq_resample_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, input: u32)>;

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
    /// Guest page translation for RVIC_SHARE_STATE, or None (then
    /// SHARE_STATE fails with ERROR_PARAMETER).
    pub guest_page: pvirq_guest_page_fn,
    /// Passed to guest_page.
    pub guest_page_ctx: *mut c_void,
    /// End-of-interrupt notification of level rVID inputs, or None.
    pub resample: pvirq_resample_fn,
    /// Passed to resample.
    pub resample_ctx: *mut c_void,
    /// The hypervisor can inject NMIs: priority class 3 is the NMI class.
    pub nmi_line: bool,
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
    /// The vCPU's NMI edge: true once after an NMI-class INTID became
    /// deliverable. One caller per vCPU at a time.
    pub fn pvirq_vcpu_take_nmi(vm: *mut pvirq_vm, vcpu: u32) -> bool;
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
    /// RVIC_SHARE_STATE: moves the instance's words into guest page `gpa`
    /// (instance disabled).
    pub fn pvirq_rvic_share_state(vm: *mut pvirq_vm, vcpu: u32, gpa: u64) -> c_int;
    /// RVIC_UNSHARE_STATE: moves them back into host memory.
    pub fn pvirq_rvic_unshare_state(vm: *mut pvirq_vm, vcpu: u32) -> c_int;
    /// The guest-physical address of the shared page (`PVIRQ_EUNMAPPED`: none).
    pub fn pvirq_rvic_shared_state(vm: *mut pvirq_vm, vcpu: u32, gpa: *mut u64) -> c_int;
    /// RVIC_SET_PRIORITY: puts `intid` in priority class `cls`.
    pub fn pvirq_rvic_set_priority(vm: *mut pvirq_vm, vcpu: u32, intid: u32, cls: u32) -> c_int;
    /// The priority class of `intid`.
    pub fn pvirq_rvic_get_priority(
        vm: *mut pvirq_vm,
        vcpu: u32,
        intid: u32,
        cls: *mut u32,
    ) -> c_int;
    /// RVIC_SET_PRIORITY_MASK: classes below `floor` are held off.
    pub fn pvirq_rvic_set_priority_mask(vm: *mut pvirq_vm, vcpu: u32, floor: u32) -> c_int;
    /// The priority floor of the instance.
    pub fn pvirq_rvic_get_priority_mask(vm: *mut pvirq_vm, vcpu: u32, floor: *mut u32) -> c_int;
    /// RVIC_ACKNOWLEDGE_NMI: acknowledges one deliverable NMI-class INTID.
    pub fn pvirq_rvic_acknowledge_nmi(vm: *mut pvirq_vm, vcpu: u32, intid: *mut u32) -> c_int;
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
    /// Makes `input` level-triggered (`level`) or edge-triggered.
    pub fn pvirq_rvid_set_trigger(vm: *mut pvirq_vm, input: u32, level: bool) -> c_int;
    /// Drives the line of level-triggered `input`.
    pub fn pvirq_rvid_set_level(vm: *mut pvirq_vm, input: u32, high: bool) -> c_int;
    /// The recorded level of `input` (false for an edge input).
    pub fn pvirq_rvid_get_level(vm: *mut pvirq_vm, input: u32, high: *mut bool) -> c_int;
    /// RVID_RESAMPLE: the guest ended an interrupt of level input `input`.
    pub fn pvirq_rvid_resample(vm: *mut pvirq_vm, input: u32) -> c_int;
}

// --- shared_state.h -------------------------------------------------------

/// Size and alignment of the shared-state page in bytes.
pub const PVIRQ_SHARED_STATE_SIZE: u32 = 4096;
/// Number of priority classes; class 0 is the reset value and the lowest.
pub const PVIRQ_PRIORITY_CLASSES: u32 = 4;
/// The NMI class (highest).
pub const PVIRQ_PRIORITY_NMI: u32 = 3;

/// `PVIRQ_SHARED_STATE_WORD(n, i)`: index of the state word of INTIDs
/// [32i, 32i+32) in the page, in 64-bit words; `n` = (T + U) / 32.
pub const fn pvirq_shared_state_word(_n: u32, i: u32) -> u32 {
    i
}
/// `PVIRQ_SHARED_CLASS_WORD(n, i)`: index of the class word of INTIDs
/// [32i, 32i+32).
pub const fn pvirq_shared_class_word(n: u32, i: u32) -> u32 {
    n + i
}
/// `PVIRQ_SHARED_FLOOR_WORD(n)`: index of the priority floor word.
pub const fn pvirq_shared_floor_word(n: u32) -> u32 {
    2 * n
}

// --- abi.h ----------------------------------------------------------------

/// ABI version reported by VERSION: major.
pub const PVIRQ_ABI_VERSION_MAJOR: u32 = 0;
/// ABI version reported by VERSION: minor.
pub const PVIRQ_ABI_VERSION_MINOR: u32 = 4;
/// The VERSION value: major << 16 | minor.
pub const PVIRQ_ABI_VERSION: u32 = (PVIRQ_ABI_VERSION_MAJOR << 16) | PVIRQ_ABI_VERSION_MINOR;
/// First function ID of the rVIC range: +n.
pub const PVIRQ_ABI_RVIC_BASE: u32 = 0xC500_0200;
/// First function ID of the rVID range: +n.
pub const PVIRQ_ABI_RVID_BASE: u32 = 0xC500_0100;
/// Function numbers per range.
pub const PVIRQ_ABI_RANGE_SIZE: u32 = 0x100;
/// x86_64 port-I/O doorbell port.
pub const PVIRQ_X86_IO_PORT: u32 = 0x0A50;
/// x86_64 default upcall vector.
pub const PVIRQ_X86_UPCALL_VECTOR_DEFAULT: u32 = 0xF3;
/// riscv64 SBI extension ID of the rVIC.
pub const PVIRQ_RISCV_EID_RVIC: u32 = 0x0852_5643;
/// riscv64 SBI extension ID of the rVID.
pub const PVIRQ_RISCV_EID_RVID: u32 = 0x0852_5644;
/// Number of argument registers a call may use.
pub const PVIRQ_ABI_MAX_ARGS: u32 = 3;

/// `enum pvirq_abi_part`: which part of the controller a call belongs to.
pub type pvirq_abi_part = c_uint;
/// rVIC: per-vCPU instance, the trusted part.
pub const PVIRQ_ABI_PART_RVIC: pvirq_abi_part = 0;
/// rVID: the distributor, the untrusted part.
pub const PVIRQ_ABI_PART_RVID: pvirq_abi_part = 1;

/// `enum pvirq_abi_arg`: what an argument register holds.
pub type pvirq_abi_arg = c_uint;
/// Unused.
pub const PVIRQ_ABI_ARG_NONE: pvirq_abi_arg = 0;
/// INFO key.
pub const PVIRQ_ABI_ARG_KEY: pvirq_abi_arg = 1;
/// Architectural CPU id of a vCPU.
pub const PVIRQ_ABI_ARG_TARGET: pvirq_abi_arg = 2;
/// Any INTID of the instance.
pub const PVIRQ_ABI_ARG_INTID: pvirq_abi_arg = 3;
/// A trusted INTID.
pub const PVIRQ_ABI_ARG_INTID_TRUSTED: pvirq_abi_arg = 4;
/// An untrusted INTID.
pub const PVIRQ_ABI_ARG_INTID_UNTRUSTED: pvirq_abi_arg = 5;
/// rVID input number.
pub const PVIRQ_ABI_ARG_INPUT: pvirq_abi_arg = 6;
/// Guest-physical address of a shared-state page.
pub const PVIRQ_ABI_ARG_PAGE: pvirq_abi_arg = 7;
/// Priority class.
pub const PVIRQ_ABI_ARG_CLASS: pvirq_abi_arg = 8;

/// `enum pvirq_abi_fn`: function numbers n within each part.
pub type pvirq_abi_fn = c_uint;
/// rVIC VERSION.
pub const PVIRQ_FN_RVIC_VERSION: pvirq_abi_fn = 0;
/// rVIC INFO.
pub const PVIRQ_FN_RVIC_INFO: pvirq_abi_fn = 1;
/// rVIC ENABLE.
pub const PVIRQ_FN_RVIC_ENABLE: pvirq_abi_fn = 2;
/// rVIC DISABLE.
pub const PVIRQ_FN_RVIC_DISABLE: pvirq_abi_fn = 3;
/// rVIC SET_MASKED.
pub const PVIRQ_FN_RVIC_SET_MASKED: pvirq_abi_fn = 4;
/// rVIC CLEAR_MASKED.
pub const PVIRQ_FN_RVIC_CLEAR_MASKED: pvirq_abi_fn = 5;
/// rVIC IS_PENDING.
pub const PVIRQ_FN_RVIC_IS_PENDING: pvirq_abi_fn = 6;
/// rVIC SIGNAL.
pub const PVIRQ_FN_RVIC_SIGNAL: pvirq_abi_fn = 7;
/// rVIC CLEAR_PENDING.
pub const PVIRQ_FN_RVIC_CLEAR_PENDING: pvirq_abi_fn = 8;
/// rVIC ACKNOWLEDGE.
pub const PVIRQ_FN_RVIC_ACKNOWLEDGE: pvirq_abi_fn = 9;
/// rVIC RESAMPLE.
pub const PVIRQ_FN_RVIC_RESAMPLE: pvirq_abi_fn = 10;
/// rVIC RESET (ABI 0.4).
pub const PVIRQ_FN_RVIC_RESET: pvirq_abi_fn = 11;
/// rVIC SHARE_STATE (ABI 0.4).
pub const PVIRQ_FN_RVIC_SHARE_STATE: pvirq_abi_fn = 12;
/// rVIC UNSHARE_STATE (ABI 0.4).
pub const PVIRQ_FN_RVIC_UNSHARE_STATE: pvirq_abi_fn = 13;
/// rVIC SET_PRIORITY (ABI 0.4).
pub const PVIRQ_FN_RVIC_SET_PRIORITY: pvirq_abi_fn = 14;
/// rVIC SET_PRIORITY_MASK (ABI 0.4).
pub const PVIRQ_FN_RVIC_SET_PRIORITY_MASK: pvirq_abi_fn = 15;
/// rVIC ACKNOWLEDGE_NMI (ABI 0.4).
pub const PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI: pvirq_abi_fn = 16;
/// rVID VERSION.
pub const PVIRQ_FN_RVID_VERSION: pvirq_abi_fn = 0;
/// rVID MAP.
pub const PVIRQ_FN_RVID_MAP: pvirq_abi_fn = 1;
/// rVID UNMAP.
pub const PVIRQ_FN_RVID_UNMAP: pvirq_abi_fn = 2;
/// rVID RESAMPLE (ABI 0.4).
pub const PVIRQ_FN_RVID_RESAMPLE: pvirq_abi_fn = 3;

/// `enum pvirq_abi_call_index`: dense index of every call in the table.
pub type pvirq_abi_call_index = c_uint;
/// Table index of rVIC VERSION.
pub const PVIRQ_CALL_RVIC_VERSION: pvirq_abi_call_index = 0;
/// Table index of rVIC INFO.
pub const PVIRQ_CALL_RVIC_INFO: pvirq_abi_call_index = 1;
/// Table index of rVIC ENABLE.
pub const PVIRQ_CALL_RVIC_ENABLE: pvirq_abi_call_index = 2;
/// Table index of rVIC DISABLE.
pub const PVIRQ_CALL_RVIC_DISABLE: pvirq_abi_call_index = 3;
/// Table index of rVIC SET_MASKED.
pub const PVIRQ_CALL_RVIC_SET_MASKED: pvirq_abi_call_index = 4;
/// Table index of rVIC CLEAR_MASKED.
pub const PVIRQ_CALL_RVIC_CLEAR_MASKED: pvirq_abi_call_index = 5;
/// Table index of rVIC IS_PENDING.
pub const PVIRQ_CALL_RVIC_IS_PENDING: pvirq_abi_call_index = 6;
/// Table index of rVIC SIGNAL.
pub const PVIRQ_CALL_RVIC_SIGNAL: pvirq_abi_call_index = 7;
/// Table index of rVIC CLEAR_PENDING.
pub const PVIRQ_CALL_RVIC_CLEAR_PENDING: pvirq_abi_call_index = 8;
/// Table index of rVIC ACKNOWLEDGE.
pub const PVIRQ_CALL_RVIC_ACKNOWLEDGE: pvirq_abi_call_index = 9;
/// Table index of rVIC RESAMPLE.
pub const PVIRQ_CALL_RVIC_RESAMPLE: pvirq_abi_call_index = 10;
/// Table index of rVIC RESET (ABI 0.4).
pub const PVIRQ_CALL_RVIC_RESET: pvirq_abi_call_index = 11;
/// Table index of rVIC SHARE_STATE (ABI 0.4).
pub const PVIRQ_CALL_RVIC_SHARE_STATE: pvirq_abi_call_index = 12;
/// Table index of rVIC UNSHARE_STATE (ABI 0.4).
pub const PVIRQ_CALL_RVIC_UNSHARE_STATE: pvirq_abi_call_index = 13;
/// Table index of rVIC SET_PRIORITY (ABI 0.4).
pub const PVIRQ_CALL_RVIC_SET_PRIORITY: pvirq_abi_call_index = 14;
/// Table index of rVIC SET_PRIORITY_MASK (ABI 0.4).
pub const PVIRQ_CALL_RVIC_SET_PRIORITY_MASK: pvirq_abi_call_index = 15;
/// Table index of rVIC ACKNOWLEDGE_NMI (ABI 0.4).
pub const PVIRQ_CALL_RVIC_ACKNOWLEDGE_NMI: pvirq_abi_call_index = 16;
/// Table index of rVID VERSION.
pub const PVIRQ_CALL_RVID_VERSION: pvirq_abi_call_index = 17;
/// Table index of rVID MAP.
pub const PVIRQ_CALL_RVID_MAP: pvirq_abi_call_index = 18;
/// Table index of rVID UNMAP.
pub const PVIRQ_CALL_RVID_UNMAP: pvirq_abi_call_index = 19;
/// Table index of rVID RESAMPLE (ABI 0.4).
pub const PVIRQ_CALL_RVID_RESAMPLE: pvirq_abi_call_index = 20;
/// Number of calls in the table (`PVIRQ_ABI_NR_CALLS`).
pub const PVIRQ_ABI_NR_CALLS: pvirq_abi_call_index = 21;

/// `enum pvirq_abi_info_key`: keys of RVIC_INFO.
pub type pvirq_abi_info_key = c_uint;
/// T: number of trusted INTIDs.
pub const PVIRQ_ABI_INFO_NR_TRUSTED: pvirq_abi_info_key = 0;
/// U: number of untrusted INTIDs.
pub const PVIRQ_ABI_INFO_NR_UNTRUSTED: pvirq_abi_info_key = 1;
/// Feature bitmap.
pub const PVIRQ_ABI_INFO_FEATURES: pvirq_abi_info_key = 2;
/// Number of rVID inputs.
pub const PVIRQ_ABI_INFO_NR_RVID_INPUTS: pvirq_abi_info_key = 3;
/// x86_64 only: the upcall vector.
pub const PVIRQ_ABI_INFO_UPCALL_VECTOR: pvirq_abi_info_key = 4;
/// Features of ABI 0.3: none.
pub const PVIRQ_ABI_FEATURES_0_3: u64 = 0;
/// ABI 0.4: RVIC_RESET is available.
pub const PVIRQ_ABI_FEATURE_RESET: u64 = 0x1;
/// ABI 0.4: RVIC_SHARE_STATE / RVIC_UNSHARE_STATE (shared-state page).
pub const PVIRQ_ABI_FEATURE_SHARED_STATE: u64 = 0x2;
/// ABI 0.4: level-triggered rVID inputs and RVID_RESAMPLE.
pub const PVIRQ_ABI_FEATURE_LEVEL_INPUTS: u64 = 0x4;
/// ABI 0.4: priority classes (RVIC_SET_PRIORITY, RVIC_SET_PRIORITY_MASK).
pub const PVIRQ_ABI_FEATURE_PRIORITY: u64 = 0x8;
/// ABI 0.4: the NMI class and RVIC_ACKNOWLEDGE_NMI (VMs with an NMI line).
pub const PVIRQ_ABI_FEATURE_NMI: u64 = 0x10;
/// Features this version reports in INFO(2), without
/// [`PVIRQ_ABI_FEATURE_NMI`] (which depends on the VM).
pub const PVIRQ_ABI_FEATURES: u64 = PVIRQ_ABI_FEATURE_RESET
    | PVIRQ_ABI_FEATURE_SHARED_STATE
    | PVIRQ_ABI_FEATURE_LEVEL_INPUTS
    | PVIRQ_ABI_FEATURE_PRIORITY;

/// `enum pvirq_abi_reason`: reason byte of a status word.
pub type pvirq_abi_reason = c_uint;
/// Done.
pub const PVIRQ_ABI_SUCCESS: pvirq_abi_reason = 0;
/// Argument at `index` out of range.
pub const PVIRQ_ABI_ERROR_PARAMETER: pvirq_abi_reason = 1;
/// Target at `index` names no vCPU.
pub const PVIRQ_ABI_INVALID_CPU: pvirq_abi_reason = 2;
/// The instance involved is disabled.
pub const PVIRQ_ABI_DISABLED: pvirq_abi_reason = 3;
/// ACKNOWLEDGE found nothing (spurious).
pub const PVIRQ_ABI_NO_INTERRUPTS: pvirq_abi_reason = 4;
/// The call needs the caller's instance disabled (SHARE_STATE, UNSHARE_STATE).
pub const PVIRQ_ABI_ENABLED: pvirq_abi_reason = 5;
/// Unknown function inside a range (the wire word is -1).
pub const PVIRQ_ABI_NOT_SUPPORTED: pvirq_abi_reason = 0xFF;
/// Status word of an unknown function (SMCCC NOT_SUPPORTED).
pub const PVIRQ_ABI_STATUS_NOT_SUPPORTED: i64 = -1;

/// Static description of one call (a row of the call table).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pvirq_abi_call_desc {
    /// "RVIC_SIGNAL", ... (static, NUL-terminated).
    pub name: *const c_char,
    /// Trusted rVIC or untrusted rVID.
    pub part: pvirq_abi_part,
    /// Number n within the part.
    pub r#fn: u32,
    /// Kind of each argument.
    pub args: [pvirq_abi_arg; 3],
    /// Whether `value` means something.
    pub returns_value: bool,
}

/// A decoded call, independent of the architecture.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_abi_call {
    /// Range the function ID was in.
    pub part: pvirq_abi_part,
    /// Number within the part (may be unknown).
    pub r#fn: u32,
    /// Raw 64-bit argument registers.
    pub args: [u64; 3],
}

/// The outcome of a call, before the binding encodes it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_abi_result {
    /// `enum pvirq_abi_reason`.
    pub reason: u32,
    /// Bad argument's index.
    pub index: u32,
    /// Returned value.
    pub value: u64,
}

/// What differs between bindings, as data.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_abi_binding {
    /// Bits a target id may have.
    pub target_mask: u64,
    /// Answer of INFO(UPCALL_VECTOR); 0 if none.
    pub upcall_vector: u32,
}

unsafe extern "C" {
    /// The row of the call table for (`part`, `fn`), or NULL.
    pub fn pvirq_abi_lookup(part: pvirq_abi_part, r#fn: u64) -> *const pvirq_abi_call_desc;
    /// The wire status word of `result`.
    pub fn pvirq_abi_status_word(result: *const pvirq_abi_result) -> i64;
    /// Executes one decoded call made by vCPU `vcpu`.
    pub fn pvirq_abi_dispatch(
        vm: *mut pvirq_vm,
        vcpu: u32,
        binding: *const pvirq_abi_binding,
        call: *const pvirq_abi_call,
        result: *mut pvirq_abi_result,
    ) -> c_int;
}

// --- arch/x86_64.h --------------------------------------------------------

/// Access size of the doorbell, bytes.
pub const PVIRQ_X86_IO_SIZE: u32 = 4;
/// Smallest vector a VMM may choose.
pub const PVIRQ_X86_UPCALL_VECTOR_MIN: u32 = 0x20;
pub const PVIRQ_X86_PI_VECTOR_MIN: u32 = 0x10;

/// The registers an x86_64 hypercall reads and writes (as in `kvm_regs`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_x86_regs {
    /// Function ID in, status word out.
    pub rax: u64,
    /// Argument 0 in, value out.
    pub rbx: u64,
    /// Argument 1.
    pub rcx: u64,
    /// Left free (port I/O needs DX).
    pub rdx: u64,
    /// Argument 2.
    pub rsi: u64,
    /// Preserved.
    pub rdi: u64,
}

/// VT-x posted-interrupt descriptor: 64 bytes, 64-byte aligned.
#[repr(C, align(64))]
#[derive(Debug, Default)]
pub struct pvirq_x86_pi_desc {
    /// PIR in words 0..3, control in word 4. Touch only via pvirq_x86_pi_*.
    pub word: [u64; 8],
}

/// ON in `word[4]`.
pub const PVIRQ_X86_PI_ON: u64 = 1 << 0;
/// SN in `word[4]`.
pub const PVIRQ_X86_PI_SN: u64 = 1 << 1;
/// Position of NV in `word[4]`.
pub const PVIRQ_X86_PI_NV_SHIFT: u32 = 16;
/// Position of NDST in `word[4]`.
pub const PVIRQ_X86_PI_NDST_SHIFT: u32 = 32;

/// `enum pvirq_x86_kvm_entry`: what a userspace VMM does before KVM_RUN.
pub type pvirq_x86_kvm_entry = c_uint;
/// Line low: clear request_interrupt_window.
pub const PVIRQ_X86_KVM_ENTRY_NOTHING: pvirq_x86_kvm_entry = 0;
/// KVM_INTERRUPT with the upcall vector.
pub const PVIRQ_X86_KVM_ENTRY_INJECT: pvirq_x86_kvm_entry = 1;
/// Set request_interrupt_window = 1.
pub const PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW: pvirq_x86_kvm_entry = 2;

unsafe extern "C" {
    /// Whether a KVM_EXIT_IO is the doorbell.
    pub fn pvirq_x86_io_is_doorbell(port: u16, size: u8, is_out: bool, count: u32) -> bool;
    /// Decodes registers into a call.
    pub fn pvirq_x86_decode(r: *const pvirq_x86_regs, call: *mut pvirq_abi_call) -> c_int;
    /// Writes `result` into RAX and RBX.
    pub fn pvirq_x86_encode(r: *mut pvirq_x86_regs, result: *const pvirq_abi_result);
    /// Handles a hypercall of vCPU `vcpu` with the default upcall vector.
    pub fn pvirq_x86_handle_hypercall(
        vm: *mut pvirq_vm,
        vcpu: u32,
        r: *mut pvirq_x86_regs,
    ) -> c_int;
    /// As pvirq_x86_handle_hypercall(), with the VMM's own upcall vector.
    pub fn pvirq_x86_handle_hypercall_vector(
        vm: *mut pvirq_vm,
        vcpu: u32,
        r: *mut pvirq_x86_regs,
        upcall_vector: u8,
    ) -> c_int;
    /// Initializes a posted-interrupt descriptor.
    pub fn pvirq_x86_pi_init(desc: *mut pvirq_x86_pi_desc, nv: u8, ndst: u32) -> c_int;
    /// Posts `vector`; true if the caller must send the notification.
    pub fn pvirq_x86_pi_post(desc: *mut pvirq_x86_pi_desc, vector: u8) -> bool;
    /// Test-and-clear of ON.
    pub fn pvirq_x86_pi_test_and_clear_on(desc: *mut pvirq_x86_pi_desc) -> bool;
    /// Test-and-clear of one PIR bit.
    pub fn pvirq_x86_pi_test_and_clear_pir(desc: *mut pvirq_x86_pi_desc, vector: u8) -> bool;
    /// Moves the PIR into a 256-bit IRR image.
    pub fn pvirq_x86_pi_sync(desc: *mut pvirq_x86_pi_desc, irr: *mut u64) -> bool;
    /// Sets or clears SN.
    pub fn pvirq_x86_pi_set_sn(desc: *mut pvirq_x86_pi_desc, suppress: bool);
    /// Sets NV and NDST.
    pub fn pvirq_x86_pi_set_route(desc: *mut pvirq_x86_pi_desc, nv: u8, ndst: u32) -> c_int;
    /// Atomic snapshot of word 4.
    pub fn pvirq_x86_pi_control(desc: *const pvirq_x86_pi_desc) -> u64;
    /// The KVM_INTERRUPT entry decision.
    pub fn pvirq_x86_kvm_entry_action(line: bool, ready_for_injection: bool)
    -> pvirq_x86_kvm_entry;
}

// --- arch/arm64.h ---------------------------------------------------------

/// MPIDR affinity bits (Aff3, Aff2, Aff1, Aff0).
pub const PVIRQ_ARM64_MPIDR_AFFINITY_MASK: u64 = 0xFF_00FF_FFFF;
/// HCR_EL2.VI.
pub const PVIRQ_ARM64_HCR_EL2_VI: u64 = 1 << 7;
/// KVM_IRQ_LINE irq type "CPU".
pub const PVIRQ_ARM64_KVM_IRQ_TYPE_CPU: u32 = 0;
/// KVM_IRQ_LINE CPU line "IRQ".
pub const PVIRQ_ARM64_KVM_IRQ_CPU_IRQ: u32 = 0;
/// Largest vCPU index KVM_IRQ_LINE can name.
pub const PVIRQ_ARM64_KVM_IRQ_MAX_VCPUS: u32 = 4096;

/// The registers an SMCCC call reads and writes: x0..x7.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_arm64_regs {
    /// x0 = function ID in, status out; x1.. arguments in, x1 value out.
    pub x: [u64; 8],
}

/// Argument of KVM_IRQ_LINE (layout of `struct kvm_irq_level`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_arm64_kvm_irq_level {
    /// vcpu2_index << 28 | type << 24 | vcpu_index << 16 | num.
    pub irq: u32,
    /// 1 = line high, 0 = low.
    pub level: u32,
}

unsafe extern "C" {
    /// Decodes registers into a call.
    pub fn pvirq_arm64_decode(r: *const pvirq_arm64_regs, call: *mut pvirq_abi_call) -> c_int;
    /// Writes `result` into x0 and x1.
    pub fn pvirq_arm64_encode(r: *mut pvirq_arm64_regs, result: *const pvirq_abi_result);
    /// Handles an SMCCC call of vCPU `vcpu`.
    pub fn pvirq_arm64_handle_smccc(
        vm: *mut pvirq_vm,
        vcpu: u32,
        r: *mut pvirq_arm64_regs,
    ) -> c_int;
    /// HCR_EL2 with VI set to `line`.
    pub fn pvirq_arm64_hcr_el2_with_vi(hcr_el2: u64, line: bool) -> u64;
    /// The KVM_IRQ_LINE argument that drives vCPU `vcpu_index`'s IRQ line.
    pub fn pvirq_arm64_kvm_irq_line(
        vcpu_index: u32,
        line: bool,
        out: *mut pvirq_arm64_kvm_irq_level,
    ) -> c_int;
}

// --- arch/riscv64.h -------------------------------------------------------

/// SBI success.
pub const PVIRQ_SBI_SUCCESS: i64 = 0;
/// SBI_ERR_FAILED.
pub const PVIRQ_SBI_ERR_FAILED: i64 = -1;
/// SBI_ERR_NOT_SUPPORTED.
pub const PVIRQ_SBI_ERR_NOT_SUPPORTED: i64 = -2;
/// SBI_ERR_INVALID_PARAM.
pub const PVIRQ_SBI_ERR_INVALID_PARAM: i64 = -3;
/// SBI_ERR_DENIED.
pub const PVIRQ_SBI_ERR_DENIED: i64 = -4;
/// hvip.VSEIP.
pub const PVIRQ_RISCV_HVIP_VSEIP: u64 = 1 << 10;
/// KVM_INTERRUPT irq that raises VSEIP.
pub const PVIRQ_RISCV_KVM_INTERRUPT_SET: u32 = 0xFFFF_FFFF;
/// KVM_INTERRUPT irq that lowers VSEIP.
pub const PVIRQ_RISCV_KVM_INTERRUPT_UNSET: u32 = 0xFFFF_FFFE;

/// The registers an SBI call reads and writes: a0..a7.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct pvirq_riscv_regs {
    /// a7 = EID, a6 = FID, a0.. arguments; out: a0 = SBI error, a1 = value.
    pub a: [u64; 8],
}

unsafe extern "C" {
    /// Decodes registers into a call.
    pub fn pvirq_riscv_decode(r: *const pvirq_riscv_regs, call: *mut pvirq_abi_call) -> c_int;
    /// Writes `result` into a0 and a1.
    pub fn pvirq_riscv_encode(r: *mut pvirq_riscv_regs, result: *const pvirq_abi_result);
    /// The SBI error code of a reason.
    pub fn pvirq_riscv_sbi_error(reason: u32) -> i64;
    /// Handles an SBI call of vCPU `vcpu`.
    pub fn pvirq_riscv_handle_sbi(vm: *mut pvirq_vm, vcpu: u32, r: *mut pvirq_riscv_regs) -> c_int;
    /// hvip with VSEIP set to `line`.
    pub fn pvirq_riscv_hvip_with_vseip(hvip: u64, line: bool) -> u64;
    /// The KVM_INTERRUPT irq for `line`.
    pub fn pvirq_riscv_kvm_interrupt_irq(line: bool) -> u32;
}

// --- snapshot.h -----------------------------------------------------------

/// Snapshot format version written by save; the newest restore accepts.
pub const PVIRQ_SNAPSHOT_VERSION: u32 = 3;
/// Oldest snapshot format version restore accepts and save can write.
pub const PVIRQ_SNAPSHOT_VERSION_OLDEST: u32 = 1;

unsafe extern "C" {
    /// Exact size in bytes of the snapshot of `vm`.
    pub fn pvirq_vm_snapshot_size(vm: *const pvirq_vm) -> usize;
    /// Writes the snapshot of `vm` into `buf` (quiesce first).
    pub fn pvirq_vm_save(
        vm: *mut pvirq_vm,
        buf: *mut c_void,
        len: usize,
        written: *mut usize,
    ) -> c_int;
    /// `pvirq_vm_save()` in format `version` (the previous one, for a
    /// rollback to an older VMM).
    pub fn pvirq_vm_save_version(
        vm: *mut pvirq_vm,
        version: u32,
        buf: *mut c_void,
        len: usize,
        written: *mut usize,
    ) -> c_int;
    /// Replaces the whole state of `vm` by the snapshot in `buf`; nothing
    /// else may use `vm` meanwhile, and `buf` must not change (read twice).
    pub fn pvirq_vm_restore(vm: *mut pvirq_vm, buf: *const c_void, len: usize) -> c_int;
    /// Restore that reads each byte of `buf` once, into the caller's
    /// private `stage` (at least `len` bytes, not overlapping `buf`).
    pub fn pvirq_vm_restore_staged(
        vm: *mut pvirq_vm,
        buf: *const c_void,
        len: usize,
        stage: *mut c_void,
        stage_len: usize,
    ) -> c_int;
    /// Reads the configuration a snapshot was taken from.
    pub fn pvirq_snapshot_config(
        buf: *const c_void,
        len: usize,
        cfg: *mut pvirq_config,
        cpu_ids: *mut u64,
        cpu_ids_len: u32,
    ) -> c_int;
}
