# SPDX-License-Identifier: MIT
"""Loads libpvirq.so and declares the C prototypes for ctypes.

Where the library comes from, first match wins:
  1. $PVIRQ_LIBRARY, a path (the CTest suite sets it to the build's .so);
     if set it must load: no silent fallback to another copy;
  2. the in-tree builds, <repo>/build/default and <repo>/build/debug, when
     this package runs from a source tree;
  3. the prefix this package is installed in: a `pip install --prefix P`
     (or --target P/lib/python3/site-packages) next to a libpvirq installed
     with `cmake --install --prefix P` finds P/lib/libpvirq.so.0;
  4. the usual install directories (sys.prefix, /usr/local, /usr; lib,
     lib64 and the multiarch directory), which the loader's cache may not
     list yet (no ldconfig after `cmake --install`);
  5. the system loader (ctypes.util.find_library, then libpvirq.so.0).
"""
import ctypes
import ctypes.util
import os
import sys
import sysconfig
from ctypes import (CFUNCTYPE, POINTER, c_bool, c_char_p, c_int, c_size_t,
                    c_int64, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)
from pathlib import Path

from ._constants import (PVIRQ_ABI_RVIC_BASE, PVIRQ_ABI_RVID_BASE,  # noqa: F401 (re-exported)
                         PVIRQ_ABI_VERSION, PVIRQ_CACHE_LINE, PVIRQ_INTID_GRANULE,
                         PVIRQ_MAX_INTIDS, PVIRQ_MAX_LEVEL_LINES, PVIRQ_MAX_RVID_INPUTS,
                         PVIRQ_MAX_VCPUS, PVIRQ_MSI_DOORBELL, PVIRQ_RISCV_EID_RVIC,
                         PVIRQ_RISCV_EID_RVID, PVIRQ_SNAPSHOT_VERSION, PVIRQ_VERSION,
                         PVIRQ_VERSION_MAJOR, PVIRQ_VERSION_MINOR, PVIRQ_VERSION_PATCH,
                         PVIRQ_X86_IO_PORT, PVIRQ_X86_UPCALL_VECTOR_DEFAULT)
from .errors import BY_CODE, PvirqError

NOTIFY_FN = CFUNCTYPE(None, c_void_p, c_uint32)
LINE_LEVEL_FN = CFUNCTYPE(c_bool, c_void_p, c_uint32, c_uint32)
GUEST_PAGE_FN = CFUNCTYPE(c_void_p, c_void_p, c_uint32, c_uint64, c_size_t)
RESAMPLE_FN = CFUNCTYPE(None, c_void_p, c_uint32)


class Config(ctypes.Structure):
    """struct pvirq_config."""
    _fields_ = [
        ("nr_vcpus", c_uint32),
        ("nr_trusted", c_uint32),
        ("nr_untrusted", c_uint32),
        ("nr_rvid_inputs", c_uint32),
        ("cpu_ids", POINTER(c_uint64)),
        ("notify", NOTIFY_FN),
        ("notify_ctx", c_void_p),
        ("line_level", LINE_LEVEL_FN),
        ("line_level_ctx", c_void_p),
        ("guest_page", GUEST_PAGE_FN),
        ("guest_page_ctx", c_void_p),
        ("resample", RESAMPLE_FN),
        ("resample_ctx", c_void_p),
        ("nmi_line", c_bool),
    ]


SONAME = "libpvirq.so.0"


def _source_tree_builds():
    root = Path(__file__).resolve().parents[3]
    if not (root / "include" / "pvirq" / "pvirq.h").exists():
        return []
    return [root / "build" / preset / "libpvirq.so" for preset in ("default", "debug")]


def _lib_dirs(prefix):
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [prefix / "lib", prefix / "lib64"]
    if multiarch:
        dirs.insert(1, prefix / "lib" / multiarch)
    return dirs


def _install_dirs():
    here = Path(__file__).resolve().parent
    prefixes = list(here.parents)[1:6]  # the install prefix of this package
    prefixes += [Path(sys.prefix), Path("/usr/local"), Path("/usr")]
    return [d for p in prefixes for d in _lib_dirs(p)]


