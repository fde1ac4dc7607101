/* SPDX-License-Identifier: MIT */
/*
 * The guest's side of the shared-state page (ABI 0.4, include/pvirq/
 * shared_state.h): acknowledge and end of interrupt as atomic instructions
 * on the page instead of hypercalls, and the page's registration.
 *
 * Memory order: every access is seq_cst. The hypervisor's correctness
 * argument (src/core/rvic.c, "No lost wake-up" and invariant S) puts every
 * state-word RMW in one total order with its own summary and "notified"
 * operations: a SIGNAL does word RMW, then summary RMW, then reads
 * enabled and notifies; its lazy summary clearer does summary RMW, then
 * re-reads the word. Our unmask is the guest-side half of the same
 * store-buffering pairs (unmask, then the hypervisor must see the word
 * when it next decides whether the line is high), so it must be in that
 * total order too: acquire/release would let the hypervisor's later
 * re-read miss it. seq_cst costs nothing extra for an RMW on x86 (LOCK),
 * little on arm64 (LDADDAL/CASAL) and riscv64 (AMO .aqrl), and the fast
 * path does one or two per interrupt.
 *
 * Decisions come from the value an RMW returns (the unmask's old value,
 * the CAS's success), never from a second read: the hypervisor and other
 * CPUs (remote SIGNAL, SET_MASKED, CLEAR_PENDING) change the word between
 * any two reads.
 */
#include <stdatomic.h>

#include "internal.h"

/* Compare-and-swap failures an in-memory acknowledge tolerates before it
 * gives up for this entry (each failure is another CPU's progress on the
 * word; the hypervisor bounds its own retries the same way). */
#define MEM_ACK_RETRIES 64u

#define EVEN_LANES 0x5555555555555555ull

static _Atomic uint64_t *page_word(const struct pvirq_guest_cpu *cpu, uint32_t index)
{
	return (_Atomic uint64_t *)&cpu->page[index];
}

static uint32_t nr_state_words(const struct pvirq_guest_cpu *cpu)
{
	return cpu->drv->nr_irqs / 32u;
}

/* The state word of INTIDs [32w, 32w + 32). */
static _Atomic uint64_t *state_word(const struct pvirq_guest_cpu *cpu, uint32_t w)
{
	return page_word(cpu, PVIRQ_SHARED_STATE_WORD(nr_state_words(cpu), w));
}

/* Count of trailing zeros of a nonzero word, without libgcc: riscv64
 * without Zbb would call __ctzdi2 for __builtin_ctzll, which a guest
 * kernel linking only this core does not have. */
static uint32_t lowest_bit(uint64_t x)
{
#if defined(__riscv) && !defined(__riscv_zbb)
	uint32_t n = 0;

	/* Binary search: 6 steps, no table, no libgcc. */
	for (uint32_t shift = 32; shift; shift >>= 1) {
		uint64_t low = x & ((1ull << shift) - 1u);

		if (!low) {
			x >>= shift;
			n += shift;
		}
	}
	return n;
#else
	return (uint32_t)__builtin_ctzll(x);
#endif
}

/* Even bit 2k set where lane k is pending and not masked. */
static uint64_t deliverable_lanes(uint64_t state)
{
	return state & ~(state >> 1) & EVEN_LANES;
}

/* Even bit 2k set where lane k's class (bits 2k+1..2k of @p classes) is
 * @p cls. */
static uint64_t lanes_of_class(uint64_t classes, uint32_t cls)
{
	uint64_t low = classes & EVEN_LANES, high = (classes >> 1) & EVEN_LANES;

	return ((cls & 1u) ? low : ~low & EVEN_LANES) & ((cls & 2u) ? high : ~high & EVEN_LANES);
}

/* Even bit 2k set where lane k's class is in [@p low, @p high]. */
static uint64_t lanes_in_classes(uint64_t classes, uint32_t low, uint32_t high)
{
	uint64_t lanes = 0;

	for (uint32_t cls = low; cls <= high; cls++)
		lanes |= lanes_of_class(classes, cls);
	return lanes;
}

