/* SPDX-License-Identifier: MIT */
#include "snap_util.h"

#include <stdatomic.h>
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
	out->ram = NULL;
	return 0;
}

/* guest_page() of a test VM: its RAM, any page-aligned gpa inside it. */
static void *ram_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)vcpu;
	if (gpa < SNAP_RAM_BASE || gpa - SNAP_RAM_BASE > (uint64_t)SNAP_RAM_PAGES * 4096u - size)
		return NULL;
	return (unsigned char *)ctx + (gpa - SNAP_RAM_BASE);
}

int snap_vm_create_ram(struct snap_vm *out, const struct pvirq_config *cfg)
{
	struct pvirq_config with_ram = *cfg;
	unsigned char *ram = aligned_alloc(4096, (size_t)SNAP_RAM_PAGES * 4096u);

	if (!ram)
		abort();
	memset(ram, 0xEE, (size_t)SNAP_RAM_PAGES * 4096u);
	with_ram.guest_page = ram_page;
	with_ram.guest_page_ctx = ram;
	if (snap_vm_create(out, &with_ram)) {
		free(ram);
		return -1;
	}
	out->ram = ram;
	return 0;
}

_Atomic uint64_t *snap_ram_at(const struct snap_vm *s, uint64_t gpa)
{
	if (!s->ram || gpa < SNAP_RAM_BASE ||
	    gpa - SNAP_RAM_BASE >= (uint64_t)SNAP_RAM_PAGES * 4096u)
		abort();
	return (_Atomic uint64_t *)(void *)(s->ram + (gpa - SNAP_RAM_BASE));
}

void snap_vm_destroy(struct snap_vm *s)
{
	free(s->vm);
	free(s->ram);
	s->vm = NULL;
	s->ram = NULL;
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
	size_t size = 0, written = 0;
	unsigned char *buf;

	/* A size query: this version's size, which only the newest has as
	 * pvirq_vm_snapshot_size(). */
	if (pvirq_vm_save_version(vm, version, NULL, 0, &size) != PVIRQ_ENOSPC ||
	    (version == PVIRQ_SNAPSHOT_VERSION && size != pvirq_vm_snapshot_size(vm)))
		abort();
	buf = malloc(size);
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

/* --- ABI 0.4 state ----------------------------------------------------- */

/* The guest of vCPU @c writes @v into word @word of its shared page (a
 * state, class or floor word: anything, no call), if it shared one and
 * @s has the RAM. Returns 1 if it wrote. */
static int guest_writes_page(const struct snap_vm *s, uint32_t c, uint32_t word, uint64_t v)
{
	uint64_t gpa;

	if (!s || !s->ram || c >= pvirq_vm_nr_vcpus(s->vm) ||
	    pvirq_rvic_shared_state(s->vm, c, &gpa) != PVIRQ_OK)
		return 0;
	atomic_store_explicit(snap_ram_at(s, gpa + 8u * word), v, memory_order_seq_cst);
	return 1;
}

/* One random operation of any kind on @vm, described by @x and @y (so two
 * VMs get the same one); its result, and in *@value what it returned.
 * Kinds 24 and 25 are the guest writing its shared page (@s's RAM; NULL:
 * nothing). */
static int one_op(struct pvirq_vm *vm, const struct snap_vm *s, uint64_t x, uint64_t y,
		  uint32_t *value)
{
	uint32_t n = pvirq_vm_nr_vcpus(vm), t = pvirq_vm_nr_trusted(vm);
	uint32_t intids = t + pvirq_vm_nr_untrusted(vm), inputs = pvirq_vm_nr_rvid_inputs(vm);
	uint32_t c = (uint32_t)(y % (n + 1u)), i = (uint32_t)((y >> 16) % (intids + 2u));
	uint32_t in = (uint32_t)((y >> 32) % (inputs + 1u)), cls = (uint32_t)((y >> 48) % 5u);
	uint64_t page = SNAP_RAM_BASE + ((y >> 52) % (SNAP_RAM_PAGES + 1u)) * 4096u;
	bool flag = (y >> 63) & 1u;

	uint32_t n_words = intids / 32u;

	*value = 0;
	switch (x % 26u) {
	case 0: return pvirq_rvic_enable(vm, c);
	case 1: return pvirq_rvic_disable(vm, c);
	case 2: return pvirq_rvic_set_masked(vm, c, i);
	case 3:
	case 4: return pvirq_rvic_clear_masked(vm, c, i);
	case 5:
	case 6: return pvirq_rvic_signal(vm, c, i);
	case 7: return pvirq_rvic_clear_pending(vm, c, i);
	case 8:
	case 9: return pvirq_rvic_acknowledge(vm, c, value);
	case 10: return pvirq_rvic_acknowledge_nmi(vm, c, value);
	case 11: return pvirq_rvic_set_priority(vm, c, i, cls);
	case 12: return pvirq_rvic_set_priority_mask(vm, c, cls);
	case 13:
		/* Share and unshare: the instance must be disabled. */
		(void)pvirq_rvic_disable(vm, c);
		/* Now and then a misaligned page, and beyond the RAM. */
		return flag ? pvirq_rvic_share_state(vm, c, page + ((y >> 8) % 16u == 0 ? 8u : 0u))
			    : pvirq_rvic_unshare_state(vm, c);
	case 14: return pvirq_rvid_set_trigger(vm, in, flag);
	case 15:
	case 16: return pvirq_rvid_set_level(vm, in, flag);
	case 17: return pvirq_rvid_resample(vm, in);
	case 18: return pvirq_rvid_map(vm, in, c, t + i % (intids - t + 1u));
	case 19: return pvirq_rvid_inject(vm, in);
	case 20: return pvirq_rvic_set_level(vm, c, i % (t + 1u), flag);
	case 21: return pvirq_rvic_resample(vm, c, i % (t + 1u));
	case 22: return pvirq_vcpu_rearm(vm, c % n) ? 1 : 0;
	case 23: return pvirq_vcpu_take_nmi(vm, c % n) ? 1 : 0;
	case 24: /* a class word or the floor, any value */
		return guest_writes_page(s, c, n_words + (uint32_t)(x >> 40) % (n_words + 1u),
					 snap_rand(&y));
	default: /* a state word: an in-memory end of interrupt or worse */
		return guest_writes_page(s, c, (uint32_t)(x >> 40) % n_words, snap_rand(&y));
	}
}

void snap_random_v3_ops(struct pvirq_vm *vm, uint64_t *rng, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		/* Only the ABI 0.4 kinds (10..17), then enable the instance a
		 * share may have disabled, mostly. */
		uint64_t x = 10u + snap_rand(rng) % 8u, y = snap_rand(rng);
		uint32_t value;

		(void)one_op(vm, NULL, x, y, &value);
		if (x == 13u && snap_rand(rng) % 4u)
			(void)pvirq_rvic_enable(vm, (uint32_t)(y % (pvirq_vm_nr_vcpus(vm) + 1u)));
	}
}

