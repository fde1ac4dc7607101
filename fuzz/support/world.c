/* SPDX-License-Identifier: MIT */
#include "world.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/hosted.h>

void fuzz_fail(const struct fuzz_world *w, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: step %lu: ", file, line, w ? w->step : 0ul);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void on_notify(void *ctx, uint32_t vcpu)
{
	struct fuzz_world *w = ctx;

	FUZZ_CHECK(w, vcpu < w->m.nr_vcpus, "notify for vcpu %u of %u", vcpu, w->m.nr_vcpus);
	w->armed[vcpu] = false;
	w->notifies++;
	if (w->during)
		w->during(w);
}

/* The VMM's guest_page(): a vCPU's own pages of guest RAM only. */
static void *on_guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	struct fuzz_world *w = ctx;
	uint64_t base = w->any_page ? FUZZ_RAM_GPA : fuzz_world_gpa(vcpu, 0);
	uint64_t span = (uint64_t)(w->any_page ? FUZZ_MAX_VCPUS : 1u) * FUZZ_PAGES_PER_VCPU *
			PVIRQ_SHARED_STATE_SIZE;

	FUZZ_CHECK(w, vcpu < w->m.nr_vcpus, "guest_page for vcpu %u of %u", vcpu, w->m.nr_vcpus);
	if (gpa < base || size > span || gpa - base > span - size)
		return NULL;
	return (uint8_t *)w->ram[0] + (gpa - FUZZ_RAM_GPA);
}

bool fuzz_world_page_ok(const struct fuzz_world *w, uint32_t vcpu, uint64_t gpa)
{
	uint64_t base = w->any_page ? FUZZ_RAM_GPA : fuzz_world_gpa(vcpu, 0);
	uint64_t pages = w->any_page ? FUZZ_MAX_VCPUS * FUZZ_PAGES_PER_VCPU : FUZZ_PAGES_PER_VCPU;

	return vcpu < w->m.nr_vcpus && gpa >= base &&
	       gpa - base <= (pages - 1ull) * PVIRQ_SHARED_STATE_SIZE;
}

_Atomic uint64_t *fuzz_world_page(struct fuzz_world *w, uint64_t gpa)
{
	uint64_t k = (gpa - FUZZ_RAM_GPA) / PVIRQ_SHARED_STATE_SIZE;

	if (gpa < FUZZ_RAM_GPA || k >= FUZZ_MAX_VCPUS * FUZZ_PAGES_PER_VCPU)
		return NULL;
	return w->ram[k];
}

uint64_t fuzz_world_pick_gpa(const struct fuzz_world *w, struct fuzz_input *in, uint32_t vcpu)
{
	uint8_t sel = fuzz_u8(in);
	uint32_t own = w->m.nr_vcpus ? vcpu % w->m.nr_vcpus : 0;

	switch (sel % 8) {
	case 4: return fuzz_world_gpa((own + 1) % FUZZ_MAX_VCPUS, sel >> 7);
	case 5: return fuzz_world_gpa(own, 0) + (sel & 0x80 ? 8 : PVIRQ_SHARED_STATE_SIZE - 8);
	case 6: return sel & 0x80 ? 0 : fuzz_world_gpa(FUZZ_MAX_VCPUS, 0);
	case 7: return fuzz_u64(in);
	default: return fuzz_world_gpa(own, (sel >> 2) & 1);
	}
}

/* The device model's resample(): counted, and it lowers the level when
 * the step said so (a call back into the library, which is allowed). */
static void on_resample(void *ctx, uint32_t input)
{
	struct fuzz_world *w = ctx;

	FUZZ_CHECK(w, input < w->m.nr_inputs, "resample of input %u of %u", input, w->m.nr_inputs);
	w->resamples_engine++;
	w->last_resample_engine = input;
	if (w->during)
		w->during(w);
	if (w->lower_on_resample)
		FUZZ_CHECK(w, pvirq_rvid_set_level(w->vm, input, false) == PVIRQ_OK,
			   "lowering input %u from resample()", input);
}

