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
 *    since has its line low (no lost wake-up).
 */
#ifndef PVIRQ_FUZZ_WORLD_H
#define PVIRQ_FUZZ_WORLD_H

#include <pvirq/pvirq.h>

#include "fuzz_input.h"
#include "model.h"

#define FUZZ_MAX_VCPUS 4u
#define FUZZ_MAX_TRUSTED 64u

struct fuzz_world {
	struct pvirq_vm *vm;
	struct model m;
	struct pvirq_config cfg;
	uint64_t cpu_ids[FUZZ_MAX_VCPUS];
	bool armed[FUZZ_MAX_VCPUS];
	bool trusted_source[FUZZ_MAX_VCPUS][FUZZ_MAX_TRUSTED];
	unsigned long step;
	unsigned long notifies;
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

/* Records that the trusted API was aimed at (@vcpu, @intid). */
void fuzz_world_note_trusted(struct fuzz_world *w, uint32_t vcpu, uint32_t intid);

/* The hypervisor's guest-entry step for @vcpu, checked against the model. */
void fuzz_world_rearm(struct fuzz_world *w, uint32_t vcpu);

/* model_compare() plus the invariants above. */
void fuzz_world_check(struct fuzz_world *w, const char *what);

#endif /* PVIRQ_FUZZ_WORLD_H */
