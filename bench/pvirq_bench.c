/* SPDX-License-Identifier: MIT */
/*
 * libpvirq benchmark: every figure beside the hardware floor and a locked
 * implementation of the same semantics, measured in the same process.
 *
 *   pvirq_bench [--quick] [--reps N] [--json FILE] [--table FILE]
 *
 * Each row is measured --reps times; within one repetition the floor, the
 * locked baseline and libpvirq run back to back (their order rotating), so
 * a burst of load from other processes hits all three alike. The table and
 * the JSON give the median of each. --quick runs every row a few
 * iterations only (a smoke test: its figures mean nothing). Nothing here
 * asserts a timing; the exit status is non-zero only when a measurement
 * could not run or the JSON could not be written.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/pvirq.h>

#include "decode.h"
#include "engine.h"
#include "harness.h"
#include "report.h"

#define MAX_REPS 64u
#define MAX_PRODUCERS 4u

enum measure {
	M_SIGNAL_OWN,
	M_ACK,
	M_ACK_FAR_64,
	M_ACK_FAR_2048,
	M_INJECT,
	M_RETARGET,
	M_TPUT_ONE,  /* N producers -> vCPU 0 */
	M_TPUT_EACH, /* producer i -> vCPU i */
	M_DECODE,    /* hypercall cycle via decoder `arg` vs direct core calls */
};

enum floor_kind { F_RMW, F_TPUT, F_DIRECT };

struct spec {
	const char *id, *group, *label;
	enum measure m;
	unsigned arg; /* producers, or architecture */
	enum floor_kind floor;
	double runs[3][MAX_REPS]; /* [floor, locked, libpvirq][rep] */
};

static const char *const floor_names[] = {
	[F_RMW] = "atomic RMW",
	[F_TPUT] = "private-line RMW pair",
	[F_DIRECT] = "direct core call",
};

static double run_engine(const struct bench_engine *e, const struct spec *s,
			 const struct bench_params *p)
{
	switch (s->m) {
	case M_SIGNAL_OWN: return e->signal_own(p);
	case M_ACK: return e->acknowledge(p);
	case M_ACK_FAR_64: return e->acknowledge_far(p, 64);
	case M_ACK_FAR_2048: return e->acknowledge_far(p, 2048);
	case M_INJECT: return e->inject(p);
	case M_RETARGET: return e->retarget(p);
	case M_TPUT_ONE: return e->throughput(p, s->arg, true);
	case M_TPUT_EACH: return e->throughput(p, s->arg, false);
	case M_DECODE: return NAN; /* no locked decoder */
	}
	return NAN;
}

/* One measurement: 0 = floor, 1 = locked, 2 = libpvirq. */
static double run_one(struct spec *s, unsigned who, const struct bench_params *p)
{
	if (s->m == M_DECODE)
		return who == 2 ? decode_via_abi(p, s->arg) : who == 0 ? decode_direct(p) : NAN;
	if (who)
		return run_engine(who == 1 ? &bench_locked_engine : &bench_pvirq_engine, s, p);
	switch (s->floor) {
	case F_RMW: return floor_atomic_rmw(p);
	case F_TPUT: return floor_throughput(p, s->arg);
	default: return NAN;
	}
}

static double load_average(void)
{
	double load = NAN;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = NAN;
		fclose(f);
	}
	return load;
}

static const char *cpu_model(void)
{
	static char model[128] = "unknown CPU";
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return model;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon && !strncmp(line, "model name", 10)) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	}
	fclose(f);
	return model;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--quick] [--reps N] [--json FILE] [--table FILE]\n", argv0);
	exit(2);
}

static struct report rep_out;
static struct spec specs[32];
static unsigned nr_specs;

static struct spec *add_spec(const char *id, const char *group, const char *label, enum measure m,
			     unsigned arg, enum floor_kind floor)
{
	struct spec *s = &specs[nr_specs++];

	*s = (struct spec){
		.id = id, .group = group, .label = label, .m = m, .arg = arg, .floor = floor};
	return s;
}

static struct report_row *add_row(const char *id, const char *group, const char *label,
				  const char *unit, double value, double locked, double floor,
				  const char *floor_name)
{
	struct report_row *row = &rep_out.rows[rep_out.nr_rows++];

	*row = (struct report_row){id, group, label, unit, value, locked, floor, floor_name, false};
	return row;
}

static void add_target(const char *id, const char *text, double figure, double limit, bool at_least,
		       const char *detail)
{
	rep_out.targets[rep_out.nr_targets++] =
		(struct report_target){id, text, figure, limit, at_least, strdup(detail)};
}

