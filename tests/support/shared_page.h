/* SPDX-License-Identifier: MIT */
/* The guest's side of the shared-state page for host-side tests: its
 * in-memory acknowledge and end of interrupt (spec section 13), class
 * blind, as one CAS and one AND on the page, like the host's own steps. */
#ifndef PVIRQ_TEST_SHARED_PAGE_H
#define PVIRQ_TEST_SHARED_PAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <pvirq/shared_state.h>

/* Acknowledges the first pending, unmasked INTID of the @words state words
 * of @page: pending -> masked in one CAS. Returns it, or -1. */
static inline int32_t page_ack(_Atomic uint64_t *page, uint32_t words)
{
	for (uint32_t i = 0; i < words; i++) {
		uint64_t w = atomic_load(&page[i]);

		for (;;) {
			uint64_t d = w & ~(w >> 1) & 0x5555555555555555ull;
			uint32_t intid;

			if (!d)
				break;
			intid = i * 32u + (uint32_t)__builtin_ctzll(d) / 2u;
			if (atomic_compare_exchange_strong(&page[i], &w,
							   (w & ~PVIRQ_SHARED_PENDING(intid)) |
								   PVIRQ_SHARED_MASKED(intid)))
				return (int32_t)intid;
		}
	}
	return -1;
}

/* Unmasks @intid in memory; true if it was pending again, which the host
 * does not know of (the re-evaluate rule applies). */
static inline bool page_eoi(_Atomic uint64_t *page, uint32_t intid)
{
	return atomic_fetch_and(&page[intid / 32u], ~PVIRQ_SHARED_MASKED(intid)) &
	       PVIRQ_SHARED_PENDING(intid);
}

#endif
