/* SPDX-License-Identifier: MIT */
/*
 * The guest driver core on vCPU threads against the real host library,
 * with exact accounting: 2 to 4 vCPU threads take interrupts through
 * pvirq_guest_handle_irq() (each through a different architecture's
 * decoder), send each other IPIs, retarget devices, and go offline and
 * back (cpu_down / cpu_up) while a host thread raises device edges,
 * drives a level-triggered timer per vCPU with pvirq_rvic_set_level() and
 * one level-triggered device (an rVID input, pvirq_rvid_set_level()) that
 * is retargeted like the others.
 *
 * Every source has at most one event outstanding (a device raises its next
 * edge only after a handler claimed the last one, the timer line is raised
 * only while low, an IPI is sent only when the last one was handled), so
 * the count is exact: at the end every source must have been handled as
 * many times as it was raised and nothing may be outstanding or pending.
 * A lost edge shows as a source outstanding for ever, and the final drain
 * gives up after a bounded number of polls (no timing involved).
 *
 * The guest's side of the hotplug contract is what a kernel does: one
 * routing lock (Linux: descriptor lock + hotplug lock) serialises
 * retargets, cpu_down and the online mask; IPIs are sent only to CPUs in
 * the online mask, checked under that lock.
 *
 * With --shared every vCPU shares its state page (ABI 0.4) and takes
 * interrupts the way its architecture's hypervisor delivers them: the x86
 * vCPUs (binding x86: vCPUs 0 and 3) acknowledge and end interrupts in
 * memory and are entered only on the one-shot upcall their notify() sends
 * after pvirq_vcpu_rearm(), so an interrupt the driver leaves deliverable
 * without telling the hypervisor is never taken and the drain fails; the
 * arm64 and riscv64 vCPUs acknowledge by call and end interrupts in
 * memory, entered while the line the hypervisor recomputes at entry is
 * high. Odd vCPUs use the EOI_REEVALUATE policy, even ones take a
 * re-pended INTID in the same loop; vCPUs 0 and 1 handle one interrupt
 * per entry, 2 and 3 drain.
 *
 *   test_guest_smp [--vcpus 2..4] [--iterations N] [--shared]
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/guest/driver.h>
#include <pvirq/hosted.h>

#include "host_trap.h"

#define T 32u
#define U 32u
#define NR_DEVICES 6u
/* The last device is level-triggered (ABI 0.4 level rVID input): its line
 * stays high until its handler services it, across retargets and
 * offline periods of its target. */
#define LEVEL_DEVICE (NR_DEVICES - 1u)
#define MAX_VCPUS 4u
#define IPI 1u
#define TIMER 27u
#define HOTPLUG_EVERY 3000u /* iterations between a vCPU's offline periods */
#define OFFLINE_FOR 700u    /* iterations spent offline */
#define DRAIN_POLLS 20000000u

/* One event source with at most one event outstanding. */
struct source {
	atomic_uint outstanding; /* 1 from raise until a handler claims it */
	atomic_ulong raised;
	atomic_ulong handled;
	atomic_ulong duplicates; /* deliveries that found nothing outstanding */
};

static struct {
	struct pvirq_vm *vm;
	uint32_t nr_vcpus, iterations;
	struct pvirq_guest_driver drv;
	struct pvirq_guest_irq table[T + U];
	struct host_trap host[MAX_VCPUS];
	struct pvirq_guest_trap trap[MAX_VCPUS];
	struct pvirq_guest_cpu cpu[MAX_VCPUS];
	bool shared;			  /* --shared */
	struct host_pages pages;	  /* one shared-state page per vCPU */
	uint32_t page_flags[MAX_VCPUS];	  /* per vCPU, by its architecture */
	atomic_uint kicked[MAX_VCPUS];	  /* notify() called: the upcall doorbell */
	atomic_ulong upcalls[MAX_VCPUS];  /* entries on a one-shot upcall */
	uint32_t handler_runs[MAX_VCPUS]; /* by the vCPU's own thread only */
	pthread_mutex_t routing;	  /* routes, cpu_down, online[] */
	bool online[MAX_VCPUS];		  /* under routing */
	struct source dev[NR_DEVICES], ipi[MAX_VCPUS], timer[MAX_VCPUS];
	atomic_uint vcpus_done; /* vCPU threads past their iterations */
	atomic_bool host_done;	/* the host thread raises nothing more */
	atomic_ulong retargets, hotplug_cycles, inject_refused, ipi_refused, stuck;
	int64_t first_error; /* under routing */
} g;

