/* SPDX-License-Identifier: MIT */
/*
 * The run's phases. The first hart to see the guest's ready starts the
 * clock; after run_ms, once every vCPU has had a few interrupts of each
 * kind (or after HS_RUN_LIMIT on a host too loaded for that), the devices
 * stop; once every in-flight one is handled, the stop flag and a WAKE
 * interrupt tell each vCPU to drain and exit. The last vCPU to exit prints
 * the report and shuts the machine down. Each wait has a deadline, so a
 * loss or a hang fails the run loudly instead of hanging it.
 */
#include "console.h"
#include "csr.h"
#include "hyp.h"
#include "sbi.h"

/* Whether every kind of interrupt reached every vCPU at least a few times:
 * on a loaded host a vCPU thread may hardly run during run_ms, and a run
 * that delivered next to nothing would prove nothing. relaxed: the
 * guest's counters only grow; a stale read only runs a little longer. */
static bool enough_work(void)
{
	const struct demo_shared *s = hs.shared;
	uint64_t devices = 0, retargets = 0;

	/* The loss self-test (drop_send=N) proves nothing unless its send
	 * happened: on a loaded host run_ms may pass with fewer sends. */
	if (hs.opt.drop_send && __atomic_load_n(&hs.sends, __ATOMIC_RELAXED) < hs.opt.drop_send)
		return false;

	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct demo_vcpu_slot *vs = &s->vcpu[v];
		uint64_t mine = 0;

		if ((hs.opt.timer_us &&
		     __atomic_load_n(&vs->handled[DEMO_SRC_TIMER], __ATOMIC_RELAXED) < 3) ||
		    (hs.opt.ipi_us &&
		     __atomic_load_n(&vs->handled[DEMO_SRC_IPI], __ATOMIC_RELAXED) < 3))
			return false;
		for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
			mine += __atomic_load_n(&vs->handled[d], __ATOMIC_RELAXED);
		/* Each vCPU too, not only the sum: retargets may leave every
		 * device on one vCPU for a short run, and run_qemu.py checks
		 * every vCPU handled some. */
		if (hs.opt.nr_devices && !mine)
			return false;
		devices += mine;
		retargets += __atomic_load_n(&vs->retargets, __ATOMIC_RELAXED);
	}
	return devices >= 8ull * hs.nr_vcpus &&
	       (!hs.opt.retarget_us || hs.nr_vcpus < 2 || retargets >= hs.nr_vcpus);
}

