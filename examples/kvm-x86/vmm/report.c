/* SPDX-License-Identifier: MIT */
/*
 * Measurements: counter snapshots around the measured window, the
 * per-mode result, the side-by-side table and the JSON file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/abi.h>

#include "vmm.h"

static uint64_t guest_load(const uint64_t *p)
{
	return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_seq_cst);
}

void demo_snapshot_take(struct demo_vm *vm, struct demo_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->kvm_valid = true;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct demo_vcpu *v = &vm->vcpus[i];
		uint64_t kvm[KSTAT_NR];

		for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
			s->handled += guest_load(&vm->shared->vcpu[i].handled[src]);
		for (int k = 0; k < EXIT_NR_KINDS; k++)
			s->user_exits[k] +=
				atomic_load_explicit(&v->exits[k], memory_order_relaxed);
		s->injections += atomic_load_explicit(&v->injections, memory_order_relaxed);
		for (int c = 0; c < DEMO_NR_CALLS; c++)
			s->calls[c] += atomic_load_explicit(&v->calls[c], memory_order_relaxed);
		if (v->stats_fd < 0)
			s->kvm_valid = false;
		demo_vcpu_read_kvm_stats(v, kvm);
		for (int k = 0; k < KSTAT_NR; k++)
			s->kvm[k] += kvm[k];
	}
	for (uint32_t i = 0; vm->kvm_ctl && i < vm->nr_vcpus; i++) {
		struct demo_kvm_vcpu_ctl *c = &vm->kvm_ctl->vcpu[i];

		s->eoi_msr_writes += guest_load(&c->eoi_msr_writes);
		s->eoi_pv_skipped += guest_load(&c->eoi_pv_skipped);
		s->shared_acks += guest_load(&c->shared_acks);
		s->shared_eoi_again += guest_load(&c->shared_eoi_again);
		s->shared_reevaluate += guest_load(&c->shared_reevaluate);
		s->timer_bypassed += guest_load(&c->timer_bypassed);
		s->pv_eoi_vcpus += atomic_load_explicit((_Atomic uint32_t *)&c->pv_eoi_on,
							memory_order_relaxed) != 0;
	}
	s->upcall_msis = atomic_load_explicit(&vm->upcall_msis, memory_order_relaxed);
	s->kicks_signal = atomic_load_explicit(&vm->kicks_signal, memory_order_relaxed);
	s->kicks_wake = atomic_load_explicit(&vm->kicks_wake, memory_order_relaxed);
	s->ns = demo_now_ns();
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double ticks_to_us(uint64_t ticks, uint64_t tsc_khz)
{
	return (double)ticks * 1000.0 / (double)tsc_khz;
}

static void fill_latency(struct demo_vm *vm, struct demo_result *r)
{
	size_t total = 0, at = 0;
	uint32_t *all;

	for (uint32_t d = 0; d < vm->nr_devices; d++)
		total += vm->devices[d].nr_samples;
	r->latency_samples = total;
	if (!total)
		return;
	all = malloc(total * sizeof(*all));
	if (!all)
		return;
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		if (!vm->devices[d].nr_samples)
			continue; /* e.g. the level device: no array at all */
		memcpy(all + at, vm->devices[d].samples, vm->devices[d].nr_samples * sizeof(*all));
		at += vm->devices[d].nr_samples;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	r->p50_us = ticks_to_us(all[total / 2], vm->tsc_khz);
	r->p99_us = ticks_to_us(all[total * 99 / 100], vm->tsc_khz);
	r->max_us = ticks_to_us(all[total - 1], vm->tsc_khz);
	free(all);
}

/* Timer lateness (raise -> guest ack), every vCPU's samples together. */
static void fill_timer_latency(struct demo_vm *vm, struct demo_result *r)
{
	size_t total = 0, at = 0;
	uint32_t *all;

	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		total += vm->nr_timer_late[i];
	r->timer_samples = total;
	if (!total || !(all = malloc(total * sizeof(*all))))
		return;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->nr_timer_late[i])
			continue;
		memcpy(all + at, vm->timer_late[i], vm->nr_timer_late[i] * sizeof(*all));
		at += vm->nr_timer_late[i];
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	r->timer_p50_us = ticks_to_us(all[total / 2], vm->tsc_khz);
	r->timer_p99_us = ticks_to_us(all[total * 99 / 100], vm->tsc_khz);
	free(all);
}

