/* SPDX-License-Identifier: MIT */
/*
 * Guest entry: IDT, console, exit, the shared workload's port hooks, and
 * the dispatch to the mode the VMM chose in the control block.
 */
#include <pvirq/guest/driver.h>
#include <pvirq/guest/x86_discover.h>

#include "workload.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint32_t idt_built;
static const struct irq_controller *controller;

extern char isr_stubs[];

void console_putc(char c)
{
	outb(DEMO_PORT_CONSOLE, (uint8_t)c);
}

void guest_exit(uint32_t code)
{
	for (;;) {
		outl(DEMO_PORT_EXIT, code);
		/* The VMM never resumes an exited vCPU; if it did, stay put. */
		irq_disable();
		__asm__ volatile("hlt");
	}
}

/* The device thread waits on an ioeventfd on this port. */
void platform_device_done(uint32_t d)
{
	outl(DEMO_PORT_DEVICE_DONE, d);
}

/* "Reprogram the timer": the VMM lowers the level line and raises the
 * next edge itself. */
void platform_timer_handled(uint32_t self)
{
	(void)self;
	outl(DEMO_PORT_TIMER_ACK, 0);
}

/* The VMM drives the timer; nothing to arm. */
void platform_timer_start(uint32_t self)
{
	(void)self;
}

/* The VMM stops raising timer edges once it set stop. */
void platform_timer_stop(uint32_t self)
{
	(void)self;
}

/* The upcall vector comes from INFO; the control block's copy only lets
 * the interrupt path compare without a hypercall. */
/* CPUID before any hypercall: the VMM's block (pvirq/x86_cpuid.h) must
 * name the conduit this guest was built for and the vector the control
 * block promises, and INFO must agree with it. */
bool platform_pvirq_setup(uint32_t self)
{
	struct pvirq_guest_x86_platform found;
	struct pvirq_guest_ret vector;

	(void)self;
	if (pvirq_guest_x86_discover(pvirq_guest_cpuid_native, NULL, &found) !=
		    PVIRQ_GUEST_X86_FOUND ||
	    found.conduit != CONDUIT || found.info.version >> 16 != 0 ||
	    (found.info.version & 0xFFFFu) < PVIRQ_GUEST_MIN_MINOR ||
	    found.info.upcall_vector != SHARED->upcall_vector)
		return false;
	vector = pvirq_guest_rvic_info(CONDUIT, PVIRQ_ABI_INFO_UPCALL_VECTOR);
	return vector.status == PVIRQ_ABI_SUCCESS && vector.value == SHARED->upcall_vector;
}

bool platform_is_upcall(uint32_t vector)
{
	return vector == SHARED->upcall_vector;
}

/* guest.h takes 32-bit IDs; this sets RAX bits 63:32 too. A decoder that
 * truncated RAX would run SIGNAL here. */
static int64_t call_wide_id(uint64_t rax, uint64_t a0, uint64_t a1)
{
	uint64_t rbx = a0;

	__asm__ volatile("outl %%eax, %%dx"
			 : "+a"(rax), "+b"(rbx)
			 : "c"(a1), "S"(0ull), "d"((uint16_t)PVIRQ_X86_IO_PORT)
			 : "memory");
	return (int64_t)rax;
}

uint32_t platform_fault_checks(uint32_t self, uint32_t *nr_checks)
{
	uint32_t failed = 0;

	failed += fault_check("INFO UPCALL_VECTOR",
			      pvirq_guest_rvic_info(CONDUIT, PVIRQ_ABI_INFO_UPCALL_VECTOR).status,
			      PVIRQ_ABI_STATUS(PVIRQ_ABI_SUCCESS, 0));
	failed += fault_check(
		"SIGNAL with RAX bits 63:32 set (not ours)",
		call_wide_id((1ull << 32) | PVIRQ_ABI_ID(RVIC, SIGNAL), self, DEMO_INTID_IPI),
		PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	failed += fault_check(
		"...and it did not signal",
		(int64_t)pvirq_guest_rvic_is_pending(CONDUIT, self, DEMO_INTID_IPI).value, 0);
	*nr_checks = 3;
	return failed;
}

static void build_idt(void)
{
	for (uint32_t v = 0; v < 256; v++) {
		uint64_t handler = (uint64_t)(uintptr_t)(isr_stubs + 16 * v);

		idt[v].offset_low = (uint16_t)handler;
		idt[v].selector = DEMO_SEL_CODE;
		idt[v].ist = 0;
		idt[v].type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
		idt[v].offset_mid = (uint16_t)(handler >> 16);
		idt[v].offset_high = (uint32_t)(handler >> 32);
		idt[v].reserved = 0;
	}
}

static void load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	__asm__ volatile("lidt %0" ::"m"(idtr) : "memory");
}

/* Called from isr_common with interrupts off. */
void guest_interrupt(uint64_t vector, uint64_t error, uint64_t rip);
void guest_interrupt(uint64_t vector, uint64_t error, uint64_t rip)
{
	/* An NMI the VMM injected for libpvirq's NMI class. */
	if (vector == 2 && ((struct demo_kvm_ctl *)DEMO_KVM_CTL_GPA)->nmi_on) {
		pvirq_shared_nmi(this_cpu());
		return;
	}
	if (vector < 32) {
		console_puts("exception ");
		console_dec(vector);
		console_puts(" error ");
		console_hex(error);
		console_puts(" rip ");
		console_hex(rip);
		console_puts("\n");
		guest_exit(DEMO_EXIT_EXCEPTION + (uint32_t)vector);
	}
	if (controller)
		controller->interrupt(this_cpu(), (uint32_t)vector);
}

void guest_main(uint32_t self);
void guest_main(uint32_t self)
{
	if (SHARED->magic != DEMO_MAGIC)
		guest_exit(DEMO_EXIT_BAD_MODE);
	/* vCPU 0 builds the IDT and picks the controller once; the others
	 * wait for it (the seq_cst store publishes both). */
	if (self == 0) {
		build_idt();
		if (SHARED->mode == DEMO_MODE_LAPIC)
			controller = &ctl_lapic;
		else if (((struct demo_kvm_ctl *)DEMO_KVM_CTL_GPA)->pvirq_shared)
			controller = &ctl_pvirq_shared;
		else
			controller = &ctl_pvirq;
		store32(&idt_built, 1);
	}
	while (!load32(&idt_built))
		cpu_relax();
	load_idt();

	switch (SHARED->mode) {
	case DEMO_MODE_PVIRQ:
	case DEMO_MODE_LAPIC: workload_run(self, controller);
	case DEMO_MODE_FAULTS: faults_run(self);
	default: guest_exit(DEMO_EXIT_BAD_MODE);
	}
}