void snap_random_any_ops(struct snap_vm *s, uint64_t *rng, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t x = snap_rand(rng), y = snap_rand(rng);
		uint32_t value;

		(void)one_op(s->vm, s, x, y, &value);
	}
}

const char *snap_lockstep(struct snap_vm *a, struct snap_vm *b, uint64_t *rng, unsigned n)
{
	static char why[160];

	/* The NMI edge is not in a snapshot (it restarts set where an NMI is
	 * deliverable): take both first, then they agree. */
	for (uint32_t c = 0; c < pvirq_vm_nr_vcpus(a->vm); c++) {
		(void)pvirq_vcpu_take_nmi(a->vm, c);
		(void)pvirq_vcpu_take_nmi(b->vm, c);
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t x = snap_rand(rng), y = snap_rand(rng);
		uint32_t va, vb;
		int ra = one_op(a->vm, a, x, y, &va), rb = one_op(b->vm, b, x, y, &vb);

		if (ra != rb || va != vb) {
			snprintf(why, sizeof(why), "op %u (kind %u): %d/%u, copy %d/%u", k,
				 (unsigned)(x % 26u), ra, va, rb, vb);
			return why;
		}
	}
	return NULL;
}

const char *snap_compare_vms(struct snap_vm *a, struct snap_vm *b)
{
	static char why[160];
	uint32_t n = pvirq_vm_nr_vcpus(a->vm), t = pvirq_vm_nr_trusted(a->vm);
	uint32_t intids = t + pvirq_vm_nr_untrusted(a->vm);

#define SAME(what, ...)                                  \
	do {                                             \
		snprintf(why, sizeof(why), __VA_ARGS__); \
		if (what)                                \
			return why;                      \
	} while (0)
	for (uint32_t c = 0; c < n; c++) {
		bool ea = false, eb = false;
		uint32_t fa = 9, fb = 9;
		uint64_t ga = 0, gb = 0;
		int sa = pvirq_rvic_shared_state(a->vm, c, &ga),
		    sb = pvirq_rvic_shared_state(b->vm, c, &gb);

		pvirq_rvic_is_enabled(a->vm, c, &ea);
		pvirq_rvic_is_enabled(b->vm, c, &eb);
		pvirq_rvic_get_priority_mask(a->vm, c, &fa);
		pvirq_rvic_get_priority_mask(b->vm, c, &fb);
		SAME(ea != eb || fa != fb || sa != sb || ga != gb,
		     "vCPU %u: enabled %d/%d floor %u/%u page %d %llx/%d %llx", c, ea, eb, fa, fb,
		     sa, (unsigned long long)ga, sb, (unsigned long long)gb);
		for (uint32_t i = 0; i < intids; i++) {
			bool pa = false, pb = false, ma = false, mb = false, la = false, lb = false;
			uint32_t ca = 9, cb = 9;

			pvirq_rvic_is_pending(a->vm, c, i, &pa);
			pvirq_rvic_is_pending(b->vm, c, i, &pb);
			pvirq_rvic_is_masked(a->vm, c, i, &ma);
			pvirq_rvic_is_masked(b->vm, c, i, &mb);
			pvirq_rvic_get_priority(a->vm, c, i, &ca);
			pvirq_rvic_get_priority(b->vm, c, i, &cb);
			if (i < t) {
				pvirq_rvic_get_level(a->vm, c, i, &la);
				pvirq_rvic_get_level(b->vm, c, i, &lb);
			}
			SAME(pa != pb || ma != mb || ca != cb || la != lb,
			     "vCPU %u INTID %u: pending %d/%d masked %d/%d class %u/%u level %d/%d",
			     c, i, pa, pb, ma, mb, ca, cb, la, lb);
		}
	}
	for (uint32_t in = 0; in < pvirq_vm_nr_rvid_inputs(a->vm); in++) {
		uint32_t va = 0, vb = 0, ia = 0, ib = 0;
		int ra = pvirq_rvid_lookup(a->vm, in, &va, &ia),
		    rb = pvirq_rvid_lookup(b->vm, in, &vb, &ib);
		bool la = false, lb = false;

		pvirq_rvid_get_level(a->vm, in, &la);
		pvirq_rvid_get_level(b->vm, in, &lb);
		SAME(ra != rb || va != vb || ia != ib || la != lb,
		     "input %u: %d (%u, %u) level %d / %d (%u, %u) level %d", in, ra, va, ia, la,
		     rb, vb, ib, lb);
	}
#undef SAME
	return NULL;
}

