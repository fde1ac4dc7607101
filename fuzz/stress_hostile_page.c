/* SPDX-License-Identifier: MIT */
/*
 * The hostile shared page from a second thread (#16): while the main thread
 * runs host operations on every vCPU, a scribbler thread keeps writing
 * arbitrary words into the pages that vCPUs 0 and 1 share (both on one page
 * with an odd seed), and keeps flipping their pending lanes so that the
 * host's compare-and-swaps lose. vCPU 2 shares a page of its own that
 * nobody scribbles, vCPU 3 shares none. The main thread checks, after every
 * operation:
 *  - vCPUs 2 and 3 (the victims) are exactly as the reference model says:
 *    pending, masked, class, floor, enabled, line; no trusted INTID of
 *    theirs pending that the trusted API did not aim at; no lost wake-up;
 *  - host-private state of every vCPU is exact: enabled, shared page, the
 *    rVID table and levels, every status that depends on them;
 *  - acknowledge on the hostile vCPUs answers an INTID in range, or
 *    NO_INTERRUPTS, and every call returns (bounded work: a loop the
 *    scribbler could keep spinning would hang this test).
 * At the end the scribbler stops, the model re-reads the hostile pages and
 * the whole VM must equal it (the line then exactly what the words say).
 *
 *   stress_hostile_page [--iterations N] [--seed S]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/pvirq.h>

#include "model.h"

#define NR_VCPUS 4u
#define NR_T 32u
#define NR_U 64u
#define NR_N (NR_T + NR_U)
#define NR_WORDS (NR_N / 32u)
#define NR_INPUTS 4u
#define RAM_PAGES 8u
#define RAM_GPA 0x80000000ull
#define PAGE_WORDS (PVIRQ_SHARED_STATE_SIZE / 8u)

static _Alignas(64) _Atomic uint64_t ram[RAM_PAGES][PAGE_WORDS];
static atomic_bool stop;
static atomic_ulong scribbles;

static struct pvirq_vm *vm;
static struct model m;
static bool armed[NR_VCPUS];
static bool trusted_source[NR_VCPUS][NR_T];
static unsigned long resamples, model_resamples;

#define FAIL(...)                                                                    \
	do {                                                                         \
		fprintf(stderr, "stress_hostile_page: %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                        \
		fputc('\n', stderr);                                                 \
		abort();                                                             \
	} while (0)

static uint64_t next(uint64_t *s)
{
	/* xorshift64*: deterministic per seed, cheap, good enough to choose. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static void *guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)ctx;
	(void)vcpu;
	if (gpa < RAM_GPA || size > sizeof(ram) || gpa - RAM_GPA > sizeof(ram) - size)
		return NULL;
	return (uint8_t *)ram + (gpa - RAM_GPA);
}

static void on_notify(void *ctx, uint32_t vcpu)
{
	(void)ctx;
	if (vcpu >= NR_VCPUS)
		FAIL("notify of vcpu %u", vcpu);
	armed[vcpu] = false;
}

static void on_resample(void *ctx, uint32_t input)
{
	(void)ctx;
	if (input >= NR_INPUTS)
		FAIL("resample of input %u", input);
	resamples++;
}

static void on_model_resample(void *ctx, uint32_t input)
{
	(void)ctx;
	(void)input;
	model_resamples++;
}

/* The hostile guest: pages 0 and 1 (vCPUs 0 and 1), anything, forever. */
static void *scribbler(void *arg)
{
	uint64_t s = *(uint64_t *)arg | 1;

	/* Relaxed: only a stop flag; the pages are the engine's atomics. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t r = next(&s), v = next(&s);
		_Atomic uint64_t *page = ram[r & 1];
		uint32_t word = (r >> 8) % 4 ? (uint32_t)((r >> 16) % (2 * NR_WORDS + 4))
					     : (uint32_t)((r >> 16) % PAGE_WORDS);

		/* seq_cst: the page protocol's accesses are all seq_cst. */
		switch ((r >> 4) % 4) {
		case 0: atomic_store(&page[word], v); break;
		case 1: atomic_fetch_xor(&page[word % NR_WORDS], 0x5555555555555555ull); break;
		case 2: atomic_fetch_or(&page[word % NR_WORDS], v & 0x5555555555555555ull); break;
		default: atomic_store(&page[2 * NR_WORDS], v); break; /* the floor, junk */
		}
		atomic_fetch_add_explicit(&scribbles, 1, memory_order_relaxed);
	}
	return NULL;
}

