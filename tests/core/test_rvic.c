/* SPDX-License-Identifier: MIT */
/* Every rVIC instance operation, its error paths, acknowledge order, the
 * line and the notification protocol. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../support/intid_state.h"

#include "fixture.h"

static void bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	const uint32_t bad_vcpus[] = {FIX_VCPUS, FIX_VCPUS + 1, UINT32_MAX};
	const uint32_t bad_intids[] = {FIX_INTIDS, FIX_INTIDS + 31, UINT32_MAX};
	uint32_t out = 1234;
	bool b = true;

	for (size_t k = 0; k < 3; k++) {
		uint32_t c = bad_vcpus[k];

		assert_int_equal(pvirq_rvic_enable(vm, c), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_disable(vm, c), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_is_enabled(vm, c, &b), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_set_masked(vm, c, 0), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_clear_masked(vm, c, 0), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_is_masked(vm, c, 0, &b), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_is_pending(vm, c, 0, &b), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_signal(vm, c, 0), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_clear_pending(vm, c, 0), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_acknowledge(vm, c, &out), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_resample(vm, c, 0), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_set_level(vm, c, 0, true), PVIRQ_EVCPU);
		assert_int_equal(pvirq_rvic_get_level(vm, c, 0, &b), PVIRQ_EVCPU);
		assert_false(pvirq_vcpu_line(vm, c));
		assert_false(pvirq_vcpu_rearm(vm, c));
	}
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	for (size_t k = 0; k < 3; k++) {
		uint32_t i = bad_intids[k];

		assert_int_equal(pvirq_rvic_set_masked(vm, 0, i), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_clear_masked(vm, 0, i), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_is_masked(vm, 0, i, &b), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_is_pending(vm, 0, i, &b), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_signal(vm, 0, i), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_clear_pending(vm, 0, i), PVIRQ_EINTID);
	}
	/* RESAMPLE and level lines exist for trusted INTIDs only. */
	for (uint32_t i = FIX_TRUSTED; i < FIX_INTIDS + 2; i += FIX_UNTRUSTED / 2) {
		assert_int_equal(pvirq_rvic_resample(vm, 0, i), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_set_level(vm, 0, i, true), PVIRQ_EINTID);
		assert_int_equal(pvirq_rvic_get_level(vm, 0, i, &b), PVIRQ_EINTID);
	}
	/* Nothing above changed any state but vCPU 0's enable. */
	assert_int_equal(out, 1234);
	for (uint32_t i = 0; i < FIX_INTIDS; i++)
		assert_false(intid_pending(vm, 0, i));
}

static void masked_latches_and_disabled_drops(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	/* Disabled: dropped, reported. */
	assert_int_equal(pvirq_rvic_signal(vm, 1, 40), PVIRQ_EDISABLED);
	assert_false(intid_pending(vm, 1, 40));

	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 1, 40), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, 40));
	assert_true(intid_masked(vm, 1, 40));
	assert_false(pvirq_vcpu_line(vm, 1)); /* masked: latched, not delivered */
	assert_int_equal(f->notified[1], 0);

	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, 40), PVIRQ_OK);
	assert_true(pvirq_vcpu_line(vm, 1));
	assert_int_equal(f->notified[1], 1);

	assert_int_equal(pvirq_rvic_set_masked(vm, 1, 40), PVIRQ_OK);
	assert_false(pvirq_vcpu_line(vm, 1));
	assert_true(intid_pending(vm, 1, 40));
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, 40), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_pending(vm, 1, 40), PVIRQ_OK);
	assert_false(intid_pending(vm, 1, 40));
	assert_false(pvirq_vcpu_line(vm, 1));

	/* Disable keeps latched state but drops the line; enable restores
	 * it at once (the reference forgot to rescan). */
	assert_int_equal(pvirq_rvic_signal(vm, 1, 41), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, 41), PVIRQ_OK);
	assert_true(pvirq_vcpu_line(vm, 1));
	assert_int_equal(pvirq_rvic_disable(vm, 1), PVIRQ_OK);
	assert_false(pvirq_vcpu_line(vm, 1));
	assert_true(intid_pending(vm, 1, 41));
	assert_int_equal(pvirq_rvic_signal(vm, 1, 42), PVIRQ_EDISABLED);
	assert_false(pvirq_vcpu_rearm(vm, 1));
	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	assert_true(pvirq_vcpu_line(vm, 1));
	assert_int_equal(f->notified[1], 2); /* enable of a live line notifies */
	/* Other vCPUs untouched. */
	assert_int_equal(f->notified[0] + f->notified[2] + f->notified[3], 0);
}

