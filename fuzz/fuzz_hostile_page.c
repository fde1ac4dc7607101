/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target of the shared-state page (#16) against a hostile guest: some
 * vCPUs (the hostile set, from the input) have their guest write arbitrary
 * 64-bit words anywhere in the pages of guest RAM they own (state, class and
 * floor words, the reserved rest, junk above the floor's class bits), between
 * host operations and during them (from inside the notify() and resample()
 * callbacks, which the engine calls in the middle of SIGNAL, ENABLE, RESET,
 * RVID_RESAMPLE...). Instances may share one page (guest_page() accepts any
 * page of guest RAM here), and sharing moves words between pages.
 *
 * The model follows each instance whose words a hostile write may have
 * touched by re-reading its page after every step ("tainted": its page lies
 * in hostile RAM or is shared with another instance; sticky, since
 * unsharing copies the words back). What is then checked after every step:
 *  - everything fuzz_world_check() checks, bit for bit: host-private state
 *    (enabled, rVID table, levels, cursors through ACKNOWLEDGE's answers)
 *    as the model says, the line exactly what the words say;
 *  - every acknowledge answers in range and exactly as the model;
 *  - untainted vCPUs: no trusted INTID pending that the trusted API did
 *    not aim at, no lost wake-up, no lost NMI;
 *  - every call returns (a loop the guest could keep spinning would hang
 *    the replay test).
 * stress_hostile_page.c runs the same hostility from a second thread.
 */
#include <stdatomic.h>

#include "world.h"

#define MAX_STEPS 512u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The hostile guest's state for the current input. */
static struct {
	struct fuzz_input *in;
	uint8_t hostile; /* bit c: vCPU c's guest writes junk */
	unsigned during_budget;
} g;

static bool page_is_hostile(uint64_t gpa)
{
	uint64_t k = (gpa - FUZZ_RAM_GPA) / PVIRQ_SHARED_STATE_SIZE;

	return gpa >= FUZZ_RAM_GPA && k < FUZZ_MAX_VCPUS * FUZZ_PAGES_PER_VCPU &&
	       (g.hostile >> (k / FUZZ_PAGES_PER_VCPU)) & 1u;
}

/* One arbitrary store into a page of hostile RAM: anywhere in the page,
 * often a state, class or floor word of the VM's geometry. */
static void scribble(struct fuzz_world *w, struct fuzz_input *in)
{
	uint32_t n = w->m.nr_intids / 32u, k, word;
	uint8_t sel = fuzz_u8(in);
	_Atomic uint64_t *page;
	uint64_t value;

	if (!g.hostile)
		return;
	do
		k = fuzz_u8(in) % (FUZZ_MAX_VCPUS * FUZZ_PAGES_PER_VCPU);
	while (!((g.hostile >> (k / FUZZ_PAGES_PER_VCPU)) & 1u) && !fuzz_done(in));
	if (!((g.hostile >> (k / FUZZ_PAGES_PER_VCPU)) & 1u))
		return;
	page = w->ram[k];
	switch (sel % 6) {
	case 0: word = PVIRQ_SHARED_STATE_WORD(n, fuzz_u8(in) % n); break;
	case 1: word = PVIRQ_SHARED_CLASS_WORD(n, fuzz_u8(in) % n); break;
	case 2: word = PVIRQ_SHARED_FLOOR_WORD(n); break;
	case 3: word = PVIRQ_SHARED_WORDS(n) + fuzz_u8(in) % 8u; break;
	default: word = (uint32_t)(fuzz_u32(in) % FUZZ_PAGE_WORDS); break;
	}
	switch ((sel >> 3) % 4) {
	case 0: value = ~0ull; break;		      /* everything pending, masked, class 3 */
	case 1: value = 0x5555555555555555ull; break; /* all pending, none masked */
	case 2: value = 0; break;
	default: value = fuzz_u64(in); break;
	}
	/* seq_cst: the page protocol's accesses are all seq_cst. */
	atomic_store(&page[word], value);
	w->guest_stepped = true;
}

/* Inside notify() or resample(): the guest writes while the host works. */
static void scribble_during(struct fuzz_world *w)
{
	if (g.during_budget == 0 || !(fuzz_u8(g.in) & 1))
		return;
	g.during_budget--;
	scribble(w, g.in);
}

/* Marks the instances a hostile write may have touched and re-reads
 * their words into the model. */
static void follow_pages(struct fuzz_world *w)
{
	struct model *m = &w->m;
	uint32_t n = m->nr_intids / 32u;

	for (uint32_t c = 0; c < m->nr_vcpus; c++) {
		const struct model_vcpu *v = &m->vcpus[c];
		_Atomic uint64_t *page;

		if (!v->shared)
			continue;
		if (page_is_hostile(v->shared_gpa))
			w->exempt[c] = true;
		for (uint32_t d = 0; d < m->nr_vcpus; d++)
			if (d != c && m->vcpus[d].shared && m->vcpus[d].shared_gpa == v->shared_gpa)
				w->exempt[c] = true;
		if (!w->exempt[c])
			continue;
		page = fuzz_world_page(w, v->shared_gpa);
		for (uint32_t i = 0; i < n; i++) {
			model_guest_store_state(m, c, i,
						atomic_load(&page[PVIRQ_SHARED_STATE_WORD(n, i)]));
			model_guest_store_class(m, c, i,
						atomic_load(&page[PVIRQ_SHARED_CLASS_WORD(n, i)]));
		}
		model_guest_store_floor(m, c, atomic_load(&page[PVIRQ_SHARED_FLOOR_WORD(n)]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_world w;
	struct fuzz_input in = {.data = data, .size = size};
	uint8_t hostile = fuzz_u8(&in);

	if (!fuzz_world_open(&w, &in))
		return 0;
	w.any_page = true;
	w.during = scribble_during;
	g.in = &in;
	g.hostile = (uint8_t)(hostile & ((1u << w.m.nr_vcpus) - 1u));
	g.during_budget = 64;
	for (unsigned n = 0; n < MAX_STEPS && !fuzz_done(&in); n++) {
		if (fuzz_u8(&in) < 0x40)
			scribble(&w, &in);
		else
			fuzz_world_host_step(&w, &in);
		follow_pages(&w);
		fuzz_world_check(&w, "hostile page step");
	}
	fuzz_world_close(&w);
	g.in = NULL;
	return 0;
}
