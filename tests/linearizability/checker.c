/* SPDX-License-Identifier: MIT */
/*
 * The search. Every call of the history is a short list of steps; a call
 * that the spec calls indivisible is one step (the model's own function),
 * the calls with a documented weaker rule are the steps that rule names.
 * A step may be taken when the steps of its call that must precede it are
 * done and every call that returned before this call was invoked is
 * complete (so all steps of a call fall inside its interval, in order).
 * The search tries every such order depth first; a (progress, scratch,
 * model state) triple already explored is not explored again.
 */
#include "checker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum step_kind {
	ST_ATOMIC,	     /* the model's function, status and output compared */
	ST_ENABLED_IS,	     /* the enabled flag equals the step's argument */
	ST_DECIDE,	     /* signal-like call: status decided, latch deferred */
	ST_LATCH,	     /* the deferred latch of pending */
	ST_LEVEL_UP,	     /* SET_LEVEL(1)'s store of the level */
	ST_LEVEL_READ,	     /* RESAMPLE's read of the level */
	ST_ACK_TAKE,	     /* ACK's compare-and-swap of the returned INTID */
	ST_WORD_IDLE,	     /* no deliverable INTID in state word arg */
	ST_ALL_IDLE,	     /* no deliverable INTID at all */
	ST_SOME_DELIVERABLE, /* some INTID deliverable */
	ST_LINE_ENABLED,     /* false line: disabled (call complete) or go on */
	ST_MAP_CLAIM,	     /* MAP: occupancy claim and entry exchange (status) */
	ST_MAP_READ,	     /* MAP: read of the old target's pending bit (M2a) */
	ST_MAP_DECIDE,	     /* MAP: the new target's enabled flag read */
	ST_MAP_CLEAR_OLD,    /* MAP: clear of the old target's bit once moved (M2c) */
	ST_RELEASE,	     /* MAP, UNMAP: the old target's occupancy released */
	ST_UNMAP,	     /* UNMAP: entry exchanged to invalid */
	ST_CLEAR,	     /* CLEAR_PENDING of a trusted INTID: the clear itself */
	ST_EN_STORE,	     /* ENABLE: the enabled store */
	ST_EN_LEVELS,	     /* ENABLE: its read of the level lines */
	ST_EN_LATCH,	     /* ENABLE: latch of level INTID arg if it read it high */
	ST_NO_HIGHER,	     /* ACK: word arg holds no counted INTID of a higher class */
	ST_INPUT_LEVEL_UP,   /* RVID_SET_LEVEL(1): the level store */
	ST_INPUT_LEVEL_READ, /* RVID_RESAMPLE: its read of the input's level */
};

/* ENABLE's level steps cover the level lines of INTIDs 0..1: a history's
 * set-up and calls may raise no other level line. */
#define EN_LEVEL_LINES 2u
#define MAX_STEPS 6
#define WORD_INTIDS 32u

struct step {
	uint8_t kind;
	uint8_t arg;
	uint8_t after; /* steps of the same call that must be done first */
};

struct plan {
	unsigned nr_steps;
	struct step steps[MAX_STEPS];
};

/* Per-call scratch that a step leaves for a later step of the same call;
 * part of the search state. */
struct scratch {
	uint8_t flags;
	uint8_t vcpu; /* latch target */
	uint8_t intid;
	uint8_t old_vcpu; /* MAP: where the taken bit came from */
	uint8_t old_intid;
};

#define SC_LATCH 1u  /* the latch step has a bit to set */
#define SC_LEVEL 2u  /* RESAMPLE read a high level */
#define SC_TO_NEW 4u /* MAP: the new target was enabled */
#define SC_HOLD 8u   /* MAP, UNMAP: the old target is still claimed */
/* ENABLE read level line k high: SC_EN_LEVEL0 << k */
#define SC_EN_LEVEL0 16u

struct search {
	const struct history *h;
	const struct lin_options *opt;
	struct pvirq_vm *final_vm;
	struct plan plans[HIST_MAX_OPS];
	uint8_t done[HIST_MAX_OPS]; /* bit set of steps done */
	struct scratch sc[HIST_MAX_OPS];
	struct model *stack; /* one model copy per depth */
	unsigned depth_max;
	unsigned long nodes, budget;
	bool gave_up;
	/* visited set: open addressing over fixed-size keys */
	size_t key_len, cap, used;
	uint8_t *keys; /* cap * key_len */
	uint8_t *occupied;
	uint8_t *key; /* scratch key */
};

