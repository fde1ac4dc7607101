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
 *
 * The same with ABI 0.4 state and a hostile guest: vCPU 0's words live in
 * its shared page, which a "guest" thread overwrites with arbitrary 64-bit
 * values (state, classes, floor with junk above its two bits, the
 * reserved words) while workers change classes, floors and level inputs:
 * whatever save reads from the page, the snapshot restores.
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

/* Saves @src again and again until the workers stopped (and at least
 * MIN_SAVES times): every snapshot restores into @dst and re-saves to the
 * same bytes. Returns the number of saves. */
static unsigned save_until_done(struct pvirq_vm *src, struct pvirq_vm *dst, atomic_uint *running)
{
	unsigned saves = 0;

	while (saves < MIN_SAVES || atomic_load_explicit(running, memory_order_acquire)) {
		size_t len = 0, len2 = 0;
		uint8_t *snap = snap_save(src, &len), *again;

		assert_int_equal(pvirq_vm_restore(dst, snap, len), PVIRQ_OK);
		again = snap_save(dst, &len2);
		assert_memory_equal(snap, again, len);
		free(snap);
		free(again);
		saves++;
	}
	return saves;
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
	assert_true(save_until_done(src.vm, dst.vm, &sh.running) >= MIN_SAVES);
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

#define PAGE_GPA (SNAP_RAM_BASE + 0x2000u)
#define GUEST_WRITES 100000u

struct guest {
	_Atomic uint64_t *page;
	uint32_t nr_words; /* the words the host uses, and a few beyond */
	atomic_uint *running;
	uint64_t rng;
};

/* A hostile guest: arbitrary values, single atomic stores and RMWs, as a
 * real guest's would be (the page is only ever accessed atomically). */
static void *hostile_guest(void *arg)
{
	struct guest *g = arg;

	for (unsigned k = 0; k < GUEST_WRITES; k++) {
		uint64_t x = snap_rand(&g->rng), v = snap_rand(&g->rng);
		_Atomic uint64_t *word = &g->page[(uint32_t)(x >> 32) % g->nr_words];

		if (x & 1u)
			atomic_store_explicit(word, v, memory_order_seq_cst);
		else
			atomic_fetch_xor_explicit(word, v & (v >> 7), memory_order_seq_cst);
	}
	atomic_fetch_sub_explicit(g->running, 1, memory_order_release);
	return NULL;
}

static void *abi04_work(void *arg)
{
	struct worker *w = arg;
	struct pvirq_vm *vm = w->sh->vm;
	uint32_t n = pvirq_vm_nr_trusted(vm) + pvirq_vm_nr_untrusted(vm), intid;

	for (unsigned k = 0; k < OPS_PER_WORKER / 4; k++) {
		uint64_t x = snap_rand(&w->rng);
		uint32_t c = (uint32_t)(x >> 8) % WORKERS, i = (uint32_t)(x >> 20) % n;
		uint32_t cls = (uint32_t)(x >> 40) % 4u;

		switch (x % 8) {
		case 0: pvirq_rvic_signal(vm, c, i); break;
		case 1: pvirq_rvic_clear_masked(vm, c, i); break;
		case 2: pvirq_rvic_set_priority(vm, c, i, cls); break;
		case 3: pvirq_rvic_acknowledge(vm, w->self, &intid); break;
		case 4: pvirq_rvic_set_priority_mask(vm, w->self, cls); break;
		case 5: pvirq_rvid_set_trigger(vm, w->self, x & (1ull << 50)); break;
		case 6: pvirq_rvid_set_level(vm, w->self, x & (1ull << 51)); break;
		case 7: pvirq_rvic_acknowledge_nmi(vm, w->self, &intid); break;
		}
	}
	atomic_fetch_sub_explicit(&w->sh->running, 1, memory_order_release);
	return NULL;
}

static void test_save_while_a_hostile_guest_writes_its_page(void **state)
{
	struct pvirq_config cfg = {.nr_vcpus = WORKERS,
				   .nr_trusted = 32,
				   .nr_untrusted = 96,
				   .nr_rvid_inputs = WORKERS,
				   .nmi_line = true};
	struct snap_vm src, dst;
	struct shared sh;
	struct worker w[WORKERS];
	struct guest g;
	pthread_t tid[WORKERS + 1];
	unsigned char *snap, *again;
	size_t len, len2;

	(void)state;
	assert_int_equal(snap_vm_create_ram(&src, &cfg), 0);
	assert_int_equal(snap_vm_create_ram(&dst, &cfg), 0);
	assert_int_equal(pvirq_rvic_share_state(src.vm, 0, PAGE_GPA), PVIRQ_OK);
	for (uint32_t c = 0; c < WORKERS; c++)
		pvirq_rvic_enable(src.vm, c);
	sh.vm = src.vm;
	atomic_init(&sh.running, WORKERS + 1);
	g = (struct guest){.page = snap_ram_at(&src, PAGE_GPA),
			   .nr_words = 2u * (128u / 32u) + 1u + 3u,
			   .running = &sh.running,
			   .rng = 0x6E57ull};
	assert_int_equal(pthread_create(&tid[WORKERS], NULL, hostile_guest, &g), 0);
	for (uint32_t k = 0; k < WORKERS; k++) {
		w[k] = (struct worker){.sh = &sh, .self = k, .rng = 0xABCDull + k};
		assert_int_equal(pthread_create(&tid[k], NULL, abi04_work, &w[k]), 0);
	}
	assert_true(save_until_done(src.vm, dst.vm, &sh.running) >= MIN_SAVES);
	for (uint32_t k = 0; k <= WORKERS; k++)
		assert_int_equal(pthread_join(tid[k], NULL), 0);

	/* Quiesced: the copy is exact, its page holds the source's words. */
	snap = snap_save(src.vm, &len);
	assert_int_equal(pvirq_vm_restore(dst.vm, snap, len), PVIRQ_OK);
	assert_null(snap_compare_vms(&src, &dst));
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
		cmocka_unit_test(test_save_while_a_hostile_guest_writes_its_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
