/* SPDX-License-Identifier: MIT */
/**
 * @file rvid.h
 * @brief The VM's rVID (distributor): maps device inputs to (vCPU,
 *        untrusted INTID). This is the untrusted side.
 *
 * Each input's mapping is one atomic word. Nothing reachable from this
 * file can make a trusted INTID pending: MAP accepts only untrusted INTIDs
 * and the inject path re-checks the class before touching an instance.
 *
 * Retarget without loss: pvirq_rvid_map() of an already-mapped input moves
 * the old target's pending bit to the new target, and pvirq_rvid_inject()
 * re-reads the mapping after setting pending and also signals the new
 * target if the mapping changed meanwhile. Whatever the interleaving, an
 * edge injected concurrently with a retarget ends pending on the new target
 * (or was already acknowledged on the old one). Duplicates are possible and
 * allowed (untrusted interrupts may be spurious); losses are not. MAPs of
 * one input must be serialized by the caller (the guest does so per IRQ).
 *
 * One input per (vCPU, INTID): a pending bit carries no name, so MAP
 * refuses a target another input holds (PVIRQ_EBUSY); otherwise a
 * retarget of one input could carry another input's edge away.
 */
#ifndef PVIRQ_RVID_H
#define PVIRQ_RVID_H

#include "vm.h"

/** Guest-physical address of the MSI doorbell (the reference's choice). */
#define PVIRQ_MSI_DOORBELL 0xBA5E0000ull

PVIRQ_BEGIN_DECLS

/** @defgroup rvid rVID distributor operations
 *  @{ */

/**
 * @brief Maps @p input to (@p vcpu, @p intid), replacing any mapping.
 * If the input was mapped elsewhere and the old (vCPU, INTID) is pending,
 * whatever made it pending (an edge, or a guest SIGNAL of that INTID), the
 * pending bit moves to the new (vCPU, INTID) (it stays on the old one if
 * the new target is disabled, so nothing is dropped). Mapping an input to
 * its current target changes nothing.
 * @return PVIRQ_OK; PVIRQ_EINPUT; PVIRQ_EVCPU; PVIRQ_EINTID if @p intid is
 *         not untrusted; PVIRQ_EBUSY if another input is mapped to
 *         (@p vcpu, @p intid). Failure changes nothing. Lock-free: a
 *         claim of the target (one atomic RMW), an exchange of the entry,
 *         the move, a release of the old target.
 */
PVIRQ_API int pvirq_rvid_map(struct pvirq_vm *vm, uint32_t input, uint32_t vcpu, uint32_t intid);

/**
 * @brief Unmaps @p input; later injections are ignored (a level input
 * keeps its level, and a later MAP pends it if high). An injection
 * racing with the unmap may still land on the old target (spurious). The
 * old target becomes free for another input.
 * @return PVIRQ_OK (also if not mapped) or PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_unmap(struct pvirq_vm *vm, uint32_t input);

/**
 * @brief Current mapping of @p input.
 * @return PVIRQ_OK; PVIRQ_EUNMAPPED (outputs untouched); PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_lookup(struct pvirq_vm *vm, uint32_t input, uint32_t *vcpu,
				uint32_t *intid);

/**
 * @brief A device raises an edge on @p input (the untrusted path).
 * The status tells where the edge went, also during a concurrent retarget:
 * PVIRQ_OK when it was latched on some instance (the current target, or
 * the previous one if a MAP to a disabled vCPU raced with it), so a caller
 * that re-queues on PVIRQ_EDISABLED never delivers twice.
 * @return PVIRQ_OK; PVIRQ_EUNMAPPED (ignored); PVIRQ_EDISABLED (every
 *         target it tried was disabled: dropped); PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_inject(struct pvirq_vm *vm, uint32_t input);

/**
 * @brief A device writes an MSI: @p addr must be PVIRQ_MSI_DOORBELL and
 * @p data is the rVID input number.
 * @return as pvirq_rvid_inject(), or PVIRQ_EADDRESS for another address.
 */
PVIRQ_API int pvirq_rvid_msi(struct pvirq_vm *vm, uint64_t addr, uint64_t data);

/**
 * @brief Makes @p input level-triggered (@p level true) or edge-triggered
 * (the reset value). Device-model configuration, not reachable from a
 * guest. A level input's level starts low. Lock-free (one RMW).
 * @return PVIRQ_OK or PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_set_trigger(struct pvirq_vm *vm, uint32_t input, bool level);

/**
 * @brief Drives the line of level-triggered @p input.
 *
 * Raising it (also when already high) records the level and then injects
 * as pvirq_rvid_inject() does; lowering it records the level and retracts
 * nothing already latched (the guest may see one spurious interrupt).
 * While the level is high it is re-pended at the guest's end of interrupt
 * (pvirq_rvid_resample()), when the input is mapped or retargeted
 * (pvirq_rvid_map()), and when its target vCPU is enabled or resets its
 * instance: a retarget, a disabled target or an unmapped input never
 * strands a high level. Level changes of one input are serialized by its
 * one device model.
 * @return as pvirq_rvid_inject() for a raise (the level is recorded
 *         whatever the status); PVIRQ_OK for a lower; PVIRQ_EINVAL if the
 *         input is edge-triggered; PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_set_level(struct pvirq_vm *vm, uint32_t input, bool high);

/** @brief The recorded level of @p input (false for an edge input).
 *  @return PVIRQ_OK or PVIRQ_EINPUT. */
PVIRQ_API int pvirq_rvid_get_level(struct pvirq_vm *vm, uint32_t input, bool *high);

/**
 * @brief RVID_RESAMPLE: the guest ended an interrupt of @p input (its
 * hwirq: the guest knows the input it mapped). If the input is
 * level-triggered, calls the config's resample() for it and then, if its
 * level is high, pends its current target again (as a SIGNAL). For an edge
 * input: nothing. For an unmapped level input resample() is still called
 * (the device model learns of the end of interrupt) and nothing pends. Lock-free; nothing here can pend a
 * trusted INTID (it reaches only the input's own untrusted target).
 * @return PVIRQ_OK; PVIRQ_EDISABLED if the level was high and the target
 *         is disabled (ENABLE pends it later); PVIRQ_EINPUT.
 */
PVIRQ_API int pvirq_rvid_resample(struct pvirq_vm *vm, uint32_t input);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_RVID_H */
