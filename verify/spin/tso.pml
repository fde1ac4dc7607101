/* SPDX-License-Identifier: MIT */
/*
 * A small TSO (x86-style) memory for the Spin models.
 *
 * Why: every pair that the engine's correctness argument calls
 * "store-buffering" (notified vs. the rearm scan, enabled vs. unmask) is
 * safe only because one side is a seq_cst read-modify-write (a full
 * barrier). Under interleaving semantics alone a plain store followed by a
 * load is already ordered, so a broken variant that uses a plain store
 * could never fail. Here each thread has a one-entry store buffer: a plain
 * store goes into it, the thread's own loads see it (forwarding), other
 * threads see it only when the thread's flusher drains it, at any moment.
 * An atomic read-modify-write (or a seq_cst store: xchg on x86, stlr
 * followed by ldar on arm64) waits until the buffer is empty and then acts
 * on memory in one step, which is what "full barrier" means here.
 *
 * One entry is enough to expose the store-buffering reordering and keeps
 * the state space small; a second plain store waits for the first to drain
 * (a legal TSO behaviour).
 *
 * Users define NT (thread count) and NADDR (memory words) before including
 * this file. Memory words are bytes: the models use at most 8 bits each.
 */

byte mem[NADDR];
bool sb_full[NT];
byte sb_addr[NT];
byte sb_val[NT];

/* A plain (relaxed/release) load, with store-to-load forwarding. */
inline load(t, a, dst)
{
	d_step {
		if
		:: sb_full[t] && sb_addr[t] == a -> dst = sb_val[t]
		:: else -> dst = mem[a]
		fi
	}
}

/* A plain (relaxed/release) store: buffered. -DSC_MEMORY turns the buffer
 * off (every store reaches memory at once), to show which verdicts depend
 * on it. */
inline store_buffered(t, a, v)
{
#ifdef SC_MEMORY
	d_step { !sb_full[t]; mem[a] = v }
#else
	d_step { !sb_full[t]; sb_full[t] = 1; sb_addr[t] = a; sb_val[t] = v }
#endif
}

/* A seq_cst store: drains the buffer, then writes memory. */
inline store_sc(t, a, v)
{
	d_step { !sb_full[t]; mem[a] = v }
}

/* Atomic read-modify-writes, all seq_cst (full barrier). */
inline fetch_or(t, a, bits, old)
{
	d_step { !sb_full[t]; old = mem[a]; mem[a] = mem[a] | (bits) }
}

inline fetch_and(t, a, bits, old)
{
	d_step { !sb_full[t]; old = mem[a]; mem[a] = mem[a] & (bits) }
}

inline exchange(t, a, v, old)
{
	d_step { !sb_full[t]; old = mem[a]; mem[a] = v }
}

/* Drains one thread's store buffer whenever it likes. */
proctype flusher(byte t)
{
end:	do
	:: d_step { sb_full[t] -> mem[sb_addr[t]] = sb_val[t]; sb_full[t] = 0 }
	od
}