static void on_model_resample(void *ctx, uint32_t input)
{
	struct fuzz_world *w = ctx;

	w->resamples_model++;
	w->last_resample_model = input;
	if (w->lower_on_resample)
		model_rvid_set_level(&w->m, input, false);
}

/* CPU ids: the index, an MPIDR-like spread, or raw (maybe duplicate) values. */
static void read_cpu_ids(struct fuzz_world *w, struct fuzz_input *in, uint32_t n)
{
	uint8_t mode = fuzz_u8(in) % 4;

	for (uint32_t i = 0; i < n; i++) {
		switch (mode) {
		case 0: w->cpu_ids[i] = i; break;
		case 1: w->cpu_ids[i] = ((uint64_t)(i / 2) << 8) | (i % 2); break;
		case 2: w->cpu_ids[i] = (uint64_t)(n - 1 - i) * 0x1000000001ull; break;
		default: w->cpu_ids[i] = fuzz_u8(in) % 2 ? fuzz_u64(in) : fuzz_u8(in); break;
		}
	}
	w->cfg.cpu_ids = mode == 0 && fuzz_u8(in) % 2 ? NULL : w->cpu_ids;
}

bool fuzz_world_open(struct fuzz_world *w, struct fuzz_input *in)
{
	uint8_t shape = fuzz_u8(in), inputs;
	int err, merr;
	bool spec_ok;

	memset(w, 0, sizeof(*w));
	if (shape >= 0xF8) {
		/* A hostile configuration: engine and model must reject it alike
		 * (valid ones outside the fuzzing bounds are skipped). */
		w->cfg.nr_vcpus = fuzz_u32(in);
		w->cfg.nr_trusted = fuzz_u32(in);
		w->cfg.nr_untrusted = fuzz_u32(in);
		w->cfg.nr_rvid_inputs = fuzz_u32(in);
		err = pvirq_config_check(&w->cfg);
		FUZZ_CHECK(w, (err == PVIRQ_OK) == (pvirq_vm_footprint(&w->cfg) != 0),
			   "footprint and config_check disagree");
		/* The documented limits, restated independently of vm.c. */
		spec_ok = w->cfg.nr_trusted >= 32 && w->cfg.nr_trusted % 32 == 0 &&
			  w->cfg.nr_untrusted >= 32 && w->cfg.nr_untrusted % 32 == 0 &&
			  (uint64_t)w->cfg.nr_trusted + w->cfg.nr_untrusted <= PVIRQ_MAX_INTIDS &&
			  w->cfg.nr_vcpus >= 1 && w->cfg.nr_vcpus <= PVIRQ_MAX_VCPUS &&
			  w->cfg.nr_rvid_inputs <= PVIRQ_MAX_RVID_INPUTS;
		FUZZ_CHECK(w, spec_ok == (err == PVIRQ_OK), "config (%u, %u, %u, %u): check %d",
			   w->cfg.nr_vcpus, w->cfg.nr_trusted, w->cfg.nr_untrusted,
			   w->cfg.nr_rvid_inputs, err);
		return false;
	}
	w->cfg.nr_vcpus = 1 + shape % FUZZ_MAX_VCPUS;
	w->cfg.nr_trusted = 32u * (1 + (shape >> 2) % 2);
	w->cfg.nr_untrusted = 32u * (1 + (shape >> 3) % 3);
	inputs = fuzz_u8(in);
	/* Bit 7 of the inputs byte: the VM has an NMI line (x86). */
	w->cfg.nr_rvid_inputs = (inputs & 0x7Fu) % 9;
	w->cfg.nmi_line = inputs & 0x80u;
	read_cpu_ids(w, in, w->cfg.nr_vcpus);
	w->cfg.notify = on_notify;
	w->cfg.notify_ctx = w;
	w->cfg.guest_page = on_guest_page;
	w->cfg.guest_page_ctx = w;
	w->cfg.resample = on_resample;
	w->cfg.resample_ctx = w;

	err = pvirq_vm_create(&w->cfg, &w->vm);
	merr = model_init(&w->m, &w->cfg);
	FUZZ_CHECK(w, (err == PVIRQ_OK) == (merr == 0), "vm_create %d, model_init %d", err, merr);
	if (err != PVIRQ_OK) {
		FUZZ_CHECK(w, err == PVIRQ_EINVAL, "vm_create of a bad config: %d", err);
		return false;
	}
	w->m.resample_hook = on_model_resample;
	w->m.resample_ctx = w;
	fuzz_world_check(w, "init");
	return true;
}

