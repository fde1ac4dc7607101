#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The smallest useful embedding: create a VM, map a device input, inject
an edge, and let the vCPU acknowledge it.

    PYTHONPATH=bindings/python python3 bindings/python/examples/inject.py
"""
import pvirq


def main():
    with pvirq.VM(2, nr_rvid_inputs=4) as vm:
        cpu1 = vm.vcpu(1)
        cpu1.enable()  # guest: ENABLE on vCPU 1
        cpu1.clear_masked(40)  # guest: unmask INTID 40
        vm.rvid.map(0, 1, 40)  # guest: input 0 -> (vCPU 1, INTID 40)
        vm.rvid.inject(0)  # device model: raise an edge
        if cpu1.rearm():  # VMM: line high, inject; the guest acknowledges
            intid = cpu1.acknowledge()
            print(f"vCPU 1 took INTID {intid}")
            return intid
    return None


if __name__ == "__main__":
    raise SystemExit(0 if main() == 40 else 1)
