/* SPDX-License-Identifier: MIT */
/*
 * Runner and assertions of the cmocka subset (see cmocka.h). Each test
 * runs setup, test, teardown; a failed assertion or fail_msg() longjmps
 * back here, marks the test failed and still runs its teardown when setup
 * succeeded. skip() marks it skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka.h"

enum outcome { PASSED, FAILED, SKIPPED };

static jmp_buf test_exit;
static int in_test;
/* The running test's state: static, so longjmp cannot clobber it. */
static void *test_state;

static void vreport(const char *prefix, const char *format, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, format, ap);
	fputc('\n', stderr);
}

static void report(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vreport("[  ERROR   ] --- ", format, ap);
	va_end(ap);
}

static void leave(enum outcome how) __attribute__((noreturn));
static void leave(enum outcome how)
{
	if (!in_test) {
		fputs("[  ERROR   ] --- assertion outside a running test\n", stderr);
		abort();
	}
	longjmp(test_exit, (int)how);
}

void print_message(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	fflush(stdout);
}

void _fail(const char *file, int line)
{
	report("%s:%d: error: Failure!", file, line);
	leave(FAILED);
}

void _fail_msg(const char *file, int line, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vreport("ERROR: ", format, ap);
	va_end(ap);
	_fail(file, line);
}

void _skip(const char *file, int line)
{
	fprintf(stderr, "[  SKIPPED ] --- %s:%d\n", file, line);
	leave(SKIPPED);
}

void _assert_true(uintmax_t value, const char *expr, const char *file, int line)
{
	if (!value) {
		report("%s", expr);
		_fail(file, line);
	}
}

void _assert_int_equal(uintmax_t a, uintmax_t b, const char *file, int line)
{
	if (a != b) {
		report("%#jx != %#jx (%jd != %jd)", a, b, (intmax_t)a, (intmax_t)b);
		_fail(file, line);
	}
}

void _assert_int_not_equal(uintmax_t a, uintmax_t b, const char *file, int line)
{
	if (a == b) {
		report("%#jx == %#jx", a, b);
		_fail(file, line);
	}
}

void _assert_string_equal(const char *a, const char *b, const char *file, int line)
{
	if (!a || !b || strcmp(a, b) != 0) {
		report("\"%s\" != \"%s\"", a ? a : "(null)", b ? b : "(null)");
		_fail(file, line);
	}
}

void _assert_string_not_equal(const char *a, const char *b, const char *file, int line)
{
	if (a && b && strcmp(a, b) == 0) {
		report("\"%s\" == \"%s\"", a, b);
		_fail(file, line);
	}
}

void _assert_memory_equal(const void *a, const void *b, size_t size, const char *file, int line)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < size; i++) {
		if (x[i] != y[i]) {
			report("%zu bytes differ first at offset %zu: %#x != %#x", size, i, x[i],
			       y[i]);
			_fail(file, line);
		}
	}
}

static enum outcome run_one(const struct CMUnitTest *t)
{
	/* volatile: read after longjmp. */
	volatile int set_up = 0;
	volatile enum outcome result = PASSED;
	int jumped;

	test_state = t->initial_state;
	in_test = 1;
	jumped = setjmp(test_exit);
	if (jumped == 0) {
		if (t->setup_func && t->setup_func(&test_state) != 0) {
			report("setup of %s failed", t->name);
			result = FAILED;
		} else {
			set_up = 1;
			t->test_func(&test_state);
		}
	} else {
		result = (enum outcome)jumped;
	}
	if (set_up && t->teardown_func) {
		set_up = 0;
		if (setjmp(test_exit) == 0) {
			if (t->teardown_func(&test_state) != 0) {
				report("teardown of %s failed", t->name);
				result = FAILED;
			}
		} else {
			result = FAILED;
		}
	}
	in_test = 0;
	return result;
}

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *tests, size_t count,
			    CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	void *group_state = NULL;
	size_t passed = 0, skipped = 0, failed = 0;
	char *failed_names = calloc(count ? count : 1, sizeof(char));

	(void)group_name;
	printf("[==========] Running %zu test(s).\n", count);
	fflush(stdout);
	if (group_setup && group_setup(&group_state) != 0) {
		printf("[  FAILED  ] group setup\n");
		free(failed_names);
		return (int)(count ? count : 1);
	}
	for (size_t i = 0; i < count; i++) {
		struct CMUnitTest t = tests[i];
		enum outcome r;

		if (!t.initial_state)
			t.initial_state = group_state;
		printf("[ RUN      ] %s\n", t.name);
		fflush(stdout);
		r = run_one(&t);
		printf("%s %s\n",
		       r == PASSED    ? "[       OK ]"
		       : r == SKIPPED ? "[  SKIPPED ]"
				      : "[  FAILED  ]",
		       t.name);
		fflush(stdout);
		passed += r == PASSED;
		skipped += r == SKIPPED;
		if (r == FAILED) {
			failed++;
			if (failed_names)
				failed_names[i] = 1;
		}
	}
	if (group_teardown)
		group_teardown(&group_state);
	printf("[==========] %zu test(s) run.\n", count);
	printf("[  PASSED  ] %zu test(s).\n", passed);
	if (skipped)
		printf("[  SKIPPED ] %zu test(s).\n", skipped);
	if (failed) {
		printf("[  FAILED  ] %zu test(s), listed below:\n", failed);
		for (size_t i = 0; i < count; i++)
			if (failed_names && failed_names[i])
				printf("[  FAILED  ] %s\n", tests[i].name);
		printf("\n %zu FAILED TEST(S)\n", failed);
	}
	fflush(stdout);
	free(failed_names);
	return (int)failed;
}
