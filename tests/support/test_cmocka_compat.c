/* SPDX-License-Identifier: MIT */
/*
 * Self-test of tests/support/cmocka: a group with known outcomes (pass,
 * failed int/memory/string assertions, fail_msg, failed setup, skip) must
 * report exactly its failures, run teardown after a failed test, and not
 * run the test body after a failed setup. Built against the compat
 * implementation in every build, so it is checked on the host too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmocka/cmocka.h"

static int teardowns, bodies_after_bad_setup;

static int setup_ok(void **state)
{
	*state = malloc(8);
	return *state ? 0 : -1;
}

static int setup_bad(void **state)
{
	(void)state;
	return -1;
}

static int teardown_count(void **state)
{
	free(*state);
	teardowns++;
	return 0;
}

static void passes(void **state)
{
	assert_non_null(*state);
	assert_int_equal(-1, UINTMAX_MAX); /* cmocka compares as uintmax_t */
	assert_memory_equal("abc", "abc", 3);
	assert_string_equal("x", "x");
	assert_string_not_equal("x", "y");
	assert_null(NULL);
	assert_ptr_equal(state, state);
	assert_false(0);
}

static void int_mismatch(void **state)
{
	(void)state;
	assert_int_equal(3, 4);
}

static void memory_mismatch(void **state)
{
	(void)state;
	assert_memory_equal("abc", "abd", 3);
}

static void message(void **state)
{
	(void)state;
	fail_msg("expected failure %d", 1);
}

static void never_runs(void **state)
{
	(void)state;
	bodies_after_bad_setup++;
}

static void skipped(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest group[] = {
		cmocka_unit_test_setup_teardown(passes, setup_ok, teardown_count),
		cmocka_unit_test_setup_teardown(int_mismatch, setup_ok, teardown_count),
		cmocka_unit_test(memory_mismatch),
		cmocka_unit_test(message),
		cmocka_unit_test_setup_teardown(never_runs, setup_bad, teardown_count),
		cmocka_unit_test(skipped),
	};
	int failed = cmocka_run_group_tests(group, NULL, NULL);

	/* int_mismatch, memory_mismatch, message, never_runs (bad setup). */
	if (failed != 4 || teardowns != 2 || bodies_after_bad_setup != 0) {
		printf("compat self-test: failed=%d teardowns=%d bodies=%d\n", failed, teardowns,
		       bodies_after_bad_setup);
		return 1;
	}
	printf("compat self-test: every outcome reported as expected\n");
	return 0;
}
