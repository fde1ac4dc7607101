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
 * pvirq_x86_handle_hypercall(), KVM_SET_REGS, then KVM_RUN again. RIP
 * still points at the OUT during the exit; KVM steps over it on the next
 * KVM_RUN provided RIP is written back unchanged (as KVM_SET_REGS with the
 * registers just read does), so the VMM must not advance it itself.
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
/** Smallest vector a posted-interrupt descriptor accepts: the APIC treats
 *  0..15 as illegal vectors. */
#define PVIRQ_X86_PI_VECTOR_MIN 0x10u

/** The registers a hypercall reads and writes (as in struct kvm_regs). */
struct pvirq_x86_regs {
	uint64_t rax; /**< In: function ID. Out: status word. */
	uint64_t rbx; /**< In: argument 0. Out: value. */
	uint64_t rcx; /**< In: argument 1. Preserved. */
	uint64_t rdx; /**< Unused (DX is the doorbell port). Preserved. */
	uint64_t rsi; /**< In: argument 2. Preserved. */
	uint64_t rdi; /**< Unused. Preserved. */
};

/**
 * @brief VT-x posted-interrupt descriptor: 64 bytes, 64-byte aligned.
 *
 * | bits    | field | word[] |
 * |---------|-------|--------|
 * | 255:0   | PIR: one request bit per vector | 0..3 |
 * | 256     | ON: outstanding notification | 4, bit 0 |
 * | 257     | SN: suppress notification | 4, bit 1 |
 * | 279:272 | NV: notification vector | 4, bits 23:16 |
 * | 319:288 | NDST: notification destination (APIC id) | 4, bits 63:32 |
 * | 511:320 | reserved, kept zero | 5..7 |
 *
 * Shared with the processor (and other CPUs): only the pvirq_x86_pi_*()
 * functions touch it, each word with 64-bit atomics only (no 8/16-bit
 * atomics, which some targets turn into library calls). Declared without
 * _Atomic so that the header also compiles as C++.
 */
struct pvirq_x86_pi_desc {
#ifdef __cplusplus
	alignas(64) uint64_t word[8];
#else
	_Alignas(64) uint64_t word[8]; /**< The 512 bits, as the table above. */
#endif
};

/** ON in word[4]. */
#define PVIRQ_X86_PI_ON (1ull << 0)
/** SN in word[4]. */
#define PVIRQ_X86_PI_SN (1ull << 1)
/** Position of NV in word[4]. */
#define PVIRQ_X86_PI_NV_SHIFT 16
/** Position of NDST in word[4]. */
#define PVIRQ_X86_PI_NDST_SHIFT 32

