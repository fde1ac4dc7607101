/* SPDX-License-Identifier: MIT */
/*
 * The locked baseline must have libpvirq's semantics, or the benchmark
 * compares different things. This runs one random sequence of operations
 * on both engines side by side (one thread) and fails on the first
 * different result: return codes, acknowledged INTIDs, lines, and which
 * vCPU got notify() calls.
 *
 *   check_locked_engine [ops] [seed]
 */
#include <stdio.h>
#include <stdlib.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#include "locked_engine.h"

#define NV 3u
#define T 32u
#define U 64u
#define INPUTS 8u

static unsigned long notified[2][NV];

static void on_notify(void *ctx, uint32_t vcpu)
{
	notified[(uintptr_t)ctx][vcpu]++;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9E3779B97F4A7C15ull;
	struct pvirq_config cfg = {.nr_vcpus = NV,
				   .nr_trusted = T,
				   .nr_untrusted = U,
				   .nr_rvid_inputs = INPUTS,
				   .notify = on_notify};
	struct pvirq_vm *pv;
	struct locked_vm *lk;

	cfg.notify_ctx = (void *)0;
	if (pvirq_vm_create(&cfg, &pv))
		return 2;
	cfg.notify_ctx = (void *)1;
	if (locked_vm_create(&cfg, &lk))
		return 2;

	for (unsigned long i = 0; i < ops; i++) {
		uint64_t r = rnd(&seed);
		/* Slightly out of range now and then: errors must agree too. */
		uint32_t v = (uint32_t)(r >> 8) % (NV + 1), n = (uint32_t)(r >> 16) % (T + U + 2);
		uint32_t in = (uint32_t)(r >> 32) % (INPUTS + 1);
		uint32_t a = 0xdead, b = 0xbeef;
		int x, y;

		switch (r % 10) {
		case 0: x = pvirq_rvic_enable(pv, v), y = locked_rvic_enable(lk, v); break;
		case 1:
			x = pvirq_rvic_set_masked(pv, v, n), y = locked_rvic_set_masked(lk, v, n);
			break;
		case 2:
			x = pvirq_rvic_clear_masked(pv, v, n),
			y = locked_rvic_clear_masked(lk, v, n);
			break;
		case 3: x = pvirq_rvic_signal(pv, v, n), y = locked_rvic_signal(lk, v, n); break;
		case 4:
			x = pvirq_rvic_clear_pending(pv, v, n),
			y = locked_rvic_clear_pending(lk, v, n);
			break;
		case 5:
			x = pvirq_rvic_acknowledge(pv, v, &a),
			y = locked_rvic_acknowledge(lk, v, &b);
			if (x == PVIRQ_OK && y == PVIRQ_OK && a != b) {
				fprintf(stderr, "op %lu: acknowledge %u vs %u\n", i, a, b);
				return 1;
			}
			break;
		case 6: x = pvirq_vcpu_line(pv, v), y = locked_vcpu_line(lk, v); break;
		case 7: x = pvirq_vcpu_rearm(pv, v), y = locked_vcpu_rearm(lk, v); break;
		case 8: x = pvirq_rvid_map(pv, in, v, n), y = locked_rvid_map(lk, in, v, n); break;
		default: x = pvirq_rvid_inject(pv, in), y = locked_rvid_inject(lk, in); break;
		}
		if (x != y) {
			fprintf(stderr, "op %lu (kind %u, vcpu %u, intid %u, input %u): %d vs %d\n",
				i, (unsigned)(r % 10), v, n, in, x, y);
			return 1;
		}
		for (uint32_t c = 0; c < NV; c++)
			if (notified[0][c] != notified[1][c]) {
				fprintf(stderr, "op %lu: vCPU %u notified %lu vs %lu times\n", i, c,
					notified[0][c], notified[1][c]);
				return 1;
			}
	}
	printf("locked baseline agrees with libpvirq on %lu operations\n", ops);
	pvirq_vm_destroy(pv);
	locked_vm_destroy(lk);
	return 0;
}
