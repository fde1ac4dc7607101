/* SPDX-License-Identifier: MIT */
/*
 * What the wave-3 features cost (#16, #18), each against a baseline measured
 * in the same process, in the same repetition, in a rotating order:
 *
 *  1. Priorities on acknowledge: ACKNOWLEDGE of a run of deliverable INTIDs
 *     (64 and 2048 INTIDs, all unmasked) with every INTID in class 0 (the
 *     baseline: what a guest that never sets a class pays), with classes 0..2
 *     in use (INTID i in class i % 3), and with the floor at 1 so that a
 *     third of the pending INTIDs (class 0) are held off and skipped.
 *  2. Acknowledge + end of interrupt: host calls on an unshared instance
 *     (the baseline), the same host calls on an instance whose words live in
 *     a shared page, the guest doing both in memory on the page (the spec's
 *     CAS P!M -> M!P and fetch_and ~M: no trap at all), and the two calls
 *     made through the x86 hypercall decoder (what a trap costs inside the
 *     library; the VM exit itself comes on top, see bench/README.md).
 *
 *   pvirq_bench_priority [--quick] [--reps N] [--json FILE]
 *
 * The table gives the median over repetitions of each row's median batch,
 * and each row's ratio to its group's baseline. --quick: a few iterations
 * (a smoke test: figures mean nothing). Nothing here asserts a timing.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/arch/x86_64.h>
#include <pvirq/pvirq.h>

#include "harness.h"

#define MAX_REPS 64u
#define WIDE_T 1024u
#define WIDE_U 1024u
/* The ack + EOI rows: a guest-sized instance, 4 state words. */
#define SMALL_T 32u
#define SMALL_U 96u
#define SMALL_N (SMALL_T + SMALL_U)
#define PAGE_GPA 0x10000ull

struct params {
	unsigned batches; /* timed batches per repetition */
	double timer_ns;
};

static _Alignas(4096) _Atomic uint64_t guest_page_mem[PVIRQ_SHARED_STATE_SIZE / 8];

static void *guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)ctx;
	(void)vcpu;
	return gpa == PAGE_GPA && size <= sizeof(guest_page_mem) ? (void *)guest_page_mem : NULL;
}

static void must(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "pvirq_bench_priority: %s failed: %d\n", what, err);
		exit(2);
	}
}

static struct pvirq_vm *make_vm(uint32_t t, uint32_t u, bool shared)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 1, .nr_trusted = t, .nr_untrusted = u, .guest_page = guest_page};
	struct pvirq_vm *vm;

	must(pvirq_vm_create(&cfg, &vm), "vm_create");
	if (shared)
		must(pvirq_rvic_share_state(vm, 0, PAGE_GPA), "share_state");
	must(pvirq_rvic_enable(vm, 0), "enable");
	for (uint32_t i = 0; i < t + u; i++)
		must(pvirq_rvic_clear_masked(vm, 0, i), "clear_masked");
	return vm;
}

/* --- 1. priorities on acknowledge ------------------------------------ */

enum ack_mode { ACK_CLASS0, ACK_CLASSES, ACK_FLOOR };

