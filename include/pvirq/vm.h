/* SPDX-License-Identifier: MIT */
/**
 * @file vm.h
 * @brief A VM's interrupt controller: configuration, placement in caller
 *        memory, reset, vCPU identity, and the per-vCPU output line.
 *
 * One `struct pvirq_vm` holds one rVIC instance per vCPU and the VM's rVID
 * (distributor). It lives entirely in memory the caller provides
 * (pvirq_vm_footprint() bytes, PVIRQ_CACHE_LINE aligned); the library never
 * allocates. Every vCPU's state starts on its own cache line, so vCPUs do
 * not share lines.
 *
 * @par Synchronization table
 * | call                         | may run concurrently with                       |
 * |------------------------------|--------------------------------------------------|
 * | pvirq_vm_init()              | nothing on the same memory                       |
 * | pvirq_vm_reset()             | nothing on the same VM (quiesce vCPUs and devices)|
 * | every rvic/rvid operation    | every other rvic/rvid operation, from any thread |
 * | pvirq_vcpu_rearm()           | everything, but one caller per vCPU at a time    |
 * | pvirq_vcpu_line(), queries   | everything                                       |
 */
#ifndef PVIRQ_VM_H
#define PVIRQ_VM_H

#include "common.h"

/** Largest number of vCPUs in one VM. */
#define PVIRQ_MAX_VCPUS 4096u
/** Largest INTID space (trusted + untrusted) of one rVIC instance. */
#define PVIRQ_MAX_INTIDS 2048u
/** Granularity and minimum of the trusted and untrusted INTID counts. */
#define PVIRQ_INTID_GRANULE 32u
/** Software level lines (pvirq_rvic_set_level()) exist for the trusted
 *  INTIDs [0, min(T, PVIRQ_MAX_LEVEL_LINES)). Level-triggered trusted
 *  sources are few (timers, PMU), and the bound keeps a vCPU's state
 *  within 4 bits per INTID (pending, masked, priority class) plus 3
 *  cache lines whatever T is. RESAMPLE of
 *  higher trusted INTIDs reads the line_level() callback only. */
#define PVIRQ_MAX_LEVEL_LINES 256u
/** Largest number of rVID inputs. */
#define PVIRQ_MAX_RVID_INPUTS 65536u

PVIRQ_BEGIN_DECLS

/** @defgroup vm VM lifecycle and vCPU lines
 *  @{ */

/** Opaque interrupt-controller state of one VM, in caller memory. */
struct pvirq_vm;

/**
 * @brief Told that a vCPU's line may have risen.
 *
 * Called synchronously from the thread whose operation made an INTID of
 * @p vcpu deliverable while the instance was enabled, at most once between
 * two pvirq_vcpu_rearm() calls for that vCPU (a burst of signals to a
 * running vCPU gives one call). Typical bodies: post-interrupt + IPI, kick
 * the vCPU thread out of KVM_RUN, set HCR_EL2.VI on the next entry.
 * May run concurrently on many threads and may call back into the library
 * (no lock is held); must not block for long.
 */
typedef void (*pvirq_notify_fn)(void *ctx, uint32_t vcpu);

/**
 * @brief Reads the level of a trusted level-triggered source.
 * @return true when the line of @p intid of @p vcpu is high.
 * Called from the thread performing RESAMPLE, CLEAR_PENDING of a trusted
 * INTID, or ENABLE (once for every trusted INTID); may run concurrently.
 * Must not block and must not call back into the library for @p vcpu.
 */
typedef bool (*pvirq_line_level_fn)(void *ctx, uint32_t vcpu, uint32_t intid);

/**
 * @brief Translates the guest-physical page a vCPU names in
 *        RVIC_SHARE_STATE into a host pointer.
 * @return a pointer to @p size bytes of that guest's RAM, valid (and at
 *         the same place) until the VM is destroyed, or NULL if [@p gpa,
 *         @p gpa + @p size) is not entirely guest RAM (the call then fails
 *         with ERROR_PARAMETER). @p gpa is hostile: check it.
 * Called from the vCPU's own call (and from snapshot restore); must not
 * block and must not call back into the library.
 */
typedef void *(*pvirq_guest_page_fn)(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size);