static void claim(struct source *s)
{
	unsigned int one = 1;

	/* seq_cst: the claim must be ordered before the raiser's next CAS
	 * sees 0 and raises again (and TSan then sees the counters ordered). */
	if (atomic_compare_exchange_strong(&s->outstanding, &one, 0))
		atomic_fetch_add(&s->handled, 1);
	else
		atomic_fetch_add(&s->duplicates, 1);
}

static bool try_raise(struct source *s)
{
	unsigned int zero = 0;

	if (!atomic_compare_exchange_strong(&s->outstanding, &zero, 1))
		return false;
	atomic_fetch_add(&s->raised, 1);
	return true;
}

static void unraise(struct source *s)
{
	atomic_fetch_sub(&s->raised, 1);
	atomic_store(&s->outstanding, 0);
}

static uint32_t vcpu_of(struct pvirq_guest_cpu *cpu)
{
	return ((struct host_trap *)cpu->trap.ctx)->vcpu;
}

/* With pages: now and then a handler goes on working after its claim
 * (the claim lets the source raise its next event), so that event latches
 * while the INTID is still masked, and the in-memory end of interrupt finds
 * it pending: the re-evaluate rule's case, made common. */
static void work_after_claim(struct pvirq_guest_cpu *cpu)
{
	if (g.shared && ++g.handler_runs[vcpu_of(cpu)] % 4 == 0)
		sched_yield();
}

static void device_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)intid;
	claim(ctx);
	work_after_claim(cpu);
}

/* Servicing the level device lowers its line before the claim lets the
 * host raise it again (the driver core then does RVID_RESAMPLE, which
 * finds it low, and unmasks). A lowering cannot retract a latch already
 * made, so it may be delivered once more than raised (a duplicate). */
static void level_device_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)intid;
	pvirq_rvid_set_level(g.vm, LEVEL_DEVICE, false);
	claim(ctx);
	work_after_claim(cpu);
}

static void ipi_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)ctx, (void)intid;
	claim(&g.ipi[vcpu_of(cpu)]);
	work_after_claim(cpu);
}

static void timer_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	uint32_t v = vcpu_of(cpu);

	(void)ctx, (void)intid;
	/* The device's acknowledge (reprogram the timer) drops the line
	 * before the claim lets the host raise it again. */
	pvirq_rvic_set_level(g.vm, v, TIMER, false);
	claim(&g.timer[v]);
}

