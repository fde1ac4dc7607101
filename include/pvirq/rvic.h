/* SPDX-License-Identifier: MIT */
/**
 * @file rvic.h
 * @brief Per-vCPU rVIC instance operations (the trusted part).
 *
 * Every INTID of an instance has two bits, pending and masked, kept in one
 * atomic word, so each operation below is a single linearizable atomic step
 * on that INTID (acknowledge: one compare-and-swap), with three exceptions,
 * stated exactly at their functions and in the spec's Atomicity rules:
 * pvirq_rvic_signal() against pvirq_rvic_disable() (two steps), a negative
 * pvirq_rvic_acknowledge() (exact per INTID, not a snapshot of all), and
 * pvirq_rvic_clear_pending() of a high level line (clear, then resample).
 * All operations are lock-free and may be called from any thread
 * concurrently with any other operation on the same or another instance.
 * Memory ordering: every state change is sequentially consistent, so the
 * store-buffering pairs (signal vs. rearm, unmask vs. enable, inject vs.
 * retarget, level rise vs. enable) cannot both miss each other.
 *
 * Arguments are vCPU indexes (0..nr_vcpus-1) and INTIDs (0..T+U-1).
 * Failure leaves the state unchanged. Callers in this file are trusted: a
 * guest reaches them only through the hypercall decoders, which check
 * their own rules first.
 */
#ifndef PVIRQ_RVIC_H
#define PVIRQ_RVIC_H

#include "shared_state.h"
#include "vm.h"

PVIRQ_BEGIN_DECLS

/** @defgroup rvic rVIC instance operations
 *  @{ */

/**
 * @brief Enables the instance; the line takes effect at once.
 * Level semantics: every trusted INTID whose line is high (software level,
 * or the line_level() callback, which is called for each trusted INTID)
 * is made pending first. If an INTID is then deliverable, notify() is
 * called (unless already notified since the last rearm). Wait-free:
 * bounded by T callback calls and the state words.
 * @return PVIRQ_OK or PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_enable(struct pvirq_vm *vm, uint32_t vcpu);

/**
 * @brief Disables the instance: its line drops and injections that start
 * after this returns are dropped. Latched pending bits stay.
 * A signal that overlaps the disable may still latch its bit after it
 * (see pvirq_rvic_signal()); once every signal that overlapped it has
 * returned, nothing more latches.
 * @return PVIRQ_OK or PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_disable(struct pvirq_vm *vm, uint32_t vcpu);

/** @brief Whether the instance is enabled. @return PVIRQ_OK or PVIRQ_EVCPU. */
PVIRQ_API int pvirq_rvic_is_enabled(struct pvirq_vm *vm, uint32_t vcpu, bool *enabled);

/** @brief Masks @p intid. @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID. */
PVIRQ_API int pvirq_rvic_set_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/**
 * @brief Unmasks @p intid (end of interrupt). If it is pending and the
 * instance enabled, the line rises and notify() may be called.
 * @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID.
 */
PVIRQ_API int pvirq_rvic_clear_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/** @brief Whether @p intid is masked. @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID. */
PVIRQ_API int pvirq_rvic_is_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid,
				   bool *masked);

/** @brief Whether @p intid is pending. @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID. */
PVIRQ_API int pvirq_rvic_is_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid,
				    bool *pending);

/**
 * @brief Makes @p intid pending (any INTID: this is the trusted path).
 * Latches even when masked. If the INTID becomes deliverable, notify() may
 * be called for @p vcpu.
 *
 * Two steps: it reads whether the instance is enabled (which decides the
 * status), then latches. A pvirq_rvic_disable() and calls after it may
 * fall between, so a signal overlapping a disable can latch after it, and
 * after a clear_pending that followed the disable, and return PVIRQ_OK. A
 * signal that starts after a disable returned is always dropped.
 * @return PVIRQ_OK; PVIRQ_EDISABLED if the instance is disabled (dropped);
 *         PVIRQ_EVCPU; PVIRQ_EINTID.
 */