/* Percentiles of the guests' IPI histograms (see demo_ipi_bucket()). */
static void fill_ipi_latency(struct demo_vm *vm, struct demo_result *r)
{
	static uint64_t hist[DEMO_IPI_HIST_BUCKETS];
	uint64_t total = 0, seen = 0;
	bool have50 = false;

	for (uint32_t b = 0; b < DEMO_IPI_HIST_BUCKETS; b++) {
		hist[b] = 0;
		for (uint32_t i = 0; i < vm->nr_vcpus; i++)
			hist[b] += atomic_load_explicit(
				(_Atomic uint32_t *)&vm->shared->vcpu[i].ipi_latency_us[b],
				memory_order_relaxed);
		total += hist[b];
	}
	r->ipi_samples = total;
	for (uint32_t b = 0; b < DEMO_IPI_HIST_BUCKETS && total; b++) {
		seen += hist[b];
		if (!have50 && seen * 2 >= total) {
			r->ipi_p50_us = demo_ipi_bucket_mid_us(b);
			have50 = true;
		}
		if (seen * 100 >= total * 99) {
			r->ipi_p99_us = demo_ipi_bucket_mid_us(b);
			break;
		}
	}
}

void demo_result_fill(struct demo_vm *vm, const struct demo_snapshot *a,
		      const struct demo_snapshot *b, struct demo_result *r)
{
	struct demo_shared *sh = vm->shared;
	int64_t sent_total = 0, handled_total = 0;
	double irqs;

	r->ran = true;
	r->mode = vm->mode;
	r->variant = vm->variant;
	r->seconds = (double)(b->ns - a->ns) / 1e9;
	r->handled_window = b->handled - a->handled;
	irqs = r->handled_window ? (double)r->handled_window : 1.0;
	r->ok = true;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct demo_vcpu_slot *s = &sh->vcpu[i];

		for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++) {
			r->per_vcpu_source[i][src] = guest_load(&s->handled[src]);
			r->handled[src] += r->per_vcpu_source[i][src];
		}
		r->sent[DEMO_SRC_IPI] += guest_load(&s->ipi_raised);
		r->sent[DEMO_SRC_TIMER] += guest_load(&s->timer_raised);
		r->ipis += guest_load(&s->ipis_sent);
		r->retargets += guest_load(&s->retargets);
		r->spurious += guest_load(&s->spurious);
		r->duplicates += guest_load(&s->duplicates);
		r->guest_exit[i] = vm->vcpus[i].exit_code;
		if (vm->vcpus[i].exit_code != 0)
			r->ok = false;
	}
	for (uint32_t i = 0; vm->nmi_line && i < vm->nr_vcpus; i++) {
		r->nmi_raised += atomic_load(&vm->nmi_raised[i]);
		r->nmi_handled += guest_load(&vm->kvm_ctl->vcpu[i].nmi_handled);
		r->nmi_spurious += guest_load(&vm->kvm_ctl->vcpu[i].nmi_spurious);
	}
	r->nmis_injected = atomic_load(&vm->nmis_injected);
	if (r->nmi_raised != r->nmi_handled)
		r->ok = false;
	r->timer_inject_errors = atomic_load(&vm->timer_inject_errors);
	if (r->timer_inject_errors)
		r->ok = false;
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		r->sent[d] = vm->devices[d].sent;
		r->inject_errors += vm->devices[d].inject_errors;
		if (vm->devices[d].stuck)
			r->stuck_devices |= 1u << d;
		if (vm->devices[d].stuck || vm->devices[d].inject_errors)
			r->ok = false;
	}
	for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++) {
		sent_total += (int64_t)r->sent[src];
		handled_total += (int64_t)r->handled[src];
	}
	r->lost = sent_total - handled_total;
	if (r->lost != 0)
		r->ok = false;
	fill_latency(vm, r);
	if (!r->simulated && vm->kvm_fd >= 0)
		fill_ipi_latency(vm, r);
	fill_timer_latency(vm, r);
	r->level_resamples = atomic_load_explicit(&vm->level_resamples, memory_order_relaxed);
	r->level_device = vm->level_device;
	for (int k = 0; k < EXIT_NR_KINDS; k++)
		r->delta.user_exits[k] = b->user_exits[k] - a->user_exits[k];
	for (int k = 0; k < KSTAT_NR; k++)
		r->delta.kvm[k] = b->kvm[k] - a->kvm[k];
	r->delta.kvm_valid = a->kvm_valid && b->kvm_valid;
	r->delta.kicks_signal = b->kicks_signal - a->kicks_signal;
	r->delta.kicks_wake = b->kicks_wake - a->kicks_wake;
	r->delta.injections = b->injections - a->injections;
	r->delta.upcall_msis = b->upcall_msis - a->upcall_msis;
	r->delta.eoi_msr_writes = b->eoi_msr_writes - a->eoi_msr_writes;
	r->delta.eoi_pv_skipped = b->eoi_pv_skipped - a->eoi_pv_skipped;
	r->delta.shared_acks = b->shared_acks - a->shared_acks;
	r->delta.shared_eoi_again = b->shared_eoi_again - a->shared_eoi_again;
	r->delta.shared_reevaluate = b->shared_reevaluate - a->shared_reevaluate;
	r->delta.timer_bypassed = b->timer_bypassed - a->timer_bypassed;
	r->timer_class = vm->kvm_ctl ? vm->kvm_ctl->timer_class : 0;
	r->delta.pv_eoi_vcpus = b->pv_eoi_vcpus;
	for (int c = 0; c < DEMO_NR_CALLS; c++)
		r->delta.calls[c] = b->calls[c] - a->calls[c];
	r->cost_call_us = ticks_to_us(guest_load(&sh->cost_call_tsc), vm->tsc_khz);
	r->delta.handled = r->handled_window;
	r->delta.ns = b->ns - a->ns;
	r->irq_per_sec = (double)r->handled_window / (r->seconds > 0 ? r->seconds : 1);
	r->kvm_exits_per_irq = (double)r->delta.kvm[KSTAT_EXITS] / irqs;
	uint64_t user = 0;
	for (int k = 0; k < EXIT_NR_KINDS; k++)
		user += r->delta.user_exits[k];
	r->user_exits_per_irq = (double)user / irqs;
	r->kicks_per_irq = (double)(r->delta.kicks_signal + r->delta.kicks_wake) / irqs;
	r->hypercalls_per_irq = (double)r->delta.user_exits[EXIT_HYPERCALL] / irqs;
}

