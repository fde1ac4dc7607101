/* SPDX-License-Identifier: MIT */
/*
 * The locked baseline (see locked_engine.h). Written the way a careful
 * engineer would write it with locks: every operation takes the instance's
 * spinlock, does plain bitmap work, and releases it; notify() is called
 * after the lock is dropped so the callback may call back in.
 */
#define _GNU_SOURCE
#include "locked_engine.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct locked_vcpu {
	/* Test-and-test-and-set spinlock; the data below is plain and only
	 * touched with it held. */
	atomic_uint lock;
	bool enabled;
	bool notified;
	uint32_t ack_cursor;
	uint64_t *pending; /* nr_words words each */
	uint64_t *masked;
};

struct locked_vm {
	uint32_t nr_vcpus, nr_trusted, nr_intids, nr_words, nr_inputs;
	pvirq_notify_fn notify;
	void *notify_ctx;
	struct locked_vcpu *vcpus; /* one cache-line-aligned slot per vCPU */
	size_t vcpu_stride;
	atomic_uint rvid_lock;
	uint64_t *rvid; /* bit 63 valid, 47..32 INTID, 31..0 vCPU */
};

#define RVID_VALID (1ull << 63)

static void spin_lock(atomic_uint *lock)
{
	unsigned spins = 0;

	for (;;) {
		/* Acquire: the critical section reads what the last holder wrote. */
		if (!atomic_exchange_explicit(lock, 1, memory_order_acquire))
			return;
		while (atomic_load_explicit(lock, memory_order_relaxed))
			spins = bench_backoff(spins);
	}
}

static void spin_unlock(atomic_uint *lock)
{
	/* Release: publishes the critical section to the next holder. */
	atomic_store_explicit(lock, 0, memory_order_release);
}

static struct locked_vcpu *vcpu_at(struct locked_vm *vm, uint32_t vcpu)
{
	return (struct locked_vcpu *)((char *)vm->vcpus + vcpu * vm->vcpu_stride);
}

static size_t vcpu_stride(uint32_t nr_words)
{
	size_t bytes = sizeof(struct locked_vcpu) + 2u * nr_words * sizeof(uint64_t);

	return (bytes + PVIRQ_CACHE_LINE - 1) / PVIRQ_CACHE_LINE * PVIRQ_CACHE_LINE;
}

size_t locked_vcpu_footprint(const struct pvirq_config *cfg)
{
	return vcpu_stride((cfg->nr_trusted + cfg->nr_untrusted + 63u) / 64u);
}

int locked_vm_create(const struct pvirq_config *cfg, struct locked_vm **out)
{
	struct locked_vm *vm;

	if (pvirq_config_check(cfg))
		return PVIRQ_EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return PVIRQ_ENOSPC;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->nr_trusted = cfg->nr_trusted;
	vm->nr_intids = cfg->nr_trusted + cfg->nr_untrusted;
	vm->nr_words = (vm->nr_intids + 63u) / 64u;
	vm->nr_inputs = cfg->nr_rvid_inputs;
	vm->notify = cfg->notify;
	vm->notify_ctx = cfg->notify_ctx;
	vm->vcpu_stride = vcpu_stride(vm->nr_words);
	vm->vcpus = aligned_alloc(PVIRQ_CACHE_LINE, vm->vcpu_stride * vm->nr_vcpus);
	vm->rvid = calloc(vm->nr_inputs ? vm->nr_inputs : 1, sizeof(uint64_t));
	if (!vm->vcpus || !vm->rvid) {
		locked_vm_destroy(vm);
		return PVIRQ_ENOSPC;
	}
	memset(vm->vcpus, 0, vm->vcpu_stride * vm->nr_vcpus);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct locked_vcpu *v = vcpu_at(vm, i);

		v->pending = (uint64_t *)(v + 1);
		v->masked = v->pending + vm->nr_words;
		memset(v->masked, 0xff, vm->nr_words * sizeof(uint64_t)); /* reset: all masked */
	}
	*out = vm;
	return PVIRQ_OK;
}

void locked_vm_destroy(struct locked_vm *vm)
{
	if (!vm)
		return;
	free(vm->vcpus);
	free(vm->rvid);
	free(vm);
}

