/* SPDX-License-Identifier: MIT */
/* Level-triggered rVID inputs (ABI 0.4): a high level is re-pended at the
 * guest's end of interrupt, follows its input across a retarget, and is
 * never stranded by a disabled or unmapped target; and it stays untrusted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wave_vm.h"

#define IN 5u
#define DEV 40u

static uint32_t ack(struct pvirq_vm *vm, uint32_t vcpu)
{
	uint32_t intid = ~0u;

	assert_int_equal(pvirq_rvic_acknowledge(vm, vcpu, &intid), PVIRQ_OK);
	return intid;
}

/* The guest's end of interrupt of a level input (spec section 15). */
static void level_eoi(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	assert_int_equal(pvirq_rvid_resample(vm, IN), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, vcpu, intid), PVIRQ_OK);
}

static void nothing_left(struct pvirq_vm *vm, uint32_t vcpu)
{
	uint32_t intid;

	assert_int_equal(pvirq_rvic_acknowledge(vm, vcpu, &intid), PVIRQ_ENOINTR);
}

static struct wave_vm *level_vm(void)
{
	struct wave_vm *w = wave_vm_create(false);

	for (uint32_t c = 0; c < W_VCPUS; c++) {
		assert_int_equal(pvirq_rvic_enable(w->vm, c), PVIRQ_OK);
		for (uint32_t i = W_TRUSTED; i < W_INTIDS; i++)
			assert_int_equal(pvirq_rvic_clear_masked(w->vm, c, i), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvid_set_trigger(w->vm, IN, true), PVIRQ_OK);
	return w;
}

static void configuration(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	bool high = true;

	(void)state;
	assert_int_equal(pvirq_rvid_set_trigger(vm, W_INPUTS, true), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_EINVAL); /* edge input */
	assert_int_equal(pvirq_rvid_get_level(vm, IN, &high), PVIRQ_OK);
	assert_false(high);
	assert_int_equal(pvirq_rvid_set_trigger(vm, IN, true), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_get_level(vm, IN, &high), PVIRQ_OK);
	assert_true(high);
	/* Back to edge drops the level. */
	assert_int_equal(pvirq_rvid_set_trigger(vm, IN, false), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_get_level(vm, IN, &high), PVIRQ_OK);
	assert_false(high);
	assert_int_equal(pvirq_rvid_resample(vm, W_INPUTS), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_resample(vm, IN), PVIRQ_OK); /* edge: nothing */
	assert_int_equal(atomic_load(&w->resampled[IN]), 0);
	wave_vm_destroy(w);
}

/* The device holds its line until the guest services it: every end of
 * interrupt while it is high brings the interrupt back, and the first one
 * after the device lowered it does not. */
static void resample_repends_while_high(void **state)
{
	struct wave_vm *w = level_vm();
	struct pvirq_vm *vm = w->vm;

	(void)state;
	assert_int_equal(pvirq_rvid_map(vm, IN, 0, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_OK);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(ack(vm, 0), DEV);
		level_eoi(vm, 0, DEV);
	}
	assert_int_equal(atomic_load(&w->resampled[IN]), 3);
	assert_int_equal(ack(vm, 0), DEV);
	/* The handler services the device, which lowers the line. */
	assert_int_equal(pvirq_rvid_set_level(vm, IN, false), PVIRQ_OK);
	level_eoi(vm, 0, DEV);
	nothing_left(vm, 0);
	/* resample() is where a device model re-checks (resamplefd style). */
	w->lower_on_resample = true;
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_OK);
	assert_int_equal(ack(vm, 0), DEV);
	level_eoi(vm, 0, DEV);
	nothing_left(vm, 0);
	wave_vm_destroy(w);
}

/* Retargeted while the guest services it on the old CPU: the level moves
 * with the input, and the guest's resample pends the current target. */
static void level_follows_retarget(void **state)
{
	struct wave_vm *w = level_vm();
	struct pvirq_vm *vm = w->vm;

	(void)state;
	assert_int_equal(pvirq_rvid_map(vm, IN, 0, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_OK);
	assert_int_equal(ack(vm, 0), DEV); /* in service on vCPU 0 */
	assert_int_equal(pvirq_rvid_map(vm, IN, 1, DEV + 1), PVIRQ_OK);
	assert_true(wave_is(vm, 1, DEV + 1, true)); /* the MAP pended the level */
	level_eoi(vm, 0, DEV);
	nothing_left(vm, 0);
	assert_int_equal(ack(vm, 1), DEV + 1);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, false), PVIRQ_OK);
	level_eoi(vm, 1, DEV + 1);
	nothing_left(vm, 1);
	wave_vm_destroy(w);
}

static void never_stranded(void **state)
{
	struct wave_vm *w = level_vm();
	struct pvirq_vm *vm = w->vm;
	struct pvirq_abi_binding binding = {.target_mask = ~0ull};
	struct pvirq_abi_call reset = {PVIRQ_ABI_PART_RVIC, PVIRQ_FN_RVIC_RESET, {0, 0, 0}};
	struct pvirq_abi_result r;

	(void)state;
	/* Raised while unmapped: the MAP pends it. */
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_map(vm, IN, 2, DEV), PVIRQ_OK);
	assert_true(wave_is(vm, 2, DEV, true));
	/* Raised while its target is disabled: ENABLE pends it. */
	assert_int_equal(pvirq_rvic_disable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_pending(vm, 2, DEV), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_set_level(vm, IN, true), PVIRQ_EDISABLED);
	assert_true(wave_is(vm, 2, DEV, false));
	assert_int_equal(pvirq_rvic_enable(vm, 2), PVIRQ_OK);
	assert_true(wave_is(vm, 2, DEV, true));
	/* RESET of the target's own instance: pending again, as a SIGNAL. */
	assert_int_equal(pvirq_abi_dispatch(vm, 2, &binding, &reset, &r), PVIRQ_OK);
	assert_int_equal(r.reason, PVIRQ_ABI_SUCCESS);
	assert_true(wave_is(vm, 2, DEV, true));
	/* Unmapped and mapped again elsewhere while high. */
	assert_int_equal(pvirq_rvid_unmap(vm, IN), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, IN, 3, DEV + 2), PVIRQ_OK);
	assert_true(wave_is(vm, 3, DEV + 2, true));
	wave_vm_destroy(w);
}

/* Through every level operation, no trusted INTID of any vCPU pends. */
static void stays_untrusted(void **state)
{
	struct wave_vm *w = level_vm();
	struct pvirq_vm *vm = w->vm;

	(void)state;
	for (uint32_t i = 0; i < W_INPUTS; i++)
		assert_int_equal(pvirq_rvid_set_trigger(vm, i, true), PVIRQ_OK);
	for (uint32_t round = 0; round < 200; round++) {
		uint32_t input = round % W_INPUTS, vcpu = (round / 3) % W_VCPUS;
		uint32_t intid = W_TRUSTED + (round * 7) % W_UNTRUSTED;

		(void)pvirq_rvid_map(vm, input, vcpu, intid);
		(void)pvirq_rvid_set_level(vm, input, round % 2);
		(void)pvirq_rvid_resample(vm, input);
		(void)pvirq_rvic_enable(vm, vcpu);
	}
	for (uint32_t c = 0; c < W_VCPUS; c++)
		for (uint32_t t = 0; t < W_TRUSTED; t++)
			assert_true(wave_is(vm, c, t, false));
	wave_vm_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(configuration),
		cmocka_unit_test(resample_repends_while_high),
		cmocka_unit_test(level_follows_retarget),
		cmocka_unit_test(never_stranded),
		cmocka_unit_test(stays_untrusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
