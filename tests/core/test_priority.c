/* SPDX-License-Identifier: MIT */
/* Priority classes (ABI 0.4): acknowledge order, round robin inside a
 * class, the floor, the NMI edge, and what RESET puts back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wave_vm.h"

static void pend_unmasked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	assert_int_equal(pvirq_rvic_clear_masked(vm, vcpu, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, vcpu, intid), PVIRQ_OK);
}

static uint32_t ack(struct pvirq_vm *vm, uint32_t vcpu)
{
	uint32_t intid = ~0u;

	assert_int_equal(pvirq_rvic_acknowledge(vm, vcpu, &intid), PVIRQ_OK);
	return intid;
}

static void highest_class_first(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	uint32_t intid;

	(void)state;
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 70, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 50, 1), PVIRQ_OK);
	/* Class 3 is the NMI class, refused without an NMI line. */
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 50, 3), PVIRQ_EINVAL);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 50, 4), PVIRQ_EINVAL);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, W_INTIDS, 1), PVIRQ_EINTID);
	pend_unmasked(vm, 0, 40); /* class 0 */
	pend_unmasked(vm, 0, 50);
	pend_unmasked(vm, 0, 70);
	pend_unmasked(vm, 0, 2); /* class 0, below the cursor */
	assert_int_equal(ack(vm, 0), 70);
	assert_int_equal(ack(vm, 0), 50);
	/* Class 0: round robin from its own cursor (at 0): 2, then 40. */
	assert_int_equal(ack(vm, 0), 2);
	assert_int_equal(ack(vm, 0), 40);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_ENOINTR);
	wave_vm_destroy(w);
}

/* Three INTIDs of one class, each re-signalled as soon as it is taken:
 * every one comes round within three acknowledges (starvation-free inside
 * the class), whatever a lower class holds. */
static void round_robin_inside_a_class(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	const uint32_t members[3] = {35, 60, 90};
	uint32_t last_seen[3] = {0, 0, 0};

	(void)state;
	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	for (int m = 0; m < 3; m++) {
		assert_int_equal(pvirq_rvic_set_priority(vm, 1, members[m], 1), PVIRQ_OK);
		pend_unmasked(vm, 1, members[m]);
	}
	pend_unmasked(vm, 1, 41); /* class 0: starved while class 1 stays busy */
	for (uint32_t round = 1; round <= 30; round++) {
		uint32_t got = ack(vm, 1);
		int m = got == members[0] ? 0 : got == members[1] ? 1 : got == members[2] ? 2 : -1;

		assert_true(m >= 0);
		assert_true(last_seen[m] == 0 || round - last_seen[m] == 3);
		last_seen[m] = round;
		pend_unmasked(vm, 1, got);
	}
	assert_true(wave_is(vm, 1, 41, true));
	wave_vm_destroy(w);
}

static void floor_holds_off_and_lowering_raises(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	uint32_t intid;

	(void)state;
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 4, 2), PVIRQ_OK); /* the timer */
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 4), PVIRQ_EINVAL);
	assert_false(pvirq_vcpu_rearm(vm, 0));
	pend_unmasked(vm, 0, 40); /* a device, class 0: held off */
	assert_int_equal(atomic_load(&w->notified[0]), 0);
	assert_false(pvirq_vcpu_line(vm, 0));
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_ENOINTR);
	assert_true(wave_is(vm, 0, 40, true));
	pend_unmasked(vm, 0, 4); /* the timer gets through */
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	assert_int_equal(ack(vm, 0), 4);
	assert_false(pvirq_vcpu_rearm(vm, 0));
	/* Lowering the floor raises the line for what it held off. */
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 0), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 2);
	assert_int_equal(ack(vm, 0), 40);
	/* So does moving a held-off pending INTID into an allowed class. */
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 1), PVIRQ_OK);
	pend_unmasked(vm, 0, 41);
	assert_false(pvirq_vcpu_rearm(vm, 0));
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 41, 1), PVIRQ_OK);
	assert_int_equal(atomic_load(&w->notified[0]), 3);
	assert_int_equal(ack(vm, 0), 41);
	wave_vm_destroy(w);
}

