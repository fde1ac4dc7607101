/* SPDX-License-Identifier: MIT */
/*
 * Spin model of one rVIC instance as implemented in src/core/rvic.c:
 * signal, mask, unmask, clear-pending and acknowledge (CAS) on the state
 * words, the summary word with its lazy clearing and re-check, and the
 * "notified" flag (exchange 1 by the setter) against the vCPU's rearm step
 * (exchange 0, then scan). Memory is TSO with store buffers (tso.pml), so
 * that a missing barrier shows up as a counterexample.
 *
 * Shape (small on purpose, every mechanism present):
 *   INTIDs 0 and 1 share state word 0 (bits 0..3: P0 M0 P1 M1), INTID 2
 *   is alone in word 1, so acknowledge's CAS can fail on a change of the
 *   other INTID of its word and the summary has two bits.
 *   Initially the instance is disabled; INTID 0 is pending and masked
 *   (latched before a disable), 1 masked, 2 unmasked; notified = 0.
 * Threads:
 *   V  the vCPU: ENABLE, then forever: rearm (exchange notified 0, then
 *      line = enabled && any_deliverable); line high: ACKNOWLEDGE and EOI
 *      (CLEAR_MASKED of the acked INTID); line low: sleep until kicked
 *      (notify()).
 *   S  a device/timer: SIGNAL 0, SIGNAL 1, SIGNAL 2, SIGNAL 2.
 *   G  another vCPU's guest: CLEAR_MASKED 0, SET_MASKED 2, CLEAR_MASKED 2,
 *      CLEAR_PENDING 1, CLEAR_MASKED 1.
 * Abstraction: acknowledge always searches from word 0 / lane 0 (the
 * round-robin cursor only chooses which deliverable INTID is returned;
 * every step is the same otherwise).
 *
 * Properties (assertions):
 *   P1 ACK never returns a masked or non-pending INTID: checked on memory
 *      at the instant acknowledge's write takes effect.
 *   P2 No lost wake-up: when nothing can move any more (timeout: V asleep
 *      with no kick, S and G done, buffers drained), the instance is not
 *      enabled-with-a-deliverable-INTID.
 *   P3 No lost interrupt: a SIGNAL that returned OK for INTID 0 or 2 (G
 *      never clears those) is acknowledged afterwards or still pending.
 *   P4 Summary invariant S of rvic.c at quiescence: a deliverable word
 *      has its summary bit.
 *
 * Broken variants (spin -D...), each must give a counterexample:
 *   BROKEN_REARM    rearm clears notified with a plain store, no barrier
 *                   before the scan (store-buffering with raise_line()).
 *   BROKEN_SUMMARY  lazy summary clearing without the re-check.
 *   BROKEN_ACK      acknowledge writes without compare-and-swap (load,
 *                   decide, then an unconditional RMW).
 */

#define NT 3
#define V 0
#define S 1
#define G 2

#define NOTIFIED 0
#define ENABLED 1
#define SUMMARY 2
#define WORD0 3 /* state words: WORD0 + w */
#define NW 2
#define NADDR 5
#define NINTID 3
#define NONE 255

#include "tso.pml"

/* Layout of layout.h shrunk to two INTIDs per word. */
#define WORD_OF(i) ((i) / 2)
#define PBIT(i) (1 << (2 * ((i) % 2)))
#define MBIT(i) (2 << (2 * ((i) % 2)))
#define DELIVERABLE(w) ((w) & ~((w) >> 1) & 5)
/* Lowest deliverable INTID of word w with lanes d = DELIVERABLE(w). */
#define LOWEST(w, d) (2 * (w) + (((d) & 1) -> 0 : 1))

bool kick;               /* notify() was called and not yet consumed by V */
byte signalled_ok[NINTID]; /* SIGNAL returned OK (ghost) */
byte acked_since[NINTID];  /* acks after the last accepted SIGNAL (ghost) */

/* raise_line(): test before test-and-set of notified; only 0 -> 1
 * notifies. The load that sees 1 skips the exchange (the fast path of
 * rvic.c: a seq_cst load is a plain load on x86, modelled as such). */
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