static const char *source_name(uint32_t src, char *buf, size_t len)
{
	if (src == DEMO_SRC_IPI)
		return "ipi";
	if (src == DEMO_SRC_TIMER)
		return "timer";
	snprintf(buf, len, "dev%u", src);
	return buf;
}

static bool source_used(uint32_t src, unsigned nr_devices)
{
	return src < nr_devices || src == DEMO_SRC_IPI || src == DEMO_SRC_TIMER;
}

static const char *const call_names[DEMO_NR_CALLS] = {
	"VERSION",	     "INFO",	   "ENABLE",	   "DISABLE",	    "SET_MASKED",
	"CLEAR_MASKED",	     "IS_PENDING", "SIGNAL",	   "CLEAR_PENDING", "ACK",
	"RESAMPLE",	     "RESET",	   "SHARE_STATE",  "UNSHARE_STATE", "SET_PRIORITY",
	"SET_PRIORITY_MASK", "ACK_NMI",	   "RVID_VERSION", "RVID_MAP",	    "RVID_UNMAP",
	"RVID_RESAMPLE",     "other"};

static const char *const exit_names[EXIT_NR_KINDS] = {[EXIT_HYPERCALL] = "hypercall",
						      [EXIT_CONSOLE] = "console",
						      [EXIT_TIMER_ACK] = "timer-ack",
						      [EXIT_MSI_ROUTE] = "msi-route",
						      [EXIT_LEVEL_TAKE] = "level-take",
						      [EXIT_OTHER_IO] = "other-io",
						      [EXIT_HLT] = "hlt",
						      [EXIT_IRQ_WINDOW] = "irq-window",
						      [EXIT_INTR] = "kick/intr",
						      [EXIT_OTHER] = "other"};

/* Where an interrupt's time goes: exits (KVM's count and ours), the
 * hypercalls among them, and the kicks. */
