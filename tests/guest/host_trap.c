/* SPDX-License-Identifier: MIT */
#include "host_trap.h"

#include <pvirq/arch/arm64.h>
#include <pvirq/arch/riscv64.h>
#include <pvirq/arch/x86_64.h>

static void count_call(struct host_trap *host, uint32_t id)
{
	uint32_t part = id - PVIRQ_ABI_RVID_BASE < PVIRQ_ABI_RANGE_SIZE ? 1 : 0;
	uint32_t fn = id & (PVIRQ_ABI_RANGE_SIZE - 1u);

	host->calls++;
	if (fn < 32)
		host->calls_by_fn[part][fn]++;
}

struct pvirq_guest_ret host_trap_call(void *ctx, uint32_t id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct host_trap *host = ctx;
	struct pvirq_guest_ret ret = {PVIRQ_ABI_STATUS_NOT_SUPPORTED, 0};

	count_call(host, id);
	switch (host->binding) {
	case HOST_X86: {
		struct pvirq_x86_regs r = {.rax = id, .rbx = a0, .rcx = a1, .rsi = a2};

		if (pvirq_x86_handle_hypercall(host->vm, host->vcpu, &r) == PVIRQ_OK) {
			ret.status = (int64_t)r.rax;
			ret.value = r.rbx;
		}
		break;
	}
	case HOST_ARM64: {
		struct pvirq_arm64_regs r = {.x = {id, a0, a1, a2}};

		if (pvirq_arm64_handle_smccc(host->vm, host->vcpu, &r) == PVIRQ_OK) {
			ret.status = (int64_t)r.x[0];
			ret.value = r.x[1];
		}
		break;
	}
	case HOST_RISCV: {
		bool rvid = id - PVIRQ_ABI_RVID_BASE < PVIRQ_ABI_RANGE_SIZE;
		struct pvirq_riscv_regs r = {.a = {a0, a1, a2}};

		r.a[6] = id & (PVIRQ_ABI_RANGE_SIZE - 1u);
		r.a[7] = rvid ? PVIRQ_RISCV_EID_RVID : PVIRQ_RISCV_EID_RVIC;
		if (pvirq_riscv_handle_sbi(host->vm, host->vcpu, &r) == PVIRQ_OK) {
			/* As pvirq/guest.h rebuilds the status word. */
			ret.status = r.a[0] == 0	     ? PVIRQ_ABI_SUCCESS
				     : (int64_t)r.a[0] == -2 ? PVIRQ_ABI_STATUS_NOT_SUPPORTED
							     : (int64_t)r.a[1];
			ret.value = r.a[0] == 0 ? r.a[1] : 0;
		}
		break;
	}
	}
	return ret;
}

void host_trap_init(struct host_trap *host, struct pvirq_guest_trap *trap, struct pvirq_vm *vm,
		    uint32_t vcpu, enum host_binding binding)
{
	*host = (struct host_trap){.vm = vm, .vcpu = vcpu, .binding = binding};
	trap->call = host_trap_call;
	trap->ctx = host;
}

void *host_pages_translate(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	struct host_pages *pages = ctx;
	const uint64_t bytes = sizeof(pages->words);

	(void)vcpu;
	/* As a VMM must: the address is the guest's, so check it all. */
	if (gpa < HOST_PAGES_BASE || gpa - HOST_PAGES_BASE > bytes ||
	    size > bytes - (gpa - HOST_PAGES_BASE))
		return NULL;
	return (char *)pages->words + (gpa - HOST_PAGES_BASE);
}
