/* SPDX-License-Identifier: MIT */
/*
 * Spin model of a level-triggered rVID input (issue 18, ABI 0.4) across a
 * retarget and the guest's end of interrupt, as src/core/rvid.c does it
 * (its "Level inputs" comment; the MAP and inject steps are checked with
 * edges in rvid.pml):
 *   raise   store level 1 (seq_cst), then inject as an edge: D1 e =
 *           load(entry); D2 signal e (read enabled, fetch_or P); D3 e' =
 *           load(entry); e' != e and valid: repeat from D2 with e'.
 *   lower   store level 0; nothing is retracted.
 *   MAP     M1 old = exchange(entry, new); if old was valid: M2a load
 *           old's word; if pending: M2b signal new, and only if that
 *           latched M2c clear old's bit; then M4: if the level is high,
 *           signal the new target (maybe a duplicate). The occupancy claim
 *           and release (M0, M3) are left out: there is no second input
 *           here (rvid.pml checks them).
 *   UNMAP   exchange(entry, invalid).
 *   RVID_RESAMPLE(input)  (after the device model's resample() callback,
 *           modelled as the handler's choice below) if the level is high,
 *           inject again (D1..D3), to wherever the input is mapped now.
 *   ENABLE  store enabled 1 (seq_cst), then for each high level input
 *           (level load) mapped to the vCPU (entry load): latch its INTID.
 * Every step is a seq_cst RMW or load, so TSO reorders nothing: no store
 * buffers are run (as in rvid.pml).
 *
 * Shape: one level input (input 0), one untrusted INTID on two vCPUs A
 * and B (one lane of one state word each). The input starts mapped to
 * (A, intid) with its level high and the INTID pending on A (a first raise
 * done). Every search runs twice: B enabled throughout, and B disabled
 * until a concurrent ENABLE (so MAP's M2b and M4 may be refused and
 * ENABLE must pick the level up).
 * Threads:
 *   D   the device raises the level again (it may find it high, or
 *       lowered by a handler).
 *   G   the guest retargets the input to B: MAP straight away, or UNMAP
 *       first and then MAP (a driver's free_irq/request_irq).
 *   KA, KB  the guest's handler on A and on B, ROUNDS_A and ROUNDS_B
 *       rounds (default 1 each): wait for the INTID to be deliverable (the
 *       line), acknowledge (one step: P!M -> M!P, the CAS itself is
 *       checked in rvic.pml), handle at the device (it lowers the level,
 *       or its condition persists and the level stays high),
 *       RVID_RESAMPLE, then unmask (fetch_and ~M).
 *   E   (second search only) ENABLE of B.
 *
 * Property (assertion at quiescence, when nothing can move any more):
 *   L1 no stranded level: if the level is high, the input is mapped and
 *      its current target has the INTID pending or in service (masked).
 *
 * Broken variants, each must give a counterexample (L1):
 *   BROKEN_MAP_NO_LEVEL  MAP has no M4: a raise and the handler's
 *                        RVID_RESAMPLE that fall between UNMAP and MAP find
 *                        the input unmapped, and nothing pends the level
 *                        on the new target. (With a straight retarget M4
 *                        is not needed here: RESAMPLE injects to the
 *                        current target, and the disabled target is left
 *                        to ENABLE.)
 *   BROKEN_NO_RESAMPLE   the handler's end unmasks without RVID_RESAMPLE.
 */

#define NT 5
#define D 0
#define G 1
#define KA 2
#define KB 3
#define E 4

#define ENTRY 0
#define LEVEL 1
#define WORDS 2   /* state word of vCPU v: WORDS + v */
#define ENABLES 4 /* enabled flag of vCPU v: ENABLES + v */
#define NADDR 6

#define VALID 128
#define ENCODE(v) (VALID | (v)) /* the one INTID is implied */
#define VCPU_OF(e) ((e) & 1)
#define P 1
#define M 2

#ifndef ROUNDS_A
#define ROUNDS_A 1
#endif
#ifndef ROUNDS_B
#define ROUNDS_B 1
#endif

#include "tso.pml"

/* signal_untrusted(): read enabled, latch. */
inline signal(t, v, ok, tmp)
{
	load(t, ENABLES + (v), tmp);
	if
	:: tmp -> fetch_or(t, WORDS + (v), P, tmp); ok = 1
	:: else -> ok = 0
	fi
}

/* pvirq_rvid_inject(): D1 load entry; D2 signal; D3 re-load; repeat
 * with the new entry if it changed. */
