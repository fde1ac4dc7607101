/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the ABI tests: a small VM whose CPU ids are valid on
 * every binding (MPIDR affinity, APIC id and hart id alike), a snapshot of
 * every guest-visible bit to prove that failing calls change nothing, and
 * one adapter per architecture that makes a call through its registers.
 */
#ifndef PVIRQ_TEST_ABI_HARNESS_H
#define PVIRQ_TEST_ABI_HARNESS_H

#include <stdatomic.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#define H_VCPUS 4u
#define H_TRUSTED 32u
#define H_UNTRUSTED 32u
#define H_INTIDS (H_TRUSTED + H_UNTRUSTED)
#define H_INPUTS 8u

/* vCPU i has CPU id h_cpu_ids[i]: 0x0, 0x1, 0x100 (Aff1), 0x10000 (Aff2). */
extern const uint64_t h_cpu_ids[H_VCPUS];

struct harness {
	struct pvirq_vm *vm;
	struct pvirq_config cfg;
	atomic_uint notified[H_VCPUS];
};

int harness_setup(void **state);
int harness_teardown(void **state);

/* Every bit a guest or device could observe. */
struct vm_state {
	bool enabled[H_VCPUS];
	bool pending[H_VCPUS][H_INTIDS];
	bool masked[H_VCPUS][H_INTIDS];
	int mapped[H_INPUTS];
	uint32_t map_vcpu[H_INPUTS], map_intid[H_INPUTS];
};

void vm_state_read(struct pvirq_vm *vm, struct vm_state *s);
void assert_vm_state_equal(const struct vm_state *a, const struct vm_state *b);

enum abi_arch { ARCH_X86_64, ARCH_ARM64, ARCH_RISCV64, NR_ARCHES };

extern const char *const abi_arch_name[NR_ARCHES];

/*
 * Makes call @id (PVIRQ_ABI_ID form) with arguments a0..a2 as vCPU @vcpu
 * through @arch's register binding. Returns the handler's host return
 * value; on PVIRQ_OK, *status is the binding-independent status word (on
 * riscv64 rebuilt from a0/a1 as the spec says, after checking a0) and
 * *value the returned value. Also asserts that registers the binding
 * promises to preserve were preserved.
 */
int abi_call(enum abi_arch arch, struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0,
	     uint64_t a1, uint64_t a2, int64_t *status, uint64_t *value);

#endif
