/* SPDX-License-Identifier: MIT */
/*
 * An external program built only from an installed libpvirq: it must find
 * the headers and the library through find_package(pvirq) or pkg-config,
 * agree with the library on the version, and work. Places a VM in its own
 * memory (the freestanding path) and delivers one interrupt through it.
 */
#include <pvirq/pvirq.h>
#include <stdio.h>

static _Alignas(PVIRQ_CACHE_LINE) unsigned char vm_memory[16384];

int main(void)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 1, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 1};
	struct pvirq_vm *vm;
	uint32_t intid = 0;
	int err;

	if (pvirq_version() != PVIRQ_VERSION) {
		fprintf(stderr, "header version %#x, library %#x\n", (unsigned)PVIRQ_VERSION,
			(unsigned)pvirq_version());
		return 1;
	}
	if (pvirq_vm_footprint(&cfg) > sizeof(vm_memory)) {
		fprintf(stderr, "footprint %zu too large\n", pvirq_vm_footprint(&cfg));
		return 1;
	}
	err = pvirq_vm_init(vm_memory, sizeof(vm_memory), &cfg, &vm);
	if (!err)
		err = pvirq_rvic_enable(vm, 0);
	if (!err)
		err = pvirq_rvic_clear_masked(vm, 0, 33);
	if (!err)
		err = pvirq_rvid_map(vm, 0, 0, 33);
	if (!err)
		err = pvirq_rvid_inject(vm, 0);
	if (!err && !pvirq_vcpu_rearm(vm, 0))
		err = PVIRQ_ENOINTR;
	if (!err)
		err = pvirq_rvic_acknowledge(vm, 0, &intid);
	if (err || intid != 33) {
		fprintf(stderr, "delivery failed: %s, INTID %u\n", pvirq_strerror(err), intid);
		return 1;
	}
	printf("consumer OK: libpvirq %u.%u.%u, INTID %u\n", pvirq_version() >> 16,
	       (pvirq_version() >> 8) & 0xFFu, pvirq_version() & 0xFFu, intid);
	return 0;
}
