/* SPDX-License-Identifier: MIT */
/*
 * The native trap: the instruction of pvirq/guest.h, behind the pluggable
 * trap interface. One function per conduit, chosen once at init, so each
 * hypercall runs its instruction with no conduit test in front of it: on a
 * host whose KVM emulates guest instructions (kvm_pvm, TCG), every
 * instruction of the call path costs about a microsecond. The conduit
 * also travels in the context pointer, for pvirq_guest_trap_native().
 */
#include <pvirq/guest/trap.h>

#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
#define PVIRQ_HAS_NATIVE_TRAP 1
#endif

struct pvirq_guest_ret pvirq_guest_trap_native(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
					       uint64_t a2)
{
#ifdef PVIRQ_HAS_NATIVE_TRAP
	return pvirq_guest_call_native((enum pvirq_guest_conduit)(uintptr_t)ctx, id, a0, a1, a2);
#else
	struct pvirq_guest_ret ret = {PVIRQ_ABI_STATUS_NOT_SUPPORTED, 0};

	(void)ctx, (void)id, (void)a0, (void)a1, (void)a2;
	return ret;
#endif
}

#ifdef PVIRQ_HAS_NATIVE_TRAP
/* pvirq_guest_call_native() with a constant conduit: its switch folds away. */
#define PVIRQ_TRAP_FOR(name, conduit)                                                        \
	static struct pvirq_guest_ret name(void *ctx, uint32_t id, uint64_t a0, uint64_t a1, \
					   uint64_t a2)                                      \
	{                                                                                    \
		(void)ctx;                                                                   \
		return pvirq_guest_call_native(conduit, id, a0, a1, a2);                     \
	}
#if defined(__x86_64__)
PVIRQ_TRAP_FOR(trap_port_io, PVIRQ_GUEST_X86_PORT_IO)
PVIRQ_TRAP_FOR(trap_vmcall, PVIRQ_GUEST_X86_VMCALL)
PVIRQ_TRAP_FOR(trap_vmmcall, PVIRQ_GUEST_X86_VMMCALL)
#elif defined(__aarch64__)
PVIRQ_TRAP_FOR(trap_hvc, PVIRQ_GUEST_ARM64_HVC)
PVIRQ_TRAP_FOR(trap_smc, PVIRQ_GUEST_ARM64_SMC)
#else
PVIRQ_TRAP_FOR(trap_ecall, PVIRQ_GUEST_RISCV_ECALL)
#endif
#endif

/* The specialised trap of @conduit, or the generic one (which answers
 * NOT_SUPPORTED for a conduit of another architecture). */
static pvirq_guest_trap_fn trap_for(enum pvirq_guest_conduit conduit)
{
#if defined(__x86_64__)
	if (conduit == PVIRQ_GUEST_X86_PORT_IO)
		return trap_port_io;
	if (conduit == PVIRQ_GUEST_X86_VMCALL)
		return trap_vmcall;
	if (conduit == PVIRQ_GUEST_X86_VMMCALL)
		return trap_vmmcall;
#elif defined(__aarch64__)
	if (conduit == PVIRQ_GUEST_ARM64_HVC)
		return trap_hvc;
	if (conduit == PVIRQ_GUEST_ARM64_SMC)
		return trap_smc;
#elif defined(__riscv) && __riscv_xlen == 64
	if (conduit == PVIRQ_GUEST_RISCV_ECALL)
		return trap_ecall;
#endif
	return pvirq_guest_trap_native;
}

void pvirq_guest_trap_native_init(struct pvirq_guest_trap *trap, enum pvirq_guest_conduit conduit)
{
	trap->call = trap_for(conduit);
	trap->ctx = (void *)(uintptr_t)conduit;
}