static void acknowledge_semantics(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t intid = 0;

	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_EDISABLED);
	assert_int_equal(pvirq_rvic_enable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_ENOINTR);
	/* Pending but masked is not deliverable. */
	assert_int_equal(pvirq_rvic_signal(vm, 2, 7), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_ENOINTR);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, 7), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_OK);
	assert_int_equal(intid, 7);
	/* ACK: pending cleared, masked set, in one step. */
	assert_false(intid_pending(vm, 2, 7));
	assert_true(intid_masked(vm, 2, 7));
	assert_false(pvirq_vcpu_line(vm, 2));
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_ENOINTR);
	/* A new edge while masked (in service) latches and is delivered
	 * after end of interrupt. */
	assert_int_equal(pvirq_rvic_signal(vm, 2, 7), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_ENOINTR);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, 7), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &intid), PVIRQ_OK);
	assert_int_equal(intid, 7);
}

/* Round robin from the INTID after the last one acknowledged. */
static void acknowledge_order_round_robin(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	const uint32_t set[] = {3, 31, 32, 33, 63, 64, 95};
	const size_t n = sizeof(set) / sizeof(set[0]);
	uint32_t intid;

	assert_int_equal(pvirq_rvic_enable(vm, 3), PVIRQ_OK);
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(pvirq_rvic_clear_masked(vm, 3, set[k]), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_signal(vm, 3, set[k]), PVIRQ_OK);
	}
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
		assert_int_equal(intid, set[k]);
		assert_int_equal(pvirq_rvic_clear_masked(vm, 3, intid), PVIRQ_OK);
	}
	/* Last acked: 95 (the final INTID). Re-pend a low and a high one:
	 * the search wraps to the start. */
	assert_int_equal(pvirq_rvic_signal(vm, 3, 64), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 3, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
	assert_int_equal(intid, 3);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 3, 3), PVIRQ_OK);
	/* Starvation-freedom: an INTID that keeps firing (3) cannot starve
	 * one that is waiting (64). */
	assert_int_equal(pvirq_rvic_signal(vm, 3, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
	assert_int_equal(intid, 64);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
	assert_int_equal(intid, 3);
	/* Same word, below the cursor's lane: found after the full wrap. */
	assert_int_equal(pvirq_rvic_clear_masked(vm, 3, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 3, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 3, 10), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 3, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 3, 10), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
	assert_int_equal(intid, 10);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_OK);
	assert_int_equal(intid, 2);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 3, &intid), PVIRQ_ENOINTR);
}

static void notification_coalesces_and_rearms(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t intid;

	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	for (uint32_t i = 0; i < FIX_INTIDS; i++)
		assert_int_equal(pvirq_rvic_clear_masked(vm, 0, i), PVIRQ_OK);
	assert_false(pvirq_vcpu_rearm(vm, 0));
	/* A burst while "running": one notification. */
	for (uint32_t i = 0; i < FIX_INTIDS; i++)
		assert_int_equal(pvirq_rvic_signal(vm, 0, i), PVIRQ_OK);
	assert_int_equal(f->notified[0], 1);
	/* Guest entry: rearm reports the line high; further signals to the
	 * already-pending INTIDs do not notify (nothing new is deliverable). */
	assert_true(pvirq_vcpu_rearm(vm, 0));
	assert_int_equal(pvirq_rvic_signal(vm, 0, 5), PVIRQ_OK);
	assert_int_equal(f->notified[0], 1);
	/* Drain: the line drops after the last acknowledge. */
	for (uint32_t k = 0; k < FIX_INTIDS; k++)
		assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_OK);
	assert_false(pvirq_vcpu_rearm(vm, 0));
	/* Unmasking a pending INTID after rearm notifies again. */
	assert_int_equal(pvirq_rvic_signal(vm, 0, 9), PVIRQ_OK);
	assert_int_equal(f->notified[0], 1);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 9), PVIRQ_OK);
	assert_int_equal(f->notified[0], 2);
	/* And a signal without rearm in between does not. */
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 11), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, 11), PVIRQ_OK);
	assert_int_equal(f->notified[0], 2);
}

/* A VM without a notify callback (a polling hypervisor) works the same. */
static void no_callbacks(void **state)
{
	struct pvirq_config cfg = {.nr_vcpus = 1, .nr_trusted = 32, .nr_untrusted = 32};
	struct pvirq_vm *vm;
	uint32_t intid;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, 1), PVIRQ_OK);
	assert_true(pvirq_vcpu_rearm(vm, 0));
	/* No line_level callback: RESAMPLE uses the software level only. */
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_resample(vm, 0, 1), PVIRQ_OK);
	assert_false(pvirq_vcpu_line(vm, 0));
	pvirq_vm_destroy(vm);
}

