# SPDX-License-Identifier: MIT
"""Loads libpvirq.so and declares the C prototypes for ctypes.

Where the library comes from, first match wins:
  1. $PVIRQ_LIBRARY, a path (the CTest suite sets it to the build's .so);
     if set it must load: no silent fallback to another copy;
  2. the in-tree builds, <repo>/build/default and <repo>/build/debug;
  3. the system loader (an installed libpvirq.so.0).
"""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, c_bool, c_char_p, c_int, c_size_t,
                    c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)
from pathlib import Path

#: Header constants (include/pvirq/*.h).
PVIRQ_VERSION_MAJOR = 0
PVIRQ_VERSION_MINOR = 1
PVIRQ_CACHE_LINE = 64
PVIRQ_MAX_VCPUS = 4096
PVIRQ_MAX_INTIDS = 2048
PVIRQ_INTID_GRANULE = 32
PVIRQ_MAX_RVID_INPUTS = 65536
PVIRQ_MSI_DOORBELL = 0xBA5E0000

NOTIFY_FN = CFUNCTYPE(None, c_void_p, c_uint32)
LINE_LEVEL_FN = CFUNCTYPE(c_bool, c_void_p, c_uint32, c_uint32)


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
    ]


def _candidates():
    env = os.environ.get("PVIRQ_LIBRARY")
    if env:
        return [env]
    root = Path(__file__).resolve().parents[3]
    paths = [str(root / "build" / preset / "libpvirq.so") for preset in ("default", "debug")]
    paths = [p for p in paths if os.path.exists(p)]
    found = ctypes.util.find_library("pvirq")
    return paths + [found or "libpvirq.so.0"]


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

#: ctypes class of every C struct the prototypes use, by C name.
STRUCTS = {"pvirq_config": Config}

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
    "pvirq_rvid_map": (c_int, [VM_P, c_uint32, c_uint32, c_uint32]),
    "pvirq_rvid_unmap": (c_int, [VM_P, c_uint32]),
    "pvirq_rvid_lookup": (c_int, [VM_P, c_uint32, U32_P, U32_P]),
    "pvirq_rvid_inject": (c_int, [VM_P, c_uint32]),
    "pvirq_rvid_msi": (c_int, [VM_P, c_uint64, c_uint64]),
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


def has(name):
    """Whether the loaded library exports `name` (optional parts)."""
    return hasattr(lib, name)
