/* SPDX-License-Identifier: MIT */
/*
 * Randomized differential test: long random operation sequences, including
 * out-of-range arguments, applied to the engine and to the reference model
 * (tests/model); return values must agree exactly and every observable bit
 * is compared after every step. It also checks the notification contract
 * step by step: a vCPU that rearmed with its line low is notified before
 * its line can be seen high.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <pvirq/hosted.h>

#include "model.h"

struct run {
	struct pvirq_vm *vm;
	struct model m;
	uint64_t rng;
	bool armed[8]; /* rearmed with the line low, not notified since */
	unsigned notifies[8];
};

static uint64_t next(struct run *r)
{
	/* xorshift64*: deterministic per seed, no libc state. */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1Dull;
}

static void on_notify(void *ctx, uint32_t vcpu)
{
	struct run *r = ctx;

	r->armed[vcpu] = false;
	r->notifies[vcpu]++;
}

/* Mostly valid arguments, sometimes just out of range, sometimes huge. */
static uint32_t pick(struct run *r, uint32_t bound)
{
	uint64_t x = next(r);

	switch (x % 16) {
	case 0: return bound + (uint32_t)(x >> 8) % 4;
	case 1: return (uint32_t)(x >> 32);
	default: return bound ? (uint32_t)((x >> 8) % bound) : 0;
	}
}

static void step(struct run *r, unsigned long n)
{
	struct model *m = &r->m;
	uint32_t c = pick(r, m->nr_vcpus), i = pick(r, m->nr_intids);
	uint32_t in = pick(r, m->nr_inputs), got_e = 0, got_m = 0;
	unsigned op = (unsigned)(next(r) % 16);
	int e = 0, mo = 0;

	switch (op) {
	case 0:
		e = pvirq_rvic_enable(r->vm, c);
		mo = model_enable(m, c);
		break;
	case 1:
		if (next(r) % 4 == 0) {
			e = pvirq_rvic_disable(r->vm, c);
			mo = model_disable(m, c);
		}
		break;
	case 2:
		e = pvirq_rvic_set_masked(r->vm, c, i);
		mo = model_set_masked(m, c, i);
		break;
	case 3: /* fallthrough: unmask is common in real guests */
	case 4:
		e = pvirq_rvic_clear_masked(r->vm, c, i);
		mo = model_clear_masked(m, c, i);
		break;
	case 5:
	case 6:
		e = pvirq_rvic_signal(r->vm, c, i);
		mo = model_signal(m, c, i);
		break;
	case 7:
		e = pvirq_rvic_clear_pending(r->vm, c, i);
		mo = model_clear_pending(m, c, i);
		break;
	case 8:
	case 9:
		e = pvirq_rvic_acknowledge(r->vm, c, &got_e);
		mo = model_acknowledge(m, c, &got_m);
		if (e == PVIRQ_OK && mo == PVIRQ_OK && got_e != got_m) {
			fail_msg("step %lu: acknowledge vcpu %u: %u, model %u", n, c, got_e, got_m);
		}
		break;
	case 10:
		e = pvirq_rvic_resample(r->vm, c, i);
		mo = model_resample(m, c, i);
		break;
	case 11: {
		bool level = next(r) & 1;

		/* Mostly low trusted INTIDs; with a large T also the first
		 * ones past the software-line bound. */
		uint32_t t = i % (m->nr_trusted > 256 ? 320 : 64);

		e = pvirq_rvic_set_level(r->vm, c, t, level);
		mo = model_set_level(m, c, t, level);
		break;
	}
	case 12: {
		uint32_t intid = m->nr_trusted + pick(r, m->nr_untrusted);

		if (next(r) % 8 == 0)
			intid = pick(r, m->nr_intids); /* sometimes a trusted one */
		e = pvirq_rvid_map(r->vm, in, c, intid);
		mo = model_map(m, in, c, intid);
		break;
	}
	case 13:
		if (next(r) % 4 == 0) {
			e = pvirq_rvid_unmap(r->vm, in);
			mo = model_unmap(m, in);
		}
		break;
	case 14:
		e = pvirq_rvid_inject(r->vm, in);
		mo = model_inject(m, in);
		break;
	case 15: {
		uint64_t addr = next(r) % 8 ? PVIRQ_MSI_DOORBELL : next(r);
		uint64_t data = next(r) % 8 ? in : next(r);

		e = pvirq_rvid_msi(r->vm, addr, data);
		mo = model_msi(m, addr, data);
		break;
	}
	}
	if (e != mo)
		fail_msg("step %lu: op %u (vcpu %u intid %u input %u) returned %d, model %d", n, op,
			 c, i, in, e, mo);

	/* Entry step for one random vCPU, as a hypervisor would do it. */
	if (next(r) % 4 == 0) {
		uint32_t v = (uint32_t)(next(r) % m->nr_vcpus);
		bool line = pvirq_vcpu_rearm(r->vm, v);

		assert_int_equal(line, model_line(m, v));
		r->armed[v] = !line;
	}
	for (uint32_t v = 0; v < m->nr_vcpus; v++)
		if (r->armed[v] && model_line(m, v))
			fail_msg("step %lu: vcpu %u line high but never notified (lost wake-up)", n,
				 v);
}

static void run_config(uint32_t vcpus, uint32_t trusted, uint32_t untrusted, uint32_t inputs,
		       uint64_t seed, unsigned long steps)
{
	struct run *r = calloc(1, sizeof(*r));
	struct pvirq_config cfg = {.nr_vcpus = vcpus,
				   .nr_trusted = trusted,
				   .nr_untrusted = untrusted,
				   .nr_rvid_inputs = inputs,
				   .notify = on_notify};
	const char *diff;

	assert_non_null(r);
	cfg.notify_ctx = r;
	r->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	assert_int_equal(pvirq_vm_create(&cfg, &r->vm), PVIRQ_OK);
	assert_int_equal(model_init(&r->m, &cfg), 0);
	for (unsigned long n = 0; n < steps; n++) {
		step(r, n);
		diff = model_compare(&r->m, r->vm);
		if (diff)
			fail_msg("seed %llu step %lu: %s", (unsigned long long)seed, n, diff);
	}
	/* The run must have exercised the interesting paths, not only errors. */
	unsigned total = 0;
	for (uint32_t v = 0; v < vcpus; v++)
		total += r->notifies[v];
	assert_true(total > 0);
	model_free(&r->m);
	pvirq_vm_destroy(r->vm);
	free(r);
}

static unsigned long scale(unsigned long steps)
{
	const char *env = getenv("PVIRQ_DIFF_SCALE");

	return env ? steps * strtoul(env, NULL, 10) : steps;
}

static void small_instances(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_config(1 + (uint32_t)(seed % 4), 32, 32 * (1 + (uint32_t)(seed % 3)),
			   (uint32_t)(seed % 5) * 3, seed, scale(20000));
}

static void largest_instance(void **state)
{
	(void)state;
	run_config(2, 64, 1984, 16, 99, scale(3000));
	/* Trusted INTIDs past the software level lines (PVIRQ_MAX_LEVEL_LINES). */
	run_config(2, 512, 64, 4, 7, scale(3000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_instances),
		cmocka_unit_test(largest_instance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