/* publish_deliverable(): summary fetch_or (skipped when a load already
 * sees the bit), read enabled, raise. */
inline publish(t, wd, tmp)
{
	/* Skip the fetch_or when a load already sees the bit (rvic.c). */
	load(t, SUMMARY, tmp);
	if
	:: !(tmp & (1 << (wd))) -> fetch_or(t, SUMMARY, 1 << (wd), tmp)
	:: else -> skip
	fi
	load(t, ENABLED, tmp);
	if
	:: tmp -> raise_line(t, tmp)
	:: else -> skip
	fi
}

/* pvirq__signal(): read enabled; latch pending; publish if it became
 * deliverable. Records OK in the ghost state at the latch. */
inline signal(t, i, tmp, old)
{
	load(t, ENABLED, tmp);
	if
	:: tmp ->
		d_step {
			!sb_full[t];
			old = mem[WORD0 + WORD_OF(i)];
			mem[WORD0 + WORD_OF(i)] = old | PBIT(i);
			signalled_ok[i] = 1;
			acked_since[i] = 0
		}
		if
		:: !(old & (PBIT(i) | MBIT(i))) -> publish(t, WORD_OF(i), tmp)
		:: else -> skip
		fi
	:: else -> skip /* DISABLED: dropped */
	fi
}

inline set_masked(t, i, old)
{
	fetch_or(t, WORD0 + WORD_OF(i), MBIT(i), old)
}

inline clear_masked(t, i, tmp, old)
{
	fetch_and(t, WORD0 + WORD_OF(i), ~MBIT(i), old);
	if
	:: (old & MBIT(i)) && (old & PBIT(i)) -> publish(t, WORD_OF(i), tmp)
	:: else -> skip
	fi
}

inline clear_pending(t, i, old)
{
	fetch_and(t, WORD0 + WORD_OF(i), ~PBIT(i), old)
}

/* summary_clear_lazily(): clear the bit, re-check the word, restore. */
inline summary_clear_lazily(t, wd, w, tmp, restored)
{
	fetch_and(t, SUMMARY, ~(1 << (wd)), tmp);
#ifdef BROKEN_SUMMARY
	restored = 0
#else
	load(t, WORD0 + (wd), w);
	if
	:: DELIVERABLE(w) -> fetch_or(t, SUMMARY, 1 << (wd), tmp); restored = 1
	:: else -> restored = 0
	fi
#endif
}

/* any_deliverable(): walk the summary bits; clear idle words lazily. */
inline any_deliverable(t, res, sum, wd, w, tmp, restored)
{
	load(t, SUMMARY, sum);
	res = 0;
	wd = 0;
	do
	:: wd < NW && !res ->
		if
		:: sum & (1 << wd) ->
			load(t, WORD0 + wd, w);
			if
			:: DELIVERABLE(w) -> res = 1
			:: else ->
				summary_clear_lazily(t, wd, w, tmp, restored);
				res = restored
			fi
		:: else -> skip
		fi;
		wd++
	:: else -> break
	od
}

/* pvirq_rvic_acknowledge(): search (summary, then words), then CAS the
 * word from what the search saw to "INTID masked, not pending". A CAS
 * failure or a restored summary bit restarts the search. */
