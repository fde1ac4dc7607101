/* SPDX-License-Identifier: MIT */
/*
 * Linearizability check of the real library. Each round: a random small
 * state is set up (on the VM and on the reference model alike), then 2-4
 * threads each make a short random mix of calls on the VM, recording
 * invocation and return ticks from one shared atomic counter; then the
 * history is checked against the model (checker.c). A history with no
 * linearization is printed with its seed and fails the run.
 *
 *   test_lincheck [--rounds N] [--concurrent C] [--seed S] [--strict-map]
 *                 [--snapshot-negative] [--mutant ack] [--expect-violation]
 *                 [--count-only]
 *
 * --rounds is an upper bound; the run stops earlier once C histories had
 * calls of different threads overlapping (how many rounds that takes
 * depends on how busy the machine is: on 2 loaded cores most rounds run
 * their threads one after another).
 *
 * --mutant ack replaces pvirq_rvic_acknowledge() in the threads by a
 * broken one built from public calls (find a deliverable INTID, then mask
 * it, then clear its pending bit: three steps, not one compare-and-swap).
 * With --expect-violation the run passes only if the checker rejects some
 * history: the proof that the checker can catch a non-atomic ACK.
 * --count-only reports how many histories fail instead of stopping at the
 * first (used to measure the strict variants, docs/verification.md).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#include "checker.h"

#define MAX_THREADS 4u
#define NR_VCPUS 2u
#define NR_INPUTS 2u
/* The INTIDs the calls touch: two trusted ones with software level lines
 * (state word 0) and two untrusted ones (state word 1), so both words and
 * the class boundary are in play while the search stays small. */
static const uint32_t watched[] = {0, 1, 32, 33};
#define NR_WATCHED (sizeof(watched) / sizeof(watched[0]))

struct options {
	unsigned long rounds, concurrent;
	uint64_t seed;
	bool mutant_ack, expect_violation, count_only;
	bool skip_if_serial; /* no overlap at all: skip (77), not fail */
	struct lin_options lin;
};

struct round {
	struct pvirq_vm *vm;
	unsigned nr_threads, per_thread;
	struct hist_op ops[MAX_THREADS][HIST_MAX_OPS];
	unsigned pause[MAX_THREADS][HIST_MAX_OPS];
	bool mutant_ack;
};

static atomic_ullong ticks;
static pthread_barrier_t start_line, finish_line;
static struct round current;
static atomic_bool quit;
static atomic_uint ready; /* threads at the start of this round */

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static uint32_t pick(uint64_t *rng, uint32_t n)
{
	return (uint32_t)(next_rand(rng) % n);
}

/* ACK built from separate public calls: the non-atomic acknowledge the
 * checker must reject. The yield widens the window a real race needs. */
static int broken_acknowledge(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid)
{
	bool enabled = false, pending = false, masked = true;

	pvirq_rvic_is_enabled(vm, vcpu, &enabled);
	if (!enabled)
		return PVIRQ_EDISABLED;
	for (unsigned k = 0; k < NR_WATCHED; k++) {
		pvirq_rvic_is_pending(vm, vcpu, watched[k], &pending);
		pvirq_rvic_is_masked(vm, vcpu, watched[k], &masked);
		if (pending && !masked) {
			sched_yield();
			pvirq_rvic_set_masked(vm, vcpu, watched[k]);
			pvirq_rvic_clear_pending(vm, vcpu, watched[k]);
			*intid = watched[k];
			return PVIRQ_OK;
		}
	}
	return PVIRQ_ENOINTR;
}

