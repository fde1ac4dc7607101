/* SPDX-License-Identifier: MIT */
/*
 * The workload's interrupt controller on libpvirq, through the guest
 * driver core (include/pvirq/guest/driver.h, src/guest/): probe, per-CPU
 * bring-up, routing, retargets and IPIs are the core's, over the native
 * trap of the port's conduit. What is left here is the workload's own
 * wiring (which INTID is which source) and its interrupt entry path, which
 * covers what the run's options (struct demo_shared pv_options,
 * level_devices) ask of ABI 0.4:
 *  - a shared state page per vCPU (SHARE_STATE before ENABLE), with end
 *    of interrupt in memory (one atomic AND, no trap);
 *  - level-triggered device inputs, ended with RVID_RESAMPLE(input) after
 *    the handler acknowledged the device and before the unmask;
 *  - the timer in a priority class above the devices (SET_PRIORITY).
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

#define PV_CALL(cpu, part, name, a0, a1, a2)                                          \
	pvirq_guest_trap_call(&(cpu)->trap, PVIRQ_ABI_ID(part, name), (uint64_t)(a0), \
			      (uint64_t)(a1), (uint64_t)(a2))

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
		ok = set_source(DEMO_INTID_DEVICE(d), d, 0);
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
	/* The page is shared while the instance is disabled (it is at boot;
	 * DISABLE says so to a hypervisor that reused the vCPU), and stays
	 * shared across cpu_up's RESET. */
	if (shared_state() &&
	    (PV_CALL(&cpus[self], RVIC, DISABLE, 0, 0, 0).status != PVIRQ_ABI_SUCCESS ||
	     PV_CALL(&cpus[self], RVIC, SHARE_STATE, (uintptr_t)state_pages[self], 0, 0).status !=
		     PVIRQ_ABI_SUCCESS))
		return false;
	if (pvirq_guest_cpu_up(&cpus[self]) != 0)
		return false;
	/* After cpu_up, whose RESET may put classes back to 0. */
	return !(SHARED->pv_options & DEMO_PV_TIMER_CLASS) ||
	       PV_CALL(&cpus[self], RVIC, SET_PRIORITY, cpus[self].self, DEMO_INTID_TIMER,
		       DEMO_TIMER_CLASS)
			       .status == PVIRQ_ABI_SUCCESS;
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

static bool level_device_intid(uint32_t intid)
{
	uint32_t d = intid - DEMO_NR_TRUSTED;

	return intid >= DEMO_NR_TRUSTED && d < DEMO_MAX_DEVICES && (SHARED->level_devices >> d & 1);
}

/* An untrusted INTID is unmasked at end of interrupt only while it is
 * still routed here: a retarget that ran during the handler masked it on
 * purpose. Acquire: pairs with the core's release of the route (the pair
 * is not read older than the MAP it follows); either answer is safe. */
static bool routed_here(uint32_t intid, uint64_t self)
{
	const struct pvirq_guest_irq *irq = &intids[intid];

	return __atomic_load_n(&irq->routed, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&irq->target, __ATOMIC_ACQUIRE) == self;
}

/*
 * End of interrupt of @p intid on this vCPU. A level device input is
 * resampled first (its handler has lowered the line at the device; a line
 * still high re-pends the INTID), then unmasked; the level timer is
 * unmasked, then resampled, as the driver core does. With a shared page
 * the unmask is an atomic AND on the page: if the INTID was pending again
 * the host does not know it is deliverable, so the caller acknowledges
 * again in the same entry. Returns whether it must.
 */
static bool end_of_interrupt(struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	bool again = false;

	if (level_device_intid(intid))
		PV_CALL(cpu, RVID, RESAMPLE, intids[intid].input, 0, 0);
	if (intid >= DEMO_NR_TRUSTED && !routed_here(intid, cpu->self))
		return false;
	if (shared_state()) {
		/* seq_cst: the page's words are shared with the host's RMWs,
		 * and the handler's effects come before the unmask. */
		uint64_t old = __atomic_fetch_and(&state_pages[cpu - cpus][intid / 32u],
						  ~PVIRQ_SHARED_MASKED(intid), __ATOMIC_SEQ_CST);

		again = (old & PVIRQ_SHARED_PENDING(intid)) != 0;
	} else
		PV_CALL(cpu, RVIC, CLEAR_MASKED, cpu->self, intid, 0);
	if (intid < DEMO_NR_TRUSTED && (intids[intid].flags & PVIRQ_GUEST_IRQ_LEVEL))
		PV_CALL(cpu, RVIC, RESAMPLE, intid, 0, 0);
	return again;
}

/* The upcall: one INTID per upcall. If more are pending the line stays
 * high and the host raises the upcall again once we return, which costs
 * an exit only when there is more work, where acknowledging until
 * NO_INTERRUPTS would cost a hypercall on every upcall. The exception is
 * an in-memory unmask that found its INTID pending again: only an
 * acknowledge (or CLEAR_MASKED) tells the host, so it is taken here. */
static void pv_interrupt(uint32_t self, uint32_t vector)
{
	struct pvirq_guest_cpu *cpu;

	/* Not ours, or a vCPU that never came up through pv_setup_cpu. */
	if (!platform_is_upcall(vector) || self >= DEMO_MAX_VCPUS || !cpus[self].drv)
		return;
	cpu = &cpus[self];
	for (uint32_t budget = NR_INTIDS; budget > 0; budget--) {
		struct pvirq_guest_ret ack = PV_CALL(cpu, RVIC, ACKNOWLEDGE, 0, 0, 0);
		const struct pvirq_guest_irq *irq;

		if (ack.status != PVIRQ_ABI_SUCCESS || ack.value >= NR_INTIDS) {
			if (budget == NR_INTIDS) /* nothing at all: NO_INTERRUPTS */
				count(&SHARED->vcpu[self].spurious);
			return;
		}
		irq = &intids[ack.value];
		if (!irq->handler)
			continue; /* nobody asked for it: it stays masked */
		irq->handler(irq->ctx, cpu, (uint32_t)ack.value);
		if (!end_of_interrupt(cpu, (uint32_t)ack.value))
			return;
	}
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