void fuzz_world_close(struct fuzz_world *w)
{
	model_free(&w->m);
	pvirq_vm_destroy(w->vm);
}

void fuzz_world_note_trusted(struct fuzz_world *w, uint32_t vcpu, uint32_t intid)
{
	if (vcpu < w->m.nr_vcpus && intid < w->m.nr_trusted)
		w->trusted_source[vcpu][intid] = true;
}

void fuzz_world_rearm(struct fuzz_world *w, uint32_t vcpu)
{
	bool line = pvirq_vcpu_rearm(w->vm, vcpu);

	if (vcpu >= w->m.nr_vcpus) {
		FUZZ_CHECK(w, !line, "rearm of vcpu %u out of range returned true", vcpu);
		return;
	}
	FUZZ_CHECK(w, line == model_line(&w->m, vcpu), "rearm vcpu %u: line %d, model %d", vcpu,
		   line, model_line(&w->m, vcpu));
	w->armed[vcpu] = !line;
}

#define EXPECT_EQ(w, what, e, m) \
	FUZZ_CHECK(w, (e) == (m), "%s: engine %d, model %d", what, (int)(e), (int)(m))

/* Status the model implies for a query of (vcpu, intid < limit). */
static int query_status(const struct model *m, uint32_t vcpu, uint32_t intid, uint32_t limit)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	return intid >= limit ? PVIRQ_EINTID : PVIRQ_OK;
}

