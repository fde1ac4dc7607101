/* SPDX-License-Identifier: MIT */
/* A VM for the ABI 0.4 tests (shared page, priorities, level inputs): the
 * fixture's shape plus a guest RAM of a few pages for guest_page(), an NMI
 * line when asked for, and recorders of notify() and resample(). */
#ifndef PVIRQ_TEST_WAVE_VM_H
#define PVIRQ_TEST_WAVE_VM_H

#include <stdatomic.h>
#include <stdlib.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#define W_VCPUS 4u
#define W_TRUSTED 32u
#define W_UNTRUSTED 64u
#define W_INTIDS (W_TRUSTED + W_UNTRUSTED)
#define W_WORDS (W_INTIDS / 32u)
#define W_INPUTS 8u
#define W_RAM_BASE 0x80000000ull
#define W_RAM_PAGES 4u

struct wave_vm {
	struct pvirq_vm *vm;
	_Alignas(4096) _Atomic uint64_t ram[W_RAM_PAGES][PVIRQ_SHARED_STATE_SIZE / 8];
	atomic_uint notified[W_VCPUS];
	atomic_uint resampled[W_INPUTS];
	/* What resample() does: drop the level of the input it is told about. */
	bool lower_on_resample;
};

static inline void wave_notify(void *ctx, uint32_t vcpu)
{
	struct wave_vm *w = ctx;

	atomic_fetch_add(&w->notified[vcpu], 1);
}

/* Guest RAM is [W_RAM_BASE, W_RAM_BASE + W_RAM_PAGES pages): anything else
 * is refused, as a VMM must. */
static inline void *wave_guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	struct wave_vm *w = ctx;

	(void)vcpu;
	if (gpa < W_RAM_BASE || gpa - W_RAM_BASE >= (uint64_t)W_RAM_PAGES * 4096u ||
	    size > (uint64_t)W_RAM_PAGES * 4096u - (gpa - W_RAM_BASE))
		return NULL;
	return (char *)w->ram + (gpa - W_RAM_BASE);
}

static inline void wave_resample(void *ctx, uint32_t input);

static inline struct wave_vm *wave_vm_create(bool nmi_line)
{
	struct wave_vm *w = aligned_alloc(4096, sizeof(*w));
	struct pvirq_config cfg = {
		.nr_vcpus = W_VCPUS,
		.nr_trusted = W_TRUSTED,
		.nr_untrusted = W_UNTRUSTED,
		.nr_rvid_inputs = W_INPUTS,
		.notify = wave_notify,
		.guest_page = wave_guest_page,
		.resample = wave_resample,
		.nmi_line = nmi_line,
	};

	if (!w)
		abort();
	for (size_t p = 0; p < W_RAM_PAGES; p++)
		for (size_t i = 0; i < PVIRQ_SHARED_STATE_SIZE / 8; i++)
			atomic_init(&w->ram[p][i], 0);
	for (uint32_t c = 0; c < W_VCPUS; c++)
		atomic_init(&w->notified[c], 0);
	for (uint32_t i = 0; i < W_INPUTS; i++)
		atomic_init(&w->resampled[i], 0);
	w->lower_on_resample = false;
	cfg.notify_ctx = cfg.guest_page_ctx = cfg.resample_ctx = w;
	if (pvirq_vm_create(&cfg, &w->vm) != PVIRQ_OK)
		abort();
	return w;
}

static inline void wave_resample(void *ctx, uint32_t input)
{
	struct wave_vm *w = ctx;

	atomic_fetch_add(&w->resampled[input], 1);
	if (w->lower_on_resample)
		pvirq_rvid_set_level(w->vm, input, false);
}

static inline void wave_vm_destroy(struct wave_vm *w)
{
	pvirq_vm_destroy(w->vm);
	free(w);
}

/* The guest-physical address and host view of page @p of guest RAM. */
static inline uint64_t wave_gpa(uint32_t p)
{
	return W_RAM_BASE + (uint64_t)p * PVIRQ_SHARED_STATE_SIZE;
}

static inline bool wave_is(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid, bool pending)
{
	bool v = !pending;

	if (pvirq_rvic_is_pending(vm, vcpu, intid, &v) != PVIRQ_OK)
		abort();
	return v == pending;
}

#endif
