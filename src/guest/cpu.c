/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU bring-up and teardown (spec section 8.2, docs/spec/guest-guide.md
 * "CPU hotplug" and "kexec").
 *
 * Bring-up never trusts what it finds: firmware, a previous kernel or this
 * kernel's previous life of the CPU may have left INTIDs unmasked or
 * pending, so the instance is reset before ENABLE. Level lines are the
 * exception the hypervisor makes by itself: a line still high stays
 * or becomes pending again at ENABLE, so a timer that fired while the CPU
 * was offline is delivered once it is back.
 *
 * With a shared-state page, bring-up shares it while the instance is
 * disabled (the hypervisor insists), before the reset and the ENABLE, and
 * every way down (cpu_down, cpu_shutdown, kexec_reset) unshares it, so the
 * hypervisor never writes guest memory the kernel has stopped owning
 * (the rule KVM's PV MSRs follow: steal time, PV-EOI, async PF).
 *
 * Teardown moves first (so new device edges go elsewhere), drains (so what
 * is deliverable runs here, where its handler expects it), DISABLEs (from
 * then on IPIs to this CPU are dropped and say so), and finally rescues
 * what latched anyway: pending bits set before the DISABLE that were still
 * masked, or set by an edge that read the old route.
 */
#include "internal.h"

static int64_t reset_instance(struct pvirq_guest_cpu *cpu, uint64_t target)
{
	int64_t first = PVIRQ_ABI_SUCCESS;

	for (uint32_t i = 0; i < cpu->drv->nr_irqs; i++) {
		guest_keep_first(&first, GUEST_CALL(cpu, RVIC, SET_MASKED, target, i, 0).status);
		guest_keep_first(&first, GUEST_CALL(cpu, RVIC, CLEAR_PENDING, target, i, 0).status);
	}
	return first;
}

/* The instance's contents after DISABLE: RESET where offered, else the
 * per-INTID calls. */
static int64_t reset_disabled_own(struct pvirq_guest_cpu *cpu)
{
	/* 0.4: one call instead of 2 x (T+U). Only when advertised: a 0.3
	 * hypervisor answers NOT_SUPPORTED, and a future one could give
	 * number 11 to something else without the bit. */
	if (cpu->drv->features & PVIRQ_ABI_FEATURE_RESET)
		return GUEST_CALL(cpu, RVIC, RESET, 0, 0, 0).status;
	return reset_instance(cpu, cpu->self);
}

int64_t pvirq_guest_reset_own(struct pvirq_guest_cpu *cpu)
{
	int64_t status = GUEST_CALL(cpu, RVIC, DISABLE, 0, 0, 0).status;

	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	return reset_disabled_own(cpu);
}

/* A floor a previous kernel left would hold interrupts off for ever.
 * RESET clears it (and every class) already; only a hypervisor with
 * classes but without RESET, which no version defines, needs the call. */
static int64_t reset_floor(struct pvirq_guest_cpu *cpu)
{
	const uint64_t features = cpu->drv->features;
	int64_t status;

	cpu->floor = 0;
	cpu->priority_used = 0;
	if (!(features & PVIRQ_ABI_FEATURE_PRIORITY) || (features & PVIRQ_ABI_FEATURE_RESET))
		return PVIRQ_ABI_SUCCESS;
	status = GUEST_CALL(cpu, RVIC, SET_PRIORITY_MASK, 0, 0, 0).status;
	if (status == PVIRQ_ABI_SUCCESS)
		cpu->priority_used = 1;
	return status;
}

int64_t pvirq_guest_cpu_up(struct pvirq_guest_cpu *cpu)
{
	const struct pvirq_guest_driver *drv = cpu->drv;
	int64_t status = GUEST_CALL(cpu, RVIC, DISABLE, 0, 0, 0).status;

	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	/* Share (or release a stale page) while disabled: the hypervisor
	 * refuses both on an enabled instance, and an ENABLE that found the
	 * words in the old place would raise the line from stale state. A
	 * refused page is not fatal: share_status says why, and the CPU
	 * traps as a 0.3 guest does. */
	status = pvirq__guest_share(cpu);
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	status = reset_disabled_own(cpu);
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	status = reset_floor(cpu);
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	status = GUEST_CALL(cpu, RVIC, ENABLE, 0, 0, 0).status;
	if (status != PVIRQ_ABI_SUCCESS)
		return status;
	for (uint32_t i = 0; i < drv->nr_trusted; i++) {
		const struct pvirq_guest_irq *irq = &drv->irqs[i];

		if (!irq->handler || !(irq->flags & PVIRQ_GUEST_IRQ_PERCPU))
			continue;
		/* RESET left every class 0: only other classes need a call. */
		if (drv->irqs[i].cls || !(drv->features & PVIRQ_ABI_FEATURE_RESET)) {
			status = pvirq__guest_apply_class(cpu, cpu->self, i);
			if (status != PVIRQ_ABI_SUCCESS)
				return status;
		}
		status = GUEST_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, i, 0).status;
		if (status != PVIRQ_ABI_SUCCESS)
			return status;
		/* A line raised while this CPU was offline: libpvirq pends it
		 * at ENABLE already, but a hypervisor that only remembers
		 * levels at RESAMPLE (the 2020 reference) needs this. */
		if (irq->flags & PVIRQ_GUEST_IRQ_LEVEL) {
			status = GUEST_CALL(cpu, RVIC, RESAMPLE, i, 0, 0).status;
			if (status != PVIRQ_ABI_SUCCESS)
				return status;
		}
	}
	return PVIRQ_ABI_SUCCESS;
}

