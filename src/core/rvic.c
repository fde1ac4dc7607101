/* SPDX-License-Identifier: MIT */
/*
 * rVIC instances: the per-vCPU pending/masked state, acknowledge, resample,
 * and the vCPU's line with its notification protocol.
 *
 * Correctness argument
 * --------------------
 * State. INTID n of vCPU c is two bits of one atomic word (layout.h), so
 * signal (fetch_or P), clear-pending (fetch_and ~P), mask (fetch_or M),
 * unmask (fetch_and ~M) and acknowledge (CAS P!M -> !PM) are each one
 * atomic read-modify-write of that word: linearizable, and no update of
 * one bit can overwrite a concurrent update of the other.
 *
 * Summary. Invariant S: if state word i holds a deliverable INTID, then
 * summary bit i is set, or the operation that made the word deliverable
 * has not yet executed its summary fetch_or (and notification step). Every
 * op that makes an INTID deliverable (signal of an unmasked INTID, unmask
 * of a pending one) does, in order: word RMW; summary fetch_or; read
 * enabled; raise. The lazy clearer does: summary fetch_and; re-read word;
 * fetch_or back if it is deliverable. If the setter's fetch_or comes
 * after the clearer's fetch_and the bit survives; otherwise the setter's
 * word RMW precedes the clearer's re-read, which therefore sees the
 * deliverable INTID and restores the bit. Either way S holds.
 *
 * No lost wake-up. Setter: (a) word RMW + summary or, then (b) exchange
 * notified 1, notify if it was 0. vCPU: (c) exchange notified 0, then (d)
 * read summary and words. Both pairs are seq_cst, so they are totally
 * ordered (the store-buffering pattern; acquire/release would NOT suffice,
 * as in Xen's set-pending/read-mask vs clear-mask/read-pending): if (d)
 * reads before (a) then (c) precedes (b), so (b) reads 0 and notifies;
 * otherwise (d) sees the INTID and the line is high. Enable vs. an unmask
 * on a disabled instance is the same pattern: enable stores enabled=1 then
 * scans; the setter updates the word then reads enabled.
 *
 * What is NOT one atomic step: the line query and acknowledge's search
 * read several words one after another; they are exact for each word at
 * the moment it is read (the returned INTID is validated by the CAS). A
 * signal concurrent with DISABLE may latch its bit after the disable (it is
 * ordered before it; the disabled instance's line stays low).
 */
#include "layout.h"

/* Between the steps of a lazy summary clear: nothing, except in
 * tests/core/test_rvic_steps.c, which compiles this file with a hook that
 * runs other operations there. */
#ifndef PVIRQ_RVIC_BETWEEN_STEPS
#define PVIRQ_RVIC_BETWEEN_STEPS(where) ((void)0)
#endif

/* --- internal helpers ------------------------------------------------ */

/*
 * One operation's view of an instance: where its words are, and which
 * lanes its line counts. Loaded once per operation; a concurrent class or
 * floor change is ordered before or after the operation as a whole (both
 * re-evaluate the line themselves, see pvirq__reevaluate()).
 */
struct view {
	struct pvirq_vcpu *v;
	_Atomic uint64_t *inst; /* state words, class words, floor */
	uint32_t n;		/* number of state words */
	bool classes;		/* a priority call was made: read class words */
	bool nmi_line;		/* class 3 goes to the NMI edge, not the line */
	uint32_t floor;		/* classes below it are held off */
};

/* Which INTIDs an operation looks for. */
enum wanted {
	WANT_IRQ, /* the IRQ line and ACKNOWLEDGE: classes [floor, top] */
	WANT_NMI, /* the NMI edge and ACKNOWLEDGE_NMI: class 3 */
};

static void view_of(const struct pvirq_vm *vm, struct pvirq_vcpu *v, struct view *s)
{
	s->v = v;
	s->inst = pvirq_inst(v);
	s->n = vm->nr_state_words;
	s->nmi_line = vm->nmi_line;
	/* seq_cst: ordered after the uses_priority store of a priority call
	 * that this operation must honour (store-buffering with its
	 * re-evaluation, which reads the state words after its store). */
	s->classes = atomic_load_explicit(&v->uses_priority, memory_order_seq_cst);
	/* The floor word may be the guest's: only its low 2 bits mean
	 * anything. seq_cst: against SET_PRIORITY_MASK's exchange. */
	s->floor = s->classes
			   ? (uint32_t)atomic_load_explicit(&s->inst[PVIRQ_SHARED_FLOOR_WORD(s->n)],
							    memory_order_seq_cst) &
				     3u
			   : 0;
}