static const char *const G_FLOOR = "hardware floor";
static const char *const G_SINGLE = "one thread, per operation";
static const char *const G_CROSS = "across cores (vCPU 0 on CPU 0, caller on CPU 1)";
static const char *const G_TPUT = "throughput, aggregate ns per SIGNAL + CLEAR_PENDING";
static const char *const G_DECODE = "hypercall decode + dispatch (floor = direct core call)";
static const char *const G_STATE = "state per vCPU (floor = 2 bits/INTID + 2 cache lines)";

static const char *const decode_ids[] = {"decode_arm64", "decode_x86_64", "decode_riscv64"};

static void define_specs(unsigned producers)
{
	static char labels[2][MAX_PRODUCERS][96];

	add_spec("signal_own", G_SINGLE, "signal, own vCPU (idle -> deliverable)", M_SIGNAL_OWN, 0,
		 F_RMW);
	add_spec("acknowledge", G_SINGLE, "acknowledge (next INTID adjacent)", M_ACK, 0, F_RMW);
	add_spec("ack_far_64", G_SINGLE, "acknowledge, one pending at far end, 64", M_ACK_FAR_64, 0,
		 F_RMW);
	add_spec("ack_far_2048", G_SINGLE, "acknowledge, one pending at far end, 2048",
		 M_ACK_FAR_2048, 0, F_RMW);
	add_spec("rvid_inject", G_SINGLE, "rVID inject (idle -> deliverable)", M_INJECT, 0, F_RMW);
	add_spec("retarget", G_SINGLE, "retarget (MAP of a mapped input)", M_RETARGET, 0, F_RMW);
	for (unsigned n = 1; n <= producers; n++) {
		snprintf(labels[0][n - 1], sizeof(labels[0][0]), "%u producer%s -> 1 vCPU", n,
			 n > 1 ? "s" : "");
		snprintf(labels[1][n - 1], sizeof(labels[1][0]), "%u producer%s -> %u vCPU%s", n,
			 n > 1 ? "s" : "", n, n > 1 ? "s (one each)" : "");
	}
	for (unsigned n = 1; n <= producers; n++) {
		static char ids[MAX_PRODUCERS][40];

		snprintf(ids[n - 1], sizeof(ids[0]), "tput_%u_to_1", n);
		add_spec(ids[n - 1], G_TPUT, labels[0][n - 1], M_TPUT_ONE, n, F_TPUT);
	}
	for (unsigned n = 2; n <= producers; n++) { /* 1 -> 1 is the row above */
		static char ids[MAX_PRODUCERS][40];

		snprintf(ids[n - 1], sizeof(ids[0]), "tput_%u_to_%u", n, n);
		add_spec(ids[n - 1], G_TPUT, labels[1][n - 1], M_TPUT_EACH, n, F_TPUT);
	}
	for (unsigned a = 0; a < decode_nr_arches; a++)
		add_spec(decode_ids[a], G_DECODE, decode_arch_names[a], M_DECODE, a, F_DIRECT);
}

static double median_of(struct spec *s, unsigned who, unsigned reps)
{
	double tmp[MAX_REPS];

	memcpy(tmp, s->runs[who], reps * sizeof(double));
	return bench_median(tmp, reps);
}

static void add_spec_row(struct spec *s, unsigned reps)
{
	add_row(s->id, s->group, s->label, "ns", median_of(s, 2, reps), median_of(s, 1, reps),
		median_of(s, 0, reps), floor_names[s->floor])
		->throughput = s->m == M_TPUT_ONE || s->m == M_TPUT_EACH;
}

static struct spec *find_spec(const char *id)
{
	for (unsigned i = 0; i < nr_specs; i++)
		if (!strcmp(specs[i].id, id))
			return &specs[i];
	return NULL;
}

/* Per-call samples of the cross-core rows, pooled over all repetitions;
 * index 0 = floor, 1 = locked, 2 = libpvirq. */
struct cross_samples {
	double *latency[3]; /* one-way signal -> acknowledge (round trip / 2) */
	double *signal[3];  /* the remote SIGNAL call alone (floor: one RMW) */
	size_t per_rep, total;
};

/* Every measurement, repetition by repetition; within a repetition the
 * floor, the locked baseline and libpvirq run back to back in an order
 * that rotates, so a burst of outside load hits all three alike. */
