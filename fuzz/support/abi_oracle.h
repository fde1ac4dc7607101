/* SPDX-License-Identifier: MIT */
/*
 * What the documented hypercall ABI says a decoded call does, written
 * independently of src/core/dispatch.c from the call table of the design
 * (docs: ARCHITECTURE.md "Hypercalls", include/pvirq/abi.h): which
 * arguments are checked and how, in index order, and which host-level
 * operation a valid call performs. oracle_call() applies that operation to
 * the reference model of a fuzz_world (or nothing, when the call must be
 * rejected) and returns the status and value the guest must see. The arch
 * targets (fuzz_arm64.c, fuzz_x86_64.c, fuzz_riscv64.c) restate each
 * binding's register decoding and encoding, then compare.
 */
#ifndef PVIRQ_FUZZ_ABI_ORACLE_H
#define PVIRQ_FUZZ_ABI_ORACLE_H

#include "world.h"

/* Status reasons of the ABI (status word = reason | index << 8). */
enum oracle_reason {
	ORACLE_SUCCESS = 0,
	ORACLE_ERROR_PARAMETER = 1,
	ORACLE_INVALID_CPU = 2,
	ORACLE_DISABLED = 3,
	ORACLE_NO_INTERRUPTS = 4,
	ORACLE_ENABLED = 5,	     /* 0.4: the call needs the caller's instance disabled */
	ORACLE_NOT_SUPPORTED = 0xFF, /* wire status word -1 */
};

/* The two function ranges. */
enum oracle_part { ORACLE_RVIC, ORACLE_RVID };

/* What differs between bindings. */
struct oracle_binding {
	uint64_t target_mask;	/* bits a target id may have */
	uint32_t upcall_vector; /* INFO(4); 0: the binding has none */
};

struct oracle_outcome {
	uint32_t reason;
	uint32_t index;
	uint64_t value;
};

/* Applies the call (caller @vcpu, a valid vCPU) to the model. */
void oracle_call(struct fuzz_world *w, const struct oracle_binding *b, uint32_t vcpu,
		 enum oracle_part part, uint64_t fn, const uint64_t args[3],
		 struct oracle_outcome *out);

/* The 64-bit status word: reason | index << 8, or -1 for NOT_SUPPORTED. */
int64_t oracle_status_word(const struct oracle_outcome *o);

/*
 * An argument register value: a CPU id of some vCPU (maybe with stray high
 * bits), a small number (INTID, input, key), a small number plus 2^32 (the
 * truncation trap), or raw 64 bits.
 */
uint64_t oracle_pick_arg(const struct fuzz_world *w, struct fuzz_input *in);

/*
 * The body of every ABI target: opens a world from @data, then runs up to
 * 512 steps, each a host-level operation or (more often) one hypercall
 * made by @call_step, checking the world after each.
 */
int oracle_run(const uint8_t *data, size_t size,
	       void (*call_step)(struct fuzz_world *w, struct fuzz_input *in), const char *what);

#endif /* PVIRQ_FUZZ_ABI_ORACLE_H */
