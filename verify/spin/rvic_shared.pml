/* SPDX-License-Identifier: MIT */
/*
 * Spin model of the shared-state page (issue 16, ABI 0.4): the guest's
 * own instance state word lives in guest memory, and the guest
 * acknowledges and unmasks with atomic instructions and no trap, while
 * the host signals concurrently and the VMM's notification callback
 * rearms the vCPU and sends the one-shot upcall (the x86 design of
 * notes/WAVE3.md: notify() does "if (pvirq_vcpu_rearm()) send upcall").
 *
 * Shape: one enabled instance, one state word in the page holding INTIDs
 * 0 and 1 (bits P0 M0 P1 M1), so an in-memory CAS can fail on a change
 * of the other INTID. Host-private: the summary bit of that word (lazy
 * clearing with re-check, and the word-by-word repair of a negative
 * answer), enabled, notified.
 * Threads:
 *   V  the vCPU. Idle until the upcall is pending (one bit, like the
 *      vector's IRR bit: upcalls coalesce), then the handler loop: read
 *      the word, CAS the lowest deliverable INTID P!M -> M!P (a failed
 *      CAS searches again); the end of interrupt is either done in the
 *      loop (fetch_and ~M, then the loop searches again, which takes a
 *      re-pended INTID: the "take it in the handler loop" rule) or
 *      deferred until the loop found nothing (a threaded handler). The
 *      deferred end of interrupt is fetch_and ~M; if the old value had
 *      P set the guest re-evaluates: it runs the handler loop again, or
 *      it calls RVIC_CLEAR_MASKED(own, intid) (a trap: the host's
 *      fetch_and ~M finds the INTID pending and publishes it).
 *   S1 a device: SIGNAL 0, SIGNAL 1.
 *   S2 a timer: SIGNAL 0.
 * Host steps as in src/core/rvic.c: SIGNAL reads enabled, fetch_or P,
 * and publishes if the INTID became deliverable (summary fetch_or unless
 * a load sees the bit, enabled load, notified test-and-set, notify on
 * 0 -> 1). notify() is the VMM's callback in the notifying thread:
 * rearm (exchange notified 0, then enabled load and the summary scan with
 * its repair) and, if that found a deliverable INTID, the upcall.
 * Every step is a seq_cst RMW or load (the guest's are lock-prefixed
 * RMWs), so TSO reorders nothing here: no store buffers are run (as in
 * rvid.pml).
 *
 * Properties (assertions):
 *   P1 the in-memory acknowledge takes only a deliverable INTID.
 *   P2 no lost interrupt: when nothing can move any more (V idle with no
 *      upcall pending, signallers done), nothing is deliverable, and every
 *      SIGNAL that latched was acknowledged afterwards.
 *
 * Broken variants, each must give a counterexample (P2):
 *   BROKEN_NO_REEVALUATE      the deferred end of interrupt unmasks in
 *                             memory and neither takes the INTID it finds
 *                             pending nor calls CLEAR_MASKED: an edge that
 *                             arrived while the INTID was in service
 *                             (latched masked, so not published) is lost.
 *   BROKEN_UNMASK_TRANSITION  the host's CLEAR_MASKED publishes only on a
 *                             masked -> unmasked transition (the 0.3 rule):
 *                             the guest already cleared M in memory, so its
 *                             re-evaluate call does nothing.
 */

#define NT 3
#define V 0
#define S1 1
#define S2 2

#define NOTIFIED 0
#define ENABLED 1
#define SUMMARY 2
#define WORD 3 /* the page's state word */
#define NADDR 4
#define NINTID 2
#define NONE 255

#include "tso.pml"

#define PBIT(i) (1 << (2 * (i)))
#define MBIT(i) (2 << (2 * (i)))
#define DELIVERABLE(w) ((w) & ~((w) >> 1) & 5)
#define LOWEST(d) (((d) & 1) -> 0 : 1)

bool upcall;                /* the upcall vector is pending at the vCPU */
bool signalled_ok[NINTID];  /* ghost: a SIGNAL latched */
bool acked_since[NINTID];   /* ghost: acknowledged after the last latch */

/* any_deliverable(): the summary bit answers a positive; an idle word
 * has its bit cleared lazily (re-check, restore); a negative is confirmed
 * by reading the word (summary_repair()). */
