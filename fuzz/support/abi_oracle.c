/* SPDX-License-Identifier: MIT */
#include "abi_oracle.h"

#include <stdio.h>
#include <stdlib.h>

/* Argument kinds of the documented call table. */
enum kind { NONE, KEY, TARGET, INTID, TRUSTED, UNTRUSTED, INPUT, PAGE, CLASS };

struct call {
	enum oracle_part part;
	uint32_t fn;
	enum kind args[3];
};

/* The ABI's call table (ARCHITECTURE.md, docs/spec/pvirq-abi.md; VERSION is 0.4). */
static const struct call calls[] = {
	{ORACLE_RVIC, 0, {NONE, NONE, NONE}},	      /* VERSION */
	{ORACLE_RVIC, 1, {KEY, NONE, NONE}},	      /* INFO */
	{ORACLE_RVIC, 2, {NONE, NONE, NONE}},	      /* ENABLE */
	{ORACLE_RVIC, 3, {NONE, NONE, NONE}},	      /* DISABLE */
	{ORACLE_RVIC, 4, {TARGET, INTID, NONE}},      /* SET_MASKED */
	{ORACLE_RVIC, 5, {TARGET, INTID, NONE}},      /* CLEAR_MASKED */
	{ORACLE_RVIC, 6, {TARGET, INTID, NONE}},      /* IS_PENDING */
	{ORACLE_RVIC, 7, {TARGET, INTID, NONE}},      /* SIGNAL */
	{ORACLE_RVIC, 8, {TARGET, INTID, NONE}},      /* CLEAR_PENDING */
	{ORACLE_RVIC, 9, {NONE, NONE, NONE}},	      /* ACKNOWLEDGE */
	{ORACLE_RVIC, 10, {TRUSTED, NONE, NONE}},     /* RESAMPLE */
	{ORACLE_RVIC, 11, {NONE, NONE, NONE}},	      /* RESET (0.4) */
	{ORACLE_RVIC, 12, {PAGE, NONE, NONE}},	      /* SHARE_STATE (0.4) */
	{ORACLE_RVIC, 13, {NONE, NONE, NONE}},	      /* UNSHARE_STATE (0.4) */
	{ORACLE_RVIC, 14, {TARGET, INTID, CLASS}},    /* SET_PRIORITY (0.4) */
	{ORACLE_RVIC, 15, {CLASS, NONE, NONE}},	      /* SET_PRIORITY_MASK (0.4) */
	{ORACLE_RVIC, 16, {NONE, NONE, NONE}},	      /* ACKNOWLEDGE_NMI (0.4) */
	{ORACLE_RVID, 0, {NONE, NONE, NONE}},	      /* VERSION */
	{ORACLE_RVID, 1, {INPUT, TARGET, UNTRUSTED}}, /* MAP */
	{ORACLE_RVID, 2, {INPUT, NONE, NONE}},	      /* UNMAP */
	{ORACLE_RVID, 3, {INPUT, NONE, NONE}},	      /* RESAMPLE (0.4) */
};

#define ABI_VERSION 0x4u /* 0.4 */

/* Checked arguments, narrowed only after their checks. */
struct checked {
	uint32_t target, intid, input, key, cls;
	uint64_t page;
	bool page_ok;
};

static uint32_t check(const struct fuzz_world *w, const struct oracle_binding *b, uint32_t caller,
		      enum kind k, uint64_t raw, struct checked *c)
{
	const struct model *m = &w->m;

