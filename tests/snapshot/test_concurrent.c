/* SPDX-License-Identifier: MIT */
/*
 * Save while the VM is NOT quiesced (the contract's "what if"): worker
 * threads keep signalling, masking, acknowledging and retargeting while
 * the main thread saves again and again. Every snapshot must still be
 * well-formed, restore must accept it, and re-saving the restored copy must
 * give the same bytes (per-word atomicity: no torn word, no cursor or rVID
 * entry restore would refuse). Then the workers stop (the quiesce) and the
 * final snapshot must be an exact copy. Bounded by operation counts, not
 * by time; short enough for every build, ThreadSanitizer included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snap_util.h"

#define WORKERS 2u
#define OPS_PER_WORKER 200000u
#define MIN_SAVES 50u

struct shared {
	struct pvirq_vm *vm;
	atomic_uint running;
};

struct worker {
	struct shared *sh;
	uint32_t self; /* owns this vCPU (acknowledge, rearm) and this rVID input */
	uint64_t rng;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pvirq_vm *vm = w->sh->vm;
	uint32_t n = pvirq_vm_nr_trusted(vm) + pvirq_vm_nr_untrusted(vm);
	uint32_t t = pvirq_vm_nr_trusted(vm), intid;

	for (unsigned k = 0; k < OPS_PER_WORKER; k++) {
		uint64_t x = snap_rand(&w->rng);
		uint32_t c = (uint32_t)(x >> 8) % WORKERS, i = (uint32_t)(x >> 20) % n;

		switch (x % 8) {
		case 0: pvirq_rvic_signal(vm, c, i); break;
		case 1: pvirq_rvic_clear_masked(vm, c, i); break;
		case 2: pvirq_rvic_set_masked(vm, c, i); break;
		case 3: pvirq_rvic_acknowledge(vm, w->self, &intid); break;
		case 4: pvirq_rvid_map(vm, w->self, c, t + i % (n - t)); break;
		case 5: pvirq_rvid_inject(vm, (uint32_t)(x >> 40) % WORKERS); break;
		case 6: pvirq_vcpu_rearm(vm, w->self); break;
		case 7: pvirq_rvic_set_level(vm, c, i % t, x & (1ull << 50)); break;
		}
	}
	atomic_fetch_sub_explicit(&w->sh->running, 1, memory_order_release);
	return NULL;
}

static void test_save_under_load(void **state)
{
	struct pvirq_config cfg = {.nr_vcpus = WORKERS,
				   .nr_trusted = 32,
				   .nr_untrusted = 96,
				   .nr_rvid_inputs = WORKERS};
	struct snap_vm src, dst;
	struct shared sh;
	struct worker w[WORKERS];
	pthread_t tid[WORKERS];
	unsigned saves = 0;
	unsigned char *snap, *again;
	size_t len, len2;

	(void)state;
	assert_int_equal(snap_vm_create(&src, &cfg), 0);
	assert_int_equal(snap_vm_create(&dst, &cfg), 0);
	for (uint32_t c = 0; c < WORKERS; c++)
		pvirq_rvic_enable(src.vm, c);
	sh.vm = src.vm;
	atomic_init(&sh.running, WORKERS);
	for (uint32_t k = 0; k < WORKERS; k++) {
		w[k] = (struct worker){.sh = &sh, .self = k, .rng = 0xC0FFEEull + k};
		assert_int_equal(pthread_create(&tid[k], NULL, work, &w[k]), 0);
	}
	while (saves < MIN_SAVES || atomic_load_explicit(&sh.running, memory_order_acquire)) {
		snap = snap_save(src.vm, &len);
		assert_int_equal(pvirq_vm_restore(dst.vm, snap, len), PVIRQ_OK);
		again = snap_save(dst.vm, &len2);
		assert_memory_equal(snap, again, len);
		free(snap);
		free(again);
		saves++;
	}
	for (uint32_t k = 0; k < WORKERS; k++)
		assert_int_equal(pthread_join(tid[k], NULL), 0);

	/* Quiesced (joined): now the copy is exact, line for line. */
	snap = snap_save(src.vm, &len);
	assert_int_equal(pvirq_vm_restore(dst.vm, snap, len), PVIRQ_OK);
	for (uint32_t c = 0; c < WORKERS; c++)
		assert_int_equal(pvirq_vcpu_line(dst.vm, c), pvirq_vcpu_line(src.vm, c));
	again = snap_save(dst.vm, &len2);
	assert_memory_equal(snap, again, len);
	free(snap);
	free(again);
	snap_vm_destroy(&src);
	snap_vm_destroy(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_under_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
