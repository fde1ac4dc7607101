/* SPDX-License-Identifier: MIT */
/*
 * The x86 KVM guest's side of the shared workload (examples/workload/
 * workload.h): CPU instructions, the conduit, where the control block is,
 * and the in-kernel x2APIC baseline controller.
 */
#ifndef DEMO_GUEST_PLATFORM_H
#define DEMO_GUEST_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvirq/guest.h>

#include "../shared.h"

/* Under a userspace VMM on KVM, libpvirq hypercalls are port I/O. */
#define WORKLOAD_CONDUIT PVIRQ_GUEST_X86_PORT_IO

#define WORKLOAD_SHARED ((struct demo_shared *)DEMO_SHARED_GPA)
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

static inline uint32_t inl(uint16_t port)
{
	uint32_t value;

	__asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
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
static inline void irq_enable_and_wait(void)
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

static inline uint64_t platform_now(void)
{
	return rdtsc();
}

struct irq_controller;
extern const struct irq_controller ctl_lapic;
/* libpvirq with the shared-state page (ctl_pvirq_shared.c). */
extern const struct irq_controller ctl_pvirq_shared;
/* The NMI handler of the shared-state controller (VMs with an NMI line). */
void pvirq_shared_nmi(uint32_t self);

#endif /* DEMO_GUEST_PLATFORM_H */
