/* SPDX-License-Identifier: MIT */
/*
 * The demo VMM: one KVM VM, N vCPU threads, device and timer threads, in
 * one of two interrupt modes:
 *   - libpvirq: no in-kernel irqchip; the guest's hypercalls exit to us as
 *     port I/O, libpvirq decides each vCPU's line, we inject one upcall
 *     vector with KVM_INTERRUPT and kick vCPUs whose line rose;
 *   - baseline: KVM's in-kernel LAPIC (KVM_CREATE_IRQCHIP), devices as
 *     MSIs (KVM_SIGNAL_MSI), EOI and IPIs in-kernel through x2APIC MSRs.
 * Same guest, same workload, same devices; only the controller differs.
 */
#ifndef DEMO_VMM_H
#define DEMO_VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../shared.h"

struct pvirq_vm;

/*
 * The flavours the demo compares, each a guest mode (workload_shared.h)
 * plus how interrupts reach the guest and how it ends them.
 */
enum demo_variant {
	VARIANT_PVIRQ,	      /* libpvirq, every operation a hypercall; KVM_INTERRUPT */
	VARIANT_PVIRQ_SHARED, /* shared-state page; upcall MSI via the in-kernel LAPIC, PV-EOI */
	VARIANT_PVIRQ_SHARED_INT, /* shared-state page; upcall by KVM_INTERRUPT, no LAPIC */
	VARIANT_LAPIC,		  /* in-kernel x2APIC, EOI by MSR */
	VARIANT_LAPIC_PVEOI,	  /* in-kernel x2APIC with KVM's PV-EOI */
	VARIANT_NR
};

struct demo_variant_info {
	const char *option; /* --mode name */
	const char *label;  /* column title */
	enum demo_mode guest_mode;
	bool irqchip;	    /* KVM_CREATE_IRQCHIP: KVM's LAPIC, MSIs, in-kernel HLT */
	bool shared_state;  /* libpvirq's shared-state page */
	uint32_t lapic_eoi; /* enum demo_lapic_eoi */
};

extern const struct demo_variant_info demo_variants[VARIANT_NR];

struct demo_options {
	unsigned vcpus;
	unsigned devices;
	double seconds;		   /* measured run time of each mode */
	unsigned timer_us;	   /* per-vCPU timer period           */
	unsigned ipi_us;	   /* minimum gap between IPIs        */
	unsigned retarget_us;	   /* gap between retargets per vCPU   */
	unsigned halt_poll_us;	   /* libpvirq: poll the line before sleeping */
	const char *mode;	   /* comma list of variants, both, all, faults, sim */
	bool variants[VARIANT_NR]; /* parsed from mode */
	bool simulate;		   /* --sim: threads as vCPUs (libpvirq variants only) */
	bool level_device;	   /* device 0 level-triggered (shared-state variants) */
	unsigned storm_work;	   /* busy-loop iterations in every device handler */
	unsigned timer_class;	   /* priority class of the timer INTID (shared variants) */
	unsigned nmi_us;	   /* shared variants: an NMI-class INTID every nmi_us (0: off) */
	const char *json_path;
	bool check;	  /* exit non-zero unless lost == 0, every source ran, retargets */
	bool require_kvm; /* no /dev/kvm: exit 77 (CTest skip) instead of simulating */
	bool verbose;
};

/* Exit reasons the VMM itself sees (userspace exits), per vCPU. */
enum demo_exit_kind {
	EXIT_HYPERCALL,
	EXIT_CONSOLE,
	EXIT_TIMER_ACK,
	EXIT_MSI_ROUTE,
	EXIT_LEVEL_TAKE,
	EXIT_OTHER_IO,
	EXIT_HLT,
	EXIT_IRQ_WINDOW,
	EXIT_INTR, /* a kick: KVM_RUN returned EINTR or KVM_EXIT_INTR */
	EXIT_OTHER,
	EXIT_NR_KINDS
};

/* Hypercalls counted by call: rVIC 0..16, rVID 0..3, then anything else. */
#define DEMO_CALL_RVIC_FIRST 0
#define DEMO_CALL_RVID_FIRST 17
#define DEMO_CALL_OTHER 21
#define DEMO_NR_CALLS 22

/* KVM's own per-vCPU counters (binary stats fd): every exit, including
 * those the kernel handles without coming back to us. */
enum demo_kvm_stat {
	KSTAT_EXITS,
	KSTAT_HALT_EXITS,
	KSTAT_IRQ_WINDOW_EXITS,
	KSTAT_IRQ_EXITS,
	KSTAT_SIGNAL_EXITS,
	KSTAT_HALT_POLL_OK,
	KSTAT_HALT_POLL_TRIED,
	/* Guest instructions KVM ran through its instruction emulator. On a
	 * host whose KVM cannot run this guest's CPL-0 code natively (kvm_pvm,
	 * the software-virtualization flavour) that is every instruction, and
	 * guest code length, not the exit, is then what an interrupt costs. */
	KSTAT_INSN_EMULATION,
	KSTAT_IRQ_INJECTIONS,
	KSTAT_NR
};

