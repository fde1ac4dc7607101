/* SPDX-License-Identifier: MIT */
/*
 * x86 posted-interrupt descriptor: the hardware layout byte by byte, each
 * operation, and a concurrent run of posters against a consumer that only
 * harvests when "interrupted" (when a post asked for the notification IPI),
 * counting every posted vector exactly once. A lost notification leaves a
 * vector outstanding forever and fails the run at its deadline.
 *
 *   test_abi_posted [--posts N]   (posts per poster thread)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <pvirq/pvirq.h>

static unsigned long posts_per_thread = 100000;

static void byte_layout(void **state)
{
	struct pvirq_x86_pi_desc d;
	unsigned char b[64];
	uint64_t irr[4] = {0};

	(void)state;
	assert_int_equal(sizeof(d), 64);
	assert_int_equal(_Alignof(struct pvirq_x86_pi_desc), 64);
	assert_int_equal(pvirq_x86_pi_init(&d, 0xF2, 0x12345678u), PVIRQ_OK);
	assert_true(pvirq_x86_pi_post(&d, 16));
	assert_false(pvirq_x86_pi_post(&d, 255)); /* ON already set: no IPI */
	assert_false(pvirq_x86_pi_post(&d, 0xA5));
	memcpy(b, &d, sizeof(b));
	/* Little-endian view of the architectural bit numbers. */
	assert_int_equal(b[2], 0x01);			/* PIR bit 16 */
	assert_int_equal(b[31], 0x80);			/* PIR bit 255 */
	assert_int_equal(b[0xA5 / 8], 1 << (0xA5 % 8)); /* PIR bit 0xA5 */
	assert_int_equal(b[32], 0x01);			/* ON = bit 256, SN = 257 clear */
	assert_int_equal(b[34], 0xF2);			/* NV = bits 279:272 */
	assert_int_equal(b[36] | b[37] << 8 | b[38] << 16 | (uint32_t)b[39] << 24,
			 0x12345678u); /* NDST = bits 319:288 */
	for (int i = 40; i < 64; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(pvirq_x86_pi_control(&d), 0x1234567800F20001ull);

	assert_true(pvirq_x86_pi_sync(&d, irr));
	assert_int_equal(irr[0], 1u << 16);
	assert_int_equal(irr[2], 1ull << (0xA5 - 128));
	assert_int_equal(irr[3], 1ull << 63);
	assert_int_equal(pvirq_x86_pi_control(&d), 0x1234567800F20000ull); /* ON clear */
	memset(irr, 0, sizeof(irr));
	assert_false(pvirq_x86_pi_sync(&d, irr));
	assert_int_equal(irr[0] | irr[1] | irr[2] | irr[3], 0);
}

/* Vectors 0..15 are reserved by the APIC (an "illegal vector" error): a
 * descriptor never routes or posts one, and refusing changes nothing. */
static void reserved_vectors_refused(void **state)
{
	struct pvirq_x86_pi_desc d;
	uint64_t irr[4] = {0};

	(void)state;
	memset(&d, 0xAB, sizeof(d));
	for (unsigned v = 0; v < 16; v++)
		assert_int_equal(pvirq_x86_pi_init(&d, (uint8_t)v, 1), PVIRQ_EINVAL);
	for (size_t i = 0; i < sizeof(d); i++)
		assert_int_equal(((unsigned char *)&d)[i], 0xAB); /* nothing written */
	assert_int_equal(pvirq_x86_pi_init(&d, 0xF2, 7), PVIRQ_OK);
	for (unsigned v = 0; v < 16; v++) {
		assert_false(pvirq_x86_pi_post(&d, (uint8_t)v));
		assert_int_equal(pvirq_x86_pi_set_route(&d, (uint8_t)v, 9), PVIRQ_EINVAL);
	}
	assert_int_equal(pvirq_x86_pi_control(&d), 0x0000000700F20000ull); /* no ON, old route */
	assert_false(pvirq_x86_pi_sync(&d, irr));
	assert_int_equal(irr[0], 0);
	assert_int_equal(pvirq_x86_pi_set_route(&d, 16, 9), PVIRQ_OK);
	assert_int_equal(pvirq_x86_pi_control(&d), 0x0000000900100000ull);
}

/* xAPIC mode names the destination in NDST bits 15:8, x2APIC in all 32. */
static void ndst_encoding(void **state)
{
	(void)state;
	assert_int_equal(pvirq_x86_pi_ndst(0x12, false), 0x1200u);
	assert_int_equal(pvirq_x86_pi_ndst(0xFF, false), 0xFF00u);
	assert_int_equal(pvirq_x86_pi_ndst(0x12345678u, true), 0x12345678u);
}

