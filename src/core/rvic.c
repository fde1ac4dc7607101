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

/* Word @word of @v just became deliverable: publish it in the summary, then
 * notify if the instance is enabled. seq_cst throughout: the summary
 * fetch_or must precede the enabled load and the notified exchange in the
 * total order (store-buffering against enable and rearm). */
static void publish_deliverable(struct pvirq_vm *vm, uint32_t vcpu, struct pvirq_vcpu *v,
				uint32_t word)
{
	uint64_t bit = 1ull << word;

	/* Skip the fetch_or when a seq_cst load already sees the bit: a clear
	 * ordered after this load is followed by its re-read of the word,
	 * which comes after our word RMW and restores the bit (invariant S
	 * holds as with the fetch_or, which would have changed nothing). */
	if (!(atomic_load_explicit(&v->summary, memory_order_seq_cst) & bit))
		atomic_fetch_or_explicit(&v->summary, bit, memory_order_seq_cst);
	if (atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		raise_line(vm, vcpu, v);
}

/* Clears a summary bit whose word looked idle, then re-checks the word.
 * Returns true (and restores the bit) if the word is deliverable after
 * all: a concurrent setter got in between. */
static bool summary_clear_lazily(struct pvirq_vcpu *v, uint32_t word)
{
	uint64_t bit = 1ull << word;

	PVIRQ_RVIC_BETWEEN_STEPS(summary_before_clear);
	atomic_fetch_and_explicit(&v->summary, ~bit, memory_order_seq_cst);
	PVIRQ_RVIC_BETWEEN_STEPS(summary_after_clear);
	if (pvirq_deliverable_lanes(atomic_load_explicit(&v->words[word], memory_order_seq_cst))) {
		atomic_fetch_or_explicit(&v->summary, bit, memory_order_seq_cst);
		return true;
	}
	return false;
}

/*
 * Confirms a negative answer of the summary search: reads every state word
 * once and, finding a deliverable one, restores its summary bit (the lazy
 * clearer of another thread may have it cleared for a moment, see
 * summary_clear_lazily()) and returns true. Bounded by the 64 state words:
 * wait-free. This is what makes "nothing deliverable" exact per INTID: an
 * INTID deliverable throughout the caller's operation is seen here.
 */
static bool summary_repair(const struct pvirq_vm *vm, struct pvirq_vcpu *v)
{
	for (uint32_t word = 0; word < vm->nr_state_words; word++) {
		if (pvirq_deliverable_lanes(
			    atomic_load_explicit(&v->words[word], memory_order_seq_cst))) {
			atomic_fetch_or_explicit(&v->summary, 1ull << word, memory_order_seq_cst);
			return true;
		}
	}
	return false;
}

/* Whether any INTID of @v is deliverable (ignores enabled). The summary
 * answers a positive quickly; a negative is confirmed word by word. */
static bool any_deliverable(const struct pvirq_vm *vm, struct pvirq_vcpu *v)
{
	uint64_t sum = atomic_load_explicit(&v->summary, memory_order_seq_cst);

	while (sum) {
		uint32_t word = pvirq_ctz64(sum);

		sum &= sum - 1;
		if (pvirq_deliverable_lanes(
			    atomic_load_explicit(&v->words[word], memory_order_seq_cst)))
			return true;
		if (summary_clear_lazily(v, word))
			return true;
	}
	return summary_repair(vm, v);
}

void pvirq__latch_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, vcpu);
	uint32_t word = pvirq_word_of(intid);
	uint64_t old;

	/* seq_cst: the first half of the store-buffering pairs above. */
	old = atomic_fetch_or_explicit(&v->words[word], pvirq_pending_bit(intid),
				       memory_order_seq_cst);
	/* Only the op that makes the INTID deliverable publishes it; if it
	 * was already pending && !masked, that op did (or is about to). */
	if (!(old & (pvirq_pending_bit(intid) | pvirq_masked_bit(intid))))
		publish_deliverable(vm, vcpu, v, word);
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
	return &pvirq_vcpu_at(vm, vcpu)->words[pvirq_word_of(intid)];
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
 * Level semantics: a trusted INTID whose line is high behaves as if its
 * source re-asserted it whenever the guest could otherwise lose it. ENABLE
 * pends every such INTID (a line raised while the instance was disabled,
 * or still high across a CPU's offline/online cycle, is not forgotten),
 * and so does RESET, as a SIGNAL would (@as_signal). Bounded by T callback
 * calls plus the level words: wait-free.
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
	if (!vm->line_level)
		return;
	for (uint32_t intid = 0; intid < vm->nr_trusted; intid++)
		if (vm->line_level(vm->line_level_ctx, vcpu, intid))
			repend(vm, vcpu, intid, as_signal);
}

