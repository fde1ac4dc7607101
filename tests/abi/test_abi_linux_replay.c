/* SPDX-License-Identifier: MIT */
/*
 * Replays, through the arm64 SMCCC decoder, the call sequences the Linux
 * rVIC/rVID guest driver makes:
 *  - probe: RVIC_VERSION (>= 0.3), RVIC_INFO(0/1), RVID_VERSION;
 *  - CPU bring-up on every vCPU: DISABLE, SET_MASKED + CLEAR_PENDING of
 *    every INTID, ENABLE;
 *  - interrupt entry: ACKNOWLEDGE until NO_INTERRUPTS (spurious);
 *  - EOI: RESAMPLE then CLEAR_MASKED for a level-triggered trusted source
 *    (the timer), CLEAR_MASKED alone for edges;
 *  - IPIs: SIGNAL to each target;
 *  - set_affinity of a device interrupt: SET_MASKED(old), SET_MASKED(new),
 *    RVID_MAP(input, new), IS_PENDING(old) and if pending CLEAR_PENDING(old)
 *    + SIGNAL(new), CLEAR_MASKED(new) -- while a device thread injects into
 *    the same input. Every edge must be handled exactly once (duplicates
 *    are counted as spurious, like a driver that checks its device).
 *
 *   test_abi_linux_replay [--edges N]   (edges, each raced with a retarget)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h"

#define ID(part, name) PVIRQ_ABI_ID(part, name)
#define NO_INTERRUPTS PVIRQ_ABI_STATUS(PVIRQ_ABI_NO_INTERRUPTS, 0)
#define IPI_INTID 1u
#define TIMER_INTID 27u

static unsigned long edges = 3000;

struct smc_ret {
	int64_t status;
	uint64_t value;
};

/* One SMCCC call from vCPU @vcpu, as the driver's arm_smccc_1_1_invoke(). */
static struct smc_ret smc(struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0, uint64_t a1,
			  uint64_t a2)
{
	struct pvirq_arm64_regs r = {{id, a0, a1, a2, 0x44, 0x55, 0x66, 0x77}};
	struct smc_ret ret;

	if (pvirq_arm64_handle_smccc(vm, vcpu, &r) != PVIRQ_OK)
		abort(); /* every driver call is ours; may run on any thread */
	ret.status = (int64_t)r.x[0];
	ret.value = r.x[1];
	return ret;
}

static void probe(struct pvirq_vm *vm)
{
	struct smc_ret r = smc(vm, 0, ID(RVIC, VERSION), 0, 0, 0);

	assert_int_equal(r.status, 0);
	/* The driver's check: major 0, minor >= 3. */
	assert_int_equal(r.value >> 16, 0);
	assert_true((r.value & 0xFFFF) >= 3);
	r = smc(vm, 0, ID(RVIC, INFO), 0, 0, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.value, H_TRUSTED);
	r = smc(vm, 0, ID(RVIC, INFO), 1, 0, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.value, H_UNTRUSTED);
	r = smc(vm, 0, ID(RVID, VERSION), 0, 0, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.value >> 16, 0); /* the driver's check: 0.x, x >= 3 */
	assert_true((r.value & 0xFFFF) >= 3);
}

static void cpu_bring_up(struct pvirq_vm *vm, uint32_t vcpu)
{
	uint64_t self = h_cpu_ids[vcpu];

	assert_int_equal(smc(vm, vcpu, ID(RVIC, DISABLE), 0, 0, 0).status, 0);
	for (uint32_t i = 0; i < H_INTIDS; i++) {
		assert_int_equal(smc(vm, vcpu, ID(RVIC, SET_MASKED), self, i, 0).status, 0);
		assert_int_equal(smc(vm, vcpu, ID(RVIC, CLEAR_PENDING), self, i, 0).status, 0);
	}
	assert_int_equal(smc(vm, vcpu, ID(RVIC, ENABLE), 0, 0, 0).status, 0);
}

