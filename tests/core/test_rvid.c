/* SPDX-License-Identifier: MIT */
/* The rVID: map/unmap/lookup, inject, MSI, the trust split, retarget. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../support/intid_state.h"

#include "fixture.h"

#define U0 FIX_TRUSTED /* first untrusted INTID */

static void enable_all(struct pvirq_vm *vm)
{
	for (uint32_t c = 0; c < FIX_VCPUS; c++)
		assert_int_equal(pvirq_rvic_enable(vm, c), PVIRQ_OK);
}

static void map_errors(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t v = 77, i = 77;

	assert_int_equal(pvirq_rvid_map(vm, FIX_INPUTS, 0, U0), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_map(vm, UINT32_MAX, 0, U0), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_map(vm, 0, FIX_VCPUS, U0), PVIRQ_EVCPU);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, FIX_INTIDS), PVIRQ_EINTID);
	assert_int_equal(pvirq_rvid_unmap(vm, FIX_INPUTS), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_lookup(vm, FIX_INPUTS, &v, &i), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_inject(vm, FIX_INPUTS), PVIRQ_EINPUT);
	/* Every trusted INTID is refused: the untrusted side cannot name one. */
	for (uint32_t t = 0; t < FIX_TRUSTED; t++)
		assert_int_equal(pvirq_rvid_map(vm, 0, 0, t), PVIRQ_EINTID);
	assert_int_equal(pvirq_rvid_lookup(vm, 0, &v, &i), PVIRQ_EUNMAPPED);
	assert_int_equal(v, 77);
	assert_int_equal(i, 77);
}

static void map_lookup_unmap_inject(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t v, i;

	assert_int_equal(pvirq_rvid_inject(vm, 2), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_map(vm, 2, 3, U0 + 5), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_lookup(vm, 2, &v, &i), PVIRQ_OK);
	assert_int_equal(v, 3);
	assert_int_equal(i, U0 + 5);
	/* Target disabled: dropped and reported. */
	assert_int_equal(pvirq_rvid_inject(vm, 2), PVIRQ_EDISABLED);
	assert_false(intid_pending(vm, 3, U0 + 5));
	enable_all(vm);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 3, U0 + 5), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(vm, 2), PVIRQ_OK);
	assert_true(intid_pending(vm, 3, U0 + 5));
	assert_true(pvirq_vcpu_line(vm, 3));
	assert_int_equal(f->notified[3], 1);
	assert_int_equal(pvirq_rvid_unmap(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_unmap(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_lookup(vm, 2, &v, &i), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_inject(vm, 2), PVIRQ_EUNMAPPED);
	/* The highest input and INTID work (bounds are >=, not >). */
	assert_int_equal(pvirq_rvid_map(vm, FIX_INPUTS - 1, FIX_VCPUS - 1, FIX_INTIDS - 1),
			 PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(vm, FIX_INPUTS - 1), PVIRQ_OK);
	assert_true(intid_pending(vm, FIX_VCPUS - 1, FIX_INTIDS - 1));
}

static void msi_doorbell(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	enable_all(vm);
	assert_int_equal(pvirq_rvid_map(vm, 1, 0, U0 + 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_msi(vm, PVIRQ_MSI_DOORBELL + 4, 1), PVIRQ_EADDRESS);
	assert_int_equal(pvirq_rvid_msi(vm, 0, 1), PVIRQ_EADDRESS);
	/* 64-bit data whose low 32 bits name input 1 must not alias it. */
	assert_int_equal(pvirq_rvid_msi(vm, PVIRQ_MSI_DOORBELL, (1ull << 32) | 1), PVIRQ_EINPUT);
	assert_int_equal(pvirq_rvid_msi(vm, PVIRQ_MSI_DOORBELL, FIX_INPUTS), PVIRQ_EINPUT);
	assert_false(intid_pending(vm, 0, U0 + 1));
	assert_int_equal(pvirq_rvid_msi(vm, PVIRQ_MSI_DOORBELL, 0), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_msi(vm, PVIRQ_MSI_DOORBELL, 1), PVIRQ_OK);
	assert_true(intid_pending(vm, 0, U0 + 1));
}

/* MAP of a mapped input moves the pending bit to the new target. */
static void retarget_moves_pending(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	enable_all(vm);
	assert_int_equal(pvirq_rvid_map(vm, 4, 0, U0 + 9), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(vm, 4), PVIRQ_OK); /* masked: latches */
	assert_true(intid_pending(vm, 0, U0 + 9));
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, U0 + 12), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 4, 1, U0 + 12), PVIRQ_OK);
	assert_false(intid_pending(vm, 0, U0 + 9));
	assert_true(intid_pending(vm, 1, U0 + 12));
	assert_true(pvirq_vcpu_line(vm, 1));
	assert_int_equal(f->notified[1], 1);

	/* Re-mapping to the same target changes nothing. */
	assert_int_equal(pvirq_rvid_map(vm, 4, 1, U0 + 12), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, U0 + 12));

	/* A disabled new target would drop it: it stays on the old one. */
	assert_int_equal(pvirq_rvic_disable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 4, 2, U0 + 12), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, U0 + 12));
	assert_false(intid_pending(vm, 2, U0 + 12));

	/* Not pending: nothing moves, nothing appears. */
	assert_int_equal(pvirq_rvic_clear_pending(vm, 1, U0 + 12), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 4, 3, U0 + 13), PVIRQ_OK);
	assert_false(intid_pending(vm, 3, U0 + 13));
}