static void resample_level_sources(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t intid;
	bool b;

	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, 27), PVIRQ_OK);
	/* Callback-driven line (e.g. a timer comparator). */
	f->level[1][27] = true;
	assert_int_equal(pvirq_rvic_resample(vm, 1, 27), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, 27));
	assert_int_equal(pvirq_rvic_acknowledge(vm, 1, &intid), PVIRQ_OK);
	assert_int_equal(intid, 27);
	f->level[1][27] = false;
	assert_int_equal(pvirq_rvic_resample(vm, 1, 27), PVIRQ_OK);
	assert_false(intid_pending(vm, 1, 27));

	/* Software line: raising pends; resample re-pends while high; a low
	 * line leaves a latched bit alone. */
	assert_int_equal(pvirq_rvic_set_level(vm, 1, 3, true), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_get_level(vm, 1, 3, &b), PVIRQ_OK);
	assert_true(b);
	assert_true(intid_pending(vm, 1, 3));
	assert_int_equal(pvirq_rvic_clear_pending(vm, 1, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_resample(vm, 1, 3), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, 3));
	assert_int_equal(pvirq_rvic_set_level(vm, 1, 3, false), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_get_level(vm, 1, 3, &b), PVIRQ_OK);
	assert_false(b);
	assert_true(intid_pending(vm, 1, 3));
	assert_int_equal(pvirq_rvic_clear_pending(vm, 1, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_resample(vm, 1, 3), PVIRQ_OK);
	assert_false(intid_pending(vm, 1, 3));

	/* Disabled: the level is recorded, the edge dropped and reported. */
	assert_int_equal(pvirq_rvic_disable(vm, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_level(vm, 1, 4, true), PVIRQ_EDISABLED);
	assert_int_equal(pvirq_rvic_get_level(vm, 1, 4, &b), PVIRQ_OK);
	assert_true(b);
	assert_int_equal(pvirq_rvic_resample(vm, 1, 4), PVIRQ_EDISABLED);
	assert_false(intid_pending(vm, 1, 4));
	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_resample(vm, 1, 4), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, 4));
}

/* The spec's CPU bring-up: disable, mask and clear every INTID, enable. */
static void spec_bring_up(struct pvirq_vm *vm, uint32_t vcpu)
{
	assert_int_equal(pvirq_rvic_disable(vm, vcpu), PVIRQ_OK);
	for (uint32_t i = 0; i < FIX_INTIDS; i++) {
		assert_int_equal(pvirq_rvic_set_masked(vm, vcpu, i), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_clear_pending(vm, vcpu, i), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvic_enable(vm, vcpu), PVIRQ_OK);
}

/* A level line held high is never forgotten: not when it rises while the
 * instance is disabled, not when the guest clears it, not across the spec's
 * own CPU bring-up (even one that interrupts a handler before its end of
 * interrupt). Software lines and callback-read lines alike. */
static void level_held_high_is_not_forgotten(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t got;

	/* Rises while disabled: ENABLE pends it. */
	assert_int_equal(pvirq_rvic_set_level(vm, 2, 6, true), PVIRQ_EDISABLED);
	f->level[2][29] = true;
	assert_false(intid_pending(vm, 2, 6));
	assert_int_equal(pvirq_rvic_enable(vm, 2), PVIRQ_OK);
	assert_true(intid_pending(vm, 2, 6));
	assert_true(intid_pending(vm, 2, 29));
	assert_false(intid_pending(vm, 2, 7)); /* low lines stay quiet */

	/* CLEAR_PENDING while high: it is pending again at once. */
	assert_int_equal(pvirq_rvic_clear_pending(vm, 2, 6), PVIRQ_OK);
	assert_true(intid_pending(vm, 2, 6));
	assert_int_equal(pvirq_rvic_clear_pending(vm, 2, 29), PVIRQ_OK);
	assert_true(intid_pending(vm, 2, 29));

	/* The handler acknowledged the timer, then the CPU went offline
	 * before its end of interrupt; bring-up runs while it is still high. */
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, 6), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &got), PVIRQ_OK);
	assert_int_equal(got, 6);
	spec_bring_up(vm, 2);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, 6), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, 29), PVIRQ_OK);
	assert_true(pvirq_vcpu_line(vm, 2));
	/* Round robin from INTID 7 (after the last acknowledged): 29, then 6. */
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &got), PVIRQ_OK);
	assert_int_equal(got, 29);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &got), PVIRQ_OK);
	assert_int_equal(got, 6);

	/* Once low, a clear really clears and bring-up leaves nothing. */
	assert_int_equal(pvirq_rvic_set_level(vm, 2, 6, false), PVIRQ_OK);
	f->level[2][29] = false;
	spec_bring_up(vm, 2);
	assert_false(intid_pending(vm, 2, 6));
	assert_false(intid_pending(vm, 2, 29));
}

