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
#include <stdatomic.h>
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

/* Every scenario the version can carry: restore = the model's state (or,
 * with ABI 0.4 state the model does not know, the original VM's), save in
 * the same version = the golden bytes. */
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

		if (sc->since > version)
			continue;
		snap_scenario_config(sc, &cfg, ids);
		golden = read_golden(version, sc->name, &len);
		assert_int_equal(snap_vm_create_ram(&here, &cfg), 0);
		assert_int_equal(snap_vm_create_ram(&restored, &cfg), 0);
		assert_int_equal(model_init(&m, &cfg), 0);
		assert_null(snap_scenario_run(sc, here.vm, &m));

		mine = snap_save_version(here.vm, version, &mine_len);
		assert_int_equal(mine_len, len);
		assert_memory_equal(mine, golden, len);

		assert_int_equal(pvirq_vm_restore(restored.vm, golden, len), PVIRQ_OK);
		if (sc->since < 3u)
			assert_null(model_compare(&m, restored.vm));
		assert_null(snap_compare_vms(&here, &restored));
		again = snap_save_version(restored.vm, version, &again_len);
		assert_memory_equal(again, golden, len);
		if (sc->since >= 3u) {
			/* Cursors of every class, the rebuilt summary and
			 * reverse map: both go on identically. */
			assert_null(snap_lockstep(&here, &restored, &rng, 3000));
			assert_null(snap_compare_vms(&here, &restored));
			free(golden);
			free(mine);
			free(again);
			model_free(&m);
			snap_vm_destroy(&here);
			snap_vm_destroy(&restored);
			continue;
		}

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

