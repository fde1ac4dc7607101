/* SPDX-License-Identifier: MIT */
/*
 * Spin model of rVID retarget against a concurrent device inject, as
 * implemented in src/core/rvid.c:
 *   inject  D1 e = load(entry); D2 signal e (untrusted path: class check,
 *           read enabled, fetch_or pending); D3 e' = load(entry);
 *           e' != e and valid: repeat from D2 with e'.
 *   MAP     M0 claim new in the occupancy bitmap (fetch_or; already set:
 *           EBUSY); M1 old = exchange(entry, new); M2 if old valid and
 *           != new: M2a load old's word; if pending: M2b signal new, and
 *           only if that latched, M2c clear old's pending bit (a refused
 *           signal leaves the bit on old, untouched); M3 release old's
 *           occupancy bit.
 *   inject  returns OK if some D2 latched the edge, DISABLED only if every
 *           D2 found its target disabled (issue 12 defect 4).
 * Every step is a seq_cst RMW or load. On TSO an RMW drains the store
 * buffer and a load reads memory or the thread's own last store; no thread
 * here has a plain store, so the interleavings below are all the
 * executions (tso.pml is used only for its vocabulary: the rVID has no
 * plain store for TSO to reorder; rvic_live.pml is where it matters).
 * Notification is modelled in rvic.pml; here only where pending lands.
 *
 * Shape: two vCPUs A, B; INTID 0 trusted, INTID 1 untrusted; A enabled,
 * B enabled or (a second run of every search) disabled: the disabled
 * retarget target. INTID 1 unmasked on both, INTID 0 masked. Input 0
 * starts mapped to (A, 1), which it holds in the occupancy bitmap.
 *   D  a device: one inject of input 0.
 *   G  the guest: maybe first tries MAP(0 -> (A, 0)), a trusted INTID
 *      (must be refused); then MAP(0 -> (B, 1)); then MAP(0 -> (A, 1)).
 *   H  the guest mapping a second input onto the same (A, 1): MAP(1 ->
 *      (A, 1)), refused while input 0 holds it (shared INTIDs, issue 12
 *      defect 1).
 *   K  vCPU A acknowledging, up to twice (CAS on its word).
 *
 * Properties (assertions):
 *   R1 No lost interrupt: at quiescence, if the device's inject returned
 *      OK, INTID 1 is pending
 *      on the current target of input 0, or vCPU A acknowledged it.
 *      (A duplicate on the old target is allowed: untrusted interrupts may
 *      be spurious.)
 *      With B disabled the edge may stay on A (MAP leaves it there), so
 *      then pending on A counts too.
 *   R2 A trusted INTID is never set from the untrusted side: every latch
 *      made by the rVID paths is of an untrusted INTID, and at quiescence
 *      no trusted pending bit is set (nothing here signals a trusted one).
 *   R3 One input per (vCPU, INTID) (invariant O of rvid.c): when a MAP
 *      installs its entry, no other valid entry names the same target.
 *   R4 inject's status tells the truth: OK only if one of its D2 steps
 *      latched the edge; DISABLED only if none did.
 *
 * Broken variants (spin -D...), each must give a counterexample:
 *   BROKEN_MOVE    MAP does not move the old target's pending bit (no M2).
 *   BROKEN_INJECT  inject without the D3 re-read loop.
 *   BROKEN_CLASS   neither MAP nor inject checks the INTID class.
 *   BROKEN_CLAIM   MAP without the occupancy claim (R3).
 *   BROKEN_STATUS  inject returns the status of its last D2 (the old
 *                  engine, issue 12 defect 4) (R4).
 *   BROKEN_KEEP    MAP clears the old target's bit even when the new
 *                  target refused it (disabled): the edge is dropped (R1,
 *                  only in the searches with B disabled).
 */

#define NT 4
#define D 0
#define G 1
#define K 2
#define H 3

