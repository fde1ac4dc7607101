/* SPDX-License-Identifier: MIT */
/*
 * The rVID: a table of input -> (vCPU, untrusted INTID), one atomic word
 * per input, and the untrusted injection path.
 *
 * Retarget without loss
 * ---------------------
 * Device inject D:  D1 e = load(entry); D2 set pending on e; D3 e' = load(entry);
 *                   if e' != e, repeat from D2 with e = e'.
 * MAP M (e -> n):   M1 exchange(entry, n); M2 test-and-clear pending on e;
 *                   if it was pending, signal n.
 * All steps seq_cst, so they are totally ordered. Take an edge whose D1
 * read e (the old mapping) while M replaces e by n:
 *  - D2 before M2: M2 finds the bit and moves it to n.
 *  - D2 after M2: then D3 comes after M1, reads n (or later), and D signals
 *    n itself.
 *  - The guest acknowledged it on e before M2: it was delivered.
 * So every edge ends pending on the current target (possibly also on the
 * old one: a duplicate, which untrusted interrupts may be). D repeats only
 * when a MAP of the same input completed in between: lock-free.
 *
 * Trust: MAP accepts only untrusted INTIDs, and inject re-checks the class
 * before it touches an instance, so no path from here makes a trusted INTID
 * pending even if the table were corrupted.
 */
#include "layout.h"

static bool is_untrusted(const struct pvirq_vm *vm, uint32_t intid)
{
	return intid >= vm->nr_trusted && intid < vm->nr_intids;
}

/* The untrusted half of signal: refuses anything that is not an untrusted
 * INTID of an existing vCPU. */
static int signal_untrusted(struct pvirq_vm *vm, uint64_t entry)
{
	uint32_t vcpu = pvirq_rvid_vcpu(entry), intid = pvirq_rvid_intid(entry);

	if (vcpu >= vm->nr_vcpus || !is_untrusted(vm, intid))
		return PVIRQ_EINTID;
	return pvirq__signal(vm, vcpu, intid);
}

/* M2: move a pending bit from the old mapping to the new one. */
static void move_pending(struct pvirq_vm *vm, uint64_t from, uint64_t to)
{
	uint32_t vcpu = pvirq_rvid_vcpu(from), intid = pvirq_rvid_intid(from);
	struct pvirq_vcpu *v;
	uint64_t old;

	if (vcpu >= vm->nr_vcpus || !is_untrusted(vm, intid))
		return;
	v = pvirq_vcpu_at(vm, vcpu);
	/* seq_cst test-and-clear: ordered after M1 and against D2. */
	old = atomic_fetch_and_explicit(&v->words[pvirq_word_of(intid)], ~pvirq_pending_bit(intid),
					memory_order_seq_cst);
	if (!(old & pvirq_pending_bit(intid)))
		return;
	/* A disabled new target would drop it: keep it where it was. */
	if (signal_untrusted(vm, to) != PVIRQ_OK)
		pvirq__latch_pending(vm, vcpu, intid);
}

int pvirq_rvid_map(struct pvirq_vm *vm, uint32_t input, uint32_t vcpu, uint32_t intid)
{
	uint64_t entry, old;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!is_untrusted(vm, intid))
		return PVIRQ_EINTID;
	entry = pvirq_rvid_encode(vcpu, intid);
	/* M1, seq_cst: see the argument at the top of this file. */
	old = atomic_exchange_explicit(pvirq_rvid_at(vm, input), entry, memory_order_seq_cst);
	if ((old & PVIRQ_RVID_VALID) && old != entry)
		move_pending(vm, old, entry);
	return PVIRQ_OK;
}

int pvirq_rvid_unmap(struct pvirq_vm *vm, uint32_t input)
{
	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	atomic_store_explicit(pvirq_rvid_at(vm, input), 0, memory_order_seq_cst);
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
	int err;

	if (input >= vm->nr_rvid_inputs)
		return PVIRQ_EINPUT;
	slot = pvirq_rvid_at(vm, input);
	entry = atomic_load_explicit(slot, memory_order_seq_cst); /* D1 */
	for (;;) {
		if (!(entry & PVIRQ_RVID_VALID))
			return PVIRQ_EUNMAPPED;
		err = signal_untrusted(vm, entry);			  /* D2 */
		again = atomic_load_explicit(slot, memory_order_seq_cst); /* D3 */
		if (again == entry)
			return err;
		if (!(again & PVIRQ_RVID_VALID))
			return err; /* unmapped meanwhile: what landed is spurious */
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
