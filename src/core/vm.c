/* SPDX-License-Identifier: MIT */
/*
 * Configuration, placement in caller memory, reset and CPU-id lookup.
 * Nothing here is on a hot path; everything here runs before the VM is
 * shared (init) or while the caller has quiesced it (reset).
 */
#include "layout.h"

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Whether no two vCPUs share a CPU id. Quadratic, because a pure check of
 * caller memory has no scratch space to sort into (freestanding, no
 * allocation): about 8 M comparisons, a few milliseconds, at the 4096-vCPU
 * maximum, once per VM. NULL ids are the distinct 0..n-1. */
static bool cpu_ids_distinct(const struct pvirq_config *cfg)
{
	if (!cfg->cpu_ids)
		return true;
	for (uint32_t i = 1; i < cfg->nr_vcpus; i++)
		for (uint32_t j = 0; j < i; j++)
			if (cfg->cpu_ids[i] == cfg->cpu_ids[j])
				return false;
	return true;
}

int pvirq__counts_check(uint32_t nr_vcpus, uint32_t t, uint32_t u, uint32_t inputs)
{
	if (nr_vcpus == 0 || nr_vcpus > PVIRQ_MAX_VCPUS)
		return PVIRQ_EINVAL;
	/* The reference's limits, including the U >= 32 check it forgot. */
	if (t < PVIRQ_INTID_GRANULE || t % PVIRQ_INTID_GRANULE)
		return PVIRQ_EINVAL;
	if (u < PVIRQ_INTID_GRANULE || u % PVIRQ_INTID_GRANULE)
		return PVIRQ_EINVAL;
	/* Compare without adding, so huge values cannot wrap. */
	if (t > PVIRQ_MAX_INTIDS || u > PVIRQ_MAX_INTIDS - t)
		return PVIRQ_EINVAL;
	return inputs > PVIRQ_MAX_RVID_INPUTS ? PVIRQ_EINVAL : PVIRQ_OK;
}

int pvirq_config_check(const struct pvirq_config *cfg)
{
	if (!cfg)
		return PVIRQ_EINVAL;
	if (pvirq__counts_check(cfg->nr_vcpus, cfg->nr_trusted, cfg->nr_untrusted,
				cfg->nr_rvid_inputs))
		return PVIRQ_EINVAL;
	return cpu_ids_distinct(cfg) ? PVIRQ_OK : PVIRQ_EINVAL;
}

/* Fills every size and offset of @vm from a checked @cfg. */
static void compute_layout(const struct pvirq_config *cfg, struct pvirq_vm *vm)
{
	uint32_t nr_intids = cfg->nr_trusted + cfg->nr_untrusted;
	size_t block;

	vm->nr_vcpus = cfg->nr_vcpus;
	vm->nr_trusted = cfg->nr_trusted;
	vm->nr_untrusted = cfg->nr_untrusted;
	vm->nr_intids = nr_intids;
	vm->nr_state_words = nr_intids / PVIRQ_INTIDS_PER_WORD;
	vm->nr_level_lines =
		cfg->nr_trusted < PVIRQ_MAX_LEVEL_LINES ? cfg->nr_trusted : PVIRQ_MAX_LEVEL_LINES;
	vm->nr_level_words = (vm->nr_level_lines + 63u) / 64u;
	vm->nr_rvid_inputs = cfg->nr_rvid_inputs;
	vm->nr_inst_words = PVIRQ_SHARED_WORDS(vm->nr_state_words);
	block = sizeof(struct pvirq_vcpu) +
		(size_t)(vm->nr_inst_words + vm->nr_level_words) * sizeof(uint64_t);
	vm->vcpu_stride = (uint32_t)align_up(block, PVIRQ_CACHE_LINE);
	vm->vcpus_offset = align_up(sizeof(struct pvirq_vm), PVIRQ_CACHE_LINE);
	vm->rvid_offset = vm->vcpus_offset + (size_t)vm->nr_vcpus * vm->vcpu_stride;
	vm->nr_occupancy_words = (cfg->nr_untrusted + 63u) / 64u;
	vm->occupancy_offset = vm->rvid_offset + (size_t)vm->nr_rvid_inputs * sizeof(uint64_t);
	vm->inputs_offset = vm->occupancy_offset +
			    (size_t)vm->nr_vcpus * vm->nr_occupancy_words * sizeof(uint64_t);
	vm->idmap_offset =
		align_up(vm->inputs_offset + (size_t)vm->nr_rvid_inputs * sizeof(uint32_t),
			 sizeof(uint64_t));
	vm->footprint =
		align_up(vm->idmap_offset + (size_t)vm->nr_vcpus * sizeof(struct pvirq_idmap_entry),
			 PVIRQ_CACHE_LINE);
}

