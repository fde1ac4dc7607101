/* SPDX-License-Identifier: MIT */
/*
 * The rVID: a table of input -> (vCPU, untrusted INTID), one atomic word
 * per input, the occupancy bitmap that keeps two inputs off one
 * (vCPU, INTID), and the untrusted injection path.
 *
 * One input per (vCPU, INTID)
 * ---------------------------
 * A pending bit carries no name: if two inputs shared (A, 40), a retarget
 * of one of them could not tell whose edge it is moving, and would deliver
 * the other's edge under the wrong name. So MAP claims its target in the
 * occupancy bitmap first (one fetch_or: the claim is the linearization
 * point of a MAP that is refused with PVIRQ_EBUSY) and releases the old
 * target only after it has moved the old pending bit. Invariant O: every
 * valid table entry's target has its occupancy bit set, and a set bit
 * belongs to at most one entry or to one MAP in progress. Each exchange of
 * a slot hands its previous value to exactly one MAP or UNMAP, which
 * releases it exactly once, so O holds even if a caller breaks the rule
 * that MAPs of one input are serialized.
 *
 * Retarget without loss
 * ---------------------
 * Device inject D:  D1 e = load(entry); D2 set pending on e; D3 e' = load(entry);
 *                   if e' != e, repeat from D2 with e = e'.
 * MAP M (e -> n):   M0 claim n; M1 exchange(entry, n); M2a read pending on
 *                   e; if set: M2b signal n, and if that latched, M2c clear
 *                   pending on e; M3 release e.
 * All steps seq_cst, so they are totally ordered. Take an edge whose D1
 * read e (the old mapping) while M replaces e by n:
 *  - D2 before M2a: M2 finds the bit and moves it to n.
 *  - D2 after M2a: then D3 comes after M1, reads n (or later), and D
 *    signals n itself (if M2c then clears D's bit on e, D3's signal to n
 *    still carries the edge).
 *  - The guest acknowledged it on e before M2: it was delivered.
 * So every edge ends pending on the current target (possibly also on the
 * old one: a duplicate, which untrusted interrupts may be). D repeats only
 * when a MAP of the same input completed in between: lock-free. If n is
 * disabled, M2 leaves the bit on e (a disabled instance would drop it).
 *
 * Status of an injection: PVIRQ_OK when some D2 latched the edge (on the
 * old or the new target), PVIRQ_EDISABLED only when every D2 found its
 * target disabled, so a caller that re-queues on EDISABLED never delivers
 * twice.
 *
 * Trust: MAP accepts only untrusted INTIDs, and inject re-checks the class
 * before it touches an instance, so no path from here makes a trusted INTID
 * pending even if the table were corrupted.
 *
 * Level inputs (ABI 0.4)
 * ----------------------
 * A level-triggered input has a level bit in its input state word. A raise
 * stores the level, then injects exactly as an edge (D1..D3), so whatever
 * the inject argument gives an edge, it gives a raise. Then the level is
 * re-pended wherever a high level could otherwise be stranded:
 *  - RVID_RESAMPLE(input) (the guest's end of interrupt): if the level is
 *    high, the input injects again, to wherever it is mapped now.
 *  - MAP: after M3, if the level is high, the new target is signalled
 *    (store-buffering: MAP exchanges the entry then reads the level; a
 *    raise stores the level then reads the entry through inject's D1).
 *  - ENABLE and RESET of c pend every high level input mapped to c (the
 *    inject that found c disabled dropped its edge).
 * Every re-pend is a SIGNAL of an untrusted pair through the same checked
 * path, so level inputs cannot pend a trusted INTID either.
 */
#include "layout.h"

/* Between inject's steps: nothing, except in tests/core/test_rvid_steps.c,
 * which compiles this file with a hook that runs a MAP there. */
#ifndef PVIRQ_RVID_BETWEEN_STEPS
#define PVIRQ_RVID_BETWEEN_STEPS(where) ((void)0)
#endif

static bool is_untrusted(const struct pvirq_vm *vm, uint32_t intid)
{
	return intid >= vm->nr_trusted && intid < vm->nr_intids;
}

