/* SPDX-License-Identifier: MIT */
/* A small VM built on the heap for the core unit tests, and a recorder of
 * notify() calls. */
#ifndef PVIRQ_TEST_FIXTURE_H
#define PVIRQ_TEST_FIXTURE_H

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#define FIX_VCPUS 4u
#define FIX_TRUSTED 32u
#define FIX_UNTRUSTED 64u
#define FIX_INTIDS (FIX_TRUSTED + FIX_UNTRUSTED)
#define FIX_INPUTS 8u

struct fixture {
	struct pvirq_vm *vm;
	struct pvirq_config cfg;
	uint64_t cpu_ids[FIX_VCPUS];
	unsigned notified[FIX_VCPUS];
	bool level[FIX_VCPUS][FIX_TRUSTED]; /* what line_level() reports */
};

int fixture_setup(void **state);
int fixture_teardown(void **state);

#endif
