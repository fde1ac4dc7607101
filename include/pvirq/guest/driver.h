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
 * | set_class                             | nothing (boot CPU, before any cpu_up)      |
 * | cpu_set_shared                        | nothing on the same CPU (before its cpu_up)|
 * | handle_nmi                            | everything; it may interrupt handle_irq,   |
 * |                                       | set_priority_mask and EOIs of its own CPU  |
 * | set_priority_mask, cpu_shutdown       | everything but other calls on the same CPU |
 * | set_priority                          | as route (it acts on any CPU's instance)   |
 *
 * A struct pvirq_guest_cpu is used only by its own CPU, except that
 * route, unroute and retarget use their @p cpu only for its trap (they
 * touch no counter and nothing of the CPU's own instance), so any CPU's
 * object whose trap works from the calling CPU will do (the native trap
 * does from every CPU).
 */
#ifndef PVIRQ_GUEST_DRIVER_H
#define PVIRQ_GUEST_DRIVER_H

#include "../shared_state.h"
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
	/** A level-triggered source, so a line still high re-pends at end of
	 *  interrupt. Trusted (timer, PMU): unmask, then RVIC_RESAMPLE.
	 *  Untrusted (a level rVID input, PCI INTx, a UART; needs
	 *  PVIRQ_ABI_FEATURE_LEVEL_INPUTS): the handler quiets the device,
	 *  then RVID_RESAMPLE(its input), then unmask. */
	PVIRQ_GUEST_IRQ_LEVEL = 1u << 0,
	/** A per-CPU trusted INTID (IPI, timer): unmasked on every CPU by
	 *  pvirq_guest_cpu_up(). Without it a trusted INTID stays masked
	 *  until the caller unmasks it. */
	PVIRQ_GUEST_IRQ_PERCPU = 1u << 1,
};

/**
 * How a CPU uses its shared-state page (pvirq_guest_cpu_set_shared(), ABI
 * 0.4 PVIRQ_ABI_FEATURE_SHARED_STATE). End of interrupt is always done in
 * memory once the page is shared; these flags choose the rest.
 */
enum pvirq_guest_shared_flags {
	/** Acknowledge in memory too (a compare-and-swap on the page), so an
	 *  edge to an unmasked INTID costs no hypercall. Right where the
	 *  upcall is a one-shot event the guest consumes (x86: the upcall
	 *  vector with KVM PV-EOI). Wrong where the line is a level only the
	 *  hypervisor lowers at its next entry (arm64 HCR_EL2.VI, riscv64
	 *  hvip.VSEIP): an acknowledge that does not trap would leave the
	 *  line high, so there ACKNOWLEDGE stays a call. */
	PVIRQ_GUEST_SHARED_ACK_IN_MEMORY = 1u << 0,
	/** End of interrupt that finds its INTID pending again (an edge
	 *  latched while it was masked, which the hypervisor did not signal
	 *  because it was masked) calls RVIC_CLEAR_MASKED(self, intid) at once
	 *  so the hypervisor re-evaluates the line. Without this flag the
	 *  handler loop takes it itself (one more acknowledge round) and
	 *  makes that call only if the loop has to stop before a round that
	 *  finds nothing. */
	PVIRQ_GUEST_SHARED_EOI_REEVALUATE = 1u << 1,
};

/** The shared-page flags for the architecture this file is compiled for:
 *  acknowledge in memory on x86_64, a call on arm64 and riscv64. */
#if defined(__x86_64__)
#define PVIRQ_GUEST_SHARED_ARCH_DEFAULT PVIRQ_GUEST_SHARED_ACK_IN_MEMORY
#else
#define PVIRQ_GUEST_SHARED_ARCH_DEFAULT 0u
#endif

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
	/** Priority class (pvirq_guest_set_class()): applied by cpu_up (a
	 *  PERCPU INTID) and by route/retarget (an untrusted one). */
	uint32_t cls;
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
	/** 1 once any INTID got a class other than 0: until then the core
	 *  makes no SET_PRIORITY call at all, so a guest that never uses
	 *  classes keeps the hypervisor's class-blind acknowledge. */
	uint32_t classes_used;
	uint32_t reserved; /**< Padding; 0. */
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

	/* The shared-state page (pvirq_guest_cpu_set_shared()). */
	uint64_t *page;	      /**< The page as this CPU addresses it, or NULL. */
	uint64_t page_gpa;    /**< Its guest-physical address. */
	uint32_t page_flags;  /**< enum pvirq_guest_shared_flags. */
	uint32_t page_shared; /**< 1 while SHARE_STATE is in force (cpu_up to cpu_down). */
	int64_t share_status; /**< Status of the last SHARE_STATE (0: shared). */
	/** Per priority class: the INTID after which the next in-memory
	 *  acknowledge of that class starts looking (round robin). */
	uint32_t ack_cursor[PVIRQ_PRIORITY_CLASSES];
	uint32_t floor; /**< The priority floor this CPU set (0 at cpu_up). */
	/** 1 once this CPU made a priority call on its own instance since
	 *  cpu_up: the hypervisor honours classes and the floor of an instance
	 *  only from its first priority call on, so the floor may be raised
	 *  in memory only after one. */
	uint32_t priority_used;
	uint64_t mem_acks;    /**< Acknowledges done in memory. */
	uint64_t mem_eois;    /**< Ends of interrupt done in memory. */
	uint64_t repended;    /**< In-memory EOIs that found their INTID pending. */
	uint64_t reevaluated; /**< CLEAR_MASKED calls made for the re-evaluate rule. */
	/* The NMI entry (pvirq_guest_handle_nmi()) counts apart: it can
	 * interrupt handle_irq on this CPU mid-increment. */
	uint64_t nmi_handled;  /**< Handler calls from the NMI entry. */
	uint64_t nmi_spurious; /**< NMI entries whose first ACKNOWLEDGE_NMI found nothing. */
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
 *         range, a PERCPU flag on an untrusted INTID, or a LEVEL flag on
 *         an untrusted INTID without PVIRQ_ABI_FEATURE_LEVEL_INPUTS.
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
 * RESAMPLE for a LEVEL trusted source; RVID_RESAMPLE, then CLEAR_MASKED
 * for a LEVEL untrusted one). With a shared page (cpu_set_shared) the
 * unmask is an atomic AND on the page and, with
 * PVIRQ_GUEST_SHARED_ACK_IN_MEMORY, the acknowledge is a compare-and-swap
 * there (highest class at or above the floor first, round robin within a
 * class); an unmask that finds its INTID pending again is taken in the
 * same loop or re-evaluated with a call, and a loop that stops before an
 * empty round with something deliverable left makes one CLEAR_MASKED of
 * it so the hypervisor raises the line again (the re-evaluate rule). Stops at the first status other than
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

