/* SPDX-License-Identifier: MIT */
/*
 * RVIC_RESET (ABI 0.4, INFO(2) bit PVIRQ_ABI_FEATURE_RESET) in every layer
 * a guest can see it through:
 *  - the call through each architecture's decoder, against the reference
 *    model's model_reset_own() after random operation sequences (the
 *    model is the obvious loop: SET_MASKED then CLEAR_PENDING of every
 *    INTID), on several shapes, with level lines high and low;
 *  - snapshots: RESET commutes with save/restore (reset-then-save equals
 *    restore-then-reset, byte for byte), and a reset VM round-trips;
 *  - what a 0.3 guest sees: every 0.3 call and status unchanged, VERSION
 *    still accepted by a ">= 0.3" check, NOT_SUPPORTED past the table;
 *  - the guest driver core: one RESET per CPU bring-up when advertised,
 *    the 2 x (T+U) loop when not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pvirq/guest/driver.h>
#include <pvirq/hosted.h>

#include "../snapshot/snap_util.h"
#include "../support/intid_state.h"
#include "host_trap.h"

static const struct pvirq_config shapes[] = {
	{.nr_vcpus = 1, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 0},
	{.nr_vcpus = 3, .nr_trusted = 64, .nr_untrusted = 96, .nr_rvid_inputs = 8},
	{.nr_vcpus = 2, .nr_trusted = 96, .nr_untrusted = 1952, .nr_rvid_inputs = 16},
	/* More trusted INTIDs than software level lines. */
	{.nr_vcpus = 2, .nr_trusted = 1024, .nr_untrusted = 64, .nr_rvid_inputs = 4},
};

static struct pvirq_guest_ret reset_as(struct pvirq_vm *vm, uint32_t vcpu, enum host_binding b)
{
	struct host_trap host;
	struct pvirq_guest_trap trap;

	host_trap_init(&host, &trap, vm, vcpu, b);
	return pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVIC, RESET), 0x5A5A, ~0ull, 7);
}

static void reset_matches_the_model_on_every_binding(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (uint64_t seed = 1; seed <= 12; seed++) {
			uint64_t rng = seed * 0x9E3779B97F4A7C15ull + s;
			struct snap_vm vm;
			struct model m;
			const char *diff;

			assert_int_equal(snap_vm_create(&vm, &shapes[s]), 0);
			assert_int_equal(model_init(&m, &shapes[s]), 0);
			for (unsigned round = 0; round < 4; round++) {
				uint32_t c = (uint32_t)(snap_rand(&rng) % shapes[s].nr_vcpus);
				struct pvirq_guest_ret r;

				diff = snap_random_ops(vm.vm, &m, &rng, 300);
				assert_null(diff);
				/* Unused argument registers hold junk: ignored. */
				r = reset_as(vm.vm, c, (enum host_binding)(round % 3));
				assert_int_equal(r.status, PVIRQ_ABI_SUCCESS);
				assert_int_equal(r.value, 0);
				assert_int_equal(model_reset_own(&m, c), PVIRQ_OK);
				diff = model_compare(&m, vm.vm);
				if (diff)
					fail_msg("shape %zu seed %llu round %u: %s", s,
						 (unsigned long long)seed, round, diff);
				/* What the call promises, read back directly. */
				for (uint32_t i = 0; i < m.nr_intids; i++) {
					bool high = i < model_level_lines(&m) &&
						    m.vcpus[c].level[i] && m.vcpus[c].enabled;

					assert_true(intid_masked(vm.vm, c, i));
					assert_int_equal(intid_pending(vm.vm, c, i), high);
				}
				assert_false(pvirq_vcpu_line(vm.vm, c));
			}
			model_free(&m);
			snap_vm_destroy(&vm);
		}
	}
}

static void reset_commutes_with_save_and_restore(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		uint64_t rng = 0xC0FFEEull + s;
		struct snap_vm a, b;
		struct model m;
		unsigned char *before, *after_a, *after_b;
		size_t len, len_a, len_b;
		uint32_t c = shapes[s].nr_vcpus - 1;

		assert_int_equal(snap_vm_create(&a, &shapes[s]), 0);
		assert_int_equal(snap_vm_create(&b, &shapes[s]), 0);
		assert_int_equal(model_init(&m, &shapes[s]), 0);
		assert_null(snap_random_ops(a.vm, &m, &rng, 600));
		before = snap_save(a.vm, &len);

		/* Reset, then save; restore the earlier state elsewhere, reset
		 * there, save: the same bytes. */
		assert_int_equal(reset_as(a.vm, c, HOST_ARM64).status, PVIRQ_ABI_SUCCESS);
		after_a = snap_save(a.vm, &len_a);
		assert_int_equal(pvirq_vm_restore(b.vm, before, len), PVIRQ_OK);
		assert_int_equal(reset_as(b.vm, c, HOST_RISCV).status, PVIRQ_ABI_SUCCESS);
		after_b = snap_save(b.vm, &len_b);
		assert_int_equal(len_a, len_b);
		assert_memory_equal(after_a, after_b, len_a);

		/* And the reset state itself round-trips into a third VM. */
		assert_int_equal(model_reset_own(&m, c), PVIRQ_OK);
		assert_int_equal(pvirq_vm_restore(b.vm, after_a, len_a), PVIRQ_OK);
		assert_null(model_compare(&m, b.vm));

		free(before);
		free(after_a);
		free(after_b);
		model_free(&m);
		snap_vm_destroy(&a);
		snap_vm_destroy(&b);
	}
}