/* --- golden scenarios ------------------------------------------------ */

/*
 * CPU ids in the three architectures' styles: arm64 MPIDR affinity
 * (Aff1 steps of 0x100), x86 APIC ids (even: hyperthread pairs), and
 * RISC-V hart ids above 2^32 (catches truncation to 32 bits).
 */
const struct snap_scenario snap_scenarios[] = {
	{"basic", 2, 32, 32, 4, 0x0, 0x100, 0, 0, 1, false},
	{"large", 8, 32, 2016, 64, 0, 2, 0x5EED0001ull, 4000, 1, false},
	{"odd", 3, 64, 32, 0, 0xFFFFFFFF00000000ull, 1, 0x5EED0002ull, 1500, 1, false},
	/* ABI 0.4 state, x86 style (APIC ids, an NMI line): the hand-written
	 * sequence run_abi04() that test_golden.c checks bit by bit. */
	{"abi04", 2, 32, 32, 4, 0x0, 0x2, 0, 0, 3, true},
	/* ... and random: a page per vCPU that shared one, classes, floors,
	 * level inputs, on top of the model's random walk. */
	{"abi04-random", 4, 64, 192, 16, 0x80000000ull, 0x100, 0x5EED0003ull, 1500, 3, true},
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
				     .cpu_ids = ids,
				     .nmi_line = sc->nmi_line};
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

/*
 * The "abi04" state, whose every bit tests/snapshot/test_golden.c spells
 * out. vCPU 0 (APIC id 0) keeps its words in host memory, vCPU 1 (APIC id
 * 2) in the page at SNAP_RAM_BASE + 0x1000.
 */