static void call(struct pvirq_vm *vm, struct hist_op *op, bool mutant_ack)
{
	bool b = false;
	uint32_t got = 0;

	/* seq_cst: the ticks order every call's start and end in one total
	 * order that real time (happens-before) respects. */
	op->invoked = atomic_fetch_add_explicit(&ticks, 1, memory_order_seq_cst);
	switch (op->kind) {
	case H_SIGNAL: op->status = pvirq_rvic_signal(vm, op->vcpu, op->intid); break;
	case H_CLEAR_PENDING: op->status = pvirq_rvic_clear_pending(vm, op->vcpu, op->intid); break;
	case H_SET_MASKED: op->status = pvirq_rvic_set_masked(vm, op->vcpu, op->intid); break;
	case H_CLEAR_MASKED: op->status = pvirq_rvic_clear_masked(vm, op->vcpu, op->intid); break;
	case H_IS_PENDING:
		op->status = pvirq_rvic_is_pending(vm, op->vcpu, op->intid, &b);
		op->out = b;
		break;
	case H_ACK:
		op->status = mutant_ack ? broken_acknowledge(vm, op->vcpu, &got)
					: pvirq_rvic_acknowledge(vm, op->vcpu, &got);
		op->out = got;
		break;
	case H_ENABLE: op->status = pvirq_rvic_enable(vm, op->vcpu); break;
	case H_DISABLE: op->status = pvirq_rvic_disable(vm, op->vcpu); break;
	case H_MAP: op->status = pvirq_rvid_map(vm, op->input, op->vcpu, op->intid); break;
	case H_UNMAP: op->status = pvirq_rvid_unmap(vm, op->input); break;
	case H_INJECT: op->status = pvirq_rvid_inject(vm, op->input); break;
	case H_RESAMPLE: op->status = pvirq_rvic_resample(vm, op->vcpu, op->intid); break;
	case H_SET_LEVEL:
		op->status = pvirq_rvic_set_level(vm, op->vcpu, op->intid, op->level);
		break;
	case H_LINE:
		op->status = PVIRQ_OK;
		op->out = pvirq_vcpu_line(vm, op->vcpu);
		break;
	case H_SET_PRIORITY:
		op->status = pvirq_rvic_set_priority(vm, op->vcpu, op->intid, op->cls);
		break;
	case H_SET_PRIORITY_MASK:
		op->status = pvirq_rvic_set_priority_mask(vm, op->vcpu, op->cls);
		break;
	case H_RVID_SET_LEVEL: op->status = pvirq_rvid_set_level(vm, op->input, op->level); break;
	case H_RVID_RESAMPLE: op->status = pvirq_rvid_resample(vm, op->input); break;
	default: abort();
	}
	op->returned = atomic_fetch_add_explicit(&ticks, 1, memory_order_seq_cst);
}

static void *worker(void *arg)
{
	unsigned self = (unsigned)(uintptr_t)arg;

	for (;;) {
		pthread_barrier_wait(&start_line);
		/* Relaxed: the barrier orders it (written before the barrier). */
		if (atomic_load_explicit(&quit, memory_order_relaxed))
			return NULL;
		if (self < current.nr_threads) {
			/* Start together: the barrier releases threads one by one,
			 * and a call takes tens of nanoseconds. */
			/* Relaxed: a start signal only; the barrier already
			 * published the round's calls. */
			atomic_fetch_add_explicit(&ready, 1, memory_order_relaxed);
			for (unsigned n = 0; atomic_load_explicit(&ready, memory_order_relaxed) <
					     current.nr_threads;
			     n++)
				if (n > 20000)
					sched_yield(); /* more threads than cores */
			for (unsigned k = 0; k < current.per_thread; k++) {
				/* A few random pauses shift the threads against each
				 * other, so different calls overlap each round. */
				for (volatile unsigned spin = current.pause[self][k]; spin; spin--)
					;
				call(current.vm, &current.ops[self][k], current.mutant_ack);
			}
		}
		pthread_barrier_wait(&finish_line);
	}
}

/* One random call for thread @t. Only thread i maps, unmaps and injects
 * input i (docs/verification.md: inject is checked against a fixed entry).
 * In a level round input 0 is level-triggered: thread 0 drives its line
 * (one device model) and any thread may end its interrupt (RVID_RESAMPLE);
 * it is not re-mapped and no vCPU is enabled during the history (MAP's and
 * ENABLE's re-pends of a high level are not in the checker's steps). */