static uint64_t class_word(const struct view *s, uint32_t word)
{
	/* seq_cst: a class change is a store-buffering partner of the
	 * state-word RMWs (it reads the state word after changing the class). */
	return atomic_load_explicit(&s->inst[PVIRQ_SHARED_CLASS_WORD(s->n, word)],
				    memory_order_seq_cst);
}

/* The pending lanes of a word with class word @cw that @want looks for
 * (on an instance that uses classes). */
static uint64_t lanes_of_class_word(const struct view *s, uint64_t cw, enum wanted want)
{
	uint64_t lanes;

	if (want == WANT_NMI)
		return s->nmi_line ? pvirq_class_exactly(cw, PVIRQ_PRIORITY_NMI) : 0;
	lanes = pvirq_class_at_least(cw, s->floor);
	if (s->nmi_line)
		lanes &= ~pvirq_class_exactly(cw, PVIRQ_PRIORITY_NMI);
	return lanes;
}

/* The pending lanes of state word @word that @want looks for. */
static uint64_t wanted_lanes(const struct view *s, uint32_t word, enum wanted want)
{
	if (!s->classes)
		return want == WANT_IRQ ? PVIRQ_PENDING_LANES : 0;
	return lanes_of_class_word(s, class_word(s, word), want);
}

static uint64_t load_state(const struct view *s, uint32_t word)
{
	/* seq_cst: every state access is one total order (see the top). */
	return atomic_load_explicit(&s->inst[pvirq_nospec(word, s->n)], memory_order_seq_cst);
}

/* Test-and-set of the posted-interrupt style "notified" flag: only the
 * 0 -> 1 transition notifies, so bursts coalesce into one call.
 * seq_cst: pairs with the exchange in pvirq_vcpu_rearm() (see above). */
static void raise_line(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_vcpu *v)
{
	/* Test before test-and-set: a seq_cst load that reads 1 takes the
	 * place in the total order of an exchange that would have read 1 and
	 * written 1 over it, so skipping the exchange changes no value and no
	 * outcome (in particular the rearm exchange that clears the flag is
	 * still ordered after this load). It keeps a burst of signals from
	 * bouncing this line between the signallers' cores. */
	if (atomic_load_explicit(&v->notified, memory_order_seq_cst))
		return;
	if (atomic_exchange_explicit(&v->notified, 1, memory_order_seq_cst) == 0 && vm->notify)
		vm->notify(vm->notify_ctx, vcpu);
}

/* The NMI edge: the same test-and-set on its own flag, so an NMI is
 * notified even while the IRQ line's flag is set (a vCPU running with
 * interrupts disabled never rearms). seq_cst: pairs with
 * pvirq_vcpu_take_nmi()'s exchange. */
static void raise_nmi(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_vcpu *v)
{
	if (atomic_load_explicit(&v->nmi_edge, memory_order_seq_cst))
		return;
	if (atomic_exchange_explicit(&v->nmi_edge, 1, memory_order_seq_cst) == 0 && vm->notify)
		vm->notify(vm->notify_ctx, vcpu);
}

/* INTID @intid of word @word of @v just became deliverable: publish the
 * word in the summary, then, if the instance is enabled, raise the line
 * that INTID's class goes to. seq_cst throughout: the summary fetch_or
 * must precede the enabled load and the notified exchange in the total
 * order (store-buffering against enable and rearm), and the class and
 * floor loads follow the state RMW (store-buffering against a class or
 * floor change, which re-evaluates after its own store). */