/* ---- ABI 0.4: shared-state page, level rVID inputs, priority classes. ---- */

/**
 * @brief Gives this CPU a shared-state page (before its pvirq_guest_cpu_up()).
 *
 * @p page is PVIRQ_SHARED_STATE_SIZE bytes of this guest's RAM, aligned to
 * its size, that the guest never frees or reuses while shared; @p gpa is
 * its guest-physical address (the kernel's virt_to_phys of @p page). If
 * the hypervisor advertises PVIRQ_ABI_FEATURE_SHARED_STATE, cpu_up shares
 * it (RVIC_SHARE_STATE, before ENABLE) and from then on end of interrupt,
 * and with PVIRQ_GUEST_SHARED_ACK_IN_MEMORY acknowledge too, are atomic
 * instructions on the page instead of hypercalls. If not, or if the call
 * fails (share_status says why), the CPU keeps trapping: nothing else
 * changes. cpu_down, cpu_shutdown and kexec_reset unshare it.
 * @p page NULL takes the page away (the next cpu_up unshares).
 * @return 0, or PVIRQ_ABI_STATUS(ERROR_PARAMETER, 0) for a misaligned page
 *         or PVIRQ_ABI_STATUS(ERROR_PARAMETER, 2) for flags it does not know.
 */
PVIRQ_API int64_t pvirq_guest_cpu_set_shared(struct pvirq_guest_cpu *cpu, void *page, uint64_t gpa,
					     uint32_t flags);

