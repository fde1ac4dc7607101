# SPDX-License-Identifier: MIT
"""Python bindings of libpvirq, a paravirtual rVIC/rVID interrupt controller.

    >>> import pvirq
    >>> with pvirq.VM(2, nr_rvid_inputs=4) as vm:
    ...     cpu1 = vm.vcpu(1)
    ...     cpu1.enable()                 # guest: ENABLE on vCPU 1
    ...     cpu1.clear_masked(40)         # guest: unmask INTID 40
    ...     vm.rvid.map(0, 1, 40)         # guest: input 0 -> (vCPU 1, INTID 40)
    ...     vm.rvid.inject(0)             # device model: an edge
    ...     cpu1.rearm() and cpu1.acknowledge()
    40

Hypercall decoders: Vcpu.handle_arm64_smccc / handle_x86_hypercall /
handle_riscv_sbi and the helpers in pvirq.hypercall. Migration: VM.save(),
VM.restore(), VM.from_snapshot(). Failures raise subclasses of PvirqError
(pvirq.errors). Standard library only; the shared library is found as
described in pvirq._native; pvirq.library_path() says which was loaded.
Versions: pvirq.library_version() and pvirq.HEADER_VERSION are integers in
C's PVIRQ_VERSION form (major << 16 | minor << 8 | patch), as in C and
Rust; pvirq.__version__ is "major.minor.patch".
"""
from ._constants import PVIRQ_VERSION as HEADER_VERSION
from ._constants import __version__
from ._native import PVIRQ_MSI_DOORBELL as MSI_DOORBELL
from .errors import *  # noqa: F401,F403 (the exception hierarchy is API)
from .errors import BY_CODE, PvirqError, SnapshotError
from .hypercall import Arm64Regs, RiscvRegs, X86Regs
from .vm import VM, Rvid, Vcpu, snapshot_config, strerror

__all__ = ["VM", "Vcpu", "Rvid", "Arm64Regs", "X86Regs", "RiscvRegs", "MSI_DOORBELL",
           "strerror", "snapshot_config", "library_version", "library_path", "HEADER_VERSION",
           "__version__", "PvirqError", "SnapshotError"] + [cls.__name__ for cls in BY_CODE.values()]


def library_version() -> int:
    """Version of the loaded libpvirq as C's pvirq_version() and Rust's
    pvirq::library_version() give it: ``major << 16 | minor << 8 | patch``.
    Compare with HEADER_VERSION (C's PVIRQ_VERSION, Rust's HEADER_VERSION);
    ``__version__`` is the same version as a string, "major.minor.patch"."""
    from ._native import lib
    return int(lib.pvirq_version())


def library_path() -> str:
    """Path (or soname) of the libpvirq the bindings loaded."""
    from ._native import lib
    return str(lib._name)
