/* SPDX-License-Identifier: MIT */
/**
 * @file guest/driver.h
 * @brief The guest driver core: what every guest interrupt-controller
 *        driver for this ABI does, written once (probe, CPU bring-up and
 *        hotplug, kexec reset, the interrupt entry path, IPIs, rVID
 *        routing and retargeting, MSI messages).
 *
 * Freestanding (no C library, no allocation: every table is caller
 * storage) and architecture-neutral: every hypercall goes through the
 * caller's struct pvirq_guest_trap (guest/trap.h), the native instruction
 * in a guest or a host hook in tests. The recipes it implements are those
 * of docs/spec/pvirq-abi.md section 8 and docs/spec/guest-guide.md.
 *
 * Objects:
 * - one struct pvirq_guest_driver per guest: what probe learned, plus the
 *   per-INTID table (handlers and routes) the caller provides;
 * - one struct pvirq_guest_cpu per CPU: its trap, its CPU id, counters.
 *
 * @par Synchronization table
 * | call                                  | may run concurrently with                 |
 * |---------------------------------------|--------------------------------------------|
 * | probe, set_handler                    | nothing (boot CPU, before any cpu_up)      |
 * | handle_irq, send_ipi                  | everything (each CPU on its own cpu object)|
 * | route, unroute, retarget, cpu_down    | handle_irq and send_ipi anywhere; NOT with |
 * |                                       | each other: hold one routing lock (Linux:  |
 * |                                       | the IRQ descriptor lock + hotplug lock)    |
 * | cpu_up                                | everything but cpu_down of the same CPU    |
 * | kexec_reset                           | nothing (other CPUs stopped)               |
 *
 * A struct pvirq_guest_cpu is used only by its own CPU, except that
 * route, unroute and retarget use their @p cpu only for its trap (they
 * touch no counter and nothing of the CPU's own instance), so any CPU's
 * object whose trap works from the calling CPU will do (the native trap
 * does from every CPU).
 */
#ifndef PVIRQ_GUEST_DRIVER_H
#define PVIRQ_GUEST_DRIVER_H

#include "trap.h"

PVIRQ_BEGIN_DECLS

/** @defgroup guest_driver Guest driver core
 *  @{ */

/** Oldest ABI minor version the driver core runs on (0.3, the 2020 one). */
#define PVIRQ_GUEST_MIN_MINOR 3u

/** Probe results (pvirq_guest_probe()); 0 is success. */
enum pvirq_guest_probe_result {
	PVIRQ_GUEST_PROBE_OK = 0,
	/** VERSION did not answer SUCCESS: no pvirq behind this conduit. */
	PVIRQ_GUEST_PROBE_ABSENT = -1,
	/** VERSION major is not 0 or minor < PVIRQ_GUEST_MIN_MINOR. */
	PVIRQ_GUEST_PROBE_TOO_OLD = -2,
	/** A feature the caller requires is not advertised in INFO(2). */
	PVIRQ_GUEST_PROBE_NO_FEATURE = -3,
	/** INFO(0)/INFO(1) failed or gave T, U outside the spec's bounds. */
	PVIRQ_GUEST_PROBE_BAD_SHAPE = -4,
	/** The caller's INTID table has fewer than T+U entries. */
	PVIRQ_GUEST_PROBE_TABLE_TOO_SMALL = -5,
};

/** Flags of a handler (pvirq_guest_set_handler()). */
enum pvirq_guest_irq_flags {
	/** A level-triggered trusted source (timer, PMU): end of interrupt
	 *  is CLEAR_MASKED then RESAMPLE, so a line still high re-pends. */
	PVIRQ_GUEST_IRQ_LEVEL = 1u << 0,
	/** A per-CPU trusted INTID (IPI, timer): unmasked on every CPU by
	 *  pvirq_guest_cpu_up(). Without it a trusted INTID stays masked
	 *  until the caller unmasks it. */
	PVIRQ_GUEST_IRQ_PERCPU = 1u << 1,
};

struct pvirq_guest_cpu;

/**
 * @brief An interrupt handler, called by pvirq_guest_handle_irq() on
 * @p cpu with INTID @p intid acknowledged (masked, not pending): it runs
 * at most once at a time per CPU, but an untrusted INTID being retargeted
 * may run on the old and the new CPU at once, and untrusted INTIDs may be
 * spurious (check the device).
 */
typedef void (*pvirq_guest_handler_fn)(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid);

/** One INTID of the guest: its handler and, for an untrusted INTID, its
 *  route. Caller storage (T+U entries); written by the driver core only. */
