/* SPDX-License-Identifier: MIT */
/*
 * Spin model of rVID retarget against a concurrent device inject, as
 * implemented in src/core/rvid.c:
 *   inject  D1 e = load(entry); D2 signal e (untrusted path: class check,
 *           read enabled, fetch_or pending); D3 e' = load(entry);
 *           e' != e and valid: repeat from D2 with e'.
 *   MAP     M1 old = exchange(entry, new); M2 if old valid and != new:
 *           test-and-clear pending of old; if it was pending, signal new
 *           (if that is refused, latch it back on old).
 * Every step is a seq_cst RMW or load. On TSO an RMW drains the store
 * buffer and a load reads memory or the thread's own last store; no thread
 * here has a plain store, so the interleavings below are all the
 * executions (tso.pml is used only for its vocabulary).
 * Notification is modelled in rvic.pml; here only where pending lands.
 *
 * Shape: two vCPUs A, B; INTID 0 trusted, INTID 1 untrusted; both
 * instances enabled, INTID 1 unmasked on both, INTID 0 masked. Input 0
 * starts mapped to (A, 1).
 *   D  a device: one inject of input 0.
 *   G  the guest: maybe first tries MAP(0 -> (A, 0)), a trusted INTID
 *      (must be refused); then MAP(0 -> (B, 1)); then MAP(0 -> (A, 1)).
 *   K  vCPU A acknowledging, up to twice (CAS on its word).
 *
 * Properties (assertions):
 *   R1 No lost interrupt: at quiescence, if the device's edge was accepted
 *      (D1 read a valid entry: every target is enabled), INTID 1 is pending
 *      on the current target of input 0, or vCPU A acknowledged it.
 *      (A duplicate on the old target is allowed: untrusted interrupts may
 *      be spurious.)
 *   R2 A trusted INTID is never set from the untrusted side: every latch
 *      made by the rVID paths is of an untrusted INTID, and at quiescence
 *      no trusted pending bit is set (nothing here signals a trusted one).
 *
 * Broken variants (spin -D...), each must give a counterexample:
 *   BROKEN_MOVE    MAP does not move the old target's pending bit (no M2).
 *   BROKEN_INJECT  inject without the D3 re-read loop.
 *   BROKEN_CLASS   neither MAP nor inject checks the INTID class.
 */

#define NT 3
#define D 0
#define G 1
#define K 2

#define ENTRY 0
#define WORDS 1 /* state word of vCPU v: WORDS + v */
#define ENABLES 3 /* enabled flag of vCPU v: ENABLES + v */
#define NADDR 5

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

#include "tso.pml"

bool edge;  /* ghost: the device's edge was accepted */
byte acked; /* ghost: acknowledgements of INTID 1 on A */

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

/* pvirq_rvid_map(). */
inline map(t, nv, ni, res, e, v, i, tmp, old)
{
	if
	:: !UNTRUSTED(ni) -> res = REFUSED
	:: else ->
		exchange(t, ENTRY, ENCODE(nv, ni), e); /* M1 */
		res = OK;
#ifndef BROKEN_MOVE
		if
		:: (e & VALID) && e != ENCODE(nv, ni) && VCPU_OF(e) < NVCPU &&
		   UNTRUSTED(INTID_OF(e)) ->
			/* M2: test-and-clear on the old target */
			v = VCPU_OF(e);
			i = INTID_OF(e);
			fetch_and(t, WORDS + v, ~PBIT(i), old);
			if
			:: old & PBIT(i) ->
				signal_untrusted(t, ENCODE(nv, ni), res, v, i, tmp, old);
				if
				:: res != OK ->
					v = VCPU_OF(e);
					i = INTID_OF(e);
					latch_untrusted(t, v, i, old)
				:: else -> skip
				fi;
				res = OK
			:: else -> skip
			fi
		:: else -> skip
		fi
#endif
	fi
}

proctype device()
{
	byte e, again, res, v, i, tmp, old;

	load(D, ENTRY, e); /* D1 */
	edge = (e & VALID) != 0;
	do
	:: !(e & VALID) -> break /* unmapped: ignored */
	:: else ->
		signal_untrusted(D, e, res, v, i, tmp, old); /* D2 */
#ifdef BROKEN_INJECT
		break
#else
		load(D, ENTRY, again); /* D3 */
		if
		:: again == e || !(again & VALID) -> break
		:: else -> e = again
		fi
#endif
	od
}

proctype guest()
{
	byte res, e, v, i, tmp, old;

	if
	:: map(G, 0, 0, res, e, v, i, tmp, old) /* trusted INTID: refused */
	:: skip
	fi;
	map(G, 1, 1, res, e, v, i, tmp, old); /* retarget to B */
	map(G, 0, 1, res, e, v, i, tmp, old)  /* and back to A */
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
		       ((e & VALID) && (mem[WORDS + VCPU_OF(e)] & PBIT(INTID_OF(e)))));
		/* R2 */
		assert(!(mem[WORDS + 0] & PBIT(0)) && !(mem[WORDS + 1] & PBIT(0)))
	}
}

init
{
	atomic {
		mem[ENTRY] = ENCODE(0, 1);
		mem[WORDS + 0] = MBIT(0);
		mem[WORDS + 1] = MBIT(0);
		mem[ENABLES + 0] = 1;
		mem[ENABLES + 1] = 1;
		run device();
		run guest();
		run acker();
		run quiescence()
	}
}