size_t pvirq_vm_footprint(const struct pvirq_config *cfg)
{
	struct pvirq_vm layout;

	if (pvirq_config_check(cfg) != PVIRQ_OK)
		return 0;
	compute_layout(cfg, &layout);
	return layout.footprint;
}

static bool idmap_less(const struct pvirq_idmap_entry *a, const struct pvirq_idmap_entry *b)
{
	return a->cpu_id < b->cpu_id;
}

static void idmap_swap(struct pvirq_idmap_entry *a, struct pvirq_idmap_entry *b)
{
	struct pvirq_idmap_entry t = *a;

	*a = *b;
	*b = t;
}

static void idmap_sift_down(struct pvirq_idmap_entry *e, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && idmap_less(&e[child], &e[child + 1]))
			child++;
		if (!idmap_less(&e[root], &e[child]))
			return;
		idmap_swap(&e[root], &e[child]);
		root = child;
	}
}

/* Heapsort: O(n log n), no recursion, no scratch memory (freestanding). */
static void idmap_sort(struct pvirq_idmap_entry *e, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		idmap_sift_down(e, i, n);
	for (uint32_t end = n; end-- > 1;) {
		idmap_swap(&e[0], &e[end]);
		idmap_sift_down(e, 0, end);
	}
}

/* Writes the reset state of one vCPU block. */
static void vcpu_reset(const struct pvirq_vm *vm, struct pvirq_vcpu *v)
{
	_Atomic uint64_t *level = pvirq_level_words(vm, v);

	uint32_t n = vm->nr_state_words;

	/* Relaxed: reset runs while the VM is quiesced (contract of
	 * pvirq_vm_reset), and init before the VM is published. A shared
	 * page is given up: the rebooted guest shares again if it wants. */
	atomic_store_explicit(&v->summary, 0, memory_order_relaxed);
	atomic_store_explicit(&v->enabled, 0, memory_order_relaxed);
	atomic_store_explicit(&v->notified, 0, memory_order_relaxed);
	atomic_store_explicit(&v->nmi_edge, 0, memory_order_relaxed);
	atomic_store_explicit(&v->uses_priority, 0, memory_order_relaxed);
	atomic_store_explicit(&v->inst, (uintptr_t)&v->words[0], memory_order_relaxed);
	atomic_store_explicit(&v->shared_gpa, 0, memory_order_relaxed);
	for (uint32_t c = 0; c < PVIRQ_PRIORITY_CLASSES; c++)
		atomic_store_explicit(&v->ack_cursor[c], 0, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++) {
		atomic_store_explicit(&v->words[PVIRQ_SHARED_STATE_WORD(n, i)], PVIRQ_MASKED_LANES,
				      memory_order_relaxed);
		atomic_store_explicit(&v->words[PVIRQ_SHARED_CLASS_WORD(n, i)], 0,
				      memory_order_relaxed);
	}
	atomic_store_explicit(&v->words[PVIRQ_SHARED_FLOOR_WORD(n)], 0, memory_order_relaxed);
	for (uint32_t i = 0; i < vm->nr_level_words; i++)
		atomic_store_explicit(&level[i], 0, memory_order_relaxed);
}

void pvirq_vm_reset(struct pvirq_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		vcpu_reset(vm, pvirq_vcpu_at(vm, i));
	for (uint32_t i = 0; i < vm->nr_rvid_inputs; i++) {
		atomic_store_explicit(pvirq_rvid_at(vm, i), 0, memory_order_relaxed);
		atomic_store_explicit(pvirq_input_state(vm, i), 0, memory_order_relaxed);
	}
	pvirq__rvid_clear_occupancy(vm);
	atomic_store_explicit(&vm->any_level_input, 0, memory_order_relaxed);
	/* Publish the reset state to whoever resumes the VM. */
	atomic_thread_fence(memory_order_seq_cst);
}