static const char *const kind_names[H_NR_KINDS] = {
	"signal",     "clear_pending", "set_masked",   "clear_masked",
	"is_pending", "ack",	       "enable",       "disable",
	"map",	      "unmap",	       "inject",       "resample",
	"set_level",  "vcpu_line",     "set_priority", "set_priority_mask",
};

const char *hist_kind_name(unsigned kind)
{
	return kind < H_NR_KINDS ? kind_names[kind] : "?";
}

static void add_step(struct plan *p, uint8_t kind, uint8_t arg, uint8_t after)
{
	p->steps[p->nr_steps++] = (struct step){kind, arg, after};
}

/* A step after every step added so far. */
static void add_next(struct plan *p, uint8_t kind, uint8_t arg)
{
	add_step(p, kind, arg, (uint8_t)((1u << p->nr_steps) - 1));
}

/* Which steps, in which order, a call with this outcome consists of. */
static void make_plan(const struct model *m, const struct hist_op *op,
		      const struct lin_options *opt, struct plan *p)
{
	unsigned words = (m->nr_intids + WORD_INTIDS - 1) / WORD_INTIDS;

	p->nr_steps = 0;
	switch (op->kind) {
	case H_SIGNAL:
	case H_INJECT:
		/* The spec's SIGNAL rule: the enabled read decides the status, the
		 * latch lands later, both inside the call. */
		add_step(p, ST_DECIDE, 0, 0);
		add_step(p, ST_LATCH, 0, 1);
		break;
	case H_SET_LEVEL:
		if (!op->level) {
			add_step(p, ST_ATOMIC, 0, 0);
			break;
		}
		add_step(p, ST_LEVEL_UP, 0, 0);
		add_step(p, ST_DECIDE, 0, 1);
		add_step(p, ST_LATCH, 0, 3);
		break;
	case H_RESAMPLE:
		add_step(p, ST_LEVEL_READ, 0, 0);
		add_step(p, ST_DECIDE, 0, 1);
		add_step(p, ST_LATCH, 0, 3);
		break;
	case H_RVID_SET_LEVEL:
		/* rvid.c: a raise stores the level, then injects (the inject's
		 * decide and latch); a lower and a refusal are one step. */
		if (!op->level || op->status == PVIRQ_EINVAL || op->status == PVIRQ_EINPUT) {
			add_step(p, ST_ATOMIC, 0, 0);
			break;
		}
		add_step(p, ST_INPUT_LEVEL_UP, 0, 0);
		add_step(p, ST_DECIDE, 0, 1);
		add_step(p, ST_LATCH, 0, 3);
		break;
	case H_RVID_RESAMPLE:
		/* rvid.c: the level read, then (if high) the inject. An edge
		 * input (triggers do not change within a history) is one step. */
		if (op->input >= m->nr_inputs || !m->rvid[op->input].level_trigger) {
			add_step(p, ST_ATOMIC, 0, 0);
			break;
		}
		add_step(p, ST_INPUT_LEVEL_READ, 0, 0);
		add_step(p, ST_DECIDE, 0, 1);
		add_step(p, ST_LATCH, 0, 3);
		break;
	case H_ACK:
		if (op->status == PVIRQ_EDISABLED) {
			add_step(p, ST_ENABLED_IS, 0, 0);
		} else if (op->status == PVIRQ_OK) {
			add_step(p, ST_ENABLED_IS, 1, 0);
			add_step(p, ST_ACK_TAKE, 0, 1);
			/* Priority order, exact per word like a negative answer:
			 * for each word, an instant inside the call at which it
			 * held no INTID of a higher class than the one taken. */
			for (unsigned w = 0; w < words; w++)
				add_step(p, ST_NO_HIGHER, (uint8_t)w, 0);
		} else if (op->status == PVIRQ_ENOINTR) {
			add_step(p, ST_ENABLED_IS, 1, 0);
			if (opt->snapshot_negative) {
				add_step(p, ST_ALL_IDLE, 0, 1);
			} else {
				/* The spec's rule: one instant per word, any order. */
				for (unsigned w = 0; w < words; w++)
					add_step(p, ST_WORD_IDLE, (uint8_t)w, 1);
			}
		} else {
			add_step(p, ST_ATOMIC, 0, 0);
		}
		break;
	case H_LINE:
		if (op->out) {
			add_step(p, ST_ENABLED_IS, 1, 0);
			add_step(p, ST_SOME_DELIVERABLE, 0, 1);
		} else {
			add_step(p, ST_LINE_ENABLED, 0, 0);
			if (opt->snapshot_negative) {
				add_step(p, ST_ALL_IDLE, 0, 1);
			} else {
				for (unsigned w = 0; w < words; w++)
					add_step(p, ST_WORD_IDLE, (uint8_t)w, 1);
			}
		}
		break;
	case H_MAP:
		/* rvid.c: M0 claim, M1 exchange, M2a read the old bit, M2b
		 * signal the new target (enabled read, latch), M2c clear the
		 * old bit if the new one latched, M3 release the old target. */
		if (opt->strict_map) {
			add_step(p, ST_ATOMIC, 0, 0);
		} else if (op->status != PVIRQ_OK) {
			add_step(p, ST_MAP_CLAIM, 0, 0); /* refused at the claim */
		} else {
			add_next(p, ST_MAP_CLAIM, 0);
			add_next(p, ST_MAP_READ, 0);
			add_next(p, ST_MAP_DECIDE, 0);
			add_next(p, ST_LATCH, 0);
			add_next(p, ST_MAP_CLEAR_OLD, 0);
			add_next(p, ST_RELEASE, 0);
		}
		break;
	case H_UNMAP:
		if (opt->strict_map || op->status != PVIRQ_OK) {
			add_step(p, ST_ATOMIC, 0, 0);
		} else {
			add_next(p, ST_UNMAP, 0);
			add_next(p, ST_RELEASE, 0);
		}
		break;
	case H_CLEAR_PENDING:
		/* rvic.c: a trusted INTID is cleared, then RESAMPLEd (level
		 * semantics): the clear, the level read, the enabled read, the
		 * latch. */
		if (op->status != PVIRQ_OK || op->intid >= m->nr_trusted) {
			add_step(p, ST_ATOMIC, 0, 0);
			break;
		}
		add_next(p, ST_CLEAR, 0);
		add_next(p, ST_LEVEL_READ, 0);
		add_next(p, ST_DECIDE, 0);
		add_next(p, ST_LATCH, 0);
		break;
	case H_ENABLE:
		/* rvic.c: the enabled store, one read of the level words, a
		 * latch per high line in INTID order, then the scan (which
		 * changes no state). */
		if (op->status != PVIRQ_OK) {
			add_step(p, ST_ATOMIC, 0, 0);
			break;
		}
		add_next(p, ST_EN_STORE, 0);
		add_next(p, ST_EN_LEVELS, 0);
		for (unsigned k = 0; k < EN_LEVEL_LINES; k++)
			add_next(p, ST_EN_LATCH, (uint8_t)k);
		break;
	default: add_step(p, ST_ATOMIC, 0, 0); break;
	}
}

