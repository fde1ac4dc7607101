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
 INJ, INJ2, MSI, REARM, QUERY, RESET, SETPRIO, SETMASK, ACKNMI, TAKENMI, SHARE,
 UNSHARE, TRIGGER, SETLVL, RVRESAMPLE, GUEST) = range(28)

# fuzz_world_guest_step() kinds (the byte after the vCPU).
(G_ACK, G_EOI, G_FLOOR, G_CLASS, G_STATE, G_FLOORJUNK, G_RESERVED, G_STALE) = range(8)


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


def page(vcpu, k=0, how=0):
    """An oracle_pick_arg() guest page: fuzz_world_pick_gpa() of vCPU vcpu's
    page k (how 5: misaligned, 4: another vCPU's, 6: outside RAM)."""
    return bytes([0xF0, vcpu, how if how else (k << 2)])


def priority_scenarios(call):
    """ABI 0.4 calls (SHARE/UNSHARE, SET_PRIORITY(_MASK), ACKNOWLEDGE_NMI,
    RVID_RESAMPLE) for every binding, with and without an NMI line."""
    out = {}
    for name, nmi in (('priority', 0), ('priority_nmi', 0x80)):
        out[name] = cfg(1, 4 | nmi, 1) + call(0, 0, 1, small(2)) + \
            call(0, 0, 12, page(0)) + call(0, 0, 2) + call(0, 0, 13) + \
            call(0, 0, 14, cpu(0), small(5), small(2)) + \
            call(0, 0, 14, cpu(0), small(6), small(3)) + \
            call(0, 0, 14, cpu(1), small(6), small(4)) + \
            call(0, 0, 5, cpu(0), small(5)) + call(0, 0, 5, cpu(0), small(6)) + \
            call(0, 0, 5, cpu(0), small(7)) + call(0, 0, 7, cpu(0), small(7)) + \
            call(0, 0, 7, cpu(0), small(6)) + call(0, 0, 7, cpu(0), small(5)) + \
            call(0, 0, 9) + call(0, 0, 15, small(3)) + call(0, 0, 9) + \
            call(0, 0, 16) + call(0, 0, 16) + call(0, 0, 15, small(0)) + \
            call(0, 0, 9) + call(0, 0, 9) + call(0, 0, 15, small(4)) + \
            call(0, 1, 3, small(0)) + call(0, 1, 3, small(9)) + call(0, 0, 3) + \
            call(0, 0, 13) + call(0, 0, 12, page(0, how=5)) + \
            call(0, 0, 12, page(0, how=4)) + call(0, 0, 12, page(0, 1)) + \
            call(0, 0, 12, raw(1 << 63)) + call(0, 0, 2) + \
            call(0, 0, 14, cpu(0), small(9), small(2)) + call(0, 0, 15, small(1)) + \
            call(0, 0, 11) + call(0, 0, 6, cpu(0), small(9)) + call(0, 0, 9)
    return out


