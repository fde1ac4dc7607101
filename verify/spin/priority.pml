/* SPDX-License-Identifier: MIT */
/*
 * Spin model of acknowledge with priority classes and a floor (issue 18,
 * ABI 0.4, notes/WAVE3.md "Priority classes") under concurrent signals:
 * ACKNOWLEDGE returns an INTID of the highest class >= floor that is
 * deliverable, round robin within a class (a cursor per class), and
 * reports nothing only if no INTID of a class >= floor is deliverable.
 *
 * Shape: one state word holds all four INTIDs (bits P0 M0 .. P3 M3).
 * Classes are constant during the run: INTID 0 class 0, INTIDs 2 and 3
 * class 1, INTID 1 class 2. The floor is 0 or 1 (chosen at the start,
 * constant): with floor 1, INTID 0 is held off. The instance is enabled
 * throughout; notification and the summary are left to rvic.pml.
 * The search is exact per INTID as the engine's: one pass per class from
 * the highest class down to the floor, each pass reading the word anew
 * (a later pass may see a word a signal changed since an earlier one);
 * the pass picks the first deliverable INTID of its class at or after the
 * class's cursor in cyclic order; the CAS P!M -> M!P from the value that
 * pass read takes it (a failed CAS searches again from the top); on
 * success the class's cursor moves past the INTID (a private plain
 * store: only this vCPU acknowledges).
 * Threads:
 *   S1  a device: SIGNAL 2, SIGNAL 2, SIGNAL 0.
 *   S2  a timer: SIGNAL 3, SIGNAL 1.
 *   G   the guest on another CPU: SET_MASKED 3, CLEAR_MASKED 3.
 *   K   the vCPU: while some INTID of a class >= floor is deliverable (the
 *       line), ACKNOWLEDGE, then end of interrupt (fetch_and ~M).
 * Ghost state: at each acknowledge's invocation, the set of deliverable
 * INTIDs; every write that makes an INTID undeliverable takes it out
 * (G's SET_MASKED; the acknowledge's own CAS ends the call), so what is
 * left at the return is the set of INTIDs deliverable THROUGHOUT the
 * call. An INTID masked in between also starts its round-robin count
 * afresh (it was not continuously deliverable).
 *
 * Properties (assertions at each acknowledge's return):
 *   Q1 never an INTID of a class below the floor.
 *   Q2 strict priority: never an INTID of class c while an INTID of a
 *      higher class (>= floor) was deliverable throughout the call.
 *   Q3 round robin: an INTID deliverable throughout consecutive
 *      acknowledges of its class is taken within 2 of them (its class
 *      has 2 INTIDs): at most one acknowledge of its class returns
 *      another INTID.
 *   Q4 exact negative: "nothing" only if no INTID of a class >= floor was
 *      deliverable throughout the call.
 *
 * Broken variants, each must give a counterexample:
 *   BROKEN_PRIORITY     one pass over the classes >= floor, taking the
 *                       first deliverable INTID regardless of class (Q2).
 *   BROKEN_ROUND_ROBIN  each class pass starts at the class's first INTID
 *                       instead of its cursor (Q3: INTID 2, signalled
 *                       again, is taken twice while 3 waits).
 */

#define NT 4
#define K 0
#define S1 1
#define S2 2
#define G 3

#define WORD 0
#define NADDR 1
#define NINTID 4
#define NCLASS 3
#define NONE 255

#include "tso.pml"

#define PBIT(i) (1 << (2 * (i)))
#define MBIT(i) (2 << (2 * (i)))
/* Lanes whose INTID is deliverable, as P-bit positions. */
#define DELIV(w) ((w) & ~((w) >> 1) & 85)
#define CLASS(i) ((i) == 0 -> 0 : ((i) == 1 -> 2 : 1))
/* P-bit lanes of the INTIDs of class c, and of classes >= f. */
#define LANES_OF(c) ((c) == 0 -> PBIT(0) : ((c) == 1 -> (PBIT(2) | PBIT(3)) : PBIT(1)))
#define LANES_FROM(f) ((f) == 0 -> 85 : ((f) == 1 -> (PBIT(1) | PBIT(2) | PBIT(3)) : PBIT(1)))

