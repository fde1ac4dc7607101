/* SPDX-License-Identifier: MIT */
/*
 * The checker itself, on hand-written histories: it accepts exactly what
 * the documented rules allow and rejects what they forbid. Each history
 * is written as the calls with [invoked, returned] ticks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checker.h"

static struct model m;

static int set_up(void **state)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 2};

	(void)state;
	return model_init(&m, &cfg);
}

static int tear_down(void **state)
{
	(void)state;
	model_free(&m);
	return 0;
}

static void add(struct history *h, uint8_t kind, uint32_t vcpu, uint32_t intid, int status,
		uint32_t out, uint64_t invoked, uint64_t returned)
{
	h->ops[h->nr_ops++] = (struct hist_op){.kind = kind,
					       .thread = (uint8_t)h->nr_ops,
					       .vcpu = vcpu,
					       .intid = intid,
					       .status = status,
					       .out = out,
					       .invoked = invoked,
					       .returned = returned};
}

static enum lin_verdict check(const struct history *h, bool strict_map, bool snapshot)
{
	struct lin_options opt = {.strict_map = strict_map, .snapshot_negative = snapshot};

	return lin_check(&m, h, NULL, &opt, NULL);
}

/* Sequential calls: the model's answers and nothing else. */
static void test_sequential_statuses(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	add(&h, H_SIGNAL, 0, 5, PVIRQ_EDISABLED, 0, 0, 1);
	add(&h, H_ENABLE, 0, 0, PVIRQ_OK, 0, 2, 3);
	add(&h, H_SIGNAL, 0, 5, PVIRQ_OK, 0, 4, 5);
	add(&h, H_CLEAR_MASKED, 0, 5, PVIRQ_OK, 0, 6, 7);
	add(&h, H_ACK, 0, 0, PVIRQ_OK, 5, 8, 9);
	add(&h, H_ACK, 0, 0, PVIRQ_ENOINTR, 0, 10, 11);
	assert_int_equal(check(&h, false, false), LIN_OK);
	h.ops[0].status = PVIRQ_OK; /* a signal to a disabled instance cannot succeed */
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	h.ops[0].status = PVIRQ_EDISABLED;
	h.ops[5].status = PVIRQ_OK; /* nor can a second ACK of one edge */
	h.ops[5].out = 5;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
}

/* Issue 12 defect 2, the documented rule: a SIGNAL overlapping DISABLE
 * may latch after it, and after a CLEAR_PENDING that started after it. */
static void test_signal_may_latch_after_disable(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	add(&h, H_SIGNAL, 0, 3, PVIRQ_OK, 0, 0, 9);
	add(&h, H_DISABLE, 0, 0, PVIRQ_OK, 0, 1, 2);
	add(&h, H_CLEAR_PENDING, 0, 3, PVIRQ_OK, 0, 3, 4);
	add(&h, H_IS_PENDING, 0, 3, PVIRQ_OK, 1, 5, 6);
	assert_int_equal(check(&h, false, false), LIN_OK);
	/* A SIGNAL that starts after DISABLE returned is dropped. */
	h.ops[0].invoked = 2;
	h.ops[1].returned = 1;
	h.ops[1].invoked = 0;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
}

/* Two overlapping ACKs cannot both take one edge. */
static void test_one_edge_one_ack(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 1);
	model_clear_masked(&m, 1, 40);
	model_signal(&m, 1, 40);
	add(&h, H_ACK, 1, 0, PVIRQ_OK, 40, 0, 3);
	add(&h, H_ACK, 1, 0, PVIRQ_OK, 40, 1, 2);
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	h.ops[1].status = PVIRQ_ENOINTR;
	assert_int_equal(check(&h, false, false), LIN_OK);
}

/* NO_INTERRUPTS: per state word (the spec's rule), not a snapshot. INTID 0
 * (word 0) is acknowledged by another thread while INTID 40 (word 1) is
 * unmasked during the call: each word was idle at some instant, never both
 * at once. An INTID deliverable the whole call is never missed. */
