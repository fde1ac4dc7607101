/* SPDX-License-Identifier: MIT */
/*
 * Priority classes of an rVIC instance (ABI 0.4): a class per INTID and a
 * floor below which classes are held off. The class words and the floor
 * are instance words (shared_state.h), so they live in the guest's page
 * when it shared one; acknowledge (rvic.c) reads them.
 *
 * Ordering. Each change is one atomic RMW of its word followed by a
 * re-evaluation of the lines (pvirq__reevaluate(): reads the state words,
 * raises the line or the NMI edge). A concurrent signal does its state RMW
 * and then reads the class and floor (publish_deliverable()). All seq_cst:
 * the store-buffering pattern, so at least one of the two sees the other
 * and an INTID that becomes deliverable for its new class raises its line.
 * Priority handling is switched on per instance by the first of these
 * calls (uses_priority, stored before the change), which keeps the class
 * words out of every acknowledge of guests that never use priorities.
 */
#include "layout.h"

static int check_class(const struct pvirq_vm *vm, uint32_t cls)
{
	if (cls >= PVIRQ_PRIORITY_CLASSES)
		return PVIRQ_EINVAL;
	if (cls == PVIRQ_PRIORITY_NMI && !vm->nmi_line)
		return PVIRQ_EINVAL;
	return PVIRQ_OK;
}

/* seq_cst: before the class or floor change, so an operation that reads 0
 * here ignores classes altogether (it raises the line unfiltered: at worst
 * one spurious notification) and one that reads 1 reads the new words. */
static void use_priority(struct pvirq_vcpu *v)
{
	if (!atomic_load_explicit(&v->uses_priority, memory_order_seq_cst))
		atomic_store_explicit(&v->uses_priority, 1, memory_order_seq_cst);
}

int pvirq_rvic_set_priority(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, uint32_t cls)
{
	struct pvirq_vcpu *v;
	_Atomic uint64_t *word;
	uint32_t shift;
	uint64_t old;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= vm->nr_intids)
		return PVIRQ_EINTID;
	if (check_class(vm, cls))
		return PVIRQ_EINVAL;
	v = pvirq_vcpu_at(vm, vcpu);
	intid = pvirq_nospec(intid, vm->nr_intids);
	shift = 2u * (intid % PVIRQ_INTIDS_PER_WORD);
	word = &pvirq_inst(v)[PVIRQ_SHARED_CLASS_WORD(vm->nr_state_words, pvirq_word_of(intid))];
	use_priority(v);
	/* One RMW that flips exactly this INTID's two bits from what they
	 * were to @cls: the other lanes of the word are untouched whatever
	 * runs concurrently. Changes of one INTID's class are serialized by
	 * the caller (the guest configures an IRQ from one CPU at a time);
	 * bounded even if a guest rewrites its page meanwhile. seq_cst: see
	 * the top of the file. */
	old = atomic_load_explicit(word, memory_order_seq_cst);
	atomic_fetch_xor_explicit(word, (old ^ ((uint64_t)cls << shift)) & (3ull << shift),
				  memory_order_seq_cst);
	pvirq__reevaluate(vm, vcpu);
	return PVIRQ_OK;
}

int pvirq_rvic_get_priority(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, uint32_t *cls)
{
	uint64_t w;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= vm->nr_intids)
		return PVIRQ_EINTID;
	intid = pvirq_nospec(intid, vm->nr_intids);
	w = atomic_load_explicit(
		&pvirq_inst(pvirq_vcpu_at(
			vm,
			vcpu))[PVIRQ_SHARED_CLASS_WORD(vm->nr_state_words, pvirq_word_of(intid))],
		memory_order_seq_cst);
	*cls = PVIRQ_SHARED_CLASS_OF(w, intid);
	return PVIRQ_OK;
}

int pvirq_rvic_set_priority_mask(struct pvirq_vm *vm, uint32_t vcpu, uint32_t floor)
{
	struct pvirq_vcpu *v;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (floor >= PVIRQ_PRIORITY_CLASSES)
		return PVIRQ_EINVAL;
	v = pvirq_vcpu_at(vm, vcpu);
	use_priority(v);
	/* seq_cst exchange, then the scan: lowering the floor raises the
	 * line for whatever it stopped holding off. */
	atomic_exchange_explicit(&pvirq_inst(v)[PVIRQ_SHARED_FLOOR_WORD(vm->nr_state_words)], floor,
				 memory_order_seq_cst);
	pvirq__reevaluate(vm, vcpu);
	return PVIRQ_OK;
}

int pvirq_rvic_get_priority_mask(struct pvirq_vm *vm, uint32_t vcpu, uint32_t *floor)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	*floor = (uint32_t)atomic_load_explicit(
			 &pvirq_inst(pvirq_vcpu_at(
				 vm, vcpu))[PVIRQ_SHARED_FLOOR_WORD(vm->nr_state_words)],
			 memory_order_seq_cst) &
		 3u;
	return PVIRQ_OK;
}