static void test_golden_scenarios_v3(void **state)
{
	(void)state;
	golden_scenarios(3);
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
	/* Version 3 adds PAGE (2 x 16), PRIO (2 x (24 + 2 x 8)) and INPT
	 * (2 x 8), each with its 16-byte header. */
	assert_int_equal(len, 48 + 16 + 2 * (16 + 8 + 8 + 8) + 16 + 4 * 8 + 4 +
				      (version >= 3 ? 16 + 2 * 16 + 16 + 2 * 40 + 16 + 2 * 8 : 0));
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

static void test_golden_basic_exact_v3(void **state)
{
	(void)state;
	golden_basic_exact(3);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* golden/v3/abi04.bin, bit by bit, without the scenario code: the ABI 0.4
 * state (page, classes, floors, cursors of classes, level inputs, the NMI
 * line) means the same on every host. */
static void test_golden_abi04_exact(void **state)
{
	static const uint64_t ids[2] = {0x0, 0x2};
	struct pvirq_config cfg = {.nr_vcpus = 2,
				   .nr_trusted = 32,
				   .nr_untrusted = 32,
				   .nr_rvid_inputs = 4,
				   .cpu_ids = ids,
				   .nmi_line = true};
	const uint64_t gpa = SNAP_RAM_BASE + 0x1000;
	struct pvirq_config seen;
	struct snap_vm s, plain;
	unsigned char *golden, *before;
	size_t len;
	uint32_t vcpu, intid, cls, floor;
	uint64_t got_gpa;
	_Atomic uint64_t *page;
	bool b;

	(void)state;
	golden = read_golden(3, "abi04", &len);
	assert_int_equal(get32(golden + 8), 3);
	assert_int_equal(get32(golden + 40), 5); /* VCPU RVID PAGE PRIO INPT */
	assert_int_equal(get32(golden + 44), 1); /* NMI line */
	/* Both vCPUs made priority calls: their classes are in use (the flags
	 * word of each PRIO record: 48 + 16 + 2 x 40 + 16 + 4 x 8 + 16 + 2 x
	 * 16 + 16, then 40 bytes per record, flags at 16). */
	assert_int_equal(get32(golden + 256 + 16), 1);
	assert_int_equal(get32(golden + 296 + 16), 1);
	assert_int_equal(pvirq_snapshot_config(golden, len, &seen, NULL, 0), PVIRQ_OK);
	assert_true(seen.nmi_line);

	/* The destination needs the NMI line and the guest RAM. */
	cfg.nmi_line = false;
	assert_int_equal(snap_vm_create_ram(&plain, &cfg), 0);
	before = snap_vm_image(&plain);
	assert_int_equal(pvirq_vm_restore(plain.vm, golden, len), PVIRQ_ECONFIG);
	assert_memory_equal(before, plain.vm, plain.footprint);
	free(before);
	snap_vm_destroy(&plain);
	cfg.nmi_line = true;
	assert_int_equal(snap_vm_create(&plain, &cfg), 0); /* no guest_page() */
	before = snap_vm_image(&plain);
	assert_int_equal(pvirq_vm_restore(plain.vm, golden, len), PVIRQ_ECONFIG);
	assert_memory_equal(before, plain.vm, plain.footprint);
	free(before);
	snap_vm_destroy(&plain);

	assert_int_equal(snap_vm_create_ram(&s, &cfg), 0); /* RAM: 0xEE bytes */
	assert_int_equal(pvirq_vm_restore(s.vm, golden, len), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_shared_state(s.vm, 0, &got_gpa), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvic_shared_state(s.vm, 1, &got_gpa), PVIRQ_OK);
	assert_int_equal(got_gpa, gpa);
	for (uint32_t c = 0; c < 2; c++) {
		assert_int_equal(pvirq_rvic_is_enabled(s.vm, c, &b), PVIRQ_OK);
		assert_true(b);
		assert_int_equal(pvirq_rvic_get_priority_mask(s.vm, c, &floor), PVIRQ_OK);
		assert_int_equal(floor, c); /* vCPU 1: floor 1 */
	}
	for (uint32_t i = 0; i < 64; i++) {
		/* vCPU 0: 3 (class 2) and 40 (class 1) deliverable; 7 (NMI
		 * class) acknowledged and unmasked again. */
		assert_int_equal(intid_pending(s.vm, 0, i), i == 3 || i == 40);
		assert_int_equal(intid_masked(s.vm, 0, i), i != 3 && i != 7 && i != 40);
		assert_int_equal(pvirq_rvic_get_priority(s.vm, 0, i, &cls), PVIRQ_OK);
		assert_int_equal(cls, i == 3 ? 2 : i == 7 ? 3 : i == 40 ? 1 : 0);
		/* vCPU 1: 33 (class 0, held off by the floor), 45 (input 0's
		 * high level, masked), 50 (class 1, re-pended in service). */
		assert_int_equal(intid_pending(s.vm, 1, i), i == 33 || i == 45 || i == 50);
		assert_int_equal(intid_masked(s.vm, 1, i), i != 33);
		assert_int_equal(pvirq_rvic_get_priority(s.vm, 1, i, &cls), PVIRQ_OK);
		assert_int_equal(cls, i == 50 ? 1 : 0);
	}
	/* The words were written into the page (RAM was 0xEE bytes). */
	page = snap_ram_at(&s, gpa);
	assert_int_equal(atomic_load(&page[1]), /* INTIDs 32..63 */
			 (0xAAAAAAAAAAAAAAAAull & ~(2ull << 2)) | (1ull << 2) | (1ull << 26) |
				 (1ull << 36));
	assert_int_equal(atomic_load(&page[2 + 0]), 0);		 /* classes of 0..31 */
	assert_int_equal(atomic_load(&page[2 + 1]), 1ull << 36); /* 50: class 1 */
	assert_int_equal(atomic_load(&page[4]), 1);		 /* the floor */
	/* Inputs: 0 level high on (1, 45), 1 level low on (0, 60), 2 edge on
	 * (0, 61), 3 level high and unmapped. */
	for (uint32_t in = 0; in < 4; in++) {
		assert_int_equal(pvirq_rvid_get_level(s.vm, in, &b), PVIRQ_OK);
		assert_int_equal(b, in == 0 || in == 3);
	}
	assert_int_equal(pvirq_rvid_lookup(s.vm, 0, &vcpu, &intid), PVIRQ_OK);
	assert_true(vcpu == 1 && intid == 45);
	assert_int_equal(pvirq_rvid_lookup(s.vm, 3, &vcpu, &intid), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_rvid_set_level(s.vm, 2, true), PVIRQ_EINVAL); /* edge */
	assert_int_equal(pvirq_rvid_set_level(s.vm, 1, false), PVIRQ_OK);    /* level */

	/* Behaviour. vCPU 0: no NMI deliverable; the highest class first. */
	assert_false(pvirq_vcpu_take_nmi(s.vm, 0));
	assert_true(pvirq_vcpu_rearm(s.vm, 0));
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 3);
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 40);
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 0, &intid), PVIRQ_ENOINTR);
	/* vCPU 1: 33 is held off by the floor until it is lowered. */
	assert_false(pvirq_vcpu_rearm(s.vm, 1));
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 1, &intid), PVIRQ_ENOINTR);
	assert_int_equal(pvirq_rvic_set_priority_mask(s.vm, 1, 0), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_acknowledge(s.vm, 1, &intid), PVIRQ_OK);
	assert_int_equal(intid, 33);
	/* The level of input 0 re-pends (1, 45) at its end of interrupt. */
	assert_int_equal(pvirq_rvic_clear_pending(s.vm, 1, 45), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_resample(s.vm, 0), PVIRQ_OK);
	assert_true(intid_pending(s.vm, 1, 45));
	/* vCPU 0's NMI class: INTID 7 again, on the NMI edge, not the line. */
	assert_int_equal(pvirq_rvic_signal(s.vm, 0, 7), PVIRQ_OK);
	assert_true(pvirq_vcpu_take_nmi(s.vm, 0));
	assert_false(pvirq_vcpu_rearm(s.vm, 0));
	assert_int_equal(pvirq_rvic_acknowledge_nmi(s.vm, 0, &intid), PVIRQ_OK);
	assert_int_equal(intid, 7);
	free(golden);
	snap_vm_destroy(&s);
}