/* Deliverable in a class the IRQ line and ACKNOWLEDGE serve now: at or
 * above the floor, and not the NMI class on a VM with an NMI line. */
static bool counted(const struct model *m, uint32_t v, uint32_t i)
{
	return model_counted(m, v, i);
}

static bool word_idle(const struct model *m, uint32_t v, uint32_t w)
{
	for (uint32_t i = w * WORD_INTIDS; i < (w + 1) * WORD_INTIDS && i < m->nr_intids; i++)
		if (counted(m, v, i))
			return false;
	return true;
}

/* Word @w of @v holds no counted INTID of a class above @intid's. */
static bool word_no_higher(const struct model *m, uint32_t v, uint32_t w, uint32_t intid)
{
	if (v >= m->nr_vcpus || intid >= m->nr_intids)
		return false;
	for (uint32_t i = w * WORD_INTIDS; i < (w + 1) * WORD_INTIDS && i < m->nr_intids; i++)
		if (counted(m, v, i) && model_class_of(m, v, i) > model_class_of(m, v, intid))
			return false;
	return true;
}

/* The model's own function for @op, one atomic step. */
static bool step_atomic(struct model *m, const struct hist_op *op)
{
	bool b;
	int r;

	switch (op->kind) {
	case H_SIGNAL: r = model_signal(m, op->vcpu, op->intid); break;
	case H_CLEAR_PENDING: r = model_clear_pending(m, op->vcpu, op->intid); break;
	case H_SET_MASKED: r = model_set_masked(m, op->vcpu, op->intid); break;
	case H_CLEAR_MASKED: r = model_clear_masked(m, op->vcpu, op->intid); break;
	case H_IS_PENDING:
		b = op->vcpu < m->nr_vcpus && op->intid < m->nr_intids &&
		    m->vcpus[op->vcpu].pending[op->intid];
		return op->status == PVIRQ_OK && b == (op->out != 0);
	case H_ENABLE: r = model_enable(m, op->vcpu); break;
	case H_DISABLE: r = model_disable(m, op->vcpu); break;
	case H_MAP: r = model_map(m, op->input, op->vcpu, op->intid); break;
	case H_UNMAP: r = model_unmap(m, op->input); break;
	case H_INJECT: r = model_inject(m, op->input); break;
	case H_RESAMPLE: r = model_resample(m, op->vcpu, op->intid); break;
	case H_SET_LEVEL: r = model_set_level(m, op->vcpu, op->intid, op->level); break;
	case H_ACK: {
		uint32_t got = 0;

		r = model_acknowledge(m, op->vcpu, &got);
		return r == op->status && (r != PVIRQ_OK || got == op->out);
	}
	case H_LINE: return model_line(m, op->vcpu) == (op->out != 0);
	case H_SET_PRIORITY: r = model_set_priority(m, op->vcpu, op->intid, op->cls); break;
	case H_SET_PRIORITY_MASK: r = model_set_priority_mask(m, op->vcpu, op->cls); break;
	case H_RVID_SET_LEVEL: r = model_rvid_set_level(m, op->input, op->level); break;
	case H_RVID_RESAMPLE: r = model_rvid_resample(m, op->input); break;
	default: return false;
	}
	return r == op->status;
}

