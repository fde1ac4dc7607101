/* SPDX-License-Identifier: MIT */
/*
 * Spin model of ACKNOWLEDGE with priority classes and a floor (issue 18,
 * ABI 0.4, docs/spec/pvirq-abi.md section 14) under concurrent signals,
 * step by step as src/core/rvic.c acknowledge() does it once a priority
 * call was made:
 *   B  best_class(): load every state word (not only those with a
 *      summary bit: a concurrent lazy clear may hide one); the highest
 *      class >= floor among their deliverable INTIDs.
 *      None: summary_repair() (load every word, restore the summary bit of
 *      a deliverable one; one with an INTID >= floor: search again), else
 *      NO_INTERRUPTS.
 *   F  find_deliverable() in that class from the class's cursor, cyclic:
 *      load the summary; the cursor's word from its lane up, the other
 *      word, the cursor's word below its lane, each only if its summary
 *      bit is set and each a fresh load; a word with nothing deliverable
 *      has its summary bit cleared lazily (fetch_and, re-read, fetch_or
 *      back if deliverable: then search again). Nothing in the class:
 *      summary_repair() as above.
 *   C  CAS the word from what F read, P!M -> M!P (a failure searches
 *      again); the class's cursor moves past the INTID (a private plain
 *      store: only this vCPU acknowledges).
 * SIGNAL: fetch_or P; if it became deliverable, publish (summary load,
 * fetch_or if the bit is not seen). The line and notification are left to
 * rvic.pml: the vCPU acknowledges while something >= floor is deliverable.
 *
 * Shape: two state words of two INTIDs: word 0 holds INTIDs 0 (class 0)
 * and 1 (class 1), word 1 holds 2 (class 1) and 3 (class 2); classes are
 * constant during the run. The floor is 0 or 1 (chosen at the start,
 * constant): with floor 1, INTID 0 is held off.
 * Threads:
 *   K   the vCPU: ACKNOWLEDGE, then end of interrupt (CLEAR_MASKED:
 *       fetch_and ~M, publish if it was pending).
 *   S1  a device: SIGNAL 1, SIGNAL 0, SIGNAL 1.
 *   S2  a timer: SIGNAL 2, SIGNAL 3.
 *   G   (-DMASKER) the guest on another CPU: SET_MASKED 3, CLEAR_MASKED 3
 *       (an INTID stops being deliverable during an acknowledge).
 *   L   (-DREMOTE_SCAN) another host thread computing the line, once
 *       (the x86 notify() callback's rearm: it clears idle summary bits
 *       lazily, concurrently with the acknowledge). It found that a
 *       summary-only best_class() breaks Q2 (verify/README.md); the
 *       engine now reads every word there, and -DBROKEN_SUMMARY_BEST
 *       keeps the old step as a variant that must fail.
 * Ghost state: at each acknowledge's invocation, the set of INTIDs that
 * are deliverable and "settled": the operation that made each deliverable
 * (a SIGNAL's latch, an unmask of a pending INTID) has returned. A SIGNAL
 * still publishing overlaps the call and may be linearized after it, so
 * its INTID does not count. Every write that makes an INTID undeliverable
 * takes it out (G's SET_MASKED; the acknowledge's own CAS ends the call),
 * so what is left at the return is the set deliverable THROUGHOUT the
 * call. An INTID masked in between also starts its round-robin count
 * afresh.
 *
 * Properties (assertions at each acknowledge's return):
 *   Q1 never an INTID of a class below the floor.
 *   Q2 strict priority: never an INTID of class c while an INTID of a
 *      higher class (>= floor) was deliverable throughout the call.
 *   Q3 round robin: an INTID deliverable throughout consecutive
 *      acknowledges of its class is taken within 2 of them (class 1 has
 *      2 INTIDs): at most one of them returns another INTID.
 *   Q4 exact negative: NO_INTERRUPTS only if no INTID of a class >= floor
 *      was deliverable throughout the call (settled or not: the repair
 *      reads the words themselves).
 *
 * Broken variants, each must give a counterexample:
 *   BROKEN_PRIORITY     no class step: one search from the class-0 cursor
 *                       over every class >= floor (Q2).
 *   BROKEN_NO_REPAIR    NO_INTERRUPTS straight from the summary, without
 *                       summary_repair() (Q4: a SIGNAL that latched but
 *                       has not yet published is missed).
 *   BROKEN_ROUND_ROBIN  the class search starts at INTID 0 instead of the
 *                       class's cursor (Q3: INTID 1, signalled again, is
 *                       taken twice while 2 waits).
 */