inline inject(t, e, again, ok, tmp)
{
	load(t, ENTRY, e); /* D1 */
	do
	:: !(e & VALID) -> break /* unmapped */
	:: else ->
		signal(t, VCPU_OF(e), ok, tmp); /* D2 */
		load(t, ENTRY, again);          /* D3 */
		if
		:: again == e || !(again & VALID) -> break
		:: else -> e = again
		fi
	od;
	skip;
	d_step { e = 0; again = 0; ok = 0; tmp = 0 }
}

/* pvirq_rvid_set_level(1): store the level, then inject. */
inline raise(t, e, again, ok, tmp)
{
	fetch_or(t, LEVEL, 1, tmp);
	inject(t, e, again, ok, tmp)
}

/* pvirq_rvid_map(0, nv, intid) */
inline map(t, nv, e, ok, tmp)
{
	load(t, ENTRY, e);
	if
	:: e == ENCODE(nv) -> skip
	:: else ->
		exchange(t, ENTRY, ENCODE(nv), e);      /* M1 */
		if
		:: (e & VALID) && e != ENCODE(nv) ->
			load(t, WORDS + VCPU_OF(e), tmp); /* M2a */
			if
			:: tmp & P ->
				signal(t, nv, ok, tmp); /* M2b */
				if
				:: ok -> fetch_and(t, WORDS + VCPU_OF(e), ~P, tmp) /* M2c */
				:: else -> skip
				fi
			:: else -> skip
			fi
		:: else -> skip
		fi;
#ifndef BROKEN_MAP_NO_LEVEL
		load(t, LEVEL, tmp); /* M4 */
		if
		:: tmp -> signal(t, nv, ok, tmp)
		:: else -> skip
		fi
#endif
	fi;
	d_step { e = 0; ok = 0; tmp = 0 }
}

/* The guest's handler on vCPU c, up to two rounds. */
proctype handler(byte c; byte rounds)
{
	byte t, n, e, again, ok, tmp;

	t = KA + c;
	do
	:: n < rounds ->
		/* The line is high: acknowledge. Its CAS loop is one step
		 * here (it takes effect at the successful CAS; rvic.pml
		 * checks the CAS itself). */
end_wait:	d_step {
			(mem[WORDS + c] & P) && !(mem[WORDS + c] & M) ->
			mem[WORDS + c] = (mem[WORDS + c] & ~P) | M
		};
		/* handle at the device: it lowers the level, or its
		 * condition persists */
		if
		:: fetch_and(t, LEVEL, 0, tmp)
		:: skip
		fi;
#ifndef BROKEN_NO_RESAMPLE
		/* RVID_RESAMPLE(input): (the device model's resample() is the
		 * choice above) if the level is high, inject again, to
		 * wherever the input is mapped now */
		load(t, LEVEL, tmp);
		if
		:: tmp -> inject(t, e, again, ok, tmp)
		:: else -> skip
		fi;
#endif
		fetch_and(t, WORDS + c, ~M, tmp); /* unmask */
		d_step { n++; e = 0; again = 0; ok = 0; tmp = 0 }
	:: else -> break
	od
}

proctype device()
{
	byte e, again, ok, tmp;

	raise(D, e, again, ok, tmp)
}

proctype guest()
{
	byte e, ok, tmp;

	if
	:: exchange(G, ENTRY, 0, e) /* UNMAP (then MAP below maps it again) */
	:: skip
	fi;
	map(G, 1, e, ok, tmp)
}

/* pvirq_rvic_enable(B): store enabled, then pend the high level inputs
 * mapped to it (pvirq__rvid_repend_levels(): level load, entry load,
 * latched unconditionally). */
proctype enabler()
{
	byte e, tmp;

	store_sc(E, ENABLES + 1, 1);
	load(E, LEVEL, tmp);
	if
	:: tmp ->
		load(E, ENTRY, e);
		if
		:: e == ENCODE(1) -> fetch_or(E, WORDS + 1, P, tmp)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

proctype quiescence()
{
	byte e;

	timeout ->
	d_step {
		e = mem[ENTRY];
		/* L1 */
		assert(!mem[LEVEL] || ((e & VALID) && (mem[WORDS + VCPU_OF(e)] & (P | M))))
	}
}

init
{
	atomic {
		mem[ENTRY] = ENCODE(0);
		mem[LEVEL] = 1;
		mem[WORDS + 0] = P;
		mem[ENABLES + 0] = 1;
		if
		:: mem[ENABLES + 1] = 1
		:: mem[ENABLES + 1] = 0; run enabler()
		fi;
		run device();
		run guest();
		run handler(0, ROUNDS_A);
		run handler(1, ROUNDS_B);
		run quiescence()
	}
}