static bool test_bit(const uint64_t *map, uint32_t n)
{
	return map[n / 64] >> (n % 64) & 1;
}

static void set_bit(uint64_t *map, uint32_t n)
{
	map[n / 64] |= 1ull << (n % 64);
}

static void clear_bit(uint64_t *map, uint32_t n)
{
	map[n / 64] &= ~(1ull << (n % 64));
}

/* First deliverable INTID in [from, to), or -1: the find_next_bit() walk
 * over pending & ~masked, one word at a time. Lock held. */
static int32_t scan(const struct locked_vm *vm, const struct locked_vcpu *v, uint32_t from,
		    uint32_t to)
{
	while (from < to) {
		uint32_t w = from / 64;
		uint64_t d = v->pending[w] & ~v->masked[w] & (~0ull << (from % 64));

		if (d) {
			uint32_t n = w * 64 + (uint32_t)__builtin_ctzll(d);

			return n < to ? (int32_t)n : -1;
		}
		from = (w + 1) * 64;
	}
	(void)vm;
	return -1;
}

/* Lock held: whether the line is high, and whether this call is the one
 * that must notify (the coalescing flag, as libpvirq's). */
static bool claim_notify(struct locked_vcpu *v)
{
	if (!v->enabled || v->notified)
		return false;
	v->notified = true;
	return true;
}

static void maybe_notify(struct locked_vm *vm, uint32_t vcpu, bool raise)
{
	if (raise && vm->notify)
		vm->notify(vm->notify_ctx, vcpu);
}

int locked_rvic_enable(struct locked_vm *vm, uint32_t vcpu)
{
	struct locked_vcpu *v;
	bool raise;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	v->enabled = true;
	raise = scan(vm, v, 0, vm->nr_intids) >= 0 && claim_notify(v);
	spin_unlock(&v->lock);
	maybe_notify(vm, vcpu, raise);
	return PVIRQ_OK;
}

static int check(const struct locked_vm *vm, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	return intid < vm->nr_intids ? PVIRQ_OK : PVIRQ_EINTID;
}

int locked_rvic_set_masked(struct locked_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check(vm, vcpu, intid);
	struct locked_vcpu *v;

	if (err)
		return err;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	set_bit(v->masked, intid);
	spin_unlock(&v->lock);
	return PVIRQ_OK;
}

int locked_rvic_clear_masked(struct locked_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check(vm, vcpu, intid);
	struct locked_vcpu *v;
	bool raise;

	if (err)
		return err;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	raise = test_bit(v->masked, intid) && test_bit(v->pending, intid) && claim_notify(v);
	clear_bit(v->masked, intid);
	spin_unlock(&v->lock);
	maybe_notify(vm, vcpu, raise);
	return PVIRQ_OK;
}

/* Lock held: latch pending; whether this made the INTID deliverable and
 * must notify. */
static bool latch(struct locked_vcpu *v, uint32_t intid)
{
	bool fresh = !test_bit(v->pending, intid) && !test_bit(v->masked, intid);

	set_bit(v->pending, intid);
	return fresh && claim_notify(v);
}

int locked_rvic_signal(struct locked_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check(vm, vcpu, intid);
	struct locked_vcpu *v;
	bool raise;

	if (err)
		return err;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	if (!v->enabled) {
		spin_unlock(&v->lock);
		return PVIRQ_EDISABLED;
	}
	raise = latch(v, intid);
	spin_unlock(&v->lock);
	maybe_notify(vm, vcpu, raise);
	return PVIRQ_OK;
}

int locked_rvic_clear_pending(struct locked_vm *vm, uint32_t vcpu, uint32_t intid)
{
	int err = check(vm, vcpu, intid);
	struct locked_vcpu *v;

	if (err)
		return err;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	clear_bit(v->pending, intid);
	spin_unlock(&v->lock);
	return PVIRQ_OK;
}