static void publish_deliverable(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_vcpu *v,
				uint32_t word, uint32_t intid)
{
	uint64_t bit = 1ull << word;

	/* Skip the fetch_or when a seq_cst load already sees the bit: a clear
	 * ordered after this load is followed by its re-read of the word,
	 * which comes after our word RMW and restores the bit (invariant S
	 * holds as with the fetch_or, which would have changed nothing). */
	if (!(atomic_load_explicit(&v->summary, memory_order_seq_cst) & bit))
		atomic_fetch_or_explicit(&v->summary, bit, memory_order_seq_cst);
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return;
	if (atomic_load_explicit(&v->uses_priority, memory_order_seq_cst)) {
		struct view s;
		uint64_t lane = pvirq_pending_bit(intid);

		uint64_t cw;

		view_of(vm, v, &s);
		cw = class_word(&s, word); /* one load for both lines */
		if (lanes_of_class_word(&s, cw, WANT_NMI) & lane) {
			raise_nmi(vm, vcpu, v);
			return;
		}
		/* Held off by the floor: SET_PRIORITY_MASK lowering it will
		 * raise the line (it scans after its store). */
		if (!(lanes_of_class_word(&s, cw, WANT_IRQ) & lane))
			return;
	}
	raise_line(vm, vcpu, v);
}

/* Clears a summary bit whose word looked idle, then re-checks the word.
 * Returns the word's deliverable lanes if it is deliverable after all (a
 * concurrent setter got in between; the bit is restored), else 0. */
static uint64_t summary_clear_lazily(const struct view *s, uint32_t word)
{
	uint64_t bit = 1ull << word, d;

	PVIRQ_RVIC_BETWEEN_STEPS(summary_before_clear);
	atomic_fetch_and_explicit(&s->v->summary, ~bit, memory_order_seq_cst);
	PVIRQ_RVIC_BETWEEN_STEPS(summary_after_clear);
	d = pvirq_deliverable_lanes(load_state(s, word));
	if (d)
		atomic_fetch_or_explicit(&s->v->summary, bit, memory_order_seq_cst);
	return d;
}

/*
 * Confirms a negative answer of the summary search: reads every state word
 * once, restores the summary bit of each deliverable one (the lazy clearer
 * of another thread may have cleared it for a moment, see
 * summary_clear_lazily()) and returns true if one holds an INTID @want
 * looks for. Bounded by the 64 state words: wait-free. This is what makes
 * "nothing deliverable" exact per INTID: an INTID deliverable throughout
 * the caller's operation is seen here.
 */
static bool summary_repair(const struct view *s, enum wanted want)
{
	for (uint32_t word = 0; word < s->n; word++) {
		uint64_t d = pvirq_deliverable_lanes(load_state(s, word));

		if (!d)
			continue;
		if (!(atomic_load_explicit(&s->v->summary, memory_order_seq_cst) & (1ull << word)))
			atomic_fetch_or_explicit(&s->v->summary, 1ull << word,
						 memory_order_seq_cst);
		if (d & wanted_lanes(s, word, want))
			return true;
	}
	return false;
}

/* Whether any INTID @want looks for is deliverable (ignores enabled). The
 * summary answers a positive quickly; a negative is confirmed word by word. */
static bool any_wanted(const struct view *s, enum wanted want)
{
	uint64_t sum = atomic_load_explicit(&s->v->summary, memory_order_seq_cst);

	while (sum) {
		uint32_t word = pvirq_ctz64(sum);
		uint64_t d = pvirq_deliverable_lanes(load_state(s, word));

		sum &= sum - 1;
		if (!d)
			d = summary_clear_lazily(s, word);
		if (d & wanted_lanes(s, word, want))
			return true;
	}
	return summary_repair(s, want);
}

void pvirq__reevaluate(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, vcpu);
	struct view s;

	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return;
	view_of(vm, v, &s);
	if (any_wanted(&s, WANT_IRQ))
		raise_line(vm, vcpu, v);
	if (s.nmi_line && s.classes && any_wanted(&s, WANT_NMI))
		raise_nmi(vm, vcpu, v);
}

void pvirq__latch_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, vcpu);
	uint32_t word = pvirq_word_of(intid);
	uint64_t old;

	/* seq_cst: the first half of the store-buffering pairs above. */
	old = atomic_fetch_or_explicit(&pvirq_inst(v)[word], pvirq_pending_bit(intid),
				       memory_order_seq_cst);
	/* Only the op that makes the INTID deliverable publishes it; if it
	 * was already pending && !masked, that op did (or is about to). */
	if (!(old & (pvirq_pending_bit(intid) | pvirq_masked_bit(intid))))
		publish_deliverable(vm, vcpu, v, word, intid);
}

