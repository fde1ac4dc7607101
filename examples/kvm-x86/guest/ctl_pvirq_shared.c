/* SPDX-License-Identifier: MIT */
/*
 * libpvirq with a shared-state page per vCPU (ABI 0.4, #16): the upcall
 * acknowledges and ends interrupts in guest memory (shared_ack.h), so a
 * device edge to an unmasked INTID costs no hypercall. Bring-up, the page's
 * registration (pvirq_guest_cpu_set_shared(): SHARE_STATE before ENABLE),
 * the priority classes, routes, retargets and IPIs are the guest driver
 * core's (include/pvirq/guest/driver.h); the upcall loop is this file's,
 * so that it can count what #16 and #18 are judged by (in-memory
 * acknowledgements, re-evaluations, priority inversions measured without
 * a race).
 *
 * The upcall comes either as an MSI through KVM's in-kernel LAPIC (the
 * VMM's notify callback sends it), ended with PV-EOI, or, without a local
 * APIC, injected by the VMM with KVM_INTERRUPT (nothing to end).
 */
#include <pvirq/guest/driver.h>

#include "lapic.h"
#include "shared_ack.h"

#define NR_INTIDS (DEMO_NR_TRUSTED + DEMO_NR_UNTRUSTED)

static uint64_t pages[DEMO_MAX_VCPUS][PVIRQ_SHARED_STATE_SIZE / sizeof(uint64_t)]
	__attribute__((aligned(PVIRQ_SHARED_STATE_SIZE)));
static struct shared_ack_cpu acks[DEMO_MAX_VCPUS];

static struct pvirq_guest_driver driver;
static struct pvirq_guest_irq intids[NR_INTIDS];
static struct pvirq_guest_cpu cpus[DEMO_MAX_VCPUS];
/* Routes and IPIs: a trap only, the same instruction on every vCPU. */
static struct pvirq_guest_cpu routing;
/* vCPU 0's probe: 0 until done, then 1 (ok) or 2 (failed). */
static uint32_t probed;

static bool ok(struct pvirq_guest_ret r)
{
	return r.status == PVIRQ_ABI_SUCCESS;
}

/* The core calls handlers only from its own entry paths, which this
 * controller does not use; registering them tells cpu_up what to unmask
 * (PERCPU) and route/retarget what an INTID is (LEVEL). */
static void unused_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)ctx, (void)cpu, (void)intid;
}

static bool wire(uint32_t intid, uint32_t flags)
{
	return pvirq_guest_set_handler(&driver, intid, unused_handler, NULL, flags) == 0;
}

static bool probe_and_wire(void)
{
	struct pvirq_guest_trap trap;
	bool good;

	pvirq_guest_trap_native_init(&trap, CONDUIT);
	if (pvirq_guest_probe(&driver, &trap, intids, NR_INTIDS, PVIRQ_ABI_FEATURE_SHARED_STATE) !=
		    PVIRQ_GUEST_PROBE_OK ||
	    driver.nr_irqs != NR_INTIDS || NR_INTIDS / 32 > SHARED_ACK_MAX_WORDS)
		return false;
	pvirq_guest_cpu_init(&routing, &driver, &trap, 0);
	good = wire(DEMO_INTID_IPI, PVIRQ_GUEST_IRQ_PERCPU) &&
	       wire(DEMO_INTID_TIMER, PVIRQ_GUEST_IRQ_PERCPU) && /* an edge here */
	       wire(DEMO_INTID_WAKE, PVIRQ_GUEST_IRQ_PERCPU);
	/* #18: the NMI source in the NMI class, the timer above the devices. */
	if (good && KVM_CTL->nmi_on)
		good = wire(DEMO_INTID_NMI, PVIRQ_GUEST_IRQ_PERCPU) &&
		       pvirq_guest_set_class(&driver, DEMO_INTID_NMI, PVIRQ_PRIORITY_NMI) == 0;
	if (good && KVM_CTL->timer_class)
		good = pvirq_guest_set_class(&driver, DEMO_INTID_TIMER, KVM_CTL->timer_class) == 0;
	for (uint32_t d = 0; good && d < DEMO_MAX_DEVICES; d++)
		good = wire(DEMO_INTID_DEVICE(d),
			    KVM_CTL->level_device == d + 1 ? PVIRQ_GUEST_IRQ_LEVEL : 0);
	return good;
}

/* The port's checks (CPUID, INFO) first, then vCPU 0 probes; every vCPU
 * gives the core its page and comes up: the core shares the page before
 * ENABLE and applies the classes. */
