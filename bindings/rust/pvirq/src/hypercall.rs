// SPDX-License-Identifier: MIT
//! Hypercall decoders for a VMM's exit loop, and the injection helpers of
//! each architecture.
//!
//! A guest reaches libpvirq only through hypercalls: an SMCCC call on
//! arm64, VMCALL/VMMCALL or the port-I/O doorbell on x86_64, an SBI call on
//! riscv64. On such an exit the VMM reads the guest's registers, hands them
//! to the [`Vcpu`] that trapped, and writes them back:
//!
//! ```
//! use pvirq::{Hypercall, Vm, X86Regs, x86};
//!
//! let vm = Vm::builder(1).build()?;
//! let vcpu = vm.vcpu(0)?;
//! // KVM_EXIT_IO, OUT of 4 bytes to the doorbell port: a pvirq hypercall.
//! assert!(x86::is_doorbell(x86::IO_PORT, 4, true, 1));
//! let mut regs = X86Regs { rax: 0xC500_0200, ..Default::default() }; // KVM_GET_REGS; RVIC_VERSION
//! match vcpu.handle_x86_hypercall(&mut regs)? {
//!     Hypercall::Handled => { /* KVM_SET_REGS and resume */ }
//!     Hypercall::NotPvirq => { /* the VMM's own hypercall */ }
//! }
//! assert_eq!((regs.rax, regs.rbx), (0, 0x0004)); // SUCCESS, version 0.4
//! # Ok::<(), pvirq::Error>(())
//! ```
//!
//! The handlers validate every argument (guest values are hostile: 64-bit
//! values that do not fit are rejected, never truncated) and are callable
//! from any thread, like the operations they perform.

use pvirq_sys as sys;

use crate::error::{Error, Result, check};
use crate::vm::Vcpu;

pub use sys::pvirq_arm64_regs as Arm64Regs;
pub use sys::pvirq_riscv_regs as RiscvRegs;
pub use sys::pvirq_x86_regs as X86Regs;

/// Whose call an exit was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "a NotPvirq call must still be answered by the VMM"]
pub enum Hypercall {
    /// libpvirq's call: the result is in the registers (whatever the
    /// guest-visible status); write them back to the vCPU.
    Handled,
    /// Not in libpvirq's function ranges: registers untouched; the VMM
    /// handles it (normally answering NOT_SUPPORTED).
    NotPvirq,
}

fn outcome(code: i32) -> Result<Hypercall> {
    match code {
        sys::PVIRQ_ENOSYS => Ok(Hypercall::NotPvirq),
        _ => check(code).map(|()| Hypercall::Handled),
    }
}