int pvirq__signal(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, vcpu);

	/* seq_cst: a signal ordered after DISABLE in the total order drops. */
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return PVIRQ_EDISABLED;
	pvirq__latch_pending(vm, vcpu, intid);
	return PVIRQ_OK;
}

static int check_intid(const struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= vm->nr_intids)
		return PVIRQ_EINTID;
	return PVIRQ_OK;
}

static int check_trusted(const struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= vm->nr_trusted)
		return PVIRQ_EINTID;
	return PVIRQ_OK;
}

/* A trusted INTID that has a software level line (PVIRQ_MAX_LEVEL_LINES). */
static int check_level_line(const struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= vm->nr_level_lines)
		return PVIRQ_EINTID;
	return PVIRQ_OK;
}

static _Atomic uint64_t *state_word(const struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	intid = pvirq_nospec(intid, vm->nr_intids);
	return &pvirq_inst(pvirq_vcpu_at(vm, vcpu))[pvirq_word_of(intid)];
}

static _Atomic uint64_t *level_word(const struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	intid = pvirq_nospec(intid, vm->nr_level_lines);
	return &pvirq_level_words(vm, pvirq_vcpu_at(vm, vcpu))[intid / 64u];
}

static bool line_is_high(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	/* seq_cst: a level raised before this RESAMPLE in the total order is seen. */
	if (intid < vm->nr_level_lines &&
	    (atomic_load_explicit(level_word(vm, vcpu, intid), memory_order_seq_cst) &
	     (1ull << (intid % 64u))))
		return true;
	return vm->line_level && vm->line_level(vm->line_level_ctx, vcpu, intid);
}

/* Pends @intid for repend_high_lines(): as a SIGNAL (dropped while the
 * instance is disabled) when @as_signal, else unconditionally. */
static void repend(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool as_signal)
{
	if (as_signal)
		(void)pvirq__signal(vm, vcpu, intid);
	else
		pvirq__latch_pending(vm, vcpu, intid);
}

/*
 * Level semantics: an INTID whose line is high behaves as if its source
 * re-asserted it whenever the guest could otherwise lose it. ENABLE pends
 * every such INTID (a line raised while the instance was disabled, or
 * still high across a CPU's offline/online cycle, is not forgotten), and
 * so does RESET, as a SIGNAL would (@as_signal). That covers the trusted
 * lines and the high level rVID inputs mapped to this vCPU. Bounded by T
 * callback calls, the level words and the U untrusted INTIDs: wait-free.
 */
static void repend_high_lines(struct pvirq_vm *vm, uint32_t vcpu, bool as_signal)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, vcpu);
	_Atomic uint64_t *level = pvirq_level_words(vm, v);

	/* seq_cst loads after the enable store: the other half of the
	 * store-buffering pair with pvirq_rvic_set_level() (level store, then
	 * enabled load), so a concurrent raise is pended by one side. */
	for (uint32_t i = 0; i < vm->nr_level_words; i++) {
		uint64_t high = atomic_load_explicit(&level[i], memory_order_seq_cst);

		while (high) {
			repend(vm, vcpu, i * 64u + pvirq_ctz64(high), as_signal);
			high &= high - 1;
		}
	}
	pvirq__rvid_repend_levels(vm, vcpu, as_signal);
	if (!vm->line_level)
		return;
	for (uint32_t intid = 0; intid < vm->nr_trusted; intid++)
		if (vm->line_level(vm->line_level_ctx, vcpu, intid))
			repend(vm, vcpu, intid, as_signal);
}

/* --- enable / disable ------------------------------------------------ */

int pvirq_rvic_enable(struct pvirq_vm *vm, uint32_t vcpu)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	/* seq_cst store then scan: pairs with publish_deliverable()'s
	 * word-RMW-then-read-enabled, so a concurrent unmask is never missed
	 * by both. Rescanning here is what makes ENABLE take effect at once. */
	atomic_store_explicit(&pvirq_vcpu_at(vm, vcpu)->enabled, 1, memory_order_seq_cst);
	repend_high_lines(vm, vcpu, false);
	pvirq__reevaluate(vm, vcpu);
	return PVIRQ_OK;
}

