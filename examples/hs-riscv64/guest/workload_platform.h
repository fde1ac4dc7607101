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

static inline uint64_t platform_now(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t)::"memory");
	return t;
}

/* Spin loops wait for an interrupt: wfi in VS-mode stops the hart until
 * one is pending, and the hypervisor's 200 us tick always comes. Under
 * -icount QEMU runs the harts in turn, and a hart that spun would hold the
 * others until its time slice ended; without -icount each hart is a host
 * thread, and with more harts than host cores a spinning one takes the
 * core a peer needs (4 harts on 2 cores: setup 544 ms spinning, 186 ms
 * waiting). */
static inline void cpu_relax(void)
{
	__asm__ volatile("wfi" ::: "memory");
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
