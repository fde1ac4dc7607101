/* SPDX-License-Identifier: MIT */
/*
 * The shared-state page (ABI 0.4): an instance's words moved into guest
 * memory, so the guest acknowledges and ends interrupts with the same
 * atomic RMWs the host uses, without a trap.
 *
 * Moving the words. Only a disabled instance moves: SHARE copies the
 * words to the page, then publishes the page as the instance's words
 * (release store of `inst`; every operation loads it with acquire, so it
 * sees the copied words). An operation that loaded the old place before
 * the store may still write there and be lost. On a disabled instance
 * that is only a SIGNAL that overlapped the DISABLE (which may be dropped
 * anyway), a MAP's clear of an old target (a duplicate, which untrusted
 * INTIDs may have) or an operation the guest itself runs concurrently
 * with its own bring-up (the spec's atomicity exception 7).
 *
 * The page is hostile. The host keeps nothing in it that protects the
 * host: summary, enabled, notified, the NMI edge, level words and the rVID
 * live in host memory. Every index the host derives from a page word is a
 * lane of a 64-bit word or a class in 0..3, every decision is taken from
 * one RMW's returned value, and an acknowledge that keeps losing its CAS
 * to the guest gives up (PVIRQ_SHARED_RETRIES).
 */
#include "layout.h"

/* Copies an instance's words. seq_cst loads and stores: the instance is
 * disabled, but remote calls (SET_MASKED of another CPU's INTID) may still
 * run, and each word is copied as one value. */
static void copy_words(_Atomic uint64_t *to, _Atomic uint64_t *from, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		atomic_store_explicit(&to[i], atomic_load_explicit(&from[i], memory_order_seq_cst),
				      memory_order_seq_cst);
}

static bool is_enabled(struct pvirq_vcpu *v)
{
	return atomic_load_explicit(&v->enabled, memory_order_seq_cst);
}

int pvirq_rvic_share_state(struct pvirq_vm *vm, uint32_t vcpu, uint64_t gpa)
{
	struct pvirq_vcpu *v;
	void *page;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	if (is_enabled(v))
		return PVIRQ_EENABLED;
	if (gpa % PVIRQ_SHARED_STATE_SIZE || !vm->guest_page)
		return PVIRQ_EINVAL;
	page = vm->guest_page(vm->guest_page_ctx, vcpu, gpa, PVIRQ_SHARED_STATE_SIZE);
	/* The VMM's translation is trusted, but an unaligned pointer would
	 * make every atomic on the page undefined: refuse it. */
	if (!page || (uintptr_t)page % sizeof(uint64_t))
		return PVIRQ_EINVAL;
	copy_words(page, pvirq_inst(v), vm->nr_inst_words);
	/* Relaxed: published by the release store of inst below. */
	atomic_store_explicit(&v->shared_gpa, gpa, memory_order_relaxed);
	/* Release: an operation that loads the page (acquire) sees the words. */
	atomic_store_explicit(&v->inst, (uintptr_t)page, memory_order_release);
	return PVIRQ_OK;
}

int pvirq_rvic_unshare_state(struct pvirq_vm *vm, uint32_t vcpu)
{
	struct pvirq_vcpu *v;
	_Atomic uint64_t *inst;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	inst = pvirq_inst(v);
	if (!pvirq_is_shared(v, inst))
		return PVIRQ_OK;
	if (is_enabled(v))
		return PVIRQ_EENABLED;
	copy_words(&v->words[0], inst, vm->nr_inst_words);
	/* Release: as in share; from here on the host never touches the page. */
	atomic_store_explicit(&v->inst, (uintptr_t)&v->words[0], memory_order_release);
	return PVIRQ_OK;
}

int pvirq_rvic_shared_state(struct pvirq_vm *vm, uint32_t vcpu, uint64_t *gpa)
{
	struct pvirq_vcpu *v;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = pvirq_vcpu_at(vm, vcpu);
	if (!pvirq_is_shared(v, pvirq_inst(v)))
		return PVIRQ_EUNMAPPED;
	/* Relaxed: ordered by the acquire load of inst above. */
	*gpa = atomic_load_explicit(&v->shared_gpa, memory_order_relaxed);
	return PVIRQ_OK;
}
