/* SPDX-License-Identifier: MIT */
/*
 * arm64 SMCCC binding: fast SMC64 calls, owner 5, the reference's IDs.
 * The function ID is checked field by field (SMCCC's layout) so that only
 * exactly libpvirq's IDs are taken; everything else goes back to the
 * hypervisor untouched.
 */
#include "pvirq/arch/arm64.h"

#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_SMC64 (1u << 30)
#define SMCCC_OWNER_SHIFT 24
#define SMCCC_OWNER_MASK 0x3Fu
#define SMCCC_OWNER_STANDARD_HYP 5u
/* Bits 23:16 must be zero, except bit 16: SMCCC 1.3's SVE hint. */
#define SMCCC_RESERVED_MASK 0x00FE0000u
#define SMCCC_FUNCTION_MASK 0xFFFFu

static const struct pvirq_abi_binding arm64_binding = {
	.target_mask = PVIRQ_ARM64_MPIDR_AFFINITY_MASK,
	.upcall_vector = 0,
};

int pvirq_arm64_decode(const struct pvirq_arm64_regs *r, struct pvirq_abi_call *call)
{
	uint32_t id, number;

	if (!r || !call)
		return PVIRQ_EINVAL;
	id = (uint32_t)r->x[0]; /* SMCCC: the ID is W0; X0[63:32] are ignored */
	if (!(id & SMCCC_FAST_CALL) || !(id & SMCCC_SMC64))
		return PVIRQ_ENOSYS; /* yielding or SMC32: not ours */
	if (((id >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK) != SMCCC_OWNER_STANDARD_HYP)
		return PVIRQ_ENOSYS;
	if (id & SMCCC_RESERVED_MASK)
		return PVIRQ_ENOSYS;
	number = id & SMCCC_FUNCTION_MASK;
	if (number - (PVIRQ_ABI_RVIC_BASE & SMCCC_FUNCTION_MASK) < PVIRQ_ABI_RANGE_SIZE) {
		call->part = PVIRQ_ABI_PART_RVIC;
		call->fn = number - (PVIRQ_ABI_RVIC_BASE & SMCCC_FUNCTION_MASK);
	} else if (number - (PVIRQ_ABI_RVID_BASE & SMCCC_FUNCTION_MASK) < PVIRQ_ABI_RANGE_SIZE) {
		call->part = PVIRQ_ABI_PART_RVID;
		call->fn = number - (PVIRQ_ABI_RVID_BASE & SMCCC_FUNCTION_MASK);
	} else {
		return PVIRQ_ENOSYS;
	}
	call->args[0] = r->x[1];
	call->args[1] = r->x[2];
	call->args[2] = r->x[3];
	return PVIRQ_OK;
}

void pvirq_arm64_encode(struct pvirq_arm64_regs *r, const struct pvirq_abi_result *result)
{
	r->x[0] = (uint64_t)pvirq_abi_status_word(result);
	r->x[1] = result->value;
	/* Results are X0..X3 in SMCCC: clear the unused ones rather than
	 * hand the arguments back. */
	r->x[2] = 0;
	r->x[3] = 0;
}

int pvirq_arm64_handle_smccc(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_arm64_regs *r)
{
	struct pvirq_abi_call call;
	struct pvirq_abi_result result;
	int err = pvirq_arm64_decode(r, &call);

	if (err)
		return err;
	err = pvirq_abi_dispatch(vm, vcpu, &arm64_binding, &call, &result);
	if (err)
		return err;
	pvirq_arm64_encode(r, &result);
	return PVIRQ_OK;
}