static void probe_and_bring_up(void **state)
{
	struct harness *h = *state;

	/* Leftovers from "firmware" that bring-up must wipe. */
	assert_int_equal(pvirq_rvic_enable(h->vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(h->vm, 2, 40), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(h->vm, 2, 40), PVIRQ_OK);
	probe(h->vm);
	for (uint32_t c = 0; c < H_VCPUS; c++)
		cpu_bring_up(h->vm, c);
	for (uint32_t c = 0; c < H_VCPUS; c++) {
		assert_false(pvirq_vcpu_line(h->vm, c));
		assert_int_equal(smc(h->vm, c, ID(RVIC, ACKNOWLEDGE), 0, 0, 0).status,
				 NO_INTERRUPTS);
	}
}

static void ipis_and_spurious_entry(void **state)
{
	struct harness *h = *state;

	for (uint32_t c = 0; c < H_VCPUS; c++)
		cpu_bring_up(h->vm, c);
	for (uint32_t c = 0; c < H_VCPUS; c++)
		assert_int_equal(
			smc(h->vm, c, ID(RVIC, CLEAR_MASKED), h_cpu_ids[c], IPI_INTID, 0).status,
			0);
	/* vCPU 0 sends an IPI to every other CPU (smp_cross_call). */
	for (uint32_t c = 1; c < H_VCPUS; c++)
		assert_int_equal(smc(h->vm, 0, ID(RVIC, SIGNAL), h_cpu_ids[c], IPI_INTID, 0).status,
				 0);
	assert_false(pvirq_vcpu_line(h->vm, 0));
	for (uint32_t c = 1; c < H_VCPUS; c++) {
		struct smc_ret r;

		assert_true(pvirq_vcpu_line(h->vm, c));
		r = smc(h->vm, c, ID(RVIC, ACKNOWLEDGE), 0, 0, 0);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.value, IPI_INTID);
		/* Acknowledged = masked: a second entry is spurious until EOI. */
		assert_int_equal(smc(h->vm, c, ID(RVIC, ACKNOWLEDGE), 0, 0, 0).status,
				 NO_INTERRUPTS);
		assert_int_equal(
			smc(h->vm, c, ID(RVIC, CLEAR_MASKED), h_cpu_ids[c], IPI_INTID, 0).status,
			0);
		assert_false(pvirq_vcpu_line(h->vm, c));
	}
}

