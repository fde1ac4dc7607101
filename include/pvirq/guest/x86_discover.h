/* SPDX-License-Identifier: MIT */
/**
 * @file guest/x86_discover.h
 * @brief x86 guests: find libpvirq's CPUID leaves (pvirq/x86_cpuid.h)
 *        and pick a conduit, before any hypercall.
 */
#ifndef PVIRQ_GUEST_X86_DISCOVER_H
#define PVIRQ_GUEST_X86_DISCOVER_H

#include "../x86_cpuid.h"
#include "trap.h"

PVIRQ_BEGIN_DECLS

/** @defgroup guest_x86 x86 discovery
 *  @{ */

/** Executes CPUID @p leaf (subleaf 0) into @p out = {EAX, EBX, ECX, EDX}. */
typedef void (*pvirq_guest_cpuid_fn)(void *ctx, uint32_t leaf, uint32_t out[4]);

/** The CPUID instruction (x86_64 only; elsewhere every leaf reads 0). */
PVIRQ_API void pvirq_guest_cpuid_native(void *ctx, uint32_t leaf, uint32_t out[4]);

/** What discovery found. */
struct pvirq_guest_x86_platform {
	uint32_t base;			  /**< The block's base leaf. */
	struct pvirq_x86_cpuid_info info; /**< Its contents. */
	enum pvirq_guest_conduit conduit; /**< The conduit to use. */
};

/** Discovery results; 0 is success. */
enum pvirq_guest_x86_discover_result {
	PVIRQ_GUEST_X86_FOUND = 0,
	/** CPUID.1:ECX.hypervisor is clear: not running under a hypervisor. */
	PVIRQ_GUEST_X86_NO_HYPERVISOR = -1,
	/** No block with libpvirq's signature: do not make any call. */
	PVIRQ_GUEST_X86_NOT_FOUND = -2,
	/** A block without a conduit this guest can use (no port I/O on
	 *  PVIRQ_X86_IO_PORT, and no VMCALL/VMMCALL of this CPU's vendor). */
	PVIRQ_GUEST_X86_NO_CONDUIT = -3,
};

/**
 * @brief Scans the hypervisor CPUID range for libpvirq's block and picks a
 * conduit: the hypercall instruction of this CPU's vendor (VMCALL on
 * Intel, VMMCALL on AMD/Hygon) when offered (no I/O decode in the exit
 * path), else port I/O on PVIRQ_X86_IO_PORT.
 * @return enum pvirq_guest_x86_discover_result; @p out filled when FOUND.
 */
PVIRQ_API int pvirq_guest_x86_discover(pvirq_guest_cpuid_fn cpuid, void *ctx,
				       struct pvirq_guest_x86_platform *out);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_GUEST_X86_DISCOVER_H */
