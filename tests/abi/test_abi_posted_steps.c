/* SPDX-License-Identifier: MIT */
/*
 * The posted-interrupt protocol at step granularity: the descriptor code is
 * compiled here with a hook between its steps, and each test runs the other
 * side's whole operation at one of those points. Whatever the interleaving,
 * a posted vector is harvested exactly once and, if the consumer's pass
 * missed it, the post asked for a notification IPI. (The memory-order half
 * of the argument, seq_cst on every step, is in posted.c; the concurrent
 * run in test_abi_posted exercises it on real hardware.) Reordering the
 * consumer's steps (harvest PIR, then clear ON) fails
 * post_after_consumer_read_pir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

static void between_steps(const char *where);
#define PVIRQ_PI_BETWEEN_STEPS(where) between_steps(#where)
#include "../../src/arch/x86_64/posted.c"

#define VECTOR 0xF3u

static struct {
	struct pvirq_x86_pi_desc desc;
	const char *at; /* run the other side here, once */
	int other;	/* 0: post VECTOR, 1: sync */
	bool done;
	bool other_post_ipi;
	uint64_t other_irr[4];
	bool other_sync_any;
} s;

static void between_steps(const char *where)
{
	if (s.done || !s.at || strcmp(where, s.at) != 0)
		return;
	s.done = true;
	if (s.other == 0)
		s.other_post_ipi = pvirq_x86_pi_post(&s.desc, VECTOR);
	else
		s.other_sync_any = pvirq_x86_pi_sync(&s.desc, s.other_irr);
}

static void arm(const char *at, int other)
{
	memset(&s, 0, sizeof(s));
	pvirq_x86_pi_init(&s.desc, 0xF2, 0);
	s.at = at;
	s.other = other;
}

static bool has_vector(const uint64_t irr[4])
{
	return irr[VECTOR / 64u] & (1ull << (VECTOR % 64u));
}

/* Consumer cleared ON, a post lands before it reads PIR: the pass takes
 * it, and the post also asked for an IPI (spurious but harmless). */
static void post_between_consumer_steps(void **state)
{
	uint64_t irr[4] = {0};

	(void)state;
	arm("sync_between_on_and_pir", 0);
	assert_true(pvirq_x86_pi_sync(&s.desc, irr));
	assert_true(s.done);
	assert_true(has_vector(irr));
	assert_true(s.other_post_ipi);
	memset(irr, 0, sizeof(irr));
	assert_false(pvirq_x86_pi_sync(&s.desc, irr)); /* the IPI's pass: empty */
}

/* A post lands after the consumer read PIR: the pass misses it, so the
 * post must have seen ON clear and asked for the IPI, whose pass takes it. */
static void post_after_consumer_read_pir(void **state)
{
	uint64_t irr[4] = {0};

	(void)state;
	arm("sync_after_pir", 0);
	assert_false(pvirq_x86_pi_sync(&s.desc, irr));
	assert_true(s.done);
	assert_true(s.other_post_ipi); /* not lost */
	assert_true(pvirq_x86_pi_control(&s.desc) & PVIRQ_X86_PI_ON);
	assert_true(pvirq_x86_pi_sync(&s.desc, irr));
	assert_true(has_vector(irr));
}

/* The same with an IPI already outstanding (ON set) before the pass. */
static void post_after_read_with_on_set(void **state)
{
	uint64_t irr[4] = {0};

	(void)state;
	arm(NULL, 0);
	assert_true(pvirq_x86_pi_post(&s.desc, 0x40));
	s.at = "sync_after_pir";
	assert_true(pvirq_x86_pi_sync(&s.desc, irr));
	assert_true(irr[1] & 1);
	assert_false(has_vector(irr));
	assert_true(s.other_post_ipi);
	assert_true(pvirq_x86_pi_sync(&s.desc, irr));
	assert_true(has_vector(irr));
}

/* A consumer pass between the poster's PIR and ON steps takes the vector;
 * the poster's ON then asks for an IPI whose pass finds nothing. Once. */
static void consumer_between_poster_steps(void **state)
{
	uint64_t irr[4] = {0};

	(void)state;
	arm("post_between_pir_and_on", 1);
	assert_true(pvirq_x86_pi_post(&s.desc, VECTOR));
	assert_true(s.done);
	assert_true(s.other_sync_any);
	assert_true(has_vector(s.other_irr));
	assert_false(pvirq_x86_pi_sync(&s.desc, irr));
	assert_false(has_vector(irr));
}

/* The same with an IPI already outstanding: the poster will not ask for
 * another, so the pass between its steps must take the vector. (Setting
 * ON before PIR would strand it: ON seen set, pass finds no PIR bit.) */
static void consumer_between_poster_steps_with_on_set(void **state)
{
	uint64_t irr[4] = {0};
	bool ipi;

	(void)state;
	arm(NULL, 1);
	assert_true(pvirq_x86_pi_post(&s.desc, 0x40));
	s.at = "post_between_pir_and_on";
	ipi = pvirq_x86_pi_post(&s.desc, VECTOR);
	assert_true(s.done);
	assert_true(has_vector(s.other_irr) || ipi); /* taken, or notified */
	assert_true(has_vector(s.other_irr));
	assert_false(pvirq_x86_pi_sync(&s.desc, irr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_between_consumer_steps),
		cmocka_unit_test(post_after_consumer_read_pir),
		cmocka_unit_test(post_after_read_with_on_set),
		cmocka_unit_test(consumer_between_poster_steps),
		cmocka_unit_test(consumer_between_poster_steps_with_on_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