inline any_deliverable(t, res, w, tmp)
{
	res = 0;
	load(t, SUMMARY, tmp);
	if
	:: tmp & 1 ->
		load(t, WORD, w);
		if
		:: DELIVERABLE(w) -> res = 1
		:: else ->
			fetch_and(t, SUMMARY, ~1, tmp);
			load(t, WORD, w);
			if
			:: DELIVERABLE(w) -> fetch_or(t, SUMMARY, 1, tmp); res = 1
			:: else -> skip
			fi
		fi
	:: else -> skip
	fi;
	if
	:: !res ->
		load(t, WORD, w);
		if
		:: DELIVERABLE(w) -> fetch_or(t, SUMMARY, 1, tmp); res = 1
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* The VMM's notify(): if (pvirq_vcpu_rearm()) send the upcall. */
inline notify(t, res, w, tmp)
{
	exchange(t, NOTIFIED, 0, tmp);
	load(t, ENABLED, tmp);
	if
	:: tmp ->
		any_deliverable(t, res, w, tmp);
		if
		:: res -> upcall = 1
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* raise_line(): test before test-and-set of notified; 0 -> 1 notifies. */
inline raise_line(t, res, w, tmp)
{
	load(t, NOTIFIED, tmp);
	if
	:: tmp -> skip
	:: else ->
		exchange(t, NOTIFIED, 1, tmp);
		if
		:: tmp == 0 -> notify(t, res, w, tmp)
		:: else -> skip
		fi
	fi
}

/* publish_deliverable() */
inline publish(t, res, w, tmp)
{
	load(t, SUMMARY, tmp);
	if
	:: !(tmp & 1) -> fetch_or(t, SUMMARY, 1, tmp)
	:: else -> skip
	fi;
	load(t, ENABLED, tmp);
	if
	:: tmp -> raise_line(t, res, w, tmp)
	:: else -> skip
	fi
}

/* pvirq__signal(): enabled read, fetch_or P, publish if it became
 * deliverable (a masked INTID is not published: the guest's end of
 * interrupt must notice it). */
inline signal(t, i, res, w, tmp, old)
{
	load(t, ENABLED, tmp);
	if
	:: tmp ->
		d_step {
			old = mem[WORD];
			mem[WORD] = old | PBIT(i);
			signalled_ok[i] = 1;
			acked_since[i] = 0
		}
		if
		:: !(old & (PBIT(i) | MBIT(i))) -> publish(t, res, w, tmp)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* RVIC_CLEAR_MASKED in shared mode: the guest may have cleared M in
 * memory already, so the host publishes whenever the INTID is pending
 * after its unmask, not only on a masked -> unmasked transition. */
inline host_clear_masked(t, i, res, w, tmp, old)
{
	fetch_and(t, WORD, ~MBIT(i), old);
	if
#ifdef BROKEN_UNMASK_TRANSITION
	:: (old & MBIT(i)) && (old & PBIT(i)) -> publish(t, res, w, tmp)
#else
	:: old & PBIT(i) -> publish(t, res, w, tmp)
#endif
	:: else -> skip
	fi
}

proctype vcpu()
{
	byte w, found, got, deferred, old, tmp;
	bool res;

	deferred = NONE;
idle:
	skip;
end_idle:
	d_step { upcall -> upcall = 0 };
handler:
	skip;
	do
	:: /* the in-memory acknowledge: search, then CAS */
		load(V, WORD, w);
		if
		:: !DELIVERABLE(w) -> break
		:: else -> found = LOWEST(DELIVERABLE(w))
		fi;
		d_step {
			if
			:: mem[WORD] == w ->
				/* P1 */
				assert((w & PBIT(found)) && !(w & MBIT(found)));
				mem[WORD] = (w & ~PBIT(found)) | MBIT(found);
				acked_since[found] = 1;
				got = found
			:: else -> got = NONE
			fi;
			w = 0
		}
		if
		:: got == NONE -> skip /* lost the CAS: search again */
		:: deferred == NONE -> deferred = got /* end of interrupt later */
		:: true ->
			/* end of interrupt in the loop: the next search takes
			 * the INTID if it is pending again */
			fetch_and(V, WORD, ~MBIT(got), old)
		fi;
		d_step { got = NONE; found = 0; old = 0 }
	od;
	if
	:: deferred == NONE -> goto idle
	:: else -> skip
	fi;
	/* the deferred end of interrupt, in memory */
	fetch_and(V, WORD, ~MBIT(deferred), old);
	if
	:: old & PBIT(deferred) ->
		/* deliverable again and the host does not know */
#ifdef BROKEN_NO_REEVALUATE
		d_step { deferred = NONE; old = 0 };
		goto idle
#else
		if
		:: d_step { deferred = NONE; old = 0 }; goto handler /* take it */
		:: host_clear_masked(V, deferred, res, w, tmp, old);
			d_step { deferred = NONE; old = 0; w = 0; tmp = 0; res = 0 };
			goto idle
		fi
#endif
	:: else -> d_step { deferred = NONE; old = 0 }; goto idle
	fi
}

proctype device()
{
	byte w, tmp, old;
	bool res;

	signal(S1, 0, res, w, tmp, old);
	signal(S1, 1, res, w, tmp, old)
}

proctype timer()
{
	byte w, tmp, old;
	bool res;

	signal(S2, 0, res, w, tmp, old)
}

proctype quiescence()
{
	timeout ->
	d_step {
		/* P2 */
		assert(!DELIVERABLE(mem[WORD]));
		assert(!signalled_ok[0] || acked_since[0]);
		assert(!signalled_ok[1] || acked_since[1])
	}
}

init
{
	atomic {
		mem[ENABLED] = 1;
		run vcpu();
		run device();
		run timer();
		run quiescence()
	}
}
