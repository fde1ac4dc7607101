/* SPDX-License-Identifier: MIT */
/*
 * The workload, identical on both interrupt controllers: handle device
 * interrupts, IPIs and timer ticks; send IPIs to the next vCPU; keep
 * retargeting device inputs between vCPUs while they fire; on stop, drain
 * and leave together. Architecture-neutral: the port's hooks
 * (workload.h) do what differs.
 *
 * Exact accounting: a device sends its next interrupt only after the
 * previous one was handled (done == raised), and a vCPU sends its next
 * IPI to a peer only after the peer handled the previous one, so every
 * count the VMM compares is exact. Untrusted interrupts may arrive twice
 * (a retarget racing a send may leave the bit on both vCPUs); the claim
 * below makes the second one a counted duplicate instead of a double
 * handling.
 */
#include "workload.h"

static void spin_lock(uint32_t *lock)
{
	/* acquire: the retarget's reads of the routing come after it. */
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			cpu_relax();
}

static void spin_unlock(uint32_t *lock)
{
	/* release: the new routing is visible before the next owner. */
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

static void handle_device(struct demo_vcpu_slot *me, uint32_t d, uint64_t tsc)
{
	struct demo_device_slot *dev = &SHARED->dev[d];
	uint64_t claimed = load64(&dev->claimed);

	/* At most one interrupt of a device is outstanding (raised ==
	 * claimed + 1). Whoever moves claimed first handles it; anyone else
	 * saw a duplicate. seq_cst: pairs with the host's raised++ that
	 * precedes the send. */
	if (claimed == load64(&dev->raised) ||
	    !__atomic_compare_exchange_n(&dev->claimed, &claimed, claimed + 1, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		count(&me->duplicates);
		return;
	}
	store64(&dev->handled_tsc, tsc);
	count(&me->handled[d]);
	/* done after handled_tsc: the device model reads the latter once it
	 * sees the former. Then tell the device, if the port has a way. */
	store64(&dev->done, claimed + 1);
	/* For a level-triggered device this is the write to its register
	 * that lowers the line, before the controller's end of interrupt
	 * resamples it. */
	platform_device_done(d);
}

static void handle_ipi(struct demo_vcpu_slot *me, uint64_t tsc)
{
	uint32_t b = demo_ipi_bucket((tsc - load64(&me->ipi_send_tsc)) * 1000 / SHARED->tsc_khz);

	/* Only this vCPU's handler writes its histogram (interrupts off). */
	__atomic_store_n(&me->ipi_latency_us[b], me->ipi_latency_us[b] + 1, __ATOMIC_RELAXED);
	/* Counted after the stamp was used: the sender stamps the next IPI
	 * only once it sees this count. */
	count(&me->handled[DEMO_SRC_IPI]);
}

/* Ports that do not know their timer's deadline record no lateness. */
__attribute__((weak)) uint64_t platform_timer_due(uint32_t self)
{
	(void)self;
	return 0;
}

/* How late the timer handler runs after its deadline: what a priority
 * class above a device storm is for. Only this vCPU's handler writes it. */
static void record_timer_lateness(struct demo_vcpu_slot *me, uint32_t self, uint64_t tsc)
{
	uint64_t due = platform_timer_due(self), late;

	if (!due || tsc < due)
		return;
	late = tsc - due;
	__atomic_store_n(&me->timer_late_sum, me->timer_late_sum + late, __ATOMIC_RELAXED);
	if (late > me->timer_late_max)
		__atomic_store_n(&me->timer_late_max, late, __ATOMIC_RELAXED);
}

void workload_handle_source(uint32_t self, uint32_t src, uint64_t tsc)
{
	struct demo_vcpu_slot *me = &SHARED->vcpu[self];

	if (src < SHARED->nr_devices)
		handle_device(me, src, tsc);
	else if (src == DEMO_SRC_IPI)
		handle_ipi(me, tsc);
	else if (src == DEMO_SRC_TIMER) {
		record_timer_lateness(me, self, tsc);
		count(&me->handled[DEMO_SRC_TIMER]);
		/* "Reprogram the timer": its level line drops. */
		platform_timer_handled(self);
	} else
		count(&me->wakes);
}

static void retarget_next(const struct irq_controller *ctl, uint32_t *cursor)
{
	uint32_t n = SHARED->nr_vcpus, d = (*cursor)++ % SHARED->nr_devices;
	struct demo_device_slot *dev = &SHARED->dev[d];
	uint32_t from, to;

	spin_lock(&dev->lock);
	from = dev->target;
	to = (from + 1) % n;
	ctl->retarget(d, from, to);
	dev->target = to;
	spin_unlock(&dev->lock);
}

static void maybe_send_ipi(const struct irq_controller *ctl, struct demo_vcpu_slot *me,
			   uint32_t peer)
{
	struct demo_vcpu_slot *pv = &SHARED->vcpu[peer];
	uint64_t raised = load64(&pv->ipi_raised);

	if (load64(&pv->handled[DEMO_SRC_IPI]) != raised)
		return; /* the previous one is still in flight */
	store64(&pv->ipi_raised, raised + 1);
	store64(&pv->ipi_send_tsc, platform_now());
	ctl->send_ipi(peer);
	count(&me->ipis_sent);
}

/* Stop phase: wait (interrupts on) until everything sent to or by this
 * vCPU arrived, then leave together so nobody exits while a peer still
 * needs it. Gives up at the host's deadline: the host then reports losses. */
static __attribute__((noreturn)) void drain_and_exit(uint32_t self, uint32_t peer)
{
	struct demo_vcpu_slot *me = &SHARED->vcpu[self], *pv = &SHARED->vcpu[peer];
	uint64_t deadline = SHARED->drain_deadline_tsc;
	bool drained = false;

	platform_timer_stop(self);
	irq_enable();
	while (platform_now() < deadline) {
		drained = load64(&pv->handled[DEMO_SRC_IPI]) == load64(&pv->ipi_raised) &&
			  load64(&me->handled[DEMO_SRC_TIMER]) == load64(&me->timer_raised);
		if (drained)
			break;
		cpu_relax();
	}
	__atomic_add_fetch(&SHARED->quiesced, 1, __ATOMIC_SEQ_CST);
	while (load32(&SHARED->quiesced) < SHARED->nr_vcpus && platform_now() < deadline)
		cpu_relax();
	irq_disable();
	guest_exit(drained ? DEMO_EXIT_OK : DEMO_EXIT_DRAIN_TIMEOUT);
}

/* One exit round trip of the controller: the fastest of 40 batches of 50,
 * so that a preempted batch on a busy host does not count. */
static uint64_t probe_cost(const struct irq_controller *ctl)
{
	enum { BATCHES = 40, PER_BATCH = 50 };
	uint64_t best = UINT64_MAX;

	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = platform_now(), t;

		for (int i = 0; i < PER_BATCH; i++)
			ctl->probe();
		t = (platform_now() - t0) / PER_BATCH;
		best = t < best ? t : best;
	}
	return best;
}

void workload_run(uint32_t self, const struct irq_controller *ctl)
{
	struct demo_vcpu_slot *me = &SHARED->vcpu[self];
	uint32_t n = SHARED->nr_vcpus, peer = (self + 1) % n, cursor = self;
	uint64_t now, next_retarget, next_ipi;

	if (!ctl->setup_cpu(self))
		guest_exit(DEMO_EXIT_SETUP);
	__atomic_add_fetch(&SHARED->booted, 1, __ATOMIC_SEQ_CST);
	if (self == 0) {
		store64(&SHARED->cost_call_tsc, probe_cost(ctl));
		while (load32(&SHARED->booted) < n)
			cpu_relax();
		for (uint32_t d = 0; d < SHARED->nr_devices; d++) {
			SHARED->dev[d].target = d % n;
			if (!ctl->route(d, d % n))
				guest_exit(DEMO_EXIT_SETUP);
		}
		store32(&SHARED->ready, 1);
	}
	while (!load32(&SHARED->ready))
		cpu_relax();
	platform_timer_start(self);

	/* Stagger the vCPUs' periodic work so they do not retarget in step. */
	now = platform_now();
	next_retarget = now + SHARED->retarget_period_tsc * (self + 1) / n;
	next_ipi = now + SHARED->ipi_period_tsc * (self + 1) / n;
	for (;;) {
		/* Check stop with interrupts off, then wait: the host's wake
		 * interrupt cannot slip in between the check and the wait. */
		irq_disable();
		if (load32(&SHARED->stop))
			break;
		irq_enable_and_wait();

		now = platform_now();
		if (SHARED->retarget_period_tsc && n > 1 && now >= next_retarget) {
			retarget_next(ctl, &cursor);
			count(&me->retargets);
			next_retarget = now + SHARED->retarget_period_tsc;
		}
		if (SHARED->ipi_period_tsc && now >= next_ipi) {
			maybe_send_ipi(ctl, me, peer);
			next_ipi = now + SHARED->ipi_period_tsc;
		}
	}
	drain_and_exit(self, peer);
}