static bool victim(uint32_t c)
{
	return c >= 2;
}

static void check_victim(uint32_t c, const char *what)
{
	const struct model_vcpu *v = &m.vcpus[c];
	bool bit;
	uint32_t val;

	for (uint32_t i = 0; i < NR_N; i++) {
		if (pvirq_rvic_is_pending(vm, c, i, &bit) || bit != v->pending[i])
			FAIL("after %s: vcpu %u intid %u pending %d, model %d", what, c, i, bit,
			     v->pending[i]);
		if (pvirq_rvic_is_masked(vm, c, i, &bit) || bit != v->masked[i])
			FAIL("after %s: vcpu %u intid %u masked %d, model %d", what, c, i, bit,
			     v->masked[i]);
		if (pvirq_rvic_get_priority(vm, c, i, &val) || val != v->cls[i])
			FAIL("after %s: vcpu %u intid %u class %u, model %u", what, c, i, val,
			     v->cls[i]);
		if (i < NR_T && v->pending[i] && !trusted_source[c][i])
			FAIL("after %s: trusted INTID %u of victim vcpu %u pending", what, i, c);
	}
	if (pvirq_rvic_get_priority_mask(vm, c, &val) || val != v->floor)
		FAIL("after %s: vcpu %u floor %u, model %u", what, c, val, v->floor);
	bit = pvirq_vcpu_line(vm, c);
	if (bit != model_line(&m, c))
		FAIL("after %s: vcpu %u line %d, model %d", what, c, bit, model_line(&m, c));
	if (bit && armed[c])
		FAIL("after %s: vcpu %u line high, never notified", what, c);
}

/* Host-private state of every vCPU and the rVID table. */
static void check_private(const char *what)
{
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		bool enabled;
		uint64_t gpa = 0, mgpa = 0;

		if (pvirq_rvic_is_enabled(vm, c, &enabled) || enabled != m.vcpus[c].enabled)
			FAIL("after %s: vcpu %u enabled %d", what, c, enabled);
		if (pvirq_rvic_shared_state(vm, c, &gpa) != model_shared_state(&m, c, &mgpa) ||
		    gpa != mgpa)
			FAIL("after %s: vcpu %u shared page %#llx, model %#llx", what, c,
			     (unsigned long long)gpa, (unsigned long long)mgpa);
		if (victim(c))
			check_victim(c, what);
	}
	for (uint32_t i = 0; i < NR_INPUTS; i++) {
		uint32_t vcpu = 0, intid = 0;
		int err = pvirq_rvid_lookup(vm, i, &vcpu, &intid);
		bool high = false, mhigh = false;

		if ((err == PVIRQ_OK) != m.rvid[i].valid ||
		    (!err && (vcpu != m.rvid[i].vcpu || intid != m.rvid[i].intid)))
			FAIL("after %s: rvid %u -> (%d, %u, %u)", what, i, err, vcpu, intid);
		model_rvid_get_level(&m, i, &mhigh);
		if (pvirq_rvid_get_level(vm, i, &high) || high != mhigh)
			FAIL("after %s: rvid %u level %d, model %d", what, i, high, mhigh);
	}
	if (resamples != model_resamples)
		FAIL("after %s: resample() %lu calls, model %lu", what, resamples, model_resamples);
}

/* Re-reads the hostile pages into the model (the scribbler stopped). */
static void follow_hostile_pages(void)
{
	for (uint32_t c = 0; c < 2; c++) {
		_Atomic uint64_t *page = ram[(m.vcpus[c].shared_gpa - RAM_GPA) / 4096u];

		for (uint32_t i = 0; i < NR_WORDS; i++) {
			model_guest_store_state(&m, c, i, atomic_load(&page[i]));
			model_guest_store_class(&m, c, i, atomic_load(&page[NR_WORDS + i]));
		}
		model_guest_store_floor(&m, c, atomic_load(&page[2 * NR_WORDS]));
	}
}

