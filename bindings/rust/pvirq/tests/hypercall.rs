// SPDX-License-Identifier: MIT
//! The three decoders through the safe API: one guest session, replayed on
//! each architecture's register convention, must have the same effects.

use pvirq::{Arm64Regs, Error, Hypercall, RiscvRegs, Vm, X86Regs, abi, arm64, riscv, x86};

#[derive(Clone, Copy, Debug)]
enum Arch {
    Arm64,
    X86,
    Riscv,
}

/// One guest call: part (true = rVIC) and n, three arguments.
/// Returns (handled, status word, value) in arm64/x86 terms; for RISC-V the
/// SBI error is translated back (A1 carries the status word on error).
fn call(
    vm: &Vm,
    vcpu: u32,
    arch: Arch,
    rvic: bool,
    n: u32,
    args: [u64; 3],
) -> (Hypercall, i64, u64) {
    let v = vm.vcpu(vcpu).unwrap();
    let id = u64::from(if rvic {
        abi::rvic_id(n)
    } else {
        abi::rvid_id(n)
    });
    match arch {
        Arch::Arm64 => {
            let mut r = Arm64Regs {
                x: [id, args[0], args[1], args[2], 4, 5, 6, 7],
            };
            let h = v.handle_arm64_smccc(&mut r).unwrap();
            assert_eq!(&r.x[4..], &[4, 5, 6, 7], "x4..x7 preserved");
            (h, r.x[0] as i64, r.x[1])
        }
        Arch::X86 => {
            let mut r = X86Regs {
                rax: id,
                rbx: args[0],
                rcx: args[1],
                rdx: 0x0A50,
                rsi: args[2],
                rdi: 9,
            };
            let h = v.handle_x86_hypercall(&mut r).unwrap();
            assert_eq!((r.rdx, r.rdi), (0x0A50, 9), "rdx, rdi preserved");
            (h, r.rax as i64, r.rbx)
        }
        Arch::Riscv => {
            let eid = if rvic {
                riscv::EID_RVIC
            } else {
                riscv::EID_RVID
            };
            let mut r = RiscvRegs {
                a: [args[0], args[1], args[2], 3, 4, 5, u64::from(n), eid],
            };
            let h = v.handle_riscv_sbi(&mut r).unwrap();
            let status = if r.a[0] == 0 { 0 } else { r.a[1] as i64 };
            let value = if r.a[0] == 0 { r.a[1] } else { 0 };
            (h, status, value)
        }
    }
}

const SUCCESS: i64 = 0;
const ERROR_PARAMETER: i64 = 1;
const INVALID_CPU: i64 = 2;
const NO_INTERRUPTS: i64 = 4;

#[test]
fn one_session_on_every_architecture() {
    for arch in [Arch::Arm64, Arch::X86, Arch::Riscv] {
        // CPU ids that are valid on all three (MPIDR Aff1.Aff0, APIC, hart).
        let vm = Vm::builder(2)
            .cpu_ids([0x000, 0x101])
            .rvid_inputs(4)
            .build()
            .unwrap();
        // (rvic, n, args, expected status, expected value)
        let session: &[(bool, u32, [u64; 3], i64, u64)] = &[
            (true, 0, [0; 3], SUCCESS, u64::from(abi::VERSION)),
            (true, 1, [1, 0, 0], SUCCESS, 32), // INFO(NR_UNTRUSTED)
            (true, 2, [0; 3], SUCCESS, 0),     // ENABLE (own instance: vCPU 1)
            (true, 5, [0x101, 40, 0], SUCCESS, 0), // CLEAR_MASKED(self, 40)
            (false, 1, [2, 0x101, 40], SUCCESS, 0), // RVID MAP(2 -> self, 40)
            (true, 9, [0; 3], NO_INTERRUPTS, 0), // ACKNOWLEDGE: nothing yet
            (
                true,
                5,
                [0x101, (1 << 32) + 40, 0],
                ERROR_PARAMETER | 1 << 8,
                0,
            ), // no truncation
            (true, 7, [0x999, 40, 0], INVALID_CPU, 0), // SIGNAL to nobody
            (false, 1, [2, 0x999, 40], INVALID_CPU | 1 << 8, 0), // MAP to nobody
            (false, 1, [2, 0x101, 5], ERROR_PARAMETER | 2 << 8, 0), // MAP a trusted INTID
            (true, 0x7F, [0; 3], -1, 0),       // unknown call in range
        ];
        for &(rvic, n, args, status, value) in session {
            let got = call(&vm, 1, arch, rvic, n, args);
            assert_eq!(
                got,
                (Hypercall::Handled, status, value),
                "{arch:?} rvic={rvic} n={n} {args:x?}"
            );
        }
        // A device edge arrives; the guest acknowledges it through the ABI.
        vm.rvid().inject(2).unwrap();
        assert!(vm.vcpu(1).unwrap().line());
        assert_eq!(
            call(&vm, 1, arch, true, 9, [0; 3]),
            (Hypercall::Handled, SUCCESS, 40),
            "{arch:?}"
        );
        assert!(vm.vcpu(1).unwrap().is_masked(40).unwrap());
        assert!(
            !vm.vcpu(0).unwrap().is_enabled().unwrap(),
            "{arch:?}: ENABLE hit another vCPU"
        );
    }
}

