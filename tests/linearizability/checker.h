/* SPDX-License-Identifier: MIT */
/*
 * Linearizability checker: does a concurrent history of calls on one VM
 * have a linearization that the sequential reference model (tests/model)
 * accepts, call by call and status by status, ending in the state the VM
 * is in? A Wing-Gong / Lowe search with memoization of visited
 * (progress, model state) pairs. docs/verification.md says exactly which
 * calls are one step and which are checked as the documented sequence of
 * steps (SIGNAL and its kin, negative ACK and line answers, and MAP).
 */
#ifndef PVIRQ_TEST_CHECKER_H
#define PVIRQ_TEST_CHECKER_H

#include "history.h"
#include "model.h"

struct lin_options {
	/* MAP as one atomic step (the spec's "every other call is
	 * indivisible") instead of the engine's take / decide / latch. */
	bool strict_map;
	/* NO_INTERRUPTS and a false line as one snapshot of every state word
	 * instead of one instant per state word (the spec's rule). */
	bool snapshot_negative;
};

enum lin_verdict {
	LIN_OK,	       /* a linearization exists */
	LIN_VIOLATION, /* none exists */
	LIN_GAVE_UP,   /* the search exceeded its node budget */
};

/*
 * Checks @h, which started from the model state @initial (not modified).
 * If @final_vm is not NULL, a linearization counts only if the model ends
 * equal to it (model_compare()). *nodes receives the number of search
 * nodes expanded.
 */
enum lin_verdict lin_check(const struct model *initial, const struct history *h,
			   struct pvirq_vm *final_vm, const struct lin_options *opt,
			   unsigned long *nodes);

/* Prints @h, one call per line, sorted by invocation. */
void hist_print(const struct history *h);

#endif /* PVIRQ_TEST_CHECKER_H */
