/* SPDX-License-Identifier: MIT */
/*
 * Golden snapshots (golden/v<N>/<scenario>.bin, one directory per format
 * version, written on x86_64 by gen_golden) restored on whatever host runs
 * this: x86_64 natively, arm64 and riscv64 under qemu-user in the cross
 * builds. Same bytes must give the same state everywhere, and this host's
 * save of the same scenario in the same version must give the same bytes,
 * so the byte order and layout of every version this release reads and
 * writes are truly fixed (the migration policy of docs/snapshot.md).
 *   test_snapshot_golden <golden dir>
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../support/intid_state.h"

#include "snap_util.h"

static const char *golden_dir;

static unsigned char *read_golden(uint32_t version, const char *name, size_t *len)
{
	unsigned char *buf = snap_read_golden(golden_dir, version, name, len);

	if (!buf)
		fail_msg("cannot read golden v%u/%s.bin under %s", (unsigned)version, name,
			 golden_dir);
	return buf;
}

/* Every scenario: restore = the model's state, save in the same version =
 * the golden bytes. */
static void golden_scenarios(uint32_t version)
{
	for (unsigned k = 0; k < snap_nr_scenarios; k++) {
		const struct snap_scenario *sc = &snap_scenarios[k];
		uint64_t ids[64], rng = sc->seed + 1, rng2 = rng;
		struct pvirq_config cfg;
		struct snap_vm here, restored;
		struct model m, m2;
		unsigned char *golden, *mine, *again;
		size_t len, mine_len, again_len;

		snap_scenario_config(sc, &cfg, ids);
		golden = read_golden(version, sc->name, &len);
		assert_int_equal(snap_vm_create(&here, &cfg), 0);
		assert_int_equal(snap_vm_create(&restored, &cfg), 0);
		assert_int_equal(model_init(&m, &cfg), 0);
		assert_null(snap_scenario_run(sc, here.vm, &m));

		mine = snap_save_version(here.vm, version, &mine_len);
		assert_int_equal(mine_len, len);
		assert_memory_equal(mine, golden, len);

		assert_int_equal(pvirq_vm_restore(restored.vm, golden, len), PVIRQ_OK);
		assert_null(model_compare(&m, restored.vm));
		again = snap_save_version(restored.vm, version, &again_len);
		assert_memory_equal(again, golden, len);

		/* Cursors and summaries: the restored VM and the original go on
		 * identically. */
		assert_int_equal(model_init(&m2, &cfg), 0);
		for (uint32_t c = 0; c < m.nr_vcpus; c++)
			m2.vcpus[c] = m.vcpus[c];
		for (uint32_t i = 0; i < m.nr_inputs; i++)
			m2.rvid[i] = m.rvid[i];
		assert_null(snap_random_ops(here.vm, &m, &rng, 500));
		assert_null(snap_random_ops(restored.vm, &m2, &rng2, 500));
		assert_null(model_compare(&m, here.vm));
		assert_null(model_compare(&m2, restored.vm));

		free(golden);
		free(mine);
		free(again);
		model_free(&m);
		model_free(&m2);
		snap_vm_destroy(&here);
		snap_vm_destroy(&restored);
	}
}

static void test_golden_scenarios_v1(void **state)
{
	(void)state;
	golden_scenarios(1);
}

static void test_golden_scenarios_v2(void **state)
{
	(void)state;
	golden_scenarios(2);
}

/* golden/v<N>/basic.bin, checked bit by bit without the model or the
 * scenario code: what the file must mean on every host. */
