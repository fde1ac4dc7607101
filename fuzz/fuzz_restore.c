/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: pvirq_vm_restore() on hostile bytes.
 *
 * Each input is tried twice: as it is, and with its last four bytes
 * replaced by the correct CRC-32C of the rest, so that mutations get past
 * the checksum and reach the structural and consistency checks.
 *
 * The destination VM takes its configuration from the input when
 * pvirq_snapshot_config() accepts it (small ones only), else a fixed one,
 * and is given some state first. Properties checked:
 *  - refused: the error is a snapshot error and the VM's memory is
 *    byte-for-byte what it was;
 *  - accepted: saving again in the input's format version gives back
 *    exactly the input (a valid snapshot has one encoding), less any
 *    optional sections a version 2 or 3 input carried (restore skips them);
 *    pvirq_snapshot_config() agrees, and every vCPU's line, NMI edge and
 *    acknowledges agree with its pending/masked/enabled bits, classes and
 *    floor.
 * A VM built from the snapshot's description gets guest RAM: one page per
 * vCPU, whatever address the snapshot names (version 3 shared pages).
 * Any violation aborts. Self-contained (public API and libc only), so the
 * libFuzzer build and the plain replay build compile it alike.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/pvirq.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_VCPUS 16u
#define MAX_FUZZ_INPUTS 1024u
#define PAGE_BYTES 4096u

/* The library's own CRC-32C (private to src/core, linked statically): the
 * target only needs it to repair a mutated snapshot's trailer so the
 * fuzzer reaches the validation behind the checksum. The snapshot tests
 * check that CRC against an independent bitwise one (snap_util.c). */
uint32_t pvirq__crc32c(const uint8_t *p, size_t len);

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool is_snapshot_error(int err)
{
	switch (err) {
	case PVIRQ_ETRUNCATED:
	case PVIRQ_EMAGIC:
	case PVIRQ_EVERSION:
	case PVIRQ_ECHECKSUM:
	case PVIRQ_ECONFIG:
	case PVIRQ_ECORRUPT: return true;
	default: return false;
	}
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * What saving an accepted input again must give: the input itself, or,
 * when it carries further sections after the version's own (skipped by
 * restore), its first @base - 4 bytes with the section count and total
 * length of a snapshot without them and the checksum of that
 * (docs/snapshot.md). Versions 1 and 2 own 2 sections, version 3 five.
 */
static void expected_resave(const uint8_t *data, size_t size, size_t base, uint8_t *out)
{
	uint32_t own = get32(data + 8) >= 3 ? 5 : 2;
	uint32_t crc;

	if (get32(data + 40) == own) {
		CHECK(size == base);
		memcpy(out, data, size);
		return;
	}
	CHECK(size > base);
	memcpy(out, data, base - 4);
	put32(out + 40, own);
	put32(out + 16, (uint32_t)base);
	put32(out + 20, (uint32_t)((uint64_t)base >> 32));
	crc = pvirq__crc32c(out, base - 4);
	put32(out + base - 4, crc);
}

/* guest_page() of the fuzz VM: vCPU @vcpu's own page, whatever @gpa. */
static void *fuzz_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)gpa;
	CHECK(size <= PAGE_BYTES);
	return (uint8_t *)ctx + (size_t)vcpu * PAGE_BYTES;
}

/* Gives a fresh VM some non-reset state, so "unchanged" means something. */
static void populate(struct pvirq_vm *vm)
{
	uint32_t t = pvirq_vm_nr_trusted(vm);

	pvirq_rvic_share_state(vm, 0, 0x1000); /* fails without guest RAM */
	pvirq_rvic_set_priority(vm, 0, t, 1);
	pvirq_rvic_set_priority_mask(vm, 0, 1);
	if (pvirq_vm_nr_rvid_inputs(vm))
		pvirq_rvid_set_trigger(vm, 0, true);
	pvirq_rvic_enable(vm, 0);
	pvirq_rvic_clear_masked(vm, 0, t);
	pvirq_rvic_signal(vm, 0, t);
	pvirq_rvic_signal(vm, 0, 1);
	pvirq_rvic_set_level(vm, 0, 2, true);
	if (pvirq_vm_nr_rvid_inputs(vm))
		pvirq_rvid_map(vm, 0, pvirq_vm_nr_vcpus(vm) - 1, t + 1);
}

/* Line, NMI edge and acknowledges must agree with the per-INTID bits,
 * classes and floor just restored: the line counts deliverable INTIDs of
 * a class at or above the floor, except the NMI class on a VM with an NMI
 * line, which is on the NMI edge instead (never held off). */
