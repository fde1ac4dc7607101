# SPDX-License-Identifier: MIT
"""VM, vCPU and rVID objects over libpvirq's host API."""
import ctypes
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from ctypes import byref, c_bool, c_uint32, c_uint64, c_void_p

from . import _native, hypercall
from ._native import check, lib, strerror  # noqa: F401 (strerror is re-exported)
from .errors import InvalidArgument, InvalidInput, InvalidIntid, NoSuchVcpu, Unmapped

U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1


def _uint(value, limit, error, what):
    """ctypes silently truncates integers: reject what does not fit."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise error(f"{what} {value!r} out of range")
    return value


class VM:
    """One VM's interrupt controller: an rVIC instance per vCPU and an rVID.

    ``notify(vcpu)`` is called (from the thread whose operation made an
    INTID deliverable) when a vCPU's line may have risen, at most once
    between two ``rearm()`` calls of that vCPU, and when its NMI edge rises.
    ``line_level(vcpu, intid)`` returns the level of a trusted
    level-triggered source for RESAMPLE. ``guest_page(vcpu, gpa, size)``
    translates the guest-physical page a vCPU shares (RVIC_SHARE_STATE, and
    snapshot restore) into the address of ``size`` bytes of host memory, 8-byte
    aligned, that stay valid as long as the VM (an int, or None: not guest
    RAM). ``resample(input)`` is told that the guest ended an interrupt of
    level-triggered rVID input ``input`` (RVID_RESAMPLE). ``nmi_line``: the
    hypervisor can inject NMIs, so priority class 3 is the NMI class.
    Exceptions raised inside a callback cannot cross C: ctypes prints them
    and the call returns False (guest_page: NULL).

    Use as a context manager, or call close(); operations on a closed VM
    raise ValueError. Every operation may be called from any thread.
    """

    def __init__(self, nr_vcpus: int, nr_trusted: int = 32, nr_untrusted: int = 32,
                 nr_rvid_inputs: int = 0, cpu_ids: Optional[Iterable[int]] = None,
                 notify: Optional[Callable[[int], None]] = None,
                 line_level: Optional[Callable[[int, int], bool]] = None,
                 guest_page: Optional[Callable[[int, int, int], Optional[int]]] = None,
                 resample: Optional[Callable[[int], None]] = None,
                 nmi_line: bool = False) -> None:
        cfg = _native.Config()
        cfg.nr_vcpus = _uint(nr_vcpus, U32_MAX, InvalidArgument, "nr_vcpus")
        cfg.nr_trusted = _uint(nr_trusted, U32_MAX, InvalidArgument, "nr_trusted")
        cfg.nr_untrusted = _uint(nr_untrusted, U32_MAX, InvalidArgument, "nr_untrusted")
        cfg.nr_rvid_inputs = _uint(nr_rvid_inputs, U32_MAX, InvalidArgument, "nr_rvid_inputs")
        if cpu_ids is not None:
            cpu_ids = list(cpu_ids)
            if len(cpu_ids) != nr_vcpus:  # C reads nr_vcpus ids
                raise InvalidArgument(f"{len(cpu_ids)} cpu_ids for {nr_vcpus} vCPUs")
            ids = (c_uint64 * len(cpu_ids))(
                *(_uint(i, U64_MAX, InvalidArgument, "cpu id") for i in cpu_ids))
            cfg.cpu_ids = ctypes.cast(ids, ctypes.POINTER(c_uint64))
        # The C side keeps the function pointers: hold the ctypes thunks as
        # long as the VM lives.
        self._notify = _native.NOTIFY_FN(lambda _ctx, vcpu: notify(vcpu)) if notify else None
        self._line_level = (_native.LINE_LEVEL_FN(lambda _ctx, v, i: bool(line_level(v, i)))
                            if line_level else None)
        self._guest_page = (_native.GUEST_PAGE_FN(lambda _ctx, v, gpa, size: guest_page(v, gpa,
                                                                                         size))
                            if guest_page else None)
        self._resample = (_native.RESAMPLE_FN(lambda _ctx, i: resample(i)) if resample
                          else None)
        if self._notify:
            cfg.notify = self._notify
        if self._line_level:
            cfg.line_level = self._line_level
        if self._guest_page:
            cfg.guest_page = self._guest_page
        if self._resample:
            cfg.resample = self._resample
        cfg.nmi_line = bool(nmi_line)
        self.nmi_line = bool(nmi_line)
        handle = c_void_p()
        check(lib.pvirq_vm_create(byref(cfg), byref(handle)))
        self._vm = handle.value
        self.nr_vcpus = lib.pvirq_vm_nr_vcpus(self._vm)
        self.nr_trusted = lib.pvirq_vm_nr_trusted(self._vm)
        self.nr_untrusted = lib.pvirq_vm_nr_untrusted(self._vm)
        self.nr_rvid_inputs = lib.pvirq_vm_nr_rvid_inputs(self._vm)
        self._vcpus = [Vcpu(self, i) for i in range(self.nr_vcpus)]
        self.rvid = Rvid(self)

    @staticmethod
    def footprint(nr_vcpus: int, nr_trusted: int = 32, nr_untrusted: int = 32,
                  nr_rvid_inputs: int = 0) -> int:
        """Bytes of memory a VM of this shape needs (InvalidArgument if bad)."""
        counts = (nr_vcpus, nr_trusted, nr_untrusted, nr_rvid_inputs)
        cfg = _native.Config(*(_uint(n, U32_MAX, InvalidArgument, "count") for n in counts))
        size = lib.pvirq_vm_footprint(byref(cfg))
        if not size:
            raise InvalidArgument("invalid configuration")
        return size

    @property
    def handle(self) -> int:
        """The C `struct pvirq_vm *` as an int (ValueError once closed)."""
        if self._vm is None:
            raise ValueError("VM is closed")
        return self._vm

    def close(self) -> None:
        """Frees the VM. Quiesce every thread using it first."""
        vm, self._vm = getattr(self, "_vm", None), None
        if vm is not None:
            lib.pvirq_vm_destroy(vm)

    def __enter__(self) -> "VM":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"VM(nr_vcpus={self.nr_vcpus}, nr_trusted={self.nr_trusted}, "
                f"nr_untrusted={self.nr_untrusted}, nr_rvid_inputs={self.nr_rvid_inputs})")

    def vcpu(self, index: int) -> "Vcpu":
        """The vCPU with this index (NoSuchVcpu if out of range)."""
        if not isinstance(index, int) or not 0 <= index < self.nr_vcpus:
            raise NoSuchVcpu(f"no vCPU {index!r}")
        return self._vcpus[index]

    @property
    def vcpus(self) -> List["Vcpu"]:
        """Every vCPU, in index order."""
        return list(self._vcpus)

    def vcpu_by_cpu_id(self, cpu_id: int) -> "Vcpu":
        """The vCPU whose architectural CPU id is `cpu_id`."""
        index = c_uint32()
        check(lib.pvirq_vm_vcpu_by_cpu_id(
            self.handle, _uint(cpu_id, U64_MAX, NoSuchVcpu, "cpu id"), byref(index)))
        return self._vcpus[index.value]

    def reset(self) -> None:
        """Returns every instance and the rVID to reset (quiesce first)."""
        lib.pvirq_vm_reset(self.handle)

    @property
    def snapshot_size(self) -> int:
        """Exact size in bytes of this VM's snapshot (newest format)."""
        return lib.pvirq_vm_snapshot_size(self.handle)

    def save(self, version: Optional[int] = None) -> bytes:
        """The snapshot of the whole interrupt state, as bytes: in the
        newest format, or in format `version` (an older one, for a VMM that
        reads only that; UnsupportedVersion if the state does not fit it).

        Quiesce vCPUs and devices first: concurrent operations are
        memory-safe but make the snapshot an inconsistent cut."""
        if version is None:
            version = _native.PVIRQ_SNAPSHOT_VERSION
        version = _uint(version, U32_MAX, InvalidArgument, "snapshot version")
        buf = ctypes.create_string_buffer(self.snapshot_size)
        written = ctypes.c_size_t()
        check(lib.pvirq_vm_save_version(self.handle, version, buf, len(buf), byref(written)))
        return buf.raw[: written.value]

    def restore(self, snapshot: bytes) -> None:
        """Replaces the whole state by `snapshot` (bytes-like).

        Nothing else may use the VM meanwhile (stop vCPU and device threads).
        Validates everything first: on error (a SnapshotError subclass, or
        ConfigMismatch for another shape) the VM is unchanged. Afterwards
        call rearm() on every vCPU before its next guest entry."""
        data = bytes(snapshot)  # immutable: restore reads the buffer twice
        check(lib.pvirq_vm_restore(self.handle, data, len(data)))

    @classmethod
    def from_snapshot(cls, snapshot: bytes, notify: Optional[Callable[[int], None]] = None,
                      line_level: Optional[Callable[[int, int], bool]] = None,
                      guest_page: Optional[Callable[[int, int, int], Optional[int]]] = None,
                      resample: Optional[Callable[[int], None]] = None) -> "VM":
        """A new VM of the snapshot's shape (NMI line included), restored
        from it. A snapshot with a shared-state page needs `guest_page`
        over the already restored guest RAM."""
        data = bytes(snapshot)
        vm = cls(notify=notify, line_level=line_level, guest_page=guest_page,
                 resample=resample, **snapshot_config(data))
        try:
            vm.restore(data)
        except BaseException:
            vm.close()
            raise
        return vm