static void print_costs(const struct demo_result *r)
{
	double irqs = (double)(r->handled_window ? r->handled_window : 1);

	if (r->delta.kvm_valid)
		printf("  per interrupt: %.2f VM exits (KVM: hlt %.2f, irq-window %.2f, signal "
		       "%.2f, host-irq %.2f; %.2f stay in the kernel)\n",
		       r->kvm_exits_per_irq, (double)r->delta.kvm[KSTAT_HALT_EXITS] / irqs,
		       (double)r->delta.kvm[KSTAT_IRQ_WINDOW_EXITS] / irqs,
		       (double)r->delta.kvm[KSTAT_SIGNAL_EXITS] / irqs,
		       (double)r->delta.kvm[KSTAT_IRQ_EXITS] / irqs,
		       r->kvm_exits_per_irq - r->user_exits_per_irq);
	if (r->delta.kvm[KSTAT_INSN_EMULATION])
		printf("  per interrupt: %.1f guest instructions run by KVM's instruction emulator "
		       "(README: \"Emulated guest\")\n",
		       (double)r->delta.kvm[KSTAT_INSN_EMULATION] / irqs);
	if (r->delta.eoi_msr_writes + r->delta.eoi_pv_skipped)
		printf("  per interrupt: %.2f LAPIC EOI MSR writes (exits), %.2f EOIs skipped by "
		       "PV-EOI (enabled on %u vCPUs)\n",
		       (double)r->delta.eoi_msr_writes / irqs,
		       (double)r->delta.eoi_pv_skipped / irqs, r->delta.pv_eoi_vcpus);
	if (r->delta.shared_acks)
		printf("  shared-state page: %.2f acknowledgements in memory per interrupt, %llu "
		       "found pending again at their end, %llu re-evaluations after a full handler "
		       "loop; %.2f upcall MSIs per interrupt\n",
		       (double)r->delta.shared_acks / irqs,
		       (unsigned long long)r->delta.shared_eoi_again,
		       (unsigned long long)r->delta.shared_reevaluate,
		       (double)r->delta.upcall_msis / irqs);
	if (r->delta.kvm[KSTAT_HALT_POLL_TRIED])
		printf("  KVM halt polling: %llu of %llu in-kernel halts ended while polling\n",
		       (unsigned long long)r->delta.kvm[KSTAT_HALT_POLL_OK],
		       (unsigned long long)r->delta.kvm[KSTAT_HALT_POLL_TRIED]);
	if (!r->simulated) {
		printf("  per interrupt, at the VMM: %.2f exits:", r->user_exits_per_irq);
		for (int k = 0; k < EXIT_NR_KINDS; k++)
			if (r->delta.user_exits[k])
				printf(" %s %.2f", exit_names[k],
				       (double)r->delta.user_exits[k] / irqs);
		printf("\n");
	}
	if (r->hypercalls_per_irq > 0) {
		printf("  hypercalls per interrupt: %.2f =", r->hypercalls_per_irq);
		for (int c = 0; c < DEMO_NR_CALLS; c++)
			if (r->delta.calls[c])
				printf(" %s %.2f", call_names[c], (double)r->delta.calls[c] / irqs);
		printf("\n");
	}
	printf("  kicks per interrupt: %.2f (%llu signals out of KVM_RUN, %llu futex wakes of "
	       "halted vCPUs)\n",
	       r->kicks_per_irq, (unsigned long long)r->delta.kicks_signal,
	       (unsigned long long)r->delta.kicks_wake);
	if (r->cost_call_us > 0)
		printf("  one %s round trip: %.2f us\n",
		       r->mode == DEMO_MODE_LAPIC ? "x2APIC MSR-write exit (in-kernel)"
						  : "hypercall exit (guest -> VMM -> guest)",
		       r->cost_call_us);
}