/* Read-only calls with hostile arguments: status and value must match. */
static void query_step(struct fuzz_world *w, struct fuzz_input *in)
{
	struct model *m = &w->m;
	uint32_t c = fuzz_index(in, m->nr_vcpus), i = fuzz_index(in, m->nr_intids);
	uint32_t input = fuzz_index(in, m->nr_inputs), vcpu = 0, intid = 0;
	bool bit = false;
	uint64_t id = 0;
	int e, want;

	switch (fuzz_u8(in) % 11) {
	case 0:
		e = pvirq_rvic_is_pending(w->vm, c, i, &bit);
		want = query_status(m, c, i, m->nr_intids);
		EXPECT_EQ(w, "is_pending", e, want);
		if (!e)
			EXPECT_EQ(w, "is_pending value", bit, m->vcpus[c].pending[i]);
		break;
	case 1:
		e = pvirq_rvic_is_masked(w->vm, c, i, &bit);
		want = query_status(m, c, i, m->nr_intids);
		EXPECT_EQ(w, "is_masked", e, want);
		if (!e)
			EXPECT_EQ(w, "is_masked value", bit, m->vcpus[c].masked[i]);
		break;
	case 2:
		e = pvirq_rvic_get_level(w->vm, c, i, &bit);
		want = query_status(m, c, i, m->nr_trusted);
		EXPECT_EQ(w, "get_level", e, want);
		if (!e)
			EXPECT_EQ(w, "get_level value", bit, m->vcpus[c].level[i]);
		break;
	case 3:
		e = pvirq_rvic_is_enabled(w->vm, c, &bit);
		EXPECT_EQ(w, "is_enabled", e, c < m->nr_vcpus ? PVIRQ_OK : PVIRQ_EVCPU);
		if (!e)
			EXPECT_EQ(w, "is_enabled value", bit, m->vcpus[c].enabled);
		break;
	case 4:
		e = pvirq_rvid_lookup(w->vm, input, &vcpu, &intid);
		want = input >= m->nr_inputs   ? PVIRQ_EINPUT
		       : !m->rvid[input].valid ? PVIRQ_EUNMAPPED
					       : PVIRQ_OK;
		EXPECT_EQ(w, "rvid_lookup", e, want);
		if (!e)
			FUZZ_CHECK(w, vcpu == m->rvid[input].vcpu && intid == m->rvid[input].intid,
				   "lookup %u: (%u, %u)", input, vcpu, intid);
		break;
	case 5: {
		uint64_t probe = fuzz_u8(in) % 2   ? fuzz_u64(in)
				 : c < m->nr_vcpus ? m->cpu_ids[c]
						   : c;
		uint32_t mv = 0;

		e = pvirq_vm_vcpu_by_cpu_id(w->vm, probe, &vcpu);
		want = model_vcpu_by_cpu_id(m, probe, &mv);
		EXPECT_EQ(w, "vcpu_by_cpu_id", e, want);
		if (!e)
			EXPECT_EQ(w, "vcpu_by_cpu_id value", vcpu, mv);
		break;
	}
	case 6:
		e = pvirq_vm_cpu_id(w->vm, c, &id);
		EXPECT_EQ(w, "cpu_id", e, c < m->nr_vcpus ? PVIRQ_OK : PVIRQ_EVCPU);
		if (!e)
			FUZZ_CHECK(w, id == m->cpu_ids[c], "cpu_id %u", c);
		break;
	case 7: {
		uint32_t cls = 0, mcls = 0;

		e = pvirq_rvic_get_priority(w->vm, c, i, &cls);
		EXPECT_EQ(w, "get_priority", e, model_get_priority(m, c, i, &mcls));
		if (!e)
			EXPECT_EQ(w, "get_priority value", cls, mcls);
		break;
	}
	case 8: {
		uint32_t floor = 0, mfloor = 0;

		e = pvirq_rvic_get_priority_mask(w->vm, c, &floor);
		EXPECT_EQ(w, "get_priority_mask", e, model_get_priority_mask(m, c, &mfloor));
		if (!e)
			EXPECT_EQ(w, "get_priority_mask value", floor, mfloor);
		break;
	}
	case 9: {
		uint64_t gpa = 0, mgpa = 0;

		e = pvirq_rvic_shared_state(w->vm, c, &gpa);
		EXPECT_EQ(w, "shared_state", e, model_shared_state(m, c, &mgpa));
		if (!e)
			FUZZ_CHECK(w, gpa == mgpa, "shared_state %u: %#llx, model %#llx", c,
				   (unsigned long long)gpa, (unsigned long long)mgpa);
		break;
	}
	default: {
		bool mbit = false;

		e = pvirq_rvid_get_level(w->vm, input, &bit);
		EXPECT_EQ(w, "rvid_get_level", e, model_rvid_get_level(m, input, &mbit));
		if (!e)
			EXPECT_EQ(w, "rvid_get_level value", bit, mbit);
		break;
	}
	}
	if (pvirq_vcpu_line(w->vm, c) != (c < m->nr_vcpus && model_line(m, c)))
		fuzz_fail(w, __FILE__, __LINE__, "line of vcpu %u", c);
}

/* A priority class or floor argument: mostly valid, sometimes just past the
 * classes, sometimes raw. */
static uint32_t pick_class(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	return b < 0xF0 ? b % 5u : fuzz_u32(in);
}

/* The hypervisor's NMI check before entering the guest. */
static void take_nmi_step(struct fuzz_world *w, uint32_t c)
{
	bool nmi = pvirq_vcpu_take_nmi(w->vm, c);

	if (c >= w->m.nr_vcpus || !w->m.nmi_line) {
		FUZZ_CHECK(w, !nmi, "take_nmi of vcpu %u (nmi line %d): true", c, w->m.nmi_line);
		return;
	}
	/* true only for something to take now; and an edge owed to an INTID
	 * that is still there is never lost. */
	FUZZ_CHECK(w, !nmi || model_nmi_deliverable(&w->m, c),
		   "vcpu %u: take_nmi true with no NMI-class INTID deliverable", c);
	FUZZ_CHECK(w, nmi || !w->nmi_due[c] || !model_nmi_deliverable(&w->m, c),
		   "vcpu %u: an NMI-class INTID became deliverable, take_nmi false (lost NMI)", c);
	FUZZ_CHECK(w, !pvirq_vcpu_take_nmi(w->vm, c), "vcpu %u: take_nmi true twice in a row", c);
	w->nmi_due[c] = false;
}

