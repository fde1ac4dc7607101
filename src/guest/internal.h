/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the guest driver core: one typed call per ABI call,
 * through the CPU's trap, and the atomic accessors of a route.
 */
#ifndef PVIRQ_GUEST_INTERNAL_H
#define PVIRQ_GUEST_INTERNAL_H

#include <pvirq/guest/driver.h>

#define GUEST_CALL(cpu, part, name, a0, a1, a2)                                       \
	pvirq_guest_trap_call(&(cpu)->trap, PVIRQ_ABI_ID(part, name), (uint64_t)(a0), \
			      (uint64_t)(a1), (uint64_t)(a2))

/* Keeps the first failure of a sequence that goes on after it. */
static inline void guest_keep_first(int64_t *first, int64_t status)
{
	if (*first == PVIRQ_ABI_SUCCESS)
		*first = status;
}

static inline bool guest_is_untrusted(const struct pvirq_guest_driver *drv, uint32_t intid)
{
	return intid >= drv->nr_trusted && intid < drv->nr_irqs;
}

/* A route is written under the caller's routing lock and read without it
 * by the end-of-interrupt path on any CPU. Release on the writer and
 * acquire on the reader are enough: the reader only decides whether to
 * unmask, and either answer is safe (see irq.c); the orders just keep the
 * pair (routed, target) from being read older than the MAP it follows. */
static inline bool guest_route_is_here(const struct pvirq_guest_irq *irq, uint64_t self)
{
	return __atomic_load_n(&irq->routed, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&irq->target, __ATOMIC_ACQUIRE) == self;
}

static inline uint64_t guest_route_target(const struct pvirq_guest_irq *irq)
{
	/* Relaxed: only the routing-lock holder calls this, and it wrote
	 * the value itself or acquired the lock after the writer. */
	return __atomic_load_n(&irq->target, __ATOMIC_RELAXED);
}

static inline bool guest_route_is_routed(const struct pvirq_guest_irq *irq)
{
	/* Relaxed: as guest_route_target(). */
	return __atomic_load_n(&irq->routed, __ATOMIC_RELAXED) != 0;
}

/* The input of a route, read by the end-of-interrupt path without the
 * routing lock after guest_route_is_here() (whose acquire orders it after
 * the route's writes). Relaxed: an unroute and a route with another input
 * may rewrite it meanwhile; RVID_RESAMPLE of the wrong level input only
 * re-pends that input's own target if its line is high, spuriously. */
static inline uint32_t guest_route_input(const struct pvirq_guest_irq *irq)
{
	return __atomic_load_n(&irq->input, __ATOMIC_RELAXED);
}

static inline void guest_route_set(struct pvirq_guest_irq *irq, uint64_t target, bool routed)
{
	/* Release: see guest_route_is_here(). */
	__atomic_store_n(&irq->target, target, __ATOMIC_RELEASE);
	__atomic_store_n(&irq->routed, routed ? 1u : 0u, __ATOMIC_RELEASE);
}

int64_t pvirq__guest_retarget_locked(struct pvirq_guest_cpu *cpu, uint32_t intid, uint64_t target);

/* RVIC_SET_PRIORITY(target, intid, table class) where the hypervisor has
 * classes (priority.c): every INTID put into use gets its class, whatever
 * a previous kernel or route left there. */
int64_t pvirq__guest_apply_class(struct pvirq_guest_cpu *cpu, uint64_t target, uint32_t intid);

/* The shared-state page (shared.c). Valid only while cpu->page_shared. */

/* An in-memory acknowledge gave up after too many lost CAS races; not a
 * status the hypervisor sends (those are >= -1). */
#define PVIRQ__GUEST_GAVE_UP (-3)

/* SUCCESS with *intid acknowledged, NO_INTERRUPTS, or PVIRQ__GUEST_GAVE_UP. */
int64_t pvirq__guest_mem_ack(struct pvirq_guest_cpu *cpu, uint32_t *intid);
/* Unmasks @intid in memory; true if it was pending: deliverable now and
 * the hypervisor not told (the re-evaluate rule applies). */
bool pvirq__guest_mem_unmask(struct pvirq_guest_cpu *cpu, uint32_t intid);
/* Some INTID pending and not masked on the IRQ line (a class from the
 * floor up, without the NMI class where it has its own line) or, with
 * @nmi, of the NMI class. */
bool pvirq__guest_mem_find_deliverable(const struct pvirq_guest_cpu *cpu, bool nmi,
				       uint32_t *intid);
void pvirq__guest_mem_raise_floor(struct pvirq_guest_cpu *cpu, uint32_t floor);
uint32_t pvirq__guest_mem_floor(const struct pvirq_guest_cpu *cpu);
/* SHARE_STATE (or UNSHARE_STATE without a page); instance disabled. */
int64_t pvirq__guest_share(struct pvirq_guest_cpu *cpu);
int64_t pvirq__guest_unshare(struct pvirq_guest_cpu *cpu);

#endif /* PVIRQ_GUEST_INTERNAL_H */
