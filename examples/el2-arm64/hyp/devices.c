/* SPDX-License-Identifier: MIT */
/*
 * The device model and the run's clock, both on CPU 0's EL2 physical
 * timer (CNTHP, PPI 26), which preempts vCPU 0 every tick.
 *
 * Devices: device d is rVID input d. Even devices are wired lines
 * (pvirq_rvid_inject()), odd ones write the MSI doorbell
 * (pvirq_rvid_msi() at PVIRQ_MSI_DOORBELL, data = input), and a level
 * device (level= bitmap, device 0 by default) holds its wired line high
 * (pvirq_rvid_set_level()) until the guest's handler acknowledges it at
 * its register (EL2_CALL_DEVICE_ACK), which lowers it. A device sends
 * its next edge only once the guest handled the previous one (done ==
 * raised), so the accounting is exact while the guest keeps retargeting
 * the inputs between vCPUs. The tick also ends the load phase (stop, then
 * a WAKE to every vCPU) and fails the run if it outlives its deadline.
 */
#include "../../baremetal-common/print.h"
#include "hyp.h"

#define SECOND_MS 1000u

static uint64_t accounted[DEMO_MAX_DEVICES];
/* Level devices: interrupts acknowledged at the device register, written
 * by the acknowledging CPU after it lowered the line, read by CPU 0's
 * tick before it raises the next one, so that one device's level
 * changes never overlap (rvid.h asks that of its one device model). */
static uint64_t level_acked[DEMO_MAX_DEVICES];

static bool is_level(uint32_t d)
{
	return hyp.cfg.level_devices >> d & 1;
}

void devices_init(void)
{
	for (uint32_t d = 0; d < hyp.cfg.nr_devices; d++)
		if (is_level(d) && pvirq_rvid_set_trigger(hyp.vm, d, true) != PVIRQ_OK)
			hyp_finish("pvirq_rvid_set_trigger refused a level device");
}

void devices_level_ack(uint32_t d)
{
	if (d >= hyp.cfg.nr_devices || !is_level(d))
		return; /* a register this device does not have: ignored */
	pvirq_rvid_set_level(hyp.vm, d, false);
	/* relaxed: a counter for the report. */
	__atomic_add_fetch(&hyp.run.level_acks, 1, __ATOMIC_RELAXED);
	/* release: the lowered level before the tick may raise it again. */
	__atomic_add_fetch(&level_acked[d], 1, __ATOMIC_RELEASE);
}

/* RVID_RESAMPLE of a level input (resamplefd style): the device model
 * re-checks its condition. This device's line follows its register
 * exactly (raised by a send, lowered by the guest's acknowledge, which the
 * guest writes before it resamples), so there is nothing to change: the
 * call is counted, to show the engine makes it. Changing the level here
 * too would race with a send on another CPU; rvid.h wants one device
 * model's level changes serialized. */
void devices_resample(void *ctx, uint32_t input)
{
	(void)ctx;
	(void)input;
	/* relaxed: a counter for the report. */
	__atomic_add_fetch(&hyp.run.level_resamples, 1, __ATOMIC_RELAXED);
}

uint32_t devices_level_high(void)
{
	uint32_t n = 0;
	bool high;

	for (uint32_t d = 0; d < hyp.cfg.nr_devices; d++)
		if (is_level(d) && pvirq_rvid_get_level(hyp.vm, d, &high) == PVIRQ_OK && high)
			n++;
	return n;
}

static uint64_t ticks_of_us(uint64_t us)
{
	return us * hyp.counter_khz / 1000u;
}

static void arm_tick(void)
{
	SYSREG_WRITE(cnthp_tval_el2, ticks_of_us(hyp.cfg.device_tick_us));
	SYSREG_WRITE(cnthp_ctl_el2, 1); /* enabled, not masked */
	ISB();
}

void devices_start(void)
{
	gic_ppi_enable(0, EL2_INTID_HYP_TIMER, true);
	arm_tick();
}