/* Counters sampled at the start and end of the measured window. */
struct demo_snapshot {
	uint64_t ns;
	uint64_t handled; /* interrupts handled, every source, every vCPU */
	uint64_t user_exits[EXIT_NR_KINDS];
	uint64_t kvm[KSTAT_NR];
	uint64_t kicks_signal, kicks_wake, injections, upcall_msis;
	/* guest, this port's control block (shared.h) */
	uint64_t eoi_msr_writes, eoi_pv_skipped, shared_acks, shared_eoi_again, shared_reevaluate;
	uint64_t timer_bypassed;
	uint32_t pv_eoi_vcpus; /* vCPUs whose guest enabled PV-EOI */
	uint64_t calls[DEMO_NR_CALLS];
	bool kvm_valid;
};

enum vcpu_state { VCPU_OUTSIDE = 0, VCPU_IN_GUEST, VCPU_HALTED };

struct demo_vm;

struct demo_vcpu {
	struct demo_vm *vm;
	uint32_t index;
	int fd;
	int stats_fd;
	uint32_t stats_offset[KSTAT_NR]; /* byte offset in the data block; ~0: absent */
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	/* Set by the thread itself before it first enters the guest, so a
	 * kicker never reads `thread` before pthread_create() stored it. */
	_Atomic(pthread_t *) self;
	pthread_t self_storage;
	_Atomic uint32_t state;	   /* enum vcpu_state, seq_cst: see vcpu.c */
	_Atomic uint32_t wake_seq; /* futex word for VCPU_HALTED            */
	_Atomic uint64_t exits[EXIT_NR_KINDS];
	_Atomic uint64_t injections;
	_Atomic uint64_t calls[DEMO_NR_CALLS];
	_Atomic bool finished;
	bool nmi_pending; /* KVM_INTERRUPT variant: take_nmi said yes, inject at entry */
	int exit_code;	  /* guest's DEMO_PORT_EXIT value, or negative: VMM error */
	char console[160];
	size_t console_len;
};

struct demo_device {
	struct demo_vm *vm;
	uint32_t index;
	int eventfd; /* the guest's DEMO_PORT_DEVICE_DONE doorbell (ioeventfd) */
	int irqfd;   /* libpvirq modes: the interrupt eventfd, as a vhost backend's */
	pthread_t thread;
	_Atomic uint32_t msi_dest; /* baseline: the MSI's destination APIC id */
	uint32_t *samples;	   /* inject -> handler latency, TSC ticks  */
	size_t nr_samples, cap_samples;
	uint64_t sent;
	uint64_t inject_errors;
	bool stuck; /* its last interrupt never came back: lost */
};

struct demo_vm {
	const struct demo_options *opt;
	enum demo_mode mode;
	const struct demo_variant_info *variant;
	struct demo_kvm_ctl *kvm_ctl; /* this port's control block in guest RAM */
	int kvm_fd, vm_fd;
	uint8_t *mem;
	struct demo_shared *shared;
	struct pvirq_vm *pvirq; /* libpvirq modes only */
	/* libpvirq modes: injects each device's irqfd into its rVID input. */
	struct pvirq_eventfd_bridge *bridge;
	uint64_t tsc_khz;
	bool tsc_shared; /* guest TSC == host TSC (offset set to 0) */
	bool sync_regs;	 /* KVM_CAP_SYNC_REGS: registers come in kvm_run */
	unsigned nr_vcpus, nr_devices;
	struct demo_vcpu vcpus[DEMO_MAX_VCPUS];
	struct demo_device devices[DEMO_MAX_DEVICES];
	pthread_t timer_thread;
	_Atomic bool devices_stop, timer_stop;
	_Atomic uint32_t timer_asserted[DEMO_MAX_VCPUS];
	_Atomic uint64_t kicks_signal, kicks_wake;
	_Atomic uint64_t upcall_msis; /* shared variant: KVM_SIGNAL_MSI upcalls sent */
	/* The level-triggered device (device 0 with --level-device): items
	 * queued and not yet taken by the guest; its line is high while > 0. */
	bool level_device;
	bool timer_edge; /* shared variants: the timer is SIGNALled, not a level */
	/* The NMI line (--nmi-us, shared variants): pvirq_config.nmi_line. */
	bool nmi_line;
	pthread_t nmi_thread;
	_Atomic bool nmi_stop;
	_Atomic uint64_t nmi_raised[DEMO_MAX_VCPUS];
	_Atomic uint64_t nmis_injected;
	_Atomic uint64_t level_queue;
	_Atomic uint64_t level_resamples; /* resample() callbacks */
	/* Timer lateness: raise (timer thread) -> the guest's ack port write. */
#define DEMO_TIMER_SAMPLES (1u << 20)
	_Atomic uint64_t timer_raise_tsc[DEMO_MAX_VCPUS];
	uint32_t *timer_late[DEMO_MAX_VCPUS]; /* TSC ticks, written by vCPU i's thread */
	size_t nr_timer_late[DEMO_MAX_VCPUS];
	_Atomic uint64_t timer_inject_errors;
};