/* The page @c's instance shares now, or NULL. */
static _Atomic uint64_t *shared_page(struct fuzz_world *w, uint32_t c)
{
	const struct model_vcpu *v = &w->m.vcpus[c];

	return v->shared ? fuzz_world_page(w, v->shared_gpa) : NULL;
}

/* The guest's own acknowledge search: a deliverable INTID of a class at or
 * above the floor, as the page says; else any INTID. */
static uint32_t guest_pick_ack(struct fuzz_world *w, uint32_t c, _Atomic uint64_t *page,
			       struct fuzz_input *in)
{
	uint32_t n = w->m.nr_intids / 32u;
	uint32_t floor = (uint32_t)(atomic_load(&page[PVIRQ_SHARED_FLOOR_WORD(n)]) & 3u);

	if (fuzz_u8(in) & 1)
		return fuzz_index(in, w->m.nr_intids) % w->m.nr_intids;
	for (uint32_t i = 0; i < w->m.nr_intids; i++) {
		uint64_t st = atomic_load(&page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)]);
		uint64_t cl = atomic_load(&page[PVIRQ_SHARED_CLASS_WORD(n, i / 32u)]);

		if ((st & PVIRQ_SHARED_PENDING(i)) && !(st & PVIRQ_SHARED_MASKED(i)) &&
		    PVIRQ_SHARED_CLASS_OF(cl, i) >= floor)
			return i;
	}
	(void)c;
	return 0;
}

