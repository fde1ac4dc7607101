/* SPDX-License-Identifier: MIT */
/*
 * The contract between the demo VMM and its guest: guest-physical memory
 * map, I/O ports, interrupt numbers, and the control block both sides read
 * and write. Included by the freestanding guest and by the hosted VMM, so
 * it uses nothing but <stdint.h>.
 *
 * Memory is identity-mapped (virtual == physical) by page tables the VMM
 * builds; the guest reaches the control block at DEMO_SHARED_GPA.
 *
 * Who writes what (everything else is read-only for the other side):
 *   VMM:   config fields, stop, device raised/inject_tsc, vcpu timer_raised
 *   guest: ready, quiesced, device claimed/done/handled_tsc/target,
 *          every per-vCPU counter
 * Fields shared across threads or across the VM boundary are accessed with
 * __atomic builtins (guest) or <stdatomic.h> casts (VMM), seq_cst unless the
 * comment beside the access says why less is enough.
 */
#ifndef DEMO_SHARED_H
#define DEMO_SHARED_H

#include <stdint.h>

/* Guest-physical memory map. */
#define DEMO_MEM_SIZE 0x800000ull /* 8 MiB of guest RAM                  */
#define DEMO_GDT_GPA 0x1000ull	  /* null, code64, data, TSS descriptors */
#define DEMO_TSS_GPA 0x1800ull	  /* 64-bit TSS (VMX needs a valid TR)   */
#define DEMO_PML4_GPA 0x2000ull	  /* page tables: 1 GiB identity map     */
#define DEMO_PDPT_GPA 0x3000ull	  /* with 2 MiB pages                    */
#define DEMO_PD_GPA 0x4000ull
#define DEMO_SHARED_GPA 0x10000ull  /* struct demo_shared                  */
#define DEMO_IMAGE_GPA 0x100000ull  /* guest image (guest.ld links here)   */
#define DEMO_IMAGE_MAX 0x200000ull  /* image + bss must end before stacks  */
#define DEMO_STACKS_GPA 0x400000ull /* one stack per vCPU, growing down    */
#define DEMO_STACK_SIZE 0x10000ull

/* GDT selectors the VMM loads. */
#define DEMO_SEL_CODE 0x08
#define DEMO_SEL_DATA 0x10
#define DEMO_SEL_TSS 0x18

/*
 * I/O ports. 0x0A50 is libpvirq's hypercall doorbell (PVIRQ_X86_IO_PORT);
 * the others are this demo's own devices.
 */
#define DEMO_PORT_HYPERCALL 0x0A50   /* outl: libpvirq hypercall                      */
#define DEMO_PORT_CONSOLE 0x0A58     /* outb: one character of the vCPU's console     */
#define DEMO_PORT_EXIT 0x0A5C	     /* outl: this vCPU is done, value = exit code    */
#define DEMO_PORT_DEVICE_DONE 0x0A60 /* outl d: device d's interrupt handled (ioeventfd) */
#define DEMO_PORT_TIMER_ACK 0x0A64   /* outl: reprogram this vCPU's timer: line drops */
#define DEMO_PORT_MSI_ROUTE 0x0A68   /* outl d<<16|cpu: baseline device MSI target   */

/* What the guest runs; the VMM writes it before the first vCPU starts. */
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

/* libpvirq mode: trusted INTIDs (the VMM's own sources) and the untrusted
 * base; device d is rVID input d, delivered as INTID DEMO_NR_TRUSTED + d. */
#define DEMO_NR_TRUSTED 32u
#define DEMO_NR_UNTRUSTED 32u
#define DEMO_INTID_IPI 1u
#define DEMO_INTID_WAKE 2u
#define DEMO_INTID_TIMER 27u
#define DEMO_INTID_DEVICE(d) (DEMO_NR_TRUSTED + (d))

/* Baseline mode: x2APIC vectors. */
#define DEMO_VECTOR_DEVICE(d) (0x40u + (d))
#define DEMO_VECTOR_IPI 0x50u
#define DEMO_VECTOR_TIMER 0x51u
#define DEMO_VECTOR_WAKE 0x52u
#define DEMO_VECTOR_SPURIOUS 0xFFu

/* Guest exit codes (DEMO_PORT_EXIT). */
#define DEMO_EXIT_OK 0u
#define DEMO_EXIT_BAD_MODE 0x10u
#define DEMO_EXIT_SETUP 0x11u	       /* a setup hypercall failed             */
#define DEMO_EXIT_DRAIN_TIMEOUT 0x12u  /* stop phase: something never arrived */
#define DEMO_EXIT_EXCEPTION 0x100u     /* + vector: unexpected CPU exception   */
#define DEMO_EXIT_FAULTS_FAILED 0x200u /* + number of fault checks that failed */

#define DEMO_MAGIC 0x7076697271646d6full /* "pvirqdmo" */

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

/* Middle of bucket @p b, in us. */
static inline double demo_ipi_bucket_mid_us(uint32_t b)
{
	return b < DEMO_IPI_HIST_FINE ? b + 0.5
				      : DEMO_IPI_HIST_FINE + (b - DEMO_IPI_HIST_FINE + 0.5) *
								     DEMO_IPI_HIST_COARSE_US;
}

/* One device: a rVID input / an MSI source. One cache line each. */
struct demo_device_slot {
	uint64_t raised;      /* VMM: interrupts sent (updated before sending)    */
	uint64_t inject_tsc;  /* VMM: TSC just before the latest send              */
	uint64_t claimed;     /* guest: interrupts claimed by a handler (CAS)      */
	uint64_t done;	      /* guest: interrupts fully handled (== claimed)      */
	uint64_t handled_tsc; /* guest: TSC when the latest one's handler started  */
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
	uint64_t ipi_send_tsc;		   /* guest (sender): TSC just before the latest */
	uint64_t retargets;		   /* guest: retargets this vCPU performed */
	uint64_t timer_raised;		   /* VMM: timer edges raised for this vCPU */
	uint64_t pad[3];
	/* guest: IPI latency (send -> handler) histogram, demo_ipi_bucket(). */
	uint32_t ipi_latency_us[DEMO_IPI_HIST_BUCKETS];
};

struct demo_shared {
	uint64_t magic;
	uint32_t mode; /* enum demo_mode                                  */
	uint32_t nr_vcpus;
	uint32_t nr_devices;
	uint32_t upcall_vector;
	uint64_t tsc_khz;
	uint64_t retarget_period_tsc; /* 0: no retargets                        */
	uint64_t ipi_period_tsc;      /* 0: no IPIs                             */
	uint64_t drain_deadline_tsc;  /* VMM, with stop: give up waiting after  */
	uint32_t stop;		      /* VMM: finish, drain, exit               */
	uint32_t booted;	      /* guest: vCPUs past their own setup      */
	uint32_t ready;		      /* guest: routes set, devices may start   */
	uint32_t quiesced;	      /* guest: vCPUs drained after stop        */
	/* guest (vCPU 0, before the devices start): average TSC ticks of one
	 * round trip of the controller's cheapest operation - a libpvirq
	 * hypercall (VERSION), or an in-kernel x2APIC MSR write (TPR). */
	uint64_t cost_call_tsc;
	uint64_t pad[5];
	struct demo_device_slot dev[DEMO_MAX_DEVICES];
	struct demo_vcpu_slot vcpu[DEMO_MAX_VCPUS];
};

#endif /* DEMO_SHARED_H */