/* Whether a table entry names an existing vCPU and an untrusted INTID: the
 * table is written only by MAP, but nothing here trusts that. */
static bool entry_in_range(const struct pvirq_vm *vm, uint64_t entry)
{
	return pvirq_rvid_vcpu(entry) < vm->nr_vcpus && is_untrusted(vm, pvirq_rvid_intid(entry));
}

/* The untrusted half of signal: refuses anything that is not an untrusted
 * INTID of an existing vCPU. */
static int signal_untrusted(struct pvirq_vm *vm, uint64_t entry)
{
	if (!entry_in_range(vm, entry))
		return PVIRQ_EINTID;
	return pvirq__signal(vm, pvirq_rvid_vcpu(entry), pvirq_rvid_intid(entry));
}

/* M0: claims (vcpu, intid) for one input. seq_cst: ordered before M1, so no
 * two table entries ever name one target (invariant O). */
static bool occupancy_claim(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	uint64_t bit = pvirq_occupancy_bit(vm, intid);

	return !(atomic_fetch_or_explicit(pvirq_occupancy_word(vm, vcpu, intid), bit,
					  memory_order_seq_cst) &
		 bit);
}

/* M3: gives back the target of a replaced entry. seq_cst: after M2, so a
 * MAP of another input that claims it next finds the old bit moved. */
static void occupancy_release(struct pvirq_vm *vm, uint64_t entry)
{
	uint32_t intid = pvirq_rvid_intid(entry);

	if (!(entry & PVIRQ_RVID_VALID) || !entry_in_range(vm, entry))
		return;
	atomic_fetch_and_explicit(pvirq_occupancy_word(vm, pvirq_rvid_vcpu(entry), intid),
				  ~pvirq_occupancy_bit(vm, intid), memory_order_seq_cst);
}

void pvirq__rvid_clear_occupancy(struct pvirq_vm *vm)
{
	_Atomic uint64_t *base = (_Atomic uint64_t *)((uintptr_t)vm + vm->occupancy_offset);
	size_t n = (size_t)vm->nr_vcpus * vm->nr_occupancy_words;

	/* Relaxed: only while the VM is quiesced (reset, restore). */
	for (size_t i = 0; i < n; i++)
		atomic_store_explicit(&base[i], 0, memory_order_relaxed);
}

bool pvirq__rvid_occupy(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	return occupancy_claim(vm, vcpu, intid);
}

void pvirq__rvid_rebuild_occupancy(struct pvirq_vm *vm)
{
	pvirq__rvid_clear_occupancy(vm);
	for (uint32_t i = 0; i < vm->nr_rvid_inputs; i++) {
		uint64_t e = atomic_load_explicit(pvirq_rvid_at(vm, i), memory_order_relaxed);

		if ((e & PVIRQ_RVID_VALID) && entry_in_range(vm, e))
			occupancy_claim(vm, pvirq_rvid_vcpu(e), pvirq_rvid_intid(e));
	}
}

/* Whether @input is level-triggered with its level high. seq_cst: the
 * level store of a raise precedes its inject, and every re-pend reads the
 * level after the step (entry exchange, enable) it pairs with. */
static bool level_high(struct pvirq_vm *vm, uint32_t input)
{
	uint32_t st = atomic_load_explicit(pvirq_input_state(vm, input), memory_order_seq_cst);

	return (st & (PVIRQ_INPUT_LEVEL_TRIGGERED | PVIRQ_INPUT_LEVEL_HIGH)) ==
	       (PVIRQ_INPUT_LEVEL_TRIGGERED | PVIRQ_INPUT_LEVEL_HIGH);
}

