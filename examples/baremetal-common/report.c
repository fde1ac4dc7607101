/* SPDX-License-Identifier: MIT */
/* The run's report (report.h). */
#include "report.h"

#include <pvirq/abi.h>

#include "print.h"

static const char *const call_names[BM_NR_CALLS] = {
	"VERSION",	   "INFO",	    "ENABLE",	    "DISABLE",
	"SET_MASKED",	   "CLEAR_MASKED",  "IS_PENDING",   "SIGNAL",
	"CLEAR_PENDING",   "ACKNOWLEDGE",   "RESAMPLE",	    "RESET",
	"SHARE_STATE",	   "UNSHARE_STATE", "SET_PRIORITY", "SET_PRIORITY_MASK",
	"ACKNOWLEDGE_NMI", "RVID_VERSION",  "RVID_MAP",	    "RVID_UNMAP",
	"RVID_RESAMPLE",   "UNKNOWN",
};
_Static_assert(PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI + 1 == BM_CALL_RVID, "rVIC calls fit");
_Static_assert(BM_CALL_RVID + PVIRQ_FN_RVID_RESAMPLE + 1 == BM_CALL_UNKNOWN, "rVID calls fit");

struct trap_totals {
	uint64_t hypercalls, kick_irqs, kicks_sent, timer_irqs, device_ticks, other_calls;
	uint64_t calls[BM_NR_CALLS];
};

struct totals {
	uint64_t sent, handled, interrupts, ipi_handled, timer_handled;
	/* Timer handlers' lateness after the deadline, timestamp ticks. */
	uint64_t timer_late_sum, timer_late_max;
	struct trap_totals run;	   /* the whole run                          */
	struct trap_totals window; /* the load phase (or the run if none)    */
	uint64_t window_interrupts, window_ticks;
};

