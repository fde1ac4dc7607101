/* SPDX-License-Identifier: MIT */
/*
 * The guest workload every demo runs, written once in freestanding C (no
 * libc): device interrupts, IPIs and a level-triggered timer, retargets
 * while devices fire, exact accounting, and a fault mode. This header is
 * what a port (an architecture + a host) plugs into.
 *
 * A port provides, on the compiler's include path, "workload_platform.h"
 * with these definitions (static inline or macros: they sit on hot paths):
 *   WORKLOAD_CONDUIT           enum pvirq_guest_conduit of its hypercalls
 *   WORKLOAD_SHARED            the struct demo_shared * the host shares
 *   uint64_t platform_now()    the timestamp counter (SHARED->tsc_khz)
 *   void cpu_relax()           spin-loop hint; under a deterministic
 *                              (-icount) run it must yield the CPU
 *   void irq_disable(), irq_enable()
 *   void irq_enable_and_wait() waits for an interrupt without losing one
 *                              that became pending since irq_disable(),
 *                              then takes it (x86 STI;HLT, arm64 WFI;
 *                              unmask)
 * and implements the hooks declared below under "Port hooks".
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvirq/guest.h>

#include "workload_platform.h"
#include "workload_shared.h"

#define SHARED WORKLOAD_SHARED
#define CONDUIT WORKLOAD_CONDUIT

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
 * atomic store is enough against the handler, and the host reads them only
 * after the vCPUs stopped). */
static inline void count(uint64_t *counter)
{
	__atomic_store_n(counter, *counter + 1, __ATOMIC_RELAXED);
}

/* Console (console.c), on top of the port's console_putc(). */
void console_puts(const char *s);
void console_hex(uint64_t v);
void console_dec(uint64_t v);

/*
 * One interrupt controller, as the workload sees it. ctl_pvirq (this
 * directory) is libpvirq through guest.h; a port may add a baseline (the
 * KVM demo's in-kernel x2APIC, ctl_lapic).
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
	/* The interrupt entry for @p vector (interrupts off); vector is the
	 * port's number for the exception (x86 IDT vector). */
	void (*interrupt)(uint32_t self, uint32_t vector);
	/* The controller's cheapest exit round trip, timed by the workload
	 * to show what one exit costs. */
	void (*probe)(void);
};

extern const struct irq_controller ctl_pvirq;

/* Shared workload (workload.c). */
void workload_run(uint32_t self, const struct irq_controller *ctl) __attribute__((noreturn));
/* Called by a controller once it knows which source fired; @p tsc is when
 * the handler learned it. */
void workload_handle_source(uint32_t self, uint32_t src, uint64_t tsc);

/* Fault-injection mode (faults.c). */
void faults_run(uint32_t self) __attribute__((noreturn));
/* One fault check: prints what failed; returns 1 if @p got != @p want. */
uint32_t fault_check(const char *what, int64_t got, int64_t want);
/* ABI 0.4 checks for a VM without an NMI line whose hypervisor offers the
 * shared page (a port calls it from platform_fault_checks(), on vCPU 0
 * with its instance enabled): the features, the NMI class refused with
 * ERROR_PARAMETER index 2, SHARE_STATE's checks (@p outside_ram: a
 * page-aligned guest-physical address that is not guest RAM; the instance
 * is disabled for them and enabled again), a page that really holds the
 * words, RVID_RESAMPLE's. Returns how many failed. */
#define ABI04_FAULT_CHECKS 15u
uint32_t abi04_fault_checks(uint64_t outside_ram);

/* ---- Port hooks: each port implements these. ---- */

/* One character of this vCPU's console. */
void console_putc(char c);
/* Ends this vCPU with @p code (DEMO_EXIT_*); the host stops running it. */
__attribute__((noreturn)) void guest_exit(uint32_t code);
/* Device @p d's interrupt was handled (done was just published): a host
 * whose device waits for it may be told here (x86: an ioeventfd port). */
void platform_device_done(uint32_t d);
/* The timer interrupt was handled: make its level line drop and arm the
 * next tick if the host wants one (x86: a port write the VMM answers;
 * arm64: the guest reprograms its own EL1 virtual timer). */
void platform_timer_handled(uint32_t self);
/* The deadline (timestamp counter) of the timer interrupt being handled,
 * read before platform_timer_handled() re-arms it, or 0 if the port does
 * not know it (then no lateness is recorded). Optional: workload.c has a
 * weak default that returns 0. */
uint64_t platform_timer_due(uint32_t self);
/* The devices may start: arm this vCPU's first timer tick if the guest
 * programs its timer itself. */
void platform_timer_start(uint32_t self);
/* Stop phase: no more timer ticks after this returns (a guest-programmed
 * timer is switched off here, so that the timer_raised == handled check
 * of the drain cannot be overtaken by a late tick). */
void platform_timer_stop(uint32_t self);
/* Port-specific checks in ctl_pvirq's setup (x86: INFO says the upcall
 * vector the host uses); false fails the setup. */
bool platform_pvirq_setup(uint32_t self);
/* Whether @p vector is libpvirq's upcall (the line of this vCPU). */
bool platform_is_upcall(uint32_t vector);
/* The fault mode's conduit-specific checks (wide function IDs and the
 * like); returns how many failed and sets *nr_checks to how many ran. */
uint32_t platform_fault_checks(uint32_t self, uint32_t *nr_checks);

#endif /* WORKLOAD_H */
