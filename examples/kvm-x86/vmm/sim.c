/* SPDX-License-Identifier: MIT */
/*
 * The fallback for machines without /dev/kvm: the same workload with
 * threads in the vCPUs' place. Each "vCPU" makes its calls through the
 * same x86 decoder (pvirq_x86_handle_hypercall) with the registers a
 * guest would load, takes an "upcall" when pvirq_vcpu_rearm() says its
 * line is high, and sleeps on the same futex the real VMM uses when
 * halted; devices and the timer are the real VMM's threads (devices.c).
 * There is no VM: no exits, no injection, no baseline. It checks the
 * library's behaviour under the workload (lost == 0), not its speed.
 *
 * The "guest" side is the guest driver core (include/pvirq/guest/), as in
 * the real guest, with a trap that hands the registers to the decoder:
 * probe, bring-up, the upcall's entry path, routes, retargets and IPIs are
 * the same code the KVM guest runs.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pvirq/arch/x86_64.h>
#include <pvirq/guest/driver.h>
#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#include "../guest/shared_ack.h"
#include "vmm.h"

/* The simulated guest's shared-state pages (shared variants). */
#define SIM_PAGES_GPA 0x20000ull

struct sim_call {
	int64_t status;
	uint64_t value;
};

/* A hypercall as the guest makes it: registers in, registers out. */
static struct sim_call call(struct demo_vcpu *v, uint32_t id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct pvirq_x86_regs r = {.rax = id, .rbx = a0, .rcx = a1, .rsi = a2};

	atomic_fetch_add_explicit(&v->exits[EXIT_HYPERCALL], 1, memory_order_relaxed);
	/* The driver core makes only calls of the ABI (no "other"). */
	atomic_fetch_add_explicit(
		&v->calls[id >= PVIRQ_ABI_RVIC_BASE
				  ? DEMO_CALL_RVIC_FIRST + id - PVIRQ_ABI_RVIC_BASE
				  : DEMO_CALL_RVID_FIRST + id - PVIRQ_ABI_RVID_BASE],
		1, memory_order_relaxed);
	if (pvirq_x86_handle_hypercall(v->vm->pvirq, v->index, &r) != PVIRQ_OK)
		return (struct sim_call){PVIRQ_ABI_STATUS_NOT_SUPPORTED, 0};
	return (struct sim_call){(int64_t)r.rax, r.rbx};
}

/* The driver core's view of the simulated guest: one driver, one object
 * per vCPU (with its demo_vcpu beside it, for the handlers), and one
 * object for routes and IPIs, whose trap counts on the vCPU making them. */
struct sim_cpu {
	struct pvirq_guest_cpu core; /* first: handlers get &core */
	struct demo_vcpu *v;
	struct shared_ack_cpu page; /* shared variants: the vCPU's page */
};

static struct pvirq_guest_driver sim_driver;
static struct pvirq_guest_irq sim_intids[DEMO_NR_TRUSTED + DEMO_NR_UNTRUSTED];
static struct sim_cpu sim_cpus[DEMO_MAX_VCPUS];

static struct pvirq_guest_ret sim_trap(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
				       uint64_t a2)
{
	struct sim_call r = call(ctx, id, a0, a1, a2);

	return (struct pvirq_guest_ret){r.status, r.value};
}

static void sim_trap_for(struct demo_vcpu *v, struct pvirq_guest_trap *trap)
{
	trap->call = sim_trap;
	trap->ctx = v;
}

static uint64_t load(uint64_t *p)
{
	return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_seq_cst);
}

static void store(uint64_t *p, uint64_t v)
{
	atomic_store_explicit((_Atomic uint64_t *)p, v, memory_order_seq_cst);
}

static void handle_device(struct demo_vcpu *v, uint32_t d)
{
	struct demo_device_slot *dev = &v->vm->shared->dev[d];
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];
	uint64_t claimed = load(&dev->claimed), one = 1;

	/* As guest/workload.c: claim, stamp, count, done, doorbell. */
	if (claimed == load(&dev->raised) ||
	    !atomic_compare_exchange_strong((_Atomic uint64_t *)&dev->claimed, &claimed,
					    claimed + 1)) {
		store(&me->duplicates, me->duplicates + 1);
		return;
	}
	store(&dev->handled_tsc, demo_rdtsc());
	store(&me->handled[d], me->handled[d] + 1);
	store(&dev->done, claimed + 1);
	if (write(v->vm->devices[d].eventfd, &one, sizeof(one)) < 0)
		perror("doorbell");
}

static struct demo_vcpu *vcpu_of(struct pvirq_guest_cpu *cpu)
{
	return ((struct sim_cpu *)cpu)->v;
}