impl Vcpu<'_> {
    /// Handles an SMCCC call (HVC/SMC exit) of this vCPU: W0 = function ID,
    /// X1..X3 arguments; on return X0 = status word, X1 = value.
    /// Targets are MPIDR affinity values.
    ///
    /// ```
    /// use pvirq::{Arm64Regs, Hypercall, Vm};
    ///
    /// let vm = Vm::builder(1).build()?;
    /// let vcpu = vm.vcpu(0)?;
    /// let mut enable = Arm64Regs { x: [0xC500_0202, 0, 0, 0, 0, 0, 0, 0] };
    /// assert_eq!(vcpu.handle_arm64_smccc(&mut enable)?, Hypercall::Handled);
    /// assert_eq!(enable.x[0], 0); // SUCCESS
    /// assert!(vcpu.is_enabled()?);
    /// let mut psci = Arm64Regs { x: [0x8400_0000, 0, 0, 0, 0, 0, 0, 0] };
    /// assert_eq!(vcpu.handle_arm64_smccc(&mut psci)?, Hypercall::NotPvirq);
    /// # Ok::<(), pvirq::Error>(())
    /// ```
    pub fn handle_arm64_smccc(&self, regs: &mut Arm64Regs) -> Result<Hypercall> {
        // SAFETY: valid VM and vCPU; regs is a valid, exclusive pointer.
        outcome(unsafe { sys::pvirq_arm64_handle_smccc(self.inner.raw(), self.index, regs) })
    }

    /// Handles an x86_64 hypercall (VMCALL/VMMCALL, or the port-I/O
    /// doorbell, see [`x86::is_doorbell`]): RAX = function ID, RBX, RCX,
    /// RSI arguments; on return RAX = status word, RBX = value. Targets are
    /// APIC ids. The guest is told the default upcall vector.
    pub fn handle_x86_hypercall(&self, regs: &mut X86Regs) -> Result<Hypercall> {
        // SAFETY: as in handle_arm64_smccc().
        outcome(unsafe { sys::pvirq_x86_handle_hypercall(self.inner.raw(), self.index, regs) })
    }

    /// As [`handle_x86_hypercall`](Self::handle_x86_hypercall), for a VMM
    /// that injects `upcall_vector` (32..=255). Errors:
    /// [`Error::InvalidArgument`] for a vector below 32.
    pub fn handle_x86_hypercall_with_vector(
        &self,
        regs: &mut X86Regs,
        upcall_vector: u8,
    ) -> Result<Hypercall> {
        // SAFETY: as in handle_arm64_smccc().
        outcome(unsafe {
            sys::pvirq_x86_handle_hypercall_vector(
                self.inner.raw(),
                self.index,
                regs,
                upcall_vector,
            )
        })
    }

    /// Handles an SBI call (KVM_EXIT_RISCV_SBI) of this vCPU: A7 = EID,
    /// A6 = FID, A0..A2 arguments; on return A0 = SBI error, A1 = value.
    /// Targets are hart ids.
    pub fn handle_riscv_sbi(&self, regs: &mut RiscvRegs) -> Result<Hypercall> {
        // SAFETY: as in handle_arm64_smccc().
        outcome(unsafe { sys::pvirq_riscv_handle_sbi(self.inner.raw(), self.index, regs) })
    }
}

/// The hypercall ABI shared by the three architectures.
pub mod abi {
    use super::sys;

    /// Every call of the ABI, by name (the spec's table, in table order).
    ///
    /// ```
    /// use pvirq::abi::Call;
    ///
    /// assert_eq!(Call::RvicSignal.id(), 0xC500_0207);
    /// assert_eq!(Call::from_id(0xC500_0101), Some(Call::RvidMap));
    /// assert_eq!(Call::from_id(0xC500_020B), Some(Call::RvicReset)); // 0.4
    /// assert_eq!(Call::from_id(0xC500_0210), Some(Call::RvicAcknowledgeNmi)); // 0.4
    /// assert_eq!(Call::from_id(0xC500_0211), None); // not a call
    /// assert_eq!(Call::RvidMap.name(), "RVID_MAP");
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Call {
        /// rVIC VERSION: the ABI version.
        RvicVersion,
        /// rVIC INFO: a configuration value by key.
        RvicInfo,
        /// rVIC ENABLE of the caller's instance.
        RvicEnable,
        /// rVIC DISABLE of the caller's instance.
        RvicDisable,
        /// rVIC SET_MASKED of (target, INTID).
        RvicSetMasked,
        /// rVIC CLEAR_MASKED of (target, INTID): end of interrupt.
        RvicClearMasked,
        /// rVIC IS_PENDING of (target, INTID).
        RvicIsPending,
        /// rVIC SIGNAL of (target, INTID): an IPI.
        RvicSignal,
        /// rVIC CLEAR_PENDING of (target, INTID).
        RvicClearPending,
        /// rVIC ACKNOWLEDGE on the caller's instance.
        RvicAcknowledge,
        /// rVIC RESAMPLE of a trusted INTID.
        RvicResample,
        /// rVIC RESET of the caller's instance (ABI 0.4, feature bit 0).
        RvicReset,
        /// rVIC SHARE_STATE: the caller's words move into a guest page (0.4).
        RvicShareState,
        /// rVIC UNSHARE_STATE: they move back into host memory (0.4).
        RvicUnshareState,
        /// rVIC SET_PRIORITY of (target, INTID, class) (0.4).
        RvicSetPriority,
        /// rVIC SET_PRIORITY_MASK: the caller's priority floor (0.4).
        RvicSetPriorityMask,
        /// rVIC ACKNOWLEDGE_NMI on the caller's instance (0.4).
        RvicAcknowledgeNmi,
        /// rVID VERSION.
        RvidVersion,
        /// rVID MAP of an input to (target, untrusted INTID).
        RvidMap,
        /// rVID UNMAP of an input.
        RvidUnmap,
        /// rVID RESAMPLE: end of interrupt of a level input (0.4).
        RvidResample,
    }