static void inject(uint32_t d)
{
	int err;

	if (is_level(d)) {
		hyp.run.level_raises++;
		err = pvirq_rvid_set_level(hyp.vm, d, true);
	} else
		err = d % 2 ? pvirq_rvid_msi(hyp.vm, PVIRQ_MSI_DOORBELL, d)
			    : pvirq_rvid_inject(hyp.vm, d);
	if (d % 2 && !is_level(d))
		hyp.run.injected_msi++;
	else
		hyp.run.injected_wired++;
	if (err != PVIRQ_OK && hyp.run.inject_errors++ == 0) {
		bm_lock();
		bm_puts("el2: injection of device ");
		bm_dec(d);
		bm_puts(" refused: ");
		bm_puts(pvirq_strerror(err));
		bm_putc('\n');
		bm_unlock();
	}
}

/* One device: account the edge it has back, send the next one. */
static void device_step(uint32_t d, uint64_t now)
{
	struct demo_device_slot *dev = &hyp.shared->dev[d];
	/* seq_cst: done is published after handled_tsc (workload.c). */
	uint64_t raised = __atomic_load_n(&dev->raised, __ATOMIC_SEQ_CST);
	uint64_t done = __atomic_load_n(&dev->done, __ATOMIC_SEQ_CST);
	uint64_t latency;

	if (done != raised)
		return; /* still in flight */
	/* acquire: pairs with devices_level_ack(); its lowering is done. */
	if (is_level(d) && __atomic_load_n(&level_acked[d], __ATOMIC_ACQUIRE) != raised)
		return; /* handled, not yet acknowledged at the device */
	if (raised > accounted[d]) {
		/* seq_cst load after done's: the stamp of this edge, not an
		 * older one. inject_tsc is only written here. */
		latency = __atomic_load_n(&dev->handled_tsc, __ATOMIC_SEQ_CST) - dev->inject_tsc;
		hyp.run.latency_samples++;
		hyp.run.latency_sum_ticks += latency;
		if (latency > hyp.run.latency_max_ticks)
			hyp.run.latency_max_ticks = latency;
		accounted[d] = raised;
	}
	/* raised before the edge: a handler that sees the edge sees it. */
	__atomic_store_n(&dev->raised, raised + 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&dev->inject_tsc, now, __ATOMIC_SEQ_CST);
	inject(d);
}

/* Interrupts the guest has handled so far, every source. */
static uint64_t handled_now(void)
{
	uint64_t n = 0;

	for (uint32_t v = 0; v < hyp.cfg.nr_cpus; v++)
		for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
			/* relaxed: a statistic of the load phase's edges */
			n += __atomic_load_n(&hyp.shared->vcpu[v].handled[src], __ATOMIC_RELAXED);
	return n;
}

static void start_load(uint64_t now)
{
	hyp.load_start_ticks = now;
	hyp.window_start_handled = handled_now();
	/* relaxed: see COUNT_TRAP */
	__atomic_store_n(&hyp.in_window, 1, __ATOMIC_RELAXED);
}

static void stop_load(uint64_t now)
{
	struct demo_shared *sh = hyp.shared;

	__atomic_store_n(&hyp.in_window, 0, __ATOMIC_RELAXED);
	hyp.run.window_interrupts = handled_now() - hyp.window_start_handled;
	hyp.run.window_ticks = now - hyp.load_start_ticks;

	/* seq_cst (release would do): the deadline is published before the
	 * stop that makes the guest read it. */
	__atomic_store_n(&sh->drain_deadline_tsc, now + hyp.counter_khz * SECOND_MS,
			 __ATOMIC_SEQ_CST);
	/* seq_cst: stop is visible before the WAKE that makes a halted vCPU
	 * look at it. */
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	for (uint32_t v = 0; v < hyp.cfg.nr_cpus; v++)
		pvirq_rvic_signal(hyp.vm, v, DEMO_INTID_WAKE);
	hyp.stop_ticks = now;
}

void devices_tick(void)
{
	struct demo_shared *sh = hyp.shared;
	uint64_t now = counter_now();

	COUNT_TRAP(0, device_ticks);
	if (now > hyp.hang_ticks)
		hyp_finish("hang: the run outlived its deadline");
	/* seq_cst (acquire would do): the guest's routes, mapped before it
	 * set ready, are in place before the first edge. */
	if (!__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) || hyp.stop_ticks) {
		arm_tick();
		return;
	}
	if (!hyp.load_start_ticks)
		start_load(now);
	if (now - hyp.load_start_ticks >= ticks_of_us(hyp.cfg.duration_ms * 1000u))
		stop_load(now);
	else
		for (uint32_t d = 0; d < sh->nr_devices; d++)
			device_step(d, now);
	arm_tick();
}