/*
 * A signal-like call's decision: the model's function runs with the target
 * bit cleared first, so that whether it latched is visible; the bit is put
 * back and the latch is left to ST_LATCH.
 */
static bool step_decide(struct model *m, const struct hist_op *op, struct scratch *sc)
{
	uint32_t v = op->vcpu, i = op->intid;
	bool saved_pending, saved_level = false;
	int r;

	if (op->kind == H_INJECT || op->kind == H_RVID_SET_LEVEL || op->kind == H_RVID_RESAMPLE) {
		/* A resample that read the level low injects nothing. */
		if (op->kind == H_RVID_RESAMPLE && !(sc->flags & SC_LEVEL))
			return op->status == PVIRQ_OK;
		if (op->input >= m->nr_inputs || !m->rvid[op->input].valid) {
			r = model_inject(m, op->input);
			/* RVID_RESAMPLE of an unmapped input: nothing, OK. */
			if (op->kind == H_RVID_RESAMPLE && r == PVIRQ_EUNMAPPED)
				r = PVIRQ_OK;
			return r == op->status;
		}
		v = m->rvid[op->input].vcpu;
		i = m->rvid[op->input].intid;
	}
	if (v >= m->nr_vcpus || i >= m->nr_intids)
		return step_atomic(m, op);
	saved_pending = m->vcpus[v].pending[i];
	m->vcpus[v].pending[i] = false;
	switch (op->kind) {
	case H_SIGNAL: r = model_signal(m, v, i); break;
	case H_INJECT:
	case H_RVID_SET_LEVEL:
	case H_RVID_RESAMPLE: r = model_inject(m, op->input); break;
	case H_SET_LEVEL: r = model_set_level(m, v, i, true); break;
	default: /* RESAMPLE, CLEAR_PENDING's resample: as if the level
		  * were what its read saw */
		saved_level = m->vcpus[v].level[i];
		m->vcpus[v].level[i] = (sc->flags & SC_LEVEL) != 0;
		r = model_resample(m, v, i);
		m->vcpus[v].level[i] = saved_level;
		/* CLEAR_PENDING returns OK whatever its resample found. */
		if (op->kind == H_CLEAR_PENDING)
			r = op->status;
		break;
	}
	if (m->vcpus[v].pending[i])
		sc->flags |= SC_LATCH;
	m->vcpus[v].pending[i] = saved_pending;
	sc->vcpu = (uint8_t)v;
	sc->intid = (uint8_t)i;
	return r == op->status;
}

/* Whether a MAP or UNMAP in progress still holds (vcpu, intid): it took
 * the target out of its entry but has not released its claim yet. */
static bool held_in_flight(const struct search *s, uint32_t vcpu, uint32_t intid)
{
	for (unsigned o = 0; o < s->h->nr_ops; o++)
		if ((s->sc[o].flags & SC_HOLD) && s->sc[o].old_vcpu == vcpu &&
		    s->sc[o].old_intid == intid)
			return true;
	return false;
}

/* MAP's claim and exchange (M0, M1): the model's MAP decides status and
 * entry, but moves nothing yet (the move is M2, ST_MAP_READ on). A target
 * still held by another MAP or UNMAP in progress is busy. */
