/* SPDX-License-Identifier: MIT */
/*
 * The shared-state fast path under real concurrency, as the x86 KVM demo
 * runs it: device threads inject edges; the notify callback re-arms and
 * "sends the upcall" (a flag, for the MSI) when the line is high; the
 * guest thread takes the upcall and acknowledges and ends interrupts in
 * its page with atomics, following the re-evaluate rule one way or the
 * other. Exact accounting: each device waits for its edge to be handled
 * before it sends the next, so a lost interrupt stops the run, which the
 * watchdog reports (it is a hang detector, not a timing assertion).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../support/shared_page.h"
#include "wave_vm.h"

#define MAX_DEVICES 3u
#define FIRST_INTID 40u

static struct wave_vm *w;
static atomic_uint upcall;
static atomic_uint token[MAX_DEVICES]; /* 1: edge sent, not yet handled */
static atomic_ulong handled[MAX_DEVICES];
static uint32_t devices = MAX_DEVICES;
static atomic_ulong progress;
static atomic_bool stop;
static unsigned long rounds = 200000;

/* The VMM's notify callback: the one-shot upcall of WAVE3 / spec 13. */
static void notify(void *ctx, uint32_t vcpu)
{
	(void)ctx;
	if (pvirq_vcpu_rearm(w->vm, vcpu))
		atomic_store(&upcall, 1);
}

static void *guest(void *arg)
{
	_Atomic uint64_t *page = w->ram[0];
	unsigned long n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		int32_t intid;

		if (!atomic_exchange(&upcall, 0)) {
			sched_yield();
			continue;
		}
		while ((intid = page_ack(page, W_WORDS)) >= 0) {
			uint32_t d = (uint32_t)intid - FIRST_INTID;

			if (d >= devices) {
				fprintf(stderr, "acknowledged INTID %d nobody sent\n", intid);
				abort();
			}
			atomic_fetch_add(&handled[d], 1);
			atomic_store(&token[d], 0);
			atomic_fetch_add(&progress, 1);
			/* The rest of the handler: room for the device's next
			 * edge to arrive while the INTID is still masked, which
			 * is the case the re-evaluate rule exists for. */
			sched_yield();
			/* In-memory end of interrupt; the re-evaluate rule taken
			 * one way or the other, alternately. */
			if (page_eoi(page, (uint32_t)intid)) {
				/* Ask the host, and return from the interrupt:
				 * only its re-evaluation brings us back. */
				if (++n % 2) {
					pvirq_rvic_clear_masked(w->vm, 0, (uint32_t)intid);
					break;
				}
				/* else: the loop's next acknowledge takes it */
			}
		}
	}
	return NULL;
}

static void *device(void *arg)
{
	uint32_t d = (uint32_t)(uintptr_t)arg;

	for (unsigned long r = 0; r < rounds && !atomic_load(&stop); r++) {
		atomic_store(&token[d], 1);
		if (pvirq_rvid_inject(w->vm, d) != PVIRQ_OK)
			abort();
		while (atomic_load(&token[d]) && !atomic_load(&stop))
			sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t g, dev[MAX_DEVICES];
	struct pvirq_vm *vm;
	unsigned long last = 0;
	int stalled = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rounds") == 0)
			rounds = strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--devices") == 0)
			devices = (uint32_t)strtoul(argv[i + 1], NULL, 0);
	}
	if (devices < 1 || devices > MAX_DEVICES)
		return 2;
	w = wave_vm_create(false);
	vm = w->vm;
	/* Re-create with our notify: wave_vm's counts only. */
	{
		struct pvirq_config cfg = {.nr_vcpus = W_VCPUS,
					   .nr_trusted = W_TRUSTED,
					   .nr_untrusted = W_UNTRUSTED,
					   .nr_rvid_inputs = W_INPUTS,
					   .notify = notify,
					   .guest_page = wave_guest_page,
					   .guest_page_ctx = w};

		pvirq_vm_destroy(vm);
		if (pvirq_vm_create(&cfg, &w->vm) != PVIRQ_OK)
			return 1;
		vm = w->vm;
	}
	if (pvirq_rvic_share_state(vm, 0, wave_gpa(0)) || pvirq_rvic_enable(vm, 0))
		return 1;
	for (uint32_t d = 0; d < devices; d++) {
		if (pvirq_rvid_map(vm, d, 0, FIRST_INTID + d) != PVIRQ_OK)
			return 1;
		atomic_fetch_and(&w->ram[0][(FIRST_INTID + d) / 32],
				 ~PVIRQ_SHARED_MASKED(FIRST_INTID + d)); /* unmask in memory */
	}
	pthread_create(&g, NULL, guest, NULL);
	for (uint32_t d = 0; d < devices; d++)
		pthread_create(&dev[d], NULL, device, (void *)(uintptr_t)d);
	for (;;) {
		unsigned long total = 0, now;

		for (uint32_t d = 0; d < devices; d++)
			total += atomic_load(&handled[d]);
		if (total == devices * rounds)
			break;
		now = atomic_load(&progress);
		stalled = now == last ? stalled + 1 : 0;
		last = now;
		if (stalled == 100) { /* 10 s without one interrupt handled */
			fprintf(stderr, "lost: %lu of %lu handled, no progress\n", total,
				devices * rounds);
			atomic_store(&stop, true);
			break;
		}
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	atomic_store(&stop, true);
	for (uint32_t d = 0; d < devices; d++)
		pthread_join(dev[d], NULL);
	pthread_join(g, NULL);
	for (uint32_t d = 0; d < devices; d++) {
		printf("device %u: %lu handled of %lu rounds\n", d,
		       (unsigned long)atomic_load(&handled[d]), rounds);
		if (atomic_load(&handled[d]) != rounds)
			return 1;
	}
	wave_vm_destroy(w);
	return 0;
}
