/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

const uint64_t h_cpu_ids[H_VCPUS] = {0x0, 0x1, 0x100, 0x10000};

const char *const abi_arch_name[NR_ARCHES] = {"x86_64", "arm64", "riscv64"};

static void count_notify(void *ctx, uint32_t vcpu)
{
	struct harness *h = ctx;

	atomic_fetch_add(&h->notified[vcpu], 1);
}

int harness_setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->cfg = (struct pvirq_config){
		.nr_vcpus = H_VCPUS,
		.nr_trusted = H_TRUSTED,
		.nr_untrusted = H_UNTRUSTED,
		.nr_rvid_inputs = H_INPUTS,
		.cpu_ids = h_cpu_ids,
		.notify = count_notify,
		.notify_ctx = h,
	};
	assert_int_equal(pvirq_vm_create(&h->cfg, &h->vm), PVIRQ_OK);
	*state = h;
	return 0;
}

int harness_teardown(void **state)
{
	struct harness *h = *state;

	pvirq_vm_destroy(h->vm);
	free(h);
	return 0;
}

void vm_state_read(struct pvirq_vm *vm, struct vm_state *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t c = 0; c < H_VCPUS; c++) {
		assert_int_equal(pvirq_rvic_is_enabled(vm, c, &s->enabled[c]), PVIRQ_OK);
		for (uint32_t i = 0; i < H_INTIDS; i++) {
			assert_int_equal(pvirq_rvic_is_pending(vm, c, i, &s->pending[c][i]),
					 PVIRQ_OK);
			assert_int_equal(pvirq_rvic_is_masked(vm, c, i, &s->masked[c][i]),
					 PVIRQ_OK);
		}
	}
	for (uint32_t n = 0; n < H_INPUTS; n++)
		s->mapped[n] = pvirq_rvid_lookup(vm, n, &s->map_vcpu[n], &s->map_intid[n]);
}

void assert_vm_state_equal(const struct vm_state *a, const struct vm_state *b)
{
	for (uint32_t c = 0; c < H_VCPUS; c++) {
		assert_int_equal(a->enabled[c], b->enabled[c]);
		for (uint32_t i = 0; i < H_INTIDS; i++) {
			if (a->pending[c][i] != b->pending[c][i] ||
			    a->masked[c][i] != b->masked[c][i])
				fail_msg("vCPU %u INTID %u changed", c, i);
		}
	}
	for (uint32_t n = 0; n < H_INPUTS; n++) {
		assert_int_equal(a->mapped[n], b->mapped[n]);
		if (a->mapped[n] == PVIRQ_OK) {
			assert_int_equal(a->map_vcpu[n], b->map_vcpu[n]);
			assert_int_equal(a->map_intid[n], b->map_intid[n]);
		}
	}
}

static int call_x86(struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0, uint64_t a1,
		    uint64_t a2, int64_t *status, uint64_t *value)
{
	struct pvirq_x86_regs r = {
		.rax = id, .rbx = a0, .rcx = a1, .rdx = 0xD0D0, .rsi = a2, .rdi = 0xD1D1};
	struct pvirq_x86_regs before = r;
	int err = pvirq_x86_handle_hypercall(vm, vcpu, &r);

	if (err) {
		assert_memory_equal(&r, &before, sizeof(r));
		return err;
	}
	assert_true(r.rcx == a1 && r.rdx == 0xD0D0 && r.rsi == a2 && r.rdi == 0xD1D1);
	*status = (int64_t)r.rax;
	*value = r.rbx;
	return PVIRQ_OK;
}

static int call_arm64(struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0, uint64_t a1,
		      uint64_t a2, int64_t *status, uint64_t *value)
{
	struct pvirq_arm64_regs r = {{id, a0, a1, a2, 0x4444, 0x5555, 0x6666, 0x7777}};
	struct pvirq_arm64_regs before = r;
	int err = pvirq_arm64_handle_smccc(vm, vcpu, &r);

	if (err) {
		assert_memory_equal(&r, &before, sizeof(r));
		return err;
	}
	/* X2, X3 are result registers (zeroed); X4..X7 preserved. */
	assert_true(r.x[2] == 0 && r.x[3] == 0);
	assert_memory_equal(&r.x[4], &before.x[4], 4 * sizeof(uint64_t));
	*status = (int64_t)r.x[0];
	*value = r.x[1];
	return PVIRQ_OK;
}

static int call_riscv(struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0, uint64_t a1,
		      uint64_t a2, int64_t *status, uint64_t *value)
{
	bool rvid = id - PVIRQ_ABI_RVID_BASE < PVIRQ_ABI_RANGE_SIZE;
	struct pvirq_riscv_regs r = {{a0, a1, a2, 0x3333, 0x4444, 0x5555,
				      id & (PVIRQ_ABI_RANGE_SIZE - 1),
				      rvid ? PVIRQ_RISCV_EID_RVID : PVIRQ_RISCV_EID_RVIC}};
	struct pvirq_riscv_regs before = r;
	int err = pvirq_riscv_handle_sbi(vm, vcpu, &r);

	if (err) {
		assert_memory_equal(&r, &before, sizeof(r));
		return err;
	}
	assert_memory_equal(&r.a[2], &before.a[2], 6 * sizeof(uint64_t));
	if (r.a[0] == 0) {
		*status = 0;
		*value = r.a[1];
	} else {
		/* A0 must be the SBI error the spec gives for A1's reason. */
		*status = (int64_t)r.a[1];
		*value = 0;
		if (*status == PVIRQ_ABI_STATUS_NOT_SUPPORTED)
			assert_int_equal((int64_t)r.a[0], PVIRQ_SBI_ERR_NOT_SUPPORTED);
		else
			assert_int_equal((int64_t)r.a[0],
					 pvirq_riscv_sbi_error(PVIRQ_ABI_STATUS_REASON(*status)));
	}
	return PVIRQ_OK;
}

int abi_call(enum abi_arch arch, struct pvirq_vm *vm, uint32_t vcpu, uint32_t id, uint64_t a0,
	     uint64_t a1, uint64_t a2, int64_t *status, uint64_t *value)
{
	switch (arch) {
	case ARCH_X86_64: return call_x86(vm, vcpu, id, a0, a1, a2, status, value);
	case ARCH_ARM64: return call_arm64(vm, vcpu, id, a0, a1, a2, status, value);
	case ARCH_RISCV64: return call_riscv(vm, vcpu, id, a0, a1, a2, status, value);
	default: fail_msg("no adapter for arch %d", (int)arch);
	}
	return PVIRQ_EINVAL;
}