static bool step_map_claim(struct search *s, struct model *m, const struct hist_op *op,
			   struct scratch *sc)
{
	struct model_rvid_entry old;
	bool old_pending = false, new_pending, same;

	if (op->input >= m->nr_inputs || op->vcpu >= m->nr_vcpus || op->intid >= m->nr_intids)
		return step_atomic(m, op);
	old = m->rvid[op->input];
	/* Re-MAP to its own target: no claim, nothing moves. */
	same = old.valid && old.vcpu == op->vcpu && old.intid == op->intid;
	if (!same && held_in_flight(s, op->vcpu, op->intid))
		return op->status == PVIRQ_EBUSY;
	if (old.valid)
		old_pending = m->vcpus[old.vcpu].pending[old.intid];
	new_pending = m->vcpus[op->vcpu].pending[op->intid];
	if (model_map(m, op->input, op->vcpu, op->intid) != op->status)
		return false;
	if (old.valid)
		m->vcpus[old.vcpu].pending[old.intid] = old_pending;
	m->vcpus[op->vcpu].pending[op->intid] = new_pending;
	if (old.valid && !same && op->status == PVIRQ_OK) {
		sc->flags |= SC_HOLD;
		sc->old_vcpu = (uint8_t)old.vcpu;
		sc->old_intid = (uint8_t)old.intid;
	}
	sc->vcpu = (uint8_t)op->vcpu;
	sc->intid = (uint8_t)op->intid;
	return true;
}

/* M2a: if the old target is pending now, the move goes ahead (nothing is
 * taken off the old target until the new one has latched, M2c). */
static void step_map_read(struct model *m, struct scratch *sc)
{
	if ((sc->flags & SC_HOLD) && m->vcpus[sc->old_vcpu].pending[sc->old_intid])
		sc->flags |= SC_LATCH;
}

/* Takes step @k of call @o. Returns false if the step contradicts what
 * the call returned. May mark further steps done (a call that ends
 * early). */
