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
 *   +--------------------+ inputs_offset
 *   | rVID input state   |  one 32-bit word per input: trigger, level
 *   +--------------------+ idmap_offset
 *   | CPU id -> index    |  sorted by id, for O(log n) target lookup
 *   +--------------------+
 *
 * One state word holds 32 INTIDs: INTID 32*i + k has its pending bit at
 * bit 2k and its masked bit at bit 2k+1 of word i. Both bits of an INTID
 * therefore change together in one atomic read-modify-write, which is what
 * makes every per-INTID transition (including acknowledge's
 * "pending && !masked -> masked && !pending") a single linearizable step.
 *
 * Instance words. A vCPU's state words, class words and floor word
 * (include/pvirq/shared_state.h: [0, n), [n, 2n), 2n) are reached through
 * the vCPU's `inst` pointer: its own block, or the guest page it shared
 * (RVIC_SHARE_STATE). Everything else (summary, enabled, notified, level
 * words, rVID state) is host memory the guest never sees.
 */
#ifndef PVIRQ_CORE_LAYOUT_H
#define PVIRQ_CORE_LAYOUT_H

#include <stdatomic.h>

#include "pvirq/pvirq.h"
#include "pvirq/shared_state.h"

#define PVIRQ_INTIDS_PER_WORD 32u
#define PVIRQ_MAX_STATE_WORDS (PVIRQ_MAX_INTIDS / PVIRQ_INTIDS_PER_WORD) /* 64: one summary word */
#define PVIRQ_PENDING_LANES 0x5555555555555555ull
#define PVIRQ_MASKED_LANES 0xAAAAAAAAAAAAAAAAull

/* rVID entry: bit 63 valid, bits 47..32 INTID, bits 31..0 vCPU index. */
#define PVIRQ_RVID_VALID (1ull << 63)

/* rVID input state word. */
#define PVIRQ_INPUT_LEVEL_TRIGGERED 0x1u
#define PVIRQ_INPUT_LEVEL_HIGH 0x2u

/* How often an acknowledge of a shared instance may lose a race before it
 * gives up with "nothing": the guest can write its page at any time, and
 * the host must not be kept spinning by it. A real race is lost a handful
 * of times at most. */
#define PVIRQ_SHARED_RETRIES 64u