/* The guest's retarget sequence (mask old, mask new, MAP, if old pending:
 * clear old + SIGNAL new, unmask new) delivers an edge that was pending on
 * the old target exactly once, on the new one. */
static void guest_retarget_sequence(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	const uint32_t in = 0, intid = U0 + 3;
	uint32_t got;
	bool old_pending;

	enable_all(vm);
	assert_int_equal(pvirq_rvid_map(vm, in, 0, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(vm, in), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_masked(vm, 0, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_masked(vm, 2, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, in, 2, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_is_pending(vm, 0, intid, &old_pending), PVIRQ_OK);
	if (old_pending) {
		assert_int_equal(pvirq_rvic_clear_pending(vm, 0, intid), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_signal(vm, 2, intid), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &got), PVIRQ_OK);
	assert_int_equal(got, intid);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 2, &got), PVIRQ_ENOINTR);
	assert_false(intid_pending(vm, 0, intid));
}

/* The case: two inputs on one (vCPU, INTID) would let a retarget of
 * one carry the other's edge away under its name. The second MAP is
 * refused, and nothing changes. */
static void one_input_per_target(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t v, i;

	enable_all(vm);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 1, 0, U0 + 8), PVIRQ_EBUSY);
	assert_int_equal(pvirq_rvid_lookup(vm, 1, &v, &i), PVIRQ_EUNMAPPED);
	/* Mapped elsewhere, input 1 cannot move onto input 0's target either. */
	assert_int_equal(pvirq_rvid_map(vm, 1, 1, U0 + 9), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 1, 0, U0 + 8), PVIRQ_EBUSY);
	assert_int_equal(pvirq_rvid_lookup(vm, 1, &v, &i), PVIRQ_OK);
	assert_int_equal(v, 1);
	assert_int_equal(i, U0 + 9);
	/* The same INTID on another vCPU, and another INTID, are free. */
	assert_int_equal(pvirq_rvid_map(vm, 2, 1, U0 + 8), PVIRQ_OK);
	/* Re-mapping an input to its own target is a no-op, not "busy". */
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);

	/* Edges stay attributable: input 1's edge is never moved by input 0. */
	assert_int_equal(pvirq_rvid_inject(vm, 1), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 0, 2, U0 + 10), PVIRQ_OK);
	assert_true(intid_pending(vm, 1, U0 + 9));
	assert_false(intid_pending(vm, 2, U0 + 10));
}

/* A target is released when its input moves away, is unmapped, or the VM
 * is reset; then another input may take it. */
static void targets_released(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;

	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 8), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 0, 0, U0 + 20), PVIRQ_OK); /* moves away */
	assert_int_equal(pvirq_rvid_map(vm, 1, 0, U0 + 8), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 2, 0, U0 + 20), PVIRQ_EBUSY);
	assert_int_equal(pvirq_rvid_unmap(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 2, 0, U0 + 20), PVIRQ_OK);
	pvirq_vm_reset(vm); /* frees the targets inputs 1 and 2 held */
	assert_int_equal(pvirq_rvid_map(vm, 5, 0, U0 + 8), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 6, 0, U0 + 20), PVIRQ_OK);
}

/* The spec's retarget recipe (section 8.6): unmask on the new CPU, MAP.
 * The edge pending on the old CPU is delivered exactly once, on the new
 * one; and if the new CPU is disabled, it stays on the old CPU, which the
 * recipe left unmasked, and is delivered there. */
static void spec_retarget_recipe(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	const uint32_t n = U0 + 6;
	uint32_t got;

	enable_all(vm);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, n), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 5, 0, n), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_set_masked(vm, 0, n), PVIRQ_OK);   /* old busy */
	assert_int_equal(pvirq_rvid_inject(vm, 5), PVIRQ_OK);	       /* pending on 0 */
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, n), PVIRQ_OK); /* step 1 */
	assert_int_equal(pvirq_rvid_map(vm, 5, 1, n), PVIRQ_OK);       /* step 2 */
	assert_int_equal(pvirq_rvic_acknowledge(vm, 1, &got), PVIRQ_OK);
	assert_int_equal(got, n);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 1, &got), PVIRQ_ENOINTR);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, n), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &got), PVIRQ_ENOINTR);

	/* The new CPU went offline meanwhile: nothing is dropped. */
	assert_int_equal(pvirq_rvic_set_masked(vm, 1, n), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 1, n), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(vm, 5), PVIRQ_OK); /* pending on 1 */
	assert_int_equal(pvirq_rvic_disable(vm, 2), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 2, n), PVIRQ_OK); /* step 1 */
	assert_int_equal(pvirq_rvid_map(vm, 5, 2, n), PVIRQ_OK);       /* step 2 */
	assert_false(intid_pending(vm, 2, n));
	assert_int_equal(pvirq_rvic_acknowledge(vm, 1, &got), PVIRQ_OK);
	assert_int_equal(got, n);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(map_errors),
		T(map_lookup_unmap_inject),
		T(msi_doorbell),
		T(retarget_moves_pending),
		T(guest_retarget_sequence),
		T(one_input_per_target),
		T(targets_released),
		T(spec_retarget_recipe),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
