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

static void end_of_interrupt(struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	const struct pvirq_guest_irq *irq = &cpu->drv->irqs[intid];

	if (!unmask_at_eoi(cpu, intid))
		return;
	GUEST_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, intid, 0);
	if ((irq->flags & PVIRQ_GUEST_IRQ_LEVEL) && intid < cpu->drv->nr_trusted)
		GUEST_CALL(cpu, RVIC, RESAMPLE, intid, 0, 0);
}

uint32_t pvirq_guest_handle_irq(struct pvirq_guest_cpu *cpu, uint32_t max_handled)
{
	const struct pvirq_guest_driver *drv = cpu->drv;
	uint32_t handled = 0;

	if (max_handled == 0 || max_handled > drv->nr_irqs)
		max_handled = drv->nr_irqs;
	for (uint32_t budget = drv->nr_irqs; budget > 0; budget--) {
		struct pvirq_guest_ret ack = GUEST_CALL(cpu, RVIC, ACKNOWLEDGE, 0, 0, 0);
		const struct pvirq_guest_irq *irq;
		uint32_t intid;

		if (ack.status != PVIRQ_ABI_SUCCESS) {
			if (ack.status == PVIRQ_ABI_NO_INTERRUPTS) {
				if (budget == drv->nr_irqs)
					cpu->spurious++;
			} else {
				cpu->stopped++;
				cpu->last_stop_status = ack.status;
			}
			break;
		}
		if (ack.value >= drv->nr_irqs) {
			cpu->stopped++;
			cpu->last_stop_status = -2;
			break;
		}
		intid = (uint32_t)ack.value;
		irq = &drv->irqs[intid];
		if (!irq->handler) {
			/* Nobody asked for it: leave it masked, as Linux
			 * disables an IRQ nobody handles. */
			cpu->unhandled++;
			continue;
		}
		irq->handler(irq->ctx, cpu, intid);
		cpu->handled++;
		handled++;
		end_of_interrupt(cpu, intid);
		if (handled == max_handled)
			break;
	}
	return handled;
}

int64_t pvirq_guest_send_ipi(struct pvirq_guest_cpu *cpu, uint64_t target, uint32_t intid)
{
	return GUEST_CALL(cpu, RVIC, SIGNAL, target, intid, 0).status;
}
