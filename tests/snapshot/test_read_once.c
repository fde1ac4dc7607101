/* SPDX-License-Identifier: MIT */
/*
 * pvirq_vm_restore_staged() reads each byte of the caller's buffer exactly
 * once (issue 12, defect 8: a migration buffer may live in memory another
 * party can write, so a second read may see other bytes than the first).
 *
 * The harness counts every load from the buffer: the buffer's pages are
 * mapped PROT_NONE, so a load faults; the SIGSEGV handler counts the byte
 * at the fault address, opens the pages and sets the x86 trap flag; the
 * SIGTRAP that follows the one instruction closes the pages again. So
 * every load instruction is seen, at the address it starts at. A byte
 * loaded twice, even by the same code path, is counted twice: the
 * harness's own double read proves that before the library is measured.
 * The same hook plays the other party: it can change a byte right after
 * its first load.
 *
 * x86_64 Linux only (the trap flag); elsewhere, and under ThreadSanitizer
 * (which defers signals to its own safe points), the test skips (77).
 *   test_snapshot_read_once <golden dir>
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && !defined(PVIRQ_TSAN)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>

#include "snap_util.h"

#define TRAP_FLAG 0x100ull /* EFLAGS.TF: trap after the next instruction */
#define MAX_BYTES 65536u

static const char *golden_dir;

/* Watched region and what the handlers saw (only touched by the handlers
 * while armed, and by the test while disarmed). */
static unsigned char *watched;
static size_t watched_len, map_len;
static unsigned char reads[MAX_BYTES]; /* loads starting at each byte, saturating */
static size_t last_fault = SIZE_MAX;
static size_t flip_at = SIZE_MAX; /* change this byte after its first load */
static unsigned char flip_to;
static unsigned flips;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned char *addr = si->si_addr;

	if (addr < watched || addr >= watched + map_len) {
		signal(sig, SIG_DFL); /* a real crash: let it happen */
		return;
	}
	last_fault = (size_t)(addr - watched);
	if (last_fault < watched_len && reads[last_fault] < 255)
		reads[last_fault]++;
	mprotect(watched, map_len, PROT_READ);
	uc->uc_mcontext.gregs[REG_EFL] |= (greg_t)TRAP_FLAG;
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	if (last_fault == flip_at && reads[flip_at] == 1) {
		mprotect(watched, map_len, PROT_READ | PROT_WRITE);
		watched[flip_at] = flip_to; /* the other party writes */
		flips++;
	}
	last_fault = SIZE_MAX;
	mprotect(watched, map_len, PROT_NONE);
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
}

static int install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sa.sa_sigaction = on_segv;
	if (sigaction(SIGSEGV, &sa, NULL))
		return -1;
	sa.sa_sigaction = on_trap;
	return sigaction(SIGTRAP, &sa, NULL);
}

/* Copies @len bytes into fresh watched pages (disarmed). */
static void watch(const unsigned char *src, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);

	assert_true(len <= MAX_BYTES);
	map_len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	watched = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(watched != MAP_FAILED);
	memcpy(watched, src, len);
	watched_len = len;
	memset(reads, 0, sizeof(reads));
	flip_at = SIZE_MAX;
	flips = 0;
}

/* cmocka installs its own SIGSEGV handler around each test: ours go in
 * right before the loads they watch. */
static void arm(void)
{
	assert_int_equal(install_handlers(), 0);
	assert_int_equal(mprotect(watched, map_len, PROT_NONE), 0);
}

static void disarm_and_unmap(void)
{
	munmap(watched, map_len);
	watched = NULL;
}

static unsigned char *read_golden(const char *name, size_t *len)
{
	unsigned char *buf = snap_read_golden(golden_dir, PVIRQ_SNAPSHOT_VERSION, name, len);

	if (!buf)
		fail_msg("cannot read golden %s.bin under %s", name, golden_dir);
	return buf;
}

/* The golden "basic" scenario's VM configuration. */
static const uint64_t basic_ids[2] = {0x0, 0x100};
static const struct pvirq_config basic_cfg = {.nr_vcpus = 2,
					      .nr_trusted = 32,
					      .nr_untrusted = 32,
					      .nr_rvid_inputs = 4,
					      .cpu_ids = basic_ids};
#define BASIC_RVID_ENTRY0 (48 + 16 + 2 * (16 + 8 + 8 + 8) + 16)

/* The harness sees a second load of the same byte (without it the next
 * test could pass by not seeing anything). */
static void test_harness_counts_rereads(void **state)
{
	static const unsigned char bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	const volatile unsigned char *v;
	unsigned sum = 0;

	(void)state;
	watch(bytes, sizeof(bytes));
	v = watched;
	arm();
	for (size_t i = 0; i < sizeof(bytes); i++)
		sum += v[i];
	sum += v[3];
	disarm_and_unmap();
	assert_int_equal(sum, 120 + 4);
	for (size_t i = 0; i < sizeof(bytes); i++)
		assert_int_equal(reads[i], i == 3 ? 2 : 1);
}