    impl Call {
        /// Every call, in table order (`PVIRQ_CALL_*` index order).
        pub const ALL: [Call; sys::PVIRQ_ABI_NR_CALLS as usize] = [
            Call::RvicVersion,
            Call::RvicInfo,
            Call::RvicEnable,
            Call::RvicDisable,
            Call::RvicSetMasked,
            Call::RvicClearMasked,
            Call::RvicIsPending,
            Call::RvicSignal,
            Call::RvicClearPending,
            Call::RvicAcknowledge,
            Call::RvicResample,
            Call::RvicReset,
            Call::RvicShareState,
            Call::RvicUnshareState,
            Call::RvicSetPriority,
            Call::RvicSetPriorityMask,
            Call::RvicAcknowledgeNmi,
            Call::RvidVersion,
            Call::RvidMap,
            Call::RvidUnmap,
            Call::RvidResample,
        ];

        /// Whether the call belongs to the rVID (else the rVIC).
        pub const fn is_rvid(self) -> bool {
            matches!(
                self,
                Call::RvidVersion | Call::RvidMap | Call::RvidUnmap | Call::RvidResample
            )
        }

        /// Function number n within its part (`PVIRQ_FN_*`).
        pub const fn number(self) -> u32 {
            match self {
                Call::RvicVersion => sys::PVIRQ_FN_RVIC_VERSION,
                Call::RvicInfo => sys::PVIRQ_FN_RVIC_INFO,
                Call::RvicEnable => sys::PVIRQ_FN_RVIC_ENABLE,
                Call::RvicDisable => sys::PVIRQ_FN_RVIC_DISABLE,
                Call::RvicSetMasked => sys::PVIRQ_FN_RVIC_SET_MASKED,
                Call::RvicClearMasked => sys::PVIRQ_FN_RVIC_CLEAR_MASKED,
                Call::RvicIsPending => sys::PVIRQ_FN_RVIC_IS_PENDING,
                Call::RvicSignal => sys::PVIRQ_FN_RVIC_SIGNAL,
                Call::RvicClearPending => sys::PVIRQ_FN_RVIC_CLEAR_PENDING,
                Call::RvicAcknowledge => sys::PVIRQ_FN_RVIC_ACKNOWLEDGE,
                Call::RvicResample => sys::PVIRQ_FN_RVIC_RESAMPLE,
                Call::RvicReset => sys::PVIRQ_FN_RVIC_RESET,
                Call::RvicShareState => sys::PVIRQ_FN_RVIC_SHARE_STATE,
                Call::RvicUnshareState => sys::PVIRQ_FN_RVIC_UNSHARE_STATE,
                Call::RvicSetPriority => sys::PVIRQ_FN_RVIC_SET_PRIORITY,
                Call::RvicSetPriorityMask => sys::PVIRQ_FN_RVIC_SET_PRIORITY_MASK,
                Call::RvicAcknowledgeNmi => sys::PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI,
                Call::RvidVersion => sys::PVIRQ_FN_RVID_VERSION,
                Call::RvidMap => sys::PVIRQ_FN_RVID_MAP,
                Call::RvidUnmap => sys::PVIRQ_FN_RVID_UNMAP,
                Call::RvidResample => sys::PVIRQ_FN_RVID_RESAMPLE,
            }
        }