/* What one mode measured. */
struct demo_result {
	const char *name;
	enum demo_mode mode;
	const struct demo_variant_info *variant;
	bool ran;
	double seconds;
	uint64_t handled_window; /* interrupts handled in the window */
	uint64_t per_vcpu_source[DEMO_MAX_VCPUS][DEMO_NR_SOURCES];
	uint64_t sent[DEMO_NR_SOURCES];	   /* by source, whole run */
	uint64_t handled[DEMO_NR_SOURCES]; /* by source, whole run */
	uint64_t ipis, retargets, spurious, duplicates;
	int64_t lost;
	double p50_us, p99_us, max_us; /* device inject -> guest handler */
	uint64_t latency_samples;
	double ipi_p50_us, ipi_p99_us;	   /* IPI send -> handler, 1 us resolution */
	double timer_p50_us, timer_p99_us; /* timer raise -> guest ack */
	uint64_t timer_samples, level_resamples;
	bool level_device;    /* device 0 was level-triggered */
	uint32_t timer_class; /* the timer INTID's priority class (shared variants) */
	/* Why ok is false, beyond lost and exit codes. */
	uint64_t inject_errors, timer_inject_errors;
	uint32_t stuck_devices; /* bit d: device d's last interrupt never came back */
	uint64_t nmi_raised, nmi_handled, nmi_spurious, nmis_injected;
	uint64_t ipi_samples;
	double irq_per_sec;
	double kvm_exits_per_irq, user_exits_per_irq, kicks_per_irq, hypercalls_per_irq;
	double cost_call_us; /* one round trip of the controller's cheapest exit */
	bool simulated;
	struct demo_snapshot delta;
	int guest_exit[DEMO_MAX_VCPUS];
	bool ok;
};

/* kvm.c: the VM, its memory and vCPUs in 64-bit mode. */
int demo_vm_create(struct demo_vm *vm, const struct demo_options *opt, enum demo_mode mode,
		   const struct demo_variant_info *variant);
void demo_vm_destroy(struct demo_vm *vm);
void demo_vcpu_read_kvm_stats(struct demo_vcpu *v, uint64_t out[KSTAT_NR]);
bool demo_kvm_available(const char **why);
uint64_t demo_now_ns(void);

static inline uint64_t demo_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* vcpu.c: vCPU threads and the exit loop. */
int demo_vcpus_start(struct demo_vm *vm);
/* Waits up to @p timeout_ms for every vCPU thread; false on a hang. */
bool demo_vcpus_join(struct demo_vm *vm, unsigned timeout_ms);
void demo_vcpu_kick(void *ctx, uint32_t index); /* libpvirq's notify callback */
/* The shared variant's notify callback: rearm, and if the line is high
 * send the upcall as an MSI through KVM's in-kernel LAPIC. */
void demo_vcpu_notify_msi(void *ctx, uint32_t index);
/* libpvirq's guest_page callback: guest RAM at @p gpa, or NULL. */
void *demo_guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size);

/* devices.c: device and timer threads. */
int demo_devices_start(struct demo_vm *vm);
void demo_devices_stop(struct demo_vm *vm);
void demo_timer_stop(struct demo_vm *vm);
void demo_timer_ack(struct demo_vm *vm, uint32_t vcpu);
void demo_send_wake(struct demo_vm *vm, uint32_t vcpu);
/* Stops the NMI source and waits (bounded) until the guest took every NMI. */
void demo_nmi_stop(struct demo_vm *vm);
/* The level device: the guest takes one item (1) or finds none (0). */
uint32_t demo_level_take(struct demo_vm *vm);
/* libpvirq's resample callback (RVID_RESAMPLE of a level input). */
void demo_level_resample(void *ctx, uint32_t input);
int demo_signal_msi(struct demo_vm *vm, uint32_t dest, uint32_t vector);
int demo_signal_nmi_msi(struct demo_vm *vm, uint32_t dest);

/* report.c */
void demo_snapshot_take(struct demo_vm *vm, struct demo_snapshot *s);
void demo_result_fill(struct demo_vm *vm, const struct demo_snapshot *a,
		      const struct demo_snapshot *b, struct demo_result *r);
void demo_print_result(const struct demo_result *r, unsigned nr_vcpus, unsigned nr_devices);
void demo_print_comparison(const struct demo_result *res, size_t nr);
int demo_write_json(const char *path, const struct demo_options *opt, const struct demo_result *res,
		    size_t nr, bool simulated);
bool demo_result_check(const struct demo_result *r, const struct demo_options *opt, bool quiet);

/* sim.c: the workload as userspace threads, for machines without KVM. */
int demo_simulate(const struct demo_options *opt, const struct demo_variant_info *variant,
		  struct demo_result *r);

#endif /* DEMO_VMM_H */
