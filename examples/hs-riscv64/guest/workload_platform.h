/* SPDX-License-Identifier: MIT */
/*
 * The shared workload's port to a VS-mode guest of the HS hypervisor
 * (examples/workload/workload.h lists what a port provides). Hypercalls
 * are SBI ecalls; libpvirq's line arrives as the supervisor external
 * interrupt (the hypervisor's hvip.VSEIP).
 */
#ifndef HS_WORKLOAD_PLATFORM_H
#define HS_WORKLOAD_PLATFORM_H

#include <stdint.h>

#include "../layout.h"

#define WORKLOAD_CONDUIT PVIRQ_GUEST_RISCV_ECALL
#define WORKLOAD_SHARED ((struct demo_shared *)HS_GUEST_SHARED_GPA)

#define SSTATUS_SIE (1ull << 1)
#define IRQ_S_SOFT 1u
#define IRQ_S_EXT 9u

/* Set once at boot from the hypervisor's CONFIG call. */
extern uint32_t guest_icount;

static inline uint64_t platform_now(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t)::"memory");
	return t;
}

/* Under -icount QEMU runs the harts in turn: a spinning hart would hold
 * the others until its time slice ends, so it waits for an interrupt
 * instead (the hypervisor's 200 us tick always comes). Otherwise the
 * Zihintpause hint (a no-op where it is not implemented). */
static inline void cpu_relax(void)
{
	if (guest_icount)
		__asm__ volatile("wfi" ::: "memory");
	else
		__asm__ volatile(".word 0x0100000f" ::: "memory"); /* pause */
}

static inline void irq_disable(void)
{
	__asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

/* wfi wakes on an interrupt pending and enabled in sie even while
 * sstatus.SIE is clear, so one that arrived since irq_disable() is not
 * lost; setting SIE then takes it. */
static inline void irq_enable_and_wait(void)
{
	__asm__ volatile("wfi\n\tcsrs sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

#endif /* HS_WORKLOAD_PLATFORM_H */
