/* SPDX-License-Identifier: MIT */
/*
 * The end of a run: per-vCPU interrupts and traps, the accounting (what
 * was sent against what the guest handled), and the same as one JSON line
 * ("HS-JSON {...}") that the test runner extracts. No floating point in
 * the hypervisor: ratios are printed with two fixed decimals.
 */
#include "console.h"
#include "hyp.h"

static const char *const trap_names[TRAP_NR_KINDS] = {
	[TRAP_ECALL_PVIRQ] = "ecall_pvirq", [TRAP_ECALL_TIMER] = "ecall_timer",
	[TRAP_ECALL_DEMO] = "ecall_demo",   [TRAP_ECALL_OTHER] = "ecall_other",
	[TRAP_KICK] = "kick_ssip",	    [TRAP_TIMER] = "timer_stip",
};

/* Traps of kind @p k during the run (all of them if it never started). */
static uint64_t run_traps(const struct hs_hart *h, int k)
{
	return h->traps[k] - h->traps_at_start[k];
}

struct totals {
	uint64_t traps[TRAP_NR_KINDS], all_traps, interrupts, lost, failed_exits;
};

/* x / y with two decimals, as hundredths. */
static uint64_t hundredths(uint64_t x, uint64_t y)
{
	return y ? (x * 100 + y / 2) / y : 0;
}

static uint64_t vcpu_interrupts(const struct demo_vcpu_slot *v)
{
	uint64_t n = v->wakes;

	for (uint32_t s = 0; s < DEMO_NR_SOURCES; s++)
		n += v->handled[s];
	return n;
}

static uint64_t vcpu_devices(const struct demo_vcpu_slot *v)
{
	uint64_t n = 0;

	for (uint32_t d = 0; d < DEMO_MAX_DEVICES; d++)
		n += v->handled[d];
	return n;
}

static uint64_t diff(uint64_t sent, uint64_t handled)
{
	return sent > handled ? sent - handled : 0;
}

static void tally(struct totals *t)
{
	const struct demo_shared *s = hs.shared;
	uint64_t device_handled = 0;

	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct demo_vcpu_slot *vs = &s->vcpu[v];
		const struct hs_hart *h = &hs_harts[v];

		for (int k = 0; k < TRAP_NR_KINDS; k++) {
			t->traps[k] += run_traps(h, k);
			t->all_traps += run_traps(h, k);
		}
		t->interrupts += vcpu_interrupts(vs);
		device_handled += vcpu_devices(vs);
		t->lost += diff(vs->ipi_raised, vs->handled[DEMO_SRC_IPI]);
		t->lost += diff(vs->timer_raised, vs->handled[DEMO_SRC_TIMER]);
		if (!__atomic_load_n(&h->exited, __ATOMIC_ACQUIRE) || h->exit_code)
			t->failed_exits++;
	}
	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		t->lost += diff(s->dev[d].raised, s->dev[d].done);
	/* Every done interrupt was handled exactly once, on some vCPU. */
	for (uint32_t d = 0, done = 0; d < hs.opt.nr_devices; d++, done = 0) {
		for (uint32_t v = 0; v < hs.nr_vcpus; v++)
			done += (uint32_t)s->vcpu[v].handled[d];
		t->lost += diff(s->dev[d].done, done);
	}
	t->lost += hs.inject_errors;
	(void)device_handled;
}

static void print_table(const struct totals *t)
{
	const struct demo_shared *s = hs.shared;

	hs_printf("vcpu exit devices   ipi timer wakes spurious dups retargets timer_raised"
		  " traps traps/irq\n");
	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct demo_vcpu_slot *vs = &s->vcpu[v];
		uint64_t traps = 0, per;

		for (int k = 0; k < TRAP_NR_KINDS; k++)
			traps += run_traps(&hs_harts[v], k);
		per = hundredths(traps, vcpu_interrupts(vs));
		hs_printf("%4u %4x %7lu %5lu %5lu %5lu %8lu %4lu %9lu %12lu %5lu %6lu.%02lu\n",
			  (unsigned)v, (unsigned)hs_harts[v].exit_code, vcpu_devices(vs),
			  vs->handled[DEMO_SRC_IPI], vs->handled[DEMO_SRC_TIMER], vs->wakes,
			  vs->spurious, vs->duplicates, vs->retargets, vs->timer_raised, traps,
			  per / 100, per % 100);
	}
	hs_printf("device raised    done\n");
	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		hs_printf("%6u %6lu %7lu  (%s)\n", (unsigned)d, s->dev[d].raised, s->dev[d].done,
			  d & 1 ? "MSI" : "wired");
	hs_printf("trap kind      traps  per interrupt\n");
	for (int k = 0; k < TRAP_NR_KINDS; k++) {
		uint64_t per = hundredths(t->traps[k], t->interrupts);

		hs_printf("%-12s %7lu %8lu.%02lu\n", trap_names[k], t->traps[k], per / 100,
			  per % 100);
	}
	hs_printf("interrupts handled %lu, traps %lu, lost = %lu, inject errors %lu%s\n",
		  t->interrupts, t->all_traps, t->lost, hs.inject_errors,
		  hs.stuck_devices ? ", devices still in flight at their deadline" : "");
}

