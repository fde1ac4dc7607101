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

/* Largest n = (T + U) / 32 this code handles (the demo has 2). */
#define SHARED_ACK_MAX_WORDS 8u

/* Bits 2k of the INTIDs that are deliverable in @p state (pending, not
 * masked). */
static inline uint64_t shared_ack_deliverable(uint64_t state)
{
	return state & ~(state >> 1) & SHARED_ACK_EVEN;
}

/* Of @p deliverable, the bits of INTIDs whose class (class word
 * @p classes) is @p cls. */
static inline uint64_t shared_ack_of_class(uint64_t deliverable, uint64_t classes, uint32_t cls)
{
	uint64_t lo = classes & SHARED_ACK_EVEN, hi = (classes >> 1) & SHARED_ACK_EVEN;

	return deliverable & ((cls & 1u) ? lo : ~lo) & ((cls & 2u) ? hi : ~hi);
}

/* Pending bits strictly above bit @p pos (k == 0 of the search), or at
 * and below it plus its masked bit (k == n: the wrap-around). */
static inline uint64_t shared_ack_above(uint32_t pos)
{
	return pos + 2u >= 64u ? 0 : ~0ull << (pos + 2u);
}

/*
 * Acknowledges one INTID in the page; -1 if none is deliverable (or the
 * CAS lost SHARED_ACK_MAX_CAS times: the line stays high, the caller's
 * next upcall retries). Guest code length matters on an emulating host
 * (README "Emulated guest"), so the common cases are short: nothing
 * deliverable costs n loads, and the class is chosen once, not searched.
 */
static inline int shared_ack(struct shared_ack_cpu *cpu)
{
	uint64_t *page = cpu->page;
	uint32_t n = cpu->nr_words, tries = 0;

	for (;;) {
		uint64_t state[SHARED_ACK_MAX_WORDS], live[SHARED_ACK_MAX_WORDS];
		uint64_t classes[SHARED_ACK_MAX_WORDS], any = 0, any_class = 0;
		uint32_t floor, first, pos;
		int cls = -1;

		for (uint32_t i = 0; i < n; i++) {
			state[i] = __atomic_load_n(&page[PVIRQ_SHARED_STATE_WORD(n, i)],
						   __ATOMIC_SEQ_CST);
			live[i] = shared_ack_deliverable(state[i]);
			any |= live[i];
		}
		if (!any)
			return -1;
		floor = (uint32_t)__atomic_load_n(&page[PVIRQ_SHARED_FLOOR_WORD(n)],
						  __ATOMIC_SEQ_CST) &
			3u;
		/* The highest class at or above the floor that has a
		 * deliverable INTID; with every class word 0 (no priorities
		 * in use, the common case) that is class 0. */
		for (uint32_t i = 0; i < n; i++) {
			classes[i] = live[i] ? __atomic_load_n(&page[PVIRQ_SHARED_CLASS_WORD(n, i)],
							       __ATOMIC_SEQ_CST)
					     : 0;
			any_class |= classes[i];
		}
		if (!any_class)
			cls = floor == 0 ? 0 : -1;
		for (int c = (int)cpu->top_class; any_class && c >= (int)floor && cls < 0; c--)
			for (uint32_t i = 0; i < n && cls < 0; i++)
				if (shared_ack_of_class(live[i], classes[i], (uint32_t)c))
					cls = c;
		if (cls < 0)
			return -1; /* all held off by the floor */
		/* Round robin: the cursor's word above the cursor, the other
		 * words, then the cursor's word up to the cursor. */
		first = cpu->cursor / 32;
		pos = 2u * (cpu->cursor % 32);
		for (uint32_t k = 0; k <= n; k++) {
			uint32_t i = first + k < n ? first + k : first + k - n;
			uint64_t cand = shared_ack_of_class(live[i], classes[i], (uint32_t)cls);
			uint32_t bit;

			if (k == 0)
				cand &= shared_ack_above(pos);
			else if (k == n)
				cand &= ~shared_ack_above(pos);
			if (!cand)
				continue;
			bit = (uint32_t)__builtin_ctzll(cand);
			if (__atomic_compare_exchange_n(
				    &page[PVIRQ_SHARED_STATE_WORD(n, i)], &state[i],
				    (state[i] & ~(1ull << bit)) | (2ull << bit), false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				cpu->cursor = 32 * i + bit / 2;
				return (int)cpu->cursor;
			}
			break; /* the word changed: look again */
		}
		/* The host or another agent changed a word (or the candidate
		 * was gone): start over, bounded. */
		cpu->cas_lost++;
		if (++tries == SHARED_ACK_MAX_CAS)
			return -1;
	}
}

/* An INTID that is deliverable in the page now, or -1. For a handler
 * loop that stops early (its budget ran out): an INTID its end of
 * interrupt found pending again is deliverable without the host knowing,
 * and RVIC_CLEAR_MASKED(self, it) makes the host re-evaluate the line. */
static inline int shared_first_deliverable(const struct shared_ack_cpu *cpu)
{
	for (uint32_t i = 0; i < cpu->nr_words; i++) {
		uint64_t live = shared_ack_deliverable(__atomic_load_n(
			&cpu->page[PVIRQ_SHARED_STATE_WORD(cpu->nr_words, i)], __ATOMIC_SEQ_CST));

		if (live)
			return (int)(32 * i + (uint32_t)__builtin_ctzll(live) / 2);
	}
	return -1;
}

/* Whether @p intid is deliverable (pending, not masked) in the page now. */
static inline bool shared_is_deliverable(const struct shared_ack_cpu *cpu, uint32_t intid)
{
	uint64_t state = __atomic_load_n(
		&cpu->page[PVIRQ_SHARED_STATE_WORD(cpu->nr_words, intid / 32)], __ATOMIC_SEQ_CST);

	return (state & PVIRQ_SHARED_PENDING(intid)) && !(state & PVIRQ_SHARED_MASKED(intid));
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