def _candidates():
    env = os.environ.get("PVIRQ_LIBRARY")
    if env:
        return [env]
    paths = _source_tree_builds() + [d / SONAME for d in _install_dirs()]
    found = [str(p) for p in paths if p.exists()]
    return list(dict.fromkeys(found)) + [ctypes.util.find_library("pvirq") or SONAME]


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as exc:
            errors.append(f"{path}: {exc}")
            if os.environ.get("PVIRQ_LIBRARY"):
                break
    raise ImportError("cannot load libpvirq: " + "; ".join(errors)
                      + " (build it with `make build`, or set PVIRQ_LIBRARY)")


lib = _load()

class AbiCallDesc(ctypes.Structure):
    """struct pvirq_abi_call_desc."""
    _fields_ = [("name", c_char_p), ("part", c_int), ("fn", c_uint32),
                ("args", c_int * 3), ("returns_value", c_bool)]


class AbiCall(ctypes.Structure):
    """struct pvirq_abi_call."""
    _fields_ = [("part", c_int), ("fn", c_uint32), ("args", c_uint64 * 3)]


class AbiResult(ctypes.Structure):
    """struct pvirq_abi_result."""
    _fields_ = [("reason", c_uint32), ("index", c_uint32), ("value", c_uint64)]


class AbiBinding(ctypes.Structure):
    """struct pvirq_abi_binding."""
    _fields_ = [("target_mask", c_uint64), ("upcall_vector", c_uint32)]