PVIRQ_API int pvirq_rvic_signal(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/**
 * @brief Clears the pending bit of @p intid.
 * Level semantics: for a trusted INTID whose line is high, this is a clear
 * followed by pvirq_rvic_resample() (two steps): on an enabled instance it
 * is pending again at once.
 * @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID.
 */
PVIRQ_API int pvirq_rvic_clear_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/**
 * @brief Acknowledges one deliverable INTID: in one atomic step clears its
 * pending bit and sets its masked bit, and returns it.
 *
 * Order: the highest priority class first (classes at or above the floor,
 * pvirq_rvic_set_priority_mask(); the NMI class only on a VM without an
 * NMI line), round robin within a class: the search starts at the INTID
 * after the last one of that class this instance acknowledged and wraps
 * around, so an INTID deliverable throughout is returned within as many
 * acknowledgements of its class as its class has INTIDs (starvation-free
 * inside a class). A higher class that stays deliverable starves every
 * lower one (strict priority). O(1) in the
 * number of INTIDs (two-level bitmap). Lock-free: a failed compare-and-swap
 * means another operation changed the word, and the search is retried.
 * Meant for the vCPU itself; concurrent calls on one instance are safe
 * (each INTID is returned once per pending edge) but race on the order.
 *
 * PVIRQ_ENOINTR is exact per INTID: every INTID was not deliverable at
 * some instant during the call (the summary's negative answer is
 * confirmed by reading every state word), so an INTID deliverable
 * throughout the call is never missed; within one state word of 32 INTIDs
 * it is a snapshot.
 * @return PVIRQ_OK with *intid set; PVIRQ_ENOINTR if nothing is
 *         deliverable; PVIRQ_EDISABLED if the instance is disabled;
 *         PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_acknowledge(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid);

/**
 * @brief RESAMPLE: re-reads the line of a trusted level-triggered source and
 * re-pends @p intid if the line is high (as pvirq_rvic_signal()).
 * The line is high if its software level (pvirq_rvic_set_level(), for
 * INTIDs below PVIRQ_MAX_LEVEL_LINES) is high or the config's line_level()
 * callback says so.
 * @return PVIRQ_OK (also when the line is low); PVIRQ_EINTID for an
 *         untrusted or out-of-range INTID; PVIRQ_EDISABLED if the line was
 *         high but the instance is disabled; PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_resample(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid);

/**
 * @brief Drives the software level line of trusted @p intid, one of the
 * first min(T, PVIRQ_MAX_LEVEL_LINES) INTIDs.
 * Raising it makes the INTID pending (as pvirq_rvic_signal()); lowering it
 * does not retract a latched pending bit (rVIC pending is a latch: the
 * guest may see one spurious interrupt, which the rVIC model allows).
 * While it is high, ENABLE and CLEAR_PENDING re-pend the INTID (level
 * semantics, pvirq_rvic_enable(), pvirq_rvic_clear_pending()).
 * Level changes of one line must be serialized by its owner (one device
 * model); the level bit itself is updated atomically.
 * @return PVIRQ_OK; PVIRQ_EDISABLED if raised while the instance is
 *         disabled (the level is still recorded); PVIRQ_EINTID for an
 *         INTID with no software line (untrusted, or >= PVIRQ_MAX_LEVEL_LINES);
 *         PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_set_level(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool level);

/** @brief The software level of trusted @p intid (as pvirq_rvic_set_level()).
 *  @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID. */
PVIRQ_API int pvirq_rvic_get_level(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool *level);

/**
 * @brief RVIC_SHARE_STATE: moves the instance's words (state, classes,
 * floor; shared_state.h) into guest page @p gpa.
 *
 * The instance must be disabled. The host copies its words into the page
 * and from then on every operation on this instance reads and writes the
 * page, which the guest may update with the atomic steps the spec allows
 * (acknowledge, end of interrupt, raising the floor) without a trap. The
 * page is hostile: the host clamps every index it derives from it, decides
 * only on the values its own read-modify-writes return, and bounds its
 * retries; summary, enabled, notified, level and rVID state stay in host
 * memory. Sharing again moves the words to the new page.
 *
 * Concurrency: an operation on this instance by another thread that
 * overlaps the call may act on the old place and be lost; a SIGNAL can do
 * so only if it also overlapped the DISABLE (the spec's atomicity
 * exception 7). The guest shares during CPU bring-up, before ENABLE.
 * @return PVIRQ_OK; PVIRQ_EENABLED if the instance is enabled;
 *         PVIRQ_EINVAL if @p gpa is not PVIRQ_SHARED_STATE_SIZE aligned or
 *         guest_page() refused it (or is NULL); PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_share_state(struct pvirq_vm *vm, uint32_t vcpu, uint64_t gpa);

/**
 * @brief RVIC_UNSHARE_STATE: copies the words back into host memory; the
 * host no longer touches the page. No page shared: PVIRQ_OK.
 * The instance must be disabled (same rule and exception as sharing).
 * @return PVIRQ_OK, PVIRQ_EENABLED or PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_unshare_state(struct pvirq_vm *vm, uint32_t vcpu);

/**
 * @brief The guest-physical address of the instance's shared page.
 * @return PVIRQ_OK with *gpa set; PVIRQ_EUNMAPPED if none is shared;
 *         PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_shared_state(struct pvirq_vm *vm, uint32_t vcpu, uint64_t *gpa);

/**
 * @brief RVIC_SET_PRIORITY: puts @p intid of instance @p vcpu in priority
 * class @p cls (0 lowest, the reset value; PVIRQ_PRIORITY_NMI highest).
 * One atomic step on the INTID's class word. If the INTID is deliverable
 * and the new class is one the line or the NMI edge had not counted, the
 * line is re-evaluated (notify() may be called).
 * @return PVIRQ_OK; PVIRQ_EINVAL for @p cls >= PVIRQ_PRIORITY_CLASSES, or
 *         PVIRQ_PRIORITY_NMI on a VM without an NMI line; PVIRQ_EVCPU;
 *         PVIRQ_EINTID.
 */
PVIRQ_API int pvirq_rvic_set_priority(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid,
				      uint32_t cls);

/** @brief The priority class of @p intid (as the host sees it now).
 *  @return PVIRQ_OK, PVIRQ_EVCPU or PVIRQ_EINTID. */
PVIRQ_API int pvirq_rvic_get_priority(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid,
				      uint32_t *cls);

/**
 * @brief RVIC_SET_PRIORITY_MASK: INTIDs of classes below @p floor are held
 * off: acknowledge skips them and they do not raise the line (they stay
 * pending). 0 (reset) holds off nothing; the NMI class is never held off.
 * Lowering the floor re-evaluates the line at once.
 * @return PVIRQ_OK; PVIRQ_EINVAL for @p floor >= PVIRQ_PRIORITY_CLASSES;
 *         PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_set_priority_mask(struct pvirq_vm *vm, uint32_t vcpu, uint32_t floor);

/** @brief The priority floor of the instance. @return PVIRQ_OK or PVIRQ_EVCPU. */
PVIRQ_API int pvirq_rvic_get_priority_mask(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *floor);

/**
 * @brief RVIC_ACKNOWLEDGE_NMI: as pvirq_rvic_acknowledge(), restricted to
 * INTIDs of class PVIRQ_PRIORITY_NMI (round robin among them; the floor
 * does not apply).
 * @return PVIRQ_OK with *intid set; PVIRQ_ENOINTR; PVIRQ_EDISABLED;
 *         PVIRQ_EVCPU.
 */
PVIRQ_API int pvirq_rvic_acknowledge_nmi(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_RVIC_H */