static void level_timer_eoi_resamples(void **state)
{
	struct harness *h = *state;
	const uint64_t self = h_cpu_ids[0];
	struct smc_ret r;

	cpu_bring_up(h->vm, 0);
	assert_int_equal(smc(h->vm, 0, ID(RVIC, CLEAR_MASKED), self, TIMER_INTID, 0).status, 0);
	assert_int_equal(pvirq_rvic_set_level(h->vm, 0, TIMER_INTID, true), PVIRQ_OK);

	/* First entry: the handler does not quiesce the timer... */
	r = smc(h->vm, 0, ID(RVIC, ACKNOWLEDGE), 0, 0, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.value, TIMER_INTID);
	assert_int_equal(smc(h->vm, 0, ID(RVIC, RESAMPLE), TIMER_INTID, 0, 0).status, 0);
	assert_int_equal(smc(h->vm, 0, ID(RVIC, CLEAR_MASKED), self, TIMER_INTID, 0).status, 0);
	/* ...so RESAMPLE found the line high and it is delivered again. */
	assert_true(pvirq_vcpu_line(h->vm, 0));
	r = smc(h->vm, 0, ID(RVIC, ACKNOWLEDGE), 0, 0, 0);
	assert_int_equal(r.value, TIMER_INTID);
	/* Second entry quiesces it: RESAMPLE re-pends nothing. */
	assert_int_equal(pvirq_rvic_set_level(h->vm, 0, TIMER_INTID, false), PVIRQ_OK);
	assert_int_equal(smc(h->vm, 0, ID(RVIC, RESAMPLE), TIMER_INTID, 0, 0).status, 0);
	assert_int_equal(smc(h->vm, 0, ID(RVIC, CLEAR_MASKED), self, TIMER_INTID, 0).status, 0);
	assert_false(pvirq_vcpu_line(h->vm, 0));
	assert_int_equal(smc(h->vm, 0, ID(RVIC, ACKNOWLEDGE), 0, 0, 0).status, NO_INTERRUPTS);
	/* An edge source (an IPI) is EOIed without RESAMPLE, which would
	 * refuse nothing here but is not what the driver does. */
	assert_int_equal(smc(h->vm, 0, ID(RVIC, RESAMPLE), H_TRUSTED + 1, 0, 0).status,
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
}

/* --- set_affinity against a concurrently injecting device ------------- */

#define INPUTS 2u
#define DEV_INTID(n) (H_TRUSTED + 4u + (n))

struct replay {
	struct pvirq_vm *vm;
	pthread_mutex_t desc_lock[INPUTS]; /* Linux's irq_desc lock */
	uint32_t affinity[INPUTS];	   /* under desc_lock */
	atomic_uint outstanding[INPUTS];
	atomic_ulong go, sent, handled, spurious, retargets;
	atomic_bool stop;
	atomic_uint errors;
};

/* The driver's rvid_irq_set_affinity(), under the descriptor lock. */
static void set_affinity(struct replay *r, uint32_t caller, uint32_t input, uint32_t to)
{
	uint32_t intid = DEV_INTID(input), from;
	uint64_t old_cpu, new_cpu = h_cpu_ids[to];

	pthread_mutex_lock(&r->desc_lock[input]);
	from = r->affinity[input];
	old_cpu = h_cpu_ids[from];
	if (from != to) {
		int64_t st = 0;

		st |= smc(r->vm, caller, ID(RVIC, SET_MASKED), old_cpu, intid, 0).status;
		st |= smc(r->vm, caller, ID(RVIC, SET_MASKED), new_cpu, intid, 0).status;
		st |= smc(r->vm, caller, ID(RVID, MAP), input, new_cpu, intid).status;
		if (smc(r->vm, caller, ID(RVIC, IS_PENDING), old_cpu, intid, 0).value) {
			st |= smc(r->vm, caller, ID(RVIC, CLEAR_PENDING), old_cpu, intid, 0).status;
			st |= smc(r->vm, caller, ID(RVIC, SIGNAL), new_cpu, intid, 0).status;
		}
		st |= smc(r->vm, caller, ID(RVIC, CLEAR_MASKED), new_cpu, intid, 0).status;
		if (st)
			atomic_fetch_add(&r->errors, 1);
		r->affinity[input] = to;
		atomic_fetch_add(&r->retargets, 1);
	}
	pthread_mutex_unlock(&r->desc_lock[input]);
}

struct vcpu_thread {
	struct replay *r;
	uint32_t vcpu;
};

/* A guest vCPU: interrupt entry (ACK until NO_INTERRUPTS), flow handler
 * under the descriptor lock, EOI by CLEAR_MASKED on its own instance. */
static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct replay *r = t->r;
	uint64_t self = h_cpu_ids[t->vcpu];

	while (!atomic_load(&r->stop)) {
		if (!pvirq_vcpu_rearm(r->vm, t->vcpu)) {
			sched_yield();
			continue;
		}
		for (;;) {
			struct smc_ret a = smc(r->vm, t->vcpu, ID(RVIC, ACKNOWLEDGE), 0, 0, 0);
			uint32_t input;

			if (a.status == NO_INTERRUPTS)
				break;
			input = (uint32_t)a.value - DEV_INTID(0);
			if (a.status != 0 || input >= INPUTS) {
				atomic_fetch_add(&r->errors, 1);
				break;
			}
			pthread_mutex_lock(&r->desc_lock[input]);
			/* The device's status register says whether it fired. */
			if (atomic_exchange(&r->outstanding[input], 0))
				atomic_fetch_add(&r->handled, 1);
			else
				atomic_fetch_add(&r->spurious, 1);
			if (smc(r->vm, t->vcpu, ID(RVIC, CLEAR_MASKED), self, a.value, 0).status)
				atomic_fetch_add(&r->errors, 1);
			pthread_mutex_unlock(&r->desc_lock[input]);
		}
	}
	return NULL;
}

/* The device model: raises one edge on input (go - 1) % INPUTS each time
 * the retargeting thread bumps @go, through the untrusted host path. */