int pvirq_rvic_disable(struct pvirq_vm *vm, uint32_t vcpu)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	/* seq_cst: signals ordered after this in the total order are dropped. */
	atomic_store_explicit(&pvirq_vcpu_at(vm, vcpu)->enabled, 0, memory_order_seq_cst);
	return PVIRQ_OK;
}

int pvirq_rvic_is_enabled(struct pvirq_vm *vm, uint32_t vcpu, bool *enabled)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	*enabled = atomic_load_explicit(&pvirq_vcpu_at(vm, vcpu)->enabled, memory_order_seq_cst);
	return PVIRQ_OK;
}

/* --- per-INTID bits -------------------------------------------------- */

int pvirq_rvic_set_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check_intid(vm, vcpu, intid);

	if (err)
		return err;
	/* seq_cst like every state change (one total order for the model);
	 * masking never raises a line, so the summary bit is left to be
	 * cleared lazily. */
	atomic_fetch_or_explicit(state_word(vm, vcpu, intid), pvirq_masked_bit(intid),
				 memory_order_seq_cst);
	return PVIRQ_OK;
}

int pvirq_rvic_clear_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check_intid(vm, vcpu, intid);
	struct pvirq_vcpu *v;
	_Atomic uint64_t *inst;
	uint64_t old;

	if (err)
		return err;
	intid = pvirq_nospec(intid, vm->nr_intids);
	v = pvirq_vcpu_at(vm, vcpu);
	inst = pvirq_inst(v);
	/* seq_cst: the unmask side of the store-buffering pairs. */
	old = atomic_fetch_and_explicit(&inst[pvirq_word_of(intid)], ~pvirq_masked_bit(intid),
					memory_order_seq_cst);
	/* Publish when this unmask made the INTID deliverable; with a shared
	 * page also when it was unmasked already: the guest unmasks in
	 * memory, and this call is how it asks the host to re-evaluate an
	 * INTID its unmask found pending (publishing twice is harmless: the
	 * summary bit is idempotent and the line coalesces). */
	if ((old & pvirq_pending_bit(intid)) &&
	    ((old & pvirq_masked_bit(intid)) || pvirq_is_shared(v, inst)))
		publish_deliverable(vm, vcpu, v, pvirq_word_of(intid), intid);
	return PVIRQ_OK;
}

int pvirq_rvic_is_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool *masked)
{
	int err = check_intid(vm, vcpu, intid);

	if (err)
		return err;
	*masked = atomic_load_explicit(state_word(vm, vcpu, intid), memory_order_seq_cst) &
		  pvirq_masked_bit(intid);
	return PVIRQ_OK;
}

int pvirq_rvic_is_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool *pending)
{
	int err = check_intid(vm, vcpu, intid);

	if (err)
		return err;
	*pending = atomic_load_explicit(state_word(vm, vcpu, intid), memory_order_seq_cst) &
		   pvirq_pending_bit(intid);
	return PVIRQ_OK;
}

int pvirq_rvic_signal(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check_intid(vm, vcpu, intid);

	return err ? err : pvirq__signal(vm, vcpu, pvirq_nospec(intid, vm->nr_intids));
}

int pvirq_rvic_clear_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check_intid(vm, vcpu, intid);

	if (err)
		return err;
	/* seq_cst: also the test-and-clear of a retarget reads this word. */
	atomic_fetch_and_explicit(state_word(vm, vcpu, intid), ~pvirq_pending_bit(intid),
				  memory_order_seq_cst);
	/* Level semantics: clearing a level INTID whose line is still high is
	 * a CLEAR_PENDING followed by a RESAMPLE (two steps; a reader in
	 * between may see it not pending). The seq_cst level load comes after
	 * the clear, so a concurrent raise is either seen here or signals
	 * after the clear itself. */
	intid = pvirq_nospec(intid, vm->nr_intids);
	if (intid < vm->nr_trusted && line_is_high(vm, vcpu, intid))
		pvirq__signal(vm, vcpu, intid);
	return PVIRQ_OK;
}

