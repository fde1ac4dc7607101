/* SPDX-License-Identifier: MIT */
/**
 * @file arch/arm64.h
 * @brief arm64 binding (SMCCC) and injection shims (HCR_EL2.VI, KVM_IRQ_LINE).
 *
 * Calls are SMCCC fast SMC64 calls (via HVC or SMC), owner 5 (Standard
 * Hypervisor): function IDs PVIRQ_ABI_RVIC_BASE + n and
 * PVIRQ_ABI_RVID_BASE + n, the 2020 reference's IDs, so its Linux rVIC/rVID
 * driver runs unchanged.
 *  - in:  W0 = function ID (bits 63:32 of X0 are ignored, as SMCCC says),
 *         X1, X2, X3 = arguments 0, 1, 2;
 *  - out: X0 = status word (reason | index << 8; NOT_SUPPORTED is -1),
 *         X1 = value (0 when the call has none or failed), X2 = X3 = 0;
 *         X4..X7 (and every other register) preserved.
 * Function ID checks: bit 31 (fast) and bit 30 (SMC64) set, owner 5, bits
 * 23:17 zero (bit 16 is SMCCC 1.3's "SVE state not live" hint and is
 * ignored), bits 15:0 in 0x100..0x1FF (rVID) or 0x200..0x2FF (rVIC).
 * Anything else, including the SMC32 forms 0x85000100 + n and
 * 0x85000200 + n, is not libpvirq's: PVIRQ_ENOSYS, registers untouched,
 * and the hypervisor answers it (normally with NOT_SUPPORTED itself).
 *
 * Targets are MPIDR affinity values: Aff3 (bits 39:32), Aff2 (23:16), Aff1
 * (15:8), Aff0 (7:0), i.e. MPIDR_EL1 & 0xFF00FFFFFF; a target with any
 * other bit set (U, MT, RES0/RES1) is INVALID_CPU. The hypervisor gives
 * the library the same masked values as cpu_ids.
 */
#ifndef PVIRQ_ARCH_ARM64_H
#define PVIRQ_ARCH_ARM64_H

#include "../abi.h"

/** MPIDR affinity fields Aff3..Aff0: the bits a target may have. */
#define PVIRQ_ARM64_MPIDR_AFFINITY_MASK 0xFF00FFFFFFull
/** HCR_EL2.VI, the virtual IRQ line of the vCPU (bit 7). */
#define PVIRQ_ARM64_HCR_EL2_VI (1ull << 7)
/** KVM_IRQ_LINE field values for a vCPU's own IRQ line (no in-kernel GIC). */
#define PVIRQ_ARM64_KVM_IRQ_TYPE_CPU 0u
/** @copydoc PVIRQ_ARM64_KVM_IRQ_TYPE_CPU */
#define PVIRQ_ARM64_KVM_IRQ_CPU_IRQ 0u
/** Largest vCPU count KVM_IRQ_LINE can address (vcpu2_index:vcpu_index). */
#define PVIRQ_ARM64_KVM_IRQ_MAX_VCPUS 4096u

/** The registers a call reads and writes: X0..X7. */
struct pvirq_arm64_regs {
	uint64_t x[8]; /**< X0..X7 of the calling vCPU. */
};

/** Argument of KVM_IRQ_LINE (layout of struct kvm_irq_level). */
struct pvirq_arm64_kvm_irq_level {
	uint32_t irq;	/**< vcpu2_index << 28 | type << 24 | vcpu_index << 16 | num */
	uint32_t level; /**< 1 = line high, 0 = low */
};

PVIRQ_BEGIN_DECLS

/** @defgroup arm64 arm64 binding and injection
 *  @{ */

/**
 * @brief Decodes X0..X3 into a call (split-mode routing by call->part).
 * Pure function.
 * @return PVIRQ_OK; PVIRQ_ENOSYS if W0 is not one of libpvirq's fast SMC64
 *         IDs (@p call untouched); PVIRQ_EINVAL for NULL.
 */
PVIRQ_API int pvirq_arm64_decode(const struct pvirq_arm64_regs *r, struct pvirq_abi_call *call);

/** @brief Writes @p result: X0 = status word, X1 = value, X2 = X3 = 0. */
PVIRQ_API void pvirq_arm64_encode(struct pvirq_arm64_regs *r,
				  const struct pvirq_abi_result *result);

/**
 * @brief Handles an SMCCC call (HVC or SMC exit) of vCPU @p vcpu.
 * @return PVIRQ_OK when the call was libpvirq's (registers updated,
 *         whatever the guest-visible status); PVIRQ_ENOSYS when it is not,
 *         PVIRQ_EVCPU for a bad @p vcpu, PVIRQ_EINVAL for NULL: registers
 *         untouched in every error case.
 * Concurrency: as pvirq_abi_dispatch().
 */
PVIRQ_API int pvirq_arm64_handle_smccc(struct pvirq_vm *vm, uint32_t vcpu,
				       struct pvirq_arm64_regs *r);

/**
 * @brief HCR_EL2 value with VI set to @p line and every other bit kept.
 * Pure function: for hypervisors that keep a per-vCPU HCR_EL2 image and
 * load it on guest entry.
 */
PVIRQ_API uint64_t pvirq_arm64_hcr_el2_with_vi(uint64_t hcr_el2, bool line);

/**
 * @brief KVM_IRQ_LINE argument that drives the IRQ line of vCPU
 * @p vcpu_index (type CPU, line IRQ) to @p line, for a userspace VMM with no
 * in-kernel irqchip. Indexes >= 256 use vcpu2_index and need
 * KVM_CAP_ARM_IRQ_LINE_LAYOUT_2.
 * @return PVIRQ_OK; PVIRQ_EVCPU if @p vcpu_index >= 4096; PVIRQ_EINVAL for
 *         NULL. Pure function.
 */
PVIRQ_API int pvirq_arm64_kvm_irq_line(uint32_t vcpu_index, bool line,
				       struct pvirq_arm64_kvm_irq_level *out);

#if defined(__aarch64__)
/**
 * @brief EL2 only: sets HCR_EL2.VI of the current vCPU context to @p line.
 * Read-modify-write of the system register on this PE; the ISB makes the
 * change visible to later instructions (an ERET back to the guest is also
 * context-synchronizing). Not thread-safe by nature: run it on the PE that
 * is about to enter the vCPU, after pvirq_vcpu_rearm() computed @p line.
 * Traps (UNDEFINED) below EL2.
 */
static inline void pvirq_arm64_el2_set_vi(bool line)
{
	uint64_t hcr;

	__asm__ __volatile__("mrs %0, hcr_el2" : "=r"(hcr));
	if (((hcr & PVIRQ_ARM64_HCR_EL2_VI) != 0) != line) {
		hcr ^= PVIRQ_ARM64_HCR_EL2_VI;
		__asm__ __volatile__("msr hcr_el2, %0\n\tisb" : : "r"(hcr) : "memory");
	}
}
#endif

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_ARCH_ARM64_H */
