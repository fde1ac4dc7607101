/* SPDX-License-Identifier: MIT */
/*
 * The subset of the cmocka API that libpvirq's tests use, for targets with
 * no cmocka package (riscv64 and other cross builds on Debian 12).
 * Source-compatible with cmocka for that subset: tests include <cmocka.h>
 * and build against either. Output follows cmocka's format and ends with a
 * summary line; the group runner returns the number of failed tests.
 *
 * A failing assertion longjmps out of the test, so assertions belong on
 * the test's own thread (as with cmocka).
 */
#ifndef PVIRQ_CMOCKA_COMPAT_H
#define PVIRQ_CMOCKA_COMPAT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
	const char *name;
	CMUnitTestFunction test_func;
	CMFixtureFunction setup_func;
	CMFixtureFunction teardown_func;
	void *initial_state;
};

#define cmocka_unit_test(f)             \
	{                               \
#f, f, NULL, NULL, NULL \
	}
#define cmocka_unit_test_setup_teardown(f, setup, teardown) \
	{                                                   \
#f, f, setup, teardown, NULL                \
	}

#define cmocka_run_group_tests(tests, group_setup, group_teardown)                              \
	_cmocka_run_group_tests(#tests, tests, sizeof(tests) / sizeof((tests)[0]), group_setup, \
				group_teardown)

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *tests, size_t count,
			    CMFixtureFunction group_setup, CMFixtureFunction group_teardown);

void print_message(const char *format, ...) __attribute__((format(printf, 1, 2)));
void _fail(const char *file, int line) __attribute__((noreturn));
void _fail_msg(const char *file, int line, const char *format, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void _skip(const char *file, int line) __attribute__((noreturn));
void _assert_true(uintmax_t value, const char *expr, const char *file, int line);
void _assert_int_equal(uintmax_t a, uintmax_t b, const char *file, int line);
void _assert_int_not_equal(uintmax_t a, uintmax_t b, const char *file, int line);
void _assert_string_equal(const char *a, const char *b, const char *file, int line);
void _assert_string_not_equal(const char *a, const char *b, const char *file, int line);
void _assert_memory_equal(const void *a, const void *b, size_t size, const char *file, int line);

#define fail() _fail(__FILE__, __LINE__)
#define fail_msg(...) _fail_msg(__FILE__, __LINE__, __VA_ARGS__)
#define skip() _skip(__FILE__, __LINE__)
#define assert_true(c) _assert_true((uintmax_t) !!(c), #c, __FILE__, __LINE__)
#define assert_false(c) _assert_true((uintmax_t) !(c), "!(" #c ")", __FILE__, __LINE__)
#define assert_non_null(p) _assert_true((uintmax_t)((p) != NULL), #p " != NULL", __FILE__, __LINE__)
#define assert_null(p) _assert_true((uintmax_t)((p) == NULL), #p " == NULL", __FILE__, __LINE__)
/* As in cmocka, integers compare as the largest unsigned type: -1 equals
 * UINTMAX_MAX, and signed and unsigned operands mix freely. */
#define assert_int_equal(a, b) _assert_int_equal((uintmax_t)(a), (uintmax_t)(b), __FILE__, __LINE__)
#define assert_int_not_equal(a, b) \
	_assert_int_not_equal((uintmax_t)(a), (uintmax_t)(b), __FILE__, __LINE__)
#define assert_ptr_equal(a, b)                                     \
	_assert_int_equal((uintmax_t)(uintptr_t)(const void *)(a), \
			  (uintmax_t)(uintptr_t)(const void *)(b), __FILE__, __LINE__)
#define assert_string_equal(a, b) _assert_string_equal((a), (b), __FILE__, __LINE__)
#define assert_string_not_equal(a, b) _assert_string_not_equal((a), (b), __FILE__, __LINE__)
#define assert_memory_equal(a, b, size) \
	_assert_memory_equal((const void *)(a), (const void *)(b), (size), __FILE__, __LINE__)

#ifdef __cplusplus
}
#endif

#endif /* PVIRQ_CMOCKA_COMPAT_H */