	switch (k) {
	case NONE: return ORACLE_SUCCESS;
	case KEY:
		if (raw > 4)
			return ORACLE_ERROR_PARAMETER;
		c->key = (uint32_t)raw;
		return ORACLE_SUCCESS;
	case TARGET:
		if ((raw & ~b->target_mask) || model_vcpu_by_cpu_id(m, raw, &c->target) != PVIRQ_OK)
			return ORACLE_INVALID_CPU;
		return ORACLE_SUCCESS;
	case INTID:
		if (raw >= m->nr_intids)
			return ORACLE_ERROR_PARAMETER;
		break;
	case TRUSTED:
		if (raw >= m->nr_trusted)
			return ORACLE_ERROR_PARAMETER;
		break;
	case UNTRUSTED:
		if (raw < m->nr_trusted || raw >= m->nr_intids)
			return ORACLE_ERROR_PARAMETER;
		break;
	case INPUT:
		if (raw >= m->nr_inputs)
			return ORACLE_ERROR_PARAMETER;
		c->input = (uint32_t)raw;
		return ORACLE_SUCCESS;
	case PAGE:
		/* Page aligned; whether it is guest RAM (the VMM's guest_page())
		 * is decided by the call, after its ENABLED check. */
		if (raw % PVIRQ_SHARED_STATE_SIZE)
			return ORACLE_ERROR_PARAMETER;
		c->page = raw;
		c->page_ok = fuzz_world_page_ok(w, caller, raw);
		return ORACLE_SUCCESS;
	case CLASS:
		/* The NMI class only where the VM has an NMI line. */
		if (raw >= PVIRQ_PRIORITY_CLASSES || (raw == PVIRQ_PRIORITY_NMI && !m->nmi_line))
			return ORACLE_ERROR_PARAMETER;
		c->cls = (uint32_t)raw;
		return ORACLE_SUCCESS;
	}
	c->intid = (uint32_t)raw;
	return ORACLE_SUCCESS;
}

/* Model status after a valid call -> reason. */
static uint32_t reason_of(struct fuzz_world *w, int err)
{
	switch (err) {
	case PVIRQ_OK: return ORACLE_SUCCESS;
	case PVIRQ_EDISABLED: return ORACLE_DISABLED;
	case PVIRQ_ENOINTR: return ORACLE_NO_INTERRUPTS;
	case PVIRQ_EENABLED: return ORACLE_ENABLED;
	default: fuzz_fail(w, __FILE__, __LINE__, "model refused a checked call: %d", err);
	}
}

static uint64_t info(const struct fuzz_world *w, const struct oracle_binding *b, uint32_t key,
		     uint32_t *reason)
{
	switch (key) {
	case 0: return w->m.nr_trusted;
	case 1: return w->m.nr_untrusted;
	case 2:
		/* 0.4: RESET, SHARED_STATE, LEVEL_INPUTS, PRIORITY; NMI only
		 * with an NMI line. */
		return 0xFu | (w->m.nmi_line ? 0x10u : 0u);
	case 3: return w->m.nr_inputs;
	default:
		if (b->upcall_vector)
			return b->upcall_vector;
		*reason = ORACLE_ERROR_PARAMETER;
		return 0;
	}
}

/* FUZZ_TRACE=1 in the environment: one line per call (seed debugging). */
static void trace(uint32_t vcpu, enum oracle_part part, uint64_t fn, const uint64_t args[3],
		  const struct oracle_outcome *out)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	if (on)
		fprintf(stderr,
			"vcpu %u %s %llu (%#llx, %#llx, %#llx) -> reason %u index %u value %#llx\n",
			vcpu, part == ORACLE_RVIC ? "rvic" : "rvid", (unsigned long long)fn,
			(unsigned long long)args[0], (unsigned long long)args[1],
			(unsigned long long)args[2], out->reason, out->index,
			(unsigned long long)out->value);
}

void oracle_call(struct fuzz_world *w, const struct oracle_binding *b, uint32_t vcpu,
		 enum oracle_part part, uint64_t fn, const uint64_t args[3],
		 struct oracle_outcome *out)
{
	struct model *m = &w->m;
	const struct call *call = NULL;
	struct checked c = {0, 0, 0, 0, 0, 0, false};
	uint32_t got = 0;
	int err = PVIRQ_OK;

