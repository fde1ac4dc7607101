/* SPDX-License-Identifier: MIT */
/*
 * The hardware floor, measured in the same process as everything else:
 * what one atomic read-modify-write costs when nobody else touches the
 * line, and what moving one cache line from one core to the other and back
 * costs. No interrupt controller can beat these.
 */
#include "engine.h"
#include "harness.h"

struct padded_word {
	_Alignas(64) atomic_ulong word;
	char pad[64 - sizeof(atomic_ulong)];
};

double floor_atomic_rmw(const struct bench_params *p)
{
	static struct padded_word w;
	struct bench_batches bb = {.timer_ns = p->timer_ns};

	for (unsigned b = 0; b < p->inner; b++) {
		double t0 = bench_now_ns();

		/* seq_cst: the order every libpvirq state change uses. */
		for (uint32_t i = 0; i < p->batch; i++)
			atomic_fetch_or_explicit(&w.word, 1ul << (i % 64), memory_order_seq_cst);
		bench_batch_add(&bb, t0, bench_now_ns(), p->batch);
	}
	return bench_batches_median(&bb);
}

struct floor_worker {
	struct padded_word w;
	const struct bench_params *p;
	struct bench_barrier *start;
	double t0, t1;
};

/* The floor of one throughput op (set a bit, clear it) on a private line. */
static void floor_worker(void *ctx, unsigned index)
{
	struct floor_worker *f = (struct floor_worker *)ctx + index;

	bench_barrier_wait(f->start);
	f->t0 = bench_now_ns();
	for (uint32_t k = 0; k < f->p->ops; k++) {
		atomic_fetch_or_explicit(&f->w.word, 1ul << (k % 32), memory_order_seq_cst);
		atomic_fetch_and_explicit(&f->w.word, ~(1ul << (k % 32)), memory_order_seq_cst);
	}
	f->t1 = bench_now_ns();
}

double floor_throughput(const struct bench_params *p, unsigned threads)
{
	struct floor_worker f[16];
	struct bench_barrier start;
	double first = 0, last = 0;

	bench_barrier_init(&start, threads);
	for (unsigned i = 0; i < threads; i++) {
		atomic_init(&f[i].w.word, 0);
		f[i].p = p;
		f[i].start = &start;
	}
	bench_run_team(threads, floor_worker, f);
	for (unsigned i = 0; i < threads; i++) {
		first = i == 0 || f[i].t0 < first ? f[i].t0 : first;
		last = f[i].t1 > last ? f[i].t1 : last;
	}
	return (last - first) / ((double)threads * p->ops);
}

/*
 * Cache-line ping-pong: thread 1 stores 1 and waits for 0, thread 0 waits
 * for 1 and stores 0. One round trip moves the line across and back, the
 * least any cross-core signal -> acknowledge -> reply must pay. Reported
 * as half a round trip, like the engine latency rows.
 */
struct pingpong {
	struct padded_word flag;
	double *samples;
	size_t n, warmup;
	struct bench_barrier start;
};

static void wait_for(atomic_ulong *flag, unsigned long value)
{
	unsigned spins = 0;

	/* Acquire: pairs with the other side's release store. */
	while (atomic_load_explicit(flag, memory_order_acquire) != value)
		spins = bench_backoff(spins);
}

static void pingpong_thread(void *ctx, unsigned index)
{
	struct pingpong *pp = ctx;
	bool initiator = index == 1;

	bench_barrier_wait(&pp->start);
	for (size_t i = 0; i < pp->warmup + pp->n; i++) {
		if (initiator) {
			double t0 = bench_now_ns();

			atomic_store_explicit(&pp->flag.word, 1, memory_order_release);
			wait_for(&pp->flag.word, 0);
			if (i >= pp->warmup)
				pp->samples[i - pp->warmup] = (bench_now_ns() - t0) / 2;
		} else {
			wait_for(&pp->flag.word, 1);
			atomic_store_explicit(&pp->flag.word, 0, memory_order_release);
		}
	}
}

void floor_pingpong(const struct bench_params *p, double *samples, size_t n)
{
	static struct pingpong pp;
	(void)p;
	atomic_init(&pp.flag.word, 0);
	pp.samples = samples;
	pp.n = n;
	pp.warmup = n / 10 + 1;
	bench_barrier_init(&pp.start, 2);
	bench_run_team(2, pingpong_thread, &pp);
}

/*
 * The floor of "signal, remote vCPU": one atomic RMW on a line that the
 * other core modified last. Thread 0 (CPU 0) writes the line, then hands
 * the turn over through a second line; thread 1 (CPU 1) times its RMW on
 * the first line and hands the turn back.
 */
struct remote_floor {
	struct padded_word target, turn;
	double *samples;
	size_t n, warmup;
	struct bench_barrier start;
};

static void remote_floor_thread(void *ctx, unsigned index)
{
	struct remote_floor *rf = ctx;
	bool timer = index == 1;

	bench_barrier_wait(&rf->start);
	for (size_t i = 0; i < rf->warmup + rf->n; i++) {
		if (timer) {
			double t0;

			wait_for(&rf->turn.word, 1);
			t0 = bench_now_ns();
			atomic_fetch_or_explicit(&rf->target.word, 1ul << (i % 64),
						 memory_order_seq_cst);
			if (i >= rf->warmup)
				rf->samples[i - rf->warmup] = bench_now_ns() - t0;
			atomic_store_explicit(&rf->turn.word, 0, memory_order_release);
		} else {
			wait_for(&rf->turn.word, 0);
			atomic_fetch_and_explicit(&rf->target.word, ~(1ul << (i % 64)),
						  memory_order_seq_cst);
			atomic_store_explicit(&rf->turn.word, 1, memory_order_release);
		}
	}
}

void floor_remote_rmw(const struct bench_params *p, double *samples, size_t n)
{
	static struct remote_floor rf;
	(void)p;
	atomic_init(&rf.target.word, 0);
	atomic_init(&rf.turn.word, 0);
	rf.samples = samples;
	rf.n = n;
	rf.warmup = n / 10 + 1;
	bench_barrier_init(&rf.start, 2);
	bench_run_team(2, remote_floor_thread, &rf);
}
