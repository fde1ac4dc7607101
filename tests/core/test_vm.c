/* SPDX-License-Identifier: MIT */
/* Configuration, placement, reset, CPU-id lookup, errors, version. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

static struct pvirq_config base_config(void)
{
	return (struct pvirq_config){
		.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 4};
}

static void config_limits(void **state)
{
	static const struct {
		uint32_t vcpus, trusted, untrusted, inputs;
		int expect;
	} rows[] = {
		{1, 32, 32, 0, PVIRQ_OK},
		{PVIRQ_MAX_VCPUS, 32, 32, 0, PVIRQ_OK},
		{0, 32, 32, 0, PVIRQ_EINVAL},
		{PVIRQ_MAX_VCPUS + 1, 32, 32, 0, PVIRQ_EINVAL},
		{1, 0, 32, 0, PVIRQ_EINVAL},
		{1, 16, 32, 0, PVIRQ_EINVAL},
		{1, 48, 32, 0, PVIRQ_EINVAL},
		{1, 32, 0, 0, PVIRQ_EINVAL}, /* U >= 32: the reference forgot this */
		{1, 32, 16, 0, PVIRQ_EINVAL},
		{1, 32, 40, 0, PVIRQ_EINVAL},
		{1, 32, 2016, 0, PVIRQ_OK}, /* T+U == 2048 */
		{1, 2016, 32, 0, PVIRQ_OK},
		{1, 64, 2016, 0, PVIRQ_EINVAL}, /* T+U == 2080 */
		{1, 2048, 32, 0, PVIRQ_EINVAL},
		{1, 0xFFFFFFE0u, 64, 0, PVIRQ_EINVAL}, /* would wrap T+U */
		{1, 32, 0xFFFFFFE0u, 0, PVIRQ_EINVAL},
		{1, 32, 32, PVIRQ_MAX_RVID_INPUTS, PVIRQ_OK},
		{1, 32, 32, PVIRQ_MAX_RVID_INPUTS + 1, PVIRQ_EINVAL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pvirq_config cfg = {.nr_vcpus = rows[i].vcpus,
					   .nr_trusted = rows[i].trusted,
					   .nr_untrusted = rows[i].untrusted,
					   .nr_rvid_inputs = rows[i].inputs};

		assert_int_equal(pvirq_config_check(&cfg), rows[i].expect);
		if (rows[i].expect)
			assert_int_equal(pvirq_vm_footprint(&cfg), 0);
		else
			assert_true(pvirq_vm_footprint(&cfg) > 0);
	}
	assert_int_equal(pvirq_config_check(NULL), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_footprint(NULL), 0);
}

/* The budget: 4 bits per INTID (pending and masked, and since ABI 0.4 the
 * 2-bit priority class, all in the words a guest may share) plus 3 lines
 * for the instance's host-private words (summary, flags, cursors, the
 * floor, level lines, its CPU-id entry), plus the distributor's 1 bit per
 * untrusted INTID (the occupancy bitmap that keeps two inputs off one
 * (vCPU, INTID)). */
#define BUDGET_PER_VCPU(u) (2048u * 4u / 8u + 3u * PVIRQ_CACHE_LINE + ((u) + 63u) / 64u * 8u)
static void footprint_per_vcpu(void **state)
{
	struct pvirq_config cfg = base_config();
	size_t one, two;

	(void)state;
	cfg.nr_untrusted = 2048 - 32;
	cfg.nr_rvid_inputs = 0;
	cfg.nr_vcpus = 1;
	one = pvirq_vm_footprint(&cfg);
	cfg.nr_vcpus = 2;
	two = pvirq_vm_footprint(&cfg);
	assert_true(two - one <= BUDGET_PER_VCPU(cfg.nr_untrusted));
	assert_int_equal(one % PVIRQ_CACHE_LINE, 0);
	/* Whatever the split: level lines are bounded, so the budget holds
	 * with almost all INTIDs trusted too. */
	for (uint32_t t = 32; t <= 2016; t += 32) {
		cfg.nr_trusted = t;
		cfg.nr_untrusted = 2048 - t;
		cfg.nr_vcpus = 1;
		one = pvirq_vm_footprint(&cfg);
		cfg.nr_vcpus = 2;
		two = pvirq_vm_footprint(&cfg);
		assert_true(two - one <= BUDGET_PER_VCPU(cfg.nr_untrusted));
	}
}

