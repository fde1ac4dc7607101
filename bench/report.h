/* SPDX-License-Identifier: MIT */
/*
 * Results of one benchmark run and their two renderings: the table a
 * person reads and the JSON the plot script (and anyone else) reads.
 */
#ifndef PVIRQ_BENCH_REPORT_H
#define PVIRQ_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

/** One line of the table. Absent figures are NAN. */
struct report_row {
	const char *id;	   /* stable key, e.g. "signal_own" */
	const char *group; /* section heading */
	const char *label; /* what a reader sees */
	const char *unit;  /* "ns" (per operation) or "B" (bytes) */
	double value;	   /* libpvirq's figure (for floor rows: the floor) */
	double locked;	   /* the locked baseline, same measurement */
	double floor;	   /* the hardware floor this row is compared with */
	const char *floor_name;
	bool throughput; /* also print 1000/value as Mops/s */
};

struct report_target {
	const char *id;
	const char *text;   /* the target, as the issue states it */
	double figure;	    /* the measured ratio or size */
	double limit;	    /* the bound */
	bool at_least;	    /* figure must be >= limit (else <= limit) */
	const char *detail; /* the figures the ratio came from */
};

struct report {
	const char *cpu_model;
	unsigned ncpu;
	unsigned reps;
	bool quick;
	bool abi_rows;
	double timer_ns;
	double load_start, load_end;
	double seconds;
	struct report_row rows[64];
	unsigned nr_rows;
	struct report_target targets[16];
	unsigned nr_targets;
};

static inline bool report_target_met(const struct report_target *t)
{
	return t->at_least ? t->figure >= t->limit : t->figure <= t->limit;
}

void report_table(const struct report *r, FILE *out);
/** @return 0, or -1 if the file could not be written. */
int report_json(const struct report *r, const char *path);

#endif /* PVIRQ_BENCH_REPORT_H */
