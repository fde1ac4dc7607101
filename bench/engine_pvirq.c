/* SPDX-License-Identifier: MIT */
/* The shared measurements (scenarios.inc) run on libpvirq. */
#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#define ENGINE(fn) pvirq_##fn
#define ENGINE_VM struct pvirq_vm
#include "engine.h"
#include "scenarios.inc"

/* What one more vCPU adds to pvirq_vm_footprint(): its state block and its
 * CPU-id map entry. */
static size_t vcpu_bytes(uint32_t nr_trusted, uint32_t nr_untrusted)
{
	struct pvirq_config one = {.nr_vcpus = 1,
				   .nr_trusted = nr_trusted,
				   .nr_untrusted = nr_untrusted},
			    two = one;

	two.nr_vcpus = 2;
	return pvirq_vm_footprint(&two) - pvirq_vm_footprint(&one);
}

const struct bench_engine bench_pvirq_engine = {
	.name = "libpvirq",
	.signal_own = signal_own,
	.acknowledge = acknowledge,
	.acknowledge_far = acknowledge_far,
	.inject = inject,
	.retarget = retarget,
	.throughput = throughput,
	.latency = latency,
	.vcpu_bytes = vcpu_bytes,
};