#[test]
fn foreign_calls_are_left_to_the_vmm_untouched() {
    let vm = Vm::builder(1).build().unwrap();
    let v = vm.vcpu(0).unwrap();
    let mut psci = Arm64Regs {
        x: [0x8400_0000, 1, 2, 3, 4, 5, 6, 7],
    };
    let before = psci;
    assert_eq!(v.handle_arm64_smccc(&mut psci), Ok(Hypercall::NotPvirq));
    assert_eq!(psci, before);
    let mut kvm_hc = X86Regs {
        rax: 12,
        rbx: 1,
        ..Default::default()
    };
    let before = kvm_hc;
    assert_eq!(v.handle_x86_hypercall(&mut kvm_hc), Ok(Hypercall::NotPvirq));
    assert_eq!(kvm_hc, before);
    let mut sbi_base = RiscvRegs {
        a: [0, 0, 0, 0, 0, 0, 0, 0x10],
    };
    let before = sbi_base;
    assert_eq!(v.handle_riscv_sbi(&mut sbi_base), Ok(Hypercall::NotPvirq));
    assert_eq!(sbi_base, before);
}

#[test]
fn x86_vector_choice_is_checked_and_reported() {
    let vm = Vm::builder(1).build().unwrap();
    let v = vm.vcpu(0).unwrap();
    let info_vector = || X86Regs {
        rax: u64::from(abi::rvic_id(1)),
        rbx: 4,
        ..Default::default()
    };
    let mut r = info_vector();
    assert_eq!(v.handle_x86_hypercall(&mut r), Ok(Hypercall::Handled));
    assert_eq!((r.rax, r.rbx), (0, u64::from(x86::UPCALL_VECTOR_DEFAULT)));
    let mut r = info_vector();
    assert_eq!(
        v.handle_x86_hypercall_with_vector(&mut r, 0x40),
        Ok(Hypercall::Handled)
    );
    assert_eq!((r.rax, r.rbx), (0, 0x40));
    let mut r = info_vector();
    assert_eq!(
        v.handle_x86_hypercall_with_vector(&mut r, 0x1F),
        Err(Error::InvalidArgument)
    );
    assert_eq!(r, info_vector(), "registers untouched on error");
}

#[test]
fn injection_helpers() {
    assert!(x86::is_doorbell(x86::IO_PORT, 4, true, 1));
    assert!(
        !x86::is_doorbell(x86::IO_PORT, 4, false, 1),
        "IN is not the doorbell"
    );
    assert!(!x86::is_doorbell(x86::IO_PORT, 2, true, 1));
    assert!(!x86::is_doorbell(x86::IO_PORT + 1, 4, true, 1));
    assert_eq!(arm64::hcr_el2_with_vi(0x1, true), 0x1 | 1 << 7);
    assert_eq!(arm64::hcr_el2_with_vi(0x81, false), 0x1);
    let level = arm64::kvm_irq_line(3, true).unwrap();
    assert_eq!((level.irq, level.level), (3 << 16, 1));
    assert_eq!(
        arm64::kvm_irq_line(4096, true).err(),
        Some(Error::NoSuchVcpu)
    );
    assert_eq!(riscv::hvip_with_vseip(0, true), 1 << 10);
    assert_ne!(
        riscv::kvm_interrupt_irq(true),
        riscv::kvm_interrupt_irq(false)
    );
    assert_eq!(abi::status_reason(0x102), 2);
    assert_eq!(abi::status_index(0x102), 1);
}

/// The named call IDs are the ones the decoders answer: each is handled
/// (not passed on as the VMM's own), the IDs are distinct, and every ID
/// between two calls that is not a call is NOT_SUPPORTED.
#[test]
fn named_call_ids_are_the_decoders() {
    use pvirq::abi::Call;
    use std::collections::BTreeSet;

    let vm = Vm::builder(1).rvid_inputs(1).build().unwrap();
    let vcpu = vm.vcpu(0).unwrap();
    let ids: BTreeSet<u32> = Call::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(ids.len(), Call::ALL.len());
    for call in Call::ALL {
        assert_eq!(Call::from_id(call.id()), Some(call));
        let mut regs = X86Regs {
            rax: u64::from(call.id()),
            ..Default::default()
        };
        assert_eq!(
            vcpu.handle_x86_hypercall(&mut regs).unwrap(),
            Hypercall::Handled,
            "{}",
            call.name()
        );
        assert_ne!(
            regs.rax as i64,
            pvirq::abi::STATUS_NOT_SUPPORTED,
            "{}",
            call.name()
        );
    }
    let mut regs = X86Regs {
        rax: u64::from(Call::RvicAcknowledgeNmi.id() + 1), // past the last rVIC call
        ..Default::default()
    };
    assert_eq!(
        vcpu.handle_x86_hypercall(&mut regs).unwrap(),
        Hypercall::Handled
    );
    assert_eq!(regs.rax as i64, pvirq::abi::STATUS_NOT_SUPPORTED);
}