/** What a userspace VMM on KVM (no in-kernel LAPIC) does before KVM_RUN. */
enum pvirq_x86_kvm_entry {
	/** Line low: clear kvm_run.request_interrupt_window. */
	PVIRQ_X86_KVM_ENTRY_NOTHING = 0,
	/** KVM_INTERRUPT with the upcall vector, then clear the request. */
	PVIRQ_X86_KVM_ENTRY_INJECT = 1,
	/** Set kvm_run.request_interrupt_window = 1; KVM exits with
	 *  KVM_EXIT_IRQ_WINDOW_OPEN when the guest can take it. */
	PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW = 2,
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

/**
 * @name Posted-interrupt descriptor
 * Protocol: a poster (any thread, e.g. from the notify() callback) calls
 * pvirq_x86_pi_post() and, when it returns true, sends an IPI with vector
 * NV to APIC NDST (the processor then moves PIR into the vIRR, or the
 * hypervisor does it with pvirq_x86_pi_sync() on the next entry). The
 * consumer harvests with pvirq_x86_pi_sync(): ON is cleared before PIR is
 * read, the poster sets PIR before ON, and all four steps are seq_cst (a
 * store-buffering pair, like rearm vs. notify in vm.h), so a bit the
 * consumer misses always comes with an ON 0 -> 1 and a new IPI: nothing
 * is lost and a burst of posts costs one IPI.
 * Concurrency: post, sync, test-and-clear, SN and route updates may all run
 * concurrently from any thread; init must run alone.
 *
 * Entering the guest: while a vCPU is not running the VMM keeps SN set
 * (notifications would go to a CPU that is not running it). Before entry
 * it must, in this order: clear SN (pvirq_x86_pi_set_sn(desc, false)),
 * then pvirq_x86_pi_sync() (or let the processor's posted-interrupt
 * processing do it), then enter. Skipping the sync leaves a stale ON from a
 * post made while SN was set, and every later post then sees ON already
 * set and asks for no IPI: the vCPU is never notified again.
 *
 * NDST: in x2APIC mode the destination APIC id is all 32 bits; in xAPIC
 * mode it sits in bits 15:8 (`apic_id << 8`). pvirq_x86_pi_ndst() encodes
 * it; pass its result to init and set_route.
 * @{ */

/**
 * @brief The NDST value naming physical APIC @p apic_id.
 * @param x2apic true when the host's local APIC is in x2APIC mode.
 * @return @p apic_id (x2APIC) or `(apic_id & 0xFF) << 8` (xAPIC).
 */
static inline uint32_t pvirq_x86_pi_ndst(uint32_t apic_id, bool x2apic)
{
	return x2apic ? apic_id : (apic_id & 0xFFu) << 8;
}

/**
 * @brief Zeroes @p desc and sets NV and NDST. Not concurrent with anything.
 * @return PVIRQ_OK, or PVIRQ_EINVAL (nothing written) for @p nv below
 *         PVIRQ_X86_PI_VECTOR_MIN.
 */
PVIRQ_API int pvirq_x86_pi_init(struct pvirq_x86_pi_desc *desc, uint8_t nv, uint32_t ndst);

/**
 * @brief Posts @p vector: sets its PIR bit, then ON.
 * ON is set even when SN is (so pvirq_x86_pi_sync() still harvests).
 * A @p vector below PVIRQ_X86_PI_VECTOR_MIN is refused: nothing is posted
 * and false is returned (the VMM chooses the vector; check it there).
 * @return true when the caller must send the notification IPI: ON went
 *         from 0 to 1 and SN is clear. Lock-free, two atomic RMWs.
 */
PVIRQ_API bool pvirq_x86_pi_post(struct pvirq_x86_pi_desc *desc, uint8_t vector);

/** @brief Clears ON; returns whether it was set. One atomic RMW (seq_cst). */
PVIRQ_API bool pvirq_x86_pi_test_and_clear_on(struct pvirq_x86_pi_desc *desc);

/** @brief Clears the PIR bit of @p vector; returns whether it was set. One atomic RMW. */
PVIRQ_API bool pvirq_x86_pi_test_and_clear_pir(struct pvirq_x86_pi_desc *desc, uint8_t vector);

/**
 * @brief Moves every posted vector into @p irr (256 bits, caller-owned,
 * ORed into): clears ON, then exchanges each non-zero PIR word with 0.
 * Each PIR bit is harvested by exactly one sync (or test-and-clear).
 * @return true if any bit was harvested. Lock-free.
 */
PVIRQ_API bool pvirq_x86_pi_sync(struct pvirq_x86_pi_desc *desc, uint64_t irr[4]);

/** @brief Sets (vCPU preempted) or clears (vCPU running) SN. One atomic RMW. */
PVIRQ_API void pvirq_x86_pi_set_sn(struct pvirq_x86_pi_desc *desc, bool suppress);

/**
 * @brief Changes NV and NDST (vCPU moved to another physical CPU) keeping
 * ON and SN: a compare-and-swap loop on word 4, lock-free.
 * @return PVIRQ_OK, or PVIRQ_EINVAL (nothing changed) for @p nv below
 *         PVIRQ_X86_PI_VECTOR_MIN.
 */
PVIRQ_API int pvirq_x86_pi_set_route(struct pvirq_x86_pi_desc *desc, uint8_t nv, uint32_t ndst);

/** @brief Atomic snapshot of word 4 (ON, SN, NV, NDST). */
PVIRQ_API uint64_t pvirq_x86_pi_control(const struct pvirq_x86_pi_desc *desc);

/** @} */

/**
 * @brief The KVM_INTERRUPT path for a userspace VMM with no in-kernel
 * irqchip. Before each KVM_RUN the vCPU thread computes
 * line = pvirq_vcpu_rearm() and calls this with
 * kvm_run.ready_for_interrupt_injection:
 *  - line low: NOTHING (request_interrupt_window = 0);
 *  - line high and ready: INJECT (KVM_INTERRUPT, irq = upcall vector;
 *    request_interrupt_window = 0);
 *  - line high, not ready (IF = 0, STI/MOV SS shadow, or an injection
 *    still pending): REQUEST_WINDOW (request_interrupt_window = 1); KVM
 *    returns with KVM_EXIT_IRQ_WINDOW_OPEN as soon as the guest can take
 *    an interrupt, and the loop comes back here.
 * Injecting again while the line stays high is intended: the guest's
 * upcall handler acknowledges until NO_INTERRUPTS, so an extra upcall is
 * at worst spurious, never lost. The notify() callback kicks a running
 * vCPU out of KVM_RUN (signal / immediate_exit) so that it gets here.
 * Pure function.
 */
PVIRQ_API enum pvirq_x86_kvm_entry pvirq_x86_kvm_entry_action(bool line, bool ready_for_injection);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_ARCH_X86_64_H */
