/* SPDX-License-Identifier: MIT */
/*
 * The contract between a demo hypervisor (or VMM) and the guest workload,
 * common to every architecture: what the guest runs, its interrupt sources
 * and INTIDs, its exit codes, and the control block both sides read and
 * write. Each port adds its own memory map and traps (examples/kvm-x86/
 * shared.h, examples/el2-arm64/el2_shared.h) and tells the guest where the
 * block is. Freestanding: nothing but <stdint.h>.
 *
 * "tsc" below is the platform's timestamp counter: the TSC on x86_64,
 * CNTVCT_EL0 on arm64, the time CSR on riscv64; tsc_khz is its rate.
 *
 * Who writes what (everything else is read-only for the other side):
 *   host:  config fields (pv_options, level_devices too), stop, device
 *          raised/inject_tsc, vcpu timer_raised
 *   guest: ready, quiesced, device claimed/done/handled_tsc/target,
 *          every per-vCPU counter (timer lateness too)
 * Fields shared across CPUs or across the VM boundary are accessed with
 * __atomic builtins (guest, freestanding hosts) or <stdatomic.h> casts
 * (hosted VMMs), seq_cst unless the comment beside the access says why
 * less is enough.
 */
#ifndef WORKLOAD_SHARED_H
#define WORKLOAD_SHARED_H

#include <stdint.h>

/* What the guest runs; the host writes it before the first vCPU starts. */
enum demo_mode {
	DEMO_MODE_PVIRQ = 1,  /* workload on libpvirq (upcall + hypercalls)   */
	DEMO_MODE_LAPIC = 2,  /* same workload on KVM's in-kernel x2APIC      */
	DEMO_MODE_FAULTS = 3, /* garbage hypercalls, statuses checked         */
};

#define DEMO_MAX_VCPUS 8u
#define DEMO_MAX_DEVICES 8u

/*
 * Interrupt sources, as indexes of the per-vCPU handled[] counters:
 * devices 0..DEMO_MAX_DEVICES-1, then the IPI and the timer.
 */
#define DEMO_SRC_IPI DEMO_MAX_DEVICES
#define DEMO_SRC_TIMER (DEMO_MAX_DEVICES + 1u)
#define DEMO_NR_SOURCES (DEMO_MAX_DEVICES + 2u)

/* libpvirq mode: trusted INTIDs (the host's own sources) and the untrusted
 * base; device d is rVID input d, delivered as INTID DEMO_NR_TRUSTED + d. */
#define DEMO_NR_TRUSTED 32u
#define DEMO_NR_UNTRUSTED 32u
#define DEMO_INTID_IPI 1u
#define DEMO_INTID_WAKE 2u
#define DEMO_INTID_TIMER 27u
#define DEMO_INTID_DEVICE(d) (DEMO_NR_TRUSTED + (d))

/* Guest exit codes. */
#define DEMO_EXIT_OK 0u
#define DEMO_EXIT_BAD_MODE 0x10u
#define DEMO_EXIT_SETUP 0x11u	       /* a setup hypercall failed             */
#define DEMO_EXIT_DRAIN_TIMEOUT 0x12u  /* stop phase: something never arrived */
#define DEMO_EXIT_EXCEPTION 0x100u     /* + vector: unexpected CPU exception   */
#define DEMO_EXIT_FAULTS_FAILED 0x200u /* + number of fault checks that failed */

#define DEMO_MAGIC 0x7076697271646d6full /* "pvirqdmo" */

/*
 * How the libpvirq guest drives the controller (struct demo_shared
 * pv_options; DEMO_MODE_PVIRQ only, 0 = ABI 0.3 behaviour):
 *  - SHARED_STATE: each vCPU shares a state page (RVIC_SHARE_STATE before
 *    its ENABLE) and ends interrupts in memory; acknowledge stays a call
 *    where the line is a level the hypervisor recomputes at entry.
 *  - TIMER_CLASS: the timer INTID goes in priority class DEMO_TIMER_CLASS
 *    (RVIC_SET_PRIORITY), above the devices' class 0, so a device storm
 *    cannot make it wait behind the devices' round robin.
 */
#define DEMO_PV_SHARED_STATE 0x1u
#define DEMO_PV_TIMER_CLASS 0x2u
#define DEMO_TIMER_CLASS 2u

/* IPI latency histogram: 1 us buckets below 1024 us, 64 us buckets above,
 * the last bucket (from about 66 ms) catching everything slower. */
#define DEMO_IPI_HIST_BUCKETS 2048u
#define DEMO_IPI_HIST_FINE 1024u
#define DEMO_IPI_HIST_COARSE_US 64u