#define NT 5
#define K 0
#define S1 1
#define S2 2
#define G 3
#define L 4

#define SUMMARY 0
#define W0 1 /* state words: W0 + wd */
#define NADDR 3
#define NINTID 4
#define NONE 255

#include "tso.pml"

/* Lanes as P-bit positions inside a word: lane 0 = 1, lane 1 = 4. */
#define LANE(i) (1 << (2 * ((i) % 2)))
#define MLANE(i) (2 << (2 * ((i) % 2)))
#define WORD_OF(i) ((i) / 2)
#define DELIV(w) ((w) & ~((w) >> 1) & 5)
#define CLASS(i) ((i) == 0 -> 0 : ((i) == 3 -> 2 : 1))
/* Lanes of word wd whose class is exactly c / at least the floor. */
#define CLASS_LANES(wd, c) \
	((wd) == 0 -> ((c) == 0 -> 1 : ((c) == 1 -> 4 : 0)) : ((c) == 1 -> 1 : ((c) == 2 -> 4 : 0)))
#define WANTED(wd) ((wd) == 0 && floor > 0 -> 4 : 5)
/* Highest class among the non-empty lanes d of word wd. */
#define TOP(wd, d) ((wd) == 0 -> (((d) & 4) -> 1 : 0) : (((d) & 4) -> 2 : 1))
/* The INTID of lane bit `lane` (1 or 4) of word wd. */
#define INTID(wd, lane) (2 * (wd) + ((lane) == 4 -> 1 : 0))
#define LOWEST(d) (((d) & 1) -> 1 : 4)

byte floor;          /* the priority floor, constant */
byte thru;           /* ghost: settled INTIDs deliverable throughout the ACK */
byte thru_any;       /* ghost: INTIDs deliverable throughout the ACK */
byte passed[NINTID]; /* ghost: ACKs of its class it waited through */

#define ALL_DELIVERABLE \
	((DELIV(mem[W0]) & 1) | ((DELIV(mem[W0]) & 4) >> 1) | \
	 ((DELIV(mem[W0 + 1]) & 1) << 2) | ((DELIV(mem[W0 + 1]) & 4) << 1))
#define WANTED_INTIDS (floor > 0 -> 14 : 15)

/* Ghost bookkeeping of "deliverable since an operation that returned":
 * the operation that makes INTID i deliverable (a SIGNAL's latch, an
 * unmask of a pending INTID) becomes its maker; when the maker returns and
 * i is still deliverable from its doing, i is settled. An INTID that
 * stops being deliverable is neither. */
byte maker[NINTID];
byte settled; /* bit i: INTID i settled */

inline unsettle(i)
{
	settled = settled & ~(1 << (i));
	maker[i] = NONE
}

/* The end of a SIGNAL or CLEAR_MASKED by thread t of INTID i. */
inline settle(t, i)
{
	d_step {
		if
		:: maker[i] == t -> settled = settled | (1 << (i)); maker[i] = NONE
		:: else -> skip
		fi
	}
}

/* publish_deliverable()'s summary half. */
inline publish(t, i, old)
{
	load(t, SUMMARY, old);
	if
	:: !(old & (1 << WORD_OF(i))) -> fetch_or(t, SUMMARY, 1 << WORD_OF(i), old)
	:: else -> skip
	fi
}

/* pvirq__latch_pending(): fetch_or P; publish if it became deliverable. */
inline signal(t, i, old)
{
	d_step {
		old = mem[W0 + WORD_OF(i)];
		mem[W0 + WORD_OF(i)] = old | LANE(i);
		if
		:: !(old & (LANE(i) | MLANE(i))) -> maker[i] = t
		:: else -> skip
		fi
	}
	if
	:: !(old & (LANE(i) | MLANE(i))) -> publish(t, i, old); settle(t, i)
	:: else -> skip
	fi;
	old = 0
}