        /// 32-bit function ID on arm64 (SMCCC W0) and x86_64 (RAX); on
        /// riscv64 the FID is [`number`](Self::number) in the part's EID.
        pub const fn id(self) -> u32 {
            if self.is_rvid() {
                rvid_id(self.number())
            } else {
                rvic_id(self.number())
            }
        }

        /// The call a function ID names, if any.
        pub fn from_id(id: u32) -> Option<Call> {
            Call::ALL.iter().copied().find(|c| c.id() == id)
        }

        /// The spec's name, e.g. `RVIC_SIGNAL`.
        pub const fn name(self) -> &'static str {
            match self {
                Call::RvicVersion => "RVIC_VERSION",
                Call::RvicInfo => "RVIC_INFO",
                Call::RvicEnable => "RVIC_ENABLE",
                Call::RvicDisable => "RVIC_DISABLE",
                Call::RvicSetMasked => "RVIC_SET_MASKED",
                Call::RvicClearMasked => "RVIC_CLEAR_MASKED",
                Call::RvicIsPending => "RVIC_IS_PENDING",
                Call::RvicSignal => "RVIC_SIGNAL",
                Call::RvicClearPending => "RVIC_CLEAR_PENDING",
                Call::RvicAcknowledge => "RVIC_ACKNOWLEDGE",
                Call::RvicResample => "RVIC_RESAMPLE",
                Call::RvicReset => "RVIC_RESET",
                Call::RvicShareState => "RVIC_SHARE_STATE",
                Call::RvicUnshareState => "RVIC_UNSHARE_STATE",
                Call::RvicSetPriority => "RVIC_SET_PRIORITY",
                Call::RvicSetPriorityMask => "RVIC_SET_PRIORITY_MASK",
                Call::RvicAcknowledgeNmi => "RVIC_ACKNOWLEDGE_NMI",
                Call::RvidVersion => "RVID_VERSION",
                Call::RvidMap => "RVID_MAP",
                Call::RvidUnmap => "RVID_UNMAP",
                Call::RvidResample => "RVID_RESAMPLE",
            }
        }
    }

    /// ABI version the guest reads with VERSION: major << 16 | minor (0.4).
    pub const VERSION: u32 = sys::PVIRQ_ABI_VERSION;
    /// Function ID of rVIC call `n` (arm64 and x86_64).
    pub const fn rvic_id(n: u32) -> u32 {
        sys::PVIRQ_ABI_RVIC_BASE + n
    }
    /// Function ID of rVID call `n` (arm64 and x86_64).
    pub const fn rvid_id(n: u32) -> u32 {
        sys::PVIRQ_ABI_RVID_BASE + n
    }
    /// Status word of an unknown function inside a range (NOT_SUPPORTED).
    pub const STATUS_NOT_SUPPORTED: i64 = sys::PVIRQ_ABI_STATUS_NOT_SUPPORTED;
    /// Reason byte of a status word (0 SUCCESS, 1 ERROR_PARAMETER,
    /// 2 INVALID_CPU, 3 DISABLED, 4 NO_INTERRUPTS, 5 ENABLED).
    pub const fn status_reason(word: u64) -> u32 {
        (word & 0xFF) as u32
    }
    /// Zero-based index of the bad argument in a status word.
    pub const fn status_index(word: u64) -> u32 {
        ((word >> 8) & 0xFF) as u32
    }
}

/// x86_64: doorbell recognition and the KVM_INTERRUPT entry decision.
pub mod x86 {
    use super::sys;

    /// Port of the port-I/O doorbell (`outl %eax, %dx`).
    pub const IO_PORT: u16 = sys::PVIRQ_X86_IO_PORT as u16;
    /// Vector injected when the line is high, unless the VMM chose another.
    pub const UPCALL_VECTOR_DEFAULT: u8 = sys::PVIRQ_X86_UPCALL_VECTOR_DEFAULT as u8;

    /// Whether a KVM_EXIT_IO is the doorbell: one OUT of 4 bytes to [`IO_PORT`].
    pub fn is_doorbell(port: u16, size: u8, is_out: bool, count: u32) -> bool {
        // SAFETY: pure function.
        unsafe { sys::pvirq_x86_io_is_doorbell(port, size, is_out, count) }
    }

