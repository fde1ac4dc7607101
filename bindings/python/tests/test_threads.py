# SPDX-License-Identifier: MIT
"""Concurrency through the binding (ctypes releases the GIL around C calls):
device threads inject while the vCPU thread sleeps until notified. A lost
wake-up hangs (CTest's timeout fails it); a lost or duplicated edge fails
the count."""
import threading
import unittest

import pvirq

EDGES = 300
DEVICES = 2


class ThreadsTest(unittest.TestCase):
    def test_every_edge_delivered_once_without_lost_wakeups(self):
        wake = threading.Event()
        vm = pvirq.VM(1, nr_rvid_inputs=DEVICES, notify=lambda vcpu: wake.set())
        cpu = vm.vcpu(0)
        cpu.enable()
        for device in range(DEVICES):
            cpu.clear_masked(32 + device)
            vm.rvid.map(device, 0, 32 + device)
        counts = [0] * DEVICES

        def vcpu_thread():
            taken = 0
            while taken < EDGES * DEVICES:
                wake.clear()  # before rearm: a notify after it sets the event again
                if not cpu.rearm():
                    wake.wait()
                    continue
                while True:
                    try:
                        intid = cpu.acknowledge()
                    except pvirq.NoInterrupt:
                        break
                    counts[intid - 32] += 1
                    taken += 1
                    cpu.clear_masked(intid)

        def device_thread(device):
            for _ in range(EDGES):
                # Only this thread raises this INTID: one new edge each time.
                while cpu.is_pending(32 + device):
                    pass
                vm.rvid.inject(device)

        threads = [threading.Thread(target=vcpu_thread)]
        threads += [threading.Thread(target=device_thread, args=(d,)) for d in range(DEVICES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(counts, [EDGES] * DEVICES)
        vm.close()


if __name__ == "__main__":
    unittest.main()
