/* SPDX-License-Identifier: MIT */
/*
 * The workload's interrupt controller on libpvirq, through the guest
 * driver core (include/pvirq/guest/driver.h, src/guest/): probe, per-CPU
 * bring-up, the entry path with its end of interrupt, routing, retargets
 * and IPIs are the core's, over the native trap of the port's conduit.
 * What is left here is the workload's own wiring: which INTID is which
 * source, and what the run's options (struct demo_shared pv_options,
 * level_devices) ask of ABI 0.4, which the core then does:
 *  - a shared state page per vCPU (SHARE_STATE before ENABLE), with end
 *    of interrupt in memory, and acknowledge too where the architecture's
 *    upcall is a one-shot event (PVIRQ_GUEST_SHARED_ARCH_DEFAULT);
 *  - level-triggered device inputs (PVIRQ_GUEST_IRQ_LEVEL), ended with
 *    RVID_RESAMPLE(input) after the handler acknowledged the device and
 *    before the unmask;
 *  - the timer in a priority class above the devices.
 * The host raises this vCPU's upcall (x86: one vector; arm64: the virtual
 * IRQ; riscv64: VSEIP) whenever its rVIC line is high.
 *
 * A port compiles the core's sources, ${PVIRQ_GUEST_SOURCES} of
 * src/sources.cmake, into its guest image next to this file.
 */
#include <pvirq/guest/driver.h>
#include <pvirq/shared_state.h>

#include "workload.h"

#define NR_INTIDS (DEMO_NR_TRUSTED + DEMO_NR_UNTRUSTED)

static struct pvirq_guest_driver driver;
static struct pvirq_guest_irq intids[NR_INTIDS];
static struct pvirq_guest_cpu cpus[DEMO_MAX_VCPUS];
/* Routing and IPIs use only a trap, which is the same native instruction
 * on every vCPU: one object for them, touched by no counter. */
static struct pvirq_guest_cpu routing;
/* vCPU 0's probe: 0 until done, then 1 (ok) or 2 (failed). */
static uint32_t probed;
/* Each vCPU's shared state page (DEMO_PV_SHARED_STATE): guest RAM the
 * host reads and writes with the same atomics; guest-physical == virtual
 * in every port's guest. */
static uint64_t state_pages[DEMO_MAX_VCPUS][PVIRQ_SHARED_STATE_SIZE / sizeof(uint64_t)]
	__attribute__((aligned(PVIRQ_SHARED_STATE_SIZE)));

static bool shared_state(void)
{
	return SHARED->pv_options & DEMO_PV_SHARED_STATE;
}

static void on_source(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)intid;
	workload_handle_source((uint32_t)(cpu - cpus), (uint32_t)(uintptr_t)ctx, platform_now());
}

static bool set_source(uint32_t intid, uint32_t src, uint32_t flags)
{
	return pvirq_guest_set_handler(&driver, intid, on_source, (void *)(uintptr_t)src, flags) ==
	       0;
}

static bool probe_and_wire(void)
{
	struct pvirq_guest_trap trap;
	bool ok;

	pvirq_guest_trap_native_init(&trap, CONDUIT);
	if (pvirq_guest_probe(&driver, &trap, intids, NR_INTIDS, 0) != PVIRQ_GUEST_PROBE_OK)
		return false;
	pvirq_guest_cpu_init(&routing, &driver, &trap, 0);
	ok = set_source(DEMO_INTID_IPI, DEMO_SRC_IPI, PVIRQ_GUEST_IRQ_PERCPU) &&
	     set_source(DEMO_INTID_TIMER, DEMO_SRC_TIMER,
			PVIRQ_GUEST_IRQ_PERCPU | PVIRQ_GUEST_IRQ_LEVEL) &&
	     /* The stop-phase wake-up: workload_handle_source's "no source". */
	     set_source(DEMO_INTID_WAKE, DEMO_NR_SOURCES, PVIRQ_GUEST_IRQ_PERCPU);
	for (uint32_t d = 0; ok && d < DEMO_MAX_DEVICES; d++)
		ok = set_source(DEMO_INTID_DEVICE(d), d,
				SHARED->level_devices >> d & 1 ? PVIRQ_GUEST_IRQ_LEVEL : 0);
	/* Applied by every cpu_up (the timer is a per-CPU INTID). */
	if (ok && (SHARED->pv_options & DEMO_PV_TIMER_CLASS))
		ok = pvirq_guest_set_class(&driver, DEMO_INTID_TIMER, DEMO_TIMER_CLASS) == 0;
	return ok;
}

static bool pv_setup_cpu(uint32_t self)
{
	struct pvirq_guest_trap trap;

	/* The port's checks first (x86: CPUID discovery), so that no vCPU
	 * traps before it knows the hypervisor answers. */
	if (self >= DEMO_MAX_VCPUS || !platform_pvirq_setup(self))
		return false;
	if (self == 0)
		store32(&probed, probe_and_wire() ? 1 : 2);
	while (!load32(&probed))
		cpu_relax();
	if (load32(&probed) != 1)
		return false;
	pvirq_guest_trap_native_init(&trap, CONDUIT);
	pvirq_guest_cpu_init(&cpus[self], &driver, &trap, self);
	if (shared_state() &&
	    pvirq_guest_cpu_set_shared(&cpus[self], state_pages[self], (uintptr_t)state_pages[self],
				       PVIRQ_GUEST_SHARED_ARCH_DEFAULT) != 0)
		return false;
	if (pvirq_guest_cpu_up(&cpus[self]) != 0)
		return false;
	/* The core falls back to trapping if the hypervisor refused the
	 * page; this run asked for it, so that is a failed setup. */
	return !shared_state() || (cpus[self].page_shared && cpus[self].share_status == 0);
}

static bool pv_route(uint32_t d, uint32_t cpu)
{
	return pvirq_guest_route(&routing, DEMO_INTID_DEVICE(d), d, cpu) == 0;
}

/* Under the workload's per-device lock, which is the routing lock the
 * core asks for. The old vCPU's INTID stays masked until the input comes
 * back to it. */
static void pv_retarget(uint32_t d, uint32_t from, uint32_t to)
{
	(void)from; /* the core knows the current target */
	pvirq_guest_retarget(&routing, DEMO_INTID_DEVICE(d), to);
}

static void pv_send_ipi(uint32_t to)
{
	pvirq_guest_send_ipi(&routing, to, DEMO_INTID_IPI);
}

/* The upcall: one INTID per upcall (max_handled = 1). If more are pending
 * the line stays high and the host raises the upcall again once we
 * return, which costs an exit only when there is more work, where
 * acknowledging until NO_INTERRUPTS would cost a hypercall on every
 * upcall. (With a shared page the core still takes an INTID that its
 * in-memory unmask found pending again, or tells the host with one call:
 * the re-evaluate rule.) */
static void pv_interrupt(uint32_t self, uint32_t vector)
{
	/* Not ours, or a vCPU that never came up through pv_setup_cpu. */
	if (!platform_is_upcall(vector) || self >= DEMO_MAX_VCPUS || !cpus[self].drv)
		return;
	if (pvirq_guest_handle_irq(&cpus[self], 1) == 0)
		count(&SHARED->vcpu[self].spurious); /* NO_INTERRUPTS */
}

static void pv_probe(void)
{
	pvirq_guest_trap_call(&routing.trap, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
}

const struct irq_controller ctl_pvirq = {
	.setup_cpu = pv_setup_cpu,
	.route = pv_route,
	.retarget = pv_retarget,
	.send_ipi = pv_send_ipi,
	.interrupt = pv_interrupt,
	.probe = pv_probe,
};