/* CLEAR_MASKED: fetch_and ~M; publish if that made it deliverable. */
inline clear_masked(t, i, old)
{
	d_step {
		old = mem[W0 + WORD_OF(i)];
		mem[W0 + WORD_OF(i)] = old & ~MLANE(i);
		if
		:: (old & MLANE(i)) && (old & LANE(i)) -> maker[i] = t
		:: else -> skip
		fi
	}
	if
	:: (old & MLANE(i)) && (old & LANE(i)) -> publish(t, i, old); settle(t, i)
	:: else -> skip
	fi;
	old = 0
}

/* summary_clear_lazily(): d is left with the word's deliverable lanes. */
inline clear_lazily(t, wd, w, d, tmp)
{
	fetch_and(t, SUMMARY, ~(1 << (wd)), tmp);
	load(t, W0 + (wd), w);
	d = DELIV(w);
	if
	:: d -> fetch_or(t, SUMMARY, 1 << (wd), tmp)
	:: else -> skip
	fi
}

/* summary_repair(): res = 1 if some word holds a wanted deliverable INTID. */
inline repair(t, wd, w, d, tmp, res)
{
	res = 0;
#ifdef BROKEN_NO_REPAIR
	wd = 2;
#else
	wd = 0;
#endif
	do
	:: wd < 2 && !res ->
		load(t, W0 + wd, w);
		d = DELIV(w);
		if
		:: d ->
			load(t, SUMMARY, tmp);
			if
			:: !(tmp & (1 << wd)) -> fetch_or(t, SUMMARY, 1 << wd, tmp)
			:: else -> skip
			fi;
			res = (d & WANTED(wd)) != 0
		:: else -> skip
		fi;
		wd++
	:: else -> break
	od
}

/* first_in_word(): fresh load of word wd; the lowest deliverable lane in
 * `lanes` of class cls; an idle word is cleared lazily (changed). */
inline first_in_word(t, wd, lanes, cls, w, d, tmp, found, fwd, seen, changed)
{
	load(t, W0 + (wd), w);
	d = DELIV(w);
	if
	:: d & (lanes) & CLASS_LANES(wd, cls) ->
		found = INTID(wd, LOWEST(d & (lanes) & CLASS_LANES(wd, cls)));
		fwd = wd;
		seen = w
	:: !d -> clear_lazily(t, wd, w, d, tmp); changed = (d != 0)
	:: else -> skip
	fi
}