struct pvirq_vcpu {
	/* Bit i set: state word i may hold a deliverable INTID. Set after a
	 * word becomes deliverable, cleared lazily (then re-checked). */
	_Atomic uint64_t summary;
	_Atomic uint32_t enabled;
	/* The posted-interrupt "ON" bit: 1 from the first notify() until the
	 * vCPU's next pvirq_vcpu_rearm(). */
	_Atomic uint32_t notified;
	/* NMI edge (VMs with an NMI line): 1 from an NMI-class INTID becoming
	 * deliverable until pvirq_vcpu_take_nmi(). */
	_Atomic uint32_t nmi_edge;
	/* 1 once a priority call was made: until then every class is 0 and
	 * the floor 0, and acknowledge skips the class words (fast path).
	 * Sticky until reset. */
	_Atomic uint32_t uses_priority;
	uint32_t reserved;
	/* The instance words: &words[0], or the guest page this vCPU shared.
	 * Stored with release after the words were copied there, loaded with
	 * acquire (pvirq_inst()). */
	_Atomic(uintptr_t) inst;
	/* Guest-physical address of the shared page, when inst is not
	 * &words[0]. Written before inst (release), so a reader of inst sees it. */
	_Atomic uint64_t shared_gpa;
	/* Where the next acknowledge of each class starts searching; only
	 * ordering state. */
	_Atomic uint32_t ack_cursor[PVIRQ_PRIORITY_CLASSES];
	uint64_t cpu_id;
	/* The vCPU's own instance words (PVIRQ_SHARED_WORDS(nr_state_words)),
	 * then nr_level_words level-line words (bit t of level word t/64:
	 * software line of trusted INTID t, for t < nr_level_lines). */
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
	uint32_t nr_inst_words;	     /* PVIRQ_SHARED_WORDS(nr_state_words) */
	bool nmi_line;
	size_t vcpus_offset;
	size_t rvid_offset;
	size_t occupancy_offset;
	size_t inputs_offset;
	size_t idmap_offset;
	size_t footprint;
	/* The config's callbacks, then their contexts, copied at init. */
	pvirq_notify_fn notify;
	pvirq_line_level_fn line_level;
	pvirq_guest_page_fn guest_page;
	pvirq_resample_fn resample;
	void *notify_ctx;
	void *line_level_ctx;
	void *guest_page_ctx;
	void *resample_ctx;
	/* The one field that changes after init: 1 once some input was made
	 * level-triggered (sticky until reset), so ENABLE and RESET scan the
	 * inputs for high levels only in VMs that have level inputs. */
	_Atomic uint32_t any_level_input;
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

static inline _Atomic uint32_t *pvirq_input_state(const struct pvirq_vm *vm, uint32_t input)
{
	_Atomic uint32_t *base = (_Atomic uint32_t *)((uintptr_t)vm + vm->inputs_offset);
	return &base[pvirq_nospec(input, vm->nr_rvid_inputs)];
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
	return &v->words[vm->nr_inst_words];
}

/* The vCPU's instance words (its own block or its shared page). Acquire:
 * pairs with the release store that published a page after its words were
 * copied into it. */
static inline _Atomic uint64_t *pvirq_inst(struct pvirq_vcpu *v)
{
	return (_Atomic uint64_t *)atomic_load_explicit(&v->inst, memory_order_acquire);
}

static inline bool pvirq_is_shared(struct pvirq_vcpu *v, _Atomic uint64_t *inst)
{
	return inst != &v->words[0];
}

/* --- priority classes: lane arithmetic on a class word ---------------- *
 * A class word holds the class of INTID 32i+k in bits 2k..2k+1, the same
 * lanes as the state word, so class filters are masks on the pending lanes
 * (even bits) and combine with pvirq_deliverable_lanes() bit for bit. */

/* Pending lanes whose INTID's class is >= @floor (0..3). */
static inline uint64_t pvirq_class_at_least(uint64_t cw, uint32_t floor)
{
	uint64_t lo = cw & PVIRQ_PENDING_LANES, hi = (cw >> 1) & PVIRQ_PENDING_LANES;

	floor &= 3u;
	if (floor == 0)
		return PVIRQ_PENDING_LANES;
	if (floor == 1)
		return lo | hi;
	return floor == 2 ? hi : lo & hi;
}

/* Pending lanes whose INTID's class is exactly @cls (0..3). */
static inline uint64_t pvirq_class_exactly(uint64_t cw, uint32_t cls)
{
	return pvirq_class_at_least(cw, cls) & ~(cls < 3u ? pvirq_class_at_least(cw, cls + 1u) : 0);
}

/* Highest class among the lanes @lanes (non-zero) of class word @cw. */
static inline uint32_t pvirq_class_top(uint64_t cw, uint64_t lanes)
{
	uint64_t lo = cw & lanes, hi = (cw >> 1) & lanes;

	if (hi & lo)
		return 3;
	if (hi)
		return 2;
	return lo ? 1 : 0;
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
/* vm.c, for snapshot.c: pvirq_config_check()'s checks of the counts. */
int pvirq__counts_check(uint32_t nr_vcpus, uint32_t t, uint32_t u, uint32_t inputs);
/* rvic.c, for dispatch.c's RVIC_RESET (no host API of its own). */
int pvirq__rvic_reset_own(struct pvirq_vm *vm, uint32_t vcpu);

/* rvid.c, for reset and restore (quiesced VM only): the occupancy bitmap
 * cleared, one target claimed (false if it was taken), or rebuilt from the
 * table. */
void pvirq__rvid_clear_occupancy(struct pvirq_vm *vm);
bool pvirq__rvid_occupy(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);
void pvirq__rvid_rebuild_occupancy(struct pvirq_vm *vm);
/* rvid.c, for ENABLE and RESET of @vcpu: pends every high level input
 * mapped to it (as a SIGNAL when @as_signal, else unconditionally). */
void pvirq__rvid_repend_levels(struct pvirq_vm *vm, uint32_t vcpu, bool as_signal);

/* rvic.c, for priority.c and shared_state.c: re-evaluates the lines of
 * @vcpu after a class, floor or page change (raises the line or the NMI
 * edge if something is deliverable for it). */
void pvirq__reevaluate(struct pvirq_vm *vm, uint32_t vcpu);

#endif /* PVIRQ_CORE_LAYOUT_H */