def snapshot_config(snapshot: bytes) -> Dict[str, Any]:
    """The configuration a snapshot was taken from, as VM() keyword
    arguments: nr_vcpus, nr_trusted, nr_untrusted, nr_rvid_inputs, cpu_ids,
    nmi_line. Runs every check of restore that needs no VM (SnapshotError
    if bad)."""
    data = bytes(snapshot)
    cfg = _native.Config()
    check(lib.pvirq_snapshot_config(data, len(data), byref(cfg), None, 0))
    ids = (c_uint64 * cfg.nr_vcpus)()
    check(lib.pvirq_snapshot_config(data, len(data), byref(cfg), ids, cfg.nr_vcpus))
    return dict(nr_vcpus=cfg.nr_vcpus, nr_trusted=cfg.nr_trusted,
                nr_untrusted=cfg.nr_untrusted, nr_rvid_inputs=cfg.nr_rvid_inputs,
                cpu_ids=list(ids), nmi_line=bool(cfg.nmi_line))


class Vcpu:
    """One vCPU's rVIC instance. Get it from VM.vcpu(i)."""

    def __init__(self, vm: VM, index: int) -> None:
        self._vm = vm
        self.index = index
        # pvirq_vcpu_rearm() allows one caller per vCPU at a time.
        self._rearm_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Vcpu({self.index})"

    def _intid(self, intid):
        return _uint(intid, U32_MAX, InvalidIntid, "INTID")

    def _query(self, fn, *args):
        value = c_bool()
        check(fn(self._vm.handle, self.index, *args, byref(value)))
        return value.value

    @property
    def cpu_id(self) -> int:
        """The architectural CPU id (MPIDR affinity, APIC id, hart id)."""
        value = c_uint64()
        check(lib.pvirq_vm_cpu_id(self._vm.handle, self.index, byref(value)))
        return value.value

    def enable(self) -> None:
        """ENABLE: the line takes effect at once."""
        check(lib.pvirq_rvic_enable(self._vm.handle, self.index))

    def disable(self) -> None:
        """DISABLE: line drops, later injections are dropped."""
        check(lib.pvirq_rvic_disable(self._vm.handle, self.index))

    @property
    def enabled(self) -> bool:
        """Whether the instance is enabled."""
        return self._query(lib.pvirq_rvic_is_enabled)

    def set_masked(self, intid: int) -> None:
        """Masks `intid`."""
        check(lib.pvirq_rvic_set_masked(self._vm.handle, self.index, self._intid(intid)))

    def clear_masked(self, intid: int) -> None:
        """Unmasks `intid` (end of interrupt)."""
        check(lib.pvirq_rvic_clear_masked(self._vm.handle, self.index, self._intid(intid)))

    def is_masked(self, intid: int) -> bool:
        """Whether `intid` is masked."""
        return self._query(lib.pvirq_rvic_is_masked, self._intid(intid))

    def is_pending(self, intid: int) -> bool:
        """Whether `intid` is pending."""
        return self._query(lib.pvirq_rvic_is_pending, self._intid(intid))

    def signal(self, intid: int) -> None:
        """Makes `intid` pending (trusted path); Disabled if dropped."""
        check(lib.pvirq_rvic_signal(self._vm.handle, self.index, self._intid(intid)))

    def clear_pending(self, intid: int) -> None:
        """Clears the pending bit of `intid`."""
        check(lib.pvirq_rvic_clear_pending(self._vm.handle, self.index, self._intid(intid)))

    def acknowledge(self) -> int:
        """Takes one deliverable INTID (masking it) and returns it.

        Raises NoInterrupt when nothing is deliverable (spurious)."""
        intid = c_uint32()
        check(lib.pvirq_rvic_acknowledge(self._vm.handle, self.index, byref(intid)))
        return intid.value

    def resample(self, intid: int) -> None:
        """RESAMPLE: re-pends trusted `intid` if its line is high."""
        check(lib.pvirq_rvic_resample(self._vm.handle, self.index, self._intid(intid)))

    def set_level(self, intid: int, high: bool) -> None:
        """Drives the software level line of trusted `intid`."""
        check(lib.pvirq_rvic_set_level(self._vm.handle, self.index, self._intid(intid),
                                       bool(high)))

    def level(self, intid: int) -> bool:
        """The software level of trusted `intid`."""
        return self._query(lib.pvirq_rvic_get_level, self._intid(intid))

    def _u32(self, fn, *args):
        value = c_uint32()
        check(fn(self._vm.handle, self.index, *args, byref(value)))
        return value.value

    def share_state(self, gpa: int) -> None:
        """RVIC_SHARE_STATE: the instance's words move into the guest page
        at `gpa` (through the VM's guest_page). The instance must be
        disabled (InstanceEnabled); InvalidArgument for a misaligned or
        refused page."""
        check(lib.pvirq_rvic_share_state(self._vm.handle, self.index,
                                         _uint(gpa, U64_MAX, InvalidArgument, "page address")))

    def unshare_state(self) -> None:
        """RVIC_UNSHARE_STATE: the words move back into host memory
        (instance disabled, else InstanceEnabled; no page: nothing)."""
        check(lib.pvirq_rvic_unshare_state(self._vm.handle, self.index))

    @property
    def shared_state(self) -> Optional[int]:
        """Guest-physical address of the shared state page, or None."""
        gpa = c_uint64()
        code = lib.pvirq_rvic_shared_state(self._vm.handle, self.index, byref(gpa))
        if code == Unmapped.code:
            return None
        check(code)
        return gpa.value

    def set_priority(self, intid: int, cls: int) -> None:
        """RVIC_SET_PRIORITY: puts `intid` in class `cls` (0 lowest .. 3;
        3 is the NMI class and needs nmi_line)."""
        check(lib.pvirq_rvic_set_priority(self._vm.handle, self.index, self._intid(intid),
                                          _uint(cls, U32_MAX, InvalidArgument, "class")))

    def priority(self, intid: int) -> int:
        """The priority class of `intid`."""
        return self._u32(lib.pvirq_rvic_get_priority, self._intid(intid))

    @property
    def priority_mask(self) -> int:
        """The priority floor: classes below it are held off."""
        return self._u32(lib.pvirq_rvic_get_priority_mask)

    @priority_mask.setter
    def priority_mask(self, floor: int) -> None:
        """RVIC_SET_PRIORITY_MASK (lowering re-evaluates the line)."""
        check(lib.pvirq_rvic_set_priority_mask(self._vm.handle, self.index,
                                               _uint(floor, U32_MAX, InvalidArgument, "floor")))

    def acknowledge_nmi(self) -> int:
        """RVIC_ACKNOWLEDGE_NMI: takes one deliverable NMI-class INTID.

        Raises NoInterrupt when there is none."""
        return self._u32(lib.pvirq_rvic_acknowledge_nmi)

    def take_nmi(self) -> bool:
        """The NMI edge: True once after an NMI-class INTID became
        deliverable (inject an NMI then). One caller per vCPU at a time."""
        with self._rearm_lock:
            return lib.pvirq_vcpu_take_nmi(self._vm.handle, self.index)

    @property
    def line(self) -> bool:
        """The output line: enabled and some INTID pending and unmasked."""
        return lib.pvirq_vcpu_line(self._vm.handle, self.index)

    def handle_arm64_smccc(self, regs: "hypercall.Regs") -> bool:
        """Handles an SMCCC call of this vCPU (see pvirq.hypercall)."""
        return hypercall.handle_arm64_smccc(self, regs)

    def handle_x86_hypercall(self, regs: "hypercall.X86Regs",
                             upcall_vector: Optional[int] = None) -> bool:
        """Handles an x86_64 hypercall of this vCPU (see pvirq.hypercall)."""
        return hypercall.handle_x86_hypercall(self, regs, upcall_vector)

    def handle_riscv_sbi(self, regs: "hypercall.Regs") -> bool:
        """Handles an SBI call of this vCPU (see pvirq.hypercall)."""
        return hypercall.handle_riscv_sbi(self, regs)

    def rearm(self) -> bool:
        """Guest-entry step: re-arms notify, then returns the line.

        Serialized per vCPU (the C contract allows one caller at a time)."""
        with self._rearm_lock:
            return lib.pvirq_vcpu_rearm(self._vm.handle, self.index)


