/* SPDX-License-Identifier: MIT */
/**
 * @file guest.h
 * @brief Guest side of the ABI: freestanding inline functions a guest
 *        kernel uses to make every call, on arm64, x86_64 and riscv64.
 *
 * Include it in the guest; it needs only <stdint.h>, <stdbool.h> and
 * <stddef.h>, defines no symbols and touches no memory. Every call returns
 * a struct pvirq_guest_ret whose status is the binding-independent status
 * word (reason | index << 8, or -1 for NOT_SUPPORTED) and whose value is
 * the call's result. On riscv64 the SBI error is translated back into that
 * word (docs/spec/pvirq-abi.md, "riscv64 binding").
 *
 * The conduit says which instruction traps to the hypervisor; the guest
 * learns it the way it learns PSCI's on arm64 (firmware tables), or is
 * told by its platform (x86: port I/O under a userspace VMM on KVM,
 * VMCALL/VMMCALL under a hypervisor that handles them itself).
 *
 * The driver logic on top of these calls (probe, bring-up, hotplug, the
 * interrupt entry path, retargets) is the guest driver core,
 * pvirq/guest/driver.h, with the trap made pluggable (pvirq/guest/trap.h).
 */
#ifndef PVIRQ_GUEST_H
#define PVIRQ_GUEST_H

#include "abi.h"

/** How a hypercall leaves the guest. Only the native ones are usable. */
enum pvirq_guest_conduit {
	PVIRQ_GUEST_ARM64_HVC,	 /**< arm64 `hvc #0` (SMCCC). */
	PVIRQ_GUEST_ARM64_SMC,	 /**< arm64 `smc #0` (SMCCC). */
	PVIRQ_GUEST_X86_PORT_IO, /**< x86_64 `outl %eax, %dx`, DX = PVIRQ_X86_IO_PORT. */
	PVIRQ_GUEST_X86_VMCALL,	 /**< x86_64 `vmcall` (Intel VMX). */
	PVIRQ_GUEST_X86_VMMCALL, /**< x86_64 `vmmcall` (AMD SVM). */
	PVIRQ_GUEST_RISCV_ECALL, /**< riscv64 `ecall` (SBI). */
};

/** Outcome of a guest call. */
struct pvirq_guest_ret {
	int64_t status; /**< PVIRQ_ABI_STATUS(reason, index) or -1. */
	uint64_t value; /**< Result value (VERSION, INFO, IS_PENDING, ACK). */
};

/**
 * @brief Makes call @p id (PVIRQ_ABI_ID()) with arguments @p a0..@p a2
 * through @p conduit, on the architecture the guest is compiled for.
 * A conduit of another architecture returns status
 * PVIRQ_ABI_STATUS_NOT_SUPPORTED without trapping. A full compiler barrier.
 */
#if defined(__x86_64__)

/* RAX = ID, RBX/RCX/RSI = args; RAX = status, RBX = value. Other registers
 * are preserved by the hypervisor; "memory" orders the call against the
 * guest's own accesses (a hypercall is a full barrier for the guest). */
static inline struct pvirq_guest_ret pvirq_guest_call_native(enum pvirq_guest_conduit conduit,
							     uint32_t id, uint64_t a0, uint64_t a1,
							     uint64_t a2)
{
	uint64_t rax = id, rbx = a0;
	struct pvirq_guest_ret ret;

	switch (conduit) {
	case PVIRQ_GUEST_X86_PORT_IO:
		__asm__ __volatile__("outl %%eax, %%dx"
				     : "+a"(rax), "+b"(rbx)
				     : "c"(a1), "S"(a2), "d"((uint16_t)PVIRQ_X86_IO_PORT)
				     : "memory");
		break;
	case PVIRQ_GUEST_X86_VMCALL:
		__asm__ __volatile__("vmcall" : "+a"(rax), "+b"(rbx) : "c"(a1), "S"(a2) : "memory");
		break;
	case PVIRQ_GUEST_X86_VMMCALL:
		__asm__ __volatile__("vmmcall"
				     : "+a"(rax), "+b"(rbx)
				     : "c"(a1), "S"(a2)
				     : "memory");
		break;
	default:
		rax = (uint64_t)PVIRQ_ABI_STATUS_NOT_SUPPORTED;
		rbx = 0;
		break;
	}
	ret.status = (int64_t)rax;
	ret.value = rbx;
	return ret;
}

#elif defined(__aarch64__)

/* SMCCC: x0 = ID, x1..x3 = args; x0 = status, x1 = value. SMCCC 1.0 lets
 * the callee clobber x0-x17, so all of them are declared clobbered. */
