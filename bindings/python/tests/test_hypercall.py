# SPDX-License-Identifier: MIT
"""The three decoders through the Python API: one guest session, replayed on
each architecture's register convention, must have the same effects."""
import unittest

import pvirq
from pvirq import hypercall as hc

SUCCESS, ERROR_PARAMETER, INVALID_CPU, NO_INTERRUPTS = 0, 1, 2, 4


def guest_call(cpu, arch, rvic, n, args):
    """(handled, status word, value) of one call in arm64/x86 terms."""
    fid = hc.rvic_id(n) if rvic else hc.rvid_id(n)
    if arch == "arm64":
        regs = [fid, *args, 4, 5, 6, 7]
        handled = cpu.handle_arm64_smccc(regs)
        assert regs[4:] == [4, 5, 6, 7], "x4..x7 preserved"
        return handled, regs[0] - (1 << 64) if regs[0] >> 63 else regs[0], regs[1]
    if arch == "x86":
        regs = pvirq.X86Regs(rax=fid, rbx=args[0], rcx=args[1], rdx=0x0A50, rsi=args[2], rdi=9)
        handled = cpu.handle_x86_hypercall(regs)
        assert (regs.rdx, regs.rdi) == (0x0A50, 9), "rdx, rdi preserved"
        return handled, regs.rax - (1 << 64) if regs.rax >> 63 else regs.rax, regs.rbx
    eid = hc.RISCV_EID_RVIC if rvic else hc.RISCV_EID_RVID
    regs = [*args, 3, 4, 5, n, eid]
    handled = cpu.handle_riscv_sbi(regs)
    if regs[0] == 0:
        return handled, 0, regs[1]
    return handled, regs[1] - (1 << 64) if regs[1] >> 63 else regs[1], 0


class DecoderTest(unittest.TestCase):
    def test_one_session_on_every_architecture(self):
        session = [
            (True, 0, [0, 0, 0], SUCCESS, hc.ABI_VERSION),
            (True, 1, [1, 0, 0], SUCCESS, 32),
            (True, 2, [0, 0, 0], SUCCESS, 0),
            (True, 5, [0x101, 40, 0], SUCCESS, 0),
            (False, 1, [2, 0x101, 40], SUCCESS, 0),
            (True, 9, [0, 0, 0], NO_INTERRUPTS, 0),
            (True, 5, [0x101, (1 << 32) + 40, 0], ERROR_PARAMETER | 1 << 8, 0),
            (True, 7, [0x999, 40, 0], INVALID_CPU, 0),
            (False, 1, [2, 0x101, 5], ERROR_PARAMETER | 2 << 8, 0),
            (True, 0x7F, [0, 0, 0], -1, 0),
        ]
        for arch in ("arm64", "x86", "riscv"):
            with pvirq.VM(2, cpu_ids=[0x000, 0x101], nr_rvid_inputs=4) as vm:
                cpu = vm.vcpu(1)
                for rvic, n, args, status, value in session:
                    with self.subTest(arch=arch, rvic=rvic, n=n, args=args):
                        self.assertEqual(guest_call(cpu, arch, rvic, n, args),
                                         (True, status, value))
                vm.rvid.inject(2)
                self.assertTrue(cpu.line)
                self.assertEqual(guest_call(cpu, arch, True, 9, [0, 0, 0]), (True, SUCCESS, 40))
                self.assertFalse(vm.vcpu(0).enabled)

    def test_foreign_calls_are_untouched(self):
        with pvirq.VM(1) as vm:
            cpu = vm.vcpu(0)
            psci = [0x84000000, 1, 2, 3, 4, 5, 6, 7]
            self.assertFalse(cpu.handle_arm64_smccc(psci))
            self.assertEqual(psci, [0x84000000, 1, 2, 3, 4, 5, 6, 7])
            kvm = pvirq.X86Regs(rax=12, rbx=1)
            self.assertFalse(cpu.handle_x86_hypercall(kvm))
            self.assertEqual((kvm.rax, kvm.rbx), (12, 1))
            base = [0] * 7 + [0x10]
            self.assertFalse(cpu.handle_riscv_sbi(base))
            self.assertEqual(base, [0] * 7 + [0x10])

    def test_register_values_are_checked_not_truncated(self):
        with pvirq.VM(1) as vm:
            cpu = vm.vcpu(0)
            for bad in ([1] * 7, [1 << 64] + [0] * 7, [-1] + [0] * 7):
                with self.subTest(regs=bad), self.assertRaises(pvirq.InvalidArgument):
                    cpu.handle_arm64_smccc(bad)
            with self.assertRaises(pvirq.InvalidArgument):
                cpu.handle_x86_hypercall(pvirq.X86Regs(rax=hc.rvic_id(1), rbx=4), upcall_vector=0x1F)

    def test_x86_upcall_vector(self):
        with pvirq.VM(1) as vm:
            regs = pvirq.X86Regs(rax=hc.rvic_id(1), rbx=4)  # INFO(UPCALL_VECTOR)
            self.assertTrue(vm.vcpu(0).handle_x86_hypercall(regs))
            self.assertEqual((regs.rax, regs.rbx), (0, hc.X86_UPCALL_VECTOR_DEFAULT))
            regs = pvirq.X86Regs(rax=hc.rvic_id(1), rbx=4)
            self.assertTrue(vm.vcpu(0).handle_x86_hypercall(regs, upcall_vector=0x40))
            self.assertEqual(regs.rbx, 0x40)

    def test_injection_helpers(self):
        self.assertTrue(hc.is_x86_doorbell(hc.X86_IO_PORT, 4, True))
        self.assertFalse(hc.is_x86_doorbell(hc.X86_IO_PORT, 4, False))
        self.assertFalse(hc.is_x86_doorbell(1 << 16 | hc.X86_IO_PORT, 4, True))
        self.assertEqual(hc.x86_entry_action(True, False), hc.X86EntryAction.REQUEST_WINDOW)
        self.assertEqual(hc.x86_entry_action(True, True), hc.X86EntryAction.INJECT)
        self.assertEqual(hc.x86_entry_action(False, True), hc.X86EntryAction.NOTHING)
        self.assertEqual(hc.arm64_hcr_el2_with_vi(1, True), 1 | 1 << 7)
        self.assertEqual(hc.arm64_kvm_irq_line(3, True), (3 << 16, 1))
        with self.assertRaises(pvirq.NoSuchVcpu):
            hc.arm64_kvm_irq_line(4096, True)
        self.assertEqual(hc.riscv_hvip_with_vseip(0, True), 1 << 10)
        self.assertEqual(hc.status_reason(0x102), 2)
        self.assertEqual(hc.status_index(0x102), 1)


if __name__ == "__main__":
    unittest.main()