/*
 * RVIC_RESET (ABI 0.4): what SET_MASKED then CLEAR_PENDING of every INTID
 * of the caller's instance would do, in one call, and every INTID back in
 * class 0 with the floor at 0 (so a kernel started by kexec finds the
 * priorities of the 0.3 interface). Not one atomic step: each state word
 * changes in one exchange (its 32 INTIDs masked and not pending at one
 * instant), word after word, and then every INTID whose line is still high
 * (trusted lines, level rVID inputs) re-pends, exactly as CLEAR_PENDING's
 * level rule (dropped while the instance is disabled; ENABLE pends it
 * later). `enabled`, the acknowledge cursors and a shared page are left
 * alone. O(T + U / 32).
 */
int pvirq__rvic_reset_own(struct pvirq_vm *vm, uint32_t vcpu)
{
	_Atomic uint64_t *inst;
	uint32_t n = vm->nr_state_words;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	inst = pvirq_inst(pvirq_vcpu_at(vm, vcpu));
	/* seq_cst like every state change. Masking raises no line, so the
	 * summary bits are left to be cleared lazily; class 0 and floor 0
	 * hold nothing off that was not held off before, except what the
	 * masking just hid. */
	for (uint32_t w = 0; w < n; w++)
		atomic_exchange_explicit(&inst[w], PVIRQ_MASKED_LANES, memory_order_seq_cst);
	for (uint32_t w = 0; w < n; w++)
		atomic_store_explicit(&inst[PVIRQ_SHARED_CLASS_WORD(n, w)], 0,
				      memory_order_seq_cst);
	atomic_store_explicit(&inst[PVIRQ_SHARED_FLOOR_WORD(n)], 0, memory_order_seq_cst);
	repend_high_lines(vm, vcpu, true);
	return PVIRQ_OK;
}

/* --- acknowledge ----------------------------------------------------- */

/* The lanes of @word of class @cls (or every lane, for cls < 0). */
static uint64_t class_lanes(const struct view *s, uint32_t word, int32_t cls)
{
	return cls < 0 ? ~0ull : pvirq_class_exactly(class_word(s, word), (uint32_t)cls);
}

/* Lowest deliverable lane of @word within @lanes and class @cls, as an
 * INTID; or -1. If the whole word is idle its summary bit is cleared
 * lazily; *changed is set when that re-check found a concurrent change
 * (search again). */
static int32_t first_in_word(const struct view *s, uint32_t word, uint64_t lanes, int32_t cls,
			     uint64_t *seen, bool *changed)
{
	uint64_t w = load_state(s, word);
	uint64_t d = pvirq_deliverable_lanes(w);

	*seen = w;
	lanes &= d ? class_lanes(s, word, cls) : 0;
	if (d & lanes)
		return (int32_t)(word * PVIRQ_INTIDS_PER_WORD + pvirq_ctz64(d & lanes) / 2u);
	if (!d && summary_clear_lazily(s, word))
		*changed = true;
	return -1;
}

/* First deliverable INTID of class @cls in the words named by the bit set @words. */
static int32_t first_in_words(const struct view *s, uint64_t words, int32_t cls, uint64_t *seen,
			      bool *changed)
{
	while (words) {
		uint32_t word = pvirq_ctz64(words);
		int32_t found = first_in_word(s, word, ~0ull, cls, seen, changed);

		if (found >= 0 || *changed)
			return found;
		words &= words - 1;
	}
	return -1;
}

/*
 * Finds the first deliverable INTID of class @cls (any class: cls < 0) at
 * or after @cursor in cyclic order: the cursor's word from its lane up,
 * the later words, the earlier words, then the cursor's word below its
 * lane. Each step is a find-first-set on the summary or on one word, so
 * the cost does not grow with the INTID count.
 */
static int32_t find_deliverable(const struct view *s, uint32_t cursor, int32_t cls, uint64_t *seen,
				bool *changed)
{
	uint32_t cw = pvirq_word_of(cursor);
	uint64_t cw_bit = 1ull << cw;
	uint64_t lanes_from = ~0ull << (2u * (cursor % PVIRQ_INTIDS_PER_WORD));
	uint64_t sum = atomic_load_explicit(&s->v->summary, memory_order_seq_cst);
	int32_t found;

	if (sum & cw_bit) {
		found = first_in_word(s, cw, lanes_from, cls, seen, changed);
		if (found >= 0 || *changed)
			return found;
	}
	/* Words above cw (2 << 63 wraps to 0, which is what we want). */
	found = first_in_words(s, sum & ~((2ull << cw) - 1), cls, seen, changed);
	if (found >= 0 || *changed)
		return found;
	found = first_in_words(s, sum & (cw_bit - 1), cls, seen, changed);
	if (found >= 0 || *changed)
		return found;
	if ((sum & cw_bit) && ~lanes_from)
		return first_in_word(s, cw, ~lanes_from, cls, seen, changed);
	return -1;
}

