/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's global state: the VM (libpvirq), the run's parameters
 * and phase, and the functions the files of hyp/ share.
 */
#ifndef HS_HYP_H
#define HS_HYP_H

#include <pvirq/pvirq.h>

#include "workload_shared.h"
#include "hart.h"

/* QEMU virt's timebase (the time CSR), 10 MHz. */
#define HS_TIME_HZ 10000000ul
#define HS_TIME_KHZ (HS_TIME_HZ / 1000)

/* How the run goes (CAS-advanced by whichever hart notices first). */
enum hs_phase {
	PHASE_BOOT,	    /* guest setting up; devices wait for ready      */
	PHASE_RUNNING,	    /* devices fire, timers tick                     */
	PHASE_DEVICES_STOP, /* no new device interrupts; in-flight ones end  */
	PHASE_STOPPING,	    /* shared->stop set: vCPUs drain and exit        */
	PHASE_FINISHED,	    /* the report is out, shutting down              */
};

/* Run parameters, from the kernel command line (-append). */
struct hs_options {
	uint32_t mode;	      /* HS_MODE_*                                        */
	uint32_t icount;      /* QEMU runs with -icount (reported in the JSON)     */
	uint32_t run_ms;      /* devices fire for this long (time CSR)            */
	uint32_t nr_devices;  /* 1..DEMO_MAX_DEVICES                              */
	uint32_t device_us;   /* a device sends at most once per period           */
	uint32_t retarget_us; /* guest retarget period, 0 = none                  */
	uint32_t ipi_us;      /* guest IPI period, 0 = none                       */
	uint32_t timer_us;    /* guest timer period, 0 = none                     */
	uint32_t pv_options;  /* DEMO_PV_*: words "shared", "timer_class"        */
	uint32_t level_devs;  /* level=N: bitmap of level devices (default 1)    */
	/* Self-tests of the checks (a run that must fail): */
	uint32_t drop_send;    /* the device model "loses" its n-th send (1-based) */
	uint32_t unmap_shared; /* the G-stage leaves the control block unmapped    */
	uint32_t watchdog_ms;  /* the watchdog's limit (a run longer than it fails) */
};

struct hs_run {
	struct pvirq_vm *vm;
	struct demo_shared *shared; /* host view of the guest's control block */
	struct hs_options opt;
	uint32_t nr_vcpus;
	uint32_t boot_hart;	 /* who won OpenSBI's lottery (reported)     */
	uint32_t phase;		 /* enum hs_phase, atomic                    */
	uint32_t exited;	 /* vCPUs that made their EXIT call, atomic  */
	uint32_t guest_shutdown; /* the guest asked SRST: 1 + reason         */
	uint64_t boot_time, ready_time, stop_time, end_time;
	/* Interrupts handled when the load phase started and ended: the
	 * window the report's traps per interrupt are computed over. */
	uint64_t handled_at_start, handled_at_stop;
	/* Device model, atomic: several harts send. */
	uint64_t sends, injected_wired, injected_msi, inject_errors;
	uint64_t latency_samples, latency_sum, latency_max; /* time ticks */
	uint64_t stuck_devices; /* devices still in flight at the deadline   */
	/* Level devices, atomic: raises, acknowledgements at the device,
	 * resample() callbacks (for the report). */
	uint64_t level_raises, level_acks, level_resamples;
};

extern struct hs_run hs;

/* Limits that turn a hang into a loud failure (time CSR ticks). */
#define HS_TICK (HS_TIME_HZ / 5000)	 /* 200 us: device and phase poll  */
#define HS_RUN_LIMIT (8 * HS_TIME_HZ)	 /* run_ms, stretched for a slow host */
#define HS_DEVICE_DRAIN (2 * HS_TIME_HZ) /* in-flight devices must finish  */
#define HS_GUEST_DRAIN (2 * HS_TIME_HZ)	 /* vCPUs must drain and exit      */
#define HS_WATCHDOG_MS 20000u		 /* nothing runs longer than this  */

/* The hart this code runs on (tp holds it in the hypervisor). */
static inline struct hs_hart *hs_this_hart(void)
{
	struct hs_hart *h;

	__asm__ volatile("mv %0, tp" : "=r"(h));
	return h;
}

/* vsbi.c: an ECALL from VS-mode (a0..a7 in h->regs[10..17]). */
void hs_vsbi_call(struct hs_hart *h);

/* timer.c: the guest's timer on this hart's timer, and our tick. */
void hs_timer_program(struct hs_hart *h);
void hs_timer_expired(struct hs_hart *h);
void hs_guest_set_timer(struct hs_hart *h, uint64_t deadline);

/* devices.c: sends what is due (true if anything was); whether no device
 * interrupt is in flight. */
bool hs_devices_send(uint64_t now);
bool hs_devices_idle(void);
/* Level devices: trigger set up (boot hart, after the VM exists); the
 * guest's acknowledgement at device @p d's register (DEVICE_DONE) lowers
 * its line; the config's resample(); how many are still high. */
void hs_devices_init(void);
void hs_devices_level_ack(uint32_t d);
void hs_devices_resample(void *ctx, uint32_t input);
uint32_t hs_devices_level_high(void);

/* run.c: the run's phases, on every trap of every hart. */
void hs_poll(struct hs_hart *h);
/* The vCPU made its EXIT call, or the guest asked for a shutdown. */
__attribute__((noreturn)) void hs_vcpu_exit(struct hs_hart *h, uint32_t code);
__attribute__((noreturn)) void hs_guest_shutdown(struct hs_hart *h, uint32_t reason);

/* report.c: the table, the verdict and the JSON line of
 * baremetal-common's report; @p failure (or NULL) says what the hypervisor
 * saw go wrong. Returns true when the run passed. */
bool hs_report(const char *failure);

/* main.c: a fatal error: print, shut down with failure. */
__attribute__((noreturn)) void hs_fail(const char *what, uint64_t a, uint64_t b);
/* main.c: waits in HS-mode for this hart's vCPU to be started, then runs it. */
__attribute__((noreturn)) void hs_vcpu_wait_and_run(struct hs_hart *h);

#endif /* HS_HYP_H */