#define ENTRY 0 /* entry of input n: ENTRY + n */
#define WORDS 2 /* state word of vCPU v: WORDS + v */
#define ENABLES 4 /* enabled flag of vCPU v: ENABLES + v */
#define OCCUPIED 6 /* occupancy bits: bit 2 * v + (i - NTRUSTED) */
#define NADDR 7

#define NVCPU 2
#define NTRUSTED 1
#define NINTID 2
#define VALID 128
#define ENCODE(v, i) (VALID | ((v) << 4) | (i))
#define VCPU_OF(e) (((e) >> 4) & 7)
#define INTID_OF(e) ((e) & 15)
#define PBIT(i) (1 << (2 * (i)))
#define MBIT(i) (2 << (2 * (i)))

#define OK 0
#define REFUSED 1
#define BUSY 2
#define OCC_BIT(v, i) (1 << (2 * (v) + (i) - NTRUSTED))

#include "tso.pml"

bool edge;  /* ghost: inject returned OK */
byte acked; /* ghost: acknowledgements of INTID 1 on A */
bool latched_by_inject; /* ghost: some D2 of the inject latched */

#ifdef BROKEN_CLASS
#define UNTRUSTED(i) ((i) < NINTID)
#else
#define UNTRUSTED(i) ((i) >= NTRUSTED && (i) < NINTID)
#endif

/* pvirq__latch_pending() reached from the rVID (untrusted) side. */
inline latch_untrusted(t, v, i, old)
{
	d_step {
		!sb_full[t];
		assert(i >= NTRUSTED); /* R2 */
		old = mem[WORDS + v];
		mem[WORDS + v] = old | PBIT(i)
	}
}

/* signal_untrusted(): class check, read enabled, latch. */
inline signal_untrusted(t, e, res, v, i, tmp, old)
{
	v = VCPU_OF(e);
	i = INTID_OF(e);
	if
	:: v >= NVCPU || !UNTRUSTED(i) -> res = REFUSED
	:: else ->
		load(t, ENABLES + v, tmp);
		if
		:: tmp -> latch_untrusted(t, v, i, old); res = OK
		:: else -> res = REFUSED
		fi
	fi
}

/* pvirq_rvid_map() of input n. */
inline map(t, n, nv, ni, res, e, v, i, tmp, old)
{
	if
	:: !UNTRUSTED(ni) -> res = REFUSED
	:: else ->
		load(t, ENTRY + n, e);
		if
		:: e == ENCODE(nv, ni) -> res = OK /* its own target: nothing to do */
		:: else ->
#ifdef BROKEN_CLAIM
			old = 0;
#else
			fetch_or(t, OCCUPIED, OCC_BIT(nv, ni), old); /* M0 */
#endif
			if
			:: old & OCC_BIT(nv, ni) -> res = BUSY
			:: else ->
				d_step { /* M1, and R3 at the instant the entry is installed */
					!sb_full[t];
					e = mem[ENTRY + n];
					mem[ENTRY + n] = ENCODE(nv, ni);
					assert(mem[ENTRY + 1 - n] != ENCODE(nv, ni))
				}
				res = OK;
				if
				:: (e & VALID) && e != ENCODE(nv, ni) && VCPU_OF(e) < NVCPU &&
				   UNTRUSTED(INTID_OF(e)) ->
#ifndef BROKEN_MOVE
					/* M2a: read the old target's word */
					v = VCPU_OF(e);
					i = INTID_OF(e);
					load(t, WORDS + v, old);
					if
					:: old & PBIT(i) ->
						/* M2b: signal the new target first */
						signal_untrusted(t, ENCODE(nv, ni), res, v, i, tmp, old);
#ifdef BROKEN_KEEP
						res = OK;
#endif
						v = VCPU_OF(e);
						i = INTID_OF(e);
						if
						:: res == OK -> /* M2c: then clear the old one */
							fetch_and(t, WORDS + v, ~PBIT(i), old)
						:: else -> skip /* disabled: the bit stays on old */
						fi;
						res = OK
					:: else -> skip
					fi;
#endif
					/* M3: release the old target */
					fetch_and(t, OCCUPIED, ~OCC_BIT(VCPU_OF(e), INTID_OF(e)), old)
				:: else -> skip
				fi
			fi
		fi
	fi
}