#define PVIRQ_GUEST_ARM64_CALL(insn)                                                           \
	__asm__ __volatile__(insn                                                              \
			     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                          \
			     :                                                                 \
			     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", \
			       "x14", "x15", "x16", "x17", "memory")

static inline struct pvirq_guest_ret pvirq_guest_call_native(enum pvirq_guest_conduit conduit,
							     uint32_t id, uint64_t a0, uint64_t a1,
							     uint64_t a2)
{
	register uint64_t x0 __asm__("x0") = id;
	register uint64_t x1 __asm__("x1") = a0;
	register uint64_t x2 __asm__("x2") = a1;
	register uint64_t x3 __asm__("x3") = a2;
	struct pvirq_guest_ret ret;

	switch (conduit) {
	case PVIRQ_GUEST_ARM64_HVC: PVIRQ_GUEST_ARM64_CALL("hvc #0"); break;
	case PVIRQ_GUEST_ARM64_SMC: PVIRQ_GUEST_ARM64_CALL("smc #0"); break;
	default: x0 = (uint64_t)PVIRQ_ABI_STATUS_NOT_SUPPORTED, x1 = 0; break;
	}
	ret.status = (int64_t)x0;
	ret.value = x1;
	return ret;
}
#undef PVIRQ_GUEST_ARM64_CALL

#elif defined(__riscv) && __riscv_xlen == 64

/* SBI: a7 = EID, a6 = FID, a0..a2 = args; a0 = SBI error, a1 = value, or
 * on error a1 = the status word (so the bad-argument index survives). */
static inline struct pvirq_guest_ret pvirq_guest_call_native(enum pvirq_guest_conduit conduit,
							     uint32_t id, uint64_t arg0,
							     uint64_t arg1, uint64_t arg2)
{
	bool rvid = id - PVIRQ_ABI_RVID_BASE < PVIRQ_ABI_RANGE_SIZE;
	bool rvic = id - PVIRQ_ABI_RVIC_BASE < PVIRQ_ABI_RANGE_SIZE;
	register uint64_t a0 __asm__("a0") = arg0;
	register uint64_t a1 __asm__("a1") = arg1;
	register uint64_t a2 __asm__("a2") = arg2;
	register uint64_t a6 __asm__("a6") = id & (PVIRQ_ABI_RANGE_SIZE - 1u);
	/* An ID in neither range is no libpvirq call: it goes out as its own
	 * EID for the hypervisor to answer, never as an rVIC call on its low
	 * bits (0x4B564D07 must not run SIGNAL). */
	register uint64_t a7 __asm__("a7") = rvid   ? PVIRQ_RISCV_EID_RVID
					     : rvic ? PVIRQ_RISCV_EID_RVIC
						    : id;
	struct pvirq_guest_ret ret;

	if (conduit != PVIRQ_GUEST_RISCV_ECALL) {
		ret.status = PVIRQ_ABI_STATUS_NOT_SUPPORTED;
		ret.value = 0;
		return ret;
	}
	__asm__ __volatile__("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
	if (a0 == 0) {
		ret.status = PVIRQ_ABI_SUCCESS;
		ret.value = a1;
	} else {
		/* SBI_ERR_NOT_SUPPORTED from an SBI without the extension
		 * leaves a1 undefined: report NOT_SUPPORTED then. */
		ret.status = (int64_t)a0 == -2 ? PVIRQ_ABI_STATUS_NOT_SUPPORTED : (int64_t)a1;
		ret.value = 0;
	}
	return ret;
}

#endif

#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
/** @name Typed calls (argument order as in docs/spec/pvirq-abi.md)
 *  @{ */
/** Makes the call its name says; returns as pvirq_guest_call_native(). */
static inline struct pvirq_guest_ret pvirq_guest_rvic_version(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_info(enum pvirq_guest_conduit c, uint64_t key)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, INFO), key, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_enable(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, ENABLE), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_disable(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, DISABLE), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_set_masked(enum pvirq_guest_conduit c,
								 uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, SET_MASKED), target, intid, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_clear_masked(enum pvirq_guest_conduit c,
								   uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED), target, intid, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_is_pending(enum pvirq_guest_conduit c,
								 uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, IS_PENDING), target, intid, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_signal(enum pvirq_guest_conduit c,
							     uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, SIGNAL), target, intid, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_clear_pending(enum pvirq_guest_conduit c,
								    uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, CLEAR_PENDING), target, intid, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_acknowledge(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_resample(enum pvirq_guest_conduit c,
							       uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, RESAMPLE), intid, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_reset(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, RESET), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_share_state(enum pvirq_guest_conduit c,
								  uint64_t page_gpa)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, SHARE_STATE), page_gpa, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_unshare_state(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, UNSHARE_STATE), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_set_priority(enum pvirq_guest_conduit c,
								   uint64_t target, uint64_t intid,
								   uint64_t cls)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, SET_PRIORITY), target, intid, cls);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_set_priority_mask(enum pvirq_guest_conduit c,
									uint64_t floor)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, SET_PRIORITY_MASK), floor, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvic_acknowledge_nmi(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE_NMI), 0, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvid_resample(enum pvirq_guest_conduit c,
							       uint64_t input)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVID, RESAMPLE), input, 0, 0);
}

static inline struct pvirq_guest_ret pvirq_guest_rvid_version(enum pvirq_guest_conduit c)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVID, VERSION), 0, 0, 0);
}

static inline struct pvirq_guest_ret
pvirq_guest_rvid_map(enum pvirq_guest_conduit c, uint64_t input, uint64_t target, uint64_t intid)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVID, MAP), input, target, intid);
}

static inline struct pvirq_guest_ret pvirq_guest_rvid_unmap(enum pvirq_guest_conduit c,
							    uint64_t input)
{
	return pvirq_guest_call_native(c, PVIRQ_ABI_ID(RVID, UNMAP), input, 0, 0);
}
/** @} */
#endif

#endif /* PVIRQ_GUEST_H */