static void test_negative_ack_per_word(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	model_clear_masked(&m, 0, 0);
	model_signal(&m, 0, 0);
	model_signal(&m, 0, 40);
	add(&h, H_ACK, 0, 0, PVIRQ_ENOINTR, 0, 0, 9);
	add(&h, H_CLEAR_MASKED, 0, 40, PVIRQ_OK, 0, 1, 2);
	add(&h, H_ACK, 0, 0, PVIRQ_OK, 0, 3, 4);
	assert_int_equal(check(&h, false, false), LIN_OK);
	assert_int_equal(check(&h, false, true), LIN_VIOLATION);
	/* INTID 40 unmasked before the call: deliverable throughout. */
	h.ops[1].invoked = 10;
	h.ops[1].returned = 11;
	h.ops[0].invoked = 12;
	h.ops[0].returned = 20;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
}

/* MAP moves a pending bit new-target-first: an observer may see the edge
 * on both targets at once (a duplicate), which MAP as one step cannot
 * explain. Accepted with MAP as its documented steps, rejected as one. */
static void test_map_in_flight(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	model_enable(&m, 1);
	assert_int_equal(model_map(&m, 0, 1, 33), PVIRQ_OK);
	model_signal(&m, 1, 33);
	h.ops[h.nr_ops++] = (struct hist_op){.kind = H_MAP,
					     .input = 0,
					     .vcpu = 0,
					     .intid = 33,
					     .status = PVIRQ_OK,
					     .invoked = 0,
					     .returned = 9};
	add(&h, H_IS_PENDING, 0, 33, PVIRQ_OK, 1, 1, 2); /* already on the new one */
	add(&h, H_IS_PENDING, 1, 33, PVIRQ_OK, 1, 3, 4); /* still on the old one */
	assert_int_equal(check(&h, false, false), LIN_OK);
	assert_int_equal(check(&h, true, false), LIN_VIOLATION);
}

/* ... but never on neither: a MAP to a disabled target leaves the bit on
 * the old one untouched, so seeing it gone there is a violation even with
 * MAP as its steps. */
static void test_map_never_on_neither(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 1);
	assert_int_equal(model_map(&m, 0, 1, 33), PVIRQ_OK);
	model_signal(&m, 1, 33);
	h.ops[h.nr_ops++] = (struct hist_op){.kind = H_MAP,
					     .input = 0,
					     .vcpu = 0,
					     .intid = 33,
					     .status = PVIRQ_OK,
					     .invoked = 0,
					     .returned = 9};
	add(&h, H_IS_PENDING, 1, 33, PVIRQ_OK, 0, 1, 2);
	add(&h, H_IS_PENDING, 1, 33, PVIRQ_OK, 1, 3, 4);
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	assert_int_equal(check(&h, true, false), LIN_VIOLATION);
}

/* Level lines (issue 12 level semantics) through the model: RESAMPLE re-pends only if
 * its read of the level saw it high. */
static void test_resample_reads_level(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	add(&h, H_SET_LEVEL, 0, 1, PVIRQ_OK, 0, 0, 1);
	h.ops[0].level = true;
	add(&h, H_SET_LEVEL, 0, 1, PVIRQ_OK, 0, 2, 3); /* level 0 */
	add(&h, H_CLEAR_PENDING, 0, 1, PVIRQ_OK, 0, 4, 5);
	add(&h, H_RESAMPLE, 0, 1, PVIRQ_OK, 0, 6, 7);
	add(&h, H_IS_PENDING, 0, 1, PVIRQ_OK, 1, 8, 9);
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	h.ops[4].out = 0;
	assert_int_equal(check(&h, false, false), LIN_OK);
	/* A RESAMPLE overlapping the fall may have read the level high. */
	h.ops[3].invoked = 1;
	h.ops[4].out = 1;
	h.ops[2].invoked = 4;
	h.ops[2].returned = 5;
	h.ops[1].invoked = 2;
	h.ops[1].returned = 3;
	assert_int_equal(check(&h, false, false), LIN_OK);
}

/* ENABLE with a high level line: the enabled store, then the level latch.
 * A SIGNAL that sees the instance enabled may come before the latch; an
 * IS_PENDING after ENABLE returned sees the line's INTID pending. */