inline acknowledge(t, got, sum, wd, w, w2, tmp, restored, found)
{
	got = NONE;
	load(t, ENABLED, tmp);
	if
	:: !tmp -> goto ack_done
	:: else -> skip
	fi;
ack_retry:
	load(t, SUMMARY, sum);
	found = NONE;
	wd = 0;
	do
	:: wd < NW && found == NONE ->
		if
		:: sum & (1 << wd) ->
			load(t, WORD0 + wd, w);
			if
			:: DELIVERABLE(w) -> found = LOWEST(wd, DELIVERABLE(w))
			:: else ->
				summary_clear_lazily(t, wd, w2, tmp, restored);
				if
				:: restored -> goto ack_retry
				:: else -> skip
				fi
			fi
		:: else -> skip
		fi;
		if
		:: found == NONE -> wd++
		:: else -> skip
		fi
	:: else -> break
	od;
	if
	:: found == NONE -> goto ack_done
	:: else -> skip
	fi;
#ifdef BROKEN_ACK
	d_step {
		!sb_full[t];
		/* P1 */
		assert((mem[WORD0 + wd] & PBIT(found)) && !(mem[WORD0 + wd] & MBIT(found)));
		mem[WORD0 + wd] = (mem[WORD0 + wd] & ~PBIT(found)) | MBIT(found);
		acked_since[found] = 1;
		got = found
	}
#else
	d_step {
		!sb_full[t];
		if
		:: mem[WORD0 + wd] == w ->
			/* P1 */
			assert((mem[WORD0 + wd] & PBIT(found)) && !(mem[WORD0 + wd] & MBIT(found)));
			mem[WORD0 + wd] = (w & ~PBIT(found)) | MBIT(found);
			acked_since[found] = 1;
			got = found
		:: else -> skip
		fi
	}
	if
	:: got == NONE -> goto ack_retry
	:: else -> skip
	fi;
#endif
ack_done:
	skip
}

proctype vcpu()
{
	byte tmp, old, sum, wd, w, w2, got, found;
	bool res, restored, line;

	/* The guest's ENABLE: seq_cst store, scan, raise. */
	store_sc(V, ENABLED, 1);
	any_deliverable(V, res, sum, wd, w, tmp, restored);
	if
	:: res -> raise_line(V, tmp)
	:: else -> skip
	fi;
	do
	:: /* pvirq_vcpu_rearm() */
#ifdef BROKEN_REARM
		store_buffered(V, NOTIFIED, 0);
#else
		exchange(V, NOTIFIED, 0, tmp);
#endif
		load(V, ENABLED, tmp);
		if
		:: tmp -> any_deliverable(V, res, sum, wd, w, tmp, restored); line = res
		:: else -> line = 0
		fi;
		if
		:: line ->
			acknowledge(V, got, sum, wd, w, w2, tmp, restored, found);
			if
			:: got != NONE -> clear_masked(V, got, tmp, old) /* EOI */
			:: else -> skip
			fi
		:: else ->
end_sleep:		d_step { kick -> kick = 0 }
		fi
	od
}

proctype device()
{
	byte tmp, old;

	signal(S, 0, tmp, old);
	signal(S, 1, tmp, old);
	signal(S, 2, tmp, old);
	signal(S, 2, tmp, old)
}

proctype guest()
{
	byte tmp, old;

	clear_masked(G, 0, tmp, old);
	set_masked(G, 2, old);
	clear_masked(G, 2, tmp, old);
	clear_pending(G, 1, old);
	clear_masked(G, 1, tmp, old)
}

/* Runs when nothing else can move: the end state of every execution. */
proctype quiescence()
{
	byte w;

	timeout ->
	d_step {
		assert(!sb_full[V] && !sb_full[S] && !sb_full[G]);
		/* P2: no lost wake-up */
		assert(!(mem[ENABLED] && (DELIVERABLE(mem[WORD0]) || DELIVERABLE(mem[WORD0 + 1]))));
		/* P3: no lost interrupt (INTIDs the guest never clears) */
		assert(!signalled_ok[0] || acked_since[0] || (mem[WORD0] & PBIT(0)));
		assert(!signalled_ok[2] || acked_since[2] || (mem[WORD0 + 1] & PBIT(2)));
		/* P4: summary invariant */
		assert(!DELIVERABLE(mem[WORD0]) || (mem[SUMMARY] & 1));
		assert(!DELIVERABLE(mem[WORD0 + 1]) || (mem[SUMMARY] & 2))
	}
}

init
{
	atomic {
		mem[WORD0] = PBIT(0) | MBIT(0) | MBIT(1);
		mem[WORD0 + 1] = 0;
		mem[SUMMARY] = 0;
		mem[ENABLED] = 0;
		mem[NOTIFIED] = 0;
		run flusher(V);
		run flusher(S);
		run flusher(G);
		run vcpu();
		run device();
		run guest();
		run quiescence()
	}
}
