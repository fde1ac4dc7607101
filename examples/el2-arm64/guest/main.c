/* SPDX-License-Identifier: MIT */
/*
 * The EL1 guest: its own MMU (so that its atomics run on Normal memory),
 * PSCI CPU_ON for the other vCPUs, the shared workload's port hooks, and
 * the dispatch to the mode the hypervisor chose in the control block.
 */
#include "workload.h"

#define DESC_BLOCK 1ull
#define DESC_AF (1ull << 10)
#define DESC_SH_INNER (3ull << 8)
#define GIB (1ull << 30)
#define TCR_T0SZ_39 25ull
#define TCR_WALK_WB ((1ull << 8) | (1ull << 10) | (3ull << 12))
#define TCR_EPD1 (1ull << 23) /* no TTBR1 walks */
#define TCR_IPS_40 (2ull << 32)
#define SCTLR_EL1_RES1 0x30D00800ull
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_I (1ull << 12)
#define CNTV_CTL_ENABLE 1ull

extern char _start[];

static uint64_t l1_table[512] __attribute__((aligned(4096)));

struct smccc_ret {
	uint64_t x0, x1;
};

static struct smccc_ret hvc(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = id;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return (struct smccc_ret){x0, x1};
}

static uint64_t smc(uint64_t id)
{
	register uint64_t x0 __asm__("x0") = id;

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	return x0;
}

/* Identity map of the RAM gigabyte, Normal write-back. Before this, every
 * access is Device memory: no atomics until it returns. */
