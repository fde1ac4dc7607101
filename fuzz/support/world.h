/* SPDX-License-Identifier: MIT */
/*
 * The state every differential fuzz target shares: one engine VM and the
 * reference model (tests/model) driven in lock step, plus the ghost state
 * the invariants need. A target decodes its input into steps, applies each
 * to both sides (fuzz_world_host_step() for host-level operations, its own
 * decoder for hypercalls), then calls fuzz_world_check().
 *
 * Invariants checked after every step, besides model_compare()'s
 * bit-for-bit equality:
 *  - line: pvirq_vcpu_line() == enabled && exists INTID pending && !masked,
 *    computed from the engine's own per-INTID queries;
 *  - trust: a trusted INTID is pending only if the trusted API (signal,
 *    set_level, resample, or a guest call the ABI maps to them) was ever
 *    aimed at it; nothing on the untrusted path may set one;
 *  - wake-up: a vCPU that rearmed with its line low and was not notified
 *    since has its line low (no lost wake-up), unless the guest itself
 *    made an INTID deliverable in its shared page without the call that
 *    re-evaluates (its own lost wake-up, which the spec allows);
 *  - NMI edge: after a host operation made an INTID of the NMI class newly
 *    deliverable on an enabled instance of a VM with an NMI line, the next
 *    pvirq_vcpu_take_nmi() returns true.
 *
 * Guest memory: every vCPU owns FUZZ_PAGES_PER_VCPU pages of guest RAM at
 * fuzz_world_gpa(); the VMM's guest_page() accepts a vCPU's own pages only
 * (a policy of this world: it keeps each instance's words apart, so the
 * model stays per vCPU). The guest's in-memory steps act on the page its
 * instance shares, or scribble on a page it no longer shares (which the
 * host must then ignore).
 */
#ifndef PVIRQ_FUZZ_WORLD_H
#define PVIRQ_FUZZ_WORLD_H

#include <pvirq/pvirq.h>

#include "fuzz_input.h"
#include "model.h"

#define FUZZ_MAX_VCPUS 4u
#define FUZZ_MAX_TRUSTED 64u
#define FUZZ_MAX_INTIDS 160u
#define FUZZ_PAGES_PER_VCPU 2u
#define FUZZ_PAGE_WORDS (PVIRQ_SHARED_STATE_SIZE / 8u)
/* Guest-physical address of the first page of guest RAM. */
#define FUZZ_RAM_GPA 0x40000000ull

struct fuzz_world {
	struct pvirq_vm *vm;
	struct model m;
	struct pvirq_config cfg;
	uint64_t cpu_ids[FUZZ_MAX_VCPUS];
	bool armed[FUZZ_MAX_VCPUS];
	bool trusted_source[FUZZ_MAX_VCPUS][FUZZ_MAX_TRUSTED];
	unsigned long step;
	unsigned long notifies;
	/* Guest RAM: FUZZ_PAGES_PER_VCPU pages per vCPU. */
	_Alignas(64) _Atomic uint64_t ram[FUZZ_MAX_VCPUS * FUZZ_PAGES_PER_VCPU][FUZZ_PAGE_WORDS];
	/* NMI class INTIDs deliverable after the last step, per vCPU. */
	bool nmi_seen[FUZZ_MAX_VCPUS][FUZZ_MAX_INTIDS];
	bool nmi_due[FUZZ_MAX_VCPUS];
	bool guest_stepped; /* the current step was the guest's, in memory */
	/* The hostile-page target's knobs: guest_page() accepts every page
	 * of guest RAM (instances may alias); the guest also acts inside
	 * notify() and resample(); vCPUs whose words a hostile writer has
	 * touched are exempt from the trust, wake-up and NMI checks (their
	 * own guest may pend and hide what it likes). */
	bool any_page;
	void (*during)(struct fuzz_world *w);
	bool exempt[FUZZ_MAX_VCPUS];
	/* resample() calls seen by the engine's and the model's callback, and
	 * whether the device model lowers its level when asked. */
	unsigned long resamples_engine, resamples_model;
	uint32_t last_resample_engine, last_resample_model;
	bool lower_on_resample;
};

/* Prints the failure with the step number and aborts (a fuzzer crash). */
#define FUZZ_CHECK(w, cond, ...)                                         \
	do {                                                             \
		if (!(cond))                                             \
			fuzz_fail((w), __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

__attribute__((noreturn, format(printf, 4, 5))) void
fuzz_fail(const struct fuzz_world *w, const char *file, int line, const char *fmt, ...);

/*
 * Reads a configuration from @in and creates the VM and the model. Returns
 * false (nothing to run, nothing to close) if the configuration is invalid,
 * after checking that engine and model reject it alike.
 */
bool fuzz_world_open(struct fuzz_world *w, struct fuzz_input *in);
void fuzz_world_close(struct fuzz_world *w);

/* Reads one host-level operation from @in and applies it to both sides,
 * comparing return values and results. */
void fuzz_world_host_step(struct fuzz_world *w, struct fuzz_input *in);

/* Guest-physical address of page @k of @vcpu's guest RAM. */
static inline uint64_t fuzz_world_gpa(uint32_t vcpu, uint32_t k)
{
	return FUZZ_RAM_GPA + ((uint64_t)vcpu * FUZZ_PAGES_PER_VCPU + k) * PVIRQ_SHARED_STATE_SIZE;
}

/* What this world's guest_page() answers for a page of @vcpu: whether the
 * whole page at @gpa is that vCPU's own RAM. */
bool fuzz_world_page_ok(const struct fuzz_world *w, uint32_t vcpu, uint64_t gpa);

/* The guest RAM page at @gpa (rounded down), or NULL outside RAM. */
_Atomic uint64_t *fuzz_world_page(struct fuzz_world *w, uint64_t gpa);

/* A guest-physical address for SHARE_STATE: own pages, another vCPU's,
 * misaligned, outside RAM, or raw. */
uint64_t fuzz_world_pick_gpa(const struct fuzz_world *w, struct fuzz_input *in, uint32_t vcpu);

/* One step of the guest on its own shared page, without a call. */
void fuzz_world_guest_step(struct fuzz_world *w, struct fuzz_input *in);

/* Records that the trusted API was aimed at (@vcpu, @intid). */
void fuzz_world_note_trusted(struct fuzz_world *w, uint32_t vcpu, uint32_t intid);

/* The hypervisor's guest-entry step for @vcpu, checked against the model. */
void fuzz_world_rearm(struct fuzz_world *w, uint32_t vcpu);

/* model_compare() plus the invariants above. */
void fuzz_world_check(struct fuzz_world *w, const char *what);

#endif /* PVIRQ_FUZZ_WORLD_H */
