/* SPDX-License-Identifier: MIT */
#include "snap_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int snap_vm_create(struct snap_vm *out, const struct pvirq_config *cfg)
{
	size_t size = pvirq_vm_footprint(cfg);
	void *mem;

	if (!size)
		return -1;
	mem = aligned_alloc(PVIRQ_CACHE_LINE, size);
	if (!mem)
		abort();
	/* Fill first, so bytes init leaves alone are still deterministic. */
	memset(mem, 0xA5, size);
	if (pvirq_vm_init(mem, size, cfg, &out->vm) != PVIRQ_OK) {
		free(mem);
		return -1;
	}
	out->footprint = size;
	out->cfg = *cfg;
	return 0;
}

void snap_vm_destroy(struct snap_vm *s)
{
	free(s->vm);
	s->vm = NULL;
}

unsigned char *snap_vm_image(const struct snap_vm *s)
{
	unsigned char *copy = malloc(s->footprint);

	if (!copy)
		abort();
	memcpy(copy, s->vm, s->footprint);
	return copy;
}

unsigned char *snap_save_version(struct pvirq_vm *vm, uint32_t version, size_t *len)
{
	size_t size = pvirq_vm_snapshot_size(vm), written = 0;
	unsigned char *buf = malloc(size);

	if (!buf || pvirq_vm_save_version(vm, version, buf, size, &written) != PVIRQ_OK ||
	    written != size)
		abort();
	*len = size;
	return buf;
}

unsigned char *snap_save(struct pvirq_vm *vm, size_t *len)
{
	return snap_save_version(vm, PVIRQ_SNAPSHOT_VERSION, len);
}

uint64_t snap_rand(uint64_t *rng)
{
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return *rng * 0x2545F4914F6CDD1Dull;
}