void fuzz_world_guest_step(struct fuzz_world *w, struct fuzz_input *in)
{
	struct model *m = &w->m;
	uint32_t c = fuzz_index(in, m->nr_vcpus), n = m->nr_intids / 32u, i;
	uint8_t what = fuzz_u8(in);
	_Atomic uint64_t *page;
	uint64_t old, value;
	bool took, mtook;
	int e, mo;

	if (c >= m->nr_vcpus)
		return;
	page = shared_page(w, c);
	if (!page || what % 8 == 7) {
		/* A page the instance does not share (any more): the host must
		 * not read it. */
		uint32_t k = fuzz_u8(in) % FUZZ_PAGES_PER_VCPU;
		_Atomic uint64_t *other = w->ram[c * FUZZ_PAGES_PER_VCPU + k];

		if (other == page)
			other = w->ram[c * FUZZ_PAGES_PER_VCPU + (k + 1) % FUZZ_PAGES_PER_VCPU];
		atomic_store(&other[fuzz_u8(in) % (2 * n + 2)], fuzz_u64(in));
		return;
	}
	/* seq_cst below: the page protocol's accesses are all seq_cst. */
	switch (what % 8) {
	case 0: /* acknowledge in memory: the CAS P!M -> M!P */
		i = guest_pick_ack(w, c, page, in);
		old = atomic_load(&page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)]);
		took = (old & PVIRQ_SHARED_PENDING(i)) && !(old & PVIRQ_SHARED_MASKED(i)) &&
		       atomic_compare_exchange_strong(
			       &page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)], &old,
			       (old & ~PVIRQ_SHARED_PENDING(i)) | PVIRQ_SHARED_MASKED(i));
		mtook = model_guest_ack(m, c, i);
		FUZZ_CHECK(w, took == mtook, "guest ack of %u on vcpu %u: %d, model %d", i, c, took,
			   mtook);
		break;
	case 1: /* end of interrupt in memory: fetch_and ~M */
		i = fuzz_index(in, m->nr_intids) % m->nr_intids;
		old = atomic_fetch_and(&page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)],
				       ~PVIRQ_SHARED_MASKED(i));
		took = old & PVIRQ_SHARED_PENDING(i);
		mtook = model_guest_eoi(m, c, i);
		FUZZ_CHECK(w, took == mtook, "guest eoi of %u on vcpu %u: pending %d, model %d", i,
			   c, took, mtook);
		if (!took)
			break;
		/* Pending again: the spec's two ways out, or neither. */
		switch (fuzz_u8(in) % 3) {
		case 0:
			e = pvirq_rvic_clear_masked(w->vm, c, i);
			mo = model_clear_masked(m, c, i);
			FUZZ_CHECK(w, e == mo, "clear_masked after eoi: %d, model %d", e, mo);
			break;
		case 1:
			old = atomic_load(&page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)]);
			took = atomic_compare_exchange_strong(
				&page[PVIRQ_SHARED_STATE_WORD(n, i / 32u)], &old,
				(old & ~PVIRQ_SHARED_PENDING(i)) | PVIRQ_SHARED_MASKED(i));
			FUZZ_CHECK(w, took && model_guest_ack(m, c, i), "guest re-ack of %u", i);
			break;
		default: w->armed[c] = false; break;
		}
		break;
	case 2: /* the floor, in memory: raise freely, lower with the call */
		value = fuzz_u8(in) % 4u;
		old = atomic_exchange(&page[PVIRQ_SHARED_FLOOR_WORD(n)], value);
		model_guest_store_floor(m, c, value);
		if (value < (old & 3u)) {
			if (fuzz_u8(in) & 1) {
				e = pvirq_rvic_set_priority_mask(w->vm, c, (uint32_t)value);
				mo = model_set_priority_mask(m, c, (uint32_t)value);
				FUZZ_CHECK(w, e == mo,
					   "set_priority_mask after a store: %d, model %d", e, mo);
			} else {
				w->armed[c] = false;
			}
		}
		break;
	case 3: /* a class word, any value (class 3 even without an NMI line) */
		i = fuzz_u8(in) % n;
		value = fuzz_u8(in) & 1 ? fuzz_u64(in)
					: atomic_load(&page[PVIRQ_SHARED_CLASS_WORD(n, i)]) ^
						  (3ull << (2u * (fuzz_u8(in) % 32u)));
		atomic_store(&page[PVIRQ_SHARED_CLASS_WORD(n, i)], value);
		model_guest_store_class(m, c, i, value);
		w->armed[c] = false;
		break;
	case 4: /* a state word, any value: the guest may pend its own INTIDs */
		i = fuzz_u8(in) % n;
		value = fuzz_u64(in);
		atomic_store(&page[PVIRQ_SHARED_STATE_WORD(n, i)], value);
		model_guest_store_state(m, c, i, value);
		for (uint32_t k = 0; k < 32; k++)
			fuzz_world_note_trusted(w, c, 32 * i + k);
		w->armed[c] = false;
		break;
	case 5: /* the floor word with junk above the class bits */
		value = fuzz_u64(in);
		atomic_store(&page[PVIRQ_SHARED_FLOOR_WORD(n)], value);
		model_guest_store_floor(m, c, value);
		w->armed[c] = false;
		break;
	default: /* the reserved rest of the page: the host ignores it */
		atomic_store(&page[PVIRQ_SHARED_WORDS(n) + fuzz_u8(in) % 64u], fuzz_u64(in));
		break;
	}
	w->guest_stepped = true;
}

