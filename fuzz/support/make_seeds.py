#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seed inputs of the fuzz targets (fuzz/corpus/<name>/
seed_*). Each seed is a readable scenario in the byte format the harness
decodes (fuzz/support/world.c, abi_oracle.c, fuzz_<arch>.c), so the fuzzer
starts from inputs that reach deep states: enabled instances, unmasked and
pending INTIDs, mapped rVID inputs, retargets, hostile arguments.

    python3 fuzz/support/make_seeds.py      (from the repository root)
"""
import os
import struct

# fuzz_world_host_step() opcodes.
(EN, DIS, MASK, UNMASK, SIG, CLRP, ACK, RESAMPLE, LEVEL, MAP, MAP2, UNMAP,
 INJ, INJ2, MSI, REARM, QUERY, RESET) = range(18)


def u32(v):
    return struct.pack('<I', v & 0xFFFFFFFF)


def u64(v):
    return struct.pack('<Q', v & 0xFFFFFFFFFFFFFFFF)


def cfg(shape, inputs, idmode=0):
    """VM shape byte (vcpus = 1 + s%4, T = 32*(1 + (s>>2)%2),
    U = 32*(1 + (s>>3)%3)), rVID inputs, CPU-id mode (1: MPIDR-like)."""
    return bytes([shape, inputs, idmode]) + (b'\x00' if idmode == 0 else b'')


def host(*ops):
    """Host steps inside an ABI target: selector < 0x50, then the op."""
    return b''.join(b'\x00' + bytes(op) for op in ops)


# oracle_pick_arg(): a CPU id of vCPU k, a small number, raw 64 bits, or a
# small number + 2^32 (truncation trap).
def cpu(k):
    return bytes([0x00, k])


def small(v):
    return bytes([0x40, v])


def trap(v):
    return bytes([0x47, v])


def raw(v):
    return b'\xC0' + u64(v)


NONE = small(0)


def arm64(vcpu, rvid, n, a1=NONE, a2=NONE, a3=NONE, form=0xE0):
    """SMCCC call: pick_id (form 0xE0: a valid ID), X1..X3."""
    return b'\xFF' + bytes([vcpu, form | rvid, n]) + a1 + a2 + a3


def x86(vcpu, rvid, n, a1=NONE, a2=NONE, a3=NONE, vector=None, form=0xE0):
    """Hypercall: vector selector (< 0x40: the VMM's own vector), RAX, RBX,
    RCX, RSI."""
    vsel = bytes([0x00, vector]) if vector is not None else b'\xFF\x00'
    return b'\xFF' + bytes([vcpu]) + vsel + bytes([form | rvid, n]) + a1 + a2 + a3


def sbi(vcpu, rvid, n, a0=NONE, a1=NONE, a2=NONE):
    """SBI call: EID selector (0xE0: ours), FID (plain n), A0..A2."""
    return b'\xFF' + bytes([vcpu, 0xE0 | rvid, 0x60 | n]) + a0 + a1 + a2


def scenarios(call):
    """The same guest scenarios for every binding."""
    two = cfg(1, 4, 1)  # 2 vCPUs, T = 32, U = 32, 4 inputs, MPIDR-like ids
    return {
        'discovery': two + call(0, 0, 0) + call(0, 0, 1, small(0)) +
        call(0, 0, 1, small(1)) + call(0, 0, 1, small(2)) + call(0, 0, 1, small(3)) +
        call(0, 0, 1, small(4)) + call(0, 0, 1, small(9)) + call(0, 1, 0) +
        call(0, 0, 15) + call(0, 1, 3),
        'device_irq': two + call(1, 0, 2) + call(1, 0, 5, cpu(1), small(40)) +
        call(1, 1, 1, small(0), cpu(1), small(40)) + host([INJ, 0, 0, 0]) +
        host([REARM, 1, 0]) + call(1, 0, 9) + call(1, 0, 5, cpu(1), small(40)) +
        call(1, 0, 9),
        'ipi': two + call(0, 0, 2) + call(1, 0, 2) + call(1, 0, 5, cpu(0), small(3)) +
        call(1, 0, 7, cpu(0), small(3)) + call(0, 0, 6, cpu(0), small(3)) +
        host([REARM, 0, 0]) + call(0, 0, 9) + call(0, 0, 8, cpu(0), small(3)) +
        call(0, 0, 3) + call(1, 0, 7, cpu(0), small(3)),
        'retarget': two + call(0, 0, 2) + call(1, 0, 2) +
        call(0, 1, 1, small(2), cpu(0), small(33)) + call(0, 0, 4, cpu(0), small(33)) +
        host([INJ, 0, 0, 2]) + call(0, 0, 4, cpu(1), small(34)) +
        call(0, 1, 1, small(2), cpu(1), small(34)) + call(0, 0, 5, cpu(1), small(34)) +
        host([REARM, 1, 0]) + call(1, 0, 9) + call(0, 1, 2, small(2)) +
        host([INJ, 0, 0, 2]),
        'level_resample': two + call(0, 0, 2) + call(0, 0, 5, cpu(0), small(7)) +
        host([LEVEL, 0, 7, 1]) + call(0, 0, 9) + call(0, 0, 10, small(7)) +
        call(0, 0, 5, cpu(0), small(7)) + call(0, 0, 9) + host([LEVEL, 0, 7, 0]) +
        call(0, 0, 10, small(7)) + call(0, 0, 10, small(40)),
        'hostile_args': two + call(0, 0, 2) + call(0, 0, 7, raw(1 << 40), small(1)) +
        call(0, 0, 7, cpu(1), trap(1)) + call(0, 0, 7, cpu(1), small(64)) +
        call(0, 0, 4, raw(0x100), raw(-1)) + call(0, 1, 1, trap(0), cpu(0), small(40)) +
        call(0, 1, 1, small(0), cpu(0), small(3)) + call(0, 1, 1, small(4), cpu(0), small(40)) +
        call(0, 1, 1, small(0), raw(0xFFFF), small(40)) + call(0, 1, 2, raw(1 << 32)) +
        call(0, 0, 1, raw(1 << 32)) + call(0, 0, 10, trap(2)) + call(5, 0, 0),
    }


def write(name, seeds):
    d = os.path.join('fuzz', 'corpus', name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(d, 'seed_' + k), 'wb') as f:
            f.write(v)


def main():
    write('arm64', scenarios(arm64))
    extra = scenarios(arm64)
    extra['foreign_ids'] = cfg(0, 1, 0) + arm64(0, 0, 7, form=0x00) + arm64(0, 0, 2, form=0x20) + \
        arm64(0, 0, 2, form=0x40) + arm64(0, 1, 1, form=0x60) + arm64(0, 0, 2, form=0x80) + \
        arm64(0, 0, 9, form=0xA0)
    write('arm64', {'foreign_ids': extra['foreign_ids']})
    x = scenarios(x86)
    x['own_vector'] = cfg(0, 1, 0) + x86(0, 0, 1, small(4), vector=0x40) + \
        x86(0, 0, 1, small(4), vector=0x10) + x86(0, 0, 1, small(4)) + \
        x86(0, 0, 2, form=0x00) + x86(0, 0, 2, form=0x20) + x86(0, 0, 2, form=0x40)
    write('x86_64', x)
    r = scenarios(sbi)
    r['foreign_eids'] = cfg(0, 1, 0) + b'\xFF\x00\x00\x00\x01\x02' + NONE * 3 + \
        b'\xFF\x00\x20\x05' + NONE * 3 + b'\xFF\x00\x40' + u64(0x08525643) + b'\x02' + \
        NONE * 3 + b'\xFF\x00\xE0\x00' + u32(7) + NONE * 3 + b'\xFF\x00\xE0\x20' + \
        u64((1 << 32) | 2) + NONE * 3
    write('riscv64', r)


if __name__ == '__main__':
    main()