static bool sh_setup_cpu(uint32_t self)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu *cpu = &cpus[self];

	if (self >= DEMO_MAX_VCPUS || !platform_pvirq_setup(self))
		return false;
	if (KVM_CTL->lapic_eoi != DEMO_EOI_NONE)
		lapic_setup(self);
	if (self == 0)
		store32(&probed, probe_and_wire() ? 1 : 2);
	while (!load32(&probed))
		cpu_relax();
	if (load32(&probed) != 1)
		return false;
	pvirq_guest_trap_native_init(&trap, CONDUIT);
	pvirq_guest_cpu_init(cpu, &driver, &trap, self);
	/* Before ENABLE, so an upcall never finds the loop without its page. */
	acks[self] = (struct shared_ack_cpu){
		.page = pages[self],
		.nr_words = NR_INTIDS / 32,
		.top_class = (driver.features & PVIRQ_ABI_FEATURE_NMI) ? 2u : 3u,
	};
	return pvirq_guest_cpu_set_shared(cpu, pages[self], (uint64_t)(uintptr_t)pages[self],
					  PVIRQ_GUEST_SHARED_ARCH_DEFAULT) == 0 &&
	       pvirq_guest_cpu_up(cpu) == 0 && cpu->page_shared;
}

/* The level-triggered device: take one item at the device (the VMM drops
 * the line once none is left), then RVID_RESAMPLE, which pends the INTID
 * again (still masked here) while the line is high; end of interrupt
 * then finds it pending and the upcall loop takes the next item. */
static void handle_level_device(uint32_t self, uint32_t d)
{
	struct demo_device_slot *dev = &SHARED->dev[d];

	if (inl(DEMO_PORT_LEVEL_TAKE)) {
		count(&SHARED->vcpu[self].handled[d]);
		/* Any vCPU may take an item (a retarget may leave the INTID
		 * pending on two): an atomic add. */
		__atomic_add_fetch(&dev->done, 1, __ATOMIC_SEQ_CST);
		platform_device_done(d);
	} else {
		count(&SHARED->vcpu[self].duplicates); /* nothing queued: spurious */
	}
	/* RVID_RESAMPLE names the input (device d is input d). */
	pvirq_guest_call_native(CONDUIT, PVIRQ_ABI_ID(RVID, RESAMPLE), d, 0, 0);
}

static void handle_device(uint32_t self, uint32_t intid)
{
	uint32_t d = intid - DEMO_NR_TRUSTED;

	if (KVM_CTL->level_device == d + 1)
		handle_level_device(self, d);
	else
		workload_handle_source(self, d, platform_now());
	/* A storm's handlers are slow: the timer's class is what keeps it
	 * from waiting behind them. */
	for (uint32_t i = 0; i < KVM_CTL->storm_work; i++)
		cpu_relax();
}

/* The NMI handler (NMIs are blocked until its IRET): take NMI-class
 * INTIDs with RVIC_ACKNOWLEDGE_NMI until NO_INTERRUPTS, ending each in
 * memory; one found pending again at its end is taken by the next
 * acknowledge of the same loop, so an edge during the handler is never
 * lost (the ABI's NMI recipe). */
void pvirq_shared_nmi(uint32_t self)
{
	struct demo_kvm_vcpu_ctl *me;
	uint32_t taken = 0;

	if (self >= DEMO_MAX_VCPUS || !acks[self].page)
		return;
	me = &KVM_CTL->vcpu[self];
	for (uint32_t budget = NR_INTIDS; budget > 0; budget--) {
		struct pvirq_guest_ret ack = pvirq_guest_call_native(
			CONDUIT, PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE_NMI), 0, 0, 0);

		if (!ok(ack) || ack.value >= NR_INTIDS)
			break;
		if (ack.value == DEMO_INTID_NMI)
			/* seq_cst: the VMM reads it to send the next one. */
			__atomic_store_n(&me->nmi_handled, me->nmi_handled + 1, __ATOMIC_SEQ_CST);
		shared_eoi(&acks[self], (uint32_t)ack.value);
		taken++;
	}
	if (!taken)
		count(&me->nmi_spurious);
}

/* A device INTID is unmasked at its end only while its input is still
 * routed here (the core's route, read as its own end of interrupt does):
 * a retarget masked it here on purpose. The check can race with a
 * retarget starting after it, which at worst lets a straggling edge be
 * delivered here too (an untrusted interrupt may be spurious: the
 * workload counts it as a duplicate). */
static bool unmask_at_eoi(uint32_t self, uint32_t intid)
{
	const struct pvirq_guest_irq *irq = &intids[intid];

	return intid < DEMO_NR_TRUSTED || (__atomic_load_n(&irq->routed, __ATOMIC_ACQUIRE) &&
					   __atomic_load_n(&irq->target, __ATOMIC_ACQUIRE) == self);
}

