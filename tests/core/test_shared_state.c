/* SPDX-License-Identifier: MIT */
/* The shared-state page (ABI 0.4): moving the words, the guest's in-memory
 * acknowledge and end of interrupt, the re-evaluate rule, and a hostile
 * page that cannot hurt the host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <cmocka.h>

#include "../support/shared_page.h"
#include "wave_vm.h"

#define DEV 40u /* an untrusted INTID */
#define IPI 3u

static int32_t guest_ack(_Atomic uint64_t *page)
{
	return page_ack(page, W_WORDS);
}

static bool guest_eoi(_Atomic uint64_t *page, uint32_t intid)
{
	return page_eoi(page, intid);
}

static void share_checks_first(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	uint64_t gpa = 1;

	(void)state;
	assert_int_equal(pvirq_rvic_share_state(vm, 0, wave_gpa(0) + 8), PVIRQ_EINVAL);
	assert_int_equal(pvirq_rvic_share_state(vm, 0, 0x1000), PVIRQ_EINVAL); /* not RAM */
	assert_int_equal(pvirq_rvic_share_state(vm, 0, wave_gpa(W_RAM_PAGES)), PVIRQ_EINVAL);
	assert_int_equal(pvirq_rvic_share_state(vm, W_VCPUS, wave_gpa(0)), PVIRQ_EVCPU);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_share_state(vm, 0, wave_gpa(0)), PVIRQ_EENABLED);
	assert_int_equal(pvirq_rvic_shared_state(vm, 0, &gpa), PVIRQ_EUNMAPPED);
	assert_int_equal(gpa, 1);
	/* Refusals wrote nothing into guest RAM. */
	for (size_t i = 0; i < PVIRQ_SHARED_STATE_SIZE / 8; i++)
		assert_int_equal(atomic_load(&w->ram[0][i]), 0);
	assert_int_equal(pvirq_rvic_unshare_state(vm, 1), PVIRQ_OK); /* none shared */
	wave_vm_destroy(w);
}

static void words_move_both_ways(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	_Atomic uint64_t *page = w->ram[1];
	uint64_t gpa = 0;
	uint32_t cls = 0, floor = 0;
	bool masked = true;

	(void)state;
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority(vm, 2, IPI, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 2, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_share_state(vm, 2, wave_gpa(1)), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_shared_state(vm, 2, &gpa), PVIRQ_OK);
	assert_int_equal(gpa, wave_gpa(1));
	/* The layout of shared_state.h: state, classes, floor. */
	assert_int_equal(atomic_load(&page[DEV / 32u]) & PVIRQ_SHARED_MASKED(DEV), 0);
	assert_true(atomic_load(&page[0]) & PVIRQ_SHARED_MASKED(IPI));
	assert_int_equal(
		PVIRQ_SHARED_CLASS_OF(atomic_load(&page[PVIRQ_SHARED_CLASS_WORD(W_WORDS, 0)]), IPI),
		2);
	assert_int_equal(atomic_load(&page[PVIRQ_SHARED_FLOOR_WORD(W_WORDS)]), 1);
	/* From now on the host works on the page: a guest write is what the
	 * host reads, and a host change is what the guest reads. */
	atomic_fetch_or(&page[DEV / 32u], PVIRQ_SHARED_MASKED(DEV));
	assert_int_equal(pvirq_rvic_is_masked(vm, 2, DEV, &masked), PVIRQ_OK);
	assert_true(masked);
	assert_int_equal(pvirq_rvic_enable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 2, DEV), PVIRQ_OK);
	assert_true(atomic_load(&page[DEV / 32u]) & PVIRQ_SHARED_PENDING(DEV));
	/* Unsharing needs the instance disabled, then copies back. */
	assert_int_equal(pvirq_rvic_unshare_state(vm, 2), PVIRQ_EENABLED);
	assert_int_equal(pvirq_rvic_disable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_unshare_state(vm, 2), PVIRQ_OK);
	atomic_store(&page[DEV / 32u], 0); /* the host no longer reads it */
	assert_true(wave_is(vm, 2, DEV, true));
	assert_int_equal(pvirq_rvic_get_priority(vm, 2, IPI, &cls), PVIRQ_OK);
	assert_int_equal(cls, 2);
	assert_int_equal(pvirq_rvic_get_priority_mask(vm, 2, &floor), PVIRQ_OK);
	assert_int_equal(floor, 1);
	/* A VM reset gives every page up. */
	assert_int_equal(pvirq_rvic_share_state(vm, 2, wave_gpa(1)), PVIRQ_OK);
	pvirq_vm_reset(vm);
	assert_int_equal(pvirq_rvic_shared_state(vm, 2, &gpa), PVIRQ_EUNMAPPED);
	wave_vm_destroy(w);
}

/* An edge to an unmasked INTID, taken and ended by the guest in memory:
 * the host is involved only by the device's inject and the notification. */
