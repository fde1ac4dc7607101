/* SPDX-License-Identifier: MIT */
/*
 * The interrupt entry path (spec sections 5 and 8.3) and IPIs.
 *
 * ACKNOWLEDGE hands back an INTID already masked and no longer pending,
 * so a handler is never re-entered for the same INTID on one CPU and an
 * edge arriving meanwhile latches and waits for the unmask. End of
 * interrupt is CLEAR_MASKED(self, n); for a level-triggered trusted source
 * it is followed by RESAMPLE(n), which re-pends n if its line is still
 * high. Either order loses nothing with the level semantics (a high line
 * re-pends at RESAMPLE); unmasking first keeps the INTID masked for the
 * shortest time.
 *
 * With a shared page (shared.c) the unmask, and on x86 the acknowledge,
 * are atomic instructions on the page. An unmask that finds its INTID
 * pending again must not strand it: the hypervisor latched the edge while
 * the INTID was masked, so it raised no line, and it did not see the
 * unmask. The loop either takes it (its next acknowledge finds it) or,
 * if it stops first, tells the hypervisor with one CLEAR_MASKED
 * (reevaluate()); PVIRQ_GUEST_SHARED_EOI_REEVALUATE tells it at once.
 *
 * The loop stops on ANY status but SUCCESS: NO_INTERRUPTS (drained or
 * spurious), DISABLED (the instance went down under us), NOT_SUPPORTED or
 * anything a future version or a broken hypervisor returns. It also stops
 * on an INTID outside [0, T+U) (a value the guest cannot index with), and
 * after T+U acknowledgements or the caller's max_handled: the line is
 * level-like, so whatever is left interrupts again once the caller
 * returns, and a flood cannot keep one entry looping for ever.
 */
#include "internal.h"

/* Whether end of interrupt should unmask @p intid on this CPU. A trusted
 * INTID was unmasked when it was acknowledged, so it is unmasked again. An
 * untrusted one only while it is still routed here: a retarget or unroute
 * that ran during the handler masked it on purpose. The check can race
 * with a retarget that starts right after it; unmasking the old CPU then
 * only lets a straggling edge be delivered here as well as on the new CPU,
 * which the spec allows (untrusted interrupts may be spurious). */
static bool unmask_at_eoi(const struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	if (intid < cpu->drv->nr_trusted)
		return true;
	return guest_route_is_here(&cpu->drv->irqs[intid], cpu->self);
}

/* What one run of the loop counts; added to the CPU's counters at the end,
 * to the IRQ ones or the NMI ones: an NMI can interrupt the IRQ loop on
 * the same CPU, and the two must not update one field. */
struct tally {
	uint64_t handled, unhandled, spurious, stopped, mem_eois, repended, reevaluated;
	int64_t last_stop_status;
	uint32_t told; /* the INTID an EOI_REEVALUATE call last told about, or ~0 */
};

/* Field by field: an aggregate initialiser may become a memset call, which
 * a freestanding kernel need not provide. */
static void tally_init(struct tally *t)
{
	t->handled = 0;
	t->unhandled = 0;
	t->spurious = 0;
	t->stopped = 0;
	t->mem_eois = 0;
	t->repended = 0;
	t->reevaluated = 0;
	t->last_stop_status = 0;
	t->told = ~0u;
}

/* What an end of interrupt leaves the hypervisor knowing. */
enum eoi_news {
	EOI_QUIET,  /* nothing became deliverable that it does not know of */
	EOI_UNTOLD, /* an INTID is deliverable again and it was not told */
	EOI_TOLD,   /* it was, and raised its line for that INTID just now */
};

/*
 * Unmasks @p intid on this CPU: a CLEAR_MASKED call, or one atomic AND on
 * the shared page. An in-memory unmask that finds the INTID pending made
 * it deliverable behind the hypervisor's back (the re-evaluate rule): with
 * PVIRQ_GUEST_SHARED_EOI_REEVALUATE the call that tells it is made here,
 * otherwise the caller's loop takes the INTID itself or tells it later.
 */
static enum eoi_news unmask(struct pvirq_guest_cpu *cpu, uint32_t intid, struct tally *t)
{
	if (!cpu->page_shared) {
		GUEST_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, intid, 0);
		return EOI_QUIET;
	}
	t->mem_eois++;
	if (!pvirq__guest_mem_unmask(cpu, intid))
		return EOI_QUIET;
	t->repended++;
	if (!(cpu->page_flags & PVIRQ_GUEST_SHARED_EOI_REEVALUATE))
		return EOI_UNTOLD;
	/* The INTID is unmasked already: CLEAR_MASKED changes no bit, but the
	 * hypervisor sees it pending and not masked and raises the line. */
	GUEST_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, intid, 0);
	t->reevaluated++;
	t->told = intid;
	return EOI_TOLD;
}

static enum eoi_news end_of_interrupt(struct pvirq_guest_cpu *cpu, uint32_t intid, struct tally *t)
{
	const struct pvirq_guest_irq *irq = &cpu->drv->irqs[intid];
	const bool level = (irq->flags & PVIRQ_GUEST_IRQ_LEVEL) != 0;
	enum eoi_news news;