static inline uint32_t demo_ipi_bucket(uint64_t us)
{
	uint64_t b = us < DEMO_IPI_HIST_FINE ? us
					     : DEMO_IPI_HIST_FINE + (us - DEMO_IPI_HIST_FINE) /
									    DEMO_IPI_HIST_COARSE_US;

	return b < DEMO_IPI_HIST_BUCKETS ? (uint32_t)b : DEMO_IPI_HIST_BUCKETS - 1;
}

/* Lower edge of bucket @p b, in us (integer: freestanding hosts have no
 * floating point). */
static inline uint64_t demo_ipi_bucket_low_us(uint32_t b)
{
	return b < DEMO_IPI_HIST_FINE ? b
				      : DEMO_IPI_HIST_FINE + (uint64_t)(b - DEMO_IPI_HIST_FINE) *
								     DEMO_IPI_HIST_COARSE_US;
}

/* One device: a rVID input / an MSI source. One cache line each. */
struct demo_device_slot {
	uint64_t raised;      /* host: interrupts sent (updated before sending)   */
	uint64_t inject_tsc;  /* host: timestamp just before the latest send      */
	uint64_t claimed;     /* guest: interrupts claimed by a handler (CAS)      */
	uint64_t done;	      /* guest: interrupts fully handled (== claimed)      */
	uint64_t handled_tsc; /* guest: timestamp when the latest one's handler started */
	uint32_t target;      /* guest: vCPU the input is routed to now            */
	uint32_t lock;	      /* guest: serializes retargets of this input         */
	uint64_t pad[2];
};

/* Per-vCPU counters. Each vCPU writes its own; padded apart. */
struct demo_vcpu_slot {
	uint64_t handled[DEMO_NR_SOURCES]; /* guest: interrupts handled, by source */
	uint64_t spurious;		   /* guest: ACK said NO_INTERRUPTS       */
	uint64_t duplicates;		   /* guest: device already handled        */
	uint64_t wakes;			   /* guest: stop-phase wake-ups          */
	uint64_t ipis_sent;		   /* guest: IPIs this vCPU sent          */
	uint64_t ipi_raised;		   /* guest (sender): IPIs sent TO this vCPU */
	uint64_t ipi_send_tsc;		   /* guest (sender): timestamp just before the latest */
	uint64_t retargets;		   /* guest: retargets this vCPU performed */
	uint64_t timer_raised;		   /* host: timer edges raised for this vCPU */
	/* guest: how late its timer handlers ran, in timestamp ticks after
	 * the deadline (sum and worst; samples = handled[DEMO_SRC_TIMER]
	 * where the port knows the deadline, else 0 and 0). */
	uint64_t timer_late_sum;
	uint64_t timer_late_max;
	uint64_t pad[1];
	/* guest: IPI latency (send -> handler) histogram, demo_ipi_bucket(). */
	uint32_t ipi_latency_us[DEMO_IPI_HIST_BUCKETS];
};

struct demo_shared {
	uint64_t magic;
	uint32_t mode; /* enum demo_mode                                  */
	uint32_t nr_vcpus;
	uint32_t nr_devices;
	uint32_t upcall_vector;	      /* x86: the upcall vector; unused elsewhere */
	uint64_t tsc_khz;	      /* timestamp counter rate                   */
	uint64_t retarget_period_tsc; /* 0: no retargets                          */
	uint64_t ipi_period_tsc;      /* 0: no IPIs                               */
	uint64_t drain_deadline_tsc;  /* host, with stop: give up waiting after   */
	uint32_t stop;		      /* host: finish, drain, exit                */
	uint32_t booted;	      /* guest: vCPUs past their own setup        */
	uint32_t ready;		      /* guest: routes set, devices may start     */
	uint32_t quiesced;	      /* guest: vCPUs drained after stop          */
	/* guest (vCPU 0, before the devices start): average timestamp ticks
	 * of one round trip of the controller's cheapest operation - a
	 * libpvirq hypercall (VERSION), or an in-kernel x2APIC MSR write
	 * (TPR). */
	uint64_t cost_call_tsc;
	uint64_t timer_period_tsc; /* guest-programmed timers (arm64): period */
	uint32_t pv_options;	   /* host: DEMO_PV_* (libpvirq mode only)     */
	/* host: bit d set = device d is a level-triggered rVID input: its
	 * line stays high until the guest's handler acknowledges it at the
	 * device (platform_device_done()), and the guest ends it with
	 * RVID_RESAMPLE before unmasking. */
	uint32_t level_devices;
	uint64_t pad[3];
	struct demo_device_slot dev[DEMO_MAX_DEVICES];
	struct demo_vcpu_slot vcpu[DEMO_MAX_VCPUS];
};

#endif /* WORKLOAD_SHARED_H */
