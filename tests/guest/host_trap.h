/* SPDX-License-Identifier: MIT */
/*
 * A host-hook trap for the guest driver core: each call is put in the
 * registers of one architecture's binding and handed to the real host
 * library's decoder for that binding, as a hypervisor would on a trap.
 * So the driver core, the three decoders and the engine run together in
 * one process, with threads as vCPUs.
 */
#ifndef PVIRQ_TESTS_GUEST_HOST_TRAP_H
#define PVIRQ_TESTS_GUEST_HOST_TRAP_H

#include <pvirq/guest/driver.h>
#include <pvirq/pvirq.h>

enum host_binding { HOST_X86, HOST_ARM64, HOST_RISCV };

struct host_trap {
	struct pvirq_vm *vm;
	uint32_t vcpu;		     /* the calling vCPU's index */
	enum host_binding binding;   /* which decoder sees the registers */
	uint64_t calls;		     /* hypercalls made (this vCPU only) */
	uint64_t calls_by_fn[2][16]; /* [part][n], n < 16 */
};

struct pvirq_guest_ret host_trap_call(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
				      uint64_t a2);

/* Fills @p trap with host_trap_call on @p host. */
void host_trap_init(struct host_trap *host, struct pvirq_guest_trap *trap, struct pvirq_vm *vm,
		    uint32_t vcpu, enum host_binding binding);

#endif
