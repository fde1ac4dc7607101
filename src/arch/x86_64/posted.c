/* SPDX-License-Identifier: MIT */
/*
 * VT-x posted-interrupt descriptor operations, lock-free with 64-bit
 * atomics only.
 *
 * Correctness argument
 * --------------------
 * Poster P: (P1) fetch_or PIR bit; (P2) old = fetch_or ON; IPI if old had
 * neither ON nor SN. Consumer C (sync): (C1) fetch_and ~ON; (C2) read each
 * PIR word, exchange it with 0 if non-zero. All seq_cst, so one total
 * order S contains them. If C2 misses P's bit, C2's read precedes P1 in S
 * (a later read would see it, since nothing but a consumer clears it), so
 * C1 < C2 < P1 < P2 and P2 reads ON = 0 (cleared by C1, or set by another
 * poster after C1 who sends its own IPI): P's notification is sent, or a
 * later one covers it. This is the store-buffering shape, where acquire/
 * release alone would allow both sides to miss each other (C2 is a plain
 * load when the word looks empty). Each PIR bit is cleared by exactly one
 * exchange or fetch_and, so a vector is harvested once per post burst.
 *
 * The descriptor is declared with plain uint64_t words so the public
 * header is C++-clean; here each word is accessed as _Atomic uint64_t,
 * which the static assertions below show to have the same size and to be
 * lock-free: a plain aligned 64-bit word, as the processor also sees it.
 */
#include <stdatomic.h>

#include "pvirq/arch/x86_64.h"

_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "atomic word size");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(struct pvirq_x86_pi_desc) == 64, "descriptor is 64 bytes");

#define PI_CONTROL 4 /* word holding ON, SN, NV, NDST */

/* Between the protocol's steps: nothing, except in the ABI tests, which
 * compile this file with a hook that runs other operations there. */
#ifndef PVIRQ_PI_BETWEEN_STEPS
#define PVIRQ_PI_BETWEEN_STEPS(where) ((void)0)
#endif
#define PI_ROUTE_MASK 0xFFFFFFFF00FF0000ull

static _Atomic uint64_t *word(const struct pvirq_x86_pi_desc *desc, unsigned i)
{
	return (_Atomic uint64_t *)(uintptr_t)&desc->word[i];
}

static uint64_t route_bits(uint8_t nv, uint32_t ndst)
{
	return (uint64_t)nv << PVIRQ_X86_PI_NV_SHIFT | (uint64_t)ndst << PVIRQ_X86_PI_NDST_SHIFT;
}

int pvirq_x86_pi_init(struct pvirq_x86_pi_desc *desc, uint8_t nv, uint32_t ndst)
{
	if (nv < PVIRQ_X86_PI_VECTOR_MIN)
		return PVIRQ_EINVAL;
	/* Relaxed: init runs before the descriptor is shared; whoever
	 * publishes it (VMCS write, thread start) orders these stores. */
	for (unsigned i = 0; i < 8; i++)
		atomic_store_explicit(word(desc, i), 0, memory_order_relaxed);
	atomic_store_explicit(word(desc, PI_CONTROL), route_bits(nv, ndst), memory_order_relaxed);
	return PVIRQ_OK;
}

bool pvirq_x86_pi_post(struct pvirq_x86_pi_desc *desc, uint8_t vector)
{
	uint64_t old;

	if (vector < PVIRQ_X86_PI_VECTOR_MIN)
		return false;
	/* P1 then P2, seq_cst: see the argument above. */
	atomic_fetch_or_explicit(word(desc, vector / 64u), 1ull << (vector % 64u),
				 memory_order_seq_cst);
	PVIRQ_PI_BETWEEN_STEPS(post_between_pir_and_on);
	old = atomic_fetch_or_explicit(word(desc, PI_CONTROL), PVIRQ_X86_PI_ON,
				       memory_order_seq_cst);
	return !(old & (PVIRQ_X86_PI_ON | PVIRQ_X86_PI_SN));
}

bool pvirq_x86_pi_test_and_clear_on(struct pvirq_x86_pi_desc *desc)
{
	/* seq_cst: this is C1 when a consumer harvests by hand. */
	return atomic_fetch_and_explicit(word(desc, PI_CONTROL), ~PVIRQ_X86_PI_ON,
					 memory_order_seq_cst) &
	       PVIRQ_X86_PI_ON;
}

bool pvirq_x86_pi_test_and_clear_pir(struct pvirq_x86_pi_desc *desc, uint8_t vector)
{
	uint64_t bit = 1ull << (vector % 64u);

	/* seq_cst: a C2 for one vector. */
	return atomic_fetch_and_explicit(word(desc, vector / 64u), ~bit, memory_order_seq_cst) &
	       bit;
}

bool pvirq_x86_pi_sync(struct pvirq_x86_pi_desc *desc, uint64_t irr[4])
{
	bool any = false;

	pvirq_x86_pi_test_and_clear_on(desc); /* C1 */
	PVIRQ_PI_BETWEEN_STEPS(sync_between_on_and_pir);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t bits;

		/* C2: seq_cst load first, so idle words cost no RMW. */
		if (!atomic_load_explicit(word(desc, i), memory_order_seq_cst))
			continue;
		bits = atomic_exchange_explicit(word(desc, i), 0, memory_order_seq_cst);
		irr[i] |= bits;
		any |= bits != 0;
	}
	PVIRQ_PI_BETWEEN_STEPS(sync_after_pir);
	return any;
}

void pvirq_x86_pi_set_sn(struct pvirq_x86_pi_desc *desc, bool suppress)
{
	/* seq_cst: a post ordered after the clear sees SN = 0 and notifies;
	 * one ordered before it set ON, which the next sync harvests. */
	if (suppress)
		atomic_fetch_or_explicit(word(desc, PI_CONTROL), PVIRQ_X86_PI_SN,
					 memory_order_seq_cst);
	else
		atomic_fetch_and_explicit(word(desc, PI_CONTROL), ~PVIRQ_X86_PI_SN,
					  memory_order_seq_cst);
}

int pvirq_x86_pi_set_route(struct pvirq_x86_pi_desc *desc, uint8_t nv, uint32_t ndst)
{
	_Atomic uint64_t *control = word(desc, PI_CONTROL);
	uint64_t old, want;

	if (nv < PVIRQ_X86_PI_VECTOR_MIN)
		return PVIRQ_EINVAL;
	old = atomic_load_explicit(control, memory_order_relaxed);

	/* CAS loop: ON and SN may change under us; keep them. seq_cst so a
	 * poster whose P2 follows the CAS reads the new route with ON. */
	do {
		want = (old & ~PI_ROUTE_MASK) | route_bits(nv, ndst);
	} while (!atomic_compare_exchange_weak_explicit(control, &old, want, memory_order_seq_cst,
							memory_order_relaxed));
	return PVIRQ_OK;
}

uint64_t pvirq_x86_pi_control(const struct pvirq_x86_pi_desc *desc)
{
	return atomic_load_explicit(word(desc, PI_CONTROL), memory_order_seq_cst);
}