static bool take_step(struct search *s, struct model *m, unsigned o, unsigned k)
{
	const struct hist_op *op = &s->h->ops[o];
	const struct step *st = &s->plans[o].steps[k];
	struct scratch *sc = &s->sc[o];
	bool ok = true;

	s->done[o] |= (uint8_t)(1u << k);
	switch (st->kind) {
	case ST_ATOMIC: return step_atomic(m, op);
	case ST_ENABLED_IS:
		return op->vcpu < m->nr_vcpus && m->vcpus[op->vcpu].enabled == (st->arg != 0);
	case ST_DECIDE: ok = step_decide(m, op, sc); break;
	case ST_LATCH:
		if (!(sc->flags & SC_LATCH))
			return true;
		/* MAP to a disabled target latches nothing: the bit never left
		 * the old target. */
		if (op->kind != H_MAP || (sc->flags & SC_TO_NEW))
			m->vcpus[sc->vcpu].pending[sc->intid] = true;
		return true;
	case ST_LEVEL_UP:
		if (op->vcpu < m->nr_vcpus && op->intid < model_level_lines(m))
			m->vcpus[op->vcpu].level[op->intid] = true;
		return true;
	case ST_LEVEL_READ:
		if (op->vcpu < m->nr_vcpus && op->intid < model_level_lines(m) &&
		    m->vcpus[op->vcpu].level[op->intid])
			sc->flags |= SC_LEVEL;
		return true;
	case ST_ACK_TAKE:
		/* Deliverable, and in a class ACKNOWLEDGE serves (floor). */
		if (op->out >= m->nr_intids || !counted(m, op->vcpu, op->out))
			return false;
		m->vcpus[op->vcpu].pending[op->out] = false;
		m->vcpus[op->vcpu].masked[op->out] = true;
		return true;
	case ST_WORD_IDLE: return word_idle(m, op->vcpu, st->arg);
	case ST_NO_HIGHER: return word_no_higher(m, op->vcpu, st->arg, op->out);
	case ST_INPUT_LEVEL_UP:
		if (op->input < m->nr_inputs && m->rvid[op->input].level_trigger)
			m->rvid[op->input].high = true;
		return true;
	case ST_INPUT_LEVEL_READ:
		if (op->input < m->nr_inputs && m->rvid[op->input].level_trigger &&
		    m->rvid[op->input].high)
			sc->flags |= SC_LEVEL;
		return true;
	case ST_ALL_IDLE:
		for (uint32_t w = 0; w * WORD_INTIDS < m->nr_intids; w++)
			if (!word_idle(m, op->vcpu, w))
				return false;
		return true;
	case ST_SOME_DELIVERABLE:
		for (uint32_t w = 0; w * WORD_INTIDS < m->nr_intids; w++)
			if (!word_idle(m, op->vcpu, w))
				return true;
		return false;
	case ST_LINE_ENABLED:
		if (op->vcpu >= m->nr_vcpus || !m->vcpus[op->vcpu].enabled)
			s->done[o] = (uint8_t)((1u << s->plans[o].nr_steps) - 1);
		return true;
	case ST_MAP_CLAIM: return step_map_claim(s, m, op, sc);
	case ST_MAP_READ: step_map_read(m, sc); return true;
	case ST_MAP_CLEAR_OLD:
		if (sc->flags & SC_TO_NEW)
			m->vcpus[sc->old_vcpu].pending[sc->old_intid] = false;
		return true;
	case ST_MAP_DECIDE:
		if ((sc->flags & SC_LATCH) && m->vcpus[op->vcpu].enabled)
			sc->flags |= SC_TO_NEW;
		return true;
	case ST_RELEASE: sc->flags &= (uint8_t)~SC_HOLD; return true;
	case ST_UNMAP:
		if (op->input < m->nr_inputs && m->rvid[op->input].valid) {
			sc->flags |= SC_HOLD;
			sc->old_vcpu = (uint8_t)m->rvid[op->input].vcpu;
			sc->old_intid = (uint8_t)m->rvid[op->input].intid;
		}
		return model_unmap(m, op->input) == op->status;
	case ST_CLEAR: m->vcpus[op->vcpu].pending[op->intid] = false; return true;
	case ST_EN_STORE: {
		/* The model's ENABLE without its level latches (ST_EN_LATCH). */
		bool saved[EN_LEVEL_LINES];
		int r;

		if (op->vcpu >= m->nr_vcpus)
			return step_atomic(m, op);
		for (unsigned l = 0; l < EN_LEVEL_LINES; l++)
			saved[l] = m->vcpus[op->vcpu].pending[l];
		r = model_enable(m, op->vcpu);
		for (unsigned l = 0; l < EN_LEVEL_LINES; l++)
			m->vcpus[op->vcpu].pending[l] = saved[l];
		return r == op->status;
	}
	case ST_EN_LEVELS:
		for (unsigned l = 0; l < EN_LEVEL_LINES && l < model_level_lines(m); l++)
			if (m->vcpus[op->vcpu].level[l])
				sc->flags |= (uint8_t)(SC_EN_LEVEL0 << l);
		return true;
	case ST_EN_LATCH:
		if (sc->flags & (SC_EN_LEVEL0 << st->arg))
			m->vcpus[op->vcpu].pending[st->arg] = true;
		return true;
	default: return false;
	}
	/* ST_DECIDE: nothing to latch means the latch step is done too. */
	if (ok && !(sc->flags & SC_LATCH))
		for (unsigned j = 0; j < s->plans[o].nr_steps; j++)
			if (s->plans[o].steps[j].kind == ST_LATCH)
				s->done[o] |= (uint8_t)(1u << j);
	return ok;
}

static bool complete(const struct search *s, unsigned o)
{
	return s->done[o] == (uint8_t)((1u << s->plans[o].nr_steps) - 1);
}

/* --- visited set ---------------------------------------------------- */

static void put_bit(uint8_t *key, size_t *bit, bool b)
{
	if (b)
		key[*bit / 8] |= (uint8_t)(1u << (*bit % 8));
	(*bit)++;
}

/* The search state as bytes: progress, scratch, and every model field
 * except the acknowledge cursor (which INTID ACK returns is not checked:
 * docs/verification.md). */
