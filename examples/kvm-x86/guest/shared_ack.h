/* SPDX-License-Identifier: MIT */
/*
 * Acknowledge and end of interrupt in a libpvirq shared-state page
 * (pvirq/shared_state.h, docs/spec/pvirq-abi.md "Shared-state page"),
 * without a trap. Freestanding, so the KVM guest and the VMM's simulation
 * mode (threads as vCPUs) run the same code.
 *
 * Acknowledge: among the INTIDs that are pending and not masked, of the
 * highest class at or above the page's floor, take one with a single CAS
 * of its state word (pending -> masked). End of interrupt: clear its
 * masked bit with one fetch_and; if the old word had its pending bit set,
 * it is deliverable again and the host does not know (no notify), so the
 * caller acknowledges again before it leaves the upcall.
 *
 * Every access is a seq_cst 64-bit atomic: the host updates the same words
 * with atomic read-modify-writes from any thread.
 */
#ifndef DEMO_SHARED_ACK_H
#define DEMO_SHARED_ACK_H

#include <stdbool.h>
#include <stdint.h>

#include <pvirq/shared_state.h>

#define SHARED_ACK_EVEN 0x5555555555555555ull /* bit 2k of every INTID k */
#define SHARED_ACK_MAX_CAS 64u		      /* as the host: bounded retries */

struct shared_ack_cpu {
	uint64_t *page;	    /* the page registered with RVIC_SHARE_STATE */
	uint32_t nr_words;  /* n = (T + U) / 32 */
	uint32_t top_class; /* highest class on the IRQ line: 2 with an NMI line, else 3 */
	uint32_t cursor;    /* round robin: search starts after the last INTID taken */
	uint32_t cas_lost;  /* CASes another agent's update made fail */
};

/* Bits 2k of the INTIDs of @p state that are deliverable and of class
 * @p cls according to class word @p classes. */
static inline uint64_t shared_ack_candidates(uint64_t state, uint64_t classes, uint32_t cls)
{
	uint64_t lo = classes & SHARED_ACK_EVEN, hi = (classes >> 1) & SHARED_ACK_EVEN;
	uint64_t of_class = ((cls & 1u) ? lo : ~lo) & ((cls & 2u) ? hi : ~hi) & SHARED_ACK_EVEN;

	return state & ~(state >> 1) & of_class;
}

/* Pending bits strictly above bit @p pos (k == 0 of the search), or at
 * and below it plus its masked bit (k == n: the wrap-around). */
static inline uint64_t shared_ack_above(uint32_t pos)
{
	return pos + 2u >= 64u ? 0 : ~0ull << (pos + 2u);
}

/* Acknowledges one INTID in the page; -1 if none is deliverable (or the
 * CAS lost SHARED_ACK_MAX_CAS times: the line stays high, the caller's
 * next upcall retries). */
static inline int shared_ack(struct shared_ack_cpu *cpu)
{
	uint64_t *page = cpu->page;
	uint32_t n = cpu->nr_words;
	uint32_t floor =
		(uint32_t)__atomic_load_n(&page[PVIRQ_SHARED_FLOOR_WORD(n)], __ATOMIC_SEQ_CST) & 3u;
	uint32_t tries = 0;

retry:
	for (int cls = (int)cpu->top_class; cls >= (int)floor; cls--) {
		uint32_t first = cpu->cursor / 32, pos = 2u * (cpu->cursor % 32);

		/* Round robin: the cursor's word above the cursor, the other
		 * words, then the cursor's word up to the cursor. */
		for (uint32_t k = 0; k <= n; k++) {
			uint32_t i = (first + k) % n;
			uint64_t *word = &page[PVIRQ_SHARED_STATE_WORD(n, i)];
			uint64_t state = __atomic_load_n(word, __ATOMIC_SEQ_CST);
			uint64_t classes = __atomic_load_n(&page[PVIRQ_SHARED_CLASS_WORD(n, i)],
							   __ATOMIC_SEQ_CST);
			uint64_t cand = shared_ack_candidates(state, classes, (uint32_t)cls);
			uint32_t bit;

			if (k == 0)
				cand &= shared_ack_above(pos);
			else if (k == n)
				cand &= ~shared_ack_above(pos);
			if (!cand)
				continue;
			bit = (uint32_t)__builtin_ctzll(cand);
			if (__atomic_compare_exchange_n(
				    word, &state, (state & ~(1ull << bit)) | (2ull << bit), false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				cpu->cursor = 32 * i + bit / 2;
				return (int)cpu->cursor;
			}
			/* The host or another agent changed the word: start over
			 * (a higher class may have become deliverable). */
			cpu->cas_lost++;
			if (++tries == SHARED_ACK_MAX_CAS)
				return -1;
			goto retry;
		}
	}
	return -1;
}

/* End of interrupt of @p intid in the page: unmask it. Returns true if it
 * was pending again (deliverable now, unknown to the host). */
static inline bool shared_eoi(struct shared_ack_cpu *cpu, uint32_t intid)
{
	uint64_t old =
		__atomic_fetch_and(&cpu->page[PVIRQ_SHARED_STATE_WORD(cpu->nr_words, intid / 32)],
				   ~PVIRQ_SHARED_MASKED(intid), __ATOMIC_SEQ_CST);

	return (old & PVIRQ_SHARED_PENDING(intid)) != 0;
}

#endif /* DEMO_SHARED_ACK_H */
