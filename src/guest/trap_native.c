/* SPDX-License-Identifier: MIT */
/*
 * The native trap: the instruction of pvirq/guest.h, behind the pluggable
 * trap interface. The conduit travels in the context pointer as an
 * integer, so the trap needs no storage.
 */
#include <pvirq/guest/trap.h>

struct pvirq_guest_ret pvirq_guest_trap_native(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
					       uint64_t a2)
{
#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
	return pvirq_guest_call_native((enum pvirq_guest_conduit)(uintptr_t)ctx, id, a0, a1, a2);
#else
	struct pvirq_guest_ret ret = {PVIRQ_ABI_STATUS_NOT_SUPPORTED, 0};

	(void)ctx, (void)id, (void)a0, (void)a1, (void)a2;
	return ret;
#endif
}

void pvirq_guest_trap_native_init(struct pvirq_guest_trap *trap, enum pvirq_guest_conduit conduit)
{
	trap->call = pvirq_guest_trap_native;
	trap->ctx = (void *)(uintptr_t)conduit;
}