void demo_print_result(const struct demo_result *r, unsigned nr_vcpus, unsigned nr_devices)
{
	char name[16];

	printf("\n== %s ==\n", r->name);
	printf("  handled   ");
	for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
		if (source_used(src, nr_devices))
			printf("%10s", source_name(src, name, sizeof(name)));
	printf("\n");
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		printf("  vcpu%-5u ", i);
		for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
			if (source_used(src, nr_devices))
				printf("%10llu", (unsigned long long)r->per_vcpu_source[i][src]);
		printf("\n");
	}
	printf("  total     ");
	for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
		if (source_used(src, nr_devices))
			printf("%10llu", (unsigned long long)r->handled[src]);
	printf("\n  sent      ");
	for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++)
		if (source_used(src, nr_devices))
			printf("%10llu", (unsigned long long)r->sent[src]);
	printf("\n  lost (sent - handled) = %lld   IPIs sent = %llu   retargets = %llu   "
	       "spurious acks = %llu   duplicates = %llu\n",
	       (long long)r->lost, (unsigned long long)r->ipis, (unsigned long long)r->retargets,
	       (unsigned long long)r->spurious, (unsigned long long)r->duplicates);
	printf("  window %.2f s: %.0f interrupts/s, latency p50 %.2f us p99 %.2f us max %.1f us "
	       "(%llu samples)\n",
	       r->seconds, r->irq_per_sec, r->p50_us, r->p99_us, r->max_us,
	       (unsigned long long)r->latency_samples);
	if (r->ipi_samples)
		printf("  IPI latency (guest TSC): p50 %.1f us p99 %.1f us (%llu "
		       "samples)\n",
		       r->ipi_p50_us, r->ipi_p99_us, (unsigned long long)r->ipi_samples);
	if (r->timer_samples)
		printf("  timer lateness, raise -> guest ack: p50 %.1f us p99 %.1f us (%llu "
		       "samples); "
		       "%llu devices taken while the timer (class %u) waited\n",
		       r->timer_p50_us, r->timer_p99_us, (unsigned long long)r->timer_samples,
		       (unsigned long long)r->delta.timer_bypassed, r->timer_class);
	if (r->nmi_raised)
		printf("  NMI class: %llu raised, %llu handled, %llu NMIs injected, %llu found "
		       "nothing\n",
		       (unsigned long long)r->nmi_raised, (unsigned long long)r->nmi_handled,
		       (unsigned long long)r->nmis_injected, (unsigned long long)r->nmi_spurious);
	if (r->level_resamples)
		printf("  level device: %llu RVID_RESAMPLE callbacks\n",
		       (unsigned long long)r->level_resamples);
	print_costs(r);
	if (r->inject_errors || r->timer_inject_errors || r->stuck_devices)
		printf("  injection errors: %llu device, %llu timer; stuck devices %#x\n",
		       (unsigned long long)r->inject_errors,
		       (unsigned long long)r->timer_inject_errors, r->stuck_devices);
	printf("  guest exit codes:");
	for (uint32_t i = 0; i < nr_vcpus; i++)
		printf(" %d", r->guest_exit[i]);
	printf("  -> %s\n", r->ok ? "OK" : "FAILED");
}

/* One row of the side-by-side table: the value of each mode. */
static void row(const char *what, const struct demo_result *res, size_t nr, const char *fmt,
		double (*get)(const struct demo_result *))
{
	printf("  %-36s", what);
	for (size_t i = 0; i < nr; i++) {
		char cell[32];

		snprintf(cell, sizeof(cell), fmt, get(&res[i]));
		printf(" %15s", cell);
	}
	printf("\n");
}

static double irqs_of(const struct demo_result *r)
{
	return (double)(r->handled_window ? r->handled_window : 1);
}
static double get_rate(const struct demo_result *r)
{
	return r->irq_per_sec;
}
static double get_p50(const struct demo_result *r)
{
	return r->p50_us;
}
static double get_p99(const struct demo_result *r)
{
	return r->p99_us;
}
static double get_ipi_p50(const struct demo_result *r)
{
	return r->ipi_p50_us;
}
static double get_ipi_p99(const struct demo_result *r)
{
	return r->ipi_p99_us;
}
static double get_timer_p50(const struct demo_result *r)
{
	return r->timer_p50_us;
}
static double get_timer_p99(const struct demo_result *r)
{
	return r->timer_p99_us;
}
static double get_bypassed(const struct demo_result *r)
{
	return (double)r->delta.timer_bypassed;
}
static double get_exits(const struct demo_result *r)
{
	return r->kvm_exits_per_irq;
}
static double get_user_exits(const struct demo_result *r)
{
	return r->user_exits_per_irq;
}
static double get_calls(const struct demo_result *r)
{
	return r->hypercalls_per_irq;
}
static double get_kicks(const struct demo_result *r)
{
	return r->kicks_per_irq;
}
static double get_eoi_msr(const struct demo_result *r)
{
	return (double)r->delta.eoi_msr_writes / irqs_of(r);
}
static double get_msis(const struct demo_result *r)
{
	return (double)r->delta.upcall_msis / irqs_of(r);
}
static double get_emulated(const struct demo_result *r)
{
	return (double)r->delta.kvm[KSTAT_INSN_EMULATION] / irqs_of(r);
}
static double get_round_trip(const struct demo_result *r)
{
	return r->cost_call_us;
}
static double get_retargets(const struct demo_result *r)
{
	return (double)r->retargets;
}
static double get_ipis(const struct demo_result *r)
{
	return (double)r->ipis;
}
static double get_dups(const struct demo_result *r)
{
	return (double)(r->spurious + r->duplicates);
}
static double get_lost(const struct demo_result *r)
{
	return (double)r->lost;
}

