/* SPDX-License-Identifier: MIT */
/*
 * Spin model of one rVIC instance for LIVENESS, with the cases rvic.pml
 * leaves out: DISABLE and the guest's bring-up reset, two acknowledgers,
 * the acknowledge cursor (a relaxed load and a plain store, which the TSO
 * layer really buffers), and a trusted level line with the level semantics
 * of issue 12 (defect 5) and RESAMPLE at the end of its handler.
 *
 * Shape: one state word, two lanes. INTID 0 has a software level line,
 * INTID 1 is an edge. One state word means the summary word is left out
 * (rvic.pml checks it): any_deliverable() reads the word.
 * Threads:
 *   V  the vCPU: forever: rearm (exchange notified 0, then line = enabled
 *      && a deliverable INTID); line high: ACKNOWLEDGE, then the handler's
 *      end: CLEAR_MASKED and, for the level INTID, RESAMPLE; line low:
 *      sleep until kicked (notify()).
 *   A  a second acknowledger on the same instance (ACK + the same EOI),
 *      forever.
 *   G  the guest's CPU bring-up reset, once: DISABLE; SET_MASKED all;
 *      CLEAR_PENDING all; ENABLE; CLEAR_MASKED all.
 *   S  a device: SIGNAL of the edge INTID, once.
 *   L  a timer: raises the level line once and holds it high.
 * Level semantics modelled (item 5): set_level(1) stores the level, then
 * signals (latched if enabled); CLEAR_PENDING clears, then RESAMPLEs;
 * ENABLE stores enabled, latches every high level, then scans; RESAMPLE
 * re-reads the level and signals (src/core/rvic.c, issue 12 second wave).
 *
 * Properties:
 *   P1 (assertion) ACK takes only a deliverable INTID, even with two
 *      acknowledgers racing.
 *   live_ack    (LTL, weak fairness) no INTID stays deliverable on an
 *               enabled instance forever: it is acknowledged.
 *   live_notify (LTL, weak fairness) a vCPU asleep while its line is high
 *               is eventually woken.
 *   live_level  (LTL, weak fairness) a level line held high is
 *               acknowledged again and again, through the bring-up reset.
 * Broken variants, each caught:
 *   BROKEN_ACK     acknowledge without compare-and-swap (P1).
 *   BROKEN_CURSOR  acknowledge always searches from INTID 0 (live_ack: the
 *                  re-firing level INTID starves the edge).
 *   BROKEN_REARM   rearm clears notified with a plain store (live_notify).
 *                  It fails only through the store buffer: with
 *                  -DSC_MEMORY (no buffering) it passes (check.sh pass).
 *   BROKEN_LEVEL   CLEAR_PENDING and ENABLE ignore the level (the old
 *                  engine, issue 12 defect 5) (live_level).
 */

#define NT 3
#define V 0
#define A 1
#define O 2 /* G, S and L: only RMWs and seq_cst stores, never buffered */

#define NOTIFIED 0
#define ENABLED 1
#define WORD 2
#define LEVEL 3
#define CURSOR 4
#define NADDR 5
#define NONE 255

#define LVL 0  /* INTID 0: level line */
#define EDGE 1 /* INTID 1: edge */
#define PBIT(i) (1 << (2 * (i)))
#define MBIT(i) (2 << (2 * (i)))
#define DELIVERABLE(w) ((w) & ~((w) >> 1) & 5)

#include "tso.pml"

bool kick;      /* notify() called, not yet consumed by V */
bool asleep;    /* ghost: V waits for a kick */
bool par_level; /* ghost: flips on every ACK of the level INTID */

#define EN (mem[ENABLED] != 0)
#define DELIV(i) ((mem[WORD] & PBIT(i)) && !(mem[WORD] & MBIT(i)))

ltl live_ack { ([] <> !(EN && DELIV(EDGE))) && ([] <> !(EN && DELIV(LVL))) }
ltl live_notify { [] ((asleep && EN && (DELIV(EDGE) || DELIV(LVL))) -> <> !asleep) }
ltl live_level { ([] <> par_level) && ([] <> !par_level) }

inline raise_line(t, tmp)
{
	load(t, NOTIFIED, tmp);
	if
	:: tmp -> skip
	:: else ->
		d_step {
			!sb_full[t];
			tmp = mem[NOTIFIED];
			mem[NOTIFIED] = 1;
			if
			:: tmp == 0 -> kick = 1
			:: else -> skip
			fi
		}
	fi
}