static void make_key(const struct search *s, const struct model *m, uint8_t *key)
{
	size_t n = s->h->nr_ops, bit;

	memset(key, 0, s->key_len);
	memcpy(key, s->done, n);
	memcpy(key + n, s->sc, n * sizeof(struct scratch));
	bit = 8 * (n + n * sizeof(struct scratch));
	for (uint32_t v = 0; v < m->nr_vcpus; v++) {
		put_bit(key, &bit, m->vcpus[v].enabled);
		for (uint32_t i = 0; i < m->nr_intids; i++) {
			put_bit(key, &bit, m->vcpus[v].pending[i]);
			put_bit(key, &bit, m->vcpus[v].masked[i]);
		}
		for (uint32_t i = 0; i < model_level_lines(m); i++)
			put_bit(key, &bit, m->vcpus[v].level[i]);
		for (uint32_t i = 0; i < m->nr_intids; i++) {
			put_bit(key, &bit, m->vcpus[v].cls[i] & 1);
			put_bit(key, &bit, m->vcpus[v].cls[i] & 2);
		}
		put_bit(key, &bit, m->vcpus[v].floor & 1);
		put_bit(key, &bit, m->vcpus[v].floor & 2);
		put_bit(key, &bit, m->vcpus[v].uses_priority);
	}
	for (uint32_t i = 0; i < m->nr_inputs; i++) {
		const struct model_rvid_entry *e = &m->rvid[i];

		put_bit(key, &bit, e->valid);
		for (unsigned b = 0; b < 16; b++)
			put_bit(key, &bit, e->valid && ((e->vcpu >> b) & 1));
		for (unsigned b = 0; b < 16; b++)
			put_bit(key, &bit, e->valid && ((e->intid >> b) & 1));
		put_bit(key, &bit, e->level_trigger);
		put_bit(key, &bit, e->high);
	}
}

static size_t key_bytes(const struct history *h, const struct model *m)
{
	size_t bits = (size_t)m->nr_vcpus * (4 + 4 * m->nr_intids + model_level_lines(m)) +
		      (size_t)m->nr_inputs * 35;

	return h->nr_ops * (1 + sizeof(struct scratch)) + (bits + 7) / 8;
}

static uint64_t hash_key(const uint8_t *key, size_t len)
{
	uint64_t x = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		x = (x ^ key[i]) * 0x100000001b3ull;
	return x;
}

static void visited_grow(struct search *s);

/* Returns true if @key was already in the set; inserts it otherwise. */
static bool visited_test_and_add(struct search *s, const uint8_t *key)
{
	if (2 * (s->used + 1) > s->cap)
		visited_grow(s);
	for (size_t i = hash_key(key, s->key_len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->occupied[i]) {
			s->occupied[i] = 1;
			memcpy(s->keys + i * s->key_len, key, s->key_len);
			s->used++;
			return false;
		}
		if (!memcmp(s->keys + i * s->key_len, key, s->key_len))
			return true;
	}
}

static void visited_grow(struct search *s)
{
	size_t old_cap = s->cap;
	uint8_t *old_keys = s->keys, *old_occ = s->occupied;

	s->cap = old_cap ? 2 * old_cap : 1024;
	s->keys = malloc(s->cap * s->key_len);
	s->occupied = calloc(s->cap, 1);
	if (!s->keys || !s->occupied)
		abort();
	s->used = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old_occ[i])
			(void)visited_test_and_add(s, old_keys + i * s->key_len);
	free(old_keys);
	free(old_occ);
}

/* --- models on the stack ---------------------------------------------- */

static void model_alloc_like(struct model *dst, const struct model *src)
{
	*dst = *src;
	dst->vcpus = calloc(src->nr_vcpus, sizeof(*dst->vcpus));
	dst->rvid = calloc(src->nr_inputs + 1, sizeof(*dst->rvid));
	if (!dst->vcpus || !dst->rvid)
		abort();
}

/* Copies every field of @src into @dst (same shape). cpu_ids is shared:
 * nothing here changes it. */
static void model_copy(struct model *dst, const struct model *src)
{
	struct model_vcpu *vcpus = dst->vcpus;
	struct model_rvid_entry *rvid = dst->rvid;

	*dst = *src;
	dst->vcpus = vcpus;
	dst->rvid = rvid;
	memcpy(vcpus, src->vcpus, src->nr_vcpus * sizeof(*vcpus));
	memcpy(rvid, src->rvid, (src->nr_inputs + 1) * sizeof(*rvid));
}

/* --- depth-first search ------------------------------------------------ */