	out->reason = ORACLE_SUCCESS;
	out->index = 0;
	out->value = 0;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].part == part && calls[i].fn == fn)
			call = &calls[i];
	if (!call) {
		out->reason = ORACLE_NOT_SUPPORTED;
		trace(vcpu, part, fn, args, out);
		return;
	}
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t reason = check(w, b, vcpu, call->args[i], args[i], &c);

		if (reason != ORACLE_SUCCESS) {
			out->reason = reason;
			out->index = i;
			trace(vcpu, part, fn, args, out);
			return;
		}
	}
	if (part == ORACLE_RVID) {
		switch (fn) {
		case 0: out->value = ABI_VERSION; break;
		case 1:
			err = model_map(m, c.input, c.target, c.intid);
			/* Spec: a MAP onto a (target, INTID) that another input
			 * is mapped to fails on its INTID argument (x3). */
			if (err == PVIRQ_EBUSY) {
				out->reason = ORACLE_ERROR_PARAMETER;
				out->index = 2;
				err = PVIRQ_OK;
			}
			break;
		case 2: err = model_unmap(m, c.input); break;
		default:
			/* A level input's end of interrupt: it re-pends only the
			 * input's own (untrusted) target. */
			err = model_rvid_resample(m, c.input);
			break;
		}
	} else {
		switch (fn) {
		case 0: out->value = ABI_VERSION; break;
		case 1: out->value = info(w, b, c.key, &out->reason); break;
		case 2: err = model_enable(m, vcpu); break;
		case 3: err = model_disable(m, vcpu); break;
		case 4: err = model_set_masked(m, c.target, c.intid); break;
		case 5: err = model_clear_masked(m, c.target, c.intid); break;
		case 6: out->value = m->vcpus[c.target].pending[c.intid]; break;
		case 7:
			/* The guest's SIGNAL is the trusted path (IPIs). */
			fuzz_world_note_trusted(w, c.target, c.intid);
			err = model_signal(m, c.target, c.intid);
			break;
		case 8: err = model_clear_pending(m, c.target, c.intid); break;
		case 9:
			err = model_acknowledge(m, vcpu, &got);
			out->value = got;
			break;
		case 10:
			fuzz_world_note_trusted(w, vcpu, c.intid);
			err = model_resample(m, vcpu, c.intid);
			break;
		case 11: err = model_reset_own(m, vcpu); break;
		case 12:
			err = model_share_state(m, vcpu, c.page, c.page_ok);
			/* Not guest RAM: ERROR_PARAMETER on the page (x1). */
			if (err == PVIRQ_EINVAL) {
				out->reason = ORACLE_ERROR_PARAMETER;
				err = PVIRQ_OK;
			}
			break;
		case 13: err = model_unshare_state(m, vcpu); break;
		case 14: err = model_set_priority(m, c.target, c.intid, c.cls); break;
		case 15: err = model_set_priority_mask(m, vcpu, c.cls); break;
		default:
			err = model_acknowledge_nmi(m, vcpu, &got);
			out->value = got;
			break;
		}
	}
	if (err != PVIRQ_OK)
		out->reason = reason_of(w, err);
	if (out->reason != ORACLE_SUCCESS)
		out->value = 0;
	trace(vcpu, part, fn, args, out);
}

int64_t oracle_status_word(const struct oracle_outcome *o)
{
	if (o->reason == ORACLE_NOT_SUPPORTED)
		return -1;
	return (int64_t)(o->reason | (o->index << 8));
}

uint64_t oracle_pick_arg(const struct fuzz_world *w, struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	uint32_t small;

	switch (sel >> 6) {
	case 0: {
		uint32_t c = fuzz_index(in, w->m.nr_vcpus);
		uint64_t id = c < w->m.nr_vcpus ? w->m.cpu_ids[c] : c;

		return sel & 1 ? id | ((uint64_t)fuzz_u8(in) << 56) : id;
	}
	case 1:
	case 2:
		small = fuzz_index(in, w->m.nr_intids + 8);
		return (sel & 7) == 7 ? small + (1ull << 32) : small;
	default:
		/* A guest-physical page (SHARE_STATE), else raw bits. */
		if (sel >= 0xF0)
			return fuzz_world_pick_gpa(w, in, fuzz_u8(in));
		return fuzz_u64(in);
	}
}

int oracle_run(const uint8_t *data, size_t size,
	       void (*call_step)(struct fuzz_world *w, struct fuzz_input *in), const char *what)
{
	static struct fuzz_world w;
	struct fuzz_input in = {.data = data, .size = size};

	if (!fuzz_world_open(&w, &in))
		return 0;
	for (unsigned n = 0; n < 512 && !fuzz_done(&in); n++) {
		if (fuzz_u8(&in) < 0x50) {
			fuzz_world_host_step(&w, &in);
			fuzz_world_check(&w, "host op");
		} else {
			call_step(&w, &in);
			fuzz_world_check(&w, what);
		}
	}
	fuzz_world_close(&w);
	return 0;
}
