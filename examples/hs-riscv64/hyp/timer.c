/* SPDX-License-Identifier: MIT */
/*
 * The guest's timer. The guest programs its timer with SBI set_timer; the
 * hypervisor multiplexes that deadline with its own 200 us tick onto the
 * hart's one timer (SBI set_timer to OpenSBI). The guest's timer is the
 * trusted INTID DEMO_INTID_TIMER, a level line: high from the deadline
 * until the guest programs a new one (as the STIP of a real hart), so the
 * guest's RESAMPLE at end of interrupt re-pends it while the deadline has
 * passed. timer_raised counts rising edges for the accounting; after stop
 * no edge rises, so the guest's drain sees a final count. An edge rises on
 * the vCPU's own hart while its guest is not running, so the guest never
 * sees the count move under its drain check.
 */
#include "csr.h"
#include "hyp.h"
#include "sbi.h"

void hs_timer_program(struct hs_hart *h)
{
	uint64_t deadline = h->guest_deadline < h->next_tick ? h->guest_deadline : h->next_tick;

	sbi_set_timer(deadline);
}

static void check_guest_deadline(struct hs_hart *h, uint64_t now)
{
	struct demo_vcpu_slot *slot = &hs.shared->vcpu[h->hartid];

	if (h->guest_deadline == UINT64_MAX || now < h->guest_deadline)
		return;
	h->guest_deadline = UINT64_MAX;
	if (__atomic_load_n(&hs.shared->stop, __ATOMIC_SEQ_CST))
		return; /* stopping: no new edges, the count is final */
	/* Count before raising: the guest compares handled with raised. */
	__atomic_store_n(&slot->timer_raised, slot->timer_raised + 1, __ATOMIC_SEQ_CST);
	if (pvirq_rvic_set_level(hs.vm, h->hartid, DEMO_INTID_TIMER, true))
		hs_fail("pvirq_rvic_set_level", h->hartid, DEMO_INTID_TIMER);
}

void hs_guest_set_timer(struct hs_hart *h, uint64_t deadline)
{
	/* A new deadline drops the line (as writing stimecmp clears STIP);
	 * one already passed raises it again at once. */
	if (pvirq_rvic_set_level(hs.vm, h->hartid, DEMO_INTID_TIMER, false))
		hs_fail("pvirq_rvic_set_level", h->hartid, DEMO_INTID_TIMER);
	h->guest_deadline = deadline;
	check_guest_deadline(h, hs_time());
	hs_timer_program(h);
}

void hs_timer_expired(struct hs_hart *h)
{
	uint64_t now = hs_time();

	if (now >= h->next_tick)
		h->next_tick = now + HS_TICK;
	check_guest_deadline(h, now);
	hs_timer_program(h);
}