class Rvid:
    """The VM's distributor: device inputs -> (vCPU, untrusted INTID)."""

    MSI_DOORBELL = _native.PVIRQ_MSI_DOORBELL

    def __init__(self, vm: VM) -> None:
        self._vm = vm

    def _input(self, number):
        return _uint(number, U32_MAX, InvalidInput, "rVID input")

    def map(self, input: int, vcpu: int, intid: int) -> None:  # noqa: A002 (the C name)
        """Routes `input` to (`vcpu`, `intid`); pending moves with it."""
        check(lib.pvirq_rvid_map(self._vm.handle, self._input(input),
                                 _uint(vcpu, U32_MAX, NoSuchVcpu, "vCPU"),
                                 _uint(intid, U32_MAX, InvalidIntid, "INTID")))

    def unmap(self, input: int) -> None:  # noqa: A002
        """Later injections on `input` are ignored."""
        check(lib.pvirq_rvid_unmap(self._vm.handle, self._input(input)))

    def lookup(self, input: int) -> Optional[Tuple[int, int]]:  # noqa: A002
        """(vcpu, intid) of `input`, or None if unmapped."""
        vcpu, intid = c_uint32(), c_uint32()
        code = lib.pvirq_rvid_lookup(self._vm.handle, self._input(input), byref(vcpu),
                                     byref(intid))
        if code == Unmapped.code:
            return None
        check(code)
        return vcpu.value, intid.value

    def inject(self, input: int) -> None:  # noqa: A002
        """A device raises an edge; Unmapped / Disabled if it went nowhere."""
        check(lib.pvirq_rvid_inject(self._vm.handle, self._input(input)))

    def set_trigger(self, input: int, level: bool) -> None:  # noqa: A002
        """Makes `input` level-triggered (True) or edge-triggered (False).
        Device-model configuration; a level input starts low."""
        check(lib.pvirq_rvid_set_trigger(self._vm.handle, self._input(input), bool(level)))

    def set_level(self, input: int, high: bool) -> None:  # noqa: A002
        """Drives the line of level-triggered `input`: a raise injects
        (Unmapped / Disabled if it went nowhere; the level is recorded
        anyway), a lower retracts nothing. InvalidArgument on an edge input."""
        check(lib.pvirq_rvid_set_level(self._vm.handle, self._input(input), bool(high)))

    def level(self, input: int) -> bool:  # noqa: A002
        """The recorded level of `input` (False for an edge input)."""
        value = c_bool()
        check(lib.pvirq_rvid_get_level(self._vm.handle, self._input(input), byref(value)))
        return value.value

    def resample(self, input: int) -> None:  # noqa: A002
        """RVID_RESAMPLE, the guest's end of interrupt of `input`: for a
        level-triggered input, calls the VM's resample and re-pends the
        input's target while its level is high (Disabled if that target is
        disabled). Edge or unmapped input: nothing."""
        check(lib.pvirq_rvid_resample(self._vm.handle, self._input(input)))

    def msi(self, addr: int, data: int) -> None:
        """A device writes an MSI (addr must be MSI_DOORBELL, data the input)."""
        check(lib.pvirq_rvid_msi(self._vm.handle,
                                 _uint(addr, U64_MAX, InvalidArgument, "MSI address"),
                                 _uint(data, U64_MAX, InvalidInput, "MSI data")))

