/* SPDX-License-Identifier: MIT */
/* The shared measurements (scenarios.inc) run on the locked baseline. */
#include "locked_engine.h"

#define ENGINE(fn) locked_##fn
#define ENGINE_VM struct locked_vm
#include "engine.h"
#include "scenarios.inc"

static size_t vcpu_bytes(uint32_t nr_trusted, uint32_t nr_untrusted)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 1, .nr_trusted = nr_trusted, .nr_untrusted = nr_untrusted};

	return locked_vcpu_footprint(&cfg);
}

const struct bench_engine bench_locked_engine = {
	.name = "locked",
	.signal_own = signal_own,
	.acknowledge = acknowledge,
	.acknowledge_far = acknowledge_far,
	.inject = inject,
	.retarget = retarget,
	.throughput = throughput,
	.latency = latency,
	.vcpu_bytes = vcpu_bytes,
};
