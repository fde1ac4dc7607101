/* SPDX-License-Identifier: MIT */
/*
 * Probe (spec section 8.1) and the guest's INTID table. A guest must
 * fail clearly, not half-work, on a hypervisor it cannot drive: no pvirq
 * (VERSION is not SUCCESS), a major version it does not know, a minor
 * older than 0.3, a missing feature it requires, or a shape outside the
 * spec's bounds (which a hostile or broken hypervisor could report).
 */
#include "internal.h"

/* INFO keys 2-4 are libpvirq additions: an implementation without them
 * answers ERROR_PARAMETER, which means "none" / "unknown". */
static uint64_t info_or_zero(const struct pvirq_guest_trap *trap, uint32_t key)
{
	struct pvirq_guest_ret r = pvirq_guest_trap_call(trap, PVIRQ_ABI_ID(RVIC, INFO), key, 0, 0);

	return r.status == PVIRQ_ABI_SUCCESS ? r.value : 0;
}

static bool shape_is_valid(uint64_t t, uint64_t u)
{
	return t >= 32 && u >= 32 && t % 32 == 0 && u % 32 == 0 && t + u <= PVIRQ_MAX_INTIDS;
}

int pvirq_guest_probe(struct pvirq_guest_driver *drv, const struct pvirq_guest_trap *trap,
		      struct pvirq_guest_irq *irqs, uint32_t nr_irqs, uint64_t required_features)
{
	struct pvirq_guest_ret version, t, u;
	uint64_t vector, inputs;

	version = pvirq_guest_trap_call(trap, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
	if (version.status != PVIRQ_ABI_SUCCESS)
		return PVIRQ_GUEST_PROBE_ABSENT;
	if (version.value >> 16 != 0 || (version.value & 0xFFFFu) < PVIRQ_GUEST_MIN_MINOR)
		return PVIRQ_GUEST_PROBE_TOO_OLD;
	t = pvirq_guest_trap_call(trap, PVIRQ_ABI_ID(RVIC, INFO), PVIRQ_ABI_INFO_NR_TRUSTED, 0, 0);
	u = pvirq_guest_trap_call(trap, PVIRQ_ABI_ID(RVIC, INFO), PVIRQ_ABI_INFO_NR_UNTRUSTED, 0,
				  0);
	if (t.status != PVIRQ_ABI_SUCCESS || u.status != PVIRQ_ABI_SUCCESS ||
	    !shape_is_valid(t.value, u.value))
		return PVIRQ_GUEST_PROBE_BAD_SHAPE;
	if (nr_irqs < t.value + u.value)
		return PVIRQ_GUEST_PROBE_TABLE_TOO_SMALL;

	drv->version = (uint32_t)version.value;
	drv->nr_trusted = (uint32_t)t.value;
	drv->nr_untrusted = (uint32_t)u.value;
	drv->nr_irqs = (uint32_t)(t.value + u.value);
	drv->features = info_or_zero(trap, PVIRQ_ABI_INFO_FEATURES);
	if ((drv->features & required_features) != required_features)
		return PVIRQ_GUEST_PROBE_NO_FEATURE;
	/* Bounded by what the spec allows, so a hostile value cannot make
	 * kexec_reset loop for ages. */
	inputs = info_or_zero(trap, PVIRQ_ABI_INFO_NR_RVID_INPUTS);
	drv->nr_inputs = inputs < PVIRQ_MAX_RVID_INPUTS ? (uint32_t)inputs : PVIRQ_MAX_RVID_INPUTS;
	vector = info_or_zero(trap, PVIRQ_ABI_INFO_UPCALL_VECTOR);
	drv->upcall_vector = vector < 256 ? (uint32_t)vector : 0;
	drv->irqs = irqs;
	drv->classes_used = 0;
	drv->reserved = 0;
	/* Field by field: a struct copy may become a memset call, which a
	 * freestanding kernel need not provide. */
	for (uint32_t i = 0; i < drv->nr_irqs; i++) {
		irqs[i].handler = NULL;
		irqs[i].ctx = NULL;
		irqs[i].flags = 0;
		irqs[i].input = 0;
		irqs[i].target = 0;
		irqs[i].routed = 0;
		irqs[i].cls = 0;
	}
	return PVIRQ_GUEST_PROBE_OK;
}

int64_t pvirq_guest_set_handler(struct pvirq_guest_driver *drv, uint32_t intid,
				pvirq_guest_handler_fn handler, void *ctx, uint32_t flags)
{
	/* A level untrusted INTID is a level rVID input: its end of interrupt
	 * is RVID_RESAMPLE, which a hypervisor without level inputs lacks. */
	const uint32_t trusted_only =
		PVIRQ_GUEST_IRQ_PERCPU |
		((drv->features & PVIRQ_ABI_FEATURE_LEVEL_INPUTS) ? 0u : PVIRQ_GUEST_IRQ_LEVEL);

	if (intid >= drv->nr_irqs || (intid >= drv->nr_trusted && (flags & trusted_only)))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	drv->irqs[intid].handler = handler;
	drv->irqs[intid].ctx = ctx;
	drv->irqs[intid].flags = flags;
	return PVIRQ_ABI_SUCCESS;
}

void pvirq_guest_cpu_init(struct pvirq_guest_cpu *cpu, struct pvirq_guest_driver *drv,
			  const struct pvirq_guest_trap *trap, uint64_t self)
{
	cpu->drv = drv;
	cpu->trap = *trap;
	cpu->self = self;
	cpu->handled = 0;
	cpu->unhandled = 0;
	cpu->spurious = 0;
	cpu->stopped = 0;
	cpu->last_stop_status = 0;
	cpu->rescued = 0;
	cpu->page = NULL;
	cpu->page_gpa = 0;
	cpu->page_flags = 0;
	cpu->page_shared = 0;
	cpu->share_status = 0;
	for (uint32_t cls = 0; cls < PVIRQ_PRIORITY_CLASSES; cls++)
		cpu->ack_cursor[cls] = 0;
	cpu->floor = 0;
	cpu->priority_used = 0;
	cpu->mem_acks = 0;
	cpu->mem_eois = 0;
	cpu->repended = 0;
	cpu->reevaluated = 0;
	cpu->nmi_handled = 0;
	cpu->nmi_spurious = 0;
}
