# SPDX-License-Identifier: MIT
"""Save/restore through the Python API."""
import unittest

import pvirq


def source():
    vm = pvirq.VM(3, cpu_ids=[0x10, 0x11, 0x12], nr_untrusted=64, nr_rvid_inputs=5)
    a, b = vm.vcpu(0), vm.vcpu(2)
    a.enable()
    a.clear_masked(3)
    a.signal(3)
    a.signal(4)
    b.enable()
    b.set_level(7, True)
    vm.rvid.map(4, 2, 90)
    return vm


def state(vm):
    return [(c.enabled, c.line, [(c.is_pending(i), c.is_masked(i)) for i in range(96)])
            for c in vm.vcpus], [vm.rvid.lookup(i) for i in range(vm.nr_rvid_inputs)]


class SnapshotTest(unittest.TestCase):
    def test_round_trip(self):
        with source() as src:
            data = src.save()
            self.assertEqual(len(data), src.snapshot_size)
            self.assertEqual(pvirq.snapshot_config(data),
                             dict(nr_vcpus=3, nr_trusted=32, nr_untrusted=64, nr_rvid_inputs=5,
                                  cpu_ids=[0x10, 0x11, 0x12], nmi_line=False))
            with pvirq.VM.from_snapshot(data) as dst:
                self.assertEqual(state(dst), state(src))
                self.assertTrue(dst.vcpu(2).level(7))
                self.assertEqual(dst.save(), data)
                self.assertTrue(dst.vcpu(0).rearm())
                self.assertEqual(dst.vcpu(0).acknowledge(), 3)

    def test_restore_in_place_and_mismatch(self):
        with source() as src, pvirq.VM(3, cpu_ids=[0x10, 0x11, 0x12], nr_untrusted=64,
                                       nr_rvid_inputs=5) as dst:
            data = src.save()
            dst.restore(bytearray(data))
            self.assertEqual(state(dst), state(src))
            with pvirq.VM(3, nr_untrusted=64, nr_rvid_inputs=5) as other:
                before = state(other)
                with self.assertRaises(pvirq.ConfigMismatch):
                    other.restore(data)
                self.assertEqual(state(other), before, "failed restore changed nothing")

    def test_damaged_snapshots(self):
        with source() as src:
            data = src.save()
        with pvirq.VM(3, cpu_ids=[0x10, 0x11, 0x12], nr_untrusted=64, nr_rvid_inputs=5) as dst:
            cases = [
                (b"", pvirq.Truncated),
                (data[:-1], pvirq.Truncated),
                (bytes([data[0] ^ 0xFF]) + data[1:], pvirq.BadMagic),
                (data[:40] + bytes([data[40] ^ 1]) + data[41:], pvirq.SnapshotError),
            ]
            for damaged, error in cases:
                with self.subTest(error=error.__name__), self.assertRaises(error):
                    dst.restore(damaged)
            with self.assertRaises(pvirq.SnapshotError):
                pvirq.snapshot_config(data[:-1])


if __name__ == "__main__":
    unittest.main()