static const char *run_abi04(struct pvirq_vm *vm, struct model *m)
{
	uint32_t a = 0, b = 0, nmi = 0;
	int bad = 0;

#define BOTH(call_vm, call_model) bad |= (call_vm) != (call_model)
#define ENGINE(call) bad |= (call) != PVIRQ_OK
	/* vCPU 1 shares its page before it is enabled, as a guest does. */
	ENGINE(pvirq_rvic_share_state(vm, 1, SNAP_RAM_BASE + 0x1000));
	BOTH(pvirq_rvic_enable(vm, 0), model_enable(m, 0));
	BOTH(pvirq_rvic_enable(vm, 1), model_enable(m, 1));
	/* vCPU 0: timer 3 in class 2, IPI 7 in the NMI class, device 40 in
	 * class 1; 3 and 40 deliverable, 7 too, then the NMI taken. */
	ENGINE(pvirq_rvic_set_priority(vm, 0, 3, 2));
	ENGINE(pvirq_rvic_set_priority(vm, 0, 7, PVIRQ_PRIORITY_NMI));
	ENGINE(pvirq_rvic_set_priority(vm, 0, 40, 1));
	BOTH(pvirq_rvic_clear_masked(vm, 0, 3), model_clear_masked(m, 0, 3));
	BOTH(pvirq_rvic_clear_masked(vm, 0, 7), model_clear_masked(m, 0, 7));
	BOTH(pvirq_rvic_clear_masked(vm, 0, 40), model_clear_masked(m, 0, 40));
	BOTH(pvirq_rvic_signal(vm, 0, 7), model_signal(m, 0, 7));
	ENGINE(pvirq_rvic_acknowledge_nmi(vm, 0, &nmi)); /* 7: NMI cursor moves */
	BOTH(pvirq_rvic_clear_masked(vm, 0, 7), model_clear_masked(m, 0, 7));
	BOTH(pvirq_rvic_signal(vm, 0, 3), model_signal(m, 0, 3));
	BOTH(pvirq_rvic_signal(vm, 0, 40), model_signal(m, 0, 40));
	/* vCPU 1 (page): floor 1, INTID 50 in class 1 acknowledged then
	 * re-pended, 33 (class 0, held off by the floor) pending. */
	ENGINE(pvirq_rvic_set_priority_mask(vm, 1, 1));
	ENGINE(pvirq_rvic_set_priority(vm, 1, 50, 1));
	BOTH(pvirq_rvic_clear_masked(vm, 1, 50), model_clear_masked(m, 1, 50));
	BOTH(pvirq_rvic_clear_masked(vm, 1, 33), model_clear_masked(m, 1, 33));
	BOTH(pvirq_rvic_signal(vm, 1, 50), model_signal(m, 1, 50));
	BOTH(pvirq_rvic_signal(vm, 1, 33), model_signal(m, 1, 33));
	ENGINE(pvirq_rvic_acknowledge(vm, 1, &a)); /* 50: class-1 cursor moves */
	BOTH(pvirq_rvic_signal(vm, 1, 50), model_signal(m, 1, 50));
	/* Inputs: 0 level-triggered and high on (1, 45); 1 level-triggered
	 * and low on (0, 60); 2 edge on (0, 61); 3 level-triggered, high,
	 * unmapped. */
	ENGINE(pvirq_rvid_set_trigger(vm, 0, true));
	ENGINE(pvirq_rvid_set_trigger(vm, 1, true));
	ENGINE(pvirq_rvid_set_trigger(vm, 3, true));
	BOTH(pvirq_rvid_map(vm, 0, 1, 45), model_map(m, 0, 1, 45));
	BOTH(pvirq_rvid_map(vm, 1, 0, 60), model_map(m, 1, 0, 60));
	BOTH(pvirq_rvid_map(vm, 2, 0, 61), model_map(m, 2, 0, 61));
	BOTH(pvirq_rvid_set_level(vm, 0, true), model_inject(m, 0)); /* raise = inject */
	ENGINE(pvirq_rvid_set_level(vm, 3, true) == PVIRQ_EUNMAPPED ? PVIRQ_OK : -1);
#undef ENGINE
#undef BOTH
	if (bad || a != 50 || nmi != 7)
		return "abi04 scenario: an operation failed";
	(void)b;
	return NULL;
}

const char *snap_scenario_run(const struct snap_scenario *sc, struct pvirq_vm *vm, struct model *m)
{
	uint64_t rng = sc->seed;

	if (!sc->seed)
		return sc->since >= 3u ? run_abi04(vm, m) : run_basic(vm, m);
	/* Enable most vCPUs first so that the random walk reaches deep states. */
	for (uint32_t c = 0; c + 1 < sc->nr_vcpus; c++)
		if (pvirq_rvic_enable(vm, c) != model_enable(m, c))
			return "enable disagrees";
	if (sc->since < 3u)
		return snap_random_ops(vm, m, &rng, sc->nr_ops);
	/* The model's walk first (ABI 0.3 state), then ABI 0.4 state on top,
	 * which leaves the model behind. */
	if (snap_random_ops(vm, m, &rng, sc->nr_ops))
		return "abi04 random walk disagrees with the model";
	snap_random_v3_ops(vm, &rng, sc->nr_ops);
	return NULL;
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