void pvirq__rvid_repend_levels(struct pvirq_vm *vm, uint32_t vcpu, bool as_signal)
{
	/* Nothing to do (and no scan) until some input is level-triggered.
	 * seq_cst like the level loads below. */
	if (!atomic_load_explicit(&vm->any_level_input, memory_order_seq_cst))
		return;
	/* Bounded by the inputs: wait-free. seq_cst: after the caller's
	 * enable store (store-buffering with inject's enabled load). */
	for (uint32_t input = 0; input < vm->nr_rvid_inputs; input++) {
		uint64_t e;

		if (!level_high(vm, input))
			continue;
		e = atomic_load_explicit(pvirq_rvid_at(vm, input), memory_order_seq_cst);
		if (!(e & PVIRQ_RVID_VALID) || !entry_in_range(vm, e) || pvirq_rvid_vcpu(e) != vcpu)
			continue;
		if (as_signal)
			(void)pvirq__signal(vm, vcpu, pvirq_rvid_intid(e));
		else
			pvirq__latch_pending(vm, vcpu, pvirq_rvid_intid(e));
	}
}

/*
 * M2: move a pending bit from the old mapping to the new one. Set the new
 * pair first, clear the old one second: a reader in between sees the edge
 * on both pairs (a duplicate, which untrusted INTIDs may have), never on
 * neither. If the new target is disabled the bit is not touched at all.
 * An edge a device sets on the old pair after M2a is not lost: its D3
 * comes after M1 and signals the new target itself.
 */
static void move_pending(struct pvirq_vm *vm, uint64_t from, uint64_t to)
{
	uint32_t vcpu = pvirq_rvid_vcpu(from), intid = pvirq_rvid_intid(from);
	_Atomic uint64_t *word;

	if (!entry_in_range(vm, from))
		return;
	word = &pvirq_inst(pvirq_vcpu_at(vm, vcpu))[pvirq_word_of(intid)];
	/* M2a, seq_cst: ordered after M1 and against D2. */
	if (!(atomic_load_explicit(word, memory_order_seq_cst) & pvirq_pending_bit(intid)))
		return;
	/* M2b: a disabled new target would drop it, so it stays where it is. */
	if (signal_untrusted(vm, to) != PVIRQ_OK)
		return;
	/* M2c, seq_cst. If the guest acknowledged the old bit since M2a, this
	 * clears nothing and the new pair holds a duplicate. */
	atomic_fetch_and_explicit(word, ~pvirq_pending_bit(intid), memory_order_seq_cst);
}

int pvirq_rvid_map(struct pvirq_vm *vm, uint32_t input, uint32_t vcpu, uint32_t intid)
{
	_Atomic uint64_t *slot;
	uint64_t entry, old;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!is_untrusted(vm, intid))
		return PVIRQ_EINTID;
	slot = pvirq_rvid_at(vm, input);
	entry = pvirq_rvid_encode(vcpu, intid);
	/* Re-mapping an input to its own target changes nothing (and must not
	 * trip over its own claim). */
	if (atomic_load_explicit(slot, memory_order_seq_cst) == entry)
		return PVIRQ_OK;
	if (!occupancy_claim(vm, vcpu, intid)) /* M0 */
		return PVIRQ_EBUSY;
	/* M1, seq_cst: see the argument at the top of this file. */
	old = atomic_exchange_explicit(slot, entry, memory_order_seq_cst);
	if ((old & PVIRQ_RVID_VALID) && old != entry) {
		move_pending(vm, old, entry); /* M2 */
		occupancy_release(vm, old);   /* M3 */
	}
	/* Level rule: a high level follows its input (see the top). */
	if (level_high(vm, input))
		(void)signal_untrusted(vm, entry);
	return PVIRQ_OK;
}

int pvirq_rvid_unmap(struct pvirq_vm *vm, uint32_t input)
{
	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	/* seq_cst exchange: the released target is the one this unmap removed. */
	occupancy_release(
		vm, atomic_exchange_explicit(pvirq_rvid_at(vm, input), 0, memory_order_seq_cst));
	return PVIRQ_OK;
}

int pvirq_rvid_lookup(struct pvirq_vm *vm, uint32_t input, uint32_t *vcpu, uint32_t *intid)
{
	uint64_t entry;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	entry = atomic_load_explicit(pvirq_rvid_at(vm, input), memory_order_seq_cst);
	if (!(entry & PVIRQ_RVID_VALID))
		return PVIRQ_EUNMAPPED;
	*vcpu = pvirq_rvid_vcpu(entry);
	*intid = pvirq_rvid_intid(entry);
	return PVIRQ_OK;
}