void fuzz_world_host_step(struct fuzz_world *w, struct fuzz_input *in)
{
	struct model *m = &w->m;
	uint8_t op = fuzz_u8(in);
	uint32_t c = fuzz_index(in, m->nr_vcpus);
	uint32_t i = fuzz_index(in, m->nr_intids);
	uint32_t got = 0, mgot = 0;
	int e = 0, mo = 0;

	switch (op % 30) {
	case 0:
		e = pvirq_rvic_enable(w->vm, c);
		mo = model_enable(m, c);
		break;
	case 1:
		e = pvirq_rvic_disable(w->vm, c);
		mo = model_disable(m, c);
		break;
	case 2:
		e = pvirq_rvic_set_masked(w->vm, c, i);
		mo = model_set_masked(m, c, i);
		break;
	case 3:
		e = pvirq_rvic_clear_masked(w->vm, c, i);
		mo = model_clear_masked(m, c, i);
		break;
	case 4:
		fuzz_world_note_trusted(w, c, i);
		e = pvirq_rvic_signal(w->vm, c, i);
		mo = model_signal(m, c, i);
		break;
	case 5:
		e = pvirq_rvic_clear_pending(w->vm, c, i);
		mo = model_clear_pending(m, c, i);
		break;
	case 6:
		e = pvirq_rvic_acknowledge(w->vm, c, &got);
		mo = model_acknowledge(m, c, &mgot);
		if (e == PVIRQ_OK && mo == PVIRQ_OK)
			FUZZ_CHECK(w, got == mgot, "acknowledge vcpu %u: %u, model %u", c, got,
				   mgot);
		break;
	case 7:
		fuzz_world_note_trusted(w, c, i);
		e = pvirq_rvic_resample(w->vm, c, i);
		mo = model_resample(m, c, i);
		break;
	case 8: {
		bool level = fuzz_u8(in) & 1;

		fuzz_world_note_trusted(w, c, i);
		e = pvirq_rvic_set_level(w->vm, c, i, level);
		mo = model_set_level(m, c, i, level);
		break;
	}
	case 9:
	case 10: {
		uint32_t input = fuzz_index(in, m->nr_inputs);

		e = pvirq_rvid_map(w->vm, input, c, i);
		mo = model_map(m, input, c, i);
		break;
	}
	case 11: {
		uint32_t input = fuzz_index(in, m->nr_inputs);

		e = pvirq_rvid_unmap(w->vm, input);
		mo = model_unmap(m, input);
		break;
	}
	case 12:
	case 13: {
		uint32_t input = fuzz_index(in, m->nr_inputs);

		e = pvirq_rvid_inject(w->vm, input);
		mo = model_inject(m, input);
		break;
	}
	case 14: {
		uint8_t sel = fuzz_u8(in);
		uint64_t addr = sel & 1 ? fuzz_u64(in) : PVIRQ_MSI_DOORBELL;
		uint64_t data = sel & 2 ? fuzz_u64(in) : fuzz_index(in, m->nr_inputs);

		e = pvirq_rvid_msi(w->vm, addr, data);
		mo = model_msi(m, addr, data);
		break;
	}
	case 15: fuzz_world_rearm(w, c); break;
	case 16: query_step(w, in); break;
	case 17:
		/* Reboot: rare, it wipes what the input built. */
		if (fuzz_u8(in) == 0x5A) {
			pvirq_vm_reset(w->vm);
			model_reset(m);
			memset(w->armed, 0, sizeof(w->armed));
			memset(w->trusted_source, 0, sizeof(w->trusted_source));
			memset(w->nmi_seen, 0, sizeof(w->nmi_seen));
			memset(w->nmi_due, 0, sizeof(w->nmi_due));
		}
		break;
	case 18: {
		uint32_t cls = pick_class(in);

		e = pvirq_rvic_set_priority(w->vm, c, i, cls);
		mo = model_set_priority(m, c, i, cls);
		break;
	}
	case 19: {
		uint32_t floor = pick_class(in);

		e = pvirq_rvic_set_priority_mask(w->vm, c, floor);
		mo = model_set_priority_mask(m, c, floor);
		break;
	}
	case 20:
		e = pvirq_rvic_acknowledge_nmi(w->vm, c, &got);
		mo = model_acknowledge_nmi(m, c, &mgot);
		if (e == PVIRQ_OK && mo == PVIRQ_OK)
			FUZZ_CHECK(w, got == mgot, "acknowledge_nmi vcpu %u: %u, model %u", c, got,
				   mgot);
		break;
	case 21: take_nmi_step(w, c); break;
	case 22: {
		uint64_t gpa = fuzz_world_pick_gpa(w, in, c);

		e = pvirq_rvic_share_state(w->vm, c, gpa);
		mo = model_share_state(m, c, gpa, fuzz_world_page_ok(w, c, gpa));
		break;
	}
	case 23:
		e = pvirq_rvic_unshare_state(w->vm, c);
		mo = model_unshare_state(m, c);
		break;
	case 24: {
		uint32_t input = fuzz_index(in, m->nr_inputs);
		bool level = fuzz_u8(in) & 1;

		e = pvirq_rvid_set_trigger(w->vm, input, level);
		mo = model_rvid_set_trigger(m, input, level);
		break;
	}
	case 25: {
		uint32_t input = fuzz_index(in, m->nr_inputs);
		bool high = fuzz_u8(in) & 1;

		e = pvirq_rvid_set_level(w->vm, input, high);
		mo = model_rvid_set_level(m, input, high);
		break;
	}
	case 26: {
		uint32_t input = fuzz_index(in, m->nr_inputs);

		w->lower_on_resample = fuzz_u8(in) & 1;
		e = pvirq_rvid_resample(w->vm, input);
		mo = model_rvid_resample(m, input);
		FUZZ_CHECK(w,
			   w->resamples_engine == w->resamples_model &&
				   w->last_resample_engine == w->last_resample_model,
			   "rvid_resample %u: resample() calls %lu (input %u), model %lu "
			   "(input %u)",
			   input, w->resamples_engine, w->last_resample_engine, w->resamples_model,
			   w->last_resample_model);
		break;
	}
	case 27:
	case 28: fuzz_world_guest_step(w, in); break;
	default: query_step(w, in); break;
	}
	FUZZ_CHECK(w, e == mo, "host op %u (vcpu %u intid %u): engine %d, model %d", op % 30, c, i,
		   e, mo);
}