static void random_op(uint64_t *rng, unsigned t, struct hist_op *op, bool level_round)
{
	static const uint8_t rvic_kinds[] = {
		H_SIGNAL,	H_SIGNAL,     H_CLEAR_PENDING, H_SET_MASKED,   H_CLEAR_MASKED,
		H_CLEAR_MASKED, H_IS_PENDING, H_IS_PENDING,    H_ACK,	       H_ACK,
		H_ACK,		H_ENABLE,     H_DISABLE,       H_RESAMPLE,     H_SET_LEVEL,
		H_SET_LEVEL,	H_LINE,	      H_LINE,	       H_SET_PRIORITY, H_SET_PRIORITY_MASK,
	};
	static const uint8_t rvid_kinds[] = {H_MAP, H_MAP, H_UNMAP, H_INJECT, H_INJECT, H_INJECT};
	static const uint8_t level_kinds[] = {H_RVID_SET_LEVEL, H_RVID_SET_LEVEL, H_INJECT,
					      H_RVID_RESAMPLE,	H_RVID_RESAMPLE,  H_RVID_RESAMPLE};
	const uint8_t *rvid = level_round && t == 0 ? level_kinds : rvid_kinds;
	unsigned n_rvic = sizeof(rvic_kinds), n = n_rvic + (t < NR_INPUTS ? sizeof(rvid_kinds) : 0);
	unsigned k = pick(rng, n);

	memset(op, 0, sizeof(*op));
	op->thread = (uint8_t)t;
	op->kind = k < n_rvic ? rvic_kinds[k] : rvid[k - n_rvic];
	if (level_round && op->kind == H_ENABLE)
		op->kind = H_RVID_RESAMPLE; /* any thread: input 0's end of interrupt */
	op->vcpu = pick(rng, NR_VCPUS);
	op->intid = watched[pick(rng, NR_WATCHED)];
	op->input = t;
	switch (op->kind) {
	case H_RESAMPLE:
	case H_SET_LEVEL:
		op->intid = watched[pick(rng, 2)]; /* the level lines */
		op->level = pick(rng, 2);
		break;
	case H_MAP: op->intid = watched[2 + pick(rng, 2)]; break;
	case H_SET_PRIORITY: op->cls = (uint8_t)pick(rng, 4); break; /* 3: refused */
	case H_RVID_SET_LEVEL: op->level = pick(rng, 2); break;
	case H_RVID_RESAMPLE: op->input = 0; break;
	case H_SET_PRIORITY_MASK: op->cls = (uint8_t)(pick(rng, 4) ? pick(rng, 2) : 2); break;
	default: break;
	}
}

/* The same random state on the VM and on the model, sequentially. */
static void set_up(uint64_t *rng, struct pvirq_vm *vm, struct model *m, bool level_round)
{
	pvirq_vm_reset(vm);
	model_reset(m);
	if (level_round) {
		pvirq_rvid_set_trigger(vm, 0, true);
		model_rvid_set_trigger(m, 0, true);
	}
	for (uint32_t v = 0; v < NR_VCPUS; v++) {
		if (pick(rng, 4)) {
			pvirq_rvic_enable(vm, v);
			model_enable(m, v);
		}
		for (unsigned k = 0; k < NR_WATCHED; k++) {
			uint32_t i = watched[k];

			if (pick(rng, 2)) {
				pvirq_rvic_clear_masked(vm, v, i);
				model_clear_masked(m, v, i);
			}
			if (pick(rng, 2)) {
				pvirq_rvic_signal(vm, v, i);
				model_signal(m, v, i);
			}
			if (k < 2 && !pick(rng, 4)) {
				pvirq_rvic_set_level(vm, v, i, true);
				model_set_level(m, v, i, true);
			}
			if (pick(rng, 2)) {
				uint32_t cls = pick(rng, 3);

				pvirq_rvic_set_priority(vm, v, i, cls);
				model_set_priority(m, v, i, cls);
			}
		}
		if (!pick(rng, 4)) {
			pvirq_rvic_set_priority_mask(vm, v, 1);
			model_set_priority_mask(m, v, 1);
		}
	}
	for (uint32_t in = 0; in < NR_INPUTS; in++) {
		if (pick(rng, 4)) {
			uint32_t v = pick(rng, NR_VCPUS), i = watched[2 + pick(rng, 2)];
			int a = pvirq_rvid_map(vm, in, v, i), b = model_map(m, in, v, i);

			if (a != b) {
				fprintf(stderr, "set-up: map %u -> (%u, %u): %d, model %d\n", in, v,
					i, a, b);
				exit(1);
			}
		}
	}
	if (level_round && pick(rng, 2)) {
		int a = pvirq_rvid_set_level(vm, 0, true), b = model_rvid_set_level(m, 0, true);

		if (a != b) {
			fprintf(stderr, "set-up: raise input 0: %d, model %d\n", a, b);
			exit(1);
		}
	}
}

