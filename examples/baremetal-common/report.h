/* SPDX-License-Identifier: MIT */
/*
 * The result of a bare-metal hypervisor's run of the shared workload
 * (examples/workload): per-vCPU and per-device accounting from the
 * control block, the hypervisor's traps per interrupt by kind, a verdict
 * (lost = sent - handled must be 0), and the same as one JSON line.
 * Architecture-neutral: the arm64 EL2 and riscv64 HS demos fill the same
 * structures.
 */
#ifndef BAREMETAL_REPORT_H
#define BAREMETAL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "../workload/workload_shared.h"

/* libpvirq calls by kind: rVIC function n at n (0..16, ABI 0.4), rVID
 * function n at BM_CALL_RVID + n (0..3), and calls inside libpvirq's
 * ranges that it refused as unknown at BM_CALL_UNKNOWN. */
#define BM_CALL_RVID 17u
#define BM_CALL_UNKNOWN 21u
#define BM_NR_CALLS 22u

/* Trap counts of one physical CPU. Written only by that CPU (no atomics
 * needed); read by the reporter after every vCPU exited. */
struct bm_traps {
	uint64_t calls[BM_NR_CALLS]; /* libpvirq hypercalls, by kind        */
	uint64_t hypercalls;	     /* every libpvirq hypercall trap       */
	uint64_t other_calls;	     /* PSCI/SBI, console, exit             */
	uint64_t kick_irqs;	     /* kicks received (SGI / IPI)          */
	uint64_t kicks_sent;	     /* kicks this CPU sent to others       */
	uint64_t timer_irqs;	     /* guest-timer interrupts taken        */
	uint64_t device_ticks;	     /* device-model ticks run on this CPU  */
	uint64_t pad[2];
};

/* What the hypervisor knows beyond the control block. */
struct bm_run {
	const char *arch; /* "arm64-el2", "riscv64-hs"               */
	const char *mode; /* "workload" or "faults"                  */
	uint32_t nr_cpus;
	uint64_t duration_ms; /* configured load phase                 */
	uint64_t counter_khz; /* rate of the timestamps below          */
	uint64_t elapsed_ticks;
	bool exited[DEMO_MAX_VCPUS];
	uint32_t exit_code[DEMO_MAX_VCPUS];
	uint64_t injected_wired; /* device edges through rVID inputs      */
	uint64_t injected_msi;	 /* device edges through the MSI doorbell */
	uint64_t inject_errors;	 /* injections the library refused        */
	uint64_t latency_samples, latency_sum_ticks, latency_max_ticks;
	const char *failure;	      /* set by the hypervisor: guest fault, hang */
	const struct bm_traps *traps; /* nr_cpus entries, the whole run */
	/* The load phase alone (devices running, no setup, no drain): its
	 * traps (nr_cpus entries), the interrupts handled and its length.
	 * Traps per interrupt are computed over it, as the KVM demo does;
	 * window_interrupts == 0 means there was none (fault mode). */
	const struct bm_traps *window;
	uint64_t window_interrupts, window_ticks;
	/* The level-triggered device (demo_shared level_devices; 0 = none):
	 * rises the device model drove, acknowledgements at the device that
	 * lowered it, the resample() callbacks RVID_RESAMPLE made, and at the
	 * end how many level inputs were still high (must be 0: a high level
	 * is an interrupt the guest never ended). */
	uint64_t level_raises, level_acks, level_resamples;
	uint32_t level_high_at_end;
};

/* Prints the table, the verdict line ("RESULT: OK ..." or "RESULT: FAILED
 * ...") and "@@json {...}"; returns true when the run passed. */
bool bm_report(const struct demo_shared *sh, const struct bm_run *run);

#endif /* BAREMETAL_REPORT_H */
