/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzz target of the engine's host API: the input is a VM
 * shape followed by a sequence of host-level operations on several vCPUs
 * (enable/disable, mask/unmask, signal, clear, acknowledge, resample and
 * level lines, rVID map/unmap/remap, inject, MSI, rearm, hostile queries,
 * reset). Every operation runs on the engine and on the reference model;
 * return values must agree, and after every step the whole observable
 * state is compared and the invariants of support/world.h are asserted.
 */
#include "world.h"

/* Bounds the work per input so the fuzzer explores breadth, not length. */
#define MAX_STEPS 512u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_world w;
	struct fuzz_input in = {.data = data, .size = size};

	if (!fuzz_world_open(&w, &in))
		return 0;
	for (unsigned n = 0; n < MAX_STEPS && !fuzz_done(&in); n++) {
		fuzz_world_host_step(&w, &in);
		fuzz_world_check(&w, "host op");
	}
	fuzz_world_close(&w);
	return 0;
}
