/* SPDX-License-Identifier: MIT */
/*
 * Injection against a retarget at step granularity: rvid.c is compiled here
 * with a hook between inject's signal (D2) and its re-read of the mapping
 * (D3), and each test runs a whole MAP of the same input at that point.
 * Whatever the new target, the edge is kept exactly where the argument in
 * rvid.c says, and inject's status tells the truth about it: PVIRQ_OK when
 * the edge was latched somewhere (a VMM that re-queues on PVIRQ_EDISABLED
 * would otherwise deliver it twice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

static void between_steps(const char *where);
#define PVIRQ_RVID_BETWEEN_STEPS(where) between_steps(#where)
#include "../../src/core/rvid.c"

#include "../support/intid_state.h"

#include "fixture.h"

#define U0 FIX_TRUSTED

static struct {
	struct pvirq_vm *vm;
	uint32_t vcpu, intid; /* the MAP to run inside the injection */
	int map_result;
	bool armed;
} hook;

static void between_steps(const char *where)
{
	if (!hook.armed || strcmp(where, "inject_between_signal_and_reread") != 0)
		return;
	hook.armed = false;
	hook.map_result = pvirq_rvid_map(hook.vm, 0, hook.vcpu, hook.intid);
}

static void arm(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	hook.vm = vm;
	hook.vcpu = vcpu;
	hook.intid = intid;
	hook.map_result = 1; /* no host status is positive: "MAP never ran" */
	hook.armed = true;
}

/* The case: the retarget goes to a disabled vCPU. The edge latched
 * on the old target stays there (MAP does not move it onto an instance
 * that would drop it), and inject reports it kept. */
static void retarget_to_disabled_inside_inject(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t got;

	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, U0 + 8), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	arm(vm, 1, U0 + 9); /* vCPU 1 is disabled */
	assert_int_equal(pvirq_rvid_inject(vm, 0), PVIRQ_OK);
	assert_int_equal(hook.map_result, PVIRQ_OK);
	assert_true(intid_pending(vm, 0, U0 + 8));
	assert_false(intid_pending(vm, 1, U0 + 9));
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &got), PVIRQ_OK);
	assert_int_equal(got, U0 + 8);
}

/* Retarget to an enabled vCPU inside the injection: the edge ends on the
 * new target (moved by MAP, and signalled again by inject's re-read: one
 * pending bit, never lost, never left on the old target). */
static void retarget_to_enabled_inside_inject(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	arm(vm, 2, U0 + 11);
	assert_int_equal(pvirq_rvid_inject(vm, 0), PVIRQ_OK);
	assert_false(intid_pending(vm, 0, U0 + 8));
	assert_true(intid_pending(vm, 2, U0 + 11));
}

/* Both targets disabled: the edge is dropped everywhere, and only then is
 * PVIRQ_EDISABLED the answer. */
static void both_targets_disabled(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	arm(vm, 1, U0 + 9);
	assert_int_equal(pvirq_rvid_inject(vm, 0), PVIRQ_EDISABLED);
	assert_false(intid_pending(vm, 0, U0 + 8));
	assert_false(intid_pending(vm, 1, U0 + 9));
}

/* The old target disabled, the new one enabled: latched on the new one. */
static void retarget_from_disabled_inside_inject(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	assert_int_equal(pvirq_rvic_enable(vm, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	arm(vm, 3, U0 + 12);
	assert_int_equal(pvirq_rvid_inject(vm, 0), PVIRQ_OK);
	assert_true(intid_pending(vm, 3, U0 + 12));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(retarget_to_disabled_inside_inject),
		T(retarget_to_enabled_inside_inject),
		T(both_targets_disabled),
		T(retarget_from_disabled_inside_inject),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