static void measure_all(const struct bench_params *p, unsigned reps, struct cross_samples *x)
{
	for (unsigned r = 0; r < reps; r++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned who = (r + k) % 3;
			double *lat = x->latency[who] + (size_t)r * x->per_rep;
			double *sig = x->signal[who] + (size_t)r * x->per_rep;

			if (who == 0) {
				floor_pingpong(p, lat, x->per_rep);
				floor_remote_rmw(p, sig, x->per_rep);
			} else {
				(who == 1 ? &bench_locked_engine : &bench_pvirq_engine)
					->latency(p, lat, sig, x->per_rep);
			}
		}
		for (unsigned i = 0; i < nr_specs; i++)
			for (unsigned k = 0; k < 3; k++) {
				unsigned who = (r + k) % 3;

				specs[i].runs[who][r] = run_one(&specs[i], who, p);
			}
	}
}

struct percentiles {
	double p50[3], p99[3];
};

static void add_timing_rows(const struct bench_params *p, unsigned reps, struct cross_samples *x,
			    struct percentiles *lat)
{
	for (unsigned w = 0; w < 3; w++) {
		lat->p50[w] = bench_percentile(x->latency[w], x->total, 50);
		lat->p99[w] = bench_percentile(x->latency[w], x->total, 99);
	}
	add_row("floor_atomic_rmw", G_FLOOR, "atomic RMW, uncontended (seq_cst fetch_or)", "ns",
		median_of(find_spec("signal_own"), 0, reps), NAN, NAN, NULL);
	add_row("floor_pingpong_p50", G_FLOOR, "cache-line ping-pong, one way, p50", "ns",
		lat->p50[0], NAN, NAN, NULL);
	add_row("floor_pingpong_p99", G_FLOOR, "cache-line ping-pong, one way, p99", "ns",
		lat->p99[0], NAN, NAN, NULL);
	for (unsigned i = 0; i < nr_specs; i++)
		if (specs[i].group == G_SINGLE)
			add_spec_row(&specs[i], reps);
	/* One timed call per sample: trimmed mean, less the clock's own cost. */
	add_row("signal_remote", G_CROSS, "signal, remote vCPU (its line on other core)", "ns",
		bench_trimmed_mean(x->signal[2], x->total) - p->timer_ns,
		bench_trimmed_mean(x->signal[1], x->total) - p->timer_ns,
		bench_trimmed_mean(x->signal[0], x->total) - p->timer_ns,
		"RMW on a line the other core wrote");
	add_row("latency_p50", G_CROSS, "signal -> acknowledge, one way, p50", "ns", lat->p50[2],
		lat->p50[1], lat->p50[0], "ping-pong p50");
	add_row("latency_p99", G_CROSS, "signal -> acknowledge, one way, p99", "ns", lat->p99[2],
		lat->p99[1], lat->p99[0], "ping-pong p99");
	for (unsigned i = 0; i < nr_specs; i++)
		if (specs[i].group != G_SINGLE)
			add_spec_row(&specs[i], reps);
}

/* State per vCPU against the budget of 2 bits per INTID + 2 cache lines
 * for the instance, plus 1 bit per untrusted INTID for the rVID's
 * occupancy bitmap (one input per (vCPU, INTID), docs/design.md), and the
 * target over the worst shape. */
static void add_state_rows_and_target(void)
{
	static const struct {
		const char *id, *label;
		uint32_t t, u;
	} shapes[] = {
		{"bytes_64", "64 INTIDs (32 trusted)", 32, 32},
		{"bytes_2048", "2048 INTIDs (32 trusted)", 32, 2016},
		{"bytes_2048_t1024", "2048 INTIDs (1024 trusted)", 1024, 1024},
		{"bytes_2048_t2016", "2048 INTIDs (2016 trusted)", 2016, 32},
	};
	double worst = 0, worst_bytes = 0, worst_budget = 0;
	char over[96] = "", detail[160];

	for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		double bytes = (double)bench_pvirq_engine.vcpu_bytes(shapes[i].t, shapes[i].u);
		double budget = (shapes[i].t + shapes[i].u) * 2.0 / 8.0 + shapes[i].u / 8.0 +
				2.0 * PVIRQ_CACHE_LINE;

		add_row(shapes[i].id, G_STATE, shapes[i].label, "B", bytes,
			(double)bench_locked_engine.vcpu_bytes(shapes[i].t, shapes[i].u), budget,
			"budget");
		if (bytes > budget)
			snprintf(over + strlen(over), sizeof(over) - strlen(over), "%s%u trusted",
				 over[0] ? ", " : "; over budget with ", shapes[i].t);
		if (bytes / budget > worst) {
			worst = bytes / budget;
			worst_bytes = bytes;
			worst_budget = budget;
		}
	}
	snprintf(detail, sizeof(detail), "(worst shape: %.0f B vs %.0f B budget%s)", worst_bytes,
		 worst_budget, over);
	add_target("state", "state per vCPU <= 2 bits/INTID + 1 bit/untrusted + 2 cache lines",
		   worst, 1.0, false, detail);
}