byte floor;             /* the priority floor, constant */
byte thru;              /* ghost: deliverable throughout the current ACK */
byte passed[NINTID];    /* ghost: ACKs of its class it waited through */

inline signal(t, i, old)
{
	fetch_or(t, WORD, PBIT(i), old)
}

/* First INTID with a lane in d at or after cur, cyclically. */
inline pick(d, cur, found, k, j)
{
	d_step {
		found = NONE;
		k = 0;
		do
		:: k < NINTID && found == NONE ->
			j = (cur + k) % NINTID;
			if
			:: d & PBIT(j) -> found = j
			:: else -> skip
			fi;
			k++
		:: else -> break
		od;
		k = 0;
		j = 0
	}
}

/* The assertions at a successful CAS of INTID `found` of class cls. */
inline check_success(found, cls, i)
{
	assert(cls >= floor); /* Q1 */
	i = 0;
	do
	:: i < NINTID ->
		if
		:: (thru & PBIT(i)) && i != found ->
			assert(CLASS(i) <= cls); /* Q2 */
			if
			:: CLASS(i) == cls ->
				passed[i]++;
				assert(passed[i] < 2) /* Q3 */
			:: else -> skip
			fi
		:: else -> skip
		fi;
		i++
	:: else -> break
	od;
	i = 0;
	passed[found] = 0
}

proctype vcpu()
{
	byte cursor[NCLASS];
	byte w, c, d, found, got, k, j, i, old;

end_wait:
	do
	:: DELIV(mem[WORD]) & LANES_FROM(floor) ->
		d_step { thru = DELIV(mem[WORD]) } /* invocation (ghost) */
retry:	skip;
#ifdef BROKEN_PRIORITY
		load(K, WORD, w);
		d = DELIV(w) & LANES_FROM(floor);
		pick(d, 0, found, k, j);
		c = CLASS(found);
#else
		c = 2;
		do
		:: load(K, WORD, w); /* one read per class pass */
			d = DELIV(w) & LANES_OF(c);
			if
			:: d ->
#ifdef BROKEN_ROUND_ROBIN
				pick(d, 0, found, k, j);
#else
				pick(d, cursor[c], found, k, j);
#endif
				break
			:: !d && c == floor -> found = NONE; break
			:: else -> c--
			fi
		od;
#endif
		if
		:: found == NONE ->
			d_step {
				assert(!(thru & LANES_FROM(floor))); /* Q4 */
				w = 0; c = 0; d = 0
			}
		:: else ->
			d_step {
				if
				:: mem[WORD] == w ->
					mem[WORD] = (w & ~PBIT(found)) | MBIT(found);
					check_success(found, c, i);
					cursor[c] = (found + 1) % NINTID;
					got = found
				:: else -> got = NONE
				fi;
				w = 0; d = 0
			}
			if
			:: got == NONE -> goto retry
			:: else -> skip
			fi;
			fetch_and(K, WORD, ~MBIT(got), old); /* end of interrupt */
			d_step { c = 0; got = NONE; found = 0; old = 0 }
		fi
	od
}

proctype device()
{
	byte old;

	signal(S1, 2, old);
	signal(S1, 2, old);
	signal(S1, 0, old)
}

proctype timer()
{
	byte old;

	signal(S2, 3, old);
	signal(S2, 1, old)
}

/* The guest masks and unmasks INTID 3 (another CPU, SET_MASKED and
 * CLEAR_MASKED): an INTID can stop being deliverable during an ACK. */
proctype guest()
{
	byte old;

	d_step {
		mem[WORD] = mem[WORD] | MBIT(3);
		thru = thru & ~PBIT(3); /* no longer deliverable throughout */
		passed[3] = 0           /* nor continuously */
	};
	fetch_and(G, WORD, ~MBIT(3), old)
}

init
{
	atomic {
		if
		:: floor = 0
		:: floor = 1
		fi;
		run vcpu();
		run device();
		run timer();
		run guest()
	}
}
