/* SPDX-License-Identifier: MIT */
/**
 * @file guest/trap.h
 * @brief The guest driver core's only way out of the guest: a pluggable
 *        trap function.
 *
 * Every hypercall the driver core (guest/driver.h) makes goes through one
 * struct pvirq_guest_trap. In a guest kernel it is the native instruction
 * (pvirq_guest_trap_native(): HVC/SMC, port I/O/VMCALL/VMMCALL or ECALL,
 * the inline functions of pvirq/guest.h); in a host process it is any
 * function with the same contract, e.g. one that feeds the registers to
 * the real host library's decoder, so that the whole driver core runs in
 * unit tests. Freestanding: needs no C library.
 */
#ifndef PVIRQ_GUEST_TRAP_H
#define PVIRQ_GUEST_TRAP_H

#include "../guest.h"

PVIRQ_BEGIN_DECLS

/** @defgroup guest_trap Guest trap
 *  @{ */

/**
 * @brief Makes call @p id (PVIRQ_ABI_ID()) with arguments @p a0..@p a2.
 * @return the binding-independent status word and value, exactly as
 *         pvirq_guest_call_native() returns them. Must be a full memory
 *         barrier for the caller (a hypercall is). Called with whatever
 *         context the driver core's caller is in (interrupts off included):
 *         must not sleep.
 */
typedef struct pvirq_guest_ret (*pvirq_guest_trap_fn)(void *ctx, uint32_t id, uint64_t a0,
						      uint64_t a1, uint64_t a2);

/** A trap function and its context. One per CPU: the hypervisor learns the
 *  calling vCPU from the trap, so a host hook names its vCPU in @p ctx. */
struct pvirq_guest_trap {
	pvirq_guest_trap_fn call; /**< The trap. */
	void *ctx;		  /**< Its first argument. */
};

/**
 * @brief The native trap: pvirq_guest_call_native() with the conduit
 * encoded in @p ctx (see pvirq_guest_trap_native_init()). On an
 * architecture without a binding, every call is NOT_SUPPORTED.
 */
PVIRQ_API struct pvirq_guest_ret pvirq_guest_trap_native(void *ctx, uint32_t id, uint64_t a0,
							 uint64_t a1, uint64_t a2);

/** @brief Fills @p trap with the native trap through @p conduit. */
PVIRQ_API void pvirq_guest_trap_native_init(struct pvirq_guest_trap *trap,
					    enum pvirq_guest_conduit conduit);

/** @brief Makes one call through @p trap (a shorthand for trap->call()). */
static inline struct pvirq_guest_ret pvirq_guest_trap_call(const struct pvirq_guest_trap *trap,
							   uint32_t id, uint64_t a0, uint64_t a1,
							   uint64_t a2)
{
	return trap->call(trap->ctx, id, a0, a1, a2);
}

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_GUEST_TRAP_H */
