/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "harness.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if defined(__x86_64__)
static double ns_per_tick;

/* LFENCE on both sides: earlier instructions have executed before the
 * read, later ones do not start before it. */
static uint64_t ticks(void)
{
	uint64_t t;

	__builtin_ia32_lfence();
	t = __builtin_ia32_rdtsc();
	__builtin_ia32_lfence();
	return t;
}

void bench_clock_init(void)
{
	double t0 = monotonic_ns(), t1;
	uint64_t c0 = ticks(), c1;

	do
		t1 = monotonic_ns();
	while (t1 - t0 < 20e6);
	c1 = ticks();
	ns_per_tick = (t1 - t0) / (double)(c1 - c0);
}

double bench_now_ns(void)
{
	return ns_per_tick ? (double)ticks() * ns_per_tick : monotonic_ns();
}
#else
void bench_clock_init(void)
{
}

double bench_now_ns(void)
{
	return monotonic_ns();
}
#endif

double bench_timer_overhead_ns(void)
{
	static double d[10001];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		double t0 = bench_now_ns();

		d[i] = bench_now_ns() - t0;
	}
	return bench_trimmed_mean(d, sizeof(d) / sizeof(d[0]));
}

unsigned bench_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1u;
}

void bench_pin(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % bench_ncpu(), &set);
	/* Best effort: a failure (restricted cpuset) only adds noise. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

unsigned bench_backoff(unsigned spins)
{
	bench_relax();
	if (++spins % 1024u == 0)
		sched_yield();
	return spins;
}

void bench_barrier_init(struct bench_barrier *b, unsigned parties)
{
	atomic_init(&b->arrived, 0);
	b->parties = parties;
}

void bench_barrier_wait(struct bench_barrier *b)
{
	unsigned spins = 0;

	atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&b->arrived, memory_order_acquire) < b->parties)
		spins = bench_backoff(spins);
}

struct team_start {
	void (*fn)(void *ctx, unsigned index);
	void *ctx;
	unsigned index;
};

static void *team_trampoline(void *p)
{
	struct team_start *s = p;

	bench_pin(s->index);
	s->fn(s->ctx, s->index);
	return NULL;
}

void bench_run_team(unsigned n, void (*fn)(void *ctx, unsigned index), void *ctx)
{
	pthread_t tid[16];
	struct team_start start[16];

	if (n > 16) {
		fprintf(stderr, "bench: team of %u threads is too large\n", n);
		exit(2);
	}
	for (unsigned i = 0; i < n; i++) {
		start[i] = (struct team_start){fn, ctx, i};
		if (pthread_create(&tid[i], NULL, team_trampoline, &start[i])) {
			perror("pthread_create");
			exit(2);
		}
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	rank = (size_t)ceil(p / 100.0 * (double)n);
	return v[rank ? rank - 1 : 0];
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double bench_trimmed_mean(double *v, size_t n)
{
	size_t lo = n / 10, hi = n - n / 10;
	double sum = 0;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = lo; i < hi; i++)
		sum += v[i];
	return sum / (double)(hi - lo);
}

void bench_batch_add(struct bench_batches *b, double t0, double t1, unsigned ops)
{
	double net = t1 - t0 - b->timer_ns;

	if (b->n < BENCH_MAX_BATCHES)
		b->ns_per_op[b->n++] = (net > 0 ? net : 0) / ops;
}

double bench_batches_median(struct bench_batches *b)
{
	return bench_median(b->ns_per_op, b->n);
}