/* Versions 1 and 2 of one state differ in the version field and the
 * checksum only (version 2 adds section flags, all 0 for VCPU and RVID);
 * version 3 is version 2 plus its three sections (so also a total size
 * and a section count of its own) and, for these states, no NMI line. */
static void test_golden_versions_differ_only_in_version(void **state)
{
	(void)state;
	for (unsigned k = 0; k < snap_nr_scenarios; k++) {
		size_t len1, len2, len3;
		unsigned char *v1, *v2, *v3;

		if (snap_scenarios[k].since > 1)
			continue;
		v1 = read_golden(1, snap_scenarios[k].name, &len1);
		v2 = read_golden(2, snap_scenarios[k].name, &len2);
		v3 = read_golden(3, snap_scenarios[k].name, &len3);
		assert_int_equal(len1, len2);
		assert_int_equal(v1[8], 1);
		assert_int_equal(v2[8], 2);
		assert_memory_equal(v1, v2, 8);
		assert_memory_equal(v1 + 9, v2 + 9, len1 - 9 - 4);
		assert_true(len3 > len2);
		assert_int_equal(v3[8], 3);
		assert_int_equal(get32(v3 + 16), len3);
		assert_int_equal(get32(v3 + 40), 5);
		assert_memory_equal(v2 + 9, v3 + 9, 16 - 9);
		assert_memory_equal(v2 + 24, v3 + 24, 40 - 24);
		assert_memory_equal(v2 + 44, v3 + 44, len2 - 44 - 4);
		free(v1);
		free(v2);
		free(v3);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_scenarios_v1),
		cmocka_unit_test(test_golden_scenarios_v2),
		cmocka_unit_test(test_golden_scenarios_v3),
		cmocka_unit_test(test_golden_basic_exact_v1),
		cmocka_unit_test(test_golden_basic_exact_v2),
		cmocka_unit_test(test_golden_basic_exact_v3),
		cmocka_unit_test(test_golden_abi04_exact),
		cmocka_unit_test(test_golden_versions_differ_only_in_version),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