#define BOTH(e, mo, what)                                                                        \
	do {                                                                                     \
		int e_ = (e), mo_ = (mo);                                                        \
		if (e_ != mo_)                                                                   \
			FAIL("%s (vcpu %u intid %u): engine %d, model %d", what, c, i, e_, mo_); \
	} while (0)

/* One host operation; on a hostile vCPU only its status and range count. */
static void step(uint64_t *s, unsigned long *hostile_acks, unsigned long *hostile_none)
{
	uint64_t r = next(s);
	uint32_t c = (uint32_t)(r >> 8) % NR_VCPUS, i = (uint32_t)(r >> 16) % NR_N;
	uint32_t input = (uint32_t)(r >> 32) % NR_INPUTS, got = 0, mgot = 0;
	/* Inputs 0, 1 move among the victims, 2, 3 among the hostile vCPUs, so
	 * no bit a hostile page holds moves onto a victim. */
	uint32_t group = input < 2 ? 2 : 0, target = group + (uint32_t)(r >> 40) % 2;
	uint32_t untrusted = NR_T + (uint32_t)(r >> 44) % NR_U;
	int e, mo;

	switch (r % 16) {
	case 0:
	case 1:
		if (i < NR_T)
			trusted_source[c][i] = true;
		BOTH(pvirq_rvic_signal(vm, c, i), model_signal(&m, c, i), "signal");
		break;
	case 2:
	case 3:
		e = pvirq_rvic_acknowledge(vm, c, &got);
		mo = model_acknowledge(&m, c, &mgot);
		if (victim(c)) {
			BOTH(e, mo, "acknowledge");
			if (!e && got != mgot)
				FAIL("acknowledge vcpu %u: %u, model %u", c, got, mgot);
		} else {
			if (e != PVIRQ_OK && e != PVIRQ_ENOINTR)
				FAIL("acknowledge of hostile vcpu %u: %d", c, e);
			if (!e && got >= NR_N)
				FAIL("acknowledge of hostile vcpu %u: INTID %u", c, got);
			++*hostile_acks;
			*hostile_none += e == PVIRQ_ENOINTR;
		}
		break;
	case 4:
		e = pvirq_rvic_acknowledge_nmi(vm, c, &got);
		mo = model_acknowledge_nmi(&m, c, &mgot);
		if (victim(c)) {
			BOTH(e, mo, "acknowledge_nmi");
			if (!e && got != mgot)
				FAIL("acknowledge_nmi vcpu %u: %u, model %u", c, got, mgot);
		} else if ((e != PVIRQ_OK && e != PVIRQ_ENOINTR) || (!e && got >= NR_N)) {
			FAIL("acknowledge_nmi of hostile vcpu %u: %d, INTID %u", c, e, got);
		}
		break;
	case 5:
		BOTH(pvirq_rvic_clear_masked(vm, c, i), model_clear_masked(&m, c, i),
		     "clear_masked");
		break;
	case 6:
		BOTH(pvirq_rvic_set_masked(vm, c, i), model_set_masked(&m, c, i), "set_masked");
		break;
	case 7:
		BOTH(pvirq_rvic_clear_pending(vm, c, i), model_clear_pending(&m, c, i),
		     "clear_pending");
		break;
	case 8: {
		uint32_t cls = (uint32_t)(r >> 48) % 5;

		BOTH(pvirq_rvic_set_priority(vm, c, i, cls), model_set_priority(&m, c, i, cls),
		     "set_priority");
		break;
	}
	case 9: {
		uint32_t floor = (uint32_t)(r >> 48) % 4;

		BOTH(pvirq_rvic_set_priority_mask(vm, c, floor),
		     model_set_priority_mask(&m, c, floor), "set_priority_mask");
		break;
	}
	case 10:
		BOTH(pvirq_rvid_map(vm, input, target, untrusted),
		     model_map(&m, input, target, untrusted), "map");
		break;
	case 11: BOTH(pvirq_rvid_inject(vm, input), model_inject(&m, input), "inject"); break;
	case 12: {
		bool high = (r >> 50) & 1;

		BOTH(pvirq_rvid_set_level(vm, input, high), model_rvid_set_level(&m, input, high),
		     "set_level");
		break;
	}
	case 13:
		BOTH(pvirq_rvid_resample(vm, input), model_rvid_resample(&m, input),
		     "rvid_resample");
		break;
	case 14:
		if (victim(c)) {
			/* A victim's CPU goes down and up (ENABLE re-pends levels). */
			BOTH(pvirq_rvic_disable(vm, c), model_disable(&m, c), "disable");
			BOTH(pvirq_rvic_enable(vm, c), model_enable(&m, c), "enable");
		}
		break;
	default: {
		bool line = pvirq_vcpu_rearm(vm, c);

		if (victim(c)) {
			if (line != model_line(&m, c))
				FAIL("rearm vcpu %u: %d, model %d", c, line, model_line(&m, c));
			armed[c] = !line;
		}
		(void)pvirq_vcpu_take_nmi(vm, c);
		break;
	}
	}
	check_private("step");
}