/*
 * The highest class with a deliverable INTID that @want looks for, or -1.
 * Reads every state word once, not only those the summary names: another
 * thread's lazy clear (a line query, the x86 notify path's rearm) can hide
 * a word from the summary for a moment, and a class found through the
 * summary alone could then be lower than one deliverable throughout the
 * call (the Spin model priority.pml -DREMOTE_SCAN found it). So "highest
 * class" is exact per INTID, like a negative answer. Only instances that
 * use priorities come here: n loads, at most 64, plus a class word for
 * each word with something deliverable.
 */
static int32_t best_class(const struct view *s, enum wanted want)
{
	/* The highest class @want can return: nothing can beat it, so the
	 * scan stops there (the timer or IPI class is usually found at once). */
	const int32_t ceiling = want == WANT_IRQ && s->nmi_line ? 2 : 3;
	int32_t best = -1;

	/* Only ACKNOWLEDGE_NMI comes here on an instance without priority
	 * calls: it has no NMI-class INTID then (wanted_lanes()'s rule). */
	if (!s->classes)
		return -1;

	for (uint32_t word = 0; word < s->n && best < ceiling; word++) {
		uint64_t d = pvirq_deliverable_lanes(load_state(s, word)), cw;
		int32_t top;

		if (!d)
			continue;
		cw = class_word(s, word); /* one load for the filter and the top */
		d &= lanes_of_class_word(s, cw, want);
		if (!d)
			continue;
		top = (int32_t)pvirq_class_top(cw, d);
		best = top > best ? top : best;
	}
	return best;
}

/*
 * ACKNOWLEDGE and ACKNOWLEDGE_NMI. Without priority calls (the common
 * case) one round-robin search over every class, as before classes
 * existed. With them: the highest class that holds a deliverable INTID
 * the caller looks for, then a round-robin search inside that class from
 * its own cursor. A class or floor change racing with the search is
 * ordered before or after it; the CAS on the state word decides.
 */
static int acknowledge(struct pvirq_vm *vm, uint32_t vcpu, enum wanted want, uint32_t *intid)
{
	struct pvirq_vcpu *v;
	struct view s;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return PVIRQ_EDISABLED;
	for (uint32_t attempt = 0;; attempt++) {
		bool changed = false;
		uint64_t seen = 0, next;
		int32_t found, cls = -1;
		uint32_t cursor;

		view_of(vm, v, &s);
		/* A shared page can be rewritten by the guest between our
		 * reads forever: bound the retries (PVIRQ_SHARED_RETRIES). The
		 * host's own memory changes only by operations that complete,
		 * so there every retry is someone else's progress. */
		if (attempt >= PVIRQ_SHARED_RETRIES && pvirq_is_shared(v, s.inst))
			return PVIRQ_ENOINTR;
		if (s.classes || want == WANT_NMI) {
			cls = best_class(&s, want);
			if (cls < 0) {
				if (summary_repair(&s, want))
					continue;
				return PVIRQ_ENOINTR;
			}
		}
		/* Relaxed: the cursor only chooses where to start; any value in
		 * range gives a correct (if differently ordered) answer. The
		 * cursor is always stored in range; reduce it only if it is
		 * not (a division on every acknowledge cost more than the rest
		 * of the search, see bench/README.md). */
		cursor = atomic_load_explicit(&v->ack_cursor[cls < 0 ? 0 : cls & 3],
					      memory_order_relaxed);
		if (cursor >= vm->nr_intids)
			cursor %= vm->nr_intids;
		found = find_deliverable(&s, cursor, cls, &seen, &changed);
		if (changed)
			continue; /* a concurrent op made progress: search again */
		if (found < 0) {
			/* Confirm word by word before reporting nothing: a
			 * concurrent lazy clear may hide a deliverable word
			 * from the summary for a moment (and with classes, the
			 * class seen may have been emptied meanwhile). */
			if (summary_repair(&s, want))
				continue;
			return PVIRQ_ENOINTR;
		}
		/* The indivisible step: pending && !masked -> masked && !pending.
		 * It succeeds only if the word is still what the search saw, so
		 * the INTID was deliverable at this instant. A failure means a
		 * concurrent op changed the word (lock-free retry). */
		next = (seen & ~pvirq_pending_bit((uint32_t)found)) |
		       pvirq_masked_bit((uint32_t)found);
		if (atomic_compare_exchange_strong_explicit(&s.inst[pvirq_word_of((uint32_t)found)],
							    &seen, next, memory_order_seq_cst,
							    memory_order_seq_cst)) {
			uint32_t after = (uint32_t)found + 1u;

			atomic_store_explicit(&v->ack_cursor[cls < 0 ? 0 : cls & 3],
					      after < vm->nr_intids ? after : 0,
					      memory_order_relaxed);
			*intid = (uint32_t)found;
			return PVIRQ_OK;
		}
	}
}

