/* SPDX-License-Identifier: MIT */
/*
 * rVID routing (spec sections 8.5 and 8.6) and MSI messages. The caller
 * serialises these (and cpu_down) with one routing lock; the route fields
 * are still written atomically because the end-of-interrupt path reads
 * them without the lock.
 */
#include "internal.h"

int64_t pvirq_guest_route(struct pvirq_guest_cpu *cpu, uint32_t intid, uint32_t input,
			  uint64_t target)
{
	struct pvirq_guest_irq *irq;
	int64_t status;

	if (!guest_is_untrusted(cpu->drv, intid))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	irq = &cpu->drv->irqs[intid];
	if (guest_route_is_routed(irq)) {
		/* Routing an attached INTID again is a move: the lost-edge
		 * protocol, not a bare MAP that would leave the old CPU's
		 * INTID unmasked. Another input on it is a caller bug. */
		if (irq->input != input)
			return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 1);
		return pvirq__guest_retarget_locked(cpu, intid, target);
	}
	status = GUEST_CALL(cpu, RVID, MAP, input, target, intid).status;
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	/* Relaxed: published by guest_route_set()'s release stores. */
	__atomic_store_n(&irq->input, input, __ATOMIC_RELAXED);
	guest_route_set(irq, target, true);
	status = pvirq__guest_apply_class(cpu, target, intid);
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	return GUEST_CALL(cpu, RVIC, CLEAR_MASKED, target, intid, 0).status;
}

int64_t pvirq_guest_unroute(struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct pvirq_guest_irq *irq;
	int64_t first = PVIRQ_ABI_SUCCESS;

	if (!guest_is_untrusted(cpu->drv, intid) || !guest_route_is_routed(&cpu->drv->irqs[intid]))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	irq = &cpu->drv->irqs[intid];
	guest_route_set(irq, guest_route_target(irq), false);
	guest_keep_first(
		&first,
		GUEST_CALL(cpu, RVIC, SET_MASKED, guest_route_target(irq), intid, 0).status);
	guest_keep_first(&first, GUEST_CALL(cpu, RVID, UNMAP, irq->input, 0, 0).status);
	return first;
}

/*
 * Why nothing is lost (the argument of spec section 8.6, step by step):
 * an edge latched on the old CPU before the MAP is either acknowledged
 * there already or pending there, masked by step 1 and moved by step 4;
 * an edge that reads the new mapping lands on the new CPU and step 5
 * unmasks it; an edge that read the old mapping but latched after step 4
 * looked is moved by the implementation itself (MAP moves a pending bit,
 * and the injection path re-signals the new target if the mapping changed
 * under it). The route fields change after the MAP succeeded, so the
 * old CPU's end of interrupt stops unmasking from then on.
 */
int64_t pvirq__guest_retarget_locked(struct pvirq_guest_cpu *cpu, uint32_t intid, uint64_t target)
{
	struct pvirq_guest_irq *irq = &cpu->drv->irqs[intid];
	uint64_t old = guest_route_target(irq);
	struct pvirq_guest_ret pending;
	int64_t status;

	if (old == target)
		return PVIRQ_ABI_SUCCESS;
	GUEST_CALL(cpu, RVIC, SET_MASKED, old, intid, 0);
	status = GUEST_CALL(cpu, RVIC, SET_MASKED, target, intid, 0).status;
	if (status != PVIRQ_ABI_SUCCESS)
		goto undo;
	/* The class travels with the route (set while still masked there). */
	status = pvirq__guest_apply_class(cpu, target, intid);
	if (status != PVIRQ_ABI_SUCCESS)
		goto undo;
	status = GUEST_CALL(cpu, RVID, MAP, irq->input, target, intid).status;
	if (status != PVIRQ_ABI_SUCCESS)
		goto undo;
	guest_route_set(irq, target, true);
	pending = GUEST_CALL(cpu, RVIC, IS_PENDING, old, intid, 0);
	if (pending.status == PVIRQ_ABI_SUCCESS && pending.value) {
		GUEST_CALL(cpu, RVIC, CLEAR_PENDING, old, intid, 0);
		/* A target that went down meanwhile (a caller bug) would drop
		 * it: put it back where it was rather than lose it. */
		if (GUEST_CALL(cpu, RVIC, SIGNAL, target, intid, 0).status != PVIRQ_ABI_SUCCESS)
			GUEST_CALL(cpu, RVIC, SIGNAL, old, intid, 0);
	}
	return GUEST_CALL(cpu, RVIC, CLEAR_MASKED, target, intid, 0).status;
undo:
	/* Still routed to the old CPU: let it deliver again. */
	GUEST_CALL(cpu, RVIC, CLEAR_MASKED, old, intid, 0);
	return status;
}

int64_t pvirq_guest_retarget(struct pvirq_guest_cpu *cpu, uint32_t intid, uint64_t target)
{
	if (!guest_is_untrusted(cpu->drv, intid) || !guest_route_is_routed(&cpu->drv->irqs[intid]))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	return pvirq__guest_retarget_locked(cpu, intid, target);
}

struct pvirq_guest_msi pvirq_guest_msi_compose(uint64_t doorbell, uint32_t input)
{
	struct pvirq_guest_msi msi;

	msi.address = doorbell;
	msi.data = input;
	return msi;
}