static void *device_main(void *arg)
{
	struct replay *r = arg;
	unsigned long seen = 0;

	while (!atomic_load(&r->stop)) {
		unsigned long go = atomic_load(&r->go);
		uint32_t n;

		if (go == seen) {
			sched_yield();
			continue;
		}
		seen = go;
		n = (uint32_t)((go - 1) % INPUTS);
		/* Sweep the edge across the guest's retarget sequence. */
		for (volatile unsigned spin = 0; spin < (go * 37u) % 4096u; spin++)
			;
		atomic_store(&r->outstanding[n], 1);
		atomic_fetch_add(&r->sent, 1);
		if (pvirq_rvid_inject(r->vm, n) != PVIRQ_OK)
			atomic_fetch_add(&r->errors, 1);
	}
	return NULL;
}

/*
 * Episodes: the device raises an edge while the guest retargets that input
 * (the two start together), then nobody retargets it until the edge is
 * handled. An edge stranded on the old instance (masked there by the
 * sequence) would never be handled, so a loss fails the episode at its
 * deadline instead of being rescued by a later retarget.
 */
static void set_affinity_under_injection(void **state)
{
	struct harness *h = *state;
	struct replay *r = calloc(1, sizeof(*r));
	struct vcpu_thread vt[H_VCPUS];
	pthread_t vcpus[H_VCPUS], device;
	time_t deadline = time(NULL) + 60;
	unsigned long e;

	assert_non_null(r);
	r->vm = h->vm;
	for (uint32_t c = 0; c < H_VCPUS; c++)
		cpu_bring_up(h->vm, c);
	for (uint32_t n = 0; n < INPUTS; n++) {
		pthread_mutex_init(&r->desc_lock[n], NULL);
		/* request_irq(): map to vCPU 0 and unmask there. */
		assert_int_equal(smc(h->vm, 0, ID(RVID, MAP), n, h_cpu_ids[0], DEV_INTID(n)).status,
				 0);
		assert_int_equal(
			smc(h->vm, 0, ID(RVIC, CLEAR_MASKED), h_cpu_ids[0], DEV_INTID(n), 0).status,
			0);
	}
	for (uint32_t c = 0; c < H_VCPUS; c++) {
		vt[c] = (struct vcpu_thread){r, c};
		assert_int_equal(pthread_create(&vcpus[c], NULL, vcpu_main, &vt[c]), 0);
	}
	assert_int_equal(pthread_create(&device, NULL, device_main, r), 0);
	/* This thread is the guest's irqbalance. */
	for (e = 0; e < edges; e++) {
		uint32_t input = (uint32_t)(e % INPUTS);
		uint32_t to = (r->affinity[input] + 1u + (uint32_t)(e / INPUTS % 3u)) % H_VCPUS;

		atomic_fetch_add(&r->go, 1);
		set_affinity(r, (uint32_t)(e % H_VCPUS), input, to);
		while (atomic_load(&r->handled) < e + 1 && time(NULL) <= deadline)
			sched_yield();
		if (atomic_load(&r->handled) < e + 1)
			break; /* lost: report below instead of hanging */
	}
	atomic_store(&r->stop, true);
	pthread_join(device, NULL);
	for (uint32_t c = 0; c < H_VCPUS; c++)
		pthread_join(vcpus[c], NULL);
	print_message("edges %lu handled %lu spurious %lu retargets %lu\n", atomic_load(&r->sent),
		      atomic_load(&r->handled), atomic_load(&r->spurious),
		      atomic_load(&r->retargets));
	assert_int_equal(atomic_load(&r->errors), 0);
	assert_int_equal(atomic_load(&r->sent), edges);
	/* Nothing lost: every edge handled before the input moved again. */
	assert_int_equal(atomic_load(&r->handled), edges);
	assert_int_equal(atomic_load(&r->retargets), edges);
	for (uint32_t n = 0; n < INPUTS; n++)
		pthread_mutex_destroy(&r->desc_lock[n]);
	free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(probe_and_bring_up, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(ipis_and_spurious_entry, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(level_timer_eoi_resamples, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(set_affinity_under_injection, harness_setup,
						harness_teardown),
	};

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--edges"))
			edges = strtoul(argv[i + 1], NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