/* pvirq__latch_pending(): fetch_or P; publish if it became deliverable. */
inline latch(t, i, old, tmp)
{
	fetch_or(t, WORD, PBIT(i), old);
	if
	:: !(old & (PBIT(i) | MBIT(i))) ->
		load(t, ENABLED, tmp);
		if
		:: tmp -> raise_line(t, tmp)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

inline signal(t, i, old, tmp)
{
	load(t, ENABLED, tmp);
	if
	:: tmp -> latch(t, i, old, tmp)
	:: else -> skip /* DISABLED: dropped */
	fi
}

inline resample(t, old, tmp)
{
	load(t, LEVEL, tmp);
	if
	:: tmp -> signal(t, LVL, old, tmp)
	:: else -> skip
	fi
}

inline clear_pending(t, i, old, tmp)
{
	fetch_and(t, WORD, ~PBIT(i), old);
#ifndef BROKEN_LEVEL
	/* rvic.c: a trusted INTID is cleared, then RESAMPLEd. */
	if
	:: i == LVL -> resample(t, old, tmp)
	:: else -> skip
	fi
#endif
}

inline clear_masked(t, i, old, tmp)
{
	fetch_and(t, WORD, ~MBIT(i), old);
	if
	:: (old & MBIT(i)) && (old & PBIT(i)) ->
		load(t, ENABLED, tmp);
		if
		:: tmp -> raise_line(t, tmp)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

inline enable(t, old, tmp)
{
	store_sc(t, ENABLED, 1);
#ifndef BROKEN_LEVEL
	load(t, LEVEL, tmp);
	if
	:: tmp -> latch(t, LVL, old, tmp)
	:: else -> skip
	fi;
#endif
	load(t, WORD, tmp);
	if
	:: DELIVERABLE(tmp) -> raise_line(t, tmp)
	:: else -> skip
	fi
}

/* pvirq_rvic_acknowledge(): enabled read; relaxed cursor load; search
 * from the cursor; CAS; plain (buffered) cursor store. */
inline acknowledge(t, got, w, cur, found, tmp)
{
	got = NONE;
	load(t, ENABLED, tmp);
	if
	:: !tmp -> goto ack_done
	:: else -> skip
	fi;
ack_retry:
	load(t, CURSOR, cur);
	load(t, WORD, w);
	if
	:: !DELIVERABLE(w) -> goto ack_done
	:: else -> skip
	fi;
#ifdef BROKEN_CURSOR
	cur = 0;
#endif
	if
	:: cur == 0 -> found = ((DELIVERABLE(w) & PBIT(0)) -> 0 : 1)
	:: else -> found = ((DELIVERABLE(w) & PBIT(1)) -> 1 : 0)
	fi;
	d_step {
		!sb_full[t];
#ifdef BROKEN_ACK
		/* P1 */
		assert((mem[WORD] & PBIT(found)) && !(mem[WORD] & MBIT(found)));
		mem[WORD] = (mem[WORD] & ~PBIT(found)) | MBIT(found);
		got = found;
#else
		if
		:: mem[WORD] == w ->
			assert((mem[WORD] & PBIT(found)) && !(mem[WORD] & MBIT(found))); /* P1 */
			mem[WORD] = (w & ~PBIT(found)) | MBIT(found);
			got = found
		:: else -> skip
		fi;
#endif
		if
		:: got == LVL -> par_level = !par_level
		:: else -> skip
		fi
	}
	if
	:: got == NONE -> goto ack_retry
	:: else -> store_buffered(t, CURSOR, 1 - got)
	fi;
ack_done:
	skip
}

/* The handler's end: unmask, and RESAMPLE for the level INTID. */
inline eoi(t, got, old, tmp)
{
	clear_masked(t, got, old, tmp);
	if
	:: got == LVL -> resample(t, old, tmp)
	:: else -> skip
	fi
}

proctype vcpu()
{
	byte tmp, old, w, cur, found, got;

	do
	:: /* pvirq_vcpu_rearm() */
#ifdef BROKEN_REARM
		store_buffered(V, NOTIFIED, 0);
#else
		exchange(V, NOTIFIED, 0, tmp);
#endif
		load(V, ENABLED, tmp);
		if
		:: tmp -> load(V, WORD, w); tmp = DELIVERABLE(w)
		:: else -> skip
		fi;
		if
		:: tmp ->
			acknowledge(V, got, w, cur, found, tmp);
			if
			:: got != NONE -> eoi(V, got, old, tmp)
			:: else -> skip
			fi
		:: else ->
			asleep = 1;
end_sleep:		atomic { kick -> kick = 0; asleep = 0 }
		fi;
		/* Forget the locals: fewer distinct states, same behaviour. */
		d_step { tmp = 0; old = 0; w = 0; cur = 0; found = 0; got = 0 }
	od
}

proctype acker()
{
	byte tmp, old, w, cur, found, got, n;

	do
	:: n < 2 ->
		acknowledge(A, got, w, cur, found, tmp);
		if
		:: got != NONE -> eoi(A, got, old, tmp)
		:: else -> skip
		fi;
		d_step { tmp = 0; old = 0; w = 0; cur = 0; found = 0; got = 0; n++ }
	:: else -> break
	od
}

proctype guest()
{
	byte tmp, old;

	/* Only the level INTID's part of the sequence: the edge INTID is
	 * left out of this configuration (see init). */
	store_sc(O, ENABLED, 0); /* DISABLE */
	fetch_or(O, WORD, MBIT(LVL), old); /* mask all */
	clear_pending(O, LVL, old, tmp); /* clear all */
	enable(O, old, tmp);
	clear_masked(O, LVL, old, tmp) /* unmask */
}

proctype device()
{
	byte tmp, old;

	signal(O, EDGE, old, tmp)
}

proctype timer()
{
	byte tmp, old;

	fetch_or(O, LEVEL, 1, old); /* set_level(1): store the level ... */
	signal(O, LVL, old, tmp)    /* ... then signal */
}

init
{
	atomic {
		mem[ENABLED] = 1;
		mem[WORD] = 0;
		mem[CURSOR] = 0;
		run flusher(V);
		run vcpu();
#if defined(BRINGUP)
		run timer();
		run guest();
#elif defined(SECOND_ACKER)
		run device();
		run flusher(A);
		run acker();
#else
		run device();
		run timer();
#endif
		skip
	}
}
