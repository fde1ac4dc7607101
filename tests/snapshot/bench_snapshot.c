/* SPDX-License-Identifier: MIT */
/*
 * Snapshot size and save/restore time for one configuration, median of
 * many runs (CLOCK_MONOTONIC around each call), in the newest format and,
 * as the same-process baseline, in version 2 (interleaved run by run, so
 * both see the same machine load); the ratio is the cost of version 3:
 *   bench_snapshot [vcpus T U inputs runs]    default: 8 32 2016 64 2001
 * The VM is filled by a random walk first (the time does not depend on
 * the state, but the bytes should not all be equal); it holds no ABI 0.4
 * state, which version 2 could not carry (version 3's time does not
 * depend on it either).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "snap_util.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 8, .nr_trusted = 32, .nr_untrusted = 2016, .nr_rvid_inputs = 64};
	unsigned runs = 2001;
	struct snap_vm src, dst;
	struct model m;
	uint64_t rng = 1;
	unsigned char *buf;
	double *save_ns, *restore_ns, *save2_ns, *restore2_ns;
	size_t len, len2 = 0, written;

	if (argc == 6) {
		cfg.nr_vcpus = (uint32_t)strtoul(argv[1], NULL, 0);
		cfg.nr_trusted = (uint32_t)strtoul(argv[2], NULL, 0);
		cfg.nr_untrusted = (uint32_t)strtoul(argv[3], NULL, 0);
		cfg.nr_rvid_inputs = (uint32_t)strtoul(argv[4], NULL, 0);
		runs = (unsigned)strtoul(argv[5], NULL, 0);
	}
	if (!runs || snap_vm_create(&src, &cfg) || snap_vm_create(&dst, &cfg) ||
	    model_init(&m, &cfg)) {
		fprintf(stderr, "bad configuration\n");
		return 2;
	}
	for (uint32_t c = 0; c < cfg.nr_vcpus; c++) {
		pvirq_rvic_enable(src.vm, c);
		model_enable(&m, c);
	}
	if (snap_random_ops(src.vm, &m, &rng, 20000))
		return 1;
	len = pvirq_vm_snapshot_size(src.vm);
	if (pvirq_vm_save_version(src.vm, 2, NULL, 0, &len2) != PVIRQ_ENOSPC)
		return 1;
	buf = malloc(len);
	save_ns = malloc(runs * sizeof(double));
	restore_ns = malloc(runs * sizeof(double));
	save2_ns = malloc(runs * sizeof(double));
	restore2_ns = malloc(runs * sizeof(double));
	if (!buf || !save_ns || !restore_ns || !save2_ns || !restore2_ns)
		return 1;
	for (unsigned r = 0; r < runs; r++) {
		double t0 = now_ns(), t1, t2, t3, t4;

		if (pvirq_vm_save(src.vm, buf, len, &written))
			return 1;
		t1 = now_ns();
		if (pvirq_vm_restore(dst.vm, buf, len))
			return 1;
		t2 = now_ns();
		if (pvirq_vm_save_version(src.vm, 2, buf, len2, &written))
			return 1;
		t3 = now_ns();
		if (pvirq_vm_restore(dst.vm, buf, len2))
			return 1;
		t4 = now_ns();
		save_ns[r] = t1 - t0;
		restore_ns[r] = t2 - t1;
		save2_ns[r] = t3 - t2;
		restore2_ns[r] = t4 - t3;
	}
	qsort(save_ns, runs, sizeof(double), cmp_double);
	qsort(restore_ns, runs, sizeof(double), cmp_double);
	qsort(save2_ns, runs, sizeof(double), cmp_double);
	qsort(restore2_ns, runs, sizeof(double), cmp_double);
	printf("config: %u vCPUs, T=%u, U=%u, %u rVID inputs\n", cfg.nr_vcpus, cfg.nr_trusted,
	       cfg.nr_untrusted, cfg.nr_rvid_inputs);
	printf("snapshot size: %zu bytes\n", len);
	printf("save:    median %.1f us (p10 %.1f, p90 %.1f) over %u runs\n",
	       save_ns[runs / 2] / 1e3, save_ns[runs / 10] / 1e3, save_ns[runs * 9 / 10] / 1e3,
	       runs);
	printf("restore: median %.1f us (p10 %.1f, p90 %.1f) over %u runs\n",
	       restore_ns[runs / 2] / 1e3, restore_ns[runs / 10] / 1e3,
	       restore_ns[runs * 9 / 10] / 1e3, runs);
	printf("version 2 baseline: %zu bytes, save median %.1f us, restore median %.1f us\n", len2,
	       save2_ns[runs / 2] / 1e3, restore2_ns[runs / 2] / 1e3);
	printf("version %u / version 2: size %.2fx, save %.2fx, restore %.2fx\n",
	       PVIRQ_SNAPSHOT_VERSION, (double)len / (double)len2,
	       save_ns[runs / 2] / save2_ns[runs / 2],
	       restore_ns[runs / 2] / restore2_ns[runs / 2]);
	return 0;
}