static void init_errors(void **state)
{
	struct pvirq_config cfg = base_config();
	size_t size = pvirq_vm_footprint(&cfg);
	unsigned char *mem = aligned_alloc(PVIRQ_CACHE_LINE, size + PVIRQ_CACHE_LINE);
	struct pvirq_vm *vm = NULL;
	uint64_t dup_ids[2] = {7, 7};

	(void)state;
	assert_non_null(mem);
	assert_int_equal(pvirq_vm_init(NULL, size, &cfg, &vm), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_init(mem, size, &cfg, NULL), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_init(mem + 8, size, &cfg, &vm), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_init(mem, size - 1, &cfg, &vm), PVIRQ_ENOSPC);
	assert_int_equal(pvirq_vm_init(mem, size, NULL, &vm), PVIRQ_EINVAL);
	cfg.cpu_ids = dup_ids;
	assert_int_equal(pvirq_vm_init(mem, size, &cfg, &vm), PVIRQ_EINVAL);
	assert_null(vm);
	cfg.cpu_ids = NULL;
	assert_int_equal(pvirq_vm_init(mem, size, &cfg, &vm), PVIRQ_OK);
	assert_ptr_equal(vm, mem);
	free(mem);

	cfg.nr_vcpus = 0;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_EINVAL);
	pvirq_vm_destroy(NULL);
}

static void assert_reset_state(struct pvirq_vm *vm)
{
	uint32_t n = pvirq_vm_nr_trusted(vm) + pvirq_vm_nr_untrusted(vm);

	for (uint32_t c = 0; c < pvirq_vm_nr_vcpus(vm); c++) {
		bool b;

		assert_int_equal(pvirq_rvic_is_enabled(vm, c, &b), PVIRQ_OK);
		assert_false(b);
		assert_false(pvirq_vcpu_line(vm, c));
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(pvirq_rvic_is_pending(vm, c, i, &b), PVIRQ_OK);
			assert_false(b);
			assert_int_equal(pvirq_rvic_is_masked(vm, c, i, &b), PVIRQ_OK);
			assert_true(b);
		}
		for (uint32_t i = 0; i < pvirq_vm_nr_trusted(vm); i++) {
			assert_int_equal(pvirq_rvic_get_level(vm, c, i, &b), PVIRQ_OK);
			assert_false(b);
		}
	}
	for (uint32_t i = 0; i < pvirq_vm_nr_rvid_inputs(vm); i++) {
		uint32_t v, intid;

		assert_int_equal(pvirq_rvid_lookup(vm, i, &v, &intid), PVIRQ_EUNMAPPED);
	}
}

static void reset_values(void **state)
{
	struct fixture *f = *state;
	struct pvirq_vm *vm = f->vm;
	uint32_t intid;

	assert_int_equal(pvirq_vm_nr_vcpus(vm), FIX_VCPUS);
	assert_int_equal(pvirq_vm_nr_trusted(vm), FIX_TRUSTED);
	assert_int_equal(pvirq_vm_nr_untrusted(vm), FIX_UNTRUSTED);
	assert_int_equal(pvirq_vm_nr_rvid_inputs(vm), FIX_INPUTS);
	assert_reset_state(vm);

	/* Dirty everything, then reset: back to the reset values, and the
	 * acknowledge order starts at INTID 0 again. */
	for (uint32_t c = 0; c < FIX_VCPUS; c++) {
		assert_int_equal(pvirq_rvic_enable(vm, c), PVIRQ_OK);
		for (uint32_t i = 0; i < FIX_INTIDS; i += 3) {
			assert_int_equal(pvirq_rvic_clear_masked(vm, c, i), PVIRQ_OK);
			assert_int_equal(pvirq_rvic_signal(vm, c, i), PVIRQ_OK);
		}
		assert_int_equal(pvirq_rvic_set_level(vm, c, 5, true), PVIRQ_OK);
	}
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(vm, 1, 2, FIX_TRUSTED + 1), PVIRQ_OK);
	pvirq_vm_reset(vm);
	assert_reset_state(vm);
	assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 60), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, 60), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(vm, 0, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 0);
}

static void cpu_id_lookup(void **state)
{
	struct fixture *f = *state;
	uint32_t vcpu = 99;
	uint64_t id;

	for (uint32_t i = 0; i < FIX_VCPUS; i++) {
		assert_int_equal(pvirq_vm_vcpu_by_cpu_id(f->vm, f->cpu_ids[i], &vcpu), PVIRQ_OK);
		assert_int_equal(vcpu, i);
		assert_int_equal(pvirq_vm_cpu_id(f->vm, i, &id), PVIRQ_OK);
		assert_int_equal(id, f->cpu_ids[i]);
	}
	vcpu = 99;
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(f->vm, 2, &vcpu), PVIRQ_EVCPU);
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(f->vm, 0x101, &vcpu), PVIRQ_EVCPU);
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(f->vm, UINT64_MAX, &vcpu), PVIRQ_EVCPU);
	/* The low 32 bits of 0x10000000001 are 1: no truncation may match. */
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(f->vm, 0x1, &vcpu), PVIRQ_OK);
	assert_int_equal(vcpu, 3);
	assert_int_equal(pvirq_vm_cpu_id(f->vm, FIX_VCPUS, &id), PVIRQ_EVCPU);
}