void demo_print_comparison(const struct demo_result *res, size_t nr)
{
	printf("\n== side by side (same guest workload, same devices, same run) ==\n");
	printf("  %-36s", "");
	for (size_t i = 0; i < nr; i++)
		printf(" %15s", res[i].variant ? res[i].variant->label : res[i].name);
	printf("\n");
	row("interrupts per second", res, nr, "%.0f", get_rate);
	row("latency p50, inject->handler (us)", res, nr, "%.1f", get_p50);
	row("latency p99, inject->handler (us)", res, nr, "%.1f", get_p99);
	row("IPI latency p50, send->handler (us)", res, nr, "%.1f", get_ipi_p50);
	row("IPI latency p99, send->handler (us)", res, nr, "%.1f", get_ipi_p99);
	row("timer lateness p50 (us)", res, nr, "%.1f", get_timer_p50);
	row("timer lateness p99 (us)", res, nr, "%.1f", get_timer_p99);
	row("devices taken while timer waited", res, nr, "%.0f", get_bypassed);
	row("VM exits per interrupt (KVM)", res, nr, "%.2f", get_exits);
	row("  of which reach the VMM", res, nr, "%.2f", get_user_exits);
	row("hypercalls per interrupt", res, nr, "%.2f", get_calls);
	row("LAPIC EOI MSR writes per interrupt", res, nr, "%.2f", get_eoi_msr);
	row("upcall MSIs per interrupt", res, nr, "%.2f", get_msis);
	row("kicks per interrupt", res, nr, "%.2f", get_kicks);
	row("emulated guest insns per interrupt", res, nr, "%.0f", get_emulated);
	row("one exit round trip (us) [1]", res, nr, "%.2f", get_round_trip);
	row("retargets", res, nr, "%.0f", get_retargets);
	row("IPIs", res, nr, "%.0f", get_ipis);
	row("spurious acks / duplicates", res, nr, "%.0f", get_dups);
	row("lost (sent - handled)", res, nr, "%.0f", get_lost);
	printf("  [1] libpvirq: a VERSION hypercall through the port-I/O doorbell to the VMM;\n"
	       "      LAPIC: an x2APIC TPR write handled inside KVM (as EOI and ICR are).\n");
}

