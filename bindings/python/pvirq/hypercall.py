# SPDX-License-Identifier: MIT
"""Hypercall decoders and injection helpers (arm64 SMCCC, x86_64
VMCALL/port I/O, riscv64 SBI).

A VMM (or a test script playing the guest) hands the trapped vCPU's
registers to Vcpu.handle_*(); the call returns True when the call was
libpvirq's (registers updated in place with the result) and False when it
was not (registers untouched: the VMM answers it).
"""
import enum
from ctypes import byref
from typing import TYPE_CHECKING, MutableSequence, Optional, Tuple, Union

from . import _native
from ._native import Arm64Regs, RiscvRegs, X86Regs, check, lib
from .errors import InvalidArgument, NotPvirqCall

if TYPE_CHECKING:
    from .vm import Vcpu

__all__ = ["Arm64Regs", "X86Regs", "RiscvRegs", "rvic_id", "rvid_id", "status_reason",
           "status_index", "is_x86_doorbell", "X86EntryAction", "x86_entry_action",
           "arm64_hcr_el2_with_vi", "arm64_kvm_irq_line", "riscv_hvip_with_vseip",
           "riscv_kvm_interrupt_irq", "ABI_VERSION", "X86_IO_PORT",
           "X86_UPCALL_VECTOR_DEFAULT", "RISCV_EID_RVIC", "RISCV_EID_RVID"]

ABI_VERSION = _native.PVIRQ_ABI_VERSION
X86_IO_PORT = _native.PVIRQ_X86_IO_PORT
X86_UPCALL_VECTOR_DEFAULT = _native.PVIRQ_X86_UPCALL_VECTOR_DEFAULT
RISCV_EID_RVIC = _native.PVIRQ_RISCV_EID_RVIC
RISCV_EID_RVID = _native.PVIRQ_RISCV_EID_RVID
U64_MAX = (1 << 64) - 1

#: Registers of an arm64 or riscv64 call: the ctypes struct, or a mutable
#: sequence of 8 ints that is written back in place.
Regs = Union[Arm64Regs, RiscvRegs, MutableSequence[int]]


def rvic_id(n: int) -> int:
    """arm64/x86_64 function ID of rVIC call n (0 VERSION ... 16 ACKNOWLEDGE_NMI)."""
    return _native.PVIRQ_ABI_RVIC_BASE + n


def rvid_id(n: int) -> int:
    """arm64/x86_64 function ID of rVID call n (0 VERSION, 1 MAP, 2 UNMAP)."""
    return _native.PVIRQ_ABI_RVID_BASE + n


def status_reason(word: int) -> int:
    """Reason byte of a status word (0 SUCCESS, 1 ERROR_PARAMETER,
    2 INVALID_CPU, 3 DISABLED, 4 NO_INTERRUPTS)."""
    return word & 0xFF


def status_index(word: int) -> int:
    """Zero-based index of the bad argument in a status word."""
    return (word >> 8) & 0xFF


def _as_struct(regs, cls, field):
    """A ctypes register struct for `regs` (a struct, or a list of ints that
    is written back afterwards). Register values must fit in 64 bits."""
    if isinstance(regs, cls):
        return regs, None
    values = list(regs)
    size = len(getattr(cls(), field))
    if len(values) != size:
        raise InvalidArgument(f"{size} registers expected, got {len(values)}")
    for v in values:
        if not isinstance(v, int) or not 0 <= v <= U64_MAX:
            raise InvalidArgument(f"register value {v!r} is not a 64-bit value")
    struct = cls()
    getattr(struct, field)[:] = values
    return struct, lambda: regs.__setitem__(slice(None), list(getattr(struct, field)))


def _handled(code):
    if code == NotPvirqCall.code:
        return False
    check(code)
    return True


