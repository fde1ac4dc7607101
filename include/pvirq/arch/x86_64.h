/* SPDX-License-Identifier: MIT */
/**
 * @file arch/x86_64.h
 * @brief x86_64 binding: VMCALL/VMMCALL and port-I/O hypercall decoding.
 *
 * Register convention (64-bit guests), the same for VMCALL, VMMCALL and the
 * port-I/O doorbell:
 *  - in:  RAX = function ID (PVIRQ_ABI_ID(), bits 63:32 zero),
 *         RBX, RCX, RSI = arguments 0, 1, 2 (RDX is left free because
 *         `outl %eax, %dx` needs DX = PVIRQ_X86_IO_PORT);
 *  - out: RAX = status word (64-bit: reason | index << 8, NOT_SUPPORTED is
 *         -1), RBX = value (0 when the call returns none or failed).
 *         RCX, RDX, RSI, RDI and every other register are preserved.
 * Targets are APIC ids (x2APIC: 32 bits; any higher bit is INVALID_CPU).
 *
 * Userspace VMM on KVM (VMCALL never reaches userspace there): on
 * KVM_EXIT_IO with pvirq_x86_io_is_doorbell(), KVM_GET_REGS,
 * pvirq_x86_handle_hypercall(), KVM_SET_REGS, then KVM_RUN again (KVM has
 * already advanced RIP past the OUT instruction).
 *
 * All functions here are pure functions of their arguments plus the core
 * operation they call; thread-safe as the core (see abi.h).
 */
#ifndef PVIRQ_ARCH_X86_64_H
#define PVIRQ_ARCH_X86_64_H

#include "../abi.h"

/** Access size of the doorbell, bytes (`outl`). */
#define PVIRQ_X86_IO_SIZE 4u
/** Smallest vector a VMM may choose (0..31 are exceptions). */
#define PVIRQ_X86_UPCALL_VECTOR_MIN 0x20u

/** The registers a hypercall reads and writes (as in struct kvm_regs). */
struct pvirq_x86_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi;
};

PVIRQ_BEGIN_DECLS

/** @defgroup x86_64 x86_64 binding
 *  @{ */

/**
 * @brief Whether a KVM_EXIT_IO is the doorbell: an OUT of
 * PVIRQ_X86_IO_SIZE bytes to PVIRQ_X86_IO_PORT, one access (count 1).
 * Pure function.
 */
PVIRQ_API bool pvirq_x86_io_is_doorbell(uint16_t port, uint8_t size, bool is_out, uint32_t count);

/**
 * @brief Decodes registers into a call (for split-mode routing by
 * call->part, or for tracing). Pure function.
 * @return PVIRQ_OK; PVIRQ_ENOSYS if RAX is not in libpvirq's ranges
 *         (@p call untouched); PVIRQ_EINVAL for NULL.
 */
PVIRQ_API int pvirq_x86_decode(const struct pvirq_x86_regs *r, struct pvirq_abi_call *call);

/** @brief Writes @p result into RAX (status word) and RBX (value). */
PVIRQ_API void pvirq_x86_encode(struct pvirq_x86_regs *r, const struct pvirq_abi_result *result);

/**
 * @brief Handles a hypercall of vCPU @p vcpu with the default upcall vector.
 * @return PVIRQ_OK when the call was libpvirq's (RAX/RBX updated, whatever
 *         the guest-visible status); PVIRQ_ENOSYS when RAX is not in
 *         libpvirq's ranges, PVIRQ_EVCPU for a bad @p vcpu, PVIRQ_EINVAL
 *         for NULL: registers untouched in every error case.
 * Concurrency: as pvirq_abi_dispatch().
 */
PVIRQ_API int pvirq_x86_handle_hypercall(struct pvirq_vm *vm, uint32_t vcpu,
					 struct pvirq_x86_regs *r);

/**
 * @brief As pvirq_x86_handle_hypercall(), for a VMM that injects
 * @p upcall_vector (PVIRQ_X86_UPCALL_VECTOR_MIN..255) instead of the
 * default; INFO(UPCALL_VECTOR) reports it to the guest.
 * @return as pvirq_x86_handle_hypercall(); PVIRQ_EINVAL for a vector < 32.
 */
PVIRQ_API int pvirq_x86_handle_hypercall_vector(struct pvirq_vm *vm, uint32_t vcpu,
						struct pvirq_x86_regs *r, uint8_t upcall_vector);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_ARCH_X86_64_H */