/* The watched part of the state the history started from. */
static void print_state(const struct model *m)
{
	for (uint32_t v = 0; v < NR_VCPUS; v++) {
		fprintf(stderr, "  vcpu %u %s, floor %u:", v,
			m->vcpus[v].enabled ? "enabled" : "disabled", m->vcpus[v].floor);
		for (unsigned k = 0; k < NR_WATCHED; k++) {
			uint32_t i = watched[k];

			fprintf(stderr, " %u:%s%s%s/c%u", i, m->vcpus[v].pending[i] ? "P" : "-",
				m->vcpus[v].masked[i] ? "M" : "-",
				k < 2 && m->vcpus[v].level[i] ? "L" : "", m->vcpus[v].cls[i]);
		}
		fputc('\n', stderr);
	}
	for (uint32_t in = 0; in < NR_INPUTS; in++)
		if (m->rvid[in].valid)
			fprintf(stderr, "  input %u -> (%u, %u)%s\n", in, m->rvid[in].vcpu,
				m->rvid[in].intid,
				m->rvid[in].level_trigger
					? (m->rvid[in].high ? " level high" : " level low")
					: "");
}

static bool overlaps(const struct hist_op *a, const struct hist_op *b)
{
	return a->invoked < b->returned && b->invoked < a->returned;
}