proctype device()
{
	byte e, again, res, v, i, tmp, old;

	load(D, ENTRY, e); /* D1 */
	do
	:: !(e & VALID) -> break /* unmapped: EUNMAPPED */
	:: else ->
		signal_untrusted(D, e, res, v, i, tmp, old); /* D2 */
		if
		:: res == OK -> latched_by_inject = 1
		:: else -> skip
		fi;
#ifdef BROKEN_INJECT
		break
#else
		load(D, ENTRY, again); /* D3 */
		if
		:: again == e || !(again & VALID) -> break
		:: else -> e = again
		fi
#endif
	od;
	if
	:: e & VALID ->
#ifdef BROKEN_STATUS
		edge = res == OK;
#else
		edge = latched_by_inject;
#endif
		/* R4 */
		assert(edge == latched_by_inject)
	:: else -> skip
	fi
}

proctype guest()
{
	byte res, e, v, i, tmp, old;

	if
	:: map(G, 0, 0, 0, res, e, v, i, tmp, old) /* trusted INTID: refused */
	:: skip
	fi;
	map(G, 0, 1, 1, res, e, v, i, tmp, old); /* retarget to B */
	map(G, 0, 0, 1, res, e, v, i, tmp, old)  /* and back to A */
}

/* A second input onto input 0's (A, 1): refused while input 0 holds it. */
proctype second_input()
{
	byte res, e, v, i, tmp, old;

	map(H, 1, 0, 1, res, e, v, i, tmp, old)
}

/* vCPU A acknowledging INTID 1: CAS "pending && !masked -> masked". */
proctype acker()
{
	byte w, n;

	do
	:: n < 2 ->
		load(K, WORDS + 0, w);
		if
		:: (w & PBIT(1)) && !(w & MBIT(1)) ->
			d_step {
				!sb_full[K];
				if
				:: mem[WORDS + 0] == w ->
					mem[WORDS + 0] = (w & ~PBIT(1)) | MBIT(1);
					acked++
				:: else -> skip
				fi
			}
		:: else -> skip
		fi;
		/* the guest's EOI */
		d_step { !sb_full[K]; mem[WORDS + 0] = mem[WORDS + 0] & ~MBIT(1) };
		n++
	:: else -> break
	od
}

proctype quiescence()
{
	byte e;

	timeout ->
	d_step {
		e = mem[ENTRY];
		/* R1 */
		assert(!edge || acked > 0 ||
		       ((e & VALID) && (mem[WORDS + VCPU_OF(e)] & PBIT(INTID_OF(e)))) ||
		       (!mem[ENABLES + 1] && (mem[WORDS + 0] & PBIT(1))));
		/* R2 */
		assert(!(mem[WORDS + 0] & PBIT(0)) && !(mem[WORDS + 1] & PBIT(0)));
#ifdef CHECK_ATTRIBUTION
		/* Not a property of the engine (see the header): input 1 never
		 * injects, so a pending (A, 1) owned by input 1 is input 0's edge
		 * under input 1's name. */
		assert(!(mem[ENTRY + 1] == ENCODE(0, 1) && (mem[WORDS + 0] & PBIT(1))))
#endif
	}
}

init
{
	atomic {
		mem[ENTRY] = ENCODE(0, 1);
		mem[OCCUPIED] = OCC_BIT(0, 1);
		mem[WORDS + 0] = MBIT(0);
		mem[WORDS + 1] = MBIT(0);
		mem[ENABLES + 0] = 1;
		if
		:: mem[ENABLES + 1] = 1
		:: mem[ENABLES + 1] = 0 /* the retarget target is disabled */
		fi;
		run device();
		run guest();
		run second_input();
		run acker();
		run quiescence()
	}
}
