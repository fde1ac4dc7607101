/* SPDX-License-Identifier: MIT */
/*
 * One concurrent history: the calls a few threads made on one VM, each with
 * its arguments, what it returned, and the instants it was invoked and
 * returned (ticks of one shared atomic counter, so "a returned before b was
 * invoked" is exact).
 */
#ifndef PVIRQ_TEST_HISTORY_H
#define PVIRQ_TEST_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

enum hist_kind {
	H_SIGNAL,
	H_CLEAR_PENDING,
	H_SET_MASKED,
	H_CLEAR_MASKED,
	H_IS_PENDING,
	H_ACK,
	H_ENABLE,
	H_DISABLE,
	H_MAP,
	H_UNMAP,
	H_INJECT,
	H_RESAMPLE,
	H_SET_LEVEL,
	H_LINE,
	H_SET_PRIORITY,	     /* (vcpu, intid) -> class cls */
	H_SET_PRIORITY_MASK, /* vcpu's floor -> cls */
	H_RVID_SET_LEVEL,    /* level input's line -> level */
	H_RVID_RESAMPLE,     /* end of interrupt of a level input */
	H_NR_KINDS
};

struct hist_op {
	uint8_t kind;	   /* enum hist_kind */
	uint8_t thread;	   /* which thread called it */
	uint32_t vcpu;	   /* rVIC calls, and MAP's target */
	uint32_t intid;	   /* rVIC calls, and MAP's target */
	uint32_t input;	   /* rVID calls */
	bool level;	   /* SET_LEVEL's argument */
	uint8_t cls;	   /* SET_PRIORITY's class, SET_PRIORITY_MASK's floor */
	int status;	   /* what it returned (PVIRQ_OK or PVIRQ_E*) */
	uint32_t out;	   /* ACK's INTID, IS_PENDING's and LINE's bool */
	uint64_t invoked;  /* tick just before the call */
	uint64_t returned; /* tick just after it */
};

#define HIST_MAX_OPS 24

struct history {
	unsigned nr_ops;
	struct hist_op ops[HIST_MAX_OPS];
};

const char *hist_kind_name(unsigned kind);

#endif /* PVIRQ_TEST_HISTORY_H */
