/* SPDX-License-Identifier: MIT */
/*
 * Guest entry: IDT, console, exit, and the dispatch to the mode the VMM
 * chose in the control block.
 */
#include "runtime.h"

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

/* The compiler may turn loops or struct copies into these even when
 * freestanding. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void console_puts(const char *s)
{
	while (*s)
		outb(DEMO_PORT_CONSOLE, (uint8_t)*s++);
}

void console_hex(uint64_t v)
{
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF];
	buf[18] = 0;
	console_puts(buf);
}

void console_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	console_puts(&buf[i]);
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
		controller = SHARED->mode == DEMO_MODE_LAPIC ? &ctl_lapic : &ctl_pvirq;
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
