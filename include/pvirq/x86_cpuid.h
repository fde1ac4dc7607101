/* SPDX-License-Identifier: MIT */
/**
 * @file x86_cpuid.h
 * @brief x86 discovery: the CPUID hypervisor leaves that tell a guest
 *        "libpvirq is here, this version, through this conduit, on this
 *        port, with this upcall vector" before it makes a single call.
 *
 * A blind VMCALL faults on AMD (and VMMCALL on Intel), and a blind OUT may
 * hit a real device, so an x86 guest looks in CPUID first
 * (docs/spec/guest-guide.md, "x86 discovery"). Leaves, at a base B that is
 * a multiple of 0x100 in [0x40000000, 0x40010000) (default 0x40000200):
 *
 * | leaf  | EAX                  | EBX                | ECX             | EDX              |
 * |-------|----------------------|--------------------|-----------------|------------------|
 * | B     | highest leaf (B + 1) | "libp"             | "virq"          | 0                |
 * | B + 1 | VERSION value        | conduit bits       | I/O port        | upcall vector    |
 *
 * Conduit bits: PVIRQ_X86_CPUID_CONDUIT_*. The port is meaningful only
 * with the port-I/O bit and is PVIRQ_X86_IO_PORT in 0.x. A guest scans the
 * bases in steps of 0x100, as Linux finds KVM's own leaves, so a VMM that
 * must move the block (nested hypervisors, Hyper-V enlightenments) may.
 *
 * Header-only and freestanding: the hypervisor fills its CPUID table with
 * pvirq_x86_cpuid_leaf(); the guest driver core reads it with
 * pvirq_guest_x86_discover() (guest/x86_discover.h).
 */
#ifndef PVIRQ_X86_CPUID_H
#define PVIRQ_X86_CPUID_H

#include "abi.h"

/** Default base: clear of KVM (0x40000000, or 0x40000100 when it gives
 *  0x40000000 to Hyper-V), Hyper-V (0x40000000-0x400000FF) and Xen
 *  (0x40000000 or 0x40000100). */
#define PVIRQ_X86_CPUID_BASE_DEFAULT 0x40000200u
/** First and last (exclusive) base a guest scans, in steps of 0x100. */
#define PVIRQ_X86_CPUID_SCAN_FIRST 0x40000000u
/** @copydoc PVIRQ_X86_CPUID_SCAN_FIRST */
#define PVIRQ_X86_CPUID_SCAN_END 0x40010000u
/** @copydoc PVIRQ_X86_CPUID_SCAN_FIRST */
#define PVIRQ_X86_CPUID_SCAN_STEP 0x100u
/** Signature in EBX, ECX, EDX of leaf B: "libpvirq" then zeros. */
#define PVIRQ_X86_CPUID_SIG_EBX 0x7062696cu /* "libp" */
/** @copydoc PVIRQ_X86_CPUID_SIG_EBX */
#define PVIRQ_X86_CPUID_SIG_ECX 0x71726976u /* "virq" */
/** @copydoc PVIRQ_X86_CPUID_SIG_EBX */
#define PVIRQ_X86_CPUID_SIG_EDX 0u

/** Conduit bits of leaf B + 1, EBX: every one the hypervisor answers. */
#define PVIRQ_X86_CPUID_CONDUIT_PORT_IO (1u << 0)
/** @copydoc PVIRQ_X86_CPUID_CONDUIT_PORT_IO */
#define PVIRQ_X86_CPUID_CONDUIT_VMCALL (1u << 1)
/** @copydoc PVIRQ_X86_CPUID_CONDUIT_PORT_IO */
#define PVIRQ_X86_CPUID_CONDUIT_VMMCALL (1u << 2)

/** What the hypervisor advertises. */
struct pvirq_x86_cpuid_info {
	uint32_t version;      /**< VERSION value (PVIRQ_ABI_VERSION). */
	uint32_t conduits;     /**< PVIRQ_X86_CPUID_CONDUIT_* bits. */
	uint16_t io_port;      /**< PVIRQ_X86_IO_PORT when PORT_IO is set. */
	uint8_t upcall_vector; /**< The vector INFO(4) also reports. */
};

/**
 * @brief Hypervisor side: the four registers of CPUID leaf @p leaf for a
 * block at @p base describing @p info.
 * @return true and @p out = {EAX, EBX, ECX, EDX} if @p leaf is one of the
 *         block's two leaves; false otherwise (out untouched).
 */
static inline bool pvirq_x86_cpuid_leaf(uint32_t base, const struct pvirq_x86_cpuid_info *info,
					uint32_t leaf, uint32_t out[4])
{
	if (leaf == base) {
		out[0] = base + 1;
		out[1] = PVIRQ_X86_CPUID_SIG_EBX;
		out[2] = PVIRQ_X86_CPUID_SIG_ECX;
		out[3] = PVIRQ_X86_CPUID_SIG_EDX;
		return true;
	}
	if (leaf == base + 1) {
		out[0] = info->version;
		out[1] = info->conduits;
		out[2] = info->conduits & PVIRQ_X86_CPUID_CONDUIT_PORT_IO ? info->io_port : 0;
		out[3] = info->upcall_vector;
		return true;
	}
	return false;
}

#endif /* PVIRQ_X86_CPUID_H */
