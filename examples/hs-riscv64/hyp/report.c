/* SPDX-License-Identifier: MIT */
/*
 * The end of a run, in the report every bare-metal demo prints
 * (examples/baremetal-common/report.c, shared with the arm64 EL2
 * hypervisor): per-vCPU interrupts and the hypervisor's traps, traps per
 * interrupt by kind, libpvirq calls by kind, the accounting (lost = sent -
 * handled), the verdict and one "@@json {...}" line that the test runner
 * reads. Traps per interrupt are over the load phase (hart.h).
 */
#include "console.h"
#include "hyp.h"
#include "print.h"

static struct bm_traps window_traps[HS_MAX_HARTS];
static struct bm_traps all_traps[HS_MAX_HARTS];

/* @p now minus @p then, field by field (struct bm_traps is all counters). */
static void traps_since(struct bm_traps *out, const struct bm_traps *now,
			const struct bm_traps *then)
{
	const uint64_t *n = (const uint64_t *)now, *t = (const uint64_t *)then;
	uint64_t *o = (uint64_t *)out;

	_Static_assert(sizeof(struct bm_traps) % sizeof(uint64_t) == 0, "counters only");
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = n[i] - t[i];
}

static uint64_t us(uint64_t from, uint64_t to)
{
	return from && to > from ? (to - from) / (HS_TIME_HZ / 1000000) : 0;
}

bool hs_report(const char *failure)
{
	/* relaxed loads: every vCPU has exited (or the run is being torn
	 * down), and these are statistics, not synchronization. */
	struct bm_run run = {
		.arch = "riscv64-hs",
		.mode = hs.opt.mode == HS_MODE_FAULTS ? "faults" : "workload",
		.nr_cpus = hs.nr_vcpus,
		.duration_ms = hs.opt.run_ms,
		.counter_khz = HS_TIME_KHZ,
		.injected_wired = __atomic_load_n(&hs.injected_wired, __ATOMIC_RELAXED),
		.injected_msi = __atomic_load_n(&hs.injected_msi, __ATOMIC_RELAXED),
		.inject_errors = __atomic_load_n(&hs.inject_errors, __ATOMIC_RELAXED),
		.latency_samples = __atomic_load_n(&hs.latency_samples, __ATOMIC_RELAXED),
		.latency_sum_ticks = __atomic_load_n(&hs.latency_sum, __ATOMIC_RELAXED),
		.latency_max_ticks = __atomic_load_n(&hs.latency_max, __ATOMIC_RELAXED),
		.level_raises = __atomic_load_n(&hs.level_raises, __ATOMIC_RELAXED),
		.level_acks = __atomic_load_n(&hs.level_acks, __ATOMIC_RELAXED),
		.level_resamples = __atomic_load_n(&hs.level_resamples, __ATOMIC_RELAXED),
		.level_high_at_end = hs_devices_level_high(),
		.failure = failure,
		.traps = all_traps,
		.window = window_traps,
	};
	uint64_t start = hs.ready_time ? hs.ready_time : hs.boot_time;
	bool ok;

	if (!failure && hs.stuck_devices)
		run.failure = "a device was still in flight at its deadline";
	run.elapsed_ticks = hs.end_time > start ? hs.end_time - start : 0;
	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct hs_hart *h = &hs_harts[v];

		/* acquire: pairs with the exit's release; its counters are final. */
		run.exited[v] = __atomic_load_n(&h->exited, __ATOMIC_ACQUIRE);
		run.exit_code[v] = h->exit_code;
		all_traps[v] = h->traps;
		/* A hart that never saw the load phase end (a failed run)
		 * counts to now. */
		traps_since(&window_traps[v], h->saw_stop ? &h->traps_at_stop : &h->traps,
			    &h->traps_at_start);
	}
	if (hs.handled_at_stop > hs.handled_at_start && hs.stop_time > hs.ready_time) {
		run.window_interrupts = hs.handled_at_stop - hs.handled_at_start;
		run.window_ticks = hs.stop_time - hs.ready_time;
	}
	hs_printf("HS: boot hart %u; setup %lu us, devices %lu us, drain %lu us\n",
		  (unsigned)hs.boot_hart, us(hs.boot_time, hs.ready_time),
		  us(hs.ready_time, hs.stop_time), us(hs.stop_time, hs.end_time));
	bm_lock();
	ok = bm_report(hs.shared, &run);
	bm_unlock();
	return ok;
}
