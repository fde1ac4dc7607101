/* SPDX-License-Identifier: MIT */
/*
 * The guest's tiny runtime: CPU instructions, the console, the control
 * block, and the interface between the shared workload and the two
 * interrupt controllers it runs on (libpvirq and the in-kernel x2APIC).
 */
#ifndef DEMO_GUEST_RUNTIME_H
#define DEMO_GUEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvirq/guest.h>

#include "../shared.h"

/* Under a userspace VMM on KVM, libpvirq hypercalls are port I/O. */
#define CONDUIT PVIRQ_GUEST_X86_PORT_IO

#define SHARED ((struct demo_shared *)DEMO_SHARED_GPA)

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: do not let the read drift before earlier loads (we time
	 * from an event another CPU published). */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Enables interrupts and halts in one step: STI's one-instruction shadow
 * means an interrupt pending since the CLI wakes the HLT instead of being
 * taken before it (the classic lost-wake-up of "sti; ... ; hlt"). */
static inline void irq_enable_and_halt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

/* The vCPU's index, from the stack it runs on (the VMM gives vCPU i the
 * i-th stack; interrupts stay on the same stack at CPL 0). */
static inline uint32_t this_cpu(void)
{
	uint64_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return (uint32_t)((sp - DEMO_STACKS_GPA - 1) / DEMO_STACK_SIZE);
}

static inline uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void store64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static inline uint32_t load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void store32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Per-vCPU counters are written only by their own vCPU (its handler runs
 * with interrupts off, its main loop with them on: a plain load plus an
 * atomic store is enough against the handler, and the VMM reads them only
 * after the vCPUs stopped). */
static inline void count(uint64_t *counter)
{
	__atomic_store_n(counter, *counter + 1, __ATOMIC_RELAXED);
}

/* Console (DEMO_PORT_CONSOLE): the VMM prints it line by line per vCPU. */
void console_puts(const char *s);
void console_hex(uint64_t v);
void console_dec(uint64_t v);

/* Ends this vCPU: the VMM stops running it. */
__attribute__((noreturn)) void guest_exit(uint32_t code);

/*
 * One interrupt controller, as the workload sees it. Implemented by
 * ctl_pvirq.c (libpvirq hypercalls + upcall vector) and ctl_lapic.c
 * (KVM's in-kernel x2APIC).
 */
struct irq_controller {
	/* This vCPU's own setup; false on failure. */
	bool (*setup_cpu)(uint32_t self);
	/* Routes device d to vCPU cpu for the first time (vCPU 0, before
	 * the devices start). */
	bool (*route)(uint32_t d, uint32_t cpu);
	/* Moves device d from vCPU from to vCPU to while it may fire. */
	void (*retarget)(uint32_t d, uint32_t from, uint32_t to);
	/* Sends an IPI to vCPU to. */
	void (*send_ipi)(uint32_t to);
	/* The interrupt entry for @p vector (interrupts off). */
	void (*interrupt)(uint32_t self, uint32_t vector);
	/* The controller's cheapest exit round trip, timed by the workload
	 * to show what one exit costs. */
	void (*probe)(void);
};

extern const struct irq_controller ctl_pvirq;
extern const struct irq_controller ctl_lapic;

/* Shared workload (workload.c). */
void workload_run(uint32_t self, const struct irq_controller *ctl) __attribute__((noreturn));
/* Called by a controller once it knows which source fired; @p tsc is when
 * the handler learned it. */
void workload_handle_source(uint32_t self, uint32_t src, uint64_t tsc);

/* Fault-injection mode (faults.c). */
void faults_run(uint32_t self) __attribute__((noreturn));

#endif /* DEMO_GUEST_RUNTIME_H */