int pvirq_rvid_inject(struct pvirq_vm *vm, uint32_t input)
{
	_Atomic uint64_t *slot;
	uint64_t entry, again;
	bool latched = false;
	int err;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	slot = pvirq_rvid_at(vm, input);
	entry = atomic_load_explicit(slot, memory_order_seq_cst); /* D1 */
	if (!(entry & PVIRQ_RVID_VALID))
		return PVIRQ_EUNMAPPED;
	for (;;) {
		err = signal_untrusted(vm, entry); /* D2 */
		latched |= err == PVIRQ_OK;
		PVIRQ_RVID_BETWEEN_STEPS(inject_between_signal_and_reread);
		again = atomic_load_explicit(slot, memory_order_seq_cst); /* D3 */
		/* Unmapped meanwhile: what landed is spurious, and nothing is
		 * left to signal. */
		if (again == entry || !(again & PVIRQ_RVID_VALID))
			return latched ? PVIRQ_OK : err;
		entry = again;
	}
}

int pvirq_rvid_msi(struct pvirq_vm *vm, uint64_t addr, uint64_t data)
{
	if (addr != PVIRQ_MSI_DOORBELL)
		return PVIRQ_EADDRESS;
	/* Compare all 64 bits: a large value must not wrap onto a valid input. */
	if (data >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	return pvirq_rvid_inject(vm, (uint32_t)data);
}

int pvirq_rvid_set_trigger(struct pvirq_vm *vm, uint32_t input, bool level)
{
	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	/* seq_cst like every rVID state change. Switching to edge drops the
	 * level too, so a later switch back starts low. */
	if (level && !atomic_load_explicit(&vm->any_level_input, memory_order_seq_cst))
		atomic_store_explicit(&vm->any_level_input, 1, memory_order_seq_cst);
	if (level)
		atomic_fetch_or_explicit(pvirq_input_state(vm, input), PVIRQ_INPUT_LEVEL_TRIGGERED,
					 memory_order_seq_cst);
	else
		atomic_store_explicit(pvirq_input_state(vm, input), 0, memory_order_seq_cst);
	return PVIRQ_OK;
}

int pvirq_rvid_set_level(struct pvirq_vm *vm, uint32_t input, bool high)
{
	_Atomic uint32_t *st;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	st = pvirq_input_state(vm, input);
	if (!(atomic_load_explicit(st, memory_order_seq_cst) & PVIRQ_INPUT_LEVEL_TRIGGERED))
		return PVIRQ_EINVAL;
	/* seq_cst: the level store precedes the inject's D1 (see the top). */
	if (!high) {
		atomic_fetch_and_explicit(st, ~PVIRQ_INPUT_LEVEL_HIGH, memory_order_seq_cst);
		return PVIRQ_OK;
	}
	atomic_fetch_or_explicit(st, PVIRQ_INPUT_LEVEL_HIGH, memory_order_seq_cst);
	return pvirq_rvid_inject(vm, input);
}

int pvirq_rvid_get_level(struct pvirq_vm *vm, uint32_t input, bool *high)
{
	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	*high = level_high(vm, input);
	return PVIRQ_OK;
}

int pvirq_rvid_resample(struct pvirq_vm *vm, uint32_t input)
{
	int err;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	if (!(atomic_load_explicit(pvirq_input_state(vm, input), memory_order_seq_cst) &
	      PVIRQ_INPUT_LEVEL_TRIGGERED))
		return PVIRQ_OK;
	/* The device model re-checks first (it may drop the level), then the
	 * level decides: re-pend the current target while it is high. */
	if (vm->resample)
		vm->resample(vm->resample_ctx, input);
	if (!level_high(vm, input))
		return PVIRQ_OK;
	err = pvirq_rvid_inject(vm, input);
	return err == PVIRQ_EUNMAPPED ? PVIRQ_OK : err;
}
