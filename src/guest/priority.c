/* SPDX-License-Identifier: MIT */
/*
 * Priority classes (ABI 0.4, PVIRQ_ABI_FEATURE_PRIORITY): a class per
 * INTID, kept in the guest's table and applied wherever the INTID is put
 * into use, and the per-CPU floor. The NMI entry is in irq.c (it is the
 * acknowledge loop with another acknowledge).
 *
 * The hypervisor honours classes and the floor of an instance from its
 * first priority call on (before that it keeps its one-pass acknowledge),
 * so the first raise on a CPU is a call even with a page.
 *
 * Why the floor may be raised in memory but not lowered: raising it can
 * only make INTIDs stop being deliverable, and the worst a hypervisor that
 * has not noticed can do is raise the line for an INTID the acknowledge
 * then skips (one spurious entry). Lowering it makes held-off INTIDs
 * deliverable, which only the hypervisor can turn into a raised line:
 * that is SET_PRIORITY_MASK's re-evaluation.
 */
#include "internal.h"

static bool class_is_valid(const struct pvirq_guest_driver *drv, uint32_t cls)
{
	if (cls >= PVIRQ_PRIORITY_CLASSES)
		return false;
	return cls != PVIRQ_PRIORITY_NMI || (drv->features & PVIRQ_ABI_FEATURE_NMI);
}

int64_t pvirq_guest_set_class(struct pvirq_guest_driver *drv, uint32_t intid, uint32_t cls)
{
	if (intid >= drv->nr_irqs)
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	if (!class_is_valid(drv, cls))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 1);
	drv->irqs[intid].cls = cls;
	if (cls)
		drv->classes_used = 1;
	return PVIRQ_ABI_SUCCESS;
}

/* A priority call on this CPU's own instance succeeded: from now on the
 * hypervisor honours its floor, so raising it in memory is enough. */
static void note_priority_call(struct pvirq_guest_cpu *cpu, uint64_t target, int64_t status)
{
	if (status == PVIRQ_ABI_SUCCESS && target == cpu->self)
		cpu->priority_used = 1;
}

int64_t pvirq__guest_apply_class(struct pvirq_guest_cpu *cpu, uint64_t target, uint32_t intid)
{
	int64_t status;

	/* Also class 0 once classes are in use: the INTID may carry a class
	 * from a previous route on that CPU. Not before: every priority call
	 * switches the instance to the class-aware acknowledge. */
	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_PRIORITY) || !cpu->drv->classes_used)
		return PVIRQ_ABI_SUCCESS;
	status = GUEST_CALL(cpu, RVIC, SET_PRIORITY, target, intid, cpu->drv->irqs[intid].cls)
			 .status;
	note_priority_call(cpu, target, status);
	return status;
}

int64_t pvirq_guest_set_priority(struct pvirq_guest_cpu *cpu, uint64_t target, uint32_t intid,
				 uint32_t cls)
{
	int64_t status;

	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_PRIORITY))
		return PVIRQ_ABI_STATUS_NOT_SUPPORTED;
	status = GUEST_CALL(cpu, RVIC, SET_PRIORITY, target, intid, cls).status;
	if (status == PVIRQ_ABI_SUCCESS && intid < cpu->drv->nr_irqs) {
		cpu->drv->irqs[intid].cls = cls;
		if (cls)
			cpu->drv->classes_used = 1;
	}
	note_priority_call(cpu, target, status);
	return status;
}

int64_t pvirq_guest_set_priority_mask(struct pvirq_guest_cpu *cpu, uint32_t floor)
{
	int64_t status;

	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_PRIORITY))
		return PVIRQ_ABI_STATUS_NOT_SUPPORTED;
	if (floor >= PVIRQ_PRIORITY_CLASSES)
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	if (cpu->page_shared && cpu->priority_used && floor >= pvirq__guest_mem_floor(cpu)) {
		pvirq__guest_mem_raise_floor(cpu, floor);
		cpu->floor = floor;
		return PVIRQ_ABI_SUCCESS;
	}
	status = GUEST_CALL(cpu, RVIC, SET_PRIORITY_MASK, floor, 0, 0).status;
	if (status == PVIRQ_ABI_SUCCESS)
		cpu->floor = floor;
	note_priority_call(cpu, cpu->self, status);
	return status;
}