int pvirq_rvic_acknowledge(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid)
{
	return acknowledge(vm, vcpu, WANT_IRQ, intid);
}

int pvirq_rvic_acknowledge_nmi(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid)
{
	return acknowledge(vm, vcpu, WANT_NMI, intid);
}

/* --- level lines and resample ---------------------------------------- */

int pvirq_rvic_resample(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check_trusted(vm, vcpu, intid);

	if (err)
		return err;
	intid = pvirq_nospec(intid, vm->nr_trusted);
	return line_is_high(vm, vcpu, intid) ? pvirq__signal(vm, vcpu, intid) : PVIRQ_OK;
}

int pvirq_rvic_set_level(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool level)
{
	int err = check_level_line(vm, vcpu, intid);
	uint64_t bit = 1ull << (intid % 64u);

	if (err)
		return err;
	intid = pvirq_nospec(intid, vm->nr_level_lines);
	/* seq_cst: ordered before the signal below and against RESAMPLE. */
	if (!level) {
		atomic_fetch_and_explicit(level_word(vm, vcpu, intid), ~bit, memory_order_seq_cst);
		return PVIRQ_OK;
	}
	atomic_fetch_or_explicit(level_word(vm, vcpu, intid), bit, memory_order_seq_cst);
	return pvirq__signal(vm, vcpu, intid);
}

int pvirq_rvic_get_level(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool *level)
{
	int err = check_level_line(vm, vcpu, intid);

	if (err)
		return err;
	*level = atomic_load_explicit(level_word(vm, vcpu, intid), memory_order_seq_cst) &
		 (1ull << (intid % 64u));
	return PVIRQ_OK;
}

/* --- the vCPU's line ------------------------------------------------- */

bool pvirq_vcpu_line(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v;
	struct view s;

	if (vcpu >= vm->nr_vcpus)
		return false;
	v = pvirq_vcpu_at(vm, vcpu);
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return false;
	view_of(vm, v, &s);
	return any_wanted(&s, WANT_IRQ);
}

bool pvirq_vcpu_rearm(struct pvirq_vm *vm, uint32_t vcpu)
{
	if (vcpu >= vm->nr_vcpus)
		return false;
	/* seq_cst exchange (a full barrier on every architecture) before the
	 * scan: the vCPU half of the store-buffering pair with raise_line(). */
	atomic_exchange_explicit(&pvirq_vcpu_at(vm, vcpu)->notified, 0, memory_order_seq_cst);
	return pvirq_vcpu_line(vm, vcpu);
}

bool pvirq_vcpu_take_nmi(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v;
	struct view s;

	if (vcpu >= vm->nr_vcpus || !vm->nmi_line)
		return false;
	v = pvirq_vcpu_at(vm, vcpu);
	/* seq_cst exchange, then the scan: the same store-buffering pair as
	 * rearm, with raise_nmi(). A cleared edge whose INTID is gone (the
	 * guest acknowledged it in an NMI it was already handling) injects
	 * nothing. */
	if (!atomic_exchange_explicit(&v->nmi_edge, 0, memory_order_seq_cst))
		return false;
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return false;
	view_of(vm, v, &s);
	return s.classes && any_wanted(&s, WANT_NMI);
}