static void nmi_class_goes_to_its_own_edge(void **state)
{
	struct wave_vm *w = wave_vm_create(true);
	struct pvirq_vm *vm = w->vm;
	uint32_t intid;

	(void)state;
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 6, PVIRQ_PRIORITY_NMI), PVIRQ_OK);
	/* An IRQ is pending and not rearmed (interrupts off in the guest)... */
	pend_unmasked(vm, 0, 40);
	assert_int_equal(atomic_load(&w->notified[0]), 1);
	assert_false(pvirq_vcpu_take_nmi(vm, 0));
	/* ...and the NMI still notifies, on its own edge, even at floor 3. */
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 3), PVIRQ_OK);
	pend_unmasked(vm, 0, 6);
	assert_int_equal(atomic_load(&w->notified[0]), 2);
	assert_false(pvirq_vcpu_line(vm, 0)); /* not on the IRQ line */
	assert_true(pvirq_vcpu_take_nmi(vm, 0));
	assert_false(pvirq_vcpu_take_nmi(vm, 0)); /* once per edge */
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_ENOINTR);
	assert_int_equal(pvirq_rvic_acknowledge_nmi(vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 6);
	assert_int_equal(pvirq_rvic_acknowledge_nmi(vm, 0, &intid), PVIRQ_ENOINTR);
	/* Edge consumed with nothing left: no NMI to inject. */
	pend_unmasked(vm, 0, 6);
	assert_int_equal(pvirq_rvic_acknowledge_nmi(vm, 0, &intid), PVIRQ_OK);
	assert_false(pvirq_vcpu_take_nmi(vm, 0));
	/* An NMI-class INTID pending while disabled raises the edge at ENABLE. */
	assert_int_equal(pvirq_rvic_disable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 6), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_level(vm, 0, 6, true), PVIRQ_EDISABLED);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_true(pvirq_vcpu_take_nmi(vm, 0));
	wave_vm_destroy(w);
}

static void reset_puts_classes_back(void **state)
{
	struct wave_vm *w = wave_vm_create(false);
	struct pvirq_vm *vm = w->vm;
	struct pvirq_abi_binding binding = {.target_mask = ~0ull};
	struct pvirq_abi_call call = {PVIRQ_ABI_PART_RVIC, PVIRQ_FN_RVIC_RESET, {0, 0, 0}};
	struct pvirq_abi_result r;
	uint32_t cls = 9, floor = 9;

	(void)state;
	assert_int_equal(pvirq_rvic_set_priority(vm, 0, 40, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_priority_mask(vm, 0, 3), PVIRQ_OK);
	assert_int_equal(pvirq_abi_dispatch(vm, 0, &binding, &call, &r), PVIRQ_OK);
	assert_int_equal(r.reason, PVIRQ_ABI_SUCCESS);
	assert_int_equal(pvirq_rvic_get_priority(vm, 0, 40, &cls), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_get_priority_mask(vm, 0, &floor), PVIRQ_OK);
	assert_int_equal(cls, 0);
	assert_int_equal(floor, 0);
	/* INFO reports the NMI feature only with an NMI line. */
	call = (struct pvirq_abi_call){PVIRQ_ABI_PART_RVIC, PVIRQ_FN_RVIC_INFO, {2, 0, 0}};
	assert_int_equal(pvirq_abi_dispatch(vm, 0, &binding, &call, &r), PVIRQ_OK);
	assert_int_equal(r.value, PVIRQ_ABI_FEATURES);
	assert_false(r.value & PVIRQ_ABI_FEATURE_NMI);
	wave_vm_destroy(w);
	w = wave_vm_create(true);
	assert_int_equal(pvirq_abi_dispatch(w->vm, 0, &binding, &call, &r), PVIRQ_OK);
	assert_int_equal(r.value, PVIRQ_ABI_FEATURES | PVIRQ_ABI_FEATURE_NMI);
	wave_vm_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(highest_class_first),
		cmocka_unit_test(round_robin_inside_a_class),
		cmocka_unit_test(floor_holds_off_and_lowering_raises),
		cmocka_unit_test(nmi_class_goes_to_its_own_edge),
		cmocka_unit_test(reset_puts_classes_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