/* Microseconds from @p from to @p to; 0 if the run never got there. */
static uint64_t phase_us(uint64_t from, uint64_t to)
{
	return from && to > from ? (to - from) / (HS_TIME_HZ / 1000000) : 0;
}

static void print_json(const struct totals *t)
{
	const struct demo_shared *s = hs.shared;
	char buf[400];

	hs_printf("HS-JSON {\"arch\":\"riscv64\",\"harts\":%u,\"boot_hart\":%u,\"mode\":%u,"
		  "\"icount\":%u,\"run_ms\":%u,\"devices\":%u,\"interrupts\":%lu,\"traps\":%lu,"
		  "\"lost\":%lu,\"inject_errors\":%lu,\"failed_exits\":%lu,\"stuck_devices\":%lu,"
		  "\"run_ticks\":%lu,\"timebase_hz\":%lu,\"phase_us\":{\"setup\":%lu,"
		  "\"devices\":%lu,\"drain\":%lu},\n",
		  (unsigned)hs.nr_vcpus, (unsigned)hs.boot_hart, (unsigned)hs.opt.mode,
		  (unsigned)hs.opt.icount, (unsigned)hs.opt.run_ms, (unsigned)hs.opt.nr_devices,
		  t->interrupts, t->all_traps, t->lost, hs.inject_errors, t->failed_exits,
		  hs.stuck_devices, hs.end_time - hs.boot_time, HS_TIME_HZ,
		  phase_us(hs.boot_time, hs.ready_time), phase_us(hs.ready_time, hs.stop_time),
		  phase_us(hs.stop_time, hs.end_time));
	hs_printf("HS-JSON \"traps_by_kind\":{");
	for (int k = 0; k < TRAP_NR_KINDS; k++) {
		uint64_t per = hundredths(t->traps[k], t->interrupts);

		hs_printf("%s\"%s\":{\"traps\":%lu,\"per_interrupt\":%lu.%02lu}", k ? "," : "",
			  trap_names[k], t->traps[k], per / 100, per % 100);
	}
	hs_printf("},\"vcpus\":[\n");
	for (uint32_t v = 0; v < hs.nr_vcpus; v++) {
		const struct demo_vcpu_slot *vs = &s->vcpu[v];
		const struct hs_hart *h = &hs_harts[v];
		size_t n = 0;

		n += hs_snprintf(buf + n, sizeof(buf) - n,
				 "HS-JSON %s{\"vcpu\":%u,\"exit\":%u,\"devices\":%lu,\"ipi\":%lu,"
				 "\"timer\":%lu,\"wakes\":%lu,\"spurious\":%lu,\"duplicates\":%lu,"
				 "\"retargets\":%lu,\"timer_raised\":%lu,\"kicks_sent\":%lu,",
				 v ? "," : "", (unsigned)v, (unsigned)h->exit_code,
				 vcpu_devices(vs), vs->handled[DEMO_SRC_IPI],
				 vs->handled[DEMO_SRC_TIMER], vs->wakes, vs->spurious,
				 vs->duplicates, vs->retargets, vs->timer_raised, h->kicks_sent);
		n += hs_snprintf(buf + n, sizeof(buf) - n, "\"traps\":{");
		for (int k = 0; k < TRAP_NR_KINDS; k++)
			n += hs_snprintf(buf + n, sizeof(buf) - n, "%s\"%s\":%lu", k ? "," : "",
					 trap_names[k], run_traps(h, k));
		hs_snprintf(buf + n, sizeof(buf) - n, "}}\n");
		hs_printf("%s", buf);
	}
	hs_printf("HS-JSON ],\"device_slots\":[");
	for (uint32_t d = 0; d < hs.opt.nr_devices; d++)
		hs_printf("%s{\"device\":%u,\"kind\":\"%s\",\"raised\":%lu,\"done\":%lu}",
			  d ? "," : "", (unsigned)d, d & 1 ? "msi" : "wired", s->dev[d].raised,
			  s->dev[d].done);
	hs_printf("]}\n");
}

bool hs_report(void)
{
	struct totals t = {0};

	tally(&t);
	print_table(&t);
	print_json(&t);
	return t.lost == 0 && t.failed_exits == 0 && !hs.stuck_devices;
}