/* The highest class on the IRQ line: with an NMI line the NMI class has
 * its own line and entry (pvirq_guest_handle_nmi()). */
static uint32_t top_irq_class(const struct pvirq_guest_cpu *cpu)
{
	return (cpu->drv->features & PVIRQ_ABI_FEATURE_NMI) ? PVIRQ_PRIORITY_NMI - 1u
							    : PVIRQ_PRIORITY_NMI;
}

static uint32_t page_floor(const struct pvirq_guest_cpu *cpu)
{
	return (uint32_t)atomic_load_explicit(
		       page_word(cpu, PVIRQ_SHARED_FLOOR_WORD(nr_state_words(cpu))),
		       memory_order_seq_cst) &
	       3u;
}

/*
 * The first INTID of class @p cls that is deliverable, searching from the
 * INTID after this class's cursor and wrapping around (the hypervisor's
 * round robin within a class). Reads each word once (the first one twice,
 * for the part before the cursor after the wrap). Sets *@p seen to the
 * state word the answer came from, for the CAS.
 */
static bool find_in_class(const struct pvirq_guest_cpu *cpu, uint32_t cls, uint32_t *intid,
			  uint64_t *seen)
{
	const uint32_t n = nr_state_words(cpu), start = (cpu->ack_cursor[cls] + 1u) % (32u * n);
	const uint32_t first = start / 32u;
	const uint64_t from_start = ~0ull << (2u * (start % 32u));

	for (uint32_t k = 0; k <= n; k++) {
		uint32_t w = (first + k) % n;
		uint64_t state = atomic_load_explicit(state_word(cpu, w), memory_order_seq_cst);
		uint64_t classes = atomic_load_explicit(
			page_word(cpu, PVIRQ_SHARED_CLASS_WORD(n, w)), memory_order_seq_cst);
		uint64_t lanes = deliverable_lanes(state) & lanes_of_class(classes, cls);

		if (k == 0)
			lanes &= from_start;
		else if (k == n)
			lanes &= ~from_start;
		if (lanes) {
			*intid = 32u * w + lowest_bit(lanes) / 2u;
			*seen = state;
			return true;
		}
	}
	return false;
}

int64_t pvirq__guest_mem_ack(struct pvirq_guest_cpu *cpu, uint32_t *intid)
{
	const uint32_t top = top_irq_class(cpu);

	for (uint32_t tries = 0; tries < MEM_ACK_RETRIES; tries++) {
		const uint32_t floor = page_floor(cpu);
		bool found = false;
		uint32_t cls = top + 1u, candidate = 0;
		uint64_t seen = 0;

		while (!found && cls-- > floor)
			found = find_in_class(cpu, cls, &candidate, &seen);
		if (!found)
			return PVIRQ_ABI_NO_INTERRUPTS;
		/* The acknowledge step itself: pending, not masked -> masked,
		 * not pending, in one CAS, exactly as the hypervisor's. A
		 * failure means the word changed: search again. */
		if (atomic_compare_exchange_strong_explicit(
			    state_word(cpu, candidate / 32u), &seen,
			    (seen & ~PVIRQ_SHARED_PENDING(candidate)) |
				    PVIRQ_SHARED_MASKED(candidate),
			    memory_order_seq_cst, memory_order_seq_cst)) {
			cpu->ack_cursor[cls] = candidate;
			cpu->mem_acks++;
			*intid = candidate;
			return PVIRQ_ABI_SUCCESS;
		}
	}
	return PVIRQ__GUEST_GAVE_UP;
}

bool pvirq__guest_mem_unmask(struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	uint64_t old = atomic_fetch_and_explicit(state_word(cpu, intid / 32u),
						 ~PVIRQ_SHARED_MASKED(intid), memory_order_seq_cst);

	/* Pending in the old value: an edge latched while the INTID was
	 * masked. The hypervisor did not raise the line for it (it was not
	 * deliverable then) and did not see this unmask: it is deliverable
	 * now and nobody but this CPU knows. */
	return (old & PVIRQ_SHARED_PENDING(intid)) != 0;
}