void fuzz_world_check(struct fuzz_world *w, const char *what)
{
	const char *diff = model_compare(&w->m, w->vm);

	FUZZ_CHECK(w, diff == NULL, "after %s: engine differs from model: %s", what, diff);
	for (uint32_t c = 0; c < w->m.nr_vcpus; c++) {
		bool line = pvirq_vcpu_line(w->vm, c), enabled = false, deliverable = false;
		bool priorities = w->m.vcpus[c].uses_priority;
		uint32_t floor = 0, top = model_line_top_class(&w->m);

		/* One pass over the engine's own per-INTID answers: the line
		 * they imply, and the trust invariant. */
		pvirq_rvic_is_enabled(w->vm, c, &enabled);
		pvirq_rvic_get_priority_mask(w->vm, c, &floor);
		for (uint32_t i = 0; i < w->m.nr_intids; i++) {
			bool pending = false, masked = false, nmi;
			uint32_t cls = 0;

			pvirq_rvic_is_pending(w->vm, c, i, &pending);
			pvirq_rvic_is_masked(w->vm, c, i, &masked);
			pvirq_rvic_get_priority(w->vm, c, i, &cls);
			/* Classes and floor count once a priority call was made. */
			if (!priorities)
				cls = floor = 0;
			deliverable |= pending && !masked && cls >= floor && cls <= top;
			FUZZ_CHECK(w,
				   !pending || i >= w->m.nr_trusted || w->trusted_source[c][i] ||
					   w->exempt[c],
				   "after %s: trusted INTID %u of vcpu %u pending, never signalled "
				   "through the trusted API",
				   what, i, c);
			/* A host step that makes an NMI-class INTID deliverable
			 * owes the vCPU an NMI edge. */
			nmi = enabled && model_nmi_counted(&w->m, c, i);
			if (nmi && !w->nmi_seen[c][i] && !w->guest_stepped && !w->exempt[c])
				w->nmi_due[c] = true;
			w->nmi_seen[c][i] = nmi;
		}
		FUZZ_CHECK(w, line == (enabled && deliverable),
			   "after %s: vcpu %u line %d, enabled %d, deliverable %d", what, c, line,
			   enabled, deliverable);
		FUZZ_CHECK(w, !(w->armed[c] && line && !w->exempt[c]),
			   "after %s: vcpu %u line high but never notified (lost wake-up)", what,
			   c);
	}
	w->guest_stepped = false;
	w->step++;
}