static void fast_path_and_reevaluate_rule(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	_Atomic uint64_t *page = w->ram[0];

	(void)state;
	assert_int_equal(pvirq_rvic_share_state(vm, 0, wave_gpa(0)), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 1, 0, DEV), PVIRQ_OK);
	guest_eoi(page, DEV); /* unmask in memory: nothing pending, no call */
	assert_false(pvirq_vcpu_rearm(vm, 0));
	assert_int_equal(pvirq_rvid_inject(vm, 1), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	assert_true(pvirq_vcpu_rearm(vm, 0));
	assert_int_equal(guest_ack(page), DEV);
	assert_false(pvirq_vcpu_line(vm, 0));
	/* A second edge while the guest handles the first: masked, so the
	 * host publishes nothing... */
	assert_int_equal(pvirq_rvid_inject(vm, 1), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	/* ...and the guest's in-memory unmask finds it pending. Nothing
	 * tells the host: without the rule, the line stays low. */
	assert_true(guest_eoi(page, DEV));
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	/* Rule, first way: take it in the same handler loop. */
	assert_int_equal(guest_ack(page), DEV);
	assert_true(guest_eoi(page, DEV) == false);
	/* Rule, second way: ask the host (CLEAR_MASKED re-evaluates). */
	assert_int_equal(pvirq_rvid_inject(vm, 1), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 2);
	assert_true(pvirq_vcpu_rearm(vm, 0));
	assert_int_equal(guest_ack(page), DEV);
	assert_int_equal(pvirq_rvid_inject(vm, 1), PVIRQ_OK);
	assert_true(guest_eoi(page, DEV));
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, DEV), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 3);
	assert_true(pvirq_vcpu_line(vm, 0));
	wave_vm_destroy(w);
}

/* Without a page, CLEAR_MASKED of an unmasked pending INTID is silent as
 * in ABI 0.3 (a 0.3 guest sees exactly the old notifications). */
static void unshared_clear_masked_unchanged(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;

	(void)state;
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, DEV), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	assert_false(pvirq_vcpu_rearm(vm, 0) == false);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, DEV), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	wave_vm_destroy(w);
}

struct scribbler {
	_Atomic uint64_t *page;
	atomic_bool stop;
};

/* A hostile guest: rewrites every word the host uses, forever. */
static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	uint64_t x = 0x9E3779B97F4A7C15ull;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		atomic_store_explicit(&s->page[x % PVIRQ_SHARED_WORDS(W_WORDS)], x,
				      memory_order_relaxed);
	}
	return NULL;
}

/* Whatever the page says, the host's answers stay in range, its calls
 * return, and nothing leaks onto another vCPU or into host-private state. */
static void hostile_page(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	struct scribbler s = {.page = w->ram[0]};
	pthread_t t;
	uint32_t intid, vcpu = 9, target = 9;

	(void)state;
	atomic_init(&s.stop, false);
	assert_int_equal(pvirq_rvid_map(vm, 2, 1, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_share_state(vm, 0, wave_gpa(0)), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 0), PVIRQ_OK); /* classes on */
	assert_int_equal(pthread_create(&t, NULL, scribble, &s), 0);
	for (int i = 0; i < 200000; i++) {
		int err = pvirq_rvic_acknowledge(vm, 0, &intid);

		assert_true(err == PVIRQ_OK || err == PVIRQ_ENOINTR);
		if (err == PVIRQ_OK)
			assert_true(intid < W_INTIDS);
		if (i % 7 == 0)
			(void)pvirq_rvic_signal(vm, 0, i % W_INTIDS);
		if (i % 11 == 0)
			(void)pvirq_vcpu_rearm(vm, 0);
		if (i % 13 == 0)
			(void)pvirq_rvic_clear_masked(vm, 0, i % W_INTIDS);
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	/* Other vCPUs and the rVID are untouched. */
	for (uint32_t c = 1; c < W_VCPUS; c++)
		for (uint32_t i = 0; i < W_INTIDS; i++)
			assert_true(wave_is(vm, c, i, false));
	assert_int_equal(pvirq_rvid_lookup(vm, 2, &vcpu, &target), PVIRQ_OK);
	assert_int_equal(vcpu, 1);
	assert_int_equal(target, DEV);
	for (uint32_t c = 1; c < W_VCPUS; c++)
		assert_int_equal(atomic_load(&w->notified[c]), 0);
	/* The host never wrote outside the words it uses. */
	for (size_t i = PVIRQ_SHARED_WORDS(W_WORDS); i < PVIRQ_SHARED_STATE_SIZE / 8; i++)
		assert_int_equal(atomic_load(&w->ram[0][i]), 0);
	wave_vm_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(share_checks_first),
		cmocka_unit_test(words_move_both_ways),
		cmocka_unit_test(fast_path_and_reevaluate_rule),
		cmocka_unit_test(unshared_clear_masked_unchanged),
		cmocka_unit_test(hostile_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