/* Default ids (cpu_ids == NULL) are the indexes; large VMs sort correctly. */
static void cpu_id_default_and_large(void **state)
{
	struct pvirq_config cfg = base_config();
	struct pvirq_vm *vm;
	uint64_t *ids = calloc(PVIRQ_MAX_VCPUS, sizeof(*ids));
	uint32_t vcpu;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(vm, 1, &vcpu), PVIRQ_OK);
	assert_int_equal(vcpu, 1);
	pvirq_vm_destroy(vm);

	assert_non_null(ids);
	for (uint32_t i = 0; i < PVIRQ_MAX_VCPUS; i++) /* a permutation, descending-ish */
		ids[i] = ((uint64_t)(i * 2654435761u % PVIRQ_MAX_VCPUS) << 8) | 0xAB;
	cfg.nr_vcpus = PVIRQ_MAX_VCPUS;
	cfg.cpu_ids = ids;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	for (uint32_t i = 0; i < PVIRQ_MAX_VCPUS; i++) {
		assert_int_equal(pvirq_vm_vcpu_by_cpu_id(vm, ids[i], &vcpu), PVIRQ_OK);
		assert_int_equal(vcpu, i);
	}
	assert_int_equal(pvirq_vm_vcpu_by_cpu_id(vm, 0xAC, &vcpu), PVIRQ_EVCPU);
	pvirq_vm_destroy(vm);
	free(ids);
}

/* vm.h: config_check rejects two vCPUs with one CPU id, and a failed init
 * writes nothing to the caller's memory. */
static void duplicate_ids_and_untouched_memory(void **state)
{
	struct pvirq_config cfg = base_config();
	uint64_t ids[4] = {0x100, 0x200, 0x300, 0x200};
	struct pvirq_vm *vm = NULL;
	size_t size;
	unsigned char *mem;

	(void)state;
	cfg.nr_vcpus = 4;
	cfg.cpu_ids = ids;
	assert_int_equal(pvirq_config_check(&cfg), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_footprint(&cfg), 0);
	ids[3] = 0x400;
	size = pvirq_vm_footprint(&cfg);
	assert_true(size > 0);
	ids[3] = 0x200;
	mem = aligned_alloc(PVIRQ_CACHE_LINE, size);
	assert_non_null(mem);
	memset(mem, 0xA5, size);
	assert_int_equal(pvirq_vm_init(mem, size, &cfg, &vm), PVIRQ_EINVAL);
	assert_null(vm);
	for (size_t i = 0; i < size; i++)
		if (mem[i] != 0xA5)
			fail_msg("failed init wrote byte %zu", i);
	/* The other failures write nothing either. */
	ids[3] = 0x400;
	assert_int_equal(pvirq_vm_init(mem, size - 1, &cfg, &vm), PVIRQ_ENOSPC);
	assert_int_equal(pvirq_vm_init(mem + 8, size, &cfg, &vm), PVIRQ_EINVAL);
	for (size_t i = 0; i < size; i++)
		if (mem[i] != 0xA5)
			fail_msg("failed init wrote byte %zu", i);
	assert_int_equal(pvirq_vm_init(mem, size, &cfg, &vm), PVIRQ_OK);
	free(mem);
}

static void errors_and_version(void **state)
{
	(void)state;
	for (int e = PVIRQ_OK; e >= PVIRQ_EBUSY; e--)
		assert_string_not_equal(pvirq_strerror(e), "unknown error");
	assert_string_equal(pvirq_strerror(1), "unknown error");
	assert_string_equal(pvirq_strerror(-1000), "unknown error");
	assert_int_equal(pvirq_version(), PVIRQ_VERSION);
	assert_int_equal(PVIRQ_VERSION >> 16, PVIRQ_VERSION_MAJOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_limits),
		cmocka_unit_test(footprint_per_vcpu),
		cmocka_unit_test(init_errors),
		cmocka_unit_test_setup_teardown(reset_values, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(cpu_id_lookup, fixture_setup, fixture_teardown),
		cmocka_unit_test(cpu_id_default_and_large),
		cmocka_unit_test(duplicate_ids_and_untouched_memory),
		cmocka_unit_test(errors_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