static void test_enable_latches_high_lines(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_set_level(&m, 0, 0, true); /* disabled: remembered, not pending */
	add(&h, H_ENABLE, 0, 0, PVIRQ_OK, 0, 0, 9);
	add(&h, H_SIGNAL, 0, 5, PVIRQ_OK, 0, 1, 2);
	add(&h, H_IS_PENDING, 0, 0, PVIRQ_OK, 0, 3, 4);
	assert_int_equal(check(&h, false, false), LIN_OK);
	h.ops[2].invoked = 10;
	h.ops[2].returned = 11;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
}

/* ACKNOWLEDGE takes the highest class at or above the floor: a lower
 * class taken while a higher one was deliverable throughout the call is a
 * violation; a SET_PRIORITY overlapping the call may explain it. */
static void test_ack_priority_order(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	model_clear_masked(&m, 0, 3);
	model_clear_masked(&m, 0, 40);
	model_set_priority(&m, 0, 40, 2);
	model_signal(&m, 0, 3);
	model_signal(&m, 0, 40);
	add(&h, H_ACK, 0, 0, PVIRQ_OK, 40, 0, 1);
	assert_int_equal(check(&h, false, false), LIN_OK);
	h.ops[0].out = 3; /* class 0 while class 2 waits */
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	/* ... unless INTID 40 was put back in class 0 meanwhile. */
	add(&h, H_SET_PRIORITY, 0, 40, PVIRQ_OK, 0, 0, 2);
	h.ops[1].cls = 0;
	assert_int_equal(check(&h, false, false), LIN_OK);
	/* Not after the ACK returned. */
	h.ops[1].invoked = 2;
	h.ops[1].returned = 3;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
}

/* The floor holds lower classes off: not taken, and not on the line. */
static void test_floor_holds_off(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	model_clear_masked(&m, 0, 3);
	model_signal(&m, 0, 3);
	model_set_priority_mask(&m, 0, 1);
	add(&h, H_ACK, 0, 0, PVIRQ_ENOINTR, 0, 0, 1);
	add(&h, H_LINE, 0, 0, PVIRQ_OK, 0, 2, 3);
	assert_int_equal(check(&h, false, false), LIN_OK);
	h.ops[0].status = PVIRQ_OK;
	h.ops[0].out = 3;
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	/* Lowering the floor first makes it deliverable. */
	h.nr_ops = 0;
	add(&h, H_SET_PRIORITY_MASK, 0, 0, PVIRQ_OK, 0, 0, 1);
	add(&h, H_ACK, 0, 0, PVIRQ_OK, 3, 2, 3);
	assert_int_equal(check(&h, false, false), LIN_OK);
}

/* RVID_RESAMPLE of a level input that stays high re-pends its target
 * inside the call; read low, it pends nothing. */
static void test_rvid_resample_repends(void **state)
{
	struct history h = {0};

	(void)state;
	model_reset(&m);
	model_enable(&m, 0);
	model_rvid_set_trigger(&m, 0, true);
	model_map(&m, 0, 0, 40);
	model_rvid_set_level(&m, 0, true);
	model_clear_pending(&m, 0, 40); /* the guest took it */
	add(&h, H_RVID_RESAMPLE, 0, 0, PVIRQ_OK, 0, 0, 1);
	add(&h, H_IS_PENDING, 0, 40, PVIRQ_OK, 1, 2, 3);
	assert_int_equal(check(&h, false, false), LIN_OK);
	h.ops[1].out = 0; /* the high level was forgotten */
	assert_int_equal(check(&h, false, false), LIN_VIOLATION);
	/* ... unless the device lowered it before the resample read it. */
	add(&h, H_RVID_SET_LEVEL, 0, 0, PVIRQ_OK, 0, 0, 1);
	h.ops[2].level = false;
	assert_int_equal(check(&h, false, false), LIN_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_statuses),
		cmocka_unit_test(test_signal_may_latch_after_disable),
		cmocka_unit_test(test_one_edge_one_ack),
		cmocka_unit_test(test_negative_ack_per_word),
		cmocka_unit_test(test_map_in_flight),
		cmocka_unit_test(test_map_never_on_neither),
		cmocka_unit_test(test_resample_reads_level),
		cmocka_unit_test(test_enable_latches_high_lines),
		cmocka_unit_test(test_ack_priority_order),
		cmocka_unit_test(test_floor_holds_off),
		cmocka_unit_test(test_rvid_resample_repends),
	};

	return cmocka_run_group_tests(tests, set_up, tear_down);
}
