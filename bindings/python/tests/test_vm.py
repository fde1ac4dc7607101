# SPDX-License-Identifier: MIT
"""Behaviour of the VM, vCPU and rVID wrappers: each assertion would fail if
a call, an argument or an error were mapped wrongly."""
import gc
import unittest

import pvirq
from pvirq import errors


def make_vm(**kw):
    kw.setdefault("nr_untrusted", 64)
    kw.setdefault("nr_rvid_inputs", 8)
    return pvirq.VM(kw.pop("nr_vcpus", 2), **kw)


class ConfigTest(unittest.TestCase):
    def test_bad_configurations_raise_invalid_argument(self):
        cases = [
            dict(nr_vcpus=0),
            dict(nr_vcpus=4097),
            dict(nr_vcpus=1, nr_trusted=16),
            dict(nr_vcpus=1, nr_trusted=48),
            dict(nr_vcpus=1, nr_untrusted=0),
            dict(nr_vcpus=1, nr_trusted=1024, nr_untrusted=1056),
            dict(nr_vcpus=1, nr_rvid_inputs=65537),
            dict(nr_vcpus=2, cpu_ids=[7]),
            dict(nr_vcpus=2, cpu_ids=[7, 7]),
            dict(nr_vcpus=1, cpu_ids=[-1]),
            dict(nr_vcpus=1, cpu_ids=[1 << 64]),
            dict(nr_vcpus=(1 << 32) + 1),  # would truncate to 1 in ctypes
        ]
        for case in cases:
            with self.subTest(case=case):
                with self.assertRaises(errors.InvalidArgument) as ctx:
                    pvirq.VM(**case)
                self.assertEqual(ctx.exception.code, -1)
                self.assertIsInstance(ctx.exception, ValueError)

    def test_counts_and_footprint(self):
        with pvirq.VM(3, nr_trusted=64, nr_untrusted=96, nr_rvid_inputs=10) as vm:
            self.assertEqual((vm.nr_vcpus, vm.nr_trusted, vm.nr_untrusted, vm.nr_rvid_inputs),
                             (3, 64, 96, 10))
            self.assertEqual(vm.handle % 64, 0)
        self.assertGreater(pvirq.VM.footprint(3, 64, 96, 10), pvirq.VM.footprint(1))
        with self.assertRaises(errors.InvalidArgument):
            pvirq.VM.footprint(0)
        with self.assertRaises(errors.InvalidArgument):
            pvirq.VM.footprint((1 << 32) + 1)  # would truncate to 1

    def test_closed_vm_refuses_operations(self):
        vm = make_vm()
        cpu = vm.vcpu(0)
        vm.close()
        vm.close()  # idempotent
        with self.assertRaises(ValueError):
            cpu.enable()
        with self.assertRaises(ValueError):
            vm.rvid.inject(0)

    def test_cpu_ids(self):
        with pvirq.VM(3, cpu_ids=[0x10, 0x2, 0x300]) as vm:
            self.assertEqual(vm.vcpu_by_cpu_id(0x300).index, 2)
            self.assertEqual(vm.vcpu(0).cpu_id, 0x10)
            with self.assertRaises(errors.NoSuchVcpu):
                vm.vcpu_by_cpu_id(0)
            with self.assertRaises(errors.NoSuchVcpu):
                vm.vcpu_by_cpu_id(-1)


class RvicTest(unittest.TestCase):
    def setUp(self):
        self.vm = make_vm()
        self.cpu = self.vm.vcpu(0)

    def tearDown(self):
        self.vm.close()

    def test_reset_state(self):
        for cpu in self.vm.vcpus:
            self.assertFalse(cpu.enabled)
            self.assertFalse(cpu.line)
            for intid in range(96):
                self.assertTrue(cpu.is_masked(intid))
                self.assertFalse(cpu.is_pending(intid))

    def test_argument_errors(self):
        with self.assertRaises(errors.NoSuchVcpu):
            self.vm.vcpu(2)
        for bad in (96, -1, 1 << 32, (1 << 32) + 3):  # the last would truncate to 3
            with self.subTest(intid=bad), self.assertRaises(errors.InvalidIntid):
                self.cpu.signal(bad)
        with self.assertRaises(errors.InvalidIntid):
            self.cpu.set_level(32, True)  # untrusted: no level line

    def test_signal_mask_acknowledge_cycle(self):
        cpu = self.cpu
        with self.assertRaises(errors.Disabled):
            cpu.signal(3)
        self.assertFalse(cpu.is_pending(3))
        cpu.enable()
        self.assertTrue(cpu.enabled)
        with self.assertRaises(errors.NoInterrupt):
            cpu.acknowledge()
        cpu.signal(3)
        self.assertTrue(cpu.is_pending(3))
        self.assertFalse(cpu.line)
        cpu.clear_masked(3)
        self.assertTrue(cpu.line)
        self.assertEqual(cpu.acknowledge(), 3)
        self.assertTrue(cpu.is_masked(3))
        self.assertFalse(cpu.is_pending(3))
        cpu.clear_masked(3)
        cpu.signal(3)
        cpu.set_masked(3)
        self.assertFalse(cpu.line)
        cpu.clear_masked(3)
        cpu.clear_pending(3)
        self.assertFalse(cpu.line)
        cpu.signal(3)
        cpu.disable()
        self.assertFalse(cpu.line)
        with self.assertRaises(errors.Disabled):
            cpu.acknowledge()

    def test_round_robin_order(self):
        cpu = self.cpu
        cpu.enable()
        for intid in (5, 9, 70):
            cpu.clear_masked(intid)
            cpu.signal(intid)
        order = []
        while True:
            try:
                intid = cpu.acknowledge()
            except errors.NoInterrupt:
                break
            order.append(intid)
            cpu.clear_masked(intid)
            if len(order) == 1:
                cpu.signal(5)
        self.assertEqual(order, [5, 9, 70, 5])

    def test_levels_and_resample(self):
        high = set()
        with pvirq.VM(1, line_level=lambda v, i: (v, i) in high) as vm:
            cpu = vm.vcpu(0)
            cpu.enable()
            cpu.resample(7)
            self.assertFalse(cpu.is_pending(7))
            high.add((0, 7))
            cpu.resample(7)
            self.assertTrue(cpu.is_pending(7))
            cpu.set_level(8, True)
            self.assertTrue(cpu.level(8))
            self.assertTrue(cpu.is_pending(8))
            cpu.set_level(8, False)
            self.assertFalse(cpu.level(8))

    def test_notify_once_per_rearm(self):
        calls = []
        with pvirq.VM(2, notify=calls.append) as vm:
            cpu = vm.vcpu(1)
            cpu.enable()
            for intid in (1, 2):
                cpu.clear_masked(intid)
                cpu.signal(intid)
            self.assertEqual(calls, [1])
            self.assertTrue(cpu.rearm())
            self.assertEqual([cpu.acknowledge(), cpu.acknowledge()], [1, 2])
            self.assertFalse(cpu.rearm())
            cpu.clear_masked(1)
            cpu.signal(1)
            self.assertEqual(calls, [1, 1])

    def test_reset(self):
        cpu = self.cpu
        cpu.enable()
        cpu.clear_masked(33)
        cpu.signal(33)
        self.vm.rvid.map(1, 0, 33)
        self.vm.reset()
        self.assertFalse(cpu.enabled)
        self.assertFalse(cpu.is_pending(33))
        self.assertIsNone(self.vm.rvid.lookup(1))


