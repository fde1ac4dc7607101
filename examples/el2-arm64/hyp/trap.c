/* SPDX-License-Identifier: MIT */
/*
 * Everything the guest makes EL2 do: hypercalls (HVC: libpvirq, PSCI,
 * SMCCC, the demo's console and exit), physical interrupts (kicks, the
 * guest's virtual timer, the device model's tick), and faults. Every
 * return to the guest goes through the line: pvirq_vcpu_rearm() then
 * HCR_EL2.VI through the library's arm64 shim.
 */
#include <pvirq/arch/arm64.h>

#include "../../baremetal-common/print.h"
#include "hyp.h"

#define ESR_EC_SHIFT 26
#define ESR_EC_HVC64 0x16u
#define ESR_EC_SMC64 0x17u
#define TRAP_SYNC 0u
#define TRAP_IRQ 1u
#define SMCCC_NOT_SUPPORTED ((uint64_t)-1)

static char console_line[HYP_MAX_CPUS][128];
static uint32_t console_len[HYP_MAX_CPUS];

/* One guest console line per vCPU, printed whole so lines do not mix. */
static void guest_putc(uint32_t cpu, char c)
{
	if (c != '\n' && console_len[cpu] < sizeof(console_line[cpu]) - 1) {
		console_line[cpu][console_len[cpu]++] = c;
		return;
	}
	console_line[cpu][console_len[cpu]] = 0;
	bm_lock();
	bm_puts("[guest vcpu");
	bm_dec(cpu);
	bm_puts("] ");
	bm_puts(console_line[cpu]);
	bm_putc('\n');
	bm_unlock();
	console_len[cpu] = 0;
	if (c != '\n')
		guest_putc(cpu, c);
}

static bool exit_code_set[HYP_MAX_CPUS];

static __attribute__((noreturn)) void vcpu_exit(uint32_t cpu, uint64_t code)
{
	hyp.run.exit_code[cpu] = (uint32_t)code;
	hyp.run.exited[cpu] = true;
	/* seq_cst: the last vCPU to exit sees every other one's code and
	 * counters before it reports. */
	if (__atomic_add_fetch(&hyp.exited, 1, __ATOMIC_SEQ_CST) == hyp.cfg.nr_cpus)
		hyp_finish(0);
	gic_cpu_off();
	for (;;)
		__asm__ volatile("wfi");
}

/* PSCI SYSTEM_OFF: the caller is done with the code it set
 * (EL2_CALL_SET_EXIT_CODE; none set: it counts as not exited); the
 * others get up to a second to exit on their own, then the run ends and
 * is reported. */
static __attribute__((noreturn)) void system_off(uint32_t cpu)
{
	uint64_t deadline = counter_now() + hyp.counter_khz * 1000u;

	bm_lock();
	bm_puts("el2: PSCI SYSTEM_OFF from vcpu ");
	bm_dec(cpu);
	bm_putc('\n');
	bm_unlock();

	if (exit_code_set[cpu]) {
		hyp.run.exited[cpu] = true;
		/* seq_cst: as in vcpu_exit() */
		__atomic_add_fetch(&hyp.exited, 1, __ATOMIC_SEQ_CST);
	}
	/* seq_cst: pairs with the other vCPUs' exit increments. */
	while (__atomic_load_n(&hyp.exited, __ATOMIC_SEQ_CST) < hyp.cfg.nr_cpus &&
	       counter_now() < deadline)
		__asm__ volatile("yield");
	hyp_finish(0);
}

/* PSCI 1.0 and SMCCC 1.1, the subset a guest needs to start its CPUs and
 * power off: VERSION, FEATURES, CPU_ON, SYSTEM_OFF, SMCCC_VERSION,
 * SMCCC_ARCH_FEATURES. The rest is NOT_SUPPORTED. */
static int64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t context)
{
	uint32_t cpu;

	if (target >= hyp.cfg.nr_cpus) /* Aff0 only: QEMU virt CPU i has MPIDR i */
		return PSCI_RET_INVALID_PARAMETERS;
	cpu = (uint32_t)target;
	if (entry < EL2_GUEST_BASE || entry >= EL2_GUEST_BASE + EL2_GUEST_SIZE || entry % 4)
		return PSCI_RET_INVALID_PARAMETERS;
	/* acq_rel: one CPU_ON wins; the winner's entry is written before
	 * the physical CPU (started below) reads it, PSCI's SMC orders it. */
	if (__atomic_exchange_n(&hyp.vcpu_started[cpu], 1, __ATOMIC_ACQ_REL))
		return PSCI_RET_ALREADY_ON;
	hyp.vcpu_entry[cpu] = entry;
	hyp.vcpu_context[cpu] = context;
	DSB_SY();
	if (fw_psci_cpu_on(cpu, (uint64_t)(uintptr_t)secondary_start, cpu) != PSCI_RET_SUCCESS)
		hyp_finish("PSCI CPU_ON of a physical CPU failed (is -smp smaller than cpus=?)");
	return PSCI_RET_SUCCESS;
}

