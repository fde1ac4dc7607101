/* SPDX-License-Identifier: MIT */
/*
 * riscv64 SBI binding: two experimental extensions, FID = n. SBI has room
 * for one error code, so the standard code goes in A0 for generic SBI
 * code, and the full status word (with the bad argument's index) in A1,
 * which carries no value when a call fails.
 */
#include "pvirq/arch/riscv64.h"

static const struct pvirq_abi_binding riscv_binding = {
	.target_mask = ~0ull, /* hart ids are XLEN bits */
	.upcall_vector = 0,
};

int pvirq_riscv_decode(const struct pvirq_riscv_regs *r, struct pvirq_abi_call *call)
{
	uint64_t eid, fid;

	if (!r || !call)
		return PVIRQ_EINVAL;
	eid = r->a[7];
	fid = r->a[6];
	if (eid == PVIRQ_RISCV_EID_RVIC)
		call->part = PVIRQ_ABI_PART_RVIC;
	else if (eid == PVIRQ_RISCV_EID_RVID)
		call->part = PVIRQ_ABI_PART_RVID;
	else
		return PVIRQ_ENOSYS;
	/* A wide FID must not alias a small one: map it to a number that
	 * is in no table row (NOT_SUPPORTED). */
	call->fn = fid < PVIRQ_ABI_RANGE_SIZE ? (uint32_t)fid : PVIRQ_ABI_RANGE_SIZE;
	call->args[0] = r->a[0];
	call->args[1] = r->a[1];
	call->args[2] = r->a[2];
	return PVIRQ_OK;
}

int64_t pvirq_riscv_sbi_error(uint32_t reason)
{
	switch (reason) {
	case PVIRQ_ABI_SUCCESS: return PVIRQ_SBI_SUCCESS;
	case PVIRQ_ABI_ERROR_PARAMETER:
	case PVIRQ_ABI_INVALID_CPU: return PVIRQ_SBI_ERR_INVALID_PARAM;
	case PVIRQ_ABI_DISABLED: return PVIRQ_SBI_ERR_DENIED;
	case PVIRQ_ABI_NOT_SUPPORTED: return PVIRQ_SBI_ERR_NOT_SUPPORTED;
	default: return PVIRQ_SBI_ERR_FAILED; /* NO_INTERRUPTS, ENABLED */
	}
}

void pvirq_riscv_encode(struct pvirq_riscv_regs *r, const struct pvirq_abi_result *result)
{
	r->a[0] = (uint64_t)pvirq_riscv_sbi_error(result->reason);
	r->a[1] = result->reason == PVIRQ_ABI_SUCCESS ? result->value
						      : (uint64_t)pvirq_abi_status_word(result);
}

int pvirq_riscv_handle_sbi(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_riscv_regs *r)
{
	struct pvirq_abi_call call;
	struct pvirq_abi_result result;
	int err = pvirq_riscv_decode(r, &call);

	if (err)
		return err;
	err = pvirq_abi_dispatch(vm, vcpu, &riscv_binding, &call, &result);
	if (err)
		return err;
	pvirq_riscv_encode(r, &result);
	return PVIRQ_OK;
}