/* The assertions at a successful CAS of INTID `found` of class cls. */
inline check_success(found, cls, i)
{
	assert(cls >= floor); /* Q1 */
	i = 0;
	do
	:: i < NINTID ->
		if
		:: (thru & (1 << i)) && i != found ->
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
	byte cursor[3];
	byte sum, wd, w, d, tmp, best, cw, cl, found, fwd, seen, i;
	bool res, changed;

end_wait:
	do
	:: ALL_DELIVERABLE & WANTED_INTIDS ->
		d_step { thru_any = ALL_DELIVERABLE; thru = thru_any & settled } /* invocation (ghost) */
retry:		skip;
		d_step { found = NONE; changed = 0; best = NONE; wd = 0; w = 0; d = 0 };
#ifdef BROKEN_PRIORITY
		best = 0;
#else
		/* B: best_class(): every word, not only those the summary names
		 * (another thread's lazy clear can hide a word for a moment;
		 * BROKEN_SUMMARY_BEST is the summary-only version, which
		 * REMOTE_SCAN catches). */
		load(K, SUMMARY, sum);
		do
		:: wd < 2 ->
			if
#ifdef BROKEN_SUMMARY_BEST
			:: sum & (1 << wd) ->
#else
			:: true ->
#endif
				load(K, W0 + wd, w);
				d = DELIV(w) & WANTED(wd);
				if
				:: d && (best == NONE || TOP(wd, d) > best) -> best = TOP(wd, d)
				:: else -> skip
				fi
			:: else -> skip
			fi;
			wd++
		:: else -> break
		od;
		if
		:: best == NONE ->
			repair(K, wd, w, d, tmp, res);
			if
			:: res -> goto retry
			:: else -> goto nothing
			fi
		:: else -> skip
		fi;
#endif
		/* F: find_deliverable() from the class's cursor */
#ifdef BROKEN_ROUND_ROBIN
		cw = 0; cl = 1;
#else
		d_step { cw = WORD_OF(cursor[best]); cl = LANE(cursor[best]) }
#endif
		load(K, SUMMARY, sum);
#ifdef BROKEN_PRIORITY
		/* every class >= floor, in cursor order: the class step is gone */
#define FIND_CLASS(wd) (WANTED(wd))
#else
#define FIND_CLASS(wd) (CLASS_LANES(wd, best))
#endif
		if
		:: sum & (1 << cw) ->
			load(K, W0 + cw, w);
			d = DELIV(w);
			if
			:: d & (cl == 1 -> 5 : 4) & FIND_CLASS(cw) ->
				d_step { found = INTID(cw, LOWEST(d & (cl == 1 -> 5 : 4) & FIND_CLASS(cw)));
					 fwd = cw; seen = w }
			:: !d -> clear_lazily(K, cw, w, d, tmp); changed = (d != 0)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		if
		:: found == NONE && !changed && (sum & (1 << (1 - cw))) ->
			load(K, W0 + 1 - cw, w);
			d = DELIV(w);
			if
			:: d & FIND_CLASS(1 - cw) ->
				d_step { found = INTID(1 - cw, LOWEST(d & FIND_CLASS(1 - cw)));
					 fwd = 1 - cw; seen = w }
			:: !d -> clear_lazily(K, 1 - cw, w, d, tmp); changed = (d != 0)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		if
		:: found == NONE && !changed && (sum & (1 << cw)) && cl == 4 ->
			load(K, W0 + cw, w);
			d = DELIV(w);
			if
			:: d & 1 & FIND_CLASS(cw) ->
				d_step { found = INTID(cw, 1); fwd = cw; seen = w }
			:: !d -> clear_lazily(K, cw, w, d, tmp); changed = (d != 0)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		if
		:: changed -> goto retry
		:: found == NONE ->
			repair(K, wd, w, d, tmp, res);
			if
			:: res -> goto retry
			:: else -> goto nothing
			fi
		:: else -> skip
		fi;
		/* C: the CAS */
		d_step {
			if
			:: mem[W0 + fwd] == seen ->
				mem[W0 + fwd] = (seen & ~LANE(found)) | MLANE(found);
				unsettle(found);
				check_success(found, CLASS(found), i);
				cursor[best] = (found + 1) % NINTID;
				tmp = found
			:: else -> tmp = NONE
			fi
		}
		if
		:: tmp == NONE -> goto retry
		:: else -> skip
		fi;
		clear_masked(K, found, tmp); /* end of interrupt */
		goto done;
nothing:	skip;
		d_step { assert(!(thru_any & WANTED_INTIDS)) } /* Q4 */
done:		skip;
		d_step {
			thru = 0; thru_any = 0;
			sum = 0; wd = 0; w = 0; d = 0; tmp = 0; best = 0; cw = 0; cl = 0;
			found = 0; fwd = 0; seen = 0; res = 0; changed = 0
		}
	od
}

proctype device()
{
	byte old;

	signal(S1, 1, old);
#ifndef ONE_DEVICE_EDGE /* the REMOTE_SCAN runs: small enough for make test */
	signal(S1, 0, old);
	signal(S1, 1, old)
#endif
}

proctype timer()
{
	byte old;

	signal(S2, 2, old);
	signal(S2, 3, old)
}

proctype guest()
{
	byte old;

	d_step {
		mem[W0 + 1] = mem[W0 + 1] | MLANE(3);
		unsettle(3);
		thru = thru & ~(1 << 3); /* no longer deliverable throughout */
		thru_any = thru_any & ~(1 << 3);
		passed[3] = 0            /* nor continuously */
	};
	clear_masked(G, 3, old)
}

/* any_wanted() of the line computation: summary-driven, lazy clearing. */
proctype line_scan()
{
	byte sum, wd, w, d, tmp;

	load(L, SUMMARY, sum);
	do
	:: wd < 2 ->
		if
		:: sum & (1 << wd) ->
			load(L, W0 + wd, w);
			if
			:: !DELIV(w) -> clear_lazily(L, wd, w, d, tmp)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		wd++
	:: else -> break
	od
}

init
{
	atomic {
		maker[0] = NONE; maker[1] = NONE; maker[2] = NONE; maker[3] = NONE;
		if
		:: floor = 0
		:: floor = 1
		fi;
		run vcpu();
		run device();
		run timer();
#ifdef MASKER
		run guest();
#endif
#ifdef REMOTE_SCAN
		run line_scan();
#endif
		skip
	}
}