static void json_result(FILE *f, const struct demo_result *r, unsigned nr_vcpus,
			unsigned nr_devices)
{
	char name[16];

	fprintf(f, "    {\"name\": \"%s\", \"mode\": \"%s\", \"ok\": %s, \"seconds\": %.3f,\n",
		r->name, r->variant ? r->variant->option : "", r->ok ? "true" : "false",
		r->seconds);
	fprintf(f, "     \"interrupts_window\": %llu, \"interrupts_per_second\": %.1f,\n",
		(unsigned long long)r->handled_window, r->irq_per_sec);
	fprintf(f,
		"     \"latency_us\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
		"\"samples\": %llu},\n",
		r->p50_us, r->p99_us, r->max_us, (unsigned long long)r->latency_samples);
	fprintf(f,
		"     \"exits_per_interrupt\": {\"kvm\": %.3f, \"vmm\": %.3f}, "
		"\"hypercalls_per_interrupt\": %.3f, \"kicks_per_interrupt\": %.3f,\n",
		r->kvm_exits_per_irq, r->user_exits_per_irq, r->hypercalls_per_irq,
		r->kicks_per_irq);
	fprintf(f,
		"     \"emulated_instructions_per_interrupt\": %.1f, "
		"\"lapic_eoi_msr_writes_per_interrupt\": %.3f, "
		"\"pv_eoi_skips_per_interrupt\": %.3f, \"upcall_msis_per_interrupt\": %.3f, "
		"\"shared_acks_per_interrupt\": %.3f,\n",
		get_emulated(r), get_eoi_msr(r), (double)r->delta.eoi_pv_skipped / irqs_of(r),
		get_msis(r), (double)r->delta.shared_acks / irqs_of(r));
	/* bench/decoder_cost.py: the decoder's share of a trap round trip. */
	fprintf(f, "     \"exit_round_trip_us\": %.3f,\n", r->cost_call_us);
	fprintf(f,
		"     \"timer_lateness_us\": {\"p50\": %.3f, \"p99\": %.3f, \"samples\": %llu}, "
		"\"timer_class\": %u, \"devices_taken_while_timer_waited\": %llu,\n",
		r->timer_p50_us, r->timer_p99_us, (unsigned long long)r->timer_samples,
		r->timer_class, (unsigned long long)r->delta.timer_bypassed);
	fprintf(f,
		"     \"nmi\": {\"raised\": %llu, \"handled\": %llu, \"injected\": %llu, "
		"\"spurious\": %llu},\n",
		(unsigned long long)r->nmi_raised, (unsigned long long)r->nmi_handled,
		(unsigned long long)r->nmis_injected, (unsigned long long)r->nmi_spurious);
	fprintf(f, "     \"hypercalls\": {");
	for (int c = 0, first = 1; c < DEMO_NR_CALLS; c++) {
		if (!r->delta.calls[c])
			continue;
		fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", call_names[c],
			(unsigned long long)r->delta.calls[c]);
		first = 0;
	}
	fprintf(f, "},\n");
	fprintf(f,
		"     \"ipis\": %llu, \"retargets\": %llu, \"spurious_acks\": %llu, "
		"\"duplicates\": %llu, \"lost\": %lld,\n",
		(unsigned long long)r->ipis, (unsigned long long)r->retargets,
		(unsigned long long)r->spurious, (unsigned long long)r->duplicates,
		(long long)r->lost);
	fprintf(f, "     \"sources\": {");
	for (uint32_t src = 0, first = 1; src < DEMO_NR_SOURCES; src++) {
		if (!source_used(src, nr_devices))
			continue;
		fprintf(f, "%s\"%s\": {\"sent\": %llu, \"handled\": %llu}", first ? "" : ", ",
			source_name(src, name, sizeof(name)), (unsigned long long)r->sent[src],
			(unsigned long long)r->handled[src]);
		first = 0;
	}
	fprintf(f, "},\n     \"per_vcpu\": [");
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		fprintf(f, "%s{", i ? ", " : "");
		for (uint32_t src = 0, first = 1; src < DEMO_NR_SOURCES; src++) {
			if (!source_used(src, nr_devices))
				continue;
			fprintf(f, "%s\"%s\": %llu", first ? "" : ", ",
				source_name(src, name, sizeof(name)),
				(unsigned long long)r->per_vcpu_source[i][src]);
			first = 0;
		}
		fprintf(f, "}");
	}
	fprintf(f, "]}");
}

int demo_write_json(const char *path, const struct demo_options *opt, const struct demo_result *res,
		    size_t nr, bool simulated)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\n  \"simulated\": %s, \"vcpus\": %u, \"devices\": %u, \"seconds\": %.3f,\n",
		simulated ? "true" : "false", opt->vcpus, opt->devices, opt->seconds);
	fprintf(f, "  \"timer_us\": %u, \"ipi_us\": %u, \"retarget_us\": %u,\n", opt->timer_us,
		opt->ipi_us, opt->retarget_us);
	fprintf(f,
		"  \"level_device\": %s, \"storm_work\": %u, \"timer_class\": %u,\n  \"modes\": "
		"[\n",
		opt->level_device ? "true" : "false", opt->storm_work, opt->timer_class);
	for (size_t i = 0; i < nr; i++) {
		json_result(f, &res[i], opt->vcpus, opt->devices);
		fprintf(f, "%s\n", i + 1 < nr ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f);
}

static bool fail(bool quiet, const struct demo_result *r, const char *what)
{
	if (!quiet)
		fprintf(stderr, "check: %s: %s\n", r->name, what);
	return false;
}