	if (!unmask_at_eoi(cpu, intid))
		return EOI_QUIET;
	/* A level rVID input: the handler quieted the device; RVID_RESAMPLE
	 * of its input lets the device model re-check and re-pends the
	 * input's target (here: still routed, still masked) while the line
	 * is high, so the unmask below delivers it again. */
	if (level && intid >= cpu->drv->nr_trusted)
		GUEST_CALL(cpu, RVID, RESAMPLE, guest_route_input(irq), 0, 0);
	news = unmask(cpu, intid, t);
	if (level && intid < cpu->drv->nr_trusted)
		GUEST_CALL(cpu, RVIC, RESAMPLE, intid, 0, 0);
	return news;
}

/* One acknowledge: in memory where this CPU does that, else the call. */
static struct pvirq_guest_ret acknowledge(struct pvirq_guest_cpu *cpu, bool nmi)
{
	struct pvirq_guest_ret ack = {PVIRQ_ABI_SUCCESS, 0};
	uint32_t intid = 0;

	if (nmi)
		return GUEST_CALL(cpu, RVIC, ACKNOWLEDGE_NMI, 0, 0, 0);
	if (!cpu->page_shared || !(cpu->page_flags & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY))
		return GUEST_CALL(cpu, RVIC, ACKNOWLEDGE, 0, 0, 0);
	ack.status = pvirq__guest_mem_ack(cpu, &intid);
	ack.value = intid;
	return ack;
}

/*
 * The re-evaluate rule at the end of a loop that may leave an INTID
 * deliverable that the hypervisor does not know of: one CLEAR_MASKED of a
 * deliverable INTID of this entry's line makes the hypervisor raise that
 * line (and notify), so the next entry takes whatever is left. Nothing
 * deliverable: nothing is owed (an INTID masked or held off since is
 * re-evaluated by the call that unmasks it or lowers the floor). The
 * first deliverable INTID being one this loop already told the hypervisor
 * about (EOI_REEVALUATE): its line was raised for it and is still owed an
 * entry, which drains the rest.
 */
static void reevaluate(struct pvirq_guest_cpu *cpu, bool nmi, struct tally *t)
{
	uint32_t intid;

	if (!cpu->page_shared || !pvirq__guest_mem_find_deliverable(cpu, nmi, &intid) ||
	    intid == t->told)
		return;
	GUEST_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, intid, 0);
	t->reevaluated++;
}

static uint32_t ack_loop(struct pvirq_guest_cpu *cpu, uint32_t max_handled, bool nmi,
			 struct tally *t)
{
	const struct pvirq_guest_driver *drv = cpu->drv;
	uint32_t handled = 0;
	/* "Something may be deliverable that the hypervisor was not told
	 * of." An in-memory acknowledge consumes the upcall without telling
	 * the hypervisor, so such a loop starts unsure; only a round that
	 * finds nothing makes it sure again. */
	bool unsure =
		!nmi && cpu->page_shared && (cpu->page_flags & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY);

	if (max_handled == 0 || max_handled > drv->nr_irqs)
		max_handled = drv->nr_irqs;
	for (uint32_t budget = drv->nr_irqs; budget > 0; budget--) {
		struct pvirq_guest_ret ack = acknowledge(cpu, nmi);
		const struct pvirq_guest_irq *irq;
		uint32_t intid;

		if (ack.status != PVIRQ_ABI_SUCCESS) {
			if (ack.status == PVIRQ_ABI_NO_INTERRUPTS) {
				unsure = false;
				if (budget == drv->nr_irqs)
					t->spurious++;
			} else if (ack.status != PVIRQ__GUEST_GAVE_UP) {
				t->stopped++;
				t->last_stop_status = ack.status;
			}
			break;
		}
		if (ack.value >= drv->nr_irqs) {
			t->stopped++;
			t->last_stop_status = -2;
			break;
		}
		intid = (uint32_t)ack.value;
		irq = &drv->irqs[intid];
		if (!irq->handler) {
			/* Nobody asked for it: leave it masked, as Linux
			 * disables an IRQ nobody handles. */
			t->unhandled++;
			continue;
		}
		irq->handler(irq->ctx, cpu, intid);
		t->handled++;
		handled++;
		/* EOI_TOLD leaves unsure as it was: see reevaluate(). */
		if (end_of_interrupt(cpu, intid, t) == EOI_UNTOLD)
			unsure = true;
		if (handled == max_handled)
			break;
	}
	if (unsure)
		reevaluate(cpu, nmi, t);
	return handled;
}

uint32_t pvirq_guest_handle_irq(struct pvirq_guest_cpu *cpu, uint32_t max_handled)
{
	struct tally t;
	uint32_t handled;

	tally_init(&t);
	handled = ack_loop(cpu, max_handled, false, &t);

	cpu->handled += t.handled;
	cpu->unhandled += t.unhandled;
	cpu->spurious += t.spurious;
	if (t.stopped) {
		cpu->stopped += t.stopped;
		cpu->last_stop_status = t.last_stop_status;
	}
	cpu->mem_eois += t.mem_eois;
	cpu->repended += t.repended;
	cpu->reevaluated += t.reevaluated;
	return handled;
}

uint32_t pvirq_guest_handle_nmi(struct pvirq_guest_cpu *cpu)
{
	struct tally t;
	uint32_t handled;

	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_NMI))
		return 0;
	tally_init(&t);
	handled = ack_loop(cpu, 0, true, &t);
	cpu->nmi_handled += t.handled;
	cpu->nmi_spurious += t.spurious;
	return handled;
}

int64_t pvirq_guest_send_ipi(struct pvirq_guest_cpu *cpu, uint64_t target, uint32_t intid)
{
	return GUEST_CALL(cpu, RVIC, SIGNAL, target, intid, 0).status;
}
