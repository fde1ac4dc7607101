/* SPDX-License-Identifier: MIT */
/*
 * The arm64 EL1 guest's side of the shared workload (examples/workload/
 * workload.h): hypercalls are HVC (SMCCC), the control block is at
 * EL2_SHARED_IPA, the timestamp counter is CNTVCT_EL0, and the upcall is
 * the virtual IRQ the hypervisor drives through HCR_EL2.VI.
 */
#ifndef EL2_GUEST_PLATFORM_H
#define EL2_GUEST_PLATFORM_H

#include <stdint.h>

#include "../el2_shared.h"

#define WORKLOAD_CONDUIT PVIRQ_GUEST_ARM64_HVC
#define WORKLOAD_SHARED ((struct demo_shared *)(uintptr_t)EL2_SHARED_IPA)

/* The one upcall "vector" of this guest: the IRQ exception. */
#define EL2_GUEST_UPCALL 0u

static inline uint64_t platform_now(void)
{
	uint64_t v;

	/* isb: do not read the counter before earlier instructions (we time
	 * from an event another CPU published). */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

/* YIELD: a hint on hardware; under QEMU's deterministic (-icount,
 * round-robin) mode it hands the host thread to the next vCPU, so a spin
 * loop cannot starve the CPU it waits for. */
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}

/* WFI wakes on a pending (virtual) IRQ even while PSTATE.I masks it, so an
 * interrupt that arrived after irq_disable() ends the wait; unmasking
 * then takes it. */
static inline void irq_enable_and_wait(void)
{
	__asm__ volatile("wfi\n\tmsr daifclr, #2" ::: "memory");
}

#endif /* EL2_GUEST_PLATFORM_H */