/* The level device, as guest/ctl_pvirq_shared.c: take one item at the
 * device (which drops the line after the last); the upcall loop then
 * RVID_RESAMPLEs. */
static void handle_level_device(struct demo_vcpu *v, uint32_t d)
{
	struct demo_device_slot *dev = &v->vm->shared->dev[d];
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];
	uint64_t one = 1;

	if (!demo_level_take(v->vm)) {
		store(&me->duplicates, me->duplicates + 1);
		return;
	}
	store(&me->handled[d], me->handled[d] + 1);
	atomic_fetch_add_explicit((_Atomic uint64_t *)&dev->done, 1, memory_order_seq_cst);
	if (write(v->vm->devices[d].eventfd, &one, sizeof(one)) < 0)
		perror("doorbell");
}

/* Handlers: what examples/workload/workload.c does per source. */
static void on_device(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct demo_vcpu *v = vcpu_of(cpu);

	(void)ctx;
	if (v->vm->level_device && intid == DEMO_INTID_DEVICE(0))
		handle_level_device(v, 0);
	else
		handle_device(v, intid - DEMO_NR_TRUSTED);
	for (unsigned i = 0; i < v->vm->opt->storm_work; i++)
		__asm__ volatile("pause");
}

static void on_ipi(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct demo_vcpu *v = vcpu_of(cpu);
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];

	(void)ctx, (void)intid;
	store(&me->handled[DEMO_SRC_IPI], me->handled[DEMO_SRC_IPI] + 1);
}

static void on_timer(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct demo_vcpu *v = vcpu_of(cpu);
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];

	(void)ctx, (void)intid;
	store(&me->handled[DEMO_SRC_TIMER], me->handled[DEMO_SRC_TIMER] + 1);
	demo_timer_ack(v->vm, v->index);
}

static void on_wake(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct demo_vcpu *v = vcpu_of(cpu);
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];

	(void)ctx, (void)intid;
	store(&me->wakes, me->wakes + 1);
}

/* vCPU 0, before any vCPU thread runs: what ctl_pvirq.c's probe does. */
static bool sim_probe(struct demo_vcpu *v0)
{
	struct pvirq_guest_trap trap;
	bool ok;

	sim_trap_for(v0, &trap);
	if (pvirq_guest_probe(&sim_driver, &trap, sim_intids, DEMO_NR_TRUSTED + DEMO_NR_UNTRUSTED,
			      0) != PVIRQ_GUEST_PROBE_OK)
		return false;
	ok = pvirq_guest_set_handler(&sim_driver, DEMO_INTID_IPI, on_ipi, NULL,
				     PVIRQ_GUEST_IRQ_PERCPU) == 0 &&
	     pvirq_guest_set_handler(&sim_driver, DEMO_INTID_TIMER, on_timer, NULL,
				     PVIRQ_GUEST_IRQ_PERCPU | PVIRQ_GUEST_IRQ_LEVEL) == 0 &&
	     pvirq_guest_set_handler(&sim_driver, DEMO_INTID_WAKE, on_wake, NULL,
				     PVIRQ_GUEST_IRQ_PERCPU) == 0;
	for (uint32_t d = 0; ok && d < DEMO_MAX_DEVICES; d++)
		ok = pvirq_guest_set_handler(&sim_driver, DEMO_INTID_DEVICE(d), on_device, NULL,
					     0) == 0;
	return ok;
}

/* The shared variants' upcall, as the KVM guest's (guest/
 * ctl_pvirq_shared.c): acknowledge and end in the page until nothing is
 * deliverable; only the level timer's RESAMPLE is a call. */