/* ns per ACKNOWLEDGE with @n INTIDs (half trusted), all deliverable. */
static double acknowledge(const struct params *p, enum ack_mode mode, uint32_t n)
{
	struct pvirq_vm *vm = make_vm(n / 2, n / 2, false);
	struct bench_batches bb = {.timer_ns = p->timer_ns};
	const uint32_t per_batch = n < 1024 ? n / 2 : 1024;
	uint32_t intid;
	unsigned failed = 0;

	if (mode != ACK_CLASS0)
		for (uint32_t i = 0; i < n; i++)
			must(pvirq_rvic_set_priority(vm, 0, i, i % 3), "set_priority");
	if (mode == ACK_FLOOR)
		must(pvirq_rvic_set_priority_mask(vm, 0, 1), "set_priority_mask");
	for (unsigned b = 0; b < p->batches; b++) {
		double t0;

		/* Untimed: everything pending again (held-off class 0 stays). */
		for (uint32_t i = 0; i < n; i++)
			pvirq_rvic_signal(vm, 0, i);
		t0 = bench_now_ns();
		for (uint32_t i = 0; i < per_batch; i++)
			failed += pvirq_rvic_acknowledge(vm, 0, &intid) != PVIRQ_OK;
		bench_batch_add(&bb, t0, bench_now_ns(), per_batch);
		/* What was measured is what the row says: every acknowledge
		 * found an INTID, and the floor held class 0 back. */
		for (uint32_t i = 0; i < n; i++) {
			bool pending = false;

			pvirq_rvic_is_pending(vm, 0, i, &pending);
			failed += mode == ACK_FLOOR && i % 3 == 0 && !pending;
			pvirq_rvic_clear_masked(vm, 0, i);
		}
		must(failed ? PVIRQ_EINVAL : PVIRQ_OK, "acknowledge row check");
	}
	pvirq_vm_destroy(vm);
	return bench_batches_median(&bb);
}

/* --- 2. acknowledge + end of interrupt ------------------------------- */

/*
 * The guest's acknowledge on its page (docs/spec/pvirq-abi.md, shared-state
 * page): the first word from the guest's cursor with a deliverable INTID of
 * a class at or above the floor, then the CAS P!M -> M!P on it. seq_cst,
 * as the page protocol requires of every access.
 */
static int guest_ack(_Atomic uint64_t *page, uint32_t *cursor_word, uint32_t *intid)
{
	const uint32_t n = SMALL_N / 32u;
	uint64_t floor = atomic_load(&page[PVIRQ_SHARED_FLOOR_WORD(n)]) & 3u;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t w = (*cursor_word + k) % n;
		uint64_t s = atomic_load(&page[PVIRQ_SHARED_STATE_WORD(n, w)]);
		uint64_t d = s & ~(s >> 1) & 0x5555555555555555ull;

		if (d && floor) {
			uint64_t c = atomic_load(&page[PVIRQ_SHARED_CLASS_WORD(n, w)]);
			/* Lanes whose class (2 bits) is >= floor. */
			uint64_t hi = c >> 1, lo = c;
			uint64_t ok = floor == 1 ? (hi | lo) : floor == 2 ? hi : (hi & lo);

			d &= ok & 0x5555555555555555ull;
		}
		while (d) {
			uint32_t lane = (uint32_t)__builtin_ctzll(d) / 2u;
			uint64_t bit = 1ull << (2u * lane);

			if (atomic_compare_exchange_strong(&page[PVIRQ_SHARED_STATE_WORD(n, w)], &s,
							   (s & ~bit) | (bit << 1))) {
				*cursor_word = w;
				*intid = 32u * w + lane;
				return PVIRQ_OK;
			}
			d = s & ~(s >> 1) & 0x5555555555555555ull; /* lost: re-read */
		}
	}
	return PVIRQ_ENOINTR;
}

/* The guest's end of interrupt: fetch_and ~M; true if it found P set. */
static bool guest_eoi(_Atomic uint64_t *page, uint32_t intid)
{
	return atomic_fetch_and(&page[intid / 32u], ~PVIRQ_SHARED_MASKED(intid)) &
	       PVIRQ_SHARED_PENDING(intid);
}

enum cycle_mode { CYC_CALLS, CYC_CALLS_SHARED, CYC_MEMORY, CYC_DECODER };

/* One rVIC hypercall from vCPU 0 (APIC id 0) through the x86 decoder. */
static void x86_call(struct pvirq_vm *vm, uint64_t fn, uint64_t rbx, uint64_t rcx, uint64_t *value)
{
	struct pvirq_x86_regs r = {.rax = 0xC5000200ull + fn, .rbx = rbx, .rcx = rcx};

	pvirq_x86_handle_hypercall(vm, 0, &r);
	if (value)
		*value = r.rbx;
}