static void add_timing_targets(unsigned reps, const struct percentiles *lat)
{
	char detail[160];
	struct spec *two = find_spec("tput_2_to_1"), *each = find_spec("tput_2_to_2");
	struct spec *near = find_spec("ack_far_64"), *far = find_spec("ack_far_2048");
	double ours = median_of(two, 2, reps), locked = median_of(two, 1, reps);
	double a64 = median_of(near, 2, reps), a2048 = median_of(far, 2, reps);

	snprintf(detail, sizeof(detail), "(p50 %.0f ns vs ping-pong %.0f ns; p99 %.0f vs %.0f)",
		 lat->p50[2], lat->p50[0], lat->p99[2], lat->p99[0]);
	add_target("latency", "signal -> ack cross-thread p50 within 1.5x of ping-pong floor",
		   lat->p50[2] / lat->p50[0], 1.5, false, detail);

	snprintf(detail, sizeof(detail), "(%.1f vs %.1f Mops/s; 2 producers -> 2 vCPUs: %.2fx)",
		 1000 / ours, 1000 / locked, median_of(each, 1, reps) / median_of(each, 2, reps));
	add_target("throughput", "throughput, 2 producers -> 1 vCPU, vs locked baseline",
		   locked / ours, 2.0, true, detail);

	snprintf(detail, sizeof(detail), "(%.1f ns vs %.1f ns; locked: %.1f vs %.1f)", a2048, a64,
		 median_of(far, 1, reps), median_of(near, 1, reps));
	add_target("ack_flat", "acknowledge at 2048 INTIDs within 1.5x of at 64", a2048 / a64, 1.5,
		   false, detail);

	/* The decoders' targets (instructions per hypercall, share of a trap
	 * round trip) are added by bench/decoder_cost.py: callgrind and the
	 * KVM demo measure them, not this program's clock. */
}

static int write_table(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	report_table(&rep_out, f);
	return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct bench_params p = {.inner = 16, .batch = 1024, .ops = 400000};
	struct cross_samples x = {.per_rep = 5000};
	struct percentiles lat;
	unsigned reps = 21, producers;
	const char *json = NULL, *table = NULL;
	bool quick = false;
	double t_start;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			table = argv[++i];
		else
			usage(argv[0]);
	}
	if (quick) {
		p = (struct bench_params){.inner = 1, .batch = 64, .ops = 500};
		x.per_rep = 50;
		reps = reps < 2 ? reps : 2;
	}
	if (reps < 1 || reps > MAX_REPS)
		usage(argv[0]);

	bench_clock_init();
	t_start = bench_now_ns();
	rep_out.load_start = load_average();
	rep_out.ncpu = bench_ncpu();
	rep_out.cpu_model = cpu_model();
	rep_out.reps = reps;
	rep_out.quick = quick;
	rep_out.abi_rows = decode_nr_arches > 0;
	p.timer_ns = rep_out.timer_ns = bench_timer_overhead_ns();
	/* At least 2 producers (the throughput target), at most one per CPU. */
	producers = rep_out.ncpu < 2		   ? 2
		    : rep_out.ncpu > MAX_PRODUCERS ? MAX_PRODUCERS
						   : rep_out.ncpu;
	define_specs(producers);

	x.total = x.per_rep * reps;
	for (unsigned w = 0; w < 3; w++) {
		x.latency[w] = calloc(x.total, sizeof(double));
		x.signal[w] = calloc(x.total, sizeof(double));
		if (!x.latency[w] || !x.signal[w])
			return 2;
	}
	measure_all(&p, reps, &x);
	add_timing_rows(&p, reps, &x, &lat);
	add_timing_targets(reps, &lat);
	add_state_rows_and_target();
	rep_out.load_end = load_average();
	rep_out.seconds = (bench_now_ns() - t_start) / 1e9;

	report_table(&rep_out, stdout);
	if (table && write_table(table)) {
		perror(table);
		return 1;
	}
	if (json && report_json(&rep_out, json)) {
		perror(json);
		return 1;
	}
	for (unsigned w = 0; w < 3; w++) {
		free(x.latency[w]);
		free(x.signal[w]);
	}
	return 0;
}
