/* SPDX-License-Identifier: MIT */
/*
 * The measurements that run on both engines. scenarios.inc is compiled
 * twice, once against libpvirq (engine_pvirq.c) and once against the
 * locked baseline (engine_locked.c), so both run literally the same loop
 * with direct calls: no function pointer sits inside a timed loop.
 *
 * Every function returns nanoseconds per operation for one measurement
 * (the caller repeats it and takes the median), except latency(), which
 * fills one sample per round trip.
 */
#ifndef PVIRQ_BENCH_ENGINE_H
#define PVIRQ_BENCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sizes of one measurement; --quick shrinks them. */
struct bench_params {
	unsigned inner;	 /* timed batches per measurement (their median counts) */
	unsigned batch;	 /* operations per timed batch (single thread) */
	unsigned ops;	 /* operations per thread (multi-threaded rows) */
	double timer_ns; /* cost of one clock read pair, subtracted per batch */
};

struct bench_engine {
	const char *name;
	/** SIGNAL by the target vCPU's own thread: idle -> deliverable. */
	double (*signal_own)(const struct bench_params *p);
	/** ACKNOWLEDGE with a run of deliverable INTIDs (the next is adjacent). */
	double (*acknowledge)(const struct bench_params *p);
	/** ACKNOWLEDGE with one deliverable INTID at the far end of the search. */
	double (*acknowledge_far)(const struct bench_params *p, uint32_t nr_intids);
	/** rVID inject of a mapped input: idle -> deliverable. */
	double (*inject)(const struct bench_params *p);
	/** rVID MAP of an already-mapped input to the other vCPU. */
	double (*retarget)(const struct bench_params *p);
	/** Aggregate ns per (SIGNAL + CLEAR_PENDING) with @p producers threads,
	 *  all to vCPU 0 (@p one_vcpu) or producer i to vCPU i. */
	double (*throughput)(const struct bench_params *p, unsigned producers, bool one_vcpu);
	/** One-way signal -> acknowledge latency samples (round trip / 2), and
	 *  the time of each round trip's SIGNAL call to the remote vCPU. */
	void (*latency)(const struct bench_params *p, double *samples, double *signal_ns, size_t n);
	/** Bytes of state one more vCPU costs. */
	size_t (*vcpu_bytes)(uint32_t nr_trusted, uint32_t nr_untrusted);
};

extern const struct bench_engine bench_pvirq_engine;
extern const struct bench_engine bench_locked_engine;

/* The hardware floor (floor.c). */
double floor_atomic_rmw(const struct bench_params *p);
void floor_remote_rmw(const struct bench_params *p, double *samples, size_t n);
double floor_throughput(const struct bench_params *p, unsigned threads);
void floor_pingpong(const struct bench_params *p, double *samples, size_t n);

#endif /* PVIRQ_BENCH_ENGINE_H */