static void note_error(int64_t status)
{
	if (status != 0 && g.first_error == 0)
		g.first_error = status;
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void go_offline(uint32_t v)
{
	pthread_mutex_lock(&g.routing);
	g.online[v] = false; /* no new IPIs or routes from now on */
	note_error(pvirq_guest_cpu_down(&g.cpu[v], 0));
	pthread_mutex_unlock(&g.routing);
}

static void go_online(uint32_t v)
{
	pthread_mutex_lock(&g.routing);
	note_error(pvirq_guest_cpu_up(&g.cpu[v]));
	g.online[v] = true;
	pthread_mutex_unlock(&g.routing);
}

static void send_ipi(uint32_t self, uint32_t to)
{
	pthread_mutex_lock(&g.routing);
	if (g.online[to] && try_raise(&g.ipi[to])) {
		int64_t status = pvirq_guest_send_ipi(&g.cpu[self], to, IPI);

		if (status != 0) {
			atomic_fetch_add(&g.ipi_refused, 1);
			unraise(&g.ipi[to]);
		}
	}
	pthread_mutex_unlock(&g.routing);
}

static void retarget(uint32_t self, uint32_t d, uint32_t to)
{
	pthread_mutex_lock(&g.routing);
	if (g.online[to]) {
		note_error(pvirq_guest_retarget(&g.cpu[self], T + d, to));
		atomic_fetch_add(&g.retargets, 1);
	}
	pthread_mutex_unlock(&g.routing);
}

static bool all_quiet(void)
{
	for (uint32_t d = 0; d < NR_DEVICES; d++)
		if (atomic_load(&g.dev[d].outstanding))
			return false;
	for (uint32_t v = 0; v < g.nr_vcpus; v++)
		if (atomic_load(&g.ipi[v].outstanding) || atomic_load(&g.timer[v].outstanding))
			return false;
	return true;
}

/* With pages, vCPUs 0 and 1 take one interrupt per entry (as the KVM demo
 * does, to save the closing acknowledge): their loops always stop early,
 * so whatever they leave deliverable must be re-evaluated. */
#define SHARED_MAX_HANDLED(v) ((v) < 2 ? 1u : 0u)

/* notify(): may run on any thread, for a vCPU running or not. */
static void kick(void *ctx, uint32_t vcpu)
{
	(void)ctx;
	atomic_store(&g.kicked[vcpu], 1);
}

/* Taking an interrupt. Without pages: the hypervisor injects when the line
 * is high. x86 with a page: only on the one-shot upcall, which the VMM
 * sends when notify() rang and re-arming finds the line high (the rearm
 * clears "notified" first, so a rise after it notifies again). arm64 and
 * riscv64 with a page: the line level recomputed at each entry. */
static void poll_line(uint32_t v)
{
	if (!g.shared) {
		if (pvirq_vcpu_line(g.vm, v))
			pvirq_guest_handle_irq(&g.cpu[v], 0);
		return;
	}
	if (g.page_flags[v] & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY) {
		if (atomic_exchange(&g.kicked[v], 0) && pvirq_vcpu_rearm(g.vm, v)) {
			atomic_fetch_add(&g.upcalls[v], 1);
			pvirq_guest_handle_irq(&g.cpu[v], SHARED_MAX_HANDLED(v));
		}
		return;
	}
	if (pvirq_vcpu_rearm(g.vm, v))
		pvirq_guest_handle_irq(&g.cpu[v], SHARED_MAX_HANDLED(v));
}

static void *vcpu_thread(void *arg)
{
	uint32_t v = (uint32_t)(uintptr_t)arg;
	uint64_t rng = 0x9E3779B97F4A7C15ull * (v + 1);
	uint32_t offline_until = 0;

	for (uint32_t it = 0; it < g.iterations; it++) {
		if (offline_until) {
			/* The timer keeps running in the hypervisor while the
			 * CPU is offline: raise it here too, so every offline
			 * period sees a level raised on a disabled instance. */
			if (try_raise(&g.timer[v]))
				pvirq_rvic_set_level(g.vm, v, TIMER, true);
			if (it >= offline_until) {
				go_online(v);
				offline_until = 0;
			}
			continue;
		}
		poll_line(v);
		if (it % 7 == 0)
			send_ipi(v, (uint32_t)(next_random(&rng) % g.nr_vcpus));
		if (v == 0 && it % 11 == 0)
			retarget(v, (uint32_t)(next_random(&rng) % NR_DEVICES),
				 (uint32_t)(next_random(&rng) % g.nr_vcpus));
		if (v != 0 && it % HOTPLUG_EVERY == HOTPLUG_EVERY / 2 + 100 * v) {
			go_offline(v);
			atomic_fetch_add(&g.hotplug_cycles, 1);
			offline_until = it + OFFLINE_FOR;
		}
	}
	if (offline_until)
		go_online(v);
	atomic_fetch_add(&g.vcpus_done, 1);
	/* Drain: everyone is online, nothing new is sent; what is
	 * outstanding must arrive. */
	for (uint32_t polls = 0;; polls++) {
		poll_line(v);
		/* host_done implies every vCPU is draining: nothing can
		 * make an INTID pending on another vCPU any more, so a low
		 * line here stays low (a late spurious timer latch is
		 * handled first). */
		if (atomic_load(&g.host_done) && all_quiet() && !pvirq_vcpu_line(g.vm, v))
			break;
		if (polls == DRAIN_POLLS) {
			atomic_fetch_add(&g.stuck, 1);
			break;
		}
		if (polls % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static void *host_thread(void *arg)
{
	(void)arg;
	while (atomic_load(&g.vcpus_done) < g.nr_vcpus) {
		/* A level raise is recorded whatever its injection answers:
		 * the hypervisor re-pends a high line at MAP and ENABLE. */
		if (try_raise(&g.dev[LEVEL_DEVICE]))
			pvirq_rvid_set_level(g.vm, LEVEL_DEVICE, true);
		for (uint32_t d = 0; d < LEVEL_DEVICE; d++) {
			if (try_raise(&g.dev[d]) && pvirq_rvid_inject(g.vm, d) != PVIRQ_OK) {
				atomic_fetch_add(&g.inject_refused, 1);
				unraise(&g.dev[d]);
			}
		}
		/* The timer raises its line whether or not the vCPU is
		 * online: a disabled instance remembers the level. */
		for (uint32_t v = 0; v < g.nr_vcpus; v++)
			if (try_raise(&g.timer[v]))
				pvirq_rvic_set_level(g.vm, v, TIMER, true);
		sched_yield();
	}
	atomic_store(&g.host_done, true);
	return NULL;
}

static int check(bool ok, const char *what)
{
	if (!ok)
		fprintf(stderr, "FAIL: %s\n", what);
	return ok ? 0 : 1;
}

static int report(const char *name, struct source *s)
{
	unsigned long raised = atomic_load(&s->raised), handled = atomic_load(&s->handled);

	printf("  %-10s raised %8lu handled %8lu duplicates %6lu outstanding %u\n", name, raised,
	       handled, atomic_load(&s->duplicates), atomic_load(&s->outstanding));
	return check(raised == handled && !atomic_load(&s->outstanding), "raised == handled");
}

int main(int argc, char **argv)
{
	struct pvirq_config cfg = {
		.nr_trusted = T, .nr_untrusted = U, .nr_rvid_inputs = NR_DEVICES};
	pthread_t vcpus[MAX_VCPUS], host;
	unsigned long ipis = 0, timers = 0, stale = 0, repended = 0;
	int failures = 0;

	g.nr_vcpus = 4;
	g.iterations = 30000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--vcpus"))
			g.nr_vcpus = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--iterations"))
			g.iterations = (uint32_t)atoi(argv[i + 1]);
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--shared"))
			g.shared = true;
	if (g.nr_vcpus < 2 || g.nr_vcpus > MAX_VCPUS) {
		fprintf(stderr, "--vcpus must be 2..%u\n", MAX_VCPUS);
		return 2;
	}
	cfg.nr_vcpus = g.nr_vcpus;
	if (g.shared) {
		cfg.notify = kick;
		cfg.guest_page = host_pages_translate;
		cfg.guest_page_ctx = &g.pages;
	}
	if (pvirq_vm_create(&cfg, &g.vm) != PVIRQ_OK)
		return 2;
	pthread_mutex_init(&g.routing, NULL);
	for (uint32_t v = 0; v < g.nr_vcpus; v++)
		host_trap_init(&g.host[v], &g.trap[v], g.vm, v, (enum host_binding)(v % 3));

	/* Boot CPU: probe, handlers, bring-up; then the others; routes. */
	failures += check(pvirq_guest_probe(&g.drv, &g.trap[0], g.table, T + U, 0) == 0, "probe");
	pvirq_guest_set_handler(&g.drv, IPI, ipi_handler, NULL, PVIRQ_GUEST_IRQ_PERCPU);
	pvirq_guest_set_handler(&g.drv, TIMER, timer_handler, NULL,
				PVIRQ_GUEST_IRQ_PERCPU | PVIRQ_GUEST_IRQ_LEVEL);
	for (uint32_t d = 0; d < LEVEL_DEVICE; d++)
		pvirq_guest_set_handler(&g.drv, T + d, device_handler, &g.dev[d], 0);
	failures += check(
		pvirq_rvid_set_trigger(g.vm, LEVEL_DEVICE, true) == PVIRQ_OK &&
			pvirq_guest_set_handler(&g.drv, T + LEVEL_DEVICE, level_device_handler,
						&g.dev[LEVEL_DEVICE], PVIRQ_GUEST_IRQ_LEVEL) == 0,
		"level device");
	for (uint32_t v = 0; v < g.nr_vcpus; v++) {
		pvirq_guest_cpu_init(&g.cpu[v], &g.drv, &g.trap[v], v);
		if (g.shared) {
			g.page_flags[v] =
				(v % 3 == HOST_X86 ? PVIRQ_GUEST_SHARED_ACK_IN_MEMORY : 0u) |
				(v % 2 ? PVIRQ_GUEST_SHARED_EOI_REEVALUATE : 0u);
			note_error(pvirq_guest_cpu_set_shared(&g.cpu[v], g.pages.words[v],
							      host_pages_gpa(v), g.page_flags[v]));
		}
		go_online(v);
		failures += check(g.cpu[v].page_shared == g.shared, "page not shared");
	}
	for (uint32_t d = 0; d < NR_DEVICES; d++)
		note_error(pvirq_guest_route(&g.cpu[0], T + d, d, d % g.nr_vcpus));

	pthread_create(&host, NULL, host_thread, NULL);
	for (uint32_t v = 0; v < g.nr_vcpus; v++)
		pthread_create(&vcpus[v], NULL, vcpu_thread, (void *)(uintptr_t)v);
	for (uint32_t v = 0; v < g.nr_vcpus; v++)
		pthread_join(vcpus[v], NULL);
	pthread_join(host, NULL);

	printf("guest core, %u vCPUs, %u iterations%s: %lu retargets, %lu offline/online cycles\n",
	       g.nr_vcpus, g.iterations, g.shared ? ", shared pages" : "",
	       atomic_load(&g.retargets), atomic_load(&g.hotplug_cycles));
	for (uint32_t d = 0; d < NR_DEVICES; d++)
		failures += report("device", &g.dev[d]);
	for (uint32_t v = 0; v < g.nr_vcpus; v++) {
		failures += report("ipi", &g.ipi[v]);
		failures += report("timer", &g.timer[v]);
		failures += check(!atomic_load(&g.ipi[v].duplicates), "an IPI delivered twice");
		/* A timer may be delivered once more than raised: raising
		 * a level records the level and then latches pending, and
		 * a lowering between the two cannot retract the latch
		 * (rvic.h, pvirq_rvic_set_level(): one spurious interrupt,
		 * which the rVIC model allows). Exactness is raised ==
		 * handled above; duplicates are counted, not failures. */
		failures += check(g.cpu[v].stopped == 0, "ACK loop stopped on an odd status");
		ipis += atomic_load(&g.ipi[v].raised);
		timers += atomic_load(&g.timer[v].raised);
		/* Nothing deliverable is left. A pending bit may remain only
		 * where it can never be delivered: an untrusted INTID masked
		 * on a vCPU it is no longer routed to, the second copy of an
		 * edge that raced a retarget (spec 8.6: delivered at most
		 * twice, here once). */
		failures += check(!pvirq_vcpu_line(g.vm, v), "a line left high");
		for (uint32_t i = 0; i < T + U; i++) {
			bool pending = true, masked = false;

			pvirq_rvic_is_pending(g.vm, v, i, &pending);
			pvirq_rvic_is_masked(g.vm, v, i, &masked);
			if (!pending)
				continue;
			failures += check(i >= T && masked && g.table[i].target != v,
					  "an INTID left pending where it could be delivered");
			stale++;
		}
		printf("  vcpu %u: handled %lu spurious %lu rescued %lu\n", v,
		       (unsigned long)g.cpu[v].handled, (unsigned long)g.cpu[v].spurious,
		       (unsigned long)g.cpu[v].rescued);
		if (g.shared) {
			printf("    shared (%s, %s): acks in memory %lu, EOIs in memory %lu, "
			       "re-pended %lu, re-evaluated %lu, upcalls %lu\n",
			       g.page_flags[v] & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY ? "x86"
										  : "ack by call",
			       g.page_flags[v] & PVIRQ_GUEST_SHARED_EOI_REEVALUATE ? "re-evaluate"
										   : "re-loop",
			       (unsigned long)g.cpu[v].mem_acks, (unsigned long)g.cpu[v].mem_eois,
			       (unsigned long)g.cpu[v].repended,
			       (unsigned long)g.cpu[v].reevaluated, atomic_load(&g.upcalls[v]));
			failures += check(g.cpu[v].mem_eois > 0, "no end of interrupt in memory");
			repended += g.cpu[v].repended;
			if (g.page_flags[v] & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY)
				failures +=
					check(g.cpu[v].mem_acks > 0, "no acknowledge in memory");
		}
	}
	printf("  stale copies of raced edges left masked: %lu\n", stale);
	failures += check(g.first_error == 0, "a driver call failed");
	failures += check(!atomic_load(&g.stuck), "drain never finished: an event was lost");
	failures += check(!atomic_load(&g.ipi_refused), "an IPI to an online CPU was refused");
	failures += check(!atomic_load(&g.inject_refused), "a device edge was refused");
	failures += check(ipis > 0 && timers > 0 && atomic_load(&g.retargets) > 0, "no activity");
	/* The run must have exercised the rule it checks. */
	failures += check(!g.shared || repended > 0, "no end of interrupt found its INTID pending");
	failures += check(atomic_load(&g.hotplug_cycles) ==
					  (g.nr_vcpus - 1) * ((g.iterations + HOTPLUG_EVERY / 2) /
							      HOTPLUG_EVERY) ||
				  atomic_load(&g.hotplug_cycles) > 0,
			  "no hotplug cycle");
	pvirq_vm_destroy(g.vm);
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