/* --- enable / disable ------------------------------------------------ */

int pvirq_rvic_enable(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	/* seq_cst store then scan: pairs with publish_deliverable()'s
	 * word-RMW-then-read-enabled, so a concurrent unmask is never missed
	 * by both. Rescanning here is what makes ENABLE take effect at once. */
	atomic_store_explicit(&v->enabled, 1, memory_order_seq_cst);
	repend_high_lines(vm, vcpu, false);
	if (any_deliverable(vm, v))
		raise_line(vm, vcpu, v);
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
	uint64_t old;

	if (err)
		return err;
	/* seq_cst: the unmask side of the store-buffering pairs. */
	old = atomic_fetch_and_explicit(state_word(vm, vcpu, intid), ~pvirq_masked_bit(intid),
					memory_order_seq_cst);
	if ((old & pvirq_masked_bit(intid)) && (old & pvirq_pending_bit(intid)))
		publish_deliverable(vm, vcpu, pvirq_vcpu_at(vm, vcpu), pvirq_word_of(intid));
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
 * of the caller's instance would do, in one call. Not one atomic step:
 * each state word changes in one exchange (its 32 INTIDs masked and not
 * pending at one instant), word after word, and then every trusted INTID
 * whose line is still high re-pends, exactly as CLEAR_PENDING's level rule
 * (dropped while the instance is disabled; ENABLE pends it later).
 * `enabled` and the acknowledge cursor are left alone. O(T + U / 32).
 */
int pvirq__rvic_reset_own(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	/* seq_cst like every state change. Masking raises no line, so the
	 * summary bits are left to be cleared lazily. */
	for (uint32_t w = 0; w < vm->nr_state_words; w++)
		atomic_exchange_explicit(&v->words[w], PVIRQ_MASKED_LANES, memory_order_seq_cst);
	repend_high_lines(vm, vcpu, true);
	return PVIRQ_OK;
}

/* --- acknowledge ----------------------------------------------------- */

/* Lowest deliverable lane of @word within @lanes, as an INTID; or -1. If
 * the whole word is idle its summary bit is cleared lazily; *changed is
 * set when that re-check found a concurrent change (search again). */
static int32_t first_in_word(struct pvirq_vcpu *v, uint32_t word, uint64_t lanes, uint64_t *seen,
			     bool *changed)
{
	uint64_t w = atomic_load_explicit(&v->words[word], memory_order_seq_cst);
	uint64_t d = pvirq_deliverable_lanes(w);

	*seen = w;
	if (d & lanes)
		return (int32_t)(word * PVIRQ_INTIDS_PER_WORD + pvirq_ctz64(d & lanes) / 2u);
	if (!d && summary_clear_lazily(v, word))
		*changed = true;
	return -1;
}

/* First deliverable INTID in the words named by the bit set @words. */
static int32_t first_in_words(struct pvirq_vcpu *v, uint64_t words, uint64_t *seen, bool *changed)
{
	while (words) {
		uint32_t word = pvirq_ctz64(words);
		int32_t found = first_in_word(v, word, ~0ull, seen, changed);

		if (found >= 0 || *changed)
			return found;
		words &= words - 1;
	}
	return -1;
}

/*
 * Finds the first deliverable INTID at or after @cursor in cyclic order:
 * the cursor's word from its lane up, the later words, the earlier words,
 * then the cursor's word below its lane. Each step is a find-first-set on
 * the summary or on one word, so the cost does not grow with the INTID
 * count.
 */
static int32_t find_deliverable(struct pvirq_vcpu *v, uint32_t cursor, uint64_t *seen,
				bool *changed)
{
	uint32_t cw = pvirq_word_of(cursor);
	uint64_t cw_bit = 1ull << cw;
	uint64_t lanes_from = ~0ull << (2u * (cursor % PVIRQ_INTIDS_PER_WORD));
	uint64_t sum = atomic_load_explicit(&v->summary, memory_order_seq_cst);
	int32_t found;

	if (sum & cw_bit) {
		found = first_in_word(v, cw, lanes_from, seen, changed);
		if (found >= 0 || *changed)
			return found;
	}
	/* Words above cw (2 << 63 wraps to 0, which is what we want). */
	found = first_in_words(v, sum & ~((2ull << cw) - 1), seen, changed);
	if (found >= 0 || *changed)
		return found;
	found = first_in_words(v, sum & (cw_bit - 1), seen, changed);
	if (found >= 0 || *changed)
		return found;
	if ((sum & cw_bit) && ~lanes_from)
		return first_in_word(v, cw, ~lanes_from, seen, changed);
	return -1;
}

int pvirq_rvic_acknowledge(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *intid)
{
	struct pvirq_vcpu *v;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	if (!atomic_load_explicit(&v->enabled, memory_order_seq_cst))
		return PVIRQ_EDISABLED;
	for (;;) {
		/* Relaxed: the cursor only chooses where to start; any value in
		 * range gives a correct (if differently ordered) answer. */
		uint32_t cursor = atomic_load_explicit(&v->ack_cursor, memory_order_relaxed);
		bool changed = false;
		uint64_t seen = 0;
		int32_t found;

		/* The cursor is always stored in range; reduce it only if it is
		 * not (a division on every acknowledge cost more than the rest
		 * of the search, see bench/README.md). */
		if (cursor >= vm->nr_intids)
			cursor %= vm->nr_intids;
		found = find_deliverable(v, cursor, &seen, &changed);
		uint64_t next;

		if (changed)
			continue; /* a concurrent op made progress: search again */
		if (found < 0) {
			/* Confirm word by word before reporting nothing: a
			 * concurrent lazy clear may hide a deliverable word
			 * from the summary for a moment. */
			if (summary_repair(vm, v))
				continue;
			return PVIRQ_ENOINTR;
		}
		/* The indivisible step: pending && !masked -> masked && !pending.
		 * It succeeds only if the word is still what the search saw, so
		 * the INTID was deliverable at this instant. A failure means a
		 * concurrent op changed the word (lock-free retry). */
		next = (seen & ~pvirq_pending_bit((uint32_t)found)) |
		       pvirq_masked_bit((uint32_t)found);
		if (atomic_compare_exchange_strong_explicit(
			    &v->words[pvirq_word_of((uint32_t)found)], &seen, next,
			    memory_order_seq_cst, memory_order_seq_cst)) {
			uint32_t after = (uint32_t)found + 1u;

			atomic_store_explicit(&v->ack_cursor, after < vm->nr_intids ? after : 0,
					      memory_order_relaxed);
			*intid = (uint32_t)found;
			return PVIRQ_OK;
		}
	}
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

	if (vcpu >= vm->nr_vcpus)
		return false;
	v = pvirq_vcpu_at(vm, vcpu);
	return atomic_load_explicit(&v->enabled, memory_order_seq_cst) && any_deliverable(vm, v);
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