static void test_staged_restore_reads_each_byte_once(void **state)
{
	unsigned char *golden, *stage, *again;
	struct snap_vm s;
	size_t len, again_len;
	int err;

	(void)state;
	golden = read_golden("large", &len);
	stage = malloc(len);
	assert_non_null(stage);
	{
		struct pvirq_config cfg;
		uint64_t ids[64];

		assert_int_equal(pvirq_snapshot_config(golden, len, &cfg, ids, 64), PVIRQ_OK);
		assert_int_equal(snap_vm_create(&s, &cfg), 0);
	}
	watch(golden, len);
	arm();
	err = pvirq_vm_restore_staged(s.vm, watched, len, stage, len);
	disarm_and_unmap();
	assert_int_equal(err, PVIRQ_OK);
	for (size_t i = 0; i < len; i++)
		if (reads[i] != 1)
			fail_msg("byte %zu of %zu loaded %u times", i, len, reads[i]);
	again = snap_save(s.vm, &again_len);
	assert_int_equal(again_len, len);
	assert_memory_equal(again, golden, len);
	free(again);
	free(stage);
	free(golden);
	snap_vm_destroy(&s);
}

/*
 * The other party changes rVID entry 0's INTID to 5 (a trusted IPI
 * INTID: a device could then raise an IPI) right after the byte's first
 * load. What restore applies is what it read first: the original entry.
 */
static void test_staged_restore_applies_what_it_read(void **state)
{
	unsigned char *golden, *stage;
	struct snap_vm s;
	uint32_t vcpu = 0, intid = 0;
	size_t len;
	int err;

	(void)state;
	golden = read_golden("basic", &len);
	stage = malloc(len);
	assert_non_null(stage);
	assert_int_equal(snap_vm_create(&s, &basic_cfg), 0);
	watch(golden, len);
	flip_at = BASIC_RVID_ENTRY0 + 4; /* low byte of the INTID field */
	flip_to = 5;
	assert_int_equal(watched[flip_at], 40);
	arm();
	err = pvirq_vm_restore_staged(s.vm, watched, len, stage, len);
	disarm_and_unmap();
	assert_int_equal(flips, 1);
	assert_int_equal(err, PVIRQ_OK);
	assert_int_equal(pvirq_rvid_lookup(s.vm, 0, &vcpu, &intid), PVIRQ_OK);
	assert_int_equal(vcpu, 1);
	assert_int_equal(intid, 40);
	free(stage);
	free(golden);
	snap_vm_destroy(&s);
}

static void test_staged_restore_arguments(void **state)
{
	unsigned char *golden, *stage, *image;
	struct snap_vm s;
	size_t len;

	(void)state;
	golden = read_golden("basic", &len);
	stage = malloc(len + 8);
	assert_non_null(stage);
	assert_int_equal(snap_vm_create(&s, &basic_cfg), 0);
	image = snap_vm_image(&s);
	assert_int_equal(pvirq_vm_restore_staged(s.vm, golden, len, stage, len - 1), PVIRQ_ENOSPC);
	assert_int_equal(pvirq_vm_restore_staged(s.vm, golden, len, NULL, len), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_restore_staged(NULL, golden, len, stage, len), PVIRQ_EINVAL);
	assert_int_equal(pvirq_vm_restore_staged(s.vm, NULL, len, stage, len), PVIRQ_EINVAL);
	/* The stage overlapping the buffer would be the buffer read twice. */
	memcpy(stage, golden, len);
	assert_int_equal(pvirq_vm_restore_staged(s.vm, stage, len, stage + 4, len), PVIRQ_EINVAL);
	assert_memory_equal(image, s.vm, s.footprint);
	/* A refused snapshot leaves the VM as it was, through the stage too. */
	golden[len - 1] ^= 1;
	assert_int_equal(pvirq_vm_restore_staged(s.vm, golden, len, stage, len + 8),
			 PVIRQ_ECHECKSUM);
	assert_memory_equal(image, s.vm, s.footprint);
	golden[len - 1] ^= 1;
	assert_int_equal(pvirq_vm_restore_staged(s.vm, golden, len, stage, len + 8), PVIRQ_OK);
	free(image);
	free(stage);
	free(golden);
	snap_vm_destroy(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harness_counts_rereads),
		cmocka_unit_test(test_staged_restore_reads_each_byte_once),
		cmocka_unit_test(test_staged_restore_applies_what_it_read),
		cmocka_unit_test(test_staged_restore_arguments),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* not x86_64 Linux, or ThreadSanitizer */

int main(void)
{
	printf("SKIP test_snapshot_read_once: needs the x86_64 trap flag and undeferred signals\n");
	return 77;
}

#endif