    /// What a userspace VMM (no in-kernel LAPIC) does before KVM_RUN.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum EntryAction {
        /// Line low: clear `request_interrupt_window`.
        Nothing,
        /// KVM_INTERRUPT with the upcall vector.
        Inject,
        /// Set `request_interrupt_window`; KVM exits when the guest can take it.
        RequestWindow,
    }

    /// The entry decision from the line (e.g. [`VcpuEntry::rearm`](crate::VcpuEntry::rearm))
    /// and `kvm_run.ready_for_interrupt_injection`.
    ///
    /// ```
    /// use pvirq::x86::{EntryAction, entry_action};
    /// assert_eq!(entry_action(false, true), EntryAction::Nothing);
    /// assert_eq!(entry_action(true, true), EntryAction::Inject);
    /// assert_eq!(entry_action(true, false), EntryAction::RequestWindow);
    /// ```
    pub fn entry_action(line: bool, ready_for_injection: bool) -> EntryAction {
        // SAFETY: pure function.
        match unsafe { sys::pvirq_x86_kvm_entry_action(line, ready_for_injection) } {
            sys::PVIRQ_X86_KVM_ENTRY_INJECT => EntryAction::Inject,
            sys::PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW => EntryAction::RequestWindow,
            _ => EntryAction::Nothing,
        }
    }
}

/// arm64: the virtual IRQ line (HCR_EL2.VI, KVM_IRQ_LINE).
pub mod arm64 {
    #[allow(unused_imports)] // Error: named by the docs
    use super::{Error, Result, check, sys};

    /// Bits of an MPIDR that name a vCPU (Aff3..Aff0): give the library
    /// `MPIDR_EL1 & MPIDR_AFFINITY_MASK` as cpu ids.
    pub const MPIDR_AFFINITY_MASK: u64 = sys::PVIRQ_ARM64_MPIDR_AFFINITY_MASK;

    /// HCR_EL2 with VI set to `line` (a type-1 hypervisor's guest entry).
    pub fn hcr_el2_with_vi(hcr_el2: u64, line: bool) -> u64 {
        // SAFETY: pure function.
        unsafe { sys::pvirq_arm64_hcr_el2_with_vi(hcr_el2, line) }
    }

    /// The `struct kvm_irq_level` argument of KVM_IRQ_LINE that drives the
    /// IRQ line of vCPU `vcpu_index` (type CPU) to `line`. Errors:
    /// [`Error::NoSuchVcpu`] for an index KVM cannot name (>= 4096).
    pub fn kvm_irq_line(vcpu_index: u32, line: bool) -> Result<sys::pvirq_arm64_kvm_irq_level> {
        let mut out = sys::pvirq_arm64_kvm_irq_level::default();
        // SAFETY: pure function; valid out-pointer.
        check(unsafe { sys::pvirq_arm64_kvm_irq_line(vcpu_index, line, &mut out) })?;
        Ok(out)
    }
}

/// riscv64: the SBI extension IDs and the VS-level external interrupt.
pub mod riscv {
    use super::sys;

    /// SBI extension ID of the rVIC calls.
    pub const EID_RVIC: u64 = sys::PVIRQ_RISCV_EID_RVIC as u64;
    /// SBI extension ID of the rVID calls.
    pub const EID_RVID: u64 = sys::PVIRQ_RISCV_EID_RVID as u64;

    /// hvip with VSEIP set to `line`.
    pub fn hvip_with_vseip(hvip: u64, line: bool) -> u64 {
        // SAFETY: pure function.
        unsafe { sys::pvirq_riscv_hvip_with_vseip(hvip, line) }
    }

    /// The KVM_INTERRUPT `irq` value that raises (or lowers) VSEIP.
    pub fn kvm_interrupt_irq(line: bool) -> u32 {
        // SAFETY: pure function.
        unsafe { sys::pvirq_riscv_kvm_interrupt_irq(line) }
    }
}
