/* SPDX-License-Identifier: MIT */
/*
 * Measurement plumbing shared by every benchmark row: a clock, CPU pinning,
 * a polite spin-wait, a start barrier for thread teams, and the order
 * statistics (median, percentiles) every reported figure is made of.
 */
#ifndef PVIRQ_BENCH_HARNESS_H
#define PVIRQ_BENCH_HARNESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Calibrates the clock; call once before any measurement. On x86_64 the
 * clock is the TSC (fenced RDTSC, scaled to ns against CLOCK_MONOTONIC):
 * clock_gettime() in this VM only resolves about 10 ns, too coarse for
 * timing single calls. Elsewhere it is clock_gettime(CLOCK_MONOTONIC).
 */
void bench_clock_init(void);

/** Monotonic time in nanoseconds. */
double bench_now_ns(void);

/** Median cost of one bench_now_ns() pair; subtracted from short batches. */
double bench_timer_overhead_ns(void);

/** Online CPUs (at least 1). */
unsigned bench_ncpu(void);

/** Pins the calling thread to CPU @p cpu modulo bench_ncpu(); best effort. */
void bench_pin(unsigned cpu);

/** One spin-loop hint (PAUSE / YIELD); a no-op where there is none. */
static inline void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * Spin-wait step: a relax hint, and every 1024 calls a sched_yield() so a
 * waiter sharing a CPU with the thread it waits for (an oversubscribed or
 * busy machine) lets it run instead of burning its time slice. Returns the
 * updated spin count.
 */
unsigned bench_backoff(unsigned spins);

/** Start barrier for a team of @p parties threads (reusable once). */
struct bench_barrier {
	atomic_uint arrived;
	unsigned parties;
};

void bench_barrier_init(struct bench_barrier *b, unsigned parties);
void bench_barrier_wait(struct bench_barrier *b);

/*
 * Runs @p n threads, thread i pinned to CPU i and calling fn(ctx, i);
 * returns when all have finished. Starting together is fn's business
 * (bench_barrier_wait).
 */
void bench_run_team(unsigned n, void (*fn)(void *ctx, unsigned index), void *ctx);

/*
 * The timed batches of one measurement. Its figure is the median of their
 * per-operation times, not their sum: on a shared machine a batch that a
 * preemption landed in would otherwise carry the whole time slice.
 */
#define BENCH_MAX_BATCHES 512u

struct bench_batches {
	double timer_ns; /* subtracted from every batch */
	unsigned n;
	double ns_per_op[BENCH_MAX_BATCHES];
};

/** Records one batch of @p ops operations timed from @p t0 to @p t1. */
void bench_batch_add(struct bench_batches *b, double t0, double t1, unsigned ops);

/** Median ns per operation over the recorded batches. */
double bench_batches_median(struct bench_batches *b);

/** Sorts @p v in place and returns its median (NAN for n == 0). */
double bench_median(double *v, size_t n);

/**
 * Sorts @p v in place and returns the mean of its middle 80%. Used for
 * single timed calls: the clock ticks in steps of a few ns here, so a
 * median sticks to one step while the mean of many samples does not, and
 * dropping both tails keeps preemptions out.
 */
double bench_trimmed_mean(double *v, size_t n);

/** Sorts @p v in place and returns the nearest-rank percentile @p p (0..100). */
double bench_percentile(double *v, size_t n, double p);

/** Keeps the compiler from discarding a computed value. */
static inline void bench_consume(uint64_t x)
{
	__asm__ __volatile__("" : : "r"(x) : "memory");
}

#endif /* PVIRQ_BENCH_HARNESS_H */