static void golden_basic_exact(uint32_t version)
{
	static const uint64_t ids[2] = {0x0, 0x100};
	struct pvirq_config cfg = {.nr_vcpus = 2,
				   .nr_trusted = 32,
				   .nr_untrusted = 32,
				   .nr_rvid_inputs = 4,
				   .cpu_ids = ids};
	struct snap_vm s;
	unsigned char *golden;
	size_t len;
	uint32_t vcpu, intid;
	bool enabled;

	golden = read_golden(version, "basic", &len);
	assert_int_equal(len, 48 + 16 + 2 * (16 + 8 + 8 + 8) + 16 + 4 * 8 + 4);
	assert_memory_equal(golden, "PVIRQSNP", 8);
	assert_int_equal(golden[8], version);
	assert_int_equal(snap_vm_create(&s, &cfg), 0);
	assert_int_equal(pvirq_vm_restore(s.vm, golden, len), PVIRQ_OK);

	for (uint32_t c = 0; c < 2; c++) {
		assert_int_equal(pvirq_rvic_is_enabled(s.vm, c, &enabled), PVIRQ_OK);
		assert_true(enabled);
	}
	for (uint32_t i = 0; i < 64; i++) {
		/* vCPU 0: 3 and 5 pending-but-masked, 7 deliverable, level 5. */
		assert_int_equal(intid_pending(s.vm, 0, i), i == 3 || i == 5 || i == 7);
		assert_int_equal(intid_masked(s.vm, 0, i), i != 7);
		/* vCPU 1: 40 acknowledged then re-pended (masked), 63 deliverable. */
		assert_int_equal(intid_pending(s.vm, 1, i), i == 40 || i == 63);
		assert_int_equal(intid_masked(s.vm, 1, i), i != 63);
		if (i < 32) {
			assert_int_equal(intid_level(s.vm, 0, i), i == 5);
			assert_false(intid_level(s.vm, 1, i));
		}
	}
	assert_int_equal(pvirq_rvid_lookup(s.vm, 0, &vcpu, &intid), PVIRQ_OK);
	assert_int_equal(vcpu, 1);
	assert_int_equal(intid, 40);
	assert_int_equal(pvirq_rvid_lookup(s.vm, 1, &vcpu, &intid), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_lookup(s.vm, 2, &vcpu, &intid), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_lookup(s.vm, 3, &vcpu, &intid), PVIRQ_OK);
	assert_int_equal(vcpu, 0);
	assert_int_equal(intid, 63);
	/* Entry step after restore, then the cursors: vCPU 1 acknowledged 40,
	 * so it resumes at 41 and finds 63. */
	assert_true(pvirq_vcpu_rearm(s.vm, 0));
	assert_true(pvirq_vcpu_rearm(s.vm, 1));
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 7);
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 1, &intid), PVIRQ_OK);
	assert_int_equal(intid, 63);
	assert_false(pvirq_vcpu_rearm(s.vm, 0));
	assert_false(pvirq_vcpu_rearm(s.vm, 1));
	free(golden);
	snap_vm_destroy(&s);
}

static void test_golden_basic_exact_v1(void **state)
{
	(void)state;
	golden_basic_exact(1);
}

static void test_golden_basic_exact_v2(void **state)
{
	(void)state;
	golden_basic_exact(2);
}

/* The two versions of one state differ in the version field and the
 * checksum only (version 2 adds section flags, all 0 for VCPU and RVID). */
static void test_golden_versions_differ_only_in_version(void **state)
{
	(void)state;
	for (unsigned k = 0; k < snap_nr_scenarios; k++) {
		size_t len1, len2;
		unsigned char *v1 = read_golden(1, snap_scenarios[k].name, &len1);
		unsigned char *v2 = read_golden(2, snap_scenarios[k].name, &len2);

		assert_int_equal(len1, len2);
		assert_int_equal(v1[8], 1);
		assert_int_equal(v2[8], 2);
		assert_memory_equal(v1, v2, 8);
		assert_memory_equal(v1 + 9, v2 + 9, len1 - 9 - 4);
		free(v1);
		free(v2);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_scenarios_v1),
		cmocka_unit_test(test_golden_scenarios_v2),
		cmocka_unit_test(test_golden_basic_exact_v1),
		cmocka_unit_test(test_golden_basic_exact_v2),
		cmocka_unit_test(test_golden_versions_differ_only_in_version),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