/* After DISABLE: what is still pending here cannot be delivered here.
 * Untrusted INTIDs go to the CPU their route names now; trusted ones with
 * a handler run here once (IPIs whose sender waits, a timer). The pending
 * bit is cleared first, so the handler sees the state after the event. A
 * level line that is still high is pended again by the next cpu_up's
 * ENABLE, which delivers it. */
static int64_t rescue_pending(struct pvirq_guest_cpu *cpu)
{
	const struct pvirq_guest_driver *drv = cpu->drv;
	int64_t first = PVIRQ_ABI_SUCCESS;

	for (uint32_t i = 0; i < drv->nr_irqs; i++) {
		const struct pvirq_guest_irq *irq = &drv->irqs[i];
		struct pvirq_guest_ret pending = GUEST_CALL(cpu, RVIC, IS_PENDING, cpu->self, i, 0);

		if (pending.status != PVIRQ_ABI_SUCCESS) {
			guest_keep_first(&first, pending.status);
			continue;
		}
		if (!pending.value || !irq->handler)
			continue;
		if (i >= drv->nr_trusted) {
			if (!guest_route_is_routed(irq) || guest_route_target(irq) == cpu->self)
				continue;
			GUEST_CALL(cpu, RVIC, CLEAR_PENDING, cpu->self, i, 0);
			guest_keep_first(
				&first, GUEST_CALL(cpu, RVIC, SIGNAL, guest_route_target(irq), i, 0)
						.status);
		} else {
			GUEST_CALL(cpu, RVIC, CLEAR_PENDING, cpu->self, i, 0);
			irq->handler(irq->ctx, cpu, i);
		}
		cpu->rescued++;
	}
	return first;
}

int64_t pvirq_guest_cpu_down(struct pvirq_guest_cpu *cpu, uint64_t fallback)
{
	const struct pvirq_guest_driver *drv = cpu->drv;
	int64_t first = PVIRQ_ABI_SUCCESS;

	if (fallback == cpu->self)
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_INVALID_CPU, 0);
	for (uint32_t i = drv->nr_trusted; i < drv->nr_irqs; i++) {
		const struct pvirq_guest_irq *irq = &drv->irqs[i];

		if (guest_route_is_routed(irq) && guest_route_target(irq) == cpu->self)
			guest_keep_first(&first, pvirq__guest_retarget_locked(cpu, i, fallback));
	}
	pvirq_guest_handle_irq(cpu, 0);
	guest_keep_first(&first, GUEST_CALL(cpu, RVIC, DISABLE, 0, 0, 0).status);
	guest_keep_first(&first, rescue_pending(cpu));
	/* Last: the rescue still reads the words (through the page or not,
	 * the calls see the same). An offline CPU's page may be freed or
	 * reused; the next cpu_up shares it again. */
	if (cpu->page_shared)
		guest_keep_first(&first, pvirq__guest_unshare(cpu));
	return first;
}

int64_t pvirq_guest_cpu_shutdown(struct pvirq_guest_cpu *cpu)
{
	int64_t first = GUEST_CALL(cpu, RVIC, DISABLE, 0, 0, 0).status;

	/* Unconditionally where offered: a page some earlier kernel shared
	 * on this CPU must not outlive this one either. */
	guest_keep_first(&first, pvirq__guest_unshare(cpu));
	return first;
}

int64_t pvirq_guest_kexec_reset(struct pvirq_guest_cpu *cpu, const uint64_t *cpu_ids,
				uint32_t nr_cpus)
{
	struct pvirq_guest_driver *drv = cpu->drv;
	int64_t first = PVIRQ_ABI_SUCCESS;

	/* Unmap first, so no device edge lands while the instances are reset. */
	for (uint32_t input = 0; input < drv->nr_inputs; input++)
		guest_keep_first(&first, GUEST_CALL(cpu, RVID, UNMAP, input, 0, 0).status);
	for (uint32_t i = drv->nr_trusted; i < drv->nr_irqs; i++)
		guest_route_set(&drv->irqs[i], 0, false);
	guest_keep_first(&first, pvirq_guest_reset_own(cpu));
	/* Disabled by the reset: the page can go. The other CPUs' pages are
	 * theirs to unshare (UNSHARE_STATE acts on the caller only): each
	 * runs pvirq_guest_cpu_shutdown() in its stop path; a crash kernel
	 * that cannot run it lives in memory the old kernel never used, and
	 * its cpu_up releases any page still registered. */
	guest_keep_first(&first, pvirq__guest_unshare(cpu));
	for (uint32_t c = 0; c < nr_cpus; c++) {
		if (cpu_ids[c] != cpu->self)
			guest_keep_first(&first, reset_instance(cpu, cpu_ids[c]));
	}
	return first;
}