bool pvirq__guest_mem_find_deliverable(const struct pvirq_guest_cpu *cpu, bool nmi, uint32_t *intid)
{
	const uint32_t n = nr_state_words(cpu);
	/* Only INTIDs of the line the caller's entry serves: the hypervisor
	 * re-evaluates per INTID (a CLEAR_MASKED of an NMI-class INTID
	 * raises the NMI, of a held-off one nothing). */
	const uint32_t low = nmi ? PVIRQ_PRIORITY_NMI : page_floor(cpu);
	const uint32_t high = nmi ? PVIRQ_PRIORITY_NMI : top_irq_class(cpu);

	for (uint32_t w = 0; w < n; w++) {
		uint64_t state = atomic_load_explicit(state_word(cpu, w), memory_order_seq_cst);
		uint64_t classes = atomic_load_explicit(
			page_word(cpu, PVIRQ_SHARED_CLASS_WORD(n, w)), memory_order_seq_cst);
		uint64_t lanes = deliverable_lanes(state) & lanes_in_classes(classes, low, high);

		if (lanes) {
			*intid = 32u * w + lowest_bit(lanes) / 2u;
			return true;
		}
	}
	return false;
}

void pvirq__guest_mem_raise_floor(struct pvirq_guest_cpu *cpu, uint32_t floor)
{
	/* A store, not an RMW: only this CPU changes its floor (the
	 * hypervisor writes it only on this CPU's own SET_PRIORITY_MASK). */
	atomic_store_explicit(page_word(cpu, PVIRQ_SHARED_FLOOR_WORD(nr_state_words(cpu))), floor,
			      memory_order_seq_cst);
}

uint32_t pvirq__guest_mem_floor(const struct pvirq_guest_cpu *cpu)
{
	return page_floor(cpu);
}

int64_t pvirq_guest_cpu_set_shared(struct pvirq_guest_cpu *cpu, void *page, uint64_t gpa,
				   uint32_t flags)
{
	const uint32_t known = PVIRQ_GUEST_SHARED_ACK_IN_MEMORY | PVIRQ_GUEST_SHARED_EOI_REEVALUATE;

	if (page && (((uintptr_t)page | gpa) % PVIRQ_SHARED_STATE_SIZE))
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	if (flags & ~known)
		return PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 2);
	cpu->page = page;
	cpu->page_gpa = page ? gpa : 0;
	cpu->page_flags = flags;
	return PVIRQ_ABI_SUCCESS;
}

/* Called with the instance disabled (SHARE_STATE and UNSHARE_STATE answer
 * ENABLED otherwise). The page is shared if the hypervisor offers it and
 * takes it; else the CPU traps as before. Any page a previous kernel left
 * registered is replaced or released here too, so a crash kernel's
 * bring-up takes the hypervisor's hands off the old kernel's memory. */
int64_t pvirq__guest_share(struct pvirq_guest_cpu *cpu)
{
	cpu->page_shared = 0;
	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_SHARED_STATE))
		return PVIRQ_ABI_SUCCESS;
	if (cpu->page) {
		cpu->share_status = GUEST_CALL(cpu, RVIC, SHARE_STATE, cpu->page_gpa, 0, 0).status;
		if (cpu->share_status == PVIRQ_ABI_SUCCESS) {
			for (uint32_t cls = 0; cls < PVIRQ_PRIORITY_CLASSES; cls++)
				cpu->ack_cursor[cls] = cpu->drv->nr_irqs - 1u;
			cpu->page_shared = 1;
			return PVIRQ_ABI_SUCCESS;
		}
	}
	/* No page, or refused: make sure none is left registered. */
	return GUEST_CALL(cpu, RVIC, UNSHARE_STATE, 0, 0, 0).status;
}

int64_t pvirq__guest_unshare(struct pvirq_guest_cpu *cpu)
{
	cpu->page_shared = 0;
	if (!(cpu->drv->features & PVIRQ_ABI_FEATURE_SHARED_STATE))
		return PVIRQ_ABI_SUCCESS;
	return GUEST_CALL(cpu, RVIC, UNSHARE_STATE, 0, 0, 0).status;
}
