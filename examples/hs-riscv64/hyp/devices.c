/* SPDX-License-Identifier: MIT */
/*
 * The device model. Device d has one interrupt in flight at a time: when
 * the guest has finished the previous one (done == raised) and the
 * device's period (device_us) has passed since its last send, the first
 * hart that notices claims the next by a CAS on raised and sends it,
 * through the rVID as a wired input (even d, pvirq_rvid_inject) or as an
 * MSI write to the doorbell (odd d, pvirq_rvid_msi), or, for a level
 * device (bootarg level=N, a bitmap; device 0 by default), by raising its
 * line (pvirq_rvid_set_level), which stays high until the guest's handler
 * acknowledges the device at its register (the demo's DEVICE_DONE call).
 * Any hart can send to
 * any vCPU, and the guest keeps retargeting the inputs meanwhile:
 * libpvirq's notify kicks the target's hart with an SBI IPI. The period
 * keeps the guest's main loop (retargets, IPIs) running: devices that re-
 * fired the moment they were handled would keep a TCG vCPU in its
 * interrupt handler.
 */
#include "hyp.h"

/* Earliest time of each device's next send (time CSR). */
static uint64_t next_send[DEMO_MAX_DEVICES];
/* Level devices: interrupts acknowledged at the register. The next raise
 * waits for the acknowledgement of the last (not only for the guest's
 * done), so one device's level changes, made from different harts, never
 * overlap (rvid.h asks that of its one device model). */
static uint64_t level_acked[DEMO_MAX_DEVICES];

static bool is_level(uint32_t d)
{
	return hs.opt.level_devs >> d & 1;
}

void hs_devices_init(void)
{
	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		if (is_level(d) && pvirq_rvid_set_trigger(hs.vm, d, true) != PVIRQ_OK)
			hs_fail("pvirq_rvid_set_trigger", d, 0);
}

void hs_devices_level_ack(uint32_t d)
{
	if (d >= hs.opt.nr_devices || !is_level(d))
		return; /* a register this device does not have: ignored */
	pvirq_rvid_set_level(hs.vm, d, false);
	/* relaxed: a counter for the report. */
	__atomic_add_fetch(&hs.level_acks, 1, __ATOMIC_RELAXED);
	/* release: the lowered level before a hart that sees the count
	 * raises the next one. */
	__atomic_add_fetch(&level_acked[d], 1, __ATOMIC_RELEASE);
}

/* RVID_RESAMPLE of a level input (resamplefd style): the device model
 * re-checks its condition. This device's line follows its register
 * exactly (raised by a send, lowered by the guest's acknowledge, which the
 * guest writes before it resamples), so there is nothing to change: the
 * call is counted, to show the engine makes it. Changing the level here
 * too would race with a send on another CPU; rvid.h wants one device
 * model's level changes serialized. */
void hs_devices_resample(void *ctx, uint32_t input)
{
	(void)ctx;
	(void)input;
	/* relaxed: a counter for the report. */
	__atomic_add_fetch(&hs.level_resamples, 1, __ATOMIC_RELAXED);
}

uint32_t hs_devices_level_high(void)
{
	uint32_t n = 0;
	bool high;

	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		if (is_level(d) && pvirq_rvid_get_level(hs.vm, d, &high) == PVIRQ_OK && high)
			n++;
	return n;
}

/* Inject -> guest handler latency of device @p d's previous interrupt,
 * which the guest finished (done == raised, read seq_cst after its
 * handled_tsc store). Several harts add samples: atomic sums. */
static void sample_latency(const struct demo_device_slot *dev)
{
	uint64_t sent = __atomic_load_n(&dev->inject_tsc, __ATOMIC_RELAXED);
	uint64_t handled = __atomic_load_n(&dev->handled_tsc, __ATOMIC_RELAXED);
	uint64_t lat = handled > sent ? handled - sent : 0, max;

	/* relaxed: statistics, read after every vCPU exited. */
	__atomic_add_fetch(&hs.latency_samples, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hs.latency_sum, lat, __ATOMIC_RELAXED);
	max = __atomic_load_n(&hs.latency_max, __ATOMIC_RELAXED);
	while (lat > max && !__atomic_compare_exchange_n(&hs.latency_max, &max, lat, true,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Sends what is due; returns whether anything was sent. */
bool hs_devices_send(uint64_t now)
{
	struct demo_shared *s = hs.shared;
	uint64_t period = (uint64_t)hs.opt.device_us * HS_TIME_HZ / 1000000;
	bool sent = false;

	for (uint32_t d = 0; d < hs.opt.nr_devices; d++) {
		struct demo_device_slot *dev = &s->dev[d];
		uint64_t raised = __atomic_load_n(&dev->raised, __ATOMIC_SEQ_CST);
		int err;

		/* seq_cst: the guest's done store is the device's doorbell;
		 * raised moves before the send, as the guest's claim expects.
		 * relaxed next_send: a stale one only delays or hastens one
		 * send by a period; the CAS still sends each number once. */
		if (now < __atomic_load_n(&next_send[d], __ATOMIC_RELAXED) ||
		    __atomic_load_n(&dev->done, __ATOMIC_SEQ_CST) != raised ||
		    /* acquire: pairs with hs_devices_level_ack() */
		    (is_level(d) && __atomic_load_n(&level_acked[d], __ATOMIC_ACQUIRE) != raised) ||
		    !__atomic_compare_exchange_n(&dev->raised, &raised, raised + 1, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		/* A hart that read RUNNING before the devices stopped must not
		 * send after the stop hart found them idle: seq_cst on both
		 * sides (raised CAS then phase load here; raised load then
		 * phase CAS there) means one of the two sees the other, so
		 * either the stop waits for this send or it is withdrawn. */
		if (__atomic_load_n(&hs.phase, __ATOMIC_SEQ_CST) != PHASE_RUNNING) {
			__atomic_store_n(&dev->raised, raised, __ATOMIC_SEQ_CST);
			continue;
		}
		if (raised)
			sample_latency(dev);
		sent = true;
		__atomic_store_n(&next_send[d], now + period, __ATOMIC_RELAXED);
		/* relaxed: read back only by the next claimer, after done. */
		__atomic_store_n(&dev->inject_tsc, now, __ATOMIC_RELAXED);
		/* relaxed: only a distinct number per send matters. */
		if (__atomic_add_fetch(&hs.sends, 1, __ATOMIC_RELAXED) == hs.opt.drop_send)
			continue; /* self-test: counted as sent, never sent */
		if (is_level(d)) {
			/* relaxed: counters for the report. */
			__atomic_add_fetch(&hs.level_raises, 1, __ATOMIC_RELAXED);
			err = pvirq_rvid_set_level(hs.vm, d, true);
		} else
			err = d & 1 ? pvirq_rvid_msi(hs.vm, PVIRQ_MSI_DOORBELL, d)
				    : pvirq_rvid_inject(hs.vm, d);
		/* relaxed: counters for the report. */
		if (err)
			__atomic_add_fetch(&hs.inject_errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(d & 1 && !is_level(d) ? &hs.injected_msi
								 : &hs.injected_wired,
					   1, __ATOMIC_RELAXED);
	}
	return sent;
}

bool hs_devices_idle(void)
{
	/* seq_cst: against send_devices()'s raised CAS and phase load. */
	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		if (__atomic_load_n(&hs.shared->dev[d].done, __ATOMIC_SEQ_CST) !=
		    __atomic_load_n(&hs.shared->dev[d].raised, __ATOMIC_SEQ_CST))
			return false;
	return true;
}
