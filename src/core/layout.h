/* SPDX-License-Identifier: MIT */
/*
 * Private layout of a VM in caller memory, shared by the core's files and by
 * nothing else. Not installed.
 *
 *   +--------------------+ 0
 *   | struct pvirq_vm    |  read-only after init: counts, offsets, callbacks
 *   +--------------------+ vcpus_offset (cache-line aligned)
 *   | vCPU 0 block       |  struct pvirq_vcpu + state words + level words,
 *   | vCPU 1 block       |  each block vcpu_stride bytes, a multiple of the
 *   | ...                |  cache line, so no two vCPUs share a line
 *   +--------------------+ rvid_offset
 *   | rVID entries       |  one atomic 64-bit word per input
 *   +--------------------+ occupancy_offset
 *   | rVID occupancy     |  per vCPU, one bit per untrusted INTID: some
 *   |                    |  input is mapped to it (derived from the table)
 *   +--------------------+ idmap_offset
 *   | CPU id -> index    |  sorted by id, for O(log n) target lookup
 *   +--------------------+
 *
 * One state word holds 32 INTIDs: INTID 32*i + k has its pending bit at
 * bit 2k and its masked bit at bit 2k+1 of word i. Both bits of an INTID
 * therefore change together in one atomic read-modify-write, which is what
 * makes every per-INTID transition (including acknowledge's
 * "pending && !masked -> masked && !pending") a single linearizable step.
 */
#ifndef PVIRQ_CORE_LAYOUT_H
#define PVIRQ_CORE_LAYOUT_H

#include <stdatomic.h>

#include "pvirq/pvirq.h"

#define PVIRQ_INTIDS_PER_WORD 32u
#define PVIRQ_MAX_STATE_WORDS (PVIRQ_MAX_INTIDS / PVIRQ_INTIDS_PER_WORD) /* 64: one summary word */
#define PVIRQ_PENDING_LANES 0x5555555555555555ull
#define PVIRQ_MASKED_LANES 0xAAAAAAAAAAAAAAAAull

/* rVID entry: bit 63 valid, bits 47..32 INTID, bits 31..0 vCPU index. */
#define PVIRQ_RVID_VALID (1ull << 63)

struct pvirq_vcpu {
	/* Bit i set: state word i may hold a deliverable INTID. Set after a
	 * word becomes deliverable, cleared lazily (then re-checked). */
	_Atomic uint64_t summary;
	_Atomic uint32_t enabled;
	/* The posted-interrupt "ON" bit: 1 from the first notify() until the
	 * vCPU's next pvirq_vcpu_rearm(). */
	_Atomic uint32_t notified;
	/* Where the next acknowledge starts searching; only ordering state. */
	_Atomic uint32_t ack_cursor;
	uint32_t reserved;
	uint64_t cpu_id;
	/* nr_state_words state words, then nr_level_words level-line words
	 * (bit t of level word t/64: software line of trusted INTID t, for
	 * t < nr_level_lines). */
	_Atomic uint64_t words[];
};

struct pvirq_idmap_entry {
	uint64_t cpu_id;
	uint32_t vcpu;
	uint32_t reserved;
};

struct pvirq_vm {
	uint32_t nr_vcpus;
	uint32_t nr_trusted;
	uint32_t nr_untrusted;
	uint32_t nr_intids;
	uint32_t nr_state_words;
	uint32_t nr_level_lines; /* min(T, PVIRQ_MAX_LEVEL_LINES) */
	uint32_t nr_level_words;
	uint32_t nr_rvid_inputs;
	uint32_t vcpu_stride;
	uint32_t nr_occupancy_words; /* per vCPU: ceil(U / 64) */
	size_t vcpus_offset;
	size_t rvid_offset;
	size_t occupancy_offset;
	size_t idmap_offset;
	size_t footprint;
	pvirq_notify_fn notify;
	void *notify_ctx;
	pvirq_line_level_fn line_level;
	void *line_level_ctx;
};

/*
 * Clamps an index that has passed its bounds check so that a mispredicted
 * check cannot be used to read out of bounds speculatively (Spectre v1):
 * returns idx when idx < bound and 0 otherwise, without a branch.
 */
static inline uint32_t pvirq_nospec(uint32_t idx, uint32_t bound)
{
	uint64_t mask = (uint64_t)((int64_t)((uint64_t)idx - (uint64_t)bound) >> 63);
#if defined(__GNUC__)
	__asm__("" : "+r"(mask)); /* keep the compiler from turning it into a branch */
#endif
	return idx & (uint32_t)mask;
}

