/* SPDX-License-Identifier: MIT */
#include "world.h"

#include <stdarg.h>
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
	uint8_t shape = fuzz_u8(in);
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
	w->cfg.nr_rvid_inputs = fuzz_u8(in) % 9;
	read_cpu_ids(w, in, w->cfg.nr_vcpus);
	w->cfg.notify = on_notify;
	w->cfg.notify_ctx = w;

	err = pvirq_vm_create(&w->cfg, &w->vm);
	merr = model_init(&w->m, &w->cfg);
	FUZZ_CHECK(w, (err == PVIRQ_OK) == (merr == 0), "vm_create %d, model_init %d", err, merr);
	if (err != PVIRQ_OK) {
		FUZZ_CHECK(w, err == PVIRQ_EINVAL, "vm_create of a bad config: %d", err);
		return false;
	}
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

	switch (fuzz_u8(in) % 7) {
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
	default:
		e = pvirq_vm_cpu_id(w->vm, c, &id);
		EXPECT_EQ(w, "cpu_id", e, c < m->nr_vcpus ? PVIRQ_OK : PVIRQ_EVCPU);
		if (!e)
			FUZZ_CHECK(w, id == m->cpu_ids[c], "cpu_id %u", c);
		break;
	}
	if (pvirq_vcpu_line(w->vm, c) != (c < m->nr_vcpus && model_line(m, c)))
		fuzz_fail(w, __FILE__, __LINE__, "line of vcpu %u", c);
}

void fuzz_world_host_step(struct fuzz_world *w, struct fuzz_input *in)
{
	struct model *m = &w->m;
	uint8_t op = fuzz_u8(in);
	uint32_t c = fuzz_index(in, m->nr_vcpus);
	uint32_t i = fuzz_index(in, m->nr_intids);
	uint32_t got = 0, mgot = 0;
	int e = 0, mo = 0;

	switch (op % 18) {
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
	default:
		/* Reboot: rare, it wipes what the input built. */
		if (fuzz_u8(in) == 0x5A) {
			pvirq_vm_reset(w->vm);
			model_reset(m);
			memset(w->armed, 0, sizeof(w->armed));
			memset(w->trusted_source, 0, sizeof(w->trusted_source));
		}
		break;
	}
	FUZZ_CHECK(w, e == mo, "host op %u (vcpu %u intid %u): engine %d, model %d", op % 18, c, i,
		   e, mo);
}

void fuzz_world_check(struct fuzz_world *w, const char *what)
{
	const char *diff = model_compare(&w->m, w->vm);

	FUZZ_CHECK(w, diff == NULL, "after %s: engine differs from model: %s", what, diff);
	for (uint32_t c = 0; c < w->m.nr_vcpus; c++) {
		bool line = pvirq_vcpu_line(w->vm, c), enabled = false, deliverable = false;

		/* One pass over the engine's own per-INTID answers: the line
		 * they imply, and the trust invariant. */
		pvirq_rvic_is_enabled(w->vm, c, &enabled);
		for (uint32_t i = 0; i < w->m.nr_intids; i++) {
			bool pending = false, masked = false;

			pvirq_rvic_is_pending(w->vm, c, i, &pending);
			pvirq_rvic_is_masked(w->vm, c, i, &masked);
			deliverable |= pending && !masked;
			FUZZ_CHECK(w, !pending || i >= w->m.nr_trusted || w->trusted_source[c][i],
				   "after %s: trusted INTID %u of vcpu %u pending, never signalled "
				   "through the trusted API",
				   what, i, c);
		}
		FUZZ_CHECK(w, line == (enabled && deliverable),
			   "after %s: vcpu %u line %d, enabled %d, deliverable %d", what, c, line,
			   enabled, deliverable);
		FUZZ_CHECK(w, !(w->armed[c] && line),
			   "after %s: vcpu %u line high but never notified (lost wake-up)", what,
			   c);
	}
	w->step++;
}
