/* SPDX-License-Identifier: MIT */
/*
 * The EL2 hypervisor's internal interface: one vCPU per physical CPU,
 * vCPU index == CPU index == MPIDR Aff0 (QEMU virt numbers its CPUs so).
 */
#ifndef EL2_HYP_H
#define EL2_HYP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvirq/pvirq.h>

#include "../../baremetal-common/report.h"
#include "../el2_shared.h"

#define HYP_MAX_CPUS DEMO_MAX_VCPUS

#define SYSREG_READ(name)                                      \
	({                                                     \
		uint64_t v_;                                   \
		__asm__ volatile("mrs %0, " #name : "=r"(v_)); \
		v_;                                            \
	})
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)) : "memory")
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB_SY() __asm__ volatile("dsb sy" ::: "memory")

/* The guest's registers as the vectors saved them (entry.S). */
struct guest_frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};

/* What the command line (semihosting) asked for. */
struct hyp_config {
	uint32_t mode; /* DEMO_MODE_PVIRQ or DEMO_MODE_FAULTS */
	uint32_t nr_cpus;
	uint32_t nr_devices;
	uint64_t duration_ms;
	uint64_t timer_us, ipi_us, retarget_us, device_tick_us;
	uint32_t pv_options;	/* DEMO_PV_*: shared=1, timer_class=1     */
	uint32_t level_devices; /* bitmap of level-triggered devices      */
};

struct hyp {
	struct hyp_config cfg;
	struct pvirq_vm *vm;
	struct demo_shared *shared;
	uint64_t counter_khz;
	uint64_t boot_ticks, load_start_ticks, stop_ticks, hang_ticks;
	uint32_t vcpu_started[HYP_MAX_CPUS]; /* guest CPU_ON done (atomic) */
	uint64_t vcpu_entry[HYP_MAX_CPUS], vcpu_context[HYP_MAX_CPUS];
	uint32_t exited; /* vCPUs that exited (atomic)                  */
	uint32_t ending; /* someone is reporting (atomic)               */
	struct bm_run run;
	struct bm_traps traps[HYP_MAX_CPUS];  /* the whole run               */
	struct bm_traps window[HYP_MAX_CPUS]; /* the load phase only          */
	uint32_t in_window;		      /* load phase running (atomic)  */
	uint64_t window_start_handled;
};

extern struct hyp hyp;

/* Counts one trap of kind @p field on @p cpu, for the whole run and, while
 * the load phase runs, for it. Relaxed load of in_window: a statistic, a
 * trap racing the phase's edge may land on either side. */
#define COUNT_TRAP(cpu, field)                                         \
	do {                                                           \
		hyp.traps[cpu].field++;                                \
		if (__atomic_load_n(&hyp.in_window, __ATOMIC_RELAXED)) \
			hyp.window[cpu].field++;                       \
	} while (0)

static inline uint32_t this_cpu(void)
{
	return (uint32_t)SYSREG_READ(tpidr_el2);
}

static inline uint64_t counter_now(void)
{
	ISB(); /* do not read the counter early */
	return SYSREG_READ(cntvct_el0);
}

/* entry.S */
__attribute__((noreturn)) void enter_guest(uint64_t entry, uint64_t x0, uint64_t stack_top);
extern char secondary_start[];
extern char hyp_stacks[];
#define HYP_STACK_SIZE 0x4000u

/* mmu.c */
void mmu_build_tables(void);
void mmu_enable_el2(void);
void mmu_enable_stage2(void);
/* The EL2 address of guest-physical [ipa, ipa + size) through stage 2, or
 * NULL unless all of it is guest RAM mapped read-write in one block. */
void *mmu_stage2_host(uint64_t ipa, uint64_t size);

/* gic.c */
void gic_init_distributor(void);
void gic_init_cpu(uint32_t cpu);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);
void gic_send_sgi(uint32_t cpu, uint32_t intid);
void gic_ppi_enable(uint32_t cpu, uint32_t intid, bool enable);
void gic_cpu_off(void);

/* firmware.c: QEMU's PSCI (SMC) and semihosting. */
int64_t fw_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
__attribute__((noreturn)) void fw_exit(bool ok);
size_t fw_cmdline(char *buf, size_t size);

/* trap.c */
void hyp_trap(struct guest_frame *f, uint64_t kind);
__attribute__((noreturn)) void hyp_panic(uint64_t kind);
__attribute__((noreturn)) void hyp_finish(const char *failure);

/* devices.c: the device model and the run's clock (CPU 0's EL2 timer). */
void devices_start(void);
void devices_tick(void);
bool timer_line_level(void *ctx, uint32_t vcpu, uint32_t intid);
/* The guest acknowledged level device @p d at its register (a vendor
 * hypercall): the device lowers its line. */
void devices_level_ack(uint32_t d);
/* resample() of the libpvirq config: RVID_RESAMPLE of a level input. */
void devices_resample(void *ctx, uint32_t input);
/* Level inputs still high (the report's check; after every vCPU exited). */
uint32_t devices_level_high(void);
/* Sets the level devices' trigger (after the VM exists). */
void devices_init(void);

#endif /* EL2_HYP_H */