int main(int argc, char **argv)
{
	unsigned long iterations = 20000, hostile_acks = 0, hostile_none = 0;
	uint64_t seed = 1, s;
	struct pvirq_config cfg = {.nr_vcpus = NR_VCPUS,
				   .nr_trusted = NR_T,
				   .nr_untrusted = NR_U,
				   .nr_rvid_inputs = NR_INPUTS,
				   .notify = on_notify,
				   .guest_page = guest_page,
				   .resample = on_resample,
				   .nmi_line = true};
	pthread_t thread;

	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--iterations"))
			iterations = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--seed"))
			seed = strtoull(argv[a + 1], NULL, 0);
	}
	s = seed * 0x9E3779B97F4A7C15ull | 1;
	if (pvirq_vm_create(&cfg, &vm) || model_init(&m, &cfg))
		FAIL("vm_create");
	m.resample_hook = on_model_resample;
	/* vCPUs 0 and 1 on hostile RAM (one page for both with an odd seed),
	 * vCPU 2 on a page of its own, vCPU 3 not shared. */
	for (uint32_t c = 0; c < 3; c++) {
		uint64_t gpa = RAM_GPA + 4096u * (c == 2 ? 4 : c == 1 && (seed & 1) ? 0 : c);

		if (pvirq_rvic_share_state(vm, c, gpa) || model_share_state(&m, c, gpa, true))
			FAIL("share_state vcpu %u", c);
	}
	for (uint32_t i = 0; i < NR_INPUTS; i++)
		if (pvirq_rvid_set_trigger(vm, i, i % 2) || model_rvid_set_trigger(&m, i, i % 2))
			FAIL("set_trigger %u", i);
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		if (pvirq_rvic_enable(vm, c) || model_enable(&m, c))
			FAIL("enable %u", c);
		for (uint32_t i = 0; i < NR_N; i += 3)
			if (pvirq_rvic_clear_masked(vm, c, i) || model_clear_masked(&m, c, i))
				FAIL("clear_masked");
	}
	if (pthread_create(&thread, NULL, scribbler, &seed))
		FAIL("pthread_create");
	for (unsigned long n = 0; n < iterations; n++)
		step(&s, &hostile_acks, &hostile_none);
	/* Relaxed: the join below orders everything after it. */
	atomic_store_explicit(&stop, true, memory_order_relaxed);
	pthread_join(thread, NULL);

	follow_hostile_pages();
	{
		const char *diff = model_compare(&m, vm);

		if (diff)
			FAIL("after the scribbler stopped: %s", diff);
	}
	printf("stress_hostile_page: %lu operations against %lu hostile stores, %lu "
	       "acknowledges on hostile vCPUs (%lu NO_INTERRUPTS), no failure\n",
	       iterations, atomic_load(&scribbles), hostile_acks, hostile_none);
	model_free(&m);
	pvirq_vm_destroy(vm);
	return 0;
}