/*
 * Index of the lowest set bit of @x, which must be non-zero. One
 * instruction where the ISA has one; riscv64 without Zbb has none, and gcc
 * would call libgcc's __ctzdi2, which a freestanding build cannot link, so
 * there a de Bruijn multiply does it (isolate the bit, multiply, look up).
 */
static inline uint32_t pvirq_ctz64(uint64_t x)
{
#if defined(__riscv) && !defined(__riscv_zbb)
	static const uint8_t index_of[64] = {
		0,  1,	48, 2,	57, 49, 28, 3,	61, 58, 50, 42, 38, 29, 17, 4,
		62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
		63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
		46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,	13, 8,	7,  6,
	};

	return index_of[((x & (~x + 1)) * 0x03F79D71B4CB0A89ull) >> 58];
#else
	return (uint32_t)__builtin_ctzll(x);
#endif
}

static inline struct pvirq_vcpu *pvirq_vcpu_at(const struct pvirq_vm *vm, uint32_t vcpu)
{
	return (struct pvirq_vcpu *)((uintptr_t)vm + vm->vcpus_offset +
				     (size_t)pvirq_nospec(vcpu, vm->nr_vcpus) * vm->vcpu_stride);
}

static inline _Atomic uint64_t *pvirq_rvid_at(const struct pvirq_vm *vm, uint32_t input)
{
	_Atomic uint64_t *table = (_Atomic uint64_t *)((uintptr_t)vm + vm->rvid_offset);
	return &table[pvirq_nospec(input, vm->nr_rvid_inputs)];
}

/* The occupancy word holding untrusted INTID @intid of vCPU @vcpu, and
 * its bit (pvirq_occupancy_bit). Both indices must have passed their
 * bounds checks; they are clamped again against speculation. */
static inline _Atomic uint64_t *pvirq_occupancy_word(const struct pvirq_vm *vm, uint32_t vcpu,
						     uint32_t intid)
{
	_Atomic uint64_t *base = (_Atomic uint64_t *)((uintptr_t)vm + vm->occupancy_offset);
	uint32_t u = pvirq_nospec(intid - vm->nr_trusted, vm->nr_untrusted);

	return &base[(size_t)pvirq_nospec(vcpu, vm->nr_vcpus) * vm->nr_occupancy_words + u / 64u];
}

static inline uint64_t pvirq_occupancy_bit(const struct pvirq_vm *vm, uint32_t intid)
{
	return 1ull << ((intid - vm->nr_trusted) % 64u);
}

static inline struct pvirq_idmap_entry *pvirq_idmap(const struct pvirq_vm *vm)
{
	return (struct pvirq_idmap_entry *)((uintptr_t)vm + vm->idmap_offset);
}

static inline uint32_t pvirq_word_of(uint32_t intid)
{
	return intid / PVIRQ_INTIDS_PER_WORD;
}

static inline uint64_t pvirq_pending_bit(uint32_t intid)
{
	return 1ull << (2u * (intid % PVIRQ_INTIDS_PER_WORD));
}

static inline uint64_t pvirq_masked_bit(uint32_t intid)
{
	return 2ull << (2u * (intid % PVIRQ_INTIDS_PER_WORD));
}

/* Pending bits (even lanes) of the INTIDs of @w that are pending && !masked. */
static inline uint64_t pvirq_deliverable_lanes(uint64_t w)
{
	return w & ~(w >> 1) & PVIRQ_PENDING_LANES;
}

static inline _Atomic uint64_t *pvirq_level_words(const struct pvirq_vm *vm, struct pvirq_vcpu *v)
{
	return &v->words[vm->nr_state_words];
}

static inline uint64_t pvirq_rvid_encode(uint32_t vcpu, uint32_t intid)
{
	return PVIRQ_RVID_VALID | ((uint64_t)intid << 32) | vcpu;
}

static inline uint32_t pvirq_rvid_vcpu(uint64_t entry)
{
	return (uint32_t)entry;
}

static inline uint32_t pvirq_rvid_intid(uint64_t entry)
{
	return (uint32_t)(entry >> 32) & 0xFFFFu;
}

/* Shared between rvic.c and rvid.c: the already-validated slow paths. */
int pvirq__signal(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);
void pvirq__latch_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/* rvid.c, for reset and restore (quiesced VM only): the occupancy bitmap
 * cleared, one target claimed (false if it was taken), or rebuilt from the
 * table. */
void pvirq__rvid_clear_occupancy(struct pvirq_vm *vm);
bool pvirq__rvid_occupy(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);
void pvirq__rvid_rebuild_occupancy(struct pvirq_vm *vm);

#endif /* PVIRQ_CORE_LAYOUT_H */
