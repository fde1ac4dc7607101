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
	uint64_t calls_by_fn[2][32]; /* [part][n], n < 32 */
};

struct pvirq_guest_ret host_trap_call(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
				      uint64_t a2);

/* Fills @p trap with host_trap_call on @p host. */
void host_trap_init(struct host_trap *host, struct pvirq_guest_trap *trap, struct pvirq_vm *vm,
		    uint32_t vcpu, enum host_binding binding);

/* "Guest RAM" for shared-state pages: HOST_PAGES_MAX pages at guest-
 * physical HOST_PAGES_BASE, which the guest side addresses directly and
 * the host reaches through pvirq_config.guest_page = host_pages_translate
 * (guest_page_ctx = the struct), as a VMM maps guest memory. */
#define HOST_PAGES_BASE 0x80000000ull
#define HOST_PAGES_MAX 4u

struct host_pages {
	_Alignas(4096) uint64_t words[HOST_PAGES_MAX][PVIRQ_SHARED_STATE_SIZE / 8u];
};

static inline uint64_t host_pages_gpa(uint32_t page)
{
	return HOST_PAGES_BASE + (uint64_t)page * PVIRQ_SHARED_STATE_SIZE;
}

/* pvirq_guest_page_fn: NULL unless [gpa, gpa + size) lies in the pages. */
void *host_pages_translate(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size);

#endif