static void upcall_shared(struct demo_vcpu *v)
{
	struct sim_cpu *sc = &sim_cpus[v->index];
	struct demo_kvm_vcpu_ctl *ctl = &v->vm->kvm_ctl->vcpu[v->index];
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];
	uint32_t handled = 0, budget;
	int got;

	for (budget = sim_driver.nr_irqs; budget > 0; budget--) {
		/* Before the acknowledge: see guest/ctl_pvirq_shared.c. */
		bool timer_waiting = shared_is_deliverable(&sc->page, DEMO_INTID_TIMER);
		const struct pvirq_guest_irq *irq;
		uint32_t intid;
		bool unmask;

		got = shared_ack(&sc->page);

		if (got < 0 || (uint32_t)got >= sim_driver.nr_irqs)
			break;
		intid = (uint32_t)got;
		store(&ctl->shared_acks, ctl->shared_acks + 1);
		irq = &sim_intids[intid];
		if (!irq->handler)
			continue;
		if (intid >= DEMO_NR_TRUSTED && timer_waiting)
			store(&ctl->timer_bypassed, ctl->timer_bypassed + 1);
		irq->handler(irq->ctx, &sc->core, intid);
		handled++;
		if (intid == DEMO_INTID_TIMER && !v->vm->timer_edge)
			call(v, PVIRQ_ABI_ID(RVIC, RESAMPLE), intid, 0, 0);
		if (v->vm->level_device && intid == DEMO_INTID_DEVICE(0))
			call(v, PVIRQ_ABI_ID(RVID, RESAMPLE), 0 /* its input */, 0, 0);
		unmask = intid < DEMO_NR_TRUSTED ||
			 atomic_load_explicit(
				 (_Atomic uint32_t *)&v->vm->shared->dev[intid - DEMO_NR_TRUSTED]
					 .target,
				 memory_order_seq_cst) == v->index;
		if (unmask && shared_eoi(&sc->page, intid))
			store(&ctl->shared_eoi_again, ctl->shared_eoi_again + 1);
	}
	/* As the guest: a loop stopped by its budget has the host
	 * re-evaluate what its ends of interrupt found pending again. */
	if (budget == 0 && (got = shared_first_deliverable(&sc->page)) >= 0) {
		call(v, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED), v->index, (uint32_t)got, 0);
		store(&ctl->shared_reevaluate, ctl->shared_reevaluate + 1);
	}
	if (!handled)
		store(&me->spurious, me->spurious + 1);
}

/* The upcall: one INTID per upcall, as the KVM guest (ctl_pvirq.c). */
static void upcall(struct demo_vcpu *v)
{
	struct demo_vcpu_slot *me = &v->vm->shared->vcpu[v->index];

	if (v->vm->variant->shared_state) {
		upcall_shared(v);
		return;
	}
	if (pvirq_guest_handle_irq(&sim_cpus[v->index].core, 1) == 0)
		store(&me->spurious, me->spurious + 1);
}

/* Before bring-up: the vCPU's page, which the core's cpu_up shares
 * (SHARE_STATE while the instance is still disabled). */
static bool give_page(struct demo_vcpu *v)
{
	struct sim_cpu *sc = &sim_cpus[v->index];
	uint64_t gpa = SIM_PAGES_GPA + (uint64_t)v->index * PVIRQ_SHARED_STATE_SIZE;

	sc->page = (struct shared_ack_cpu){.page = (uint64_t *)(v->vm->mem + gpa),
					   .nr_words = sim_driver.nr_irqs / 32,
					   .top_class = 3};
	return pvirq_guest_cpu_set_shared(&sc->core, v->vm->mem + gpa, gpa,
					  PVIRQ_GUEST_SHARED_ARCH_DEFAULT) == 0;
}

static void retarget(struct demo_vcpu *v, uint32_t d)
{
	struct demo_device_slot *dev = &v->vm->shared->dev[d];
	uint32_t to;

	/* The device's lock is the routing lock the driver core asks for. */
	while (atomic_exchange_explicit((_Atomic uint32_t *)&dev->lock, 1, memory_order_acquire))
		;
	to = (dev->target + 1) % v->vm->nr_vcpus;
	pvirq_guest_retarget(&sim_cpus[v->index].core, DEMO_INTID_DEVICE(d), to);
	/* seq_cst store: the shared-state upcall reads it without the lock
	 * to decide whether to unmask at end of interrupt. */
	atomic_store_explicit((_Atomic uint32_t *)&dev->target, to, memory_order_seq_cst);
	atomic_store_explicit((_Atomic uint32_t *)&dev->lock, 0, memory_order_release);
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected, long ns)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};

	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, &ts, NULL, 0);
}

/* Takes upcalls until the line is low, or sleeps until it rises (at most
 * @p ns: the periodic work must run too). */
static void run_or_halt(struct demo_vcpu *v, long ns)
{
	uint32_t seq = atomic_load_explicit(&v->wake_seq, memory_order_seq_cst);

	atomic_store_explicit(&v->state, VCPU_HALTED, memory_order_seq_cst);
	if (pvirq_vcpu_rearm(v->vm->pvirq, v->index)) {
		atomic_store_explicit(&v->state, VCPU_OUTSIDE, memory_order_seq_cst);
		upcall(v);
		return;
	}
	futex_wait(&v->wake_seq, seq, ns);
	atomic_store_explicit(&v->state, VCPU_OUTSIDE, memory_order_seq_cst);
}