static void check_vcpu_invariants(struct pvirq_vm *vm, uint32_t c, bool nmi_line)
{
	uint32_t n = pvirq_vm_nr_trusted(vm) + pvirq_vm_nr_untrusted(vm);
	bool enabled = false, irq = false, nmi = false, pending, masked;
	uint32_t intid, cls, floor, acks = 0;

	CHECK(pvirq_rvic_is_enabled(vm, c, &enabled) == PVIRQ_OK);
	CHECK(pvirq_rvic_get_priority_mask(vm, c, &floor) == PVIRQ_OK && floor < 4);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(pvirq_rvic_is_pending(vm, c, i, &pending) == PVIRQ_OK);
		CHECK(pvirq_rvic_is_masked(vm, c, i, &masked) == PVIRQ_OK);
		CHECK(pvirq_rvic_get_priority(vm, c, i, &cls) == PVIRQ_OK && cls < 4);
		if (!pending || masked)
			continue;
		if (nmi_line && cls == 3)
			nmi = true;
		else if (cls >= floor)
			irq = true;
	}
	CHECK(pvirq_vcpu_line(vm, c) == (enabled && irq));
	CHECK(pvirq_vcpu_rearm(vm, c) == (enabled && irq));
	CHECK(pvirq_vcpu_take_nmi(vm, c) == (enabled && nmi));
	if (!enabled)
		return;
	/* Draining terminates within T+U acknowledges, each of a deliverable
	 * INTID the line counted (acknowledge masks it), and leaves the line
	 * low; then the same for the NMI class. */
	while (pvirq_rvic_acknowledge(vm, c, &intid) == PVIRQ_OK) {
		CHECK(intid < n && ++acks <= n);
		CHECK(pvirq_rvic_is_masked(vm, c, intid, &masked) == PVIRQ_OK && masked);
		CHECK(pvirq_rvic_get_priority(vm, c, intid, &cls) == PVIRQ_OK && cls >= floor &&
		      !(nmi_line && cls == 3));
	}
	CHECK(!pvirq_vcpu_line(vm, c));
	while (pvirq_rvic_acknowledge_nmi(vm, c, &intid) == PVIRQ_OK) {
		CHECK(intid < n && ++acks <= n);
		CHECK(pvirq_rvic_get_priority(vm, c, intid, &cls) == PVIRQ_OK && cls == 3);
	}
}

static void check_one(const uint8_t *data, size_t size)
{
	static const struct pvirq_config fixed = {
		.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 4};
	uint64_t ids[MAX_FUZZ_VCPUS];
	struct pvirq_config cfg;
	struct pvirq_vm *vm;
	size_t footprint, ram_bytes, written = 0;
	uint8_t *mem, *before, *again, *ram, *ram_before;
	bool from_snapshot;
	int err;

	from_snapshot = pvirq_snapshot_config(data, size, &cfg, ids, MAX_FUZZ_VCPUS) == PVIRQ_OK &&
			cfg.nr_rvid_inputs <= MAX_FUZZ_INPUTS;
	if (!from_snapshot)
		cfg = fixed;
	ram_bytes = (size_t)cfg.nr_vcpus * PAGE_BYTES;
	ram = aligned_alloc(PAGE_BYTES, ram_bytes);
	ram_before = malloc(ram_bytes);
	CHECK(ram && ram_before);
	memset(ram, 0xEE, ram_bytes);
	cfg.guest_page = fuzz_page;
	cfg.guest_page_ctx = ram;
	footprint = pvirq_vm_footprint(&cfg);
	CHECK(footprint);
	mem = aligned_alloc(PVIRQ_CACHE_LINE, footprint);
	before = malloc(footprint);
	CHECK(mem && before);
	memset(mem, 0, footprint);
	CHECK(pvirq_vm_init(mem, footprint, &cfg, &vm) == PVIRQ_OK);
	populate(vm);
	memcpy(before, mem, footprint);
	memcpy(ram_before, ram, ram_bytes);

	err = pvirq_vm_restore(vm, data, size);
	if (err != PVIRQ_OK) {
		CHECK(is_snapshot_error(err));
		CHECK(memcmp(before, mem, footprint) == 0);
		CHECK(memcmp(ram_before, ram, ram_bytes) == 0);
		/* A snapshot that describes itself consistently fits a VM built
		 * from its own description (with guest RAM for its pages). */
		CHECK(!from_snapshot);
	} else {
		struct pvirq_config seen;
		size_t base = 0;
		uint8_t *expected;

		/* This version's size: a size query. */
		CHECK(pvirq_vm_save_version(vm, get32(data + 8), NULL, 0, &base) == PVIRQ_ENOSPC);
		expected = malloc(base);
		again = malloc(base);
		CHECK(again && expected);
		expected_resave(data, size, base, expected);
		CHECK(pvirq_vm_save_version(vm, get32(data + 8), again, base, &written) ==
			      PVIRQ_OK &&
		      written == base);
		CHECK(memcmp(again, expected, base) == 0);
		free(again);
		free(expected);
		CHECK(pvirq_snapshot_config(data, size, &seen, NULL, 0) == PVIRQ_OK);
		CHECK(seen.nr_vcpus == cfg.nr_vcpus && seen.nr_trusted == cfg.nr_trusted &&
		      seen.nr_untrusted == cfg.nr_untrusted &&
		      seen.nr_rvid_inputs == cfg.nr_rvid_inputs &&
		      (get32(data + 8) < 3 || seen.nmi_line == cfg.nmi_line));
		for (uint32_t c = 0; c < cfg.nr_vcpus; c++)
			check_vcpu_invariants(vm, c, cfg.nmi_line);
	}
	free(before);
	free(mem);
	free(ram_before);
	free(ram);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	uint32_t crc;

	check_one(data, size);
	if (size < 4 || size > (1u << 20))
		return 0;
	fixed = malloc(size);
	CHECK(fixed);
	memcpy(fixed, data, size);
	crc = pvirq__crc32c(fixed, size - 4);
	for (unsigned i = 0; i < 4; i++)
		fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
	check_one(fixed, size);
	free(fixed);
	return 0;
}
