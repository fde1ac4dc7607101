/* SPDX-License-Identifier: MIT */
/*
 * The workload's interrupt controller on libpvirq: every operation is a
 * hypercall made with include/pvirq/guest.h through the port's conduit,
 * and the host raises this vCPU's upcall (x86: one vector; arm64: the
 * virtual IRQ) whenever its rVIC line is high.
 */
#include "workload.h"

static bool ok(struct pvirq_guest_ret r)
{
	return r.status == PVIRQ_ABI_SUCCESS;
}

static bool pv_setup_cpu(uint32_t self)
{
	struct pvirq_guest_ret version = pvirq_guest_rvic_version(CONDUIT);

	if (!ok(version) || version.value < PVIRQ_ABI_VERSION || !platform_pvirq_setup(self))
		return false;
	return ok(pvirq_guest_rvic_enable(CONDUIT)) &&
	       ok(pvirq_guest_rvic_clear_masked(CONDUIT, self, DEMO_INTID_IPI)) &&
	       ok(pvirq_guest_rvic_clear_masked(CONDUIT, self, DEMO_INTID_TIMER)) &&
	       ok(pvirq_guest_rvic_clear_masked(CONDUIT, self, DEMO_INTID_WAKE));
}

static bool pv_route(uint32_t d, uint32_t cpu)
{
	return ok(pvirq_guest_rvid_map(CONDUIT, d, cpu, DEMO_INTID_DEVICE(d))) &&
	       ok(pvirq_guest_rvic_clear_masked(CONDUIT, cpu, DEMO_INTID_DEVICE(d)));
}

/* The spec's retarget sequence: mask old, mask new, MAP, if the old one is
 * pending move it by hand (clear old + SIGNAL new), unmask new. The old
 * INTID stays masked until the input comes back to that vCPU. */
static void pv_retarget(uint32_t d, uint32_t from, uint32_t to)
{
	uint32_t intid = DEMO_INTID_DEVICE(d);

	pvirq_guest_rvic_set_masked(CONDUIT, from, intid);
	pvirq_guest_rvic_set_masked(CONDUIT, to, intid);
	pvirq_guest_rvid_map(CONDUIT, d, to, intid);
	if (pvirq_guest_rvic_is_pending(CONDUIT, from, intid).value) {
		pvirq_guest_rvic_clear_pending(CONDUIT, from, intid);
		pvirq_guest_rvic_signal(CONDUIT, to, intid);
	}
	pvirq_guest_rvic_clear_masked(CONDUIT, to, intid);
}

static void pv_send_ipi(uint32_t to)
{
	pvirq_guest_rvic_signal(CONDUIT, to, DEMO_INTID_IPI);
}

static uint32_t source_of(uint32_t intid)
{
	if (intid >= DEMO_NR_TRUSTED)
		return intid - DEMO_NR_TRUSTED;
	if (intid == DEMO_INTID_IPI)
		return DEMO_SRC_IPI;
	if (intid == DEMO_INTID_TIMER)
		return DEMO_SRC_TIMER;
	return DEMO_NR_SOURCES; /* the stop-phase wake-up */
}

/* The upcall: ACKNOWLEDGE one INTID (it comes back pending-cleared and
 * masked), handle it, unmask it; RESAMPLE the level-triggered timer so a
 * line still high re-pends. One INTID per upcall: if more are pending the
 * line stays high and the host raises the upcall again once we return,
 * which costs an exit only when there is more work, where acknowledging
 * until NO_INTERRUPTS would cost a hypercall on every upcall. */
static void pv_interrupt(uint32_t self, uint32_t vector)
{
	struct pvirq_guest_ret ack;
	uint32_t intid;

	if (!platform_is_upcall(vector))
		return;
	ack = pvirq_guest_rvic_acknowledge(CONDUIT);
	if (!ok(ack)) {
		count(&SHARED->vcpu[self].spurious); /* NO_INTERRUPTS */
		return;
	}
	intid = (uint32_t)ack.value;
	workload_handle_source(self, source_of(intid), platform_now());
	pvirq_guest_rvic_clear_masked(CONDUIT, self, intid);
	if (intid == DEMO_INTID_TIMER)
		pvirq_guest_rvic_resample(CONDUIT, DEMO_INTID_TIMER);
}

static void pv_probe(void)
{
	pvirq_guest_rvic_version(CONDUIT);
}

const struct irq_controller ctl_pvirq = {
	.setup_cpu = pv_setup_cpu,
	.route = pv_route,
	.retarget = pv_retarget,
	.send_ipi = pv_send_ipi,
	.interrupt = pv_interrupt,
	.probe = pv_probe,
};