static void mmu_on(uint32_t self)
{
	if (self == 0)
		l1_table[1] = GIB | DESC_BLOCK | DESC_AF | DESC_SH_INNER; /* MAIR index 0 */
	__asm__ volatile("dsb ish" ::: "memory");
	__asm__ volatile("msr mair_el1, %0" ::"r"(0xFFull));
	__asm__ volatile(
		"msr tcr_el1, %0" ::"r"(TCR_T0SZ_39 | TCR_WALK_WB | TCR_EPD1 | TCR_IPS_40));
	__asm__ volatile("msr ttbr0_el1, %0" ::"r"((uint64_t)(uintptr_t)l1_table));
	__asm__ volatile("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
	__asm__ volatile(
		"msr sctlr_el1, %0\n\tisb" ::"r"(SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_I)
		: "memory");
}

static uint32_t this_cpu(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (uint32_t)(mpidr & 0xFF);
}

void console_putc(char c)
{
	hvc(EL2_CALL_CONSOLE_PUTC, (uint8_t)c, 0, 0);
}

void guest_exit(uint32_t code)
{
	/* The fault mode ends the whole guest with PSCI SYSTEM_OFF from
	 * vCPU 0, so that the power-off path is exercised too. */
	if (SHARED->mode == DEMO_MODE_FAULTS && this_cpu() == 0) {
		hvc(EL2_CALL_SET_EXIT_CODE, code, 0, 0);
		hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	for (;;) {
		hvc(EL2_CALL_EXIT, code, 0, 0);
		/* The hypervisor never returns from EXIT; if it did, stay put. */
		irq_disable();
		__asm__ volatile("wfi");
	}
}

/* The device model polls done on its tick: nothing to ring, except the
 * register write that acknowledges a level-triggered device (it lowers
 * the line before the controller's end of interrupt resamples it). */
void platform_device_done(uint32_t d)
{
	if (SHARED->level_devices >> d & 1)
		hvc(EL2_CALL_DEVICE_ACK, d, 0, 0);
}

/* The deadline of the tick being handled: CNTV_CVAL_EL0 still holds it
 * (platform_timer_handled() re-arms after this). */
uint64_t platform_timer_due(uint32_t self)
{
	uint64_t cval;

	(void)self;
	__asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(cval));
	return cval;
}

static void timer_write(uint64_t ctl, uint64_t tval)
{
	__asm__ volatile("msr cntv_tval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb" ::"r"(tval),
			 "r"(ctl)
			 : "memory");
}

void platform_timer_start(uint32_t self)
{
	(void)self;
	timer_write(CNTV_CTL_ENABLE, SHARED->timer_period_tsc);
}

/* The EL1 virtual timer is ours: the next deadline drops the level (the
 * hypervisor's RESAMPLE then finds it low); after stop, it goes off. */
void platform_timer_handled(uint32_t self)
{
	(void)self;
	if (load32(&SHARED->stop))
		timer_write(0, 0);
	else
		timer_write(CNTV_CTL_ENABLE, SHARED->timer_period_tsc);
}

void platform_timer_stop(uint32_t self)
{
	(void)self;
	timer_write(0, 0);
}

/* INFO gives the INTID space the control block's numbering assumes. */
bool platform_pvirq_setup(uint32_t self)
{
	struct pvirq_guest_ret trusted = pvirq_guest_rvic_info(CONDUIT, 0);
	struct pvirq_guest_ret untrusted = pvirq_guest_rvic_info(CONDUIT, 1);

	(void)self;
	return trusted.status == PVIRQ_ABI_SUCCESS && trusted.value == DEMO_NR_TRUSTED &&
	       untrusted.status == PVIRQ_ABI_SUCCESS && untrusted.value == DEMO_NR_UNTRUSTED;
}

bool platform_is_upcall(uint32_t vector)
{
	return vector == EL2_GUEST_UPCALL;
}

/* SMCCC and PSCI corners, and libpvirq through the wrong doors. */
uint32_t platform_fault_checks(uint32_t self, uint32_t *nr_checks)
{
	uint32_t failed = 0;
	struct smccc_ret wide = hvc(1ull << 32 | PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);

	(void)self;
	failed += fault_check("PSCI_VERSION is 1.0", (int64_t)hvc(PSCI_VERSION, 0, 0, 0).x0,
			      PSCI_VERSION_1_0);
	failed += fault_check("SMCCC_VERSION is 1.1", (int64_t)hvc(SMCCC_VERSION, 0, 0, 0).x0,
			      SMCCC_VERSION_1_1);
	failed +=
		fault_check("PSCI_FEATURES(CPU_ON)",
			    (int64_t)hvc(PSCI_FEATURES, PSCI_CPU_ON_64, 0, 0).x0, PSCI_RET_SUCCESS);
	failed += fault_check("PSCI_FEATURES(unknown)",
			      (int64_t)hvc(PSCI_FEATURES, 0x8400FFFFu, 0, 0).x0,
			      PSCI_RET_NOT_SUPPORTED);
	failed += fault_check("PSCI_CPU_ON of a running vCPU",
			      (int64_t)hvc(PSCI_CPU_ON_64, 0, (uint64_t)(uintptr_t)_start, 0).x0,
			      PSCI_RET_ALREADY_ON);
	failed += fault_check("PSCI_CPU_ON of a vCPU that does not exist",
			      (int64_t)hvc(PSCI_CPU_ON_64, 7, (uint64_t)(uintptr_t)_start, 7).x0,
			      PSCI_RET_INVALID_PARAMETERS);
	failed += fault_check("PSCI_CPU_ON to an entry outside guest RAM",
			      (int64_t)hvc(PSCI_CPU_ON_64, 1, 0x1000, 1).x0,
			      PSCI_RET_INVALID_PARAMETERS);
	failed += fault_check("rVIC VERSION via SMC (not the conduit)",
			      (int64_t)smc(PVIRQ_ABI_ID(RVIC, VERSION)),
			      PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	failed +=
		fault_check("rVIC VERSION as SMC32 (0x85000200)",
			    (int64_t)hvc(0x85000200u, 0, 0, 0).x0, PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	failed += fault_check("X0 bits 63:32 ignored (SMCCC: the ID is W0)", (int64_t)wide.x0,
			      PVIRQ_ABI_STATUS(PVIRQ_ABI_SUCCESS, 0));
	failed +=
		fault_check("...and VERSION answered", (int64_t)(wide.x1 >= PVIRQ_ABI_VERSION), 1);
	failed +=
		fault_check("unknown vendor hypervisor call", (int64_t)hvc(0xC6000099u, 0, 0, 0).x0,
			    PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	failed += abi04_fault_checks(EL2_UNMAPPED_IPA);
	*nr_checks = 12 + ABI04_FAULT_CHECKS;
	return failed;
}

/* Called from irq_entry with interrupts masked. */
void guest_irq(void);
void guest_irq(void)
{
	ctl_pvirq.interrupt(this_cpu(), EL2_GUEST_UPCALL);
}

void guest_exception(uint64_t kind);
void guest_exception(uint64_t kind)
{
	uint64_t esr, elr, far;

	__asm__ volatile("mrs %0, esr_el1\n\tmrs %1, elr_el1\n\tmrs %2, far_el1"
			 : "=r"(esr), "=r"(elr), "=r"(far));
	console_puts("exception, vector ");
	console_dec(kind);
	console_puts(" ESR_EL1 ");
	console_hex(esr);
	console_puts(" ELR ");
	console_hex(elr);
	console_puts(" FAR ");
	console_hex(far);
	console_puts("\n");
	guest_exit(DEMO_EXIT_EXCEPTION + (uint32_t)kind);
}

static void start_other_vcpus(void)
{
	for (uint32_t i = 1; i < SHARED->nr_vcpus; i++)
		if (hvc(PSCI_CPU_ON_64, i, (uint64_t)(uintptr_t)_start, i).x0 != PSCI_RET_SUCCESS)
			guest_exit(DEMO_EXIT_SETUP);
}

void guest_main(uint32_t self);
void guest_main(uint32_t self)
{
	mmu_on(self);
	if (load64(&SHARED->magic) != DEMO_MAGIC || self != this_cpu())
		guest_exit(DEMO_EXIT_BAD_MODE);
	if (self == 0)
		start_other_vcpus();
	switch (SHARED->mode) {
	case DEMO_MODE_PVIRQ: workload_run(self, &ctl_pvirq);
	case DEMO_MODE_FAULTS: faults_run(self);
	case EL2_MODE_CRASH:
		if (self == 0)
			(void)*(volatile uint32_t *)(uintptr_t)EL2_UNMAPPED_IPA;
		guest_exit(DEMO_EXIT_OK);
	default: guest_exit(DEMO_EXIT_BAD_MODE);
	}
}