int locked_rvic_acknowledge(struct locked_vm *vm, uint32_t vcpu, uint32_t *intid)
{
	struct locked_vcpu *v;
	int32_t found;
	int err = PVIRQ_OK;

	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	if (!v->enabled) {
		err = PVIRQ_EDISABLED;
	} else {
		/* Round robin: from the cursor to the end, then wrap. */
		found = scan(vm, v, v->ack_cursor, vm->nr_intids);
		if (found < 0)
			found = scan(vm, v, 0, v->ack_cursor);
		if (found < 0) {
			err = PVIRQ_ENOINTR;
		} else {
			clear_bit(v->pending, (uint32_t)found);
			set_bit(v->masked, (uint32_t)found);
			v->ack_cursor = ((uint32_t)found + 1) % vm->nr_intids;
			*intid = (uint32_t)found;
		}
	}
	spin_unlock(&v->lock);
	return err;
}

bool locked_vcpu_line(struct locked_vm *vm, uint32_t vcpu)
{
	struct locked_vcpu *v;
	bool line;

	if (vcpu >= vm->nr_vcpus)
		return false;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	line = v->enabled && scan(vm, v, 0, vm->nr_intids) >= 0;
	spin_unlock(&v->lock);
	return line;
}

bool locked_vcpu_rearm(struct locked_vm *vm, uint32_t vcpu)
{
	struct locked_vcpu *v;
	bool line;

	if (vcpu >= vm->nr_vcpus)
		return false;
	v = vcpu_at(vm, vcpu);
	spin_lock(&v->lock);
	v->notified = false;
	line = v->enabled && scan(vm, v, 0, vm->nr_intids) >= 0;
	spin_unlock(&v->lock);
	return line;
}

static bool untrusted(const struct locked_vm *vm, uint32_t intid)
{
	return intid >= vm->nr_trusted && intid < vm->nr_intids;
}

int locked_rvid_map(struct locked_vm *vm, uint32_t input, uint32_t vcpu, uint32_t intid)
{
	uint64_t old;

	if (input >= vm->nr_inputs)
		return PVIRQ_EINPUT;
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!untrusted(vm, intid))
		return PVIRQ_EINTID;
	spin_lock(&vm->rvid_lock);
	old = vm->rvid[input];
	/* One input per (vCPU, INTID), as in the engine: a linear scan under
	 * the lock is enough for a baseline (MAP is rare). */
	for (uint32_t i = 0; i < vm->nr_inputs; i++) {
		if (i != input && vm->rvid[i] == (RVID_VALID | (uint64_t)intid << 32 | vcpu)) {
			spin_unlock(&vm->rvid_lock);
			return PVIRQ_EBUSY;
		}
	}
	vm->rvid[input] = RVID_VALID | (uint64_t)intid << 32 | vcpu;
	if ((old & RVID_VALID) && old != vm->rvid[input]) {
		/* Move a pending bit from the old target (lock order: rVID,
		 * then one instance at a time). */
		struct locked_vcpu *from = vcpu_at(vm, (uint32_t)old);
		uint32_t from_intid = (uint32_t)(old >> 32) & 0xFFFFu;
		bool was, raise = false;

		spin_lock(&from->lock);
		was = test_bit(from->pending, from_intid);
		clear_bit(from->pending, from_intid);
		spin_unlock(&from->lock);
		if (was && locked_rvic_signal(vm, vcpu, intid) != PVIRQ_OK) {
			spin_lock(&from->lock); /* new target disabled: keep it */
			raise = latch(from, from_intid);
			spin_unlock(&from->lock);
		}
		maybe_notify(vm, (uint32_t)old, raise);
	}
	spin_unlock(&vm->rvid_lock);
	return PVIRQ_OK;
}

int locked_rvid_inject(struct locked_vm *vm, uint32_t input)
{
	uint64_t e;
	int err;

	if (input >= vm->nr_inputs)
		return PVIRQ_EINPUT;
	/* Held across the signal so a concurrent MAP cannot strand the edge
	 * on the old target. */
	spin_lock(&vm->rvid_lock);
	e = vm->rvid[input];
	if (e & RVID_VALID)
		err = locked_rvic_signal(vm, (uint32_t)e, (uint32_t)(e >> 32) & 0xFFFFu);
	else
		err = PVIRQ_EUNMAPPED;
	spin_unlock(&vm->rvid_lock);
	return err;
}