static bool high_above_bound(void *ctx, uint32_t vcpu, uint32_t intid)
{
	(void)ctx;
	(void)vcpu;
	return intid >= PVIRQ_MAX_LEVEL_LINES;
}

/* Software level lines stop at PVIRQ_MAX_LEVEL_LINES; RESAMPLE of a higher
 * trusted INTID still reads the line_level() callback. */
static void level_lines_bounded(void **state)
{
	struct pvirq_config cfg = {.nr_vcpus = 1,
				   .nr_trusted = 1024,
				   .nr_untrusted = 32,
				   .line_level = high_above_bound};
	struct pvirq_vm *vm;
	uint32_t got = 0;
	bool b = true;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, PVIRQ_MAX_LEVEL_LINES, &b), PVIRQ_OK);
	assert_false(b);
	/* ENABLE pends the callback-read lines that are high (level
	 * semantics): the first one above the software lines, ... */
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, PVIRQ_MAX_LEVEL_LINES, &b), PVIRQ_OK);
	assert_true(b);
	/* ... but not the software lines below, which are low. */
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, PVIRQ_MAX_LEVEL_LINES - 1, &b), PVIRQ_OK);
	assert_false(b);
	assert_int_equal(pvirq_rvic_clear_pending(vm, 0, 1000), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, 1000, &b), PVIRQ_OK);
	assert_true(b); /* still high: CLEAR_PENDING is followed by a resample */
	assert_int_equal(pvirq_rvic_set_masked(vm, 0, 1000), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_level(vm, 0, PVIRQ_MAX_LEVEL_LINES - 1, true), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_get_level(vm, 0, PVIRQ_MAX_LEVEL_LINES - 1, &b), PVIRQ_OK);
	assert_true(b);
	assert_int_equal(pvirq_rvic_set_level(vm, 0, PVIRQ_MAX_LEVEL_LINES, true), PVIRQ_EINTID);
	assert_int_equal(pvirq_rvic_get_level(vm, 0, PVIRQ_MAX_LEVEL_LINES, &b), PVIRQ_EINTID);
	/* Acknowledge takes it off pending; RESAMPLE reads the high line. */
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 1000), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &got), PVIRQ_OK);
	assert_int_equal(got, 1000);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, 1000, &b), PVIRQ_OK);
	assert_false(b);
	assert_int_equal(pvirq_rvic_resample(vm, 0, 1000), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, 1000, &b), PVIRQ_OK);
	assert_true(b);
	assert_int_equal(pvirq_rvic_resample(vm, 0, 1024), PVIRQ_EINTID); /* untrusted */
	pvirq_vm_destroy(vm);
}

/* The line and acknowledge stay exact at the far end of 2048 INTIDs, across
 * every state word (summary bits set and cleared lazily). */
static void large_instance(void **state)
{
	struct pvirq_config cfg = {.nr_vcpus = 1, .nr_trusted = 32, .nr_untrusted = 2016};
	struct pvirq_vm *vm;
	uint32_t intid;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	for (uint32_t i = 0; i < 2048; i++)
		assert_int_equal(pvirq_rvic_clear_masked(vm, 0, i), PVIRQ_OK);
	for (uint32_t i = 0; i < 2048; i += 97) {
		assert_false(pvirq_vcpu_line(vm, 0));
		assert_int_equal(pvirq_rvic_signal(vm, 0, 2047 - i), PVIRQ_OK);
		assert_true(pvirq_vcpu_line(vm, 0));
		assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_OK);
		assert_int_equal(intid, 2047 - i);
		assert_int_equal(pvirq_rvic_clear_masked(vm, 0, intid), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_ENOINTR);
	pvirq_vm_destroy(vm);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(bad_arguments),
		T(masked_latches_and_disabled_drops),
		T(acknowledge_semantics),
		T(acknowledge_order_round_robin),
		T(notification_coalesces_and_rearms),
		cmocka_unit_test(no_callbacks),
		T(resample_level_sources),
		cmocka_unit_test(level_lines_bounded),
		T(level_held_high_is_not_forgotten),
		cmocka_unit_test(large_instance),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
