/* SPDX-License-Identifier: MIT */
/**
 * @file arch/riscv64.h
 * @brief riscv64 binding (SBI extension) and injection shims (hvip.VSEIP,
 *        KVM_INTERRUPT).
 *
 * Calls are SBI calls (`ecall` from VS-mode) in the experimental extension
 * range, which KVM forwards to userspace (KVM_EXIT_RISCV_SBI):
 *  - in:  A7 = EID (PVIRQ_RISCV_EID_RVIC 0x08525643 or PVIRQ_RISCV_EID_RVID
 *         0x08525644, all 64 bits compared), A6 = FID = n, A0, A1, A2 =
 *         arguments 0, 1, 2 (A3..A5 unused and ignored);
 *  - out: A0 = SBI error, A1 = value on success. On any error A1 holds the
 *         full status word (reason | index << 8, or -1), so the index of a
 *         bad argument is not lost. Every other register is preserved.
 * SBI error per status reason:
 *  | reason          | A0                      | A1          |
 *  |-----------------|-------------------------|-------------|
 *  | SUCCESS         | 0 SBI_SUCCESS           | value       |
 *  | ERROR_PARAMETER | -3 SBI_ERR_INVALID_PARAM| 0x001 + idx<<8 |
 *  | INVALID_CPU     | -3 SBI_ERR_INVALID_PARAM| 0x002 + idx<<8 |
 *  | DISABLED        | -4 SBI_ERR_DENIED       | 0x003       |
 *  | NO_INTERRUPTS   | -1 SBI_ERR_FAILED       | 0x004       |
 *  | ENABLED (0.4)   | -1 SBI_ERR_FAILED       | 0x005       |
 *  | NOT_SUPPORTED   | -2 SBI_ERR_NOT_SUPPORTED| -1          |
 * Targets are hart ids (XLEN = 64 bits, all of them significant).
 */
#ifndef PVIRQ_ARCH_RISCV64_H
#define PVIRQ_ARCH_RISCV64_H

#include "../abi.h"

/** SBI error codes used by the binding (SBI specification, table 1). */
#define PVIRQ_SBI_SUCCESS 0ll
/** @copydoc PVIRQ_SBI_SUCCESS */
#define PVIRQ_SBI_ERR_FAILED (-1ll)
/** @copydoc PVIRQ_SBI_SUCCESS */
#define PVIRQ_SBI_ERR_NOT_SUPPORTED (-2ll)
/** @copydoc PVIRQ_SBI_SUCCESS */
#define PVIRQ_SBI_ERR_INVALID_PARAM (-3ll)
/** @copydoc PVIRQ_SBI_SUCCESS */
#define PVIRQ_SBI_ERR_DENIED (-4ll)

/** hvip.VSEIP: the vCPU's supervisor external interrupt line (bit 10). */
#define PVIRQ_RISCV_HVIP_VSEIP (1ull << 10)
/** KVM_INTERRUPT irq values on riscv: raise / lower VSEIP. */
#define PVIRQ_RISCV_KVM_INTERRUPT_SET 0xFFFFFFFFu
/** @copydoc PVIRQ_RISCV_KVM_INTERRUPT_SET */
#define PVIRQ_RISCV_KVM_INTERRUPT_UNSET 0xFFFFFFFEu

/** The registers an SBI call reads and writes: A0..A7. */
struct pvirq_riscv_regs {
	uint64_t a[8]; /**< A0..A7 of the calling vCPU. */
};

PVIRQ_BEGIN_DECLS

/** @defgroup riscv64 riscv64 binding and injection
 *  @{ */

/**
 * @brief Decodes A0..A7 into a call (split-mode routing by call->part).
 * A FID that does not fit 32 bits decodes to an unknown function
 * (NOT_SUPPORTED), never to a truncated one. Pure function.
 * @return PVIRQ_OK; PVIRQ_ENOSYS if A7 is not one of libpvirq's EIDs
 *         (@p call untouched); PVIRQ_EINVAL for NULL.
 */
PVIRQ_API int pvirq_riscv_decode(const struct pvirq_riscv_regs *r, struct pvirq_abi_call *call);

/** @brief Writes @p result into A0 (SBI error) and A1 (value or status). */
PVIRQ_API void pvirq_riscv_encode(struct pvirq_riscv_regs *r,
				  const struct pvirq_abi_result *result);

/** @brief The SBI error for a status reason (table above). Pure function. */
PVIRQ_API int64_t pvirq_riscv_sbi_error(uint32_t reason);

/**
 * @brief Handles an SBI call (KVM_EXIT_RISCV_SBI or an HS-mode ecall trap)
 * of vCPU @p vcpu.
 * @return PVIRQ_OK when the call was libpvirq's (A0/A1 updated, whatever
 *         the guest-visible status); PVIRQ_ENOSYS when A7 is not ours,
 *         PVIRQ_EVCPU for a bad @p vcpu, PVIRQ_EINVAL for NULL: registers
 *         untouched in every error case.
 * Concurrency: as pvirq_abi_dispatch().
 */
PVIRQ_API int pvirq_riscv_handle_sbi(struct pvirq_vm *vm, uint32_t vcpu,
				     struct pvirq_riscv_regs *r);

/**
 * @brief hvip value with VSEIP set to @p line and every other bit kept.
 * Pure function (for a per-vCPU hvip image loaded on guest entry).
 */
PVIRQ_API uint64_t pvirq_riscv_hvip_with_vseip(uint64_t hvip, bool line);

/**
 * @brief The `irq` of struct kvm_interrupt for KVM_INTERRUPT on riscv:
 * KVM_INTERRUPT_SET when @p line is high, KVM_INTERRUPT_UNSET when low.
 * KVM latches the value in hvip.VSEIP of that vCPU. Pure function.
 */
PVIRQ_API uint32_t pvirq_riscv_kvm_interrupt_irq(bool line);

#if defined(__riscv) && __riscv_xlen == 64
/**
 * @brief HS-mode only: sets or clears hvip.VSEIP (CSR 0x645) on this hart.
 * One atomic CSR set/clear instruction, so other hvip bits written by the
 * hypervisor concurrently on this hart are kept. Traps below HS-mode.
 */
static inline void pvirq_riscv_hs_set_vseip(bool line)
{
	if (line)
		__asm__ __volatile__("csrs 0x645, %0" : : "r"(PVIRQ_RISCV_HVIP_VSEIP) : "memory");
	else
		__asm__ __volatile__("csrc 0x645, %0" : : "r"(PVIRQ_RISCV_HVIP_VSEIP) : "memory");
}
#endif

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_ARCH_RISCV64_H */