class RvidTest(unittest.TestCase):
    def test_map_lookup_inject_msi_unmap(self):
        with make_vm() as vm:
            rvid = vm.rvid
            self.assertIsNone(rvid.lookup(0))
            with self.assertRaises(errors.Unmapped):
                rvid.inject(0)
            with self.assertRaises(errors.InvalidInput):
                rvid.map(8, 0, 40)
            with self.assertRaises(errors.NoSuchVcpu):
                rvid.map(0, 2, 40)
            with self.assertRaises(errors.InvalidIntid):
                rvid.map(0, 0, 31)  # trusted: not mappable
            rvid.map(0, 1, 40)
            self.assertEqual(rvid.lookup(0), (1, 40))
            with self.assertRaises(errors.Disabled):
                rvid.inject(0)
            cpu = vm.vcpu(1)
            cpu.enable()
            rvid.inject(0)
            self.assertTrue(cpu.is_pending(40))
            cpu.clear_pending(40)
            with self.assertRaises(errors.NotDoorbell):
                rvid.msi(pvirq.MSI_DOORBELL + 4, 0)
            with self.assertRaises(errors.InvalidInput):
                rvid.msi(pvirq.MSI_DOORBELL, 8)
            rvid.msi(pvirq.MSI_DOORBELL, 0)
            self.assertTrue(cpu.is_pending(40))
            rvid.unmap(0)
            self.assertIsNone(rvid.lookup(0))

    def test_retarget_moves_pending(self):
        with make_vm() as vm:
            for cpu in vm.vcpus:
                cpu.enable()
            vm.rvid.map(3, 0, 50)
            vm.rvid.inject(3)
            vm.rvid.map(3, 1, 60)
            self.assertFalse(vm.vcpu(0).is_pending(50))
            self.assertTrue(vm.vcpu(1).is_pending(60))


class ErrorTest(unittest.TestCase):
    def test_hierarchy_mirrors_the_codes(self):
        self.assertEqual(sorted(errors.BY_CODE), list(range(-18, 0)))
        for code, cls in errors.BY_CODE.items():
            self.assertTrue(issubclass(cls, pvirq.PvirqError))
            self.assertEqual(cls.code, code)
            self.assertNotEqual(pvirq.strerror(code), "unknown error")
        for cls in (errors.Truncated, errors.BadMagic, errors.UnsupportedVersion,
                    errors.BadChecksum, errors.ConfigMismatch, errors.Corrupt):
            self.assertTrue(issubclass(cls, errors.SnapshotError))

    def test_message_is_the_libraries(self):
        with make_vm() as vm:
            vm.vcpu(0).enable()
            with self.assertRaises(errors.NoInterrupt) as ctx:
                vm.vcpu(0).acknowledge()
        self.assertEqual(str(ctx.exception), "no deliverable interrupt")
        self.assertEqual(ctx.exception.code, -5)


class LifetimeTest(unittest.TestCase):
    def test_garbage_collected_vm_frees_and_keeps_callbacks_alive(self):
        calls = []
        vm = pvirq.VM(1, notify=calls.append)
        gc.collect()  # the thunk must survive: the C side holds it
        cpu = vm.vcpu(0)
        cpu.enable()
        cpu.clear_masked(0)
        cpu.signal(0)
        self.assertEqual(calls, [0])
        del vm, cpu
        gc.collect()


if __name__ == "__main__":
    unittest.main()