def handle_arm64_smccc(vcpu: "Vcpu", regs: Regs) -> bool:
    """SMCCC call: regs = Arm64Regs or [x0..x7]; W0 = function ID."""
    struct, write_back = _as_struct(regs, Arm64Regs, "x")
    handled = _handled(lib.pvirq_arm64_handle_smccc(vcpu._vm.handle, vcpu.index, byref(struct)))
    if handled and write_back:
        write_back()
    return handled


def handle_x86_hypercall(vcpu: "Vcpu", regs: X86Regs,
                         upcall_vector: Optional[int] = None) -> bool:
    """VMCALL/VMMCALL/doorbell: regs = X86Regs; RAX = function ID, RBX, RCX,
    RSI arguments; out RAX = status word, RBX = value."""
    if not isinstance(regs, X86Regs):
        raise InvalidArgument("X86Regs expected")
    if upcall_vector is None:
        code = lib.pvirq_x86_handle_hypercall(vcpu._vm.handle, vcpu.index, byref(regs))
    else:
        if not isinstance(upcall_vector, int) or not 0 <= upcall_vector <= 255:
            raise InvalidArgument(f"vector {upcall_vector!r}")
        code = lib.pvirq_x86_handle_hypercall_vector(vcpu._vm.handle, vcpu.index, byref(regs),
                                                     upcall_vector)
    return _handled(code)


def handle_riscv_sbi(vcpu: "Vcpu", regs: Regs) -> bool:
    """SBI call: regs = RiscvRegs or [a0..a7]; A7 = EID, A6 = FID; out
    A0 = SBI error, A1 = value (the status word on error)."""
    struct, write_back = _as_struct(regs, RiscvRegs, "a")
    handled = _handled(lib.pvirq_riscv_handle_sbi(vcpu._vm.handle, vcpu.index, byref(struct)))
    if handled and write_back:
        write_back()
    return handled


def is_x86_doorbell(port: int, size: int, is_out: bool, count: int = 1) -> bool:
    """Whether a KVM_EXIT_IO is the doorbell (one 4-byte OUT to X86_IO_PORT)."""
    if not (0 <= port <= 0xFFFF and 0 <= size <= 0xFF and 0 <= count <= 0xFFFFFFFF):
        return False
    return lib.pvirq_x86_io_is_doorbell(port, size, bool(is_out), count)


class X86EntryAction(enum.IntEnum):
    """What a userspace VMM without in-kernel LAPIC does before KVM_RUN."""
    NOTHING = 0
    INJECT = 1
    REQUEST_WINDOW = 2


def x86_entry_action(line: bool, ready_for_injection: bool) -> "X86EntryAction":
    """The KVM_INTERRUPT decision from the line and ready_for_interrupt_injection."""
    return X86EntryAction(lib.pvirq_x86_kvm_entry_action(bool(line), bool(ready_for_injection)))


def arm64_hcr_el2_with_vi(hcr_el2: int, line: bool) -> int:
    """HCR_EL2 with VI set to `line`."""
    return lib.pvirq_arm64_hcr_el2_with_vi(hcr_el2 & U64_MAX, bool(line))


def arm64_kvm_irq_line(vcpu_index: int, line: bool) -> Tuple[int, int]:
    """(irq, level) of the KVM_IRQ_LINE that drives vCPU `vcpu_index`'s IRQ."""
    out = _native.Arm64KvmIrqLevel()
    check(lib.pvirq_arm64_kvm_irq_line(vcpu_index, bool(line), byref(out)))
    return out.irq, out.level


def riscv_hvip_with_vseip(hvip: int, line: bool) -> int:
    """hvip with VSEIP set to `line`."""
    return lib.pvirq_riscv_hvip_with_vseip(hvip & U64_MAX, bool(line))


def riscv_kvm_interrupt_irq(line: bool) -> int:
    """The KVM_INTERRUPT irq value that raises (True) or lowers VSEIP."""
    return lib.pvirq_riscv_kvm_interrupt_irq(bool(line))