static void a_0_3_guest_sees_no_difference(void **state)
{
	const struct pvirq_config cfg = {.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32};
	struct pvirq_vm *vm;
	struct host_trap host;
	struct pvirq_guest_trap trap;
	struct pvirq_guest_ret r;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	host_trap_init(&host, &trap, vm, 0, HOST_X86);
	/* The 2020 drivers' check: version >= 0.3 with major 0. */
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_SUCCESS);
	assert_int_equal(r.value >> 16, 0);
	assert_true((r.value & 0xFFFF) >= 3);
	assert_int_equal(r.value, PVIRQ_ABI_VERSION);
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVID, VERSION), 0, 0, 0);
	assert_int_equal(r.value, PVIRQ_ABI_VERSION);
	/* The feature is advertised, and only bits the version defines. */
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVIC, INFO), PVIRQ_ABI_INFO_FEATURES, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_SUCCESS);
	assert_int_equal(r.value, PVIRQ_ABI_FEATURES);
	assert_true(r.value & PVIRQ_ABI_FEATURE_RESET);
	/* Past the table: still NOT_SUPPORTED, in both parts. */
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_RVIC_BASE + 17, 0, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_RVID_BASE + 4, 0, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	/* RESET does not change enabled: a 0.3-style bring-up around it. */
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, 3), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 1, 3), PVIRQ_EDISABLED);
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVIC, RESET), 0, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_SUCCESS);
	bool enabled = false;
	assert_int_equal(pvirq_rvic_is_enabled(vm, 0, &enabled), PVIRQ_OK);
	assert_true(enabled);
	assert_false(intid_pending(vm, 0, 3));
	assert_true(intid_masked(vm, 0, 3));
	pvirq_vm_destroy(vm);
}

static void the_driver_core_brings_a_cpu_up_in_one_call(void **state)
{
	const struct pvirq_config cfg = {.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 2016};
	const uint32_t nr = 32 + 2016;
	static struct pvirq_guest_irq table[2048];
	struct pvirq_guest_driver drv;
	struct pvirq_guest_cpu cpu;
	struct host_trap host;
	struct pvirq_guest_trap trap;
	struct pvirq_vm *vm;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	host_trap_init(&host, &trap, vm, 1, HOST_ARM64);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, nr, PVIRQ_ABI_FEATURE_RESET), 0);
	assert_true(drv.features & PVIRQ_ABI_FEATURE_RESET);
	/* Leftovers of a previous kernel on CPU 1, and a high level line. */
	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	for (uint32_t i = 0; i < nr; i += 7) {
		assert_int_equal(pvirq_rvic_clear_masked(vm, 1, i), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_signal(vm, 1, i), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvic_set_level(vm, 1, 27, true), PVIRQ_OK);

	pvirq_guest_cpu_init(&cpu, &drv, &trap, 1);
	memset(host.calls_by_fn, 0, sizeof(host.calls_by_fn));
	assert_int_equal(pvirq_guest_cpu_up(&cpu), 0);
	assert_int_equal(host.calls_by_fn[0][PVIRQ_FN_RVIC_RESET], 1);
	assert_int_equal(host.calls_by_fn[0][PVIRQ_FN_RVIC_SET_MASKED], 0);
	assert_int_equal(host.calls_by_fn[0][PVIRQ_FN_RVIC_CLEAR_PENDING], 0);
	for (uint32_t i = 0; i < nr; i++) {
		assert_true(intid_masked(vm, 1, i));
		/* The level line is still high: pending again after ENABLE. */
		assert_int_equal(intid_pending(vm, 1, i), i == 27);
	}
	pvirq_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_matches_the_model_on_every_binding),
		cmocka_unit_test(reset_commutes_with_save_and_restore),
		cmocka_unit_test(a_0_3_guest_sees_no_difference),
		cmocka_unit_test(the_driver_core_brings_a_cpu_up_in_one_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