static bool psci_call(struct guest_frame *f, uint32_t fn)
{
	switch (fn) {
	case PSCI_VERSION: f->x[0] = PSCI_VERSION_1_0; return true;
	case PSCI_FEATURES:
		switch ((uint32_t)f->x[1]) {
		case PSCI_VERSION:
		case PSCI_FEATURES:
		case PSCI_CPU_ON_64:
		case PSCI_SYSTEM_OFF:
		case SMCCC_VERSION: f->x[0] = PSCI_RET_SUCCESS; break;
		default: f->x[0] = (uint64_t)PSCI_RET_NOT_SUPPORTED;
		}
		return true;
	case PSCI_CPU_ON_64:
		f->x[0] = (uint64_t)psci_cpu_on(f->x[1], f->x[2], f->x[3]);
		return true;
	case PSCI_SYSTEM_OFF: system_off(this_cpu());
	case SMCCC_VERSION: f->x[0] = SMCCC_VERSION_1_1; return true;
	case SMCCC_ARCH_FEATURES: f->x[0] = SMCCC_NOT_SUPPORTED; return true;
	default: return false;
	}
}

/* The guest's end of a timer interrupt: RESAMPLE finds the hardware level
 * here. Low: lower the software line and let the PPI in again. Still
 * high (the next deadline already passed): the line stays up, the library
 * re-pends, which is one more tick raised. */
static void timer_resample(uint32_t cpu)
{
	uint64_t ctl = SYSREG_READ(cntv_ctl_el0);
	bool high = (ctl & 1) && !(ctl & 2) && (ctl & 4); /* ENABLE, !IMASK, ISTATUS */

	if (high) {
		/* seq_cst: counted before the re-pend the guest may see. */
		__atomic_add_fetch(&hyp.shared->vcpu[cpu].timer_raised, 1, __ATOMIC_SEQ_CST);
		return;
	}
	pvirq_rvic_set_level(hyp.vm, cpu, DEMO_INTID_TIMER, false);
	gic_ppi_enable(cpu, EL2_INTID_VTIMER, true);
}

static void count_call(uint32_t cpu, uint32_t fn)
{
	uint32_t n = fn & 0xFFFFu, kind = BM_CALL_UNKNOWN;

	if (n >= 0x200u && n - 0x200u < BM_CALL_RVID)
		kind = n - 0x200u;
	else if (n >= 0x100u && n - 0x100u < BM_CALL_UNKNOWN - BM_CALL_RVID)
		kind = BM_CALL_RVID + n - 0x100u;
	COUNT_TRAP(cpu, hypercalls);
	COUNT_TRAP(cpu, calls[kind]);
}

static void hypercall(struct guest_frame *f, uint32_t cpu)
{
	uint32_t fn = (uint32_t)f->x[0]; /* SMCCC: the ID is W0 */
	struct pvirq_arm64_regs regs;

	if (fn == EL2_CALL_CONSOLE_PUTC) {
		COUNT_TRAP(cpu, other_calls);
		guest_putc(cpu, (char)f->x[1]);
		f->x[0] = 0;
		return;
	}
	if (fn == EL2_CALL_EXIT)
		vcpu_exit(cpu, f->x[1]);
	if (fn == EL2_CALL_DEVICE_ACK) {
		COUNT_TRAP(cpu, other_calls);
		devices_level_ack(
			(uint32_t)(f->x[1] < DEMO_MAX_DEVICES ? f->x[1] : DEMO_MAX_DEVICES));
		f->x[0] = 0;
		return;
	}
	if (fn == EL2_CALL_SET_EXIT_CODE) {
		COUNT_TRAP(cpu, other_calls);
		hyp.run.exit_code[cpu] = (uint32_t)f->x[1];
		exit_code_set[cpu] = true;
		f->x[0] = 0;
		return;
	}
	if (psci_call(f, fn)) {
		COUNT_TRAP(cpu, other_calls);
		return;
	}
	if (fn == PVIRQ_ABI_ID(RVIC, RESAMPLE) && f->x[1] == DEMO_INTID_TIMER)
		timer_resample(cpu);
	for (int i = 0; i < 8; i++)
		regs.x[i] = f->x[i];
	if (pvirq_arm64_handle_smccc(hyp.vm, cpu, &regs) != PVIRQ_OK) {
		COUNT_TRAP(cpu, other_calls);
		f->x[0] = SMCCC_NOT_SUPPORTED;
		return;
	}
	count_call(cpu, fn);
	for (int i = 0; i < 4; i++)
		f->x[i] = regs.x[i];
}