int pvirq_vm_init(void *mem, size_t size, const struct pvirq_config *cfg, struct pvirq_vm **out)
{
	struct pvirq_vm layout;
	struct pvirq_vm *vm = mem;
	struct pvirq_idmap_entry *idmap;
	int err = pvirq_config_check(cfg);

	if (err)
		return err;
	if (!mem || !out || (uintptr_t)mem % PVIRQ_CACHE_LINE)
		return PVIRQ_EINVAL;
	compute_layout(cfg, &layout);
	if (size < layout.footprint)
		return PVIRQ_ENOSPC;

	/* Every check is behind us (duplicate ids included, in
	 * pvirq_config_check): from here on nothing fails, so a failed init
	 * has written nothing to @mem. */
	idmap = (struct pvirq_idmap_entry *)((uintptr_t)mem + layout.idmap_offset);
	for (uint32_t i = 0; i < cfg->nr_vcpus; i++) {
		idmap[i].cpu_id = cfg->cpu_ids ? cfg->cpu_ids[i] : i;
		idmap[i].vcpu = i;
		idmap[i].reserved = 0;
	}
	idmap_sort(idmap, cfg->nr_vcpus);

	layout.notify = cfg->notify;
	layout.notify_ctx = cfg->notify_ctx;
	layout.line_level = cfg->line_level;
	layout.line_level_ctx = cfg->line_level_ctx;
	layout.guest_page = cfg->guest_page;
	layout.guest_page_ctx = cfg->guest_page_ctx;
	layout.resample = cfg->resample;
	layout.resample_ctx = cfg->resample_ctx;
	layout.nmi_line = cfg->nmi_line;
	*vm = layout;
	for (uint32_t i = 0; i < cfg->nr_vcpus; i++) {
		struct pvirq_vcpu *v = pvirq_vcpu_at(vm, i);

		v->cpu_id = cfg->cpu_ids ? cfg->cpu_ids[i] : i;
		v->reserved = 0;
	}
	pvirq_vm_reset(vm);
	*out = vm;
	return PVIRQ_OK;
}

uint32_t pvirq_vm_nr_vcpus(const struct pvirq_vm *vm)
{
	return vm->nr_vcpus;
}

uint32_t pvirq_vm_nr_trusted(const struct pvirq_vm *vm)
{
	return vm->nr_trusted;
}

uint32_t pvirq_vm_nr_untrusted(const struct pvirq_vm *vm)
{
	return vm->nr_untrusted;
}

uint32_t pvirq_vm_nr_rvid_inputs(const struct pvirq_vm *vm)
{
	return vm->nr_rvid_inputs;
}

int pvirq_vm_vcpu_by_cpu_id(const struct pvirq_vm *vm, uint64_t cpu_id, uint32_t *vcpu)
{
	const struct pvirq_idmap_entry *e = pvirq_idmap(vm);
	uint32_t lo = 0, hi = vm->nr_vcpus;

	/* Ids are distinct, so if vCPU cpu_id has this id it is the answer:
	 * O(1) for the common identity mapping (cpu_ids == NULL), which every
	 * hypercall naming a target pays. */
	if (cpu_id < vm->nr_vcpus && pvirq_vcpu_at(vm, (uint32_t)cpu_id)->cpu_id == cpu_id) {
		*vcpu = (uint32_t)cpu_id;
		return PVIRQ_OK;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e[mid].cpu_id < cpu_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == vm->nr_vcpus || e[lo].cpu_id != cpu_id)
		return PVIRQ_EVCPU;
	*vcpu = e[lo].vcpu;
	return PVIRQ_OK;
}

int pvirq_vm_cpu_id(const struct pvirq_vm *vm, uint32_t vcpu, uint64_t *cpu_id)
{
	if (vcpu >= vm->nr_vcpus)
		return PVIRQ_EVCPU;
	*cpu_id = pvirq_vcpu_at(vm, vcpu)->cpu_id;
	return PVIRQ_OK;
}