static void *sim_vcpu(void *arg)
{
	struct demo_vcpu *v = arg;
	struct demo_vm *vm = v->vm;
	struct demo_shared *sh = vm->shared;
	struct demo_vcpu_slot *pv = &sh->vcpu[(v->index + 1) % vm->nr_vcpus];
	struct demo_vcpu_slot *me = &sh->vcpu[v->index];
	uint64_t next_retarget, next_ipi, now, deadline;
	uint32_t cursor = v->index, n = vm->nr_vcpus;

	struct pvirq_guest_cpu *cpu = &sim_cpus[v->index].core;
	struct pvirq_guest_trap trap;

	sim_cpus[v->index].v = v;
	sim_trap_for(v, &trap);
	pvirq_guest_cpu_init(cpu, &sim_driver, &trap, v->index);
	if (vm->variant->shared_state && !give_page(v))
		v->exit_code = DEMO_EXIT_SETUP;
	if (pvirq_guest_cpu_up(cpu) != 0 || (vm->variant->shared_state && !cpu->page_shared))
		v->exit_code = DEMO_EXIT_SETUP;
	if (vm->variant->shared_state && vm->opt->timer_class &&
	    call(v, PVIRQ_ABI_ID(RVIC, SET_PRIORITY), v->index, DEMO_INTID_TIMER,
		 vm->opt->timer_class)
			    .status != PVIRQ_ABI_SUCCESS)
		v->exit_code = DEMO_EXIT_SETUP;
	if (atomic_fetch_add((_Atomic uint32_t *)&sh->booted, 1) + 1 == n) {
		for (uint32_t d = 0; d < vm->nr_devices; d++) {
			sh->dev[d].target = d % n;
			if (pvirq_guest_route(cpu, DEMO_INTID_DEVICE(d), d, d % n) != 0)
				v->exit_code = DEMO_EXIT_SETUP;
		}
		atomic_store((_Atomic uint32_t *)&sh->ready, 1);
	}
	while (!atomic_load((_Atomic uint32_t *)&sh->ready))
		run_or_halt(v, 1000000);
	now = demo_rdtsc();
	next_retarget = now + sh->retarget_period_tsc * (v->index + 1) / n;
	next_ipi = now + sh->ipi_period_tsc * (v->index + 1) / n;
	while (!atomic_load((_Atomic uint32_t *)&sh->stop)) {
		run_or_halt(v, 100000);
		now = demo_rdtsc();
		if (sh->retarget_period_tsc && n > 1 && now >= next_retarget) {
			retarget(v, cursor++ % vm->nr_devices);
			store(&me->retargets, me->retargets + 1);
			next_retarget = now + sh->retarget_period_tsc;
		}
		if (sh->ipi_period_tsc && now >= next_ipi &&
		    load(&pv->handled[DEMO_SRC_IPI]) == load(&pv->ipi_raised)) {
			store(&pv->ipi_raised, pv->ipi_raised + 1);
			pvirq_guest_send_ipi(cpu, (v->index + 1) % n, DEMO_INTID_IPI);
			store(&me->ipis_sent, me->ipis_sent + 1);
			next_ipi = now + sh->ipi_period_tsc;
		}
	}
	/* Drain as the guest does, then leave together. */
	deadline = load(&sh->drain_deadline_tsc);
	while (demo_rdtsc() < deadline &&
	       (load(&pv->handled[DEMO_SRC_IPI]) != load(&pv->ipi_raised) ||
		load(&me->handled[DEMO_SRC_TIMER]) != load(&me->timer_raised)))
		run_or_halt(v, 100000);
	if (!v->exit_code)
		v->exit_code = demo_rdtsc() < deadline ? 0 : DEMO_EXIT_DRAIN_TIMEOUT;
	atomic_fetch_add((_Atomic uint32_t *)&sh->quiesced, 1);
	while (atomic_load((_Atomic uint32_t *)&sh->quiesced) < n && demo_rdtsc() < deadline)
		run_or_halt(v, 100000);
	atomic_store_explicit(&v->finished, true, memory_order_release);
	return NULL;
}

/* TSC ticks per millisecond, against CLOCK_MONOTONIC over 50 ms. */
static uint64_t calibrate_tsc_khz(void)
{
	uint64_t t0 = demo_now_ns(), c0 = demo_rdtsc(), t1, c1;
	struct timespec nap = {0, 50000000};

	nanosleep(&nap, NULL);
	t1 = demo_now_ns();
	c1 = demo_rdtsc();
	return (c1 - c0) * 1000000ull / (t1 - t0);
}