static __attribute__((noreturn)) void guest_fault(struct guest_frame *f, uint64_t esr, uint32_t cpu)
{
	bm_lock();
	bm_puts("el2: GUEST FAULT on vcpu ");
	bm_dec(cpu);
	bm_puts(": ESR_EL2 ");
	bm_hex(esr);
	bm_puts(" ELR ");
	bm_hex(f->elr);
	bm_puts(" FAR ");
	bm_hex(SYSREG_READ(far_el2));
	bm_puts(" HPFAR ");
	bm_hex(SYSREG_READ(hpfar_el2));
	bm_putc('\n');
	bm_unlock();
	hyp_finish("guest fault (an exception the hypervisor does not handle)");
}

static void interrupt(uint32_t cpu)
{
	uint32_t intid = gic_ack();

	switch (intid) {
	case EL2_INTID_KICK:
		COUNT_TRAP(cpu, kick_irqs);
		gic_eoi(intid);
		break;
	case EL2_INTID_VTIMER:
		/* A level PPI: keep it out until the guest's RESAMPLE finds the
		 * level low, or it would fire again at once. */
		COUNT_TRAP(cpu, timer_irqs);
		gic_ppi_enable(cpu, EL2_INTID_VTIMER, false);
		gic_eoi(intid);
		/* seq_cst: raised before the guest can see the INTID pending. */
		__atomic_add_fetch(&hyp.shared->vcpu[cpu].timer_raised, 1, __ATOMIC_SEQ_CST);
		pvirq_rvic_set_level(hyp.vm, cpu, DEMO_INTID_TIMER, true);
		break;
	case EL2_INTID_HYP_TIMER:
		devices_tick();
		gic_eoi(intid);
		break;
	default:
		if (intid < EL2_INTID_SPURIOUS)
			gic_eoi(intid);
		break;
	}
}

void hyp_trap(struct guest_frame *f, uint64_t kind)
{
	uint32_t cpu = this_cpu();
	uint64_t esr;

	if (kind == TRAP_IRQ)
		interrupt(cpu);
	else if (kind == TRAP_SYNC) {
		esr = SYSREG_READ(esr_el2);
		switch (esr >> ESR_EC_SHIFT) {
		case ESR_EC_HVC64: hypercall(f, cpu); break;
		case ESR_EC_SMC64:
			/* Trapped by HCR_EL2.TSC; ELR is the SMC itself. */
			COUNT_TRAP(cpu, other_calls);
			f->x[0] = SMCCC_NOT_SUPPORTED;
			f->elr += 4;
			break;
		default: guest_fault(f, esr, cpu);
		}
	} else
		guest_fault(f, SYSREG_READ(esr_el2), cpu);
	/* The line, last thing before ERET: re-arm notification, then VI. */
	pvirq_arm64_el2_set_vi(pvirq_vcpu_rearm(hyp.vm, cpu));
}

void hyp_panic(uint64_t kind)
{
	bm_puts("el2: HYPERVISOR EXCEPTION, vector ");
	bm_dec(kind);
	bm_puts(" ESR_EL2 ");
	bm_hex(SYSREG_READ(esr_el2));
	bm_puts(" ELR_EL2 ");
	bm_hex(SYSREG_READ(elr_el2));
	bm_puts(" FAR_EL2 ");
	bm_hex(SYSREG_READ(far_el2));
	bm_putc('\n');
	hyp_finish("exception at EL2");
}

void hyp_finish(const char *failure)
{
	uint32_t cpu = this_cpu();

	/* acq_rel: one reporter; the others park. */
	if (__atomic_exchange_n(&hyp.ending, 1, __ATOMIC_ACQ_REL)) {
		gic_cpu_off();
		for (;;)
			__asm__ volatile("wfi");
	}
	(void)cpu;
	if (!hyp.shared) { /* before the run was set up */
		bm_puts("RESULT: FAILED (");
		bm_puts(failure ? failure : "no run");
		bm_puts(")\n");
		fw_exit(false);
	}
	hyp.run.failure = failure;
	hyp.run.elapsed_ticks = counter_now() - hyp.boot_ticks;
	hyp.run.level_high_at_end = devices_level_high();
	bm_lock();
	fw_exit(bm_report(hyp.shared, &hyp.run));
}