/* ns per (acknowledge + end of interrupt) pair, over all SMALL_N INTIDs. */
static double ack_eoi(const struct params *p, enum cycle_mode mode)
{
	struct pvirq_vm *vm =
		make_vm(SMALL_T, SMALL_U, mode == CYC_CALLS_SHARED || mode == CYC_MEMORY);
	struct bench_batches bb = {.timer_ns = p->timer_ns};
	uint32_t cursor = 0, intid = 0;
	uint64_t value = 0;
	unsigned failed = 0;

	for (unsigned b = 0; b < p->batches; b++) {
		double t0;

		for (uint32_t i = 0; i < SMALL_N; i++)
			pvirq_rvic_signal(vm, 0, i); /* untimed */
		t0 = bench_now_ns();
		for (uint32_t i = 0; i < SMALL_N; i++) {
			switch (mode) {
			case CYC_CALLS:
			case CYC_CALLS_SHARED:
				failed += pvirq_rvic_acknowledge(vm, 0, &intid) != PVIRQ_OK;
				pvirq_rvic_clear_masked(vm, 0, intid);
				break;
			case CYC_MEMORY:
				failed += guest_ack(guest_page_mem, &cursor, &intid) != PVIRQ_OK;
				if (guest_eoi(guest_page_mem, intid))
					pvirq_rvic_clear_masked(vm, 0, intid); /* not here */
				break;
			case CYC_DECODER:
				x86_call(vm, 9, 0, 0, &value);	 /* ACKNOWLEDGE */
				x86_call(vm, 5, 0, value, NULL); /* CLEAR_MASKED(own, it) */
				break;
			}
		}
		bench_batch_add(&bb, t0, bench_now_ns(), SMALL_N);
		bench_consume(intid + value);
		/* Every INTID was acknowledged and ended: none left pending. */
		for (uint32_t i = 0; i < SMALL_N; i++) {
			bool pending = true, masked = true;

			pvirq_rvic_is_pending(vm, 0, i, &pending);
			pvirq_rvic_is_masked(vm, 0, i, &masked);
			failed += pending || masked;
		}
		must(failed ? PVIRQ_EINVAL : PVIRQ_OK, "ack + EOI row check");
	}
	pvirq_vm_destroy(vm);
	return bench_batches_median(&bb);
}

/* --- the table ------------------------------------------------------- */

struct row {
	const char *id, *group, *label;
	int baseline; /* index of the group's baseline row */
	double (*run)(const struct params *p, int arg);
	int arg;
	double reps[MAX_REPS];
	double median;
};

static double run_ack(const struct params *p, int arg)
{
	return acknowledge(p, (enum ack_mode)(arg % 4), arg >= 4 ? 64 : WIDE_T + WIDE_U);
}

static double run_cycle(const struct params *p, int arg)
{
	return ack_eoi(p, (enum cycle_mode)arg);
}

#define G_ACK64 "acknowledge, 64 INTIDs deliverable (32 acknowledged per batch)"
#define G_ACK2048 "acknowledge, 2048 INTIDs deliverable (1024 acknowledged per batch)"
#define G_CYCLE "acknowledge + end of interrupt, 128 INTIDs"
#define ROW(id, group, label, baseline, run, arg)            \
	{                                                    \
		id, group, label, baseline, run, arg, {0}, 0 \
	}

