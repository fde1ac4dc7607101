/* SPDX-License-Identifier: MIT */
/*
 * The lazy summary clear at step granularity: rvic.c is compiled here with
 * a hook before and after the clear of a summary bit whose word looked
 * idle. A SIGNAL lands in the first gap (it sees the summary bit still set
 * and does not set it again), and in the second gap, while the bit is gone
 * and before the clearer re-reads the word, another caller asks for the
 * line and acknowledges. The INTID is deliverable throughout those calls,
 * so they must find it: a negative answer is confirmed word by word, not
 * taken from the summary. test_races runs the same race on real threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

static void between_steps(const char *where);
#define PVIRQ_RVIC_BETWEEN_STEPS(where) between_steps(#where)
#include "../../src/core/rvic.c"

#include <pvirq/hosted.h>

#define IPI 3u

static struct {
	struct pvirq_vm *vm;
	bool armed, inside;
	bool line_seen;
	int ack;
	uint32_t acked;
} hook;

static void between_steps(const char *where)
{
	if (!hook.armed || hook.inside)
		return;
	hook.inside = true; /* the calls below clear lazily too: no nesting */
	if (strcmp(where, "summary_before_clear") == 0) {
		assert_int_equal(pvirq_rvic_signal(hook.vm, 0, IPI), PVIRQ_OK);
	} else if (strcmp(where, "summary_after_clear") == 0) {
		hook.armed = false;
		hook.line_seen = pvirq_vcpu_line(hook.vm, 0);
		hook.ack = pvirq_rvic_acknowledge(hook.vm, 0, &hook.acked);
	}
	hook.inside = false;
}

static struct pvirq_vm *make_vm(void)
{
	struct pvirq_config cfg = {.nr_vcpus = 1, .nr_trusted = 32, .nr_untrusted = 32};
	struct pvirq_vm *vm;

	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, IPI), PVIRQ_OK);
	/* Leave word 0's summary bit set over an idle word: signal, ack. */
	assert_int_equal(pvirq_rvic_signal(vm, 0, IPI), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &(uint32_t){0}), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, IPI), PVIRQ_OK);
	return vm;
}

static void arm(struct pvirq_vm *vm)
{
	memset(&hook, 0, sizeof(hook));
	hook.vm = vm;
	hook.ack = 1; /* no host status is positive: "never ran" */
	hook.armed = true;
}

static void line_query_clears_while_signal_lands(void **state)
{
	struct pvirq_vm *vm = make_vm();

	(void)state;
	arm(vm);
	(void)pvirq_vcpu_line(vm, 0); /* the clearer */
	assert_true(hook.line_seen);
	assert_int_equal(hook.ack, PVIRQ_OK);
	assert_int_equal(hook.acked, IPI);
	pvirq_vm_destroy(vm);
}

static void acknowledge_clears_while_signal_lands(void **state)
{
	struct pvirq_vm *vm = make_vm();
	uint32_t got = 0;
	int err;

	(void)state;
	arm(vm);
	err = pvirq_rvic_acknowledge(vm, 0, &got); /* the clearer */
	assert_true(hook.line_seen);
	assert_int_equal(hook.ack, PVIRQ_OK);
	assert_int_equal(hook.acked, IPI);
	assert_int_equal(err, PVIRQ_ENOINTR); /* the nested ACK took it */
	pvirq_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_query_clears_while_signal_lands),
		cmocka_unit_test(acknowledge_clears_while_signal_lands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
