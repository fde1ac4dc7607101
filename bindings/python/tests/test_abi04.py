# SPDX-License-Identifier: MIT
"""ABI 0.4 host API through the Python package: the shared-state page over
guest RAM the test owns, priority classes and the floor, the NMI class,
level rVID inputs with their resample callback, and their migration."""
import ctypes
import unittest

import pvirq
from pvirq import _constants as c

PAGE = c.PVIRQ_SHARED_STATE_SIZE
RAM_BASE = 0x40000000


class GuestRam:
    """Four pages of 'guest RAM' (8-byte aligned words) at RAM_BASE."""

    def __init__(self, pages=4):
        self.words = (ctypes.c_uint64 * (pages * PAGE // 8))()
        self.size = pages * PAGE
        self.calls = []

    def __call__(self, vcpu, gpa, size):
        self.calls.append((vcpu, gpa, size))
        if not RAM_BASE <= gpa <= RAM_BASE + self.size - size:
            return None
        return ctypes.addressof(self.words) + (gpa - RAM_BASE)

    def word(self, gpa, index):
        return self.words[(gpa - RAM_BASE) // 8 + index]


class SharedStateTest(unittest.TestCase):
    def test_share_moves_the_words_into_guest_ram(self):
        ram = GuestRam()
        with pvirq.VM(2, guest_page=ram) as vm:
            cpu = vm.vcpu(1)
            self.assertIsNone(cpu.shared_state)
            cpu.enable()
            cpu.clear_masked(40)
            cpu.signal(40)
            cpu.disable()  # a disabled instance keeps its latches
            cpu.share_state(RAM_BASE + PAGE)
            self.assertEqual(cpu.shared_state, RAM_BASE + PAGE)
            self.assertEqual(ram.calls, [(1, RAM_BASE + PAGE, PAGE)])
            # n = (T + U) / 32 = 2 state words; INTID 40 is lane 8 of word 1:
            # pending, not masked; every other lane masked.
            self.assertEqual(ram.word(RAM_BASE + PAGE, 1),
                             (0xAAAAAAAAAAAAAAAA & ~(2 << 16)) | (1 << 16))
            cpu.enable()
            with self.assertRaises(pvirq.InstanceEnabled):
                cpu.unshare_state()
            self.assertTrue(cpu.rearm())
            self.assertEqual(cpu.acknowledge(), 40)
            # The guest's in-memory end of interrupt: clear the masked bit.
            ram.words[(PAGE // 8) + 1] &= ~(2 << 16)
            self.assertFalse(cpu.is_masked(40))
            cpu.disable()
            cpu.unshare_state()
            self.assertIsNone(cpu.shared_state)

    def test_bad_pages_are_refused(self):
        ram = GuestRam()
        with pvirq.VM(1, guest_page=ram) as vm, pvirq.VM(1) as no_ram:
            with self.assertRaises(pvirq.InvalidArgument):
                vm.vcpu(0).share_state(RAM_BASE + 8)  # not page aligned
            with self.assertRaises(pvirq.InvalidArgument):
                vm.vcpu(0).share_state(RAM_BASE + 64 * PAGE)  # not guest RAM
            with self.assertRaises(pvirq.InvalidArgument):
                no_ram.vcpu(0).share_state(RAM_BASE)  # no guest_page at all
            vm.vcpu(0).enable()
            with self.assertRaises(pvirq.InstanceEnabled):
                vm.vcpu(0).share_state(RAM_BASE)


class PriorityTest(unittest.TestCase):
    def test_highest_class_first_and_the_floor(self):
        with pvirq.VM(1) as vm:
            cpu = vm.vcpu(0)
            cpu.enable()
            for intid, cls in ((3, 0), (4, 2), (5, 1)):
                cpu.set_priority(intid, cls)
                self.assertEqual(cpu.priority(intid), cls)
                cpu.clear_masked(intid)
                cpu.signal(intid)
            cpu.priority_mask = 1
            self.assertEqual(cpu.priority_mask, 1)
            self.assertEqual([cpu.acknowledge(), cpu.acknowledge()], [4, 5])
            with self.assertRaises(pvirq.NoInterrupt):
                cpu.acknowledge()  # 3 is held off by the floor
            self.assertFalse(cpu.line)
            cpu.priority_mask = 0
            self.assertTrue(cpu.line)
            self.assertEqual(cpu.acknowledge(), 3)
            with self.assertRaises(pvirq.InvalidArgument):
                cpu.set_priority(3, 3)  # the NMI class needs an NMI line
            with self.assertRaises(pvirq.InvalidArgument):
                cpu.priority_mask = 4

    def test_nmi_class_is_on_the_nmi_edge(self):
        kicks = []
        with pvirq.VM(2, nmi_line=True, notify=kicks.append) as vm:
            cpu = vm.vcpu(1)
            cpu.enable()
            cpu.set_priority(9, c.PVIRQ_PRIORITY_NMI)
            cpu.clear_masked(9)
            self.assertFalse(cpu.take_nmi())
            cpu.signal(9)
            self.assertEqual(kicks, [1])
            self.assertTrue(cpu.take_nmi())
            self.assertFalse(cpu.take_nmi())  # once
            self.assertFalse(cpu.rearm())  # not on the IRQ line
            self.assertEqual(cpu.acknowledge_nmi(), 9)
            with self.assertRaises(pvirq.NoInterrupt):
                cpu.acknowledge_nmi()


class LevelInputTest(unittest.TestCase):
    def test_level_input_repends_at_resample_while_high(self):
        resampled = []
        with pvirq.VM(1, nr_rvid_inputs=2, resample=resampled.append) as vm:
            cpu, rvid = vm.vcpu(0), vm.rvid
            cpu.enable()
            cpu.clear_masked(40)
            rvid.map(1, 0, 40)
            with self.assertRaises(pvirq.InvalidArgument):
                rvid.set_level(1, True)  # edge-triggered
            rvid.set_trigger(1, True)
            self.assertFalse(rvid.level(1))
            rvid.set_level(1, True)
            self.assertTrue(rvid.level(1))
            self.assertEqual(cpu.acknowledge(), 40)
            # The guest's end of interrupt: RESAMPLE, then unmask. The
            # level is still high, so 40 is pending again.
            rvid.resample(1)
            self.assertEqual(resampled, [1])
            self.assertTrue(cpu.is_pending(40))
            cpu.clear_masked(40)
            self.assertEqual(cpu.acknowledge(), 40)
            rvid.set_level(1, False)  # the device was serviced
            rvid.resample(1)
            cpu.clear_masked(40)
            self.assertFalse(cpu.is_pending(40))
            rvid.resample(0)  # an edge input: nothing, no callback
            self.assertEqual(resampled, [1, 1])


class MigrationTest(unittest.TestCase):
    def test_abi04_state_migrates_through_guest_ram(self):
        src_ram, dst_ram = GuestRam(), GuestRam()
        with pvirq.VM(2, nr_rvid_inputs=2, nmi_line=True, guest_page=src_ram) as src:
            src.vcpu(0).share_state(RAM_BASE + 2 * PAGE)
            src.vcpu(0).enable()
            src.vcpu(0).set_priority(7, 2)
            src.vcpu(1).priority_mask = 3
            src.rvid.set_trigger(0, True)
            data = src.save()
            self.assertEqual(len(data), src.snapshot_size)
            with self.assertRaises(pvirq.UnsupportedVersion):
                src.save(version=2)  # a page, a class, a floor, a level input
        config = pvirq.snapshot_config(data)
        self.assertTrue(config["nmi_line"])
        with pvirq.VM.from_snapshot(data, guest_page=dst_ram) as dst:
            self.assertEqual(dst.vcpu(0).shared_state, RAM_BASE + 2 * PAGE)
            self.assertEqual(dst.vcpu(0).priority(7), 2)
            self.assertEqual(dst.vcpu(1).priority_mask, 3)
            with self.assertRaises(pvirq.InvalidArgument):
                dst.rvid.set_level(1, True)  # input 1 is still edge
            dst.rvid.set_level(0, False)  # input 0 is level-triggered
            self.assertEqual(dst.save(), data)
            # The words are in the destination's RAM: class word n + 0
            # (n = 2) holds INTID 7's class 2 at bits 14..15.
            self.assertEqual(dst_ram.word(RAM_BASE + 2 * PAGE, 2), 2 << 14)
        with self.assertRaises(pvirq.ConfigMismatch):
            pvirq.VM.from_snapshot(data)  # no guest RAM for the page

    def test_older_versions_when_the_state_fits(self):
        with pvirq.VM(1) as vm:
            vm.vcpu(0).enable()
            old = vm.save(version=1)
            self.assertEqual(old[8], 1)
            self.assertLess(len(old), vm.snapshot_size)
            with pvirq.VM.from_snapshot(old) as copy:
                self.assertEqual(copy.save(version=1), old)


if __name__ == "__main__":
    unittest.main()