class X86Regs(ctypes.Structure):
    """struct pvirq_x86_regs: RAX = function ID / status, RBX, RCX, RSI args."""
    _fields_ = [(name, c_uint64) for name in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi")]


class X86PiDesc(ctypes.Structure):
    """struct pvirq_x86_pi_desc (the C type is 64-byte aligned; ctypes
    cannot express that, so hardware must never see one of these)."""
    _fields_ = [("word", c_uint64 * 8)]


class Arm64Regs(ctypes.Structure):
    """struct pvirq_arm64_regs: x0..x7."""
    _fields_ = [("x", c_uint64 * 8)]


class Arm64KvmIrqLevel(ctypes.Structure):
    """struct pvirq_arm64_kvm_irq_level (struct kvm_irq_level)."""
    _fields_ = [("irq", c_uint32), ("level", c_uint32)]


class RiscvRegs(ctypes.Structure):
    """struct pvirq_riscv_regs: a0..a7."""
    _fields_ = [("a", c_uint64 * 8)]


#: ctypes class of every C struct the prototypes use, by C name.
STRUCTS = {
    "pvirq_config": Config,
    "pvirq_abi_call_desc": AbiCallDesc,
    "pvirq_abi_call": AbiCall,
    "pvirq_abi_result": AbiResult,
    "pvirq_abi_binding": AbiBinding,
    "pvirq_x86_regs": X86Regs,
    "pvirq_x86_pi_desc": X86PiDesc,
    "pvirq_arm64_regs": Arm64Regs,
    "pvirq_arm64_kvm_irq_level": Arm64KvmIrqLevel,
    "pvirq_riscv_regs": RiscvRegs,
}

VM_P = c_void_p
U32_P = POINTER(c_uint32)
U64_P = POINTER(c_uint64)
BOOL_P = POINTER(c_bool)

# name: (restype, argtypes), in the order of the headers. Functions of an
# optional part of the library are bound only if the library exports them.
PROTOTYPES = {
    "pvirq_strerror": (c_char_p, [c_int]),
    "pvirq_version": (c_uint32, []),
    "pvirq_config_check": (c_int, [POINTER(Config)]),
    "pvirq_vm_footprint": (c_size_t, [POINTER(Config)]),
    "pvirq_vm_init": (c_int, [c_void_p, c_size_t, POINTER(Config), POINTER(c_void_p)]),
    "pvirq_vm_reset": (None, [VM_P]),
    "pvirq_vm_nr_vcpus": (c_uint32, [VM_P]),
    "pvirq_vm_nr_trusted": (c_uint32, [VM_P]),
    "pvirq_vm_nr_untrusted": (c_uint32, [VM_P]),
    "pvirq_vm_nr_rvid_inputs": (c_uint32, [VM_P]),
    "pvirq_vm_vcpu_by_cpu_id": (c_int, [VM_P, c_uint64, U32_P]),
    "pvirq_vm_cpu_id": (c_int, [VM_P, c_uint32, U64_P]),
    "pvirq_vcpu_line": (c_bool, [VM_P, c_uint32]),
    "pvirq_vcpu_rearm": (c_bool, [VM_P, c_uint32]),
    "pvirq_vcpu_take_nmi": (c_bool, [VM_P, c_uint32]),
    "pvirq_vm_create": (c_int, [POINTER(Config), POINTER(c_void_p)]),
    "pvirq_vm_destroy": (None, [VM_P]),
    "pvirq_rvic_enable": (c_int, [VM_P, c_uint32]),
    "pvirq_rvic_disable": (c_int, [VM_P, c_uint32]),
    "pvirq_rvic_is_enabled": (c_int, [VM_P, c_uint32, BOOL_P]),
    "pvirq_rvic_set_masked": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_clear_masked": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_is_masked": (c_int, [VM_P, c_uint32, c_uint32, BOOL_P]),
    "pvirq_rvic_is_pending": (c_int, [VM_P, c_uint32, c_uint32, BOOL_P]),
    "pvirq_rvic_signal": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_clear_pending": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_acknowledge": (c_int, [VM_P, c_uint32, U32_P]),
    "pvirq_rvic_resample": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_set_level": (c_int, [VM_P, c_uint32, c_uint32, c_bool]),
    "pvirq_rvic_get_level": (c_int, [VM_P, c_uint32, c_uint32, BOOL_P]),
    "pvirq_rvic_share_state": (c_int, [VM_P, c_uint32, c_uint64]),
    "pvirq_rvic_unshare_state": (c_int, [VM_P, c_uint32]),
    "pvirq_rvic_shared_state": (c_int, [VM_P, c_uint32, U64_P]),
    "pvirq_rvic_set_priority": (c_int, [VM_P, c_uint32, c_uint32, c_uint32]),
    "pvirq_rvic_get_priority": (c_int, [VM_P, c_uint32, c_uint32, U32_P]),
    "pvirq_rvic_set_priority_mask": (c_int, [VM_P, c_uint32, c_uint32]),
    "pvirq_rvic_get_priority_mask": (c_int, [VM_P, c_uint32, U32_P]),
    "pvirq_rvic_acknowledge_nmi": (c_int, [VM_P, c_uint32, U32_P]),
    "pvirq_rvid_map": (c_int, [VM_P, c_uint32, c_uint32, c_uint32]),
    "pvirq_rvid_unmap": (c_int, [VM_P, c_uint32]),
    "pvirq_rvid_lookup": (c_int, [VM_P, c_uint32, U32_P, U32_P]),
    "pvirq_rvid_inject": (c_int, [VM_P, c_uint32]),
    "pvirq_rvid_msi": (c_int, [VM_P, c_uint64, c_uint64]),
    "pvirq_rvid_set_trigger": (c_int, [VM_P, c_uint32, c_bool]),
    "pvirq_rvid_set_level": (c_int, [VM_P, c_uint32, c_bool]),
    "pvirq_rvid_get_level": (c_int, [VM_P, c_uint32, BOOL_P]),
    "pvirq_rvid_resample": (c_int, [VM_P, c_uint32]),
    # abi.h and arch/*.h (the hypercall decoders)
    "pvirq_abi_lookup": (POINTER(AbiCallDesc), [c_int, c_uint64]),
    "pvirq_abi_status_word": (c_int64, [POINTER(AbiResult)]),
    "pvirq_abi_dispatch": (c_int, [VM_P, c_uint32, POINTER(AbiBinding), POINTER(AbiCall),
                                   POINTER(AbiResult)]),
    "pvirq_arm64_decode": (c_int, [POINTER(Arm64Regs), POINTER(AbiCall)]),
    "pvirq_arm64_encode": (None, [POINTER(Arm64Regs), POINTER(AbiResult)]),
    "pvirq_arm64_handle_smccc": (c_int, [VM_P, c_uint32, POINTER(Arm64Regs)]),
    "pvirq_arm64_hcr_el2_with_vi": (c_uint64, [c_uint64, c_bool]),
    "pvirq_arm64_kvm_irq_line": (c_int, [c_uint32, c_bool, POINTER(Arm64KvmIrqLevel)]),
    "pvirq_riscv_decode": (c_int, [POINTER(RiscvRegs), POINTER(AbiCall)]),
    "pvirq_riscv_encode": (None, [POINTER(RiscvRegs), POINTER(AbiResult)]),
    "pvirq_riscv_sbi_error": (c_int64, [c_uint32]),
    "pvirq_riscv_handle_sbi": (c_int, [VM_P, c_uint32, POINTER(RiscvRegs)]),
    "pvirq_riscv_hvip_with_vseip": (c_uint64, [c_uint64, c_bool]),
    "pvirq_riscv_kvm_interrupt_irq": (c_uint32, [c_bool]),
    "pvirq_x86_io_is_doorbell": (c_bool, [c_uint16, c_uint8, c_bool, c_uint32]),
    "pvirq_x86_decode": (c_int, [POINTER(X86Regs), POINTER(AbiCall)]),
    "pvirq_x86_encode": (None, [POINTER(X86Regs), POINTER(AbiResult)]),
    "pvirq_x86_handle_hypercall": (c_int, [VM_P, c_uint32, POINTER(X86Regs)]),
    "pvirq_x86_handle_hypercall_vector": (c_int, [VM_P, c_uint32, POINTER(X86Regs), c_uint8]),
    "pvirq_x86_pi_init": (c_int, [POINTER(X86PiDesc), c_uint8, c_uint32]),
    "pvirq_x86_pi_post": (c_bool, [POINTER(X86PiDesc), c_uint8]),
    "pvirq_x86_pi_test_and_clear_on": (c_bool, [POINTER(X86PiDesc)]),
    "pvirq_x86_pi_test_and_clear_pir": (c_bool, [POINTER(X86PiDesc), c_uint8]),
    "pvirq_x86_pi_sync": (c_bool, [POINTER(X86PiDesc), POINTER(c_uint64)]),
    "pvirq_x86_pi_set_sn": (None, [POINTER(X86PiDesc), c_bool]),
    "pvirq_x86_pi_set_route": (c_int, [POINTER(X86PiDesc), c_uint8, c_uint32]),
    "pvirq_x86_pi_control": (c_uint64, [POINTER(X86PiDesc)]),
    "pvirq_x86_kvm_entry_action": (c_int, [c_bool, c_bool]),
    # snapshot.h
    "pvirq_vm_snapshot_size": (c_size_t, [VM_P]),
    "pvirq_vm_save": (c_int, [VM_P, c_void_p, c_size_t, POINTER(c_size_t)]),
    "pvirq_vm_save_version": (c_int, [VM_P, c_uint32, c_void_p, c_size_t, POINTER(c_size_t)]),
    "pvirq_vm_restore": (c_int, [VM_P, c_void_p, c_size_t]),
    "pvirq_vm_restore_staged": (c_int, [VM_P, c_void_p, c_size_t, c_void_p, c_size_t]),
    "pvirq_snapshot_config": (c_int, [c_void_p, c_size_t, POINTER(Config), POINTER(c_uint64),
                                      c_uint32]),
}

for _name, (_restype, _argtypes) in PROTOTYPES.items():
    if not hasattr(lib, _name):
        continue
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes

_linked = lib.pvirq_version()
if _linked >> 16 != PVIRQ_VERSION_MAJOR or (_linked >> 8) & 0xFF < PVIRQ_VERSION_MINOR:
    raise ImportError(f"libpvirq version {_linked:#x} is incompatible with these bindings "
                      f"({PVIRQ_VERSION_MAJOR}.{PVIRQ_VERSION_MINOR})")


def strerror(code: int) -> str:
    """The library's text for an error code."""
    return lib.pvirq_strerror(code).decode()


def check(code: int) -> int:
    """Raises the PvirqError subclass for a negative C status."""
    if code < 0:
        raise BY_CODE.get(code, PvirqError)(strerror(code), code)
    return code


def has(name: str) -> bool:
    """Whether the loaded library exports `name` (optional parts)."""
    return hasattr(lib, name)