static void parse(int argc, char **argv, struct options *o)
{
	o->rounds = 3000;
	o->seed = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			o->rounds = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--concurrent") && i + 1 < argc)
			o->concurrent = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			o->seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--strict-map"))
			o->lin.strict_map = true;
		else if (!strcmp(argv[i], "--snapshot-negative"))
			o->lin.snapshot_negative = true;
		else if (!strcmp(argv[i], "--mutant") && i + 1 < argc &&
			 !strcmp(argv[i + 1], "ack"))
			o->mutant_ack = true, i++;
		else if (!strcmp(argv[i], "--expect-violation"))
			o->expect_violation = true;
		else if (!strcmp(argv[i], "--skip-if-serial"))
			o->skip_if_serial = true;
		else if (!strcmp(argv[i], "--count-only"))
			o->count_only = true;
		else {
			fprintf(stderr,
				"usage: %s [--rounds N] [--concurrent C] [--seed S] [--strict-map] "
				"[--snapshot-negative] [--mutant ack] [--expect-violation] "
				"[--skip-if-serial] "
				"[--count-only]\n",
				argv[0]);
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct pvirq_config cfg = {.nr_vcpus = NR_VCPUS,
				   .nr_trusted = 32,
				   .nr_untrusted = 32,
				   .nr_rvid_inputs = NR_INPUTS};
	pthread_t threads[MAX_THREADS];
	struct model m;
	unsigned long concurrent_rounds = 0, violations = 0, gave_up = 0, overlapping = 0,
		      total_nodes = 0, max_nodes = 0;
	uint64_t rng;

	parse(argc, argv, &o);
	rng = o.seed * 0x9E3779B97F4A7C15ull + 1;
	if (pvirq_vm_create(&cfg, &current.vm) != PVIRQ_OK || model_init(&m, &cfg)) {
		fprintf(stderr, "cannot create the VM or the model\n");
		return 1;
	}
	current.mutant_ack = o.mutant_ack;
	pthread_barrier_init(&start_line, NULL, MAX_THREADS + 1);
	pthread_barrier_init(&finish_line, NULL, MAX_THREADS + 1);
	for (unsigned t = 0; t < MAX_THREADS; t++)
		pthread_create(&threads[t], NULL, worker, (void *)(uintptr_t)t);

	unsigned long r;

	for (r = 0; r < o.rounds && (!o.concurrent || concurrent_rounds < o.concurrent); r++) {
		struct history h = {0};
		unsigned long nodes = 0;
		enum lin_verdict verdict;
		const char *diff;

		current.nr_threads = 2 + (unsigned)(r % 3);
		current.per_thread = current.nr_threads == 2 ? 6 : current.nr_threads == 3 ? 5 : 4;
		/* Every fourth round has a level input (see random_op()). */
		bool level_round = r % 4 == 3;

		set_up(&rng, current.vm, &m, level_round);
		diff = model_compare(&m, current.vm);
		if (diff) {
			fprintf(stderr, "round %lu: set-up differs: %s\n", r, diff);
			return 1;
		}
		for (unsigned t = 0; t < current.nr_threads; t++)
			for (unsigned k = 0; k < current.per_thread; k++)
				random_op(&rng, t, &current.ops[t][k], level_round),
					current.pause[t][k] = pick(&rng, 4) ? pick(&rng, 400) : 0;
		/* Relaxed: the barrier below publishes it. */
		atomic_store_explicit(&ready, 0, memory_order_relaxed);
		pthread_barrier_wait(&start_line);
		pthread_barrier_wait(&finish_line);

		for (unsigned t = 0; t < current.nr_threads; t++)
			for (unsigned k = 0; k < current.per_thread; k++)
				h.ops[h.nr_ops++] = current.ops[t][k];
		unsigned long before = overlapping;

		for (unsigned a = 0; a < h.nr_ops; a++)
			for (unsigned b = a + 1; b < h.nr_ops; b++)
				overlapping += h.ops[a].thread != h.ops[b].thread &&
					       overlaps(&h.ops[a], &h.ops[b]);
		concurrent_rounds += overlapping != before;
		verdict = lin_check(&m, &h, current.vm, &o.lin, &nodes);
		total_nodes += nodes;
		if (nodes > max_nodes)
			max_nodes = nodes;
		if (verdict == LIN_GAVE_UP) {
			gave_up++;
			continue;
		}
		if (verdict == LIN_VIOLATION) {
			violations++;
			if (o.expect_violation || o.count_only) {
				if (violations == 1) {
					fprintf(stderr,
						"round %lu (seed %llu): not linearizable:\n", r,
						(unsigned long long)o.seed);
					print_state(&m);
					hist_print(&h);
				}
				if (o.expect_violation)
					break;
				continue;
			}
			fprintf(stderr, "round %lu (seed %llu): no linearization of:\n", r,
				(unsigned long long)o.seed);
			print_state(&m);
			hist_print(&h);
			return 1;
		}
	}
	/* Relaxed: the barrier below publishes it. */
	atomic_store_explicit(&quit, true, memory_order_relaxed);
	pthread_barrier_wait(&start_line);
	for (unsigned t = 0; t < MAX_THREADS; t++)
		pthread_join(threads[t], NULL);

	printf("lincheck: %lu rounds (%lu with overlapping calls, %lu overlapping pairs), "
	       "%lu violations, %lu gave up, %lu search nodes (max %lu per history)\n",
	       r, concurrent_rounds, overlapping, violations, gave_up, total_nodes, max_nodes);
	model_free(&m);
	pvirq_vm_destroy(current.vm);
	if (o.expect_violation) {
		if (!violations) {
			fprintf(stderr, "the checker did NOT catch the mutant\n");
			return 1;
		}
		printf("lincheck: the mutant was caught, as it must be\n");
		return 0;
	}
	/* A run with no concurrency would check nothing. Under qemu-user the
	 * emulated threads may run one after another for a whole run on a
	 * busy host: that is a skip there (said, with exit 77), a failure
	 * natively. */
	if (!overlapping) {
		fprintf(stderr, "no two calls overlapped: nothing was checked%s\n",
			o.skip_if_serial ? " (skipped: the threads ran one after another)" : "");
		return o.skip_if_serial ? 77 : 1;
	}
	if (gave_up * 100 > r) {
		fprintf(stderr, "the search gave up on more than 1%% of the histories\n");
		return 1;
	}
	return 0;
}