uint32_t snap_crc32c(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Mostly in range, sometimes just out of range. */
static uint32_t pick(uint64_t *rng, uint32_t bound)
{
	uint64_t x = snap_rand(rng);

	if (x % 32 == 0)
		return bound + (uint32_t)(x >> 40) % 3;
	return bound ? (uint32_t)((x >> 8) % bound) : 0;
}

const char *snap_random_ops(struct pvirq_vm *vm, struct model *m, uint64_t *rng, unsigned n)
{
	static char why[160];

	for (unsigned k = 0; k < n; k++) {
		uint32_t c = pick(rng, m->nr_vcpus), i = pick(rng, m->nr_intids);
		uint32_t in = pick(rng, m->nr_inputs), got_e = 0, got_m = 0;
		unsigned op = (unsigned)(snap_rand(rng) % 14);
		int e = 0, mo = 0;

		switch (op) {
		case 0:
			e = pvirq_rvic_enable(vm, c);
			mo = model_enable(m, c);
			break;
		case 1:
			if (snap_rand(rng) % 4 == 0) {
				e = pvirq_rvic_disable(vm, c);
				mo = model_disable(m, c);
			}
			break;
		case 2:
			e = pvirq_rvic_set_masked(vm, c, i);
			mo = model_set_masked(m, c, i);
			break;
		case 3:
			e = pvirq_rvic_clear_masked(vm, c, i);
			mo = model_clear_masked(m, c, i);
			break;
		case 4:
		case 5:
			e = pvirq_rvic_signal(vm, c, i);
			mo = model_signal(m, c, i);
			break;
		case 6:
			e = pvirq_rvic_clear_pending(vm, c, i);
			mo = model_clear_pending(m, c, i);
			break;
		case 7:
		case 8:
			e = pvirq_rvic_acknowledge(vm, c, &got_e);
			mo = model_acknowledge(m, c, &got_m);
			if (e == PVIRQ_OK && got_e != got_m) {
				snprintf(why, sizeof(why), "op %u: ack %u, model %u", k, got_e,
					 got_m);
				return why;
			}
			break;
		case 9: {
			bool level = snap_rand(rng) & 1;
			uint32_t t = pick(rng, m->nr_trusted);

			e = pvirq_rvic_set_level(vm, c, t, level);
			mo = model_set_level(m, c, t, level);
			break;
		}
		case 10:
			e = pvirq_rvic_resample(vm, c, i);
			mo = model_resample(m, c, i);
			break;
		case 11: {
			uint32_t intid = m->nr_trusted + pick(rng, m->nr_untrusted);

			e = pvirq_rvid_map(vm, in, c, intid);
			mo = model_map(m, in, c, intid);
			break;
		}
		case 12:
			if (snap_rand(rng) % 4 == 0) {
				e = pvirq_rvid_unmap(vm, in);
				mo = model_unmap(m, in);
			}
			break;
		case 13:
			e = pvirq_rvid_inject(vm, in);
			mo = model_inject(m, in);
			break;
		}
		if (e != mo) {
			snprintf(why, sizeof(why),
				 "op %u (kind %u, vcpu %u intid %u input %u): %d, model %d", k, op,
				 c, i, in, e, mo);
			return why;
		}
	}
	return NULL;
}

/* --- golden scenarios ------------------------------------------------ */

/*
 * CPU ids in the three architectures' styles: arm64 MPIDR affinity
 * (Aff1 steps of 0x100), x86 APIC ids (even: hyperthread pairs), and
 * RISC-V hart ids above 2^32 (catches truncation to 32 bits).
 */
const struct snap_scenario snap_scenarios[] = {
	{"basic", 2, 32, 32, 4, 0x0, 0x100, 0, 0},
	{"large", 8, 32, 2016, 64, 0, 2, 0x5EED0001ull, 4000},
	{"odd", 3, 64, 32, 0, 0xFFFFFFFF00000000ull, 1, 0x5EED0002ull, 1500},
};
const unsigned snap_nr_scenarios = sizeof(snap_scenarios) / sizeof(snap_scenarios[0]);

void snap_scenario_config(const struct snap_scenario *sc, struct pvirq_config *cfg, uint64_t *ids)
{
	for (uint32_t i = 0; i < sc->nr_vcpus; i++)
		ids[i] = sc->cpu_id_base + i * sc->cpu_id_step;
	*cfg = (struct pvirq_config){.nr_vcpus = sc->nr_vcpus,
				     .nr_trusted = sc->nr_trusted,
				     .nr_untrusted = sc->nr_untrusted,
				     .nr_rvid_inputs = sc->nr_rvid_inputs,
				     .cpu_ids = ids};
}

/* The "basic" state, whose every bit tests/snapshot/test_golden.c spells
 * out: see the expectations there. */
static const char *run_basic(struct pvirq_vm *vm, struct model *m)
{
	uint32_t a = 0, b = 0;
	int bad = 0;

#define BOTH(call_vm, call_model) bad |= (call_vm) != (call_model)
	BOTH(pvirq_rvic_enable(vm, 0), model_enable(m, 0));
	BOTH(pvirq_rvic_enable(vm, 1), model_enable(m, 1));
	BOTH(pvirq_rvic_clear_masked(vm, 1, 40), model_clear_masked(m, 1, 40));
	BOTH(pvirq_rvid_map(vm, 0, 1, 40), model_map(m, 0, 1, 40));
	BOTH(pvirq_rvid_inject(vm, 0), model_inject(m, 0));
	BOTH(pvirq_rvic_acknowledge(vm, 1, &a), model_acknowledge(m, 1, &b)); /* 40 */
	BOTH(pvirq_rvid_inject(vm, 0), model_inject(m, 0)); /* pending while masked */
	BOTH(pvirq_rvic_signal(vm, 0, 3), model_signal(m, 0, 3));
	BOTH(pvirq_rvic_set_level(vm, 0, 5, true), model_set_level(m, 0, 5, true));
	BOTH(pvirq_rvic_clear_masked(vm, 0, 7), model_clear_masked(m, 0, 7));
	BOTH(pvirq_rvic_signal(vm, 0, 7), model_signal(m, 0, 7));
	BOTH(pvirq_rvid_map(vm, 3, 0, 63), model_map(m, 3, 0, 63));
	BOTH(pvirq_rvic_clear_masked(vm, 1, 63), model_clear_masked(m, 1, 63));
	BOTH(pvirq_rvic_signal(vm, 1, 63), model_signal(m, 1, 63));
#undef BOTH
	if (bad || a != 40 || b != 40)
		return "basic scenario: engine and model disagree";
	return NULL;
}

const char *snap_scenario_run(const struct snap_scenario *sc, struct pvirq_vm *vm, struct model *m)
{
	uint64_t rng = sc->seed;

	if (!sc->seed)
		return run_basic(vm, m);
	/* Enable most vCPUs first so that the random walk reaches deep states. */
	for (uint32_t c = 0; c + 1 < sc->nr_vcpus; c++)
		if (pvirq_rvic_enable(vm, c) != model_enable(m, c))
			return "enable disagrees";
	return snap_random_ops(vm, m, &rng, sc->nr_ops);
}

unsigned char *snap_read_golden(const char *dir, uint32_t version, const char *name, size_t *len)
{
	char path[4096];
	unsigned char *buf;
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/v%u/%s.bin", dir, (unsigned)version, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)size + 1); /* + 1: an empty file is not NULL */
	if (!buf)
		abort();
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}