int demo_simulate(const struct demo_options *opt, const struct demo_variant_info *variant,
		  struct demo_result *r)
{
	struct demo_vm *vm = calloc(1, sizeof(*vm));
	struct pvirq_config cfg = {
		.nr_vcpus = opt->vcpus,
		.nr_trusted = DEMO_NR_TRUSTED,
		.nr_untrusted = DEMO_NR_UNTRUSTED,
		.nr_rvid_inputs = DEMO_MAX_DEVICES,
		.notify = demo_vcpu_kick,
		.guest_page = demo_guest_page,
		.resample = demo_level_resample,
	};
	struct demo_snapshot a, b;
	int err = -1;

	if (!vm)
		return -1;
	vm->opt = opt;
	vm->mode = DEMO_MODE_PVIRQ;
	vm->variant = variant;
	/* The guest RAM the shared pages live in, and this port's control
	 * block for the guest-side counters. */
	vm->mem = aligned_alloc(PVIRQ_SHARED_STATE_SIZE, DEMO_MEM_SIZE); /* pages need it */
	vm->kvm_ctl = calloc(1, sizeof(*vm->kvm_ctl));
	cfg.guest_page_ctx = vm;
	cfg.resample_ctx = vm;
	vm->level_device = variant->shared_state && opt->level_device;
	vm->timer_edge = variant->shared_state; /* as guest/ctl_pvirq_shared.c */
	if (!vm->mem || !vm->kvm_ctl)
		goto out;
	memset(vm->mem, 0, DEMO_MEM_SIZE);
	vm->kvm_ctl->timer_class = variant->shared_state ? opt->timer_class : 0;
	vm->nr_vcpus = opt->vcpus;
	vm->nr_devices = opt->devices;
	vm->vm_fd = vm->kvm_fd = -1;
	vm->tsc_shared = true; /* one process, one TSC */
	vm->tsc_khz = calibrate_tsc_khz();
	vm->shared = calloc(1, sizeof(*vm->shared));
	cfg.notify_ctx = vm;
	if (!vm->shared || pvirq_vm_create(&cfg, &vm->pvirq) != PVIRQ_OK ||
	    (vm->level_device && pvirq_rvid_set_trigger(vm->pvirq, 0, true) != PVIRQ_OK))
		goto out;
	vm->shared->magic = DEMO_MAGIC;
	vm->shared->nr_vcpus = vm->nr_vcpus;
	vm->shared->nr_devices = vm->nr_devices;
	vm->shared->tsc_khz = vm->tsc_khz;
	vm->shared->retarget_period_tsc = opt->retarget_us * vm->tsc_khz / 1000;
	vm->shared->ipi_period_tsc = opt->ipi_us * vm->tsc_khz / 1000;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i] = (struct demo_vcpu){.vm = vm, .index = i, .fd = -1, .stats_fd = -1};
	if (!sim_probe(&vm->vcpus[0])) {
		fprintf(stderr, "simulation: the guest driver core's probe failed\n");
		goto out;
	}
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (pthread_create(&vm->vcpus[i].thread, NULL, sim_vcpu, &vm->vcpus[i]))
			goto out; /* threads may run: leak, the process exits */
	}
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		vm->devices[d] = (struct demo_device){.vm = vm, .index = d};
		vm->devices[d].eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->devices[d].eventfd < 0)
			goto out;
	}
	if (demo_devices_start(vm))
		goto out;
	while (!atomic_load((_Atomic uint32_t *)&vm->shared->ready))
		usleep(1000);
	demo_snapshot_take(vm, &a);
	usleep((useconds_t)(opt->seconds * 1e6));
	demo_snapshot_take(vm, &b);
	demo_devices_stop(vm);
	demo_timer_stop(vm);
	atomic_store((_Atomic uint64_t *)&vm->shared->drain_deadline_tsc,
		     demo_rdtsc() + 3 * vm->tsc_khz * 1000);
	atomic_store((_Atomic uint32_t *)&vm->shared->stop, 1);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		demo_send_wake(vm, i);
	if (!demo_vcpus_join(vm, 10000)) {
		fprintf(stderr, "simulation: a vCPU thread hung\n");
		return -1;
	}
	demo_result_fill(vm, &a, &b, r);
	r->simulated = true;
	err = 0;
out:
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		if (vm->devices[d].eventfd > 0)
			close(vm->devices[d].eventfd);
		free(vm->devices[d].samples);
	}
	if (vm->pvirq)
		pvirq_vm_destroy(vm->pvirq);
	for (unsigned i = 0; i < DEMO_MAX_VCPUS; i++)
		free(vm->timer_late[i]);
	free(vm->shared);
	free(vm->kvm_ctl);
	free(vm->mem);
	free(vm);
	return err;
}