struct pvirq_guest_irq {
	pvirq_guest_handler_fn handler; /**< NULL: acknowledged and left masked. */
	void *ctx;			/**< Passed to the handler. */
	uint32_t flags;			/**< enum pvirq_guest_irq_flags. */
	uint32_t input;			/**< Untrusted: the rVID input routed to it. */
	/** Untrusted: CPU id it is routed to. Read without the routing lock by
	 *  the end-of-interrupt path, hence accessed atomically. */
	uint64_t target;
	/** Untrusted: 1 while routed (atomically accessed, as target). */
	uint32_t routed;
	uint32_t reserved; /**< Padding; 0. */
};

/** What probe learned; read-only afterwards. */
struct pvirq_guest_driver {
	uint32_t version;	      /**< VERSION value: major << 16 | minor. */
	uint32_t nr_trusted;	      /**< T (INFO 0). */
	uint32_t nr_untrusted;	      /**< U (INFO 1). */
	uint32_t nr_inputs;	      /**< N (INFO 3; 0 if unknown). */
	uint64_t features;	      /**< INFO 2 (0 on a 0.3 implementation). */
	uint32_t upcall_vector;	      /**< INFO 4 on x86_64, else 0. */
	uint32_t nr_irqs;	      /**< T+U: entries of irqs used. */
	struct pvirq_guest_irq *irqs; /**< Caller's table, T+U entries. */
};

/** One CPU as the driver core sees it. Counters are written by this CPU
 *  only (plain fields; read them when the CPU is quiet). */
struct pvirq_guest_cpu {
	struct pvirq_guest_driver *drv; /**< The guest's driver. */
	struct pvirq_guest_trap trap;	/**< This CPU's trap. */
	uint64_t self;			/**< This CPU's id (MPIDR aff., APIC id, hart id). */
	uint64_t handled;		/**< Handler calls from the entry path. */
	uint64_t unhandled;		/**< INTIDs acknowledged with no handler. */
	uint64_t spurious;		/**< Entries whose first ACK found nothing. */
	uint64_t stopped;		/**< ACK loops ended by another status or a bad INTID. */
	int64_t last_stop_status;	/**< The status (or -2 for a bad INTID) of the latest. */
	uint64_t rescued;		/**< Pending INTIDs cpu_down handed on or ran. */
};

/** An MSI message a device writes to raise an rVID input. */
struct pvirq_guest_msi {
	uint64_t address; /**< The doorbell (PVIRQ_MSI_DOORBELL unless firmware says). */
	uint32_t data;	  /**< The rVID input number. */
};

/**
 * @brief Probes the hypervisor through @p trap (boot CPU): VERSION (0.x,
 * x >= 3), INFO keys 0-4 (keys 2-4 optional: ERROR_PARAMETER reads as 0),
 * and fills @p drv, whose INTID table becomes @p irqs (cleared).
 * @param required_features INFO(2) bits the caller cannot run without.
 * @return PVIRQ_GUEST_PROBE_OK or a negative enum pvirq_guest_probe_result.
 */
PVIRQ_API int pvirq_guest_probe(struct pvirq_guest_driver *drv, const struct pvirq_guest_trap *trap,
				struct pvirq_guest_irq *irqs, uint32_t nr_irqs,
				uint64_t required_features);

/**
 * @brief Installs the handler of @p intid (before any CPU is up).
 * @return 0, or PVIRQ_ABI_STATUS(ERROR_PARAMETER, 0) for an INTID out of
 *         range or a LEVEL/PERCPU flag on an untrusted INTID.
 */
PVIRQ_API int64_t pvirq_guest_set_handler(struct pvirq_guest_driver *drv, uint32_t intid,
					  pvirq_guest_handler_fn handler, void *ctx,
					  uint32_t flags);

/** @brief Initialises @p cpu for the CPU with id @p self, calling through @p trap. */
PVIRQ_API void pvirq_guest_cpu_init(struct pvirq_guest_cpu *cpu, struct pvirq_guest_driver *drv,
				    const struct pvirq_guest_trap *trap, uint64_t self);

/**
 * @brief Resets the caller's own instance: DISABLE, then every INTID
 * masked and not pending (one RESET call when INFO(2) advertises
 * PVIRQ_ABI_FEATURE_RESET, else SET_MASKED + CLEAR_PENDING per INTID).
 * A level line that is high is not forgotten: the instance is disabled
 * here, and the ENABLE that follows pends every INTID whose line is high.
 * @return 0 or the first failing status word.
 */
PVIRQ_API int64_t pvirq_guest_reset_own(struct pvirq_guest_cpu *cpu);

/**
 * @brief Brings this CPU up (on this CPU, interrupts off): resets its
 * instance (pvirq_guest_reset_own()), ENABLEs it and unmasks every
 * PERCPU trusted INTID that has a handler. The platform's interrupt
 * vector/exception entry must already call pvirq_guest_handle_irq().
 * @return 0 or the first failing status word.
 */