static uint32_t source_of(uint32_t intid)
{
	if (intid >= DEMO_NR_TRUSTED)
		return intid - DEMO_NR_TRUSTED;
	if (intid == DEMO_INTID_IPI)
		return DEMO_SRC_IPI;
	if (intid == DEMO_INTID_TIMER)
		return DEMO_SRC_TIMER;
	return DEMO_NR_SOURCES; /* the stop-phase wake-up */
}

static bool handled_here(uint32_t intid)
{
	return intid >= DEMO_NR_TRUSTED || intid == DEMO_INTID_IPI || intid == DEMO_INTID_TIMER ||
	       intid == DEMO_INTID_WAKE;
}

/* The upcall: acknowledge in memory until nothing is deliverable (an
 * INTID found pending again at its end is taken in the same loop), then
 * end the upcall vector at the LAPIC if it came as an MSI. */
static void sh_interrupt(uint32_t self, uint32_t vector)
{
	struct shared_ack_cpu *cpu;
	uint32_t handled = 0, budget;
	int got;

	if (!platform_is_upcall(vector) || self >= DEMO_MAX_VCPUS)
		return;
	cpu = &acks[self];
	if (!cpu->page) {
		/* Not up: nothing to take, but the vector must not stay in
		 * service at the LAPIC. */
		if (KVM_CTL->lapic_eoi != DEMO_EOI_NONE)
			lapic_eoi(self);
		return;
	}
	for (budget = NR_INTIDS; budget > 0; budget--) {
		/* #18's check, race-free: read before the acknowledge, since
		 * only this vCPU takes its timer, a deliverable timer stays
		 * deliverable through the acknowledge's choice. */
		bool timer_waiting = shared_is_deliverable(cpu, DEMO_INTID_TIMER);
		uint32_t intid;

		got = shared_ack(cpu);
		if (got < 0 || (uint32_t)got >= NR_INTIDS)
			break;
		intid = (uint32_t)got;
		count(&KVM_CTL->vcpu[self].shared_acks);
		if (!handled_here(intid))
			continue; /* nobody asked for it: it stays masked */
		/* With the timer in a higher class, never. */
		if (intid >= DEMO_NR_TRUSTED && timer_waiting)
			count(&KVM_CTL->vcpu[self].timer_bypassed);
		if (intid >= DEMO_NR_TRUSTED)
			handle_device(self, intid);
		else
			workload_handle_source(self, source_of(intid), platform_now());
		handled++;
		/* A level timer: the handler lowered its line at the device;
		 * RESAMPLE re-pends it (masked still) if it is high again. */
		if (intid == DEMO_INTID_TIMER && !KVM_CTL->timer_edge)
			pvirq_guest_rvic_resample(CONDUIT, intid);
		if (unmask_at_eoi(self, intid) && shared_eoi(cpu, intid))
			count(&KVM_CTL->vcpu[self].shared_eoi_again);
	}
	/* Stopped by the budget while sources keep firing: what an end of
	 * interrupt found pending again is deliverable and the host does not
	 * know (it latched while masked). CLEAR_MASKED makes it re-evaluate
	 * and raise the line, so the next upcall takes it. */
	if (budget == 0 && (got = shared_first_deliverable(cpu)) >= 0) {
		pvirq_guest_rvic_clear_masked(CONDUIT, self, (uint32_t)got);
		count(&KVM_CTL->vcpu[self].shared_reevaluate);
	}
	if (!handled)
		count(&SHARED->vcpu[self].spurious);
	__atomic_store_n(&KVM_CTL->vcpu[self].shared_cas_lost, cpu->cas_lost, __ATOMIC_RELAXED);
	if (KVM_CTL->lapic_eoi != DEMO_EOI_NONE)
		lapic_eoi(self);
}

static bool sh_route(uint32_t d, uint32_t cpu)
{
	return pvirq_guest_route(&routing, DEMO_INTID_DEVICE(d), d, cpu) == 0;
}

/* Under the workload's per-device lock, the routing lock the core asks for. */
static void sh_retarget(uint32_t d, uint32_t from, uint32_t to)
{
	(void)from; /* the core knows the current target */
	pvirq_guest_retarget(&routing, DEMO_INTID_DEVICE(d), to);
}

static void sh_send_ipi(uint32_t to)
{
	pvirq_guest_send_ipi(&routing, to, DEMO_INTID_IPI);
}

static void sh_probe(void)
{
	pvirq_guest_trap_call(&routing.trap, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
}

const struct irq_controller ctl_pvirq_shared = {
	.setup_cpu = sh_setup_cpu,
	.route = sh_route,
	.retarget = sh_retarget,
	.send_ipi = sh_send_ipi,
	.interrupt = sh_interrupt,
	.probe = sh_probe,
};