def engine_seeds():
    """Host-level scenarios of fuzz_engine (steps without a selector)."""
    two_nmi = cfg(1, 0x84, 0)
    op = lambda *b: bytes(b)
    return {
        'priority_order': two_nmi + op(EN, 0, 0) + b''.join(
            op(UNMASK, 0, i) for i in (3, 5, 40, 41, 42)) +
        op(SETPRIO, 0, 5, 2) + op(SETPRIO, 0, 40, 1) + op(SETPRIO, 0, 41, 3) +
        op(SETPRIO, 0, 42, 1) + op(SETPRIO, 0, 3, 7) +
        b''.join(op(SIG, 0, i) for i in (3, 5, 40, 41, 42)) + op(TAKENMI, 0, 0) +
        op(ACK, 0, 0) + op(SETMASK, 0, 0, 2) + op(ACK, 0, 0) + op(SETMASK, 0, 0, 0) +
        op(ACK, 0, 0) + op(ACK, 0, 0) + op(ACK, 0, 0) + op(ACKNMI, 0, 0) +
        op(ACKNMI, 0, 0) + op(TAKENMI, 0, 0),
        'shared_page': two_nmi + op(SHARE, 0, 0, 0) + op(SHARE, 1, 0, 4) +
        op(EN, 0, 0) + op(UNSHARE, 0, 0) + op(UNMASK, 0, 3) + op(UNMASK, 0, 40) +
        op(SETPRIO, 0, 40, 2) + op(REARM, 0, 0) + op(SIG, 0, 3) + op(SIG, 0, 40) +
        op(GUEST, 0, 0, 0, G_ACK, 0) + op(GUEST, 0, 0, 0, G_EOI, 40) +
        op(SIG, 0, 40) + op(GUEST, 0, 0, 0, G_EOI, 40, 0) + op(REARM, 0, 0) +
        op(GUEST, 0, 0, 0, G_FLOOR, 3) + op(GUEST, 0, 0, 0, G_FLOOR, 0, 1) +
        op(GUEST, 0, 0, 0, G_CLASS, 1, 0, 16) + op(ACK, 0, 0) +
        op(GUEST, 0, 0, 0, G_STATE, 0) + u64(0x5555) + op(ACK, 0, 0) +
        op(GUEST, 0, 0, 0, G_FLOORJUNK) + u64(0xFFFFFFFFFFFFFFFE) +
        op(GUEST, 0, 0, 0, G_RESERVED, 3) + u64(0x5555555555555555) +
        op(GUEST, 0, 0, 0, G_STALE, 1, 0) + u64(0x5555555555555555) +
        op(DIS, 0, 0) + op(UNSHARE, 0, 0) + op(SHARE, 0, 0, 1) + op(SHARE, 0, 0, 4) +
        op(SHARE, 0, 0, 5) + op(GUEST, 0, 0, 0, G_STALE, 0, 1) + u64(1) + op(EN, 0, 0),
        'level_input': two_nmi + op(TRIGGER, 0, 0, 0, 1) + op(MAP, 0, 40, 0) +
        op(EN, 0, 0) + op(UNMASK, 0, 40) + op(SETLVL, 0, 0, 0, 1) + op(ACK, 0, 0) +
        op(RVRESAMPLE, 0, 0, 0, 0) + op(UNMASK, 0, 40) + op(ACK, 0, 0) +
        op(RVRESAMPLE, 0, 0, 0, 1) + op(UNMASK, 0, 40) + op(SETLVL, 0, 0, 0, 1) +
        op(MAP, 1, 41, 0) + op(EN, 1, 0) + op(DIS, 1, 0) + op(EN, 1, 0) +
        op(UNMAP, 0, 0, 0) + op(MAP, 0, 42, 0) + op(SETLVL, 0, 0, 0, 0) +
        op(RVRESAMPLE, 0, 0, 0, 0) + op(TRIGGER, 0, 0, 0, 0) + op(SETLVL, 0, 0, 0, 1) +
        op(QUERY, 0, 0, 10),
    }


def hostile_seeds():
    """fuzz_hostile_page: hostile mask, config, then steps (< 0x40: a store
    into hostile RAM; else a host step)."""
    two = cfg(1, 0x84, 0)
    host_ = lambda *b: b'\x40' + bytes(b)
    # scribble(): kind byte (sel % 6: word kind, (sel >> 3) % 4: value kind),
    # page byte, word byte (state, class, reserved) or u32 (anywhere).
    all_pending = lambda kind, k, word: b'\x00' + bytes([kind | (1 << 3), k, word])
    return {
        'scribble_state': b'\x01' + two + host_(SHARE, 0, 0, 0) + host_(SHARE, 1, 0, 0) +
        host_(EN, 0, 0) + host_(EN, 1, 0) + host_(UNMASK, 1, 3) + host_(REARM, 1, 0) +
        all_pending(0, 0, 0) + host_(ACK, 0, 0) + host_(ACK, 1, 0) +
        host_(SIG, 0, 3) + host_(SIG, 1, 3) + all_pending(1, 0, 1) + host_(ACK, 0, 0) +
        b'\x00' + bytes([2 | (3 << 3), 0]) + u64(0xFFFFFFFFFFFFFFFC) + host_(ACK, 0, 0) +
        host_(ACKNMI, 0, 0) + host_(REARM, 0, 0) + host_(DIS, 0, 0) +
        host_(UNSHARE, 0, 0) + host_(EN, 0, 0) + host_(ACK, 0, 0),
        'scribble_during': b'\x03' + two + host_(SHARE, 0, 0, 0) + host_(EN, 0, 0) +
        host_(UNMASK, 0, 3) + host_(REARM, 0, 0) + host_(SIG, 0, 3) + b'\x01' +
        bytes([0 | (1 << 3), 0, 0]) + host_(TRIGGER, 0, 0, 0, 1) + host_(MAP, 0, 40, 0) +
        host_(SETLVL, 0, 0, 0, 1) + host_(RVRESAMPLE, 0, 0, 0, 0) + b'\x01' +
        bytes([5, 1]) + u32(3) + host_(ACK, 0, 0),
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
    write('arm64', priority_scenarios(arm64))
    write('x86_64', priority_scenarios(x86))
    write('riscv64', priority_scenarios(sbi))
    write('engine', engine_seeds())
    write('hostile_page', hostile_seeds())


if __name__ == '__main__':
    main()