static uint64_t load(const uint64_t *p)
{
	/* seq_cst: the vCPUs' last stores precede their exit, which the
	 * reporter observed before it got here. */
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void add_traps(struct trap_totals *t, const struct bm_traps *per_cpu, uint32_t nr_cpus)
{
	for (uint32_t c = 0; c < nr_cpus; c++) {
		const struct bm_traps *tr = &per_cpu[c];

		t->hypercalls += tr->hypercalls;
		t->kick_irqs += tr->kick_irqs;
		t->kicks_sent += tr->kicks_sent;
		t->timer_irqs += tr->timer_irqs;
		t->device_ticks += tr->device_ticks;
		t->other_calls += tr->other_calls;
		for (uint32_t k = 0; k < BM_NR_CALLS; k++)
			t->calls[k] += tr->calls[k];
	}
}

static void sum(const struct demo_shared *sh, const struct bm_run *run, struct totals *t)
{
	*t = (struct totals){0};
	for (uint32_t d = 0; d < sh->nr_devices; d++) {
		t->sent += load(&sh->dev[d].raised);
		for (uint32_t v = 0; v < sh->nr_vcpus; v++)
			t->handled += load(&sh->vcpu[v].handled[d]);
	}
	for (uint32_t v = 0; v < sh->nr_vcpus; v++) {
		const struct demo_vcpu_slot *s = &sh->vcpu[v];

		t->sent += load(&s->ipi_raised) + load(&s->timer_raised);
		t->ipi_handled += load(&s->handled[DEMO_SRC_IPI]);
		t->timer_handled += load(&s->handled[DEMO_SRC_TIMER]);
		t->handled += load(&s->handled[DEMO_SRC_IPI]) + load(&s->handled[DEMO_SRC_TIMER]);
		t->timer_late_sum += load(&s->timer_late_sum);
		if (load(&s->timer_late_max) > t->timer_late_max)
			t->timer_late_max = load(&s->timer_late_max);
	}
	t->interrupts = t->handled;
	add_traps(&t->run, run->traps, run->nr_cpus);
	if (run->window && run->window_interrupts) {
		add_traps(&t->window, run->window, run->nr_cpus);
		t->window_interrupts = run->window_interrupts;
		t->window_ticks = run->window_ticks;
	} else {
		t->window = t->run;
		t->window_interrupts = t->interrupts;
		t->window_ticks = run->elapsed_ticks;
	}
}

static void table(const struct demo_shared *sh, const struct bm_run *run)
{
	bm_puts("vCPU");
	for (uint32_t d = 0; d < sh->nr_devices; d++) {
		bm_puts("   dev");
		bm_dec(d);
	}
	bm_puts("    IPI  timer raised  wakes spur  dups retarg  exit |  hcalls  kicks timers\n");
	for (uint32_t v = 0; v < sh->nr_vcpus; v++) {
		const struct demo_vcpu_slot *s = &sh->vcpu[v];

		bm_dec_w(v, 4);
		for (uint32_t d = 0; d < sh->nr_devices; d++)
			bm_dec_w(load(&s->handled[d]), 7);
		bm_dec_w(load(&s->handled[DEMO_SRC_IPI]), 7);
		bm_dec_w(load(&s->handled[DEMO_SRC_TIMER]), 7);
		bm_dec_w(load(&s->timer_raised), 7);
		bm_dec_w(load(&s->wakes), 7);
		bm_dec_w(load(&s->spurious), 5);
		bm_dec_w(load(&s->duplicates), 6);
		bm_dec_w(load(&s->retargets), 7);
		if (run->exited[v]) {
			bm_puts("  ");
			bm_dec_w(run->exit_code[v], 4);
		} else
			bm_puts("  none");
		if (v < run->nr_cpus) {
			bm_puts(" |");
			bm_dec_w(run->traps[v].hypercalls, 8);
			bm_dec_w(run->traps[v].kick_irqs, 7);
			bm_dec_w(run->traps[v].timer_irqs, 7);
		}
		bm_putc('\n');
	}
	for (uint32_t d = 0; d < sh->nr_devices; d++) {
		bm_puts("device ");
		bm_dec(d);
		bm_puts(sh->level_devices >> d & 1 ? " (level input) "
			: d % 2			   ? " (MSI doorbell)"
						   : " (wired input) ");
		bm_puts(": raised ");
		bm_dec(load(&sh->dev[d].raised));
		bm_puts(", handled ");
		bm_dec(load(&sh->dev[d].done));
		bm_putc('\n');
	}
}

static void traps_lines(const struct bm_run *run, const struct totals *t)
{
	bm_puts("interrupts handled ");
	bm_dec(t->interrupts);
	bm_puts(" in ");
	bm_dec(run->elapsed_ticks / (run->counter_khz ? run->counter_khz : 1));
	bm_puts(" ms; device latency inject->handler mean ");
	bm_ratio(run->latency_sum_ticks * 1000 / (run->counter_khz ? run->counter_khz : 1),
		 run->latency_samples);
	bm_puts(" us, max ");
	bm_dec(run->latency_max_ticks * 1000 / (run->counter_khz ? run->counter_khz : 1));
	bm_puts(" us\n");
	bm_puts(run->window && run->window_interrupts ? "load phase: " : "whole run: ");
	bm_dec(t->window_interrupts);
	bm_puts(" interrupts in ");
	bm_dec(t->window_ticks / (run->counter_khz ? run->counter_khz : 1));
	bm_puts(" ms; traps per interrupt: hypercalls ");
	bm_ratio(t->window.hypercalls, t->window_interrupts);
	bm_puts(", kick IRQs ");
	bm_ratio(t->window.kick_irqs, t->window_interrupts);
	bm_puts(", timer IRQs ");
	bm_ratio(t->window.timer_irqs, t->window_interrupts);
	bm_puts(", device ticks ");
	bm_ratio(t->window.device_ticks, t->window_interrupts);
	bm_putc('\n');
	bm_puts("hypercalls by call (as above):");
	for (uint32_t k = 0; k < BM_NR_CALLS; k++) {
		if (!t->window.calls[k])
			continue;
		bm_putc(' ');
		bm_puts(call_names[k]);
		bm_putc('=');
		bm_dec(t->window.calls[k]);
	}
	bm_puts("\ninjections: wired ");
	bm_dec(run->injected_wired);
	bm_puts(", MSI ");
	bm_dec(run->injected_msi);
	bm_puts(", refused ");
	bm_dec(run->inject_errors);
	bm_puts("; whole run: hypercalls ");
	bm_dec(t->run.hypercalls);
	bm_puts(", kicks sent ");
	bm_dec(t->run.kicks_sent);
	bm_puts(", other calls (PSCI, console, exit) ");
	bm_dec(t->run.other_calls);
	bm_putc('\n');
}

static const char *pv_mode_name(const struct demo_shared *sh)
{
	return sh->pv_options & DEMO_PV_SHARED_STATE ? "shared" : "trapping";
}

/* The ABI 0.4 parts of the run: which mode, how late the timer ran, and
 * the level-triggered device's accounting. */
static void abi04_lines(const struct demo_shared *sh, const struct bm_run *run,
			const struct totals *t)
{
	bm_puts("libpvirq mode: ");
	bm_puts(pv_mode_name(sh));
	bm_puts(sh->pv_options & DEMO_PV_SHARED_STATE
			? " (state pages shared, end of interrupt in memory)"
			: " (every operation a hypercall)");
	bm_puts(", timer class ");
	bm_dec(sh->pv_options & DEMO_PV_TIMER_CLASS ? DEMO_TIMER_CLASS : 0);
	bm_puts("; timer lateness after its deadline: mean ");
	bm_ratio(t->timer_late_sum, t->timer_handled);
	bm_puts(" ticks, max ");
	bm_dec(t->timer_late_max);
	bm_puts(" ticks (");
	bm_dec(run->counter_khz);
	bm_puts(" ticks/ms)\n");
	if (!sh->level_devices)
		return;
	bm_puts("level device(s)");
	for (uint32_t d = 0; d < sh->nr_devices; d++)
		if (sh->level_devices >> d & 1) {
			bm_putc(' ');
			bm_dec(d);
		}
	bm_puts(": raised ");
	bm_dec(run->level_raises);
	bm_puts(", acknowledged at the device ");
	bm_dec(run->level_acks);
	bm_puts(", resample callbacks ");
	bm_dec(run->level_resamples);
	bm_puts(", RVID_RESAMPLE calls ");
	bm_dec(t->run.calls[BM_CALL_RVID + PVIRQ_FN_RVID_RESAMPLE]);
	bm_puts(", lines still high at the end ");
	bm_dec(run->level_high_at_end);
	bm_putc('\n');
}

/* A JSON number with two decimals (0 when den is 0: JSON has no "-"). */
static void json_ratio(const char *key, uint64_t num, uint64_t den, const char *sep)
{
	bm_puts("\"");
	bm_puts(key);
	bm_puts("\":");
	if (den)
		bm_ratio(num, den);
	else
		bm_putc('0');
	bm_puts(sep);
}

static void json_u64(const char *key, uint64_t v, const char *sep)
{
	bm_puts("\"");
	bm_puts(key);
	bm_puts("\":");
	bm_dec(v);
	bm_puts(sep);
}

static void json(const struct demo_shared *sh, const struct bm_run *run, const struct totals *t,
		 bool ok)
{
	uint64_t khz = run->counter_khz ? run->counter_khz : 1;

	bm_puts("@@json {\"arch\":\"");
	bm_puts(run->arch);
	bm_puts("\",\"mode\":\"");
	bm_puts(run->mode);
	bm_puts("\",");
	json_u64("vcpus", sh->nr_vcpus, ",");
	json_u64("devices", sh->nr_devices, ",");
	json_u64("duration_ms", run->duration_ms, ",");
	json_u64("elapsed_ms", run->elapsed_ticks / khz, ",");
	json_u64("interrupts", t->interrupts, ",");
	json_u64("sent", t->sent, ",");
	json_u64("lost", t->sent - t->handled, ",");
	bm_puts("\"ok\":");
	bm_puts(ok ? "true," : "false,");
	bm_puts("\"traps\":{");
	json_u64("hypercalls", t->run.hypercalls, ",");
	json_u64("kick_irqs", t->run.kick_irqs, ",");
	json_u64("timer_irqs", t->run.timer_irqs, ",");
	json_u64("device_ticks", t->run.device_ticks, ",");
	json_u64("kicks_sent", t->run.kicks_sent, ",");
	json_u64("other_calls", t->run.other_calls, ",");
	bm_puts("\"load_phase\":{");
	json_u64("interrupts", t->window_interrupts, ",");
	json_u64("ms", t->window_ticks / khz, ",");
	json_u64("hypercalls", t->window.hypercalls, ",");
	json_u64("kick_irqs", t->window.kick_irqs, ",");
	json_u64("timer_irqs", t->window.timer_irqs, ",");
	json_u64("device_ticks", t->window.device_ticks, ",");
	json_u64("kicks_sent", t->window.kicks_sent, "");
	bm_puts("},\"per_interrupt\":{");
	json_ratio("hypercalls", t->window.hypercalls, t->window_interrupts, ",");
	json_ratio("kick_irqs", t->window.kick_irqs, t->window_interrupts, ",");
	json_ratio("timer_irqs", t->window.timer_irqs, t->window_interrupts, ",");
	json_ratio("device_ticks", t->window.device_ticks, t->window_interrupts, ",");
	json_ratio("traps", t->window.hypercalls + t->window.kick_irqs + t->window.timer_irqs,
		   t->window_interrupts, "");
	bm_puts("}},\"calls\":{");
	for (uint32_t k = 0, first = 1; k < BM_NR_CALLS; k++) {
		if (!first)
			bm_putc(',');
		first = 0;
		json_u64(call_names[k], t->run.calls[k], "");
	}
	bm_puts("},\"calls_load_phase\":{");
	for (uint32_t k = 0, first = 1; k < BM_NR_CALLS; k++) {
		if (!first)
			bm_putc(',');
		first = 0;
		json_u64(call_names[k], t->window.calls[k], "");
	}
	bm_puts("},\"injections\":{");
	json_u64("wired", run->injected_wired, ",");
	json_u64("msi", run->injected_msi, ",");
	json_u64("refused", run->inject_errors, "");
	bm_puts("},\"pv\":{\"mode\":\"");
	bm_puts(pv_mode_name(sh));
	bm_puts("\",");
	json_u64("timer_class", sh->pv_options & DEMO_PV_TIMER_CLASS ? DEMO_TIMER_CLASS : 0, "");
	bm_puts("},\"timer_lateness_ticks\":{");
	json_u64("samples", t->timer_handled, ",");
	json_u64("sum", t->timer_late_sum, ",");
	json_ratio("mean", t->timer_late_sum, t->timer_handled, ",");
	json_u64("max", t->timer_late_max, "");
	bm_puts("},\"level\":{");
	json_u64("devices", sh->level_devices, ",");
	json_u64("raised", run->level_raises, ",");
	json_u64("acked", run->level_acks, ",");
	json_u64("resample_callbacks", run->level_resamples, ",");
	json_u64("rvid_resample_calls", t->run.calls[BM_CALL_RVID + PVIRQ_FN_RVID_RESAMPLE], ",");
	json_u64("high_at_end", run->level_high_at_end, "");
	bm_puts("},\"latency_us\":{");
	json_ratio("mean", run->latency_sum_ticks * 1000 / khz, run->latency_samples, ",");
	json_u64("max", run->latency_max_ticks * 1000 / khz, "");
	bm_puts("},\"per_vcpu\":[");
	for (uint32_t v = 0; v < sh->nr_vcpus; v++) {
		const struct demo_vcpu_slot *s = &sh->vcpu[v];

		bm_puts(v ? ",{" : "{");
		bm_puts("\"devices\":[");
		for (uint32_t d = 0; d < sh->nr_devices; d++) {
			if (d)
				bm_putc(',');
			bm_dec(load(&s->handled[d]));
		}
		bm_puts("],");
		json_u64("ipi", load(&s->handled[DEMO_SRC_IPI]), ",");
		json_u64("ipi_raised", load(&s->ipi_raised), ",");
		json_u64("timer", load(&s->handled[DEMO_SRC_TIMER]), ",");
		json_u64("timer_raised", load(&s->timer_raised), ",");
		json_u64("spurious", load(&s->spurious), ",");
		json_u64("duplicates", load(&s->duplicates), ",");
		json_u64("retargets", load(&s->retargets), ",");
		json_u64("hypercalls", v < run->nr_cpus ? run->traps[v].hypercalls : 0, ",");
		json_u64("kick_irqs", v < run->nr_cpus ? run->traps[v].kick_irqs : 0, ",");
		json_u64("timer_irqs", v < run->nr_cpus ? run->traps[v].timer_irqs : 0, ",");
		json_u64("exit", run->exited[v] ? run->exit_code[v] : 0xFFFFFFFFu, "}");
	}
	bm_puts("],\"devices_raised\":[");
	for (uint32_t d = 0; d < sh->nr_devices; d++) {
		if (d)
			bm_putc(',');
		bm_dec(load(&sh->dev[d].raised));
	}
	bm_puts("]");
	if (run->failure) {
		bm_puts(",\"failure\":\"");
		bm_puts(run->failure);
		bm_puts("\"");
	}
	bm_puts("}\n");
}

/* Why the run failed, or NULL. */
static const char *verdict(const struct demo_shared *sh, const struct bm_run *run,
			   const struct totals *t, bool workload)
{
	if (run->failure)
		return run->failure;
	for (uint32_t v = 0; v < sh->nr_vcpus; v++)
		if (!run->exited[v])
			return "a vCPU never exited";
		else if (run->exit_code[v] != DEMO_EXIT_OK)
			return "a vCPU exited with an error";
	/* The fault mode's self-IPI is SIGNALled by the guest outside the
	 * workload's accounting: only exit codes count there. */
	if (!workload)
		return 0;
	if (t->sent != t->handled)
		return "interrupts lost";
	if (run->inject_errors)
		return "the library refused an injection";
	if (run->level_high_at_end)
		return "a level-triggered line was still high at the end (never ended)";
	if (run->level_raises != run->level_acks)
		return "a level-triggered device was raised more often than acknowledged";
	for (uint32_t d = 0; d < sh->nr_devices; d++)
		if (load(&sh->dev[d].raised) == 0 ||
		    load(&sh->dev[d].done) != load(&sh->dev[d].raised))
			return "a device never interrupted, or its count is off";
	/* Liveness of each kind, not of each vCPU: a loaded host may leave
	 * one vCPU's thread unscheduled for a whole short run, which loses
	 * nothing (the accounting above is exact) but takes no IPI. */
	if (t->ipi_handled == 0 && sh->nr_vcpus > 1 && sh->ipi_period_tsc)
		return "no IPI was handled";
	if (t->timer_handled == 0)
		return "no timer tick was handled";
	return 0;
}

static void lost_line(const struct totals *t)
{
	bm_puts("lost = ");
	bm_sdec((int64_t)(t->sent - t->handled));
	bm_puts(" (sent ");
	bm_dec(t->sent);
	bm_puts(" - handled ");
	bm_dec(t->handled);
	bm_puts(")\n");
}

bool bm_report(const struct demo_shared *sh, const struct bm_run *run)
{
	bool workload = sh->mode != DEMO_MODE_FAULTS;
	struct totals t;
	const char *why;

	sum(sh, run, &t);
	why = verdict(sh, run, &t, workload);
	bm_puts("\n== ");
	bm_puts(run->arch);
	bm_puts(": ");
	bm_dec(sh->nr_vcpus);
	bm_puts(" vCPUs, ");
	bm_dec(sh->nr_devices);
	bm_puts(" devices, mode ");
	bm_puts(run->mode);
	bm_puts(", ");
	bm_dec(run->duration_ms);
	bm_puts(" ms of load ==\n");
	table(sh, run);
	traps_lines(run, &t);
	abi04_lines(sh, run, &t);
	if (!workload)
		bm_puts("lost: not counted in fault mode (its self-IPI is outside the "
			"accounting)\n");
	else
		lost_line(&t);
	if (why) {
		bm_puts("RESULT: FAILED (");
		bm_puts(why);
		bm_puts(")\n");
	} else
		bm_puts(workload ? "RESULT: OK (lost = 0, every source handled)\n"
				 : "RESULT: OK (fault checks passed)\n");
	json(sh, run, &t, !why);
	return !why;
}