/**
 * @brief Told that the guest ended an interrupt of level-triggered rVID
 *        input @p input (RVID_RESAMPLE), in the style of KVM's resamplefd:
 *        the device model re-checks its condition and keeps or drops the
 *        level (pvirq_rvid_set_level()).
 * Called synchronously from the vCPU's call; may run concurrently for
 * different inputs; may call back into the library (no lock is held).
 */
typedef void (*pvirq_resample_fn)(void *ctx, uint32_t input);

/** Shape of a VM's interrupt controller. Read only by pvirq_vm_init(). */
struct pvirq_config {
	/** Number of vCPUs, 1..PVIRQ_MAX_VCPUS. vCPUs are indexed 0..nr_vcpus-1. */
	uint32_t nr_vcpus;
	/** Trusted INTIDs [0, T): IPIs, timers, PMU. >= 32, multiple of 32. */
	uint32_t nr_trusted;
	/** Untrusted INTIDs [T, T+U): device interrupts via the rVID.
	 *  >= 32, multiple of 32, T+U <= PVIRQ_MAX_INTIDS. */
	uint32_t nr_untrusted;
	/** Number of rVID inputs, 0..PVIRQ_MAX_RVID_INPUTS. */
	uint32_t nr_rvid_inputs;
	/** Architectural CPU id of each vCPU (MPIDR affinity, APIC id, hart id),
	 *  the "target" guests name in hypercalls. nr_vcpus distinct values,
	 *  copied at init. NULL means id == index. */
	const uint64_t *cpu_ids;
	/** Line-rise notification, or NULL for a hypervisor that polls. */
	pvirq_notify_fn notify;
	/** Passed to notify. */
	void *notify_ctx;
	/** Level reader for RESAMPLE of trusted sources, or NULL (then only
	 *  software lines set with pvirq_rvic_set_level() count). */
	pvirq_line_level_fn line_level;
	/** Passed to line_level. */
	void *line_level_ctx;
	/** Guest page translation for RVIC_SHARE_STATE (ABI 0.4), or NULL:
	 *  then SHARE_STATE fails with ERROR_PARAMETER and the feature bit is
	 *  still reported (a VMM that cannot map guest RAM cannot offer it:
	 *  set this). */
	pvirq_guest_page_fn guest_page;
	/** Passed to guest_page. */
	void *guest_page_ctx;
	/** End-of-interrupt notification of level rVID inputs (RVID_RESAMPLE), or NULL. */
	pvirq_resample_fn resample;
	/** Passed to resample. */
	void *resample_ctx;
	/** The hypervisor can deliver the NMI class on a second line (x86 NMI
	 *  injection; arm64 FEAT_NMI virtual NMI). false: class
	 *  PVIRQ_PRIORITY_NMI is refused and INFO does not report
	 *  PVIRQ_ABI_FEATURE_NMI. */
	bool nmi_line;
};

/**
 * @brief Checks a configuration.
 * @return PVIRQ_OK, or PVIRQ_EINVAL for a NULL pointer, a count out of
 *         range, or two vCPUs with the same CPU id (checked pairwise, as a
 *         pure check has no scratch memory: milliseconds at
 *         PVIRQ_MAX_VCPUS).
 * Pure function; thread-safe.
 */
PVIRQ_API int pvirq_config_check(const struct pvirq_config *cfg);

/**
 * @brief Bytes of memory a VM with this configuration needs.
 * @return the size, or 0 if pvirq_config_check() rejects @p cfg.
 * Pure function; thread-safe.
 */
PVIRQ_API size_t pvirq_vm_footprint(const struct pvirq_config *cfg);

/**
 * @brief Places a VM in caller memory, in its reset state.
 *
 * Reset state: every instance disabled, every INTID masked and not pending,
 * every level line low, every rVID input unmapped, acknowledge order at INTID 0.
 * @param mem  PVIRQ_CACHE_LINE-aligned memory of at least
 *             pvirq_vm_footprint(cfg) bytes, owned by the VM until the
 *             caller stops using it (there is nothing to tear down).
 * @param size bytes available at @p mem.
 * @param cfg  configuration, copied.
 * @param out  receives the VM handle (equal to @p mem).
 * @return PVIRQ_OK; PVIRQ_EINVAL for a bad config, NULL or misaligned
 *         memory; PVIRQ_ENOSPC if @p size is too small. On error nothing
 *         is written to @p mem.
 * Not thread-safe against any other use of @p mem.
 */
