/* SPDX-License-Identifier: MIT */
/*
 * x86_64 hypercall binding: RAX = function ID, RBX/RCX/RSI = arguments,
 * RAX = status word, RBX = value. The same decoder serves VMCALL, VMMCALL
 * and the port-I/O doorbell, since all three load the same registers.
 */
#include "pvirq/arch/x86_64.h"

/* x2APIC ids are 32 bits wide. */
#define X86_APIC_ID_MASK 0xFFFFFFFFull

bool pvirq_x86_io_is_doorbell(uint16_t port, uint8_t size, bool is_out, uint32_t count)
{
	return port == PVIRQ_X86_IO_PORT && size == PVIRQ_X86_IO_SIZE && is_out && count == 1;
}

int pvirq_x86_decode(const struct pvirq_x86_regs *r, struct pvirq_abi_call *call)
{
	uint64_t id;

	if (!r || !call)
		return PVIRQ_EINVAL;
	id = r->rax;
	/* Compare all 64 bits: 0x1_C5000200 is not ours (no truncation). */
	if (id - PVIRQ_ABI_RVIC_BASE < PVIRQ_ABI_RANGE_SIZE) {
		call->part = PVIRQ_ABI_PART_RVIC;
		call->fn = (uint32_t)(id - PVIRQ_ABI_RVIC_BASE);
	} else if (id - PVIRQ_ABI_RVID_BASE < PVIRQ_ABI_RANGE_SIZE) {
		call->part = PVIRQ_ABI_PART_RVID;
		call->fn = (uint32_t)(id - PVIRQ_ABI_RVID_BASE);
	} else {
		return PVIRQ_ENOSYS;
	}
	call->args[0] = r->rbx;
	call->args[1] = r->rcx;
	call->args[2] = r->rsi;
	return PVIRQ_OK;
}

void pvirq_x86_encode(struct pvirq_x86_regs *r, const struct pvirq_abi_result *result)
{
	r->rax = (uint64_t)pvirq_abi_status_word(result);
	r->rbx = result->value;
}

int pvirq_x86_handle_hypercall_vector(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_x86_regs *r,
				      uint8_t upcall_vector)
{
	const struct pvirq_abi_binding binding = {
		.target_mask = X86_APIC_ID_MASK,
		.upcall_vector = upcall_vector,
	};
	struct pvirq_abi_call call;
	struct pvirq_abi_result result;
	int err;

	if (upcall_vector < PVIRQ_X86_UPCALL_VECTOR_MIN)
		return PVIRQ_EINVAL;
	err = pvirq_x86_decode(r, &call);
	if (err)
		return err;
	err = pvirq_abi_dispatch(vm, vcpu, &binding, &call, &result);
	if (err)
		return err;
	pvirq_x86_encode(r, &result);
	return PVIRQ_OK;
}

int pvirq_x86_handle_hypercall(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_x86_regs *r)
{
	return pvirq_x86_handle_hypercall_vector(vm, vcpu, r, PVIRQ_X86_UPCALL_VECTOR_DEFAULT);
}
