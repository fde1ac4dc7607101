/* SPDX-License-Identifier: MIT */
/*
 * The VS guest: boots its vCPUs through SBI HSM like an OS, takes
 * libpvirq's line as its supervisor external interrupt, and runs the
 * shared workload (examples/workload/) or its fault mode. Everything the
 * workload needs from a port is here: console, exit, doorbells, timer.
 */
#include "workload.h"

#include "sbi_call.h"

uint32_t sbi_ipis_taken;
static uint32_t nr_vcpus;
static const struct irq_controller *controller;

/* One console line per vCPU, sent whole with one DBCN write. */
static char console_line[HS_MAX_HARTS][120];
static uint32_t console_len[HS_MAX_HARTS];

static inline uint32_t this_cpu(void)
{
	uint64_t sp;

	/* vCPU i runs on the i-th stack, traps included. */
	__asm__ volatile("mv %0, sp" : "=r"(sp));
	return (uint32_t)((sp - HS_GUEST_STACKS_GPA - 1) / HS_GUEST_STACK_SIZE);
}

static uint64_t demo_call(uint64_t fid, uint64_t arg)
{
	return sbi_ecall(HS_SBI_EID_DEMO, fid, arg, 0, 0).value;
}

void console_putc(char c)
{
	uint32_t self = this_cpu(), n = console_len[self];

	if (c != '\n' && n < sizeof(console_line[0]) - 1) {
		console_line[self][n] = c;
		console_len[self] = n + 1;
		return;
	}
	if (c != '\n')
		return;
	console_line[self][n] = '\n';
	sbi_ecall(SBI_EID_DBCN, 0, n + 1, (uint64_t)(uintptr_t)console_line[self], 0);
	console_len[self] = 0;
}

void guest_exit(uint32_t code)
{
	for (;;)
		demo_call(HS_SBI_DEMO_EXIT, code); /* never returns */
}

void platform_device_done(uint32_t d)
{
	demo_call(HS_SBI_DEMO_DEVICE_DONE, d);
}

/* Each vCPU's programmed deadline: the timer handler's lateness is
 * measured against it (platform_timer_due()). */
static uint64_t timer_deadline[HS_MAX_HARTS];

static void set_timer(uint64_t deadline)
{
	timer_deadline[this_cpu()] = deadline;
	sbi_ecall(SBI_EID_TIME, 0, deadline, 0, 0);
}

uint64_t platform_timer_due(uint32_t self)
{
	uint64_t due = timer_deadline[self % HS_MAX_HARTS];

	return due == UINT64_MAX ? 0 : due;
}

void platform_timer_handled(uint32_t self)
{
	(void)self;
	/* A new deadline drops the level line; the hypervisor raises it
	 * again when the period has passed. */
	set_timer(platform_now() + SHARED->timer_period_tsc);
}

void platform_timer_start(uint32_t self)
{
	(void)self;
	if (SHARED->timer_period_tsc)
		set_timer(platform_now() + SHARED->timer_period_tsc);
}

void platform_timer_stop(uint32_t self)
{
	(void)self;
	set_timer(UINT64_MAX);
}

bool platform_pvirq_setup(uint32_t self)
{
	(void)self;
	return true; /* sie.SEIE is set at boot, in every mode */
}

bool platform_is_upcall(uint32_t vector)
{
	return vector == IRQ_S_EXT;
}

/* Called from entry.S with the trap's scause, sepc and stval. */
void guest_trap(uint64_t scause, uint64_t sepc, uint64_t stval);
void guest_trap(uint64_t scause, uint64_t sepc, uint64_t stval)
{
	uint32_t cause = (uint32_t)(scause & 0xFF);

	if (!(scause >> 63)) {
		console_puts("exception ");
		console_dec(cause);
		console_puts(" pc ");
		console_hex(sepc);
		console_puts(" tval ");
		console_hex(stval);
		console_puts("\n");
		guest_exit(DEMO_EXIT_EXCEPTION + cause);
	}
	if (cause == IRQ_S_SOFT) {
		/* An SBI IPI: clear it (sip.SSIP is hvip.VSSIP to us). */
		__asm__ volatile("csrc sip, %0" ::"r"(1ull << IRQ_S_SOFT) : "memory");
		/* relaxed: a counter the fault checks poll, nothing more. */
		__atomic_add_fetch(&sbi_ipis_taken, 1, __ATOMIC_RELAXED);
		return;
	}
	if (controller)
		controller->interrupt(this_cpu(), cause);
}

void guest_main(uint64_t hartid);
void guest_main(uint64_t hartid)
{
	uint32_t self = (uint32_t)hartid;

	if (self == 0) {
		extern char __bss_start[], __bss_end[];

		for (char *p = __bss_start; p < __bss_end; p++)
			*p = 0;
		nr_vcpus = (uint32_t)demo_call(HS_SBI_DEMO_CONFIG, HS_CONFIG_NR_VCPUS);
		controller = &ctl_pvirq;
		if (SHARED->magic != DEMO_MAGIC || nr_vcpus != SHARED->nr_vcpus)
			guest_exit(DEMO_EXIT_BAD_MODE);
		/* Start the other vCPUs as an OS starts its harts. */
		for (uint32_t i = 1; i < nr_vcpus; i++)
			if (sbi_ecall(SBI_EID_HSM, 0, i, HS_GUEST_GPA_BASE, 0).error)
				guest_exit(DEMO_EXIT_SETUP);
	}
	/* libpvirq's line is hvip.VSEIP: our sie.SEIE lets it in; SSIE lets
	 * SBI IPIs in (the fault mode sends one to itself). */
	__asm__ volatile("csrs sie, %0" ::"r"(1ull << IRQ_S_EXT | 1ull << IRQ_S_SOFT) : "memory");
	switch (SHARED->mode) {
	case DEMO_MODE_PVIRQ: workload_run(self, controller);
	case DEMO_MODE_FAULTS: faults_run(self);
	default: guest_exit(DEMO_EXIT_BAD_MODE);
	}
}