PVIRQ_API int pvirq_vm_init(void *mem, size_t size, const struct pvirq_config *cfg,
			    struct pvirq_vm **out);

/**
 * @brief Returns every instance and the rVID to the reset state (VM reboot).
 * The caller quiesces every vCPU and device of the VM first; the result of
 * a concurrent operation is undefined (but memory-safe).
 */
PVIRQ_API void pvirq_vm_reset(struct pvirq_vm *vm);

/** @brief Configuration counts of a VM. Thread-safe (read-only after init). */
PVIRQ_API uint32_t pvirq_vm_nr_vcpus(const struct pvirq_vm *vm);
/** @copydoc pvirq_vm_nr_vcpus */
PVIRQ_API uint32_t pvirq_vm_nr_trusted(const struct pvirq_vm *vm);
/** @copydoc pvirq_vm_nr_vcpus */
PVIRQ_API uint32_t pvirq_vm_nr_untrusted(const struct pvirq_vm *vm);
/** @copydoc pvirq_vm_nr_vcpus */
PVIRQ_API uint32_t pvirq_vm_nr_rvid_inputs(const struct pvirq_vm *vm);

/**
 * @brief Finds the vCPU whose architectural CPU id is @p cpu_id.
 * O(log nr_vcpus). Thread-safe.
 * @return PVIRQ_OK with *vcpu set, or PVIRQ_EVCPU if no vCPU has that id.
 */
PVIRQ_API int pvirq_vm_vcpu_by_cpu_id(const struct pvirq_vm *vm, uint64_t cpu_id, uint32_t *vcpu);

/**
 * @brief Architectural CPU id of vCPU @p vcpu.
 * @return PVIRQ_OK, or PVIRQ_EVCPU for an index out of range. Thread-safe.
 */
PVIRQ_API int pvirq_vm_cpu_id(const struct pvirq_vm *vm, uint32_t vcpu, uint64_t *cpu_id);

/**
 * @brief The vCPU's interrupt line: enabled && some INTID pending && !masked.
 *
 * A true answer names an INTID that was deliverable at that instant. A
 * false answer is exact per INTID: every INTID was not deliverable at some
 * instant during the call (not necessarily the same instant for all; it is
 * a snapshot within each state word of 32 INTIDs), so an INTID deliverable
 * throughout the call is never missed. Never blocks: wait-free, bounded by
 * the state words. Thread-safe. Index out of range: false.
 */
PVIRQ_API bool pvirq_vcpu_line(struct pvirq_vm *vm, uint32_t vcpu);

/**
 * @brief Guest-entry step: re-arms notification, then computes the line.
 *
 * Clears the vCPU's "notified" flag, then (after a full fence) computes
 * pvirq_vcpu_line(). Either the returned line is high, or any operation
 * that makes an INTID deliverable after the flag was cleared calls
 * notify() for this vCPU: no wake-up is lost. Call it on the vCPU's thread
 * immediately before entering the guest and inject if it returns true.
 * One caller per vCPU at a time; concurrent with everything else.
 */
PVIRQ_API bool pvirq_vcpu_rearm(struct pvirq_vm *vm, uint32_t vcpu);

/**
 * @brief The vCPU's NMI edge (VMs with pvirq_config.nmi_line): true once
 * after an INTID of class PVIRQ_PRIORITY_NMI became deliverable on an
 * enabled instance, then false until another does.
 *
 * Every such transition sets the edge and calls notify() if it was clear,
 * whatever the "notified" flag of the IRQ line says, so an NMI reaches a
 * vCPU that runs with interrupts disabled. The hypervisor calls this
 * before entering the guest and injects an NMI when it returns true; the
 * guest's NMI handler loops RVIC_ACKNOWLEDGE_NMI until NO_INTERRUPTS, so
 * an edge taken while the handler runs is never lost (at worst one NMI
 * finds nothing). One caller per vCPU at a time. Wait-free.
 * @return false also for an index out of range or a VM without an NMI line.
 */
PVIRQ_API bool pvirq_vcpu_take_nmi(struct pvirq_vm *vm, uint32_t vcpu);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_VM_H */