PVIRQ_API int64_t pvirq_guest_cpu_up(struct pvirq_guest_cpu *cpu);

/**
 * @brief Takes this CPU down (on this CPU, interrupts off, after the OS
 * stopped sending it IPIs and routing to it): moves every untrusted INTID
 * routed here to @p fallback (pvirq_guest_retarget()), handles what is
 * still deliverable, DISABLEs the instance, then rescues what is still
 * pending: an untrusted INTID is cleared here and SIGNALled to its route's
 * target; a trusted one with a handler is cleared and its handler run here
 * once (as Linux flushes a dying CPU's IPI queue). A level line still high
 * is delivered after the next pvirq_guest_cpu_up() (its ENABLE pends it).
 * @return 0 or the first failing status word.
 */
PVIRQ_API int64_t pvirq_guest_cpu_down(struct pvirq_guest_cpu *cpu, uint64_t fallback);

/**
 * @brief For kexec / crash kernels (one CPU, the others stopped): unmaps
 * every rVID input, resets this CPU's instance, and masks and clears every
 * INTID of each of the @p nr_cpus other CPUs in @p cpu_ids (an instance
 * can only DISABLE itself: the next kernel's cpu_up does that). Nothing
 * stays mapped, and nothing pending but INTIDs whose level line is high on
 * an instance left enabled (a high line re-pends at the next ENABLE anyway).
 * @return 0 or the first failing status word (the reset continues past it).
 */
PVIRQ_API int64_t pvirq_guest_kexec_reset(struct pvirq_guest_cpu *cpu, const uint64_t *cpu_ids,
					  uint32_t nr_cpus);

/**
 * @brief The interrupt entry path (interrupts off): ACKNOWLEDGE in a loop,
 * dispatch each INTID to its handler, end of interrupt (CLEAR_MASKED, then
 * RESAMPLE for a LEVEL source). Stops at the first status other than
 * SUCCESS (NO_INTERRUPTS, DISABLED, NOT_SUPPORTED, anything), at an INTID
 * out of range, or after @p max_handled handlers (0 means T+U): the line
 * is level-like, so what remains interrupts again. 1 saves the final
 * NO_INTERRUPTS acknowledgement per interrupt where exits are dear; the
 * default drains in one entry. An INTID with no handler stays masked.
 * An untrusted INTID is unmasked only if it is still routed to this CPU
 * (a retarget meanwhile leaves it masked, as the retarget wants).
 * @return the number of handlers run.
 */
PVIRQ_API uint32_t pvirq_guest_handle_irq(struct pvirq_guest_cpu *cpu, uint32_t max_handled);

/**
 * @brief Sends IPI (trusted INTID) @p intid to CPU @p target: SIGNAL.
 * @return 0, or the status word: DISABLED means the target's instance is
 *         disabled (offline) and the IPI was dropped.
 */
PVIRQ_API int64_t pvirq_guest_send_ipi(struct pvirq_guest_cpu *cpu, uint64_t target,
				       uint32_t intid);

/**
 * @brief Routes rVID input @p input to untrusted INTID @p intid on CPU
 * @p target (MAP, then CLEAR_MASKED on the target). Under the routing lock.
 * If @p intid is already routed from @p input, this is pvirq_guest_retarget().
 * @return 0 or the first failing status word (ERROR_PARAMETER index 2 if
 *         the INTID is already used on that CPU by another input).
 */
PVIRQ_API int64_t pvirq_guest_route(struct pvirq_guest_cpu *cpu, uint32_t intid, uint32_t input,
				    uint64_t target);

/** @brief Detaches untrusted @p intid: SET_MASKED on its target, UNMAP.
 *  An edge already in flight may still arrive once. Under the routing lock.
 *  @return 0 or the first failing status word. */
PVIRQ_API int64_t pvirq_guest_unroute(struct pvirq_guest_cpu *cpu, uint32_t intid);

/**
 * @brief Moves routed untrusted @p intid to CPU @p target without losing
 * an edge (spec section 8.6: mask old, mask new, MAP, move a pending bit
 * by hand, unmask new). The same edge may be delivered on both CPUs.
 * Under the routing lock; @p target must be online.
 * @return 0 or the first failing status word.
 */
PVIRQ_API int64_t pvirq_guest_retarget(struct pvirq_guest_cpu *cpu, uint32_t intid,
				       uint64_t target);

/**
 * @brief The MSI message that raises rVID input @p input: write @p data
 * (32 bits) to @p address. @p doorbell is the firmware's MSI address
 * (PVIRQ_MSI_DOORBELL by default).
 */
PVIRQ_API struct pvirq_guest_msi pvirq_guest_msi_compose(uint64_t doorbell, uint32_t input);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_GUEST_DRIVER_H */