bool demo_result_check(const struct demo_result *r, const struct demo_options *opt, bool quiet)
{
	const struct demo_variant_info *v = r->variant;
	bool ok = r->ok;

	for (uint32_t src = 0; src < DEMO_NR_SOURCES; src++) {
		if (!source_used(src, opt->devices) || r->sent[src] == 0)
			continue;
		if (r->handled[src] == 0) {
			if (!quiet)
				fprintf(stderr, "check: %s: source %u never handled\n", r->name,
					src);
			ok = false;
		}
	}
	for (uint32_t d = 0; d < opt->devices; d++)
		if (r->handled[d] == 0) {
			if (!quiet)
				fprintf(stderr, "check: %s: device %u never handled\n", r->name, d);
			ok = false;
		}
	if (r->lost != 0) {
		if (!quiet)
			fprintf(stderr, "check: %s: lost = %lld\n", r->name, (long long)r->lost);
		ok = false;
	}
	if (!opt->check || !v)
		return ok;
	if (opt->retarget_us && opt->vcpus > 1 && r->retargets == 0)
		ok = fail(quiet, r, "no retargets happened");
	if (v->shared_state) {
		uint64_t calls = 0,
			 reeval = r->delta.calls[DEMO_CALL_RVIC_FIRST + PVIRQ_FN_RVIC_CLEAR_MASKED];

		for (int c = 0; c < DEMO_NR_CALLS; c++)
			calls += r->delta.calls[c];
		/* The page did the acknowledging: not one ACK call in the
		 * window. With devices alone (no timer to RESAMPLE, no IPI to
		 * SIGNAL, no retarget) not one call on the path of an edge to
		 * an unmasked INTID: the only calls allowed are the
		 * CLEAR_MASKED re-evaluations of edges that latched while
		 * their INTID was masked (in service) and that a handler loop
		 * stopped by its budget left behind, as many as the guest
		 * counted (+1 per vCPU for a call in flight at a snapshot). */
		/* Every interrupt was acknowledged in the page (the two
		 * counters are sampled a moment apart: a couple in flight per
		 * vCPU at each end of the window). */
		if (r->delta.shared_acks + 2 * opt->vcpus < r->handled_window)
			ok = fail(quiet, r, "fewer in-memory acknowledgements than interrupts");
		if (r->delta.calls[DEMO_CALL_RVIC_FIRST + PVIRQ_FN_RVIC_ACKNOWLEDGE])
			ok = fail(quiet, r, "ACKNOWLEDGE was called with a shared-state page");
		if (!opt->timer_us && !opt->ipi_us && !opt->retarget_us &&
		    (r->handled_window == 0 || calls != reeval ||
		     reeval > r->delta.shared_reevaluate + opt->vcpus))
			ok = fail(quiet, r, "device interrupts to unmasked INTIDs made hypercalls");
	}
	/* Strict priority: with the timer in a higher class no device is
	 * taken while the timer is deliverable (the guest reads the timer's
	 * state before each acknowledge; only it takes its timer, so the
	 * timer stays deliverable through the choice): exactly 0. */
	if (v->shared_state && r->timer_class > 0 && r->delta.timer_bypassed)
		ok = fail(quiet, r, "devices were taken while a higher-class timer waited");
	/* The NMI class: every NMI-class INTID raised was taken by the NMI
	 * handler (r->ok compares the totals), and some were raised. */
	if (v->shared_state && opt->nmi_us && !r->simulated &&
	    (r->nmi_raised == 0 || r->nmi_raised != r->nmi_handled))
		ok = fail(quiet, r, "NMI class: raised and handled differ, or none raised");
	/* Every item of the level device ended with an RVID_RESAMPLE, which
	 * calls the device model's resample() (ABI 0.4: by input, wherever
	 * the input is routed now). */
	if (r->level_device && (r->handled[0] == 0 || r->level_resamples < r->handled[0]))
		ok = fail(quiet, r, "level device: an item without its RVID_RESAMPLE");
	/* One EOI write per interrupt without PV-EOI (sampled a moment
	 * apart from the handled counters, as above). */
	if (v->lapic_eoi == DEMO_EOI_MSR && !r->simulated &&
	    r->delta.eoi_msr_writes + 2 * opt->vcpus < r->handled_window)
		ok = fail(quiet, r, "fewer EOI writes than interrupts without PV-EOI");
	return ok;
}