static void suppress_and_route(void **state)
{
	struct pvirq_x86_pi_desc d;
	uint64_t irr[4] = {0};

	(void)state;
	pvirq_x86_pi_init(&d, 0xF2, 1);
	pvirq_x86_pi_set_sn(&d, true);
	assert_false(pvirq_x86_pi_post(&d, 0x40));		 /* suppressed... */
	assert_true(pvirq_x86_pi_control(&d) & PVIRQ_X86_PI_ON); /* ...but recorded */
	pvirq_x86_pi_set_route(&d, 0xE0, 0xFFFFFFFFu);
	assert_int_equal(pvirq_x86_pi_control(&d), 0xFFFFFFFF00E00003ull); /* ON, SN kept */
	pvirq_x86_pi_set_sn(&d, false);
	assert_true(pvirq_x86_pi_sync(&d, irr));
	assert_int_equal(irr[1], 1);
	assert_true(pvirq_x86_pi_post(&d, 0x41)); /* SN clear, ON clear: IPI */
	assert_true(pvirq_x86_pi_test_and_clear_pir(&d, 0x41));
	assert_false(pvirq_x86_pi_test_and_clear_pir(&d, 0x41));
	assert_true(pvirq_x86_pi_test_and_clear_on(&d));
	assert_false(pvirq_x86_pi_test_and_clear_on(&d));
	assert_int_equal(pvirq_x86_pi_control(&d), 0xFFFFFFFF00E00000ull);
}

static void kvm_entry_decision(void **state)
{
	(void)state;
	assert_int_equal(pvirq_x86_kvm_entry_action(false, false), PVIRQ_X86_KVM_ENTRY_NOTHING);
	assert_int_equal(pvirq_x86_kvm_entry_action(false, true), PVIRQ_X86_KVM_ENTRY_NOTHING);
	assert_int_equal(pvirq_x86_kvm_entry_action(true, true), PVIRQ_X86_KVM_ENTRY_INJECT);
	assert_int_equal(pvirq_x86_kvm_entry_action(true, false),
			 PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW);
}

/* --- concurrent post vs. sync ---------------------------------------- */

#define POSTERS 2u
#define VECTORS_PER_POSTER 64u

struct race {
	struct pvirq_x86_pi_desc desc;
	atomic_uint kick;	      /* the notification IPI */
	atomic_uint outstanding[256]; /* posted, not yet harvested */
	atomic_ulong posted, harvested, ipis;
	atomic_uint errors, posters_done;
};

struct poster {
	struct race *r;
	unsigned first_vector;
};

static void *poster_main(void *arg)
{
	struct poster *p = arg;
	struct race *r = p->r;
	unsigned v = 0;

	for (unsigned long n = 0; n < posts_per_thread; n++) {
		unsigned vector;

		/* Next vector of ours that the consumer has harvested. */
		for (;;) {
			vector = p->first_vector + v;
			v = (v + 1) % VECTORS_PER_POSTER;
			if (!atomic_load(&r->outstanding[vector]))
				break;
			sched_yield();
		}
		atomic_store(&r->outstanding[vector], 1);
		atomic_fetch_add(&r->posted, 1);
		if (pvirq_x86_pi_post(&r->desc, (uint8_t)vector)) {
			atomic_fetch_add(&r->ipis, 1);
			atomic_store(&r->kick, 1);
		}
	}
	atomic_fetch_add(&r->posters_done, 1);
	return NULL;
}

static void consume(struct race *r)
{
	uint64_t irr[4] = {0};

	pvirq_x86_pi_sync(&r->desc, irr);
	for (unsigned w = 0; w < 4; w++) {
		while (irr[w]) {
			unsigned vector = w * 64u + (unsigned)__builtin_ctzll(irr[w]);

			irr[w] &= irr[w] - 1;
			/* Harvested once per post: it must be outstanding. */
			if (atomic_exchange(&r->outstanding[vector], 0) != 1)
				atomic_fetch_add(&r->errors, 1);
			atomic_fetch_add(&r->harvested, 1);
		}
	}
}

static void post_vs_sync(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	struct poster p[POSTERS];
	pthread_t t[POSTERS];
	time_t deadline = time(NULL) + 20;

	(void)state;
	assert_non_null(r);
	pvirq_x86_pi_init(&r->desc, 0xF2, 0);
	for (unsigned i = 0; i < POSTERS; i++) {
		p[i] = (struct poster){r, 32u + i * VECTORS_PER_POSTER};
		assert_int_equal(pthread_create(&t[i], NULL, poster_main, &p[i]), 0);
	}
	/* The consumer runs only when "interrupted", like the processor. */
	while (atomic_load(&r->harvested) < POSTERS * posts_per_thread) {
		if (atomic_exchange(&r->kick, 0))
			consume(r);
		else
			sched_yield();
		if (time(NULL) > deadline)
			break; /* a lost notification: report below, do not hang */
	}
	for (unsigned i = 0; i < POSTERS; i++)
		pthread_join(t[i], NULL);
	print_message("posts %lu, notification IPIs %lu\n", atomic_load(&r->posted),
		      atomic_load(&r->ipis));
	assert_int_equal(atomic_load(&r->errors), 0);
	assert_int_equal(atomic_load(&r->posted), POSTERS * posts_per_thread);
	assert_int_equal(atomic_load(&r->harvested), POSTERS * posts_per_thread);
	assert_true(atomic_load(&r->ipis) <= atomic_load(&r->posted));
	free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(byte_layout),
		cmocka_unit_test(suppress_and_route),
		cmocka_unit_test(reserved_vectors_refused),
		cmocka_unit_test(ndst_encoding),
		cmocka_unit_test(kvm_entry_decision),
		cmocka_unit_test(post_vs_sync),
	};

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--posts"))
			posts_per_thread = strtoul(argv[i + 1], NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