/**
 * @brief This CPU's part of a reboot or kexec (on this CPU, interrupts
 * off, like KVM's PV-MSR teardown): DISABLE, then RVIC_UNSHARE_STATE, so
 * the hypervisor never writes the page after the next kernel reuses the
 * memory. Run it on every CPU before jumping to the next kernel; the CPU
 * running pvirq_guest_kexec_reset() need not (that does it for itself).
 * @return 0 or the first failing status word.
 */
PVIRQ_API int64_t pvirq_guest_cpu_shutdown(struct pvirq_guest_cpu *cpu);

/**
 * @brief Records the priority class of @p intid (before any CPU is up),
 * applied where the INTID is used: on every CPU by cpu_up for a PERCPU
 * trusted INTID, on the target by route and retarget for an untrusted
 * one (RVIC_SET_PRIORITY, when PVIRQ_ABI_FEATURE_PRIORITY is advertised).
 * @return 0; PVIRQ_ABI_STATUS(ERROR_PARAMETER, 0) for an INTID out of
 *         range; PVIRQ_ABI_STATUS(ERROR_PARAMETER, 1) for @p cls >=
 *         PVIRQ_PRIORITY_CLASSES, or PVIRQ_PRIORITY_NMI without
 *         PVIRQ_ABI_FEATURE_NMI.
 */
PVIRQ_API int64_t pvirq_guest_set_class(struct pvirq_guest_driver *drv, uint32_t intid,
					uint32_t cls);

/**
 * @brief RVIC_SET_PRIORITY(@p target, @p intid, @p cls) now, for a change
 * at run time (the table's class is updated too).
 * @return 0 or the status word; NOT_SUPPORTED without
 *         PVIRQ_ABI_FEATURE_PRIORITY (no call is made).
 */
PVIRQ_API int64_t pvirq_guest_set_priority(struct pvirq_guest_cpu *cpu, uint64_t target,
					   uint32_t intid, uint32_t cls);

/**
 * @brief Sets this CPU's priority floor: INTIDs of classes below @p floor
 * are held off (stay pending, do not interrupt) until it is lowered; the
 * NMI class is never held off. Raising it on a shared page is one atomic
 * store (nothing can become deliverable by a raise, so the hypervisor
 * need not know at once); lowering, and any change without a page, is
 * RVIC_SET_PRIORITY_MASK, which re-evaluates the line. On this CPU only.
 * @return 0 or the status word; NOT_SUPPORTED without
 *         PVIRQ_ABI_FEATURE_PRIORITY; ERROR_PARAMETER for @p floor >=
 *         PVIRQ_PRIORITY_CLASSES.
 */
PVIRQ_API int64_t pvirq_guest_set_priority_mask(struct pvirq_guest_cpu *cpu, uint32_t floor);

/**
 * @brief The NMI entry (x86: the guest's NMI handler, when INFO(2) has
 * PVIRQ_ABI_FEATURE_NMI): RVIC_ACKNOWLEDGE_NMI in a loop until it answers
 * anything but SUCCESS, at most T+U rounds, each INTID to its handler and
 * its end of interrupt as in pvirq_guest_handle_irq(). NMIs coalesce, so
 * the loop drains whatever became deliverable meanwhile; an NMI that finds
 * nothing is normal after such a drain.
 * @return the number of handlers run.
 */
PVIRQ_API uint32_t pvirq_guest_handle_nmi(struct pvirq_guest_cpu *cpu);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_GUEST_DRIVER_H */