static struct row rows[] = {
	ROW("ack64_class0", G_ACK64, "every INTID in class 0 (baseline)", 0, run_ack,
	    4 + ACK_CLASS0),
	ROW("ack64_classes", G_ACK64, "classes 0..2 in use (INTID i: i % 3)", 0, run_ack,
	    4 + ACK_CLASSES),
	ROW("ack64_floor", G_ACK64, "floor 1 held: class 0 pending and skipped", 0, run_ack,
	    4 + ACK_FLOOR),
	ROW("ack_class0", G_ACK2048, "every INTID in class 0 (baseline)", 3, run_ack, ACK_CLASS0),
	ROW("ack_classes", G_ACK2048, "classes 0..2 in use (INTID i: i % 3)", 3, run_ack,
	    ACK_CLASSES),
	ROW("ack_floor", G_ACK2048, "floor 1 held: class 0 pending and skipped", 3, run_ack,
	    ACK_FLOOR),
	ROW("cycle_calls", G_CYCLE, "host calls, words in host memory (baseline)", 6, run_cycle,
	    CYC_CALLS),
	ROW("cycle_calls_shared", G_CYCLE, "host calls, words in the shared page", 6, run_cycle,
	    CYC_CALLS_SHARED),
	ROW("cycle_memory", G_CYCLE, "guest in memory: CAS + fetch_and, no call", 6, run_cycle,
	    CYC_MEMORY),
	ROW("cycle_x86_decoder", G_CYCLE, "x86 hypercalls through the decoder (no VM exit)", 6,
	    run_cycle, CYC_DECODER),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

int main(int argc, char **argv)
{
	unsigned reps = 21;
	bool quick = false;
	const char *json = NULL;
	struct params p;
	double load[1];
	FILE *f;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick"))
			quick = true;
		else if (!strcmp(argv[a], "--reps") && a + 1 < argc)
			reps = (unsigned)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--json") && a + 1 < argc)
			json = argv[++a];
		else {
			fprintf(stderr, "usage: %s [--quick] [--reps N] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
	if (quick)
		reps = 3;
	if (reps < 1 || reps > MAX_REPS)
		reps = 21;
	if (getloadavg(load, 1) != 1)
		load[0] = NAN;
	bench_clock_init();
	bench_pin(0);
	p.batches = quick ? 2 : 16;
	p.timer_ns = bench_timer_overhead_ns();
	/* Rotate the order in each repetition so load bursts hit all rows. */
	for (unsigned r = 0; r < reps; r++)
		for (unsigned k = 0; k < NR_ROWS; k++) {
			struct row *row = &rows[(k + r) % NR_ROWS];

			row->reps[r] = row->run(&p, row->arg);
		}
	for (unsigned k = 0; k < NR_ROWS; k++)
		rows[k].median = bench_median(rows[k].reps, reps);

	printf("libpvirq wave-3 costs: median of %u repetitions%s, ns per operation (load "
	       "average %.1f at the start, %u CPUs)\n",
	       reps, quick ? " (--quick: figures mean nothing)" : "", load[0], bench_ncpu());
	for (unsigned k = 0; k < NR_ROWS; k++) {
		if (k == 0 || strcmp(rows[k].group, rows[k - 1].group))
			printf("\n%s\n", rows[k].group);
		printf("  %-52s %8.1f ns  %5.2fx\n", rows[k].label, rows[k].median,
		       rows[k].median / rows[rows[k].baseline].median);
	}
	if (!json)
		return 0;
	f = fopen(json, "w");
	if (!f) {
		perror(json);
		return 2;
	}
	fprintf(f,
		"{\n  \"schema\": \"pvirq-bench-priority/1\",\n  \"repetitions\": %u,\n"
		"  \"quick\": %s,\n  \"load_start\": %.2f,\n  \"ncpu\": %u,\n  \"rows\": [\n",
		reps, quick ? "true" : "false", load[0], bench_ncpu());
	for (unsigned k = 0; k < NR_ROWS; k++)
		fprintf(f,
			"    {\"id\": \"%s\", \"group\": \"%s\", \"label\": \"%s\", \"ns\": %.2f, "
			"\"baseline\": \"%s\", \"ratio\": %.3f}%s\n",
			rows[k].id, rows[k].group, rows[k].label, rows[k].median,
			rows[rows[k].baseline].id, rows[k].median / rows[rows[k].baseline].median,
			k + 1 < NR_ROWS ? "," : "");
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? 2 : 0;
}