static bool advance(uint32_t from, uint32_t to)
{
	/* seq_cst: the winner's writes before the phase (times, stop) are
	 * seen by whoever reads the new phase, and send_devices() relies on
	 * a total order with its raised CAS. */
	return __atomic_compare_exchange_n(&hs.phase, &from, to, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* Sets *@p t to @p now once; true for the hart that did (it then moves
 * the phase on). */
static bool mark_time(uint64_t *t, uint64_t now)
{
	uint64_t zero = 0;

	return __atomic_compare_exchange_n(t, &zero, now, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* Whether @p limit ticks have passed since @p since (read on another hart,
 * so it may be a little after our now). */
static bool passed(uint64_t since, uint64_t now, uint64_t limit)
{
	return now > since && now - since >= limit;
}

static void tell_vcpus_to_stop(uint64_t now)
{
	struct demo_shared *s = hs.shared;

	/* seq_cst, deadline first: a vCPU that sees stop (seq_cst load)
	 * reads the deadline it drains against. */
	__atomic_store_n(&s->drain_deadline_tsc, now + HS_GUEST_DRAIN, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	/* A vCPU idle in wfi wakes on WAKE and sees stop. */
	for (uint32_t v = 0; v < hs.nr_vcpus; v++)
		pvirq_rvic_signal(hs.vm, v, DEMO_INTID_WAKE);
}

static __attribute__((noreturn)) void watchdog(void)
{
	static uint32_t barked;

	/* One hart reports; the others wait for the power-off. */
	if (__atomic_exchange_n(&barked, 1, __ATOMIC_ACQ_REL))
		for (;;)
			hs_wfi();
	hs.end_time = hs_time();
	hs_report("watchdog: the run did not end");
	sbi_shutdown(SBI_SRST_REASON_FAILURE);
}

/* This hart's trap counts at the load phase's edges (hart.h). */
static void snapshot_traps(struct hs_hart *h, uint32_t phase)
{
	if (!h->saw_start && phase >= PHASE_RUNNING) {
		h->traps_at_start = h->traps;
		h->saw_start = 1;
	}
	if (!h->saw_stop && phase >= PHASE_DEVICES_STOP) {
		h->traps_at_stop = h->traps;
		h->saw_stop = 1;
	}
}

/* Interrupts the guest has handled so far (as the report counts them:
 * devices, IPIs, timer ticks). relaxed: the counters only grow, and the
 * window's edges are a phase apart, not one instant. */
static uint64_t handled_so_far(void)
{
	uint64_t n = 0;

	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct demo_vcpu_slot *vs = &hs.shared->vcpu[v];

		for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
			if (src < hs.opt.nr_devices || src == DEMO_SRC_IPI || src == DEMO_SRC_TIMER)
				n += __atomic_load_n(&vs->handled[src], __ATOMIC_RELAXED);
	}
	return n;
}

void hs_poll(struct hs_hart *h)
{
	uint64_t now = hs_time(), ready;
	/* acquire: the times the winner wrote before advancing the phase. */
	uint32_t phase = __atomic_load_n(&hs.phase, __ATOMIC_ACQUIRE);

	snapshot_traps(h, phase);
	if (now - hs.boot_time > (uint64_t)hs.opt.watchdog_ms * HS_TIME_KHZ) {
		watchdog();
	}
	if (hs.opt.mode != HS_MODE_WORKLOAD)
		return; /* the fault mode ends by itself */
	switch (phase) {
	case PHASE_BOOT:
		/* seq_cst: the guest's routes are set before its ready. */
		if (__atomic_load_n(&hs.shared->ready, __ATOMIC_SEQ_CST) &&
		    mark_time(&hs.ready_time, now)) {
			hs.handled_at_start = handled_so_far();
			advance(PHASE_BOOT, PHASE_RUNNING);
		}
		break;
	case PHASE_RUNNING:
		/* relaxed: set before the phase we read with acquire. */
		ready = __atomic_load_n(&hs.ready_time, __ATOMIC_RELAXED);
		if (!passed(ready, now, (uint64_t)hs.opt.run_ms * HS_TIME_KHZ) ||
		    (!enough_work() && !passed(ready, now, HS_RUN_LIMIT))) {
			if (hs_devices_send(now))
				h->traps.device_ticks++;
			break;
		}
		if (mark_time(&hs.stop_time, now)) {
			hs.handled_at_stop = handled_so_far();
			advance(PHASE_RUNNING, PHASE_DEVICES_STOP);
		}
		break;
	case PHASE_DEVICES_STOP:
		if (hs_devices_idle()) {
			if (advance(PHASE_DEVICES_STOP, PHASE_STOPPING))
				tell_vcpus_to_stop(now);
		} else if (passed(__atomic_load_n(&hs.stop_time, __ATOMIC_RELAXED), now,
				  HS_DEVICE_DRAIN) &&
			   advance(PHASE_DEVICES_STOP, PHASE_STOPPING)) {
			hs.stuck_devices = 1; /* the report shows which */
			tell_vcpus_to_stop(now);
		}
		break;
	default: break;
	}
}

static __attribute__((noreturn)) void finish(const char *why, const char *failure)
{
	bool ok;

	/* release: nothing reads it but a late hs_poll(), which then stops. */
	__atomic_store_n(&hs.phase, PHASE_FINISHED, __ATOMIC_RELEASE);
	hs.end_time = hs_time();
	hs_printf("HS: %s\n", why);
	ok = hs_report(failure);
	sbi_shutdown(ok ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE);
}

void hs_vcpu_exit(struct hs_hart *h, uint32_t code)
{
	h->exit_code = code;
	snapshot_traps(h, __atomic_load_n(&hs.phase, __ATOMIC_ACQUIRE));
	/* release: our counters are final before the count says so. */
	__atomic_store_n(&h->exited, 1, __ATOMIC_RELEASE);
	sbi_set_timer(UINT64_MAX);
	CSR_WRITE(CSR_HVIP, 0);
	/* acq_rel: the last to count sees every other vCPU's final state. */
	if (__atomic_add_fetch(&hs.exited, 1, __ATOMIC_ACQ_REL) == hs.nr_vcpus)
		finish("every vCPU exited", 0);
	for (;;) {
		/* Parked: kicks for this vCPU may still come; drop them. */
		hs_wfi();
		CSR_CLEAR(CSR_SIP, 1u << IRQ_S_SOFT);
	}
}

void hs_guest_shutdown(struct hs_hart *h, uint32_t failure)
{
	hs_printf("HS: vCPU %u asked SBI SRST shutdown (reason %u)\n", (unsigned)h->hartid,
		  (unsigned)failure);
	finish("the guest shut the machine down",
	       failure ? "the guest shut down with a failure reason" : 0);
}