static bool search_from(struct search *s, unsigned depth)
{
	const struct history *h = s->h;
	struct model *m = &s->stack[depth];
	uint64_t horizon = UINT64_MAX;
	bool all_done = true;

	if (++s->nodes > s->budget) {
		s->gave_up = true;
		return false;
	}
	/* A call may move only if it was invoked before every incomplete
	 * call returned. */
	for (unsigned o = 0; o < h->nr_ops; o++) {
		if (complete(s, o))
			continue;
		all_done = false;
		if (h->ops[o].returned < horizon)
			horizon = h->ops[o].returned;
	}
	if (all_done)
		return !s->final_vm || !model_compare(m, s->final_vm);
	make_key(s, m, s->key);
	if (visited_test_and_add(s, s->key))
		return false;
	for (unsigned o = 0; o < h->nr_ops; o++) {
		if (complete(s, o) || h->ops[o].invoked > horizon)
			continue;
		for (unsigned k = 0; k < s->plans[o].nr_steps; k++) {
			const struct step *st = &s->plans[o].steps[k];
			uint8_t done_before = s->done[o];
			struct scratch sc_before = s->sc[o];
			struct model *next = &s->stack[depth + 1];

			if ((done_before >> k) & 1 || (done_before & st->after) != st->after)
				continue;
			model_copy(next, m);
			if (take_step(s, next, o, k) && search_from(s, depth + 1))
				return true;
			s->done[o] = done_before;
			s->sc[o] = sc_before;
			if (s->gave_up)
				return false;
		}
	}
	return false;
}

enum lin_verdict lin_check(const struct model *initial, const struct history *h,
			   struct pvirq_vm *final_vm, const struct lin_options *opt,
			   unsigned long *nodes)
{
	struct search s = {.h = h, .opt = opt, .final_vm = final_vm, .budget = 20000000ul};
	enum lin_verdict verdict;
	bool found;

	s.depth_max = 1;
	for (unsigned o = 0; o < h->nr_ops; o++) {
		make_plan(initial, &h->ops[o], opt, &s.plans[o]);
		s.depth_max += s.plans[o].nr_steps;
	}
	s.stack = calloc(s.depth_max + 1, sizeof(*s.stack));
	if (!s.stack)
		abort();
	for (unsigned d = 0; d <= s.depth_max; d++)
		model_alloc_like(&s.stack[d], initial);
	model_copy(&s.stack[0], initial);
	s.key_len = key_bytes(h, initial);
	s.key = malloc(s.key_len);
	if (!s.key)
		abort();
	found = search_from(&s, 0);
	verdict = found ? LIN_OK : s.gave_up ? LIN_GAVE_UP : LIN_VIOLATION;
	if (nodes)
		*nodes = s.nodes;
	for (unsigned d = 0; d <= s.depth_max; d++) {
		free(s.stack[d].vcpus);
		free(s.stack[d].rvid);
	}
	free(s.stack);
	free(s.keys);
	free(s.occupied);
	free(s.key);
	return verdict;
}

static int by_invocation(const void *a, const void *b)
{
	const struct hist_op *x = a, *y = b;

	return x->invoked < y->invoked ? -1 : x->invoked > y->invoked;
}

void hist_print(const struct history *h)
{
	struct history sorted = *h;

	qsort(sorted.ops, sorted.nr_ops, sizeof(sorted.ops[0]), by_invocation);
	for (unsigned o = 0; o < sorted.nr_ops; o++) {
		const struct hist_op *op = &sorted.ops[o];

		fprintf(stderr, "  [%4llu,%4llu] T%u %-13s", (unsigned long long)op->invoked,
			(unsigned long long)op->returned, op->thread, hist_kind_name(op->kind));
		switch (op->kind) {
		case H_MAP:
			fprintf(stderr, " input %u -> (%u, %u)", op->input, op->vcpu, op->intid);
			break;
		case H_UNMAP:
		case H_RVID_RESAMPLE:
		case H_INJECT: fprintf(stderr, " input %u", op->input); break;
		case H_RVID_SET_LEVEL:
			fprintf(stderr, " input %u level %d", op->input, op->level);
			break;
		case H_ACK:
		case H_ENABLE:
		case H_DISABLE:
		case H_LINE: fprintf(stderr, " vcpu %u", op->vcpu); break;
		case H_SET_LEVEL:
			fprintf(stderr, " (%u, %u) level %d", op->vcpu, op->intid, op->level);
			break;
		case H_SET_PRIORITY:
			fprintf(stderr, " (%u, %u) class %u", op->vcpu, op->intid, op->cls);
			break;
		case H_SET_PRIORITY_MASK:
			fprintf(stderr, " vcpu %u floor %u", op->vcpu, op->cls);
			break;
		default: fprintf(stderr, " (%u, %u)", op->vcpu, op->intid); break;
		}
		fprintf(stderr, " -> %s", pvirq_strerror(op->status));
		if (op->kind == H_ACK && op->status == PVIRQ_OK)
			fprintf(stderr, " intid %u", op->out);
		if (op->kind == H_IS_PENDING || op->kind == H_LINE)
			fprintf(stderr, " %s", op->out ? "true" : "false");
		fputc('\n', stderr);
	}
}
