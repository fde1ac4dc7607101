/* SPDX-License-Identifier: MIT */
#include "decode.h"

#include <stdio.h>
#include <stdlib.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#include "harness.h"

#if defined(__has_include)
#if __has_include(<pvirq/arch/arm64.h>) && __has_include(<pvirq/arch/x86_64.h>) &&               \
	__has_include(<pvirq/arch/riscv64.h>)
#define BENCH_HAVE_ABI 1
#include <pvirq/arch/arm64.h>
#include <pvirq/arch/riscv64.h>
#include <pvirq/arch/x86_64.h>
#endif
#endif

/* The cycle: INTIDs 0..CYCLE_INTIDS-1 of vCPU 0, signalled by vCPU 0 itself. */
#define CYCLE_INTIDS 32u
#define RVIC_FID(n) (0xC5000200u + (n))
#define RVIC_SIGNAL 7u
#define RVIC_ACKNOWLEDGE 9u
#define RVIC_CLEAR_MASKED 5u
#define SBI_EID_RVIC 0x08525643u

struct pvirq_vm *decode_cycle_vm(void)
{
	struct pvirq_config cfg = {.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32};
	struct pvirq_vm *vm;

	if (pvirq_vm_create(&cfg, &vm) || pvirq_rvic_enable(vm, 0)) {
		fprintf(stderr, "bench: decode VM setup failed\n");
		exit(2);
	}
	for (uint32_t i = 0; i < 64; i++)
		pvirq_rvic_clear_masked(vm, 0, i);
	return vm;
}

static double finish(struct pvirq_vm *vm, struct bench_batches *bb)
{
	pvirq_vm_destroy(vm);
	return bench_batches_median(bb);
}

void decode_cycles_direct(struct pvirq_vm *vm, uint32_t cycles)
{
	uint32_t intid = 0;

	for (uint32_t i = 0; i < cycles; i++) {
		pvirq_rvic_signal(vm, 0, i % CYCLE_INTIDS);
		pvirq_rvic_acknowledge(vm, 0, &intid);
		pvirq_rvic_clear_masked(vm, 0, intid);
	}
}

double decode_direct(const struct bench_params *p)
{
	struct pvirq_vm *vm = decode_cycle_vm();
	struct bench_batches bb = {.timer_ns = p->timer_ns};

	for (unsigned b = 0; b < p->inner; b++) {
		double t0 = bench_now_ns();

		decode_cycles_direct(vm, p->batch);
		bench_batch_add(&bb, t0, bench_now_ns(), p->batch * 3);
	}
	return finish(vm, &bb);
}

#ifdef BENCH_HAVE_ABI
const unsigned decode_nr_arches = 3;
const char *const decode_arch_names[] = {"arm64 SMCCC", "x86_64 VMCALL/port I/O", "riscv64 SBI"};

/* One hypercall: registers as the guest leaves them, then the decoder.
 * Returns the value register. */
static uint64_t call(struct pvirq_vm *vm, unsigned arch, uint32_t n, uint64_t a0, uint64_t a1)
{
	switch (arch) {
	case 0: {
		struct pvirq_arm64_regs r = {.x = {RVIC_FID(n), a0, a1}};

		pvirq_arm64_handle_smccc(vm, 0, &r);
		return r.x[1];
	}
	case 1: {
		struct pvirq_x86_regs r = {.rax = RVIC_FID(n), .rbx = a0, .rcx = a1};

		pvirq_x86_handle_hypercall(vm, 0, &r);
		return r.rbx;
	}
	default: {
		struct pvirq_riscv_regs r = {.a = {a0, a1, 0, 0, 0, 0, n, SBI_EID_RVIC}};

		pvirq_riscv_handle_sbi(vm, 0, &r);
		return r.a[1];
	}
	}
}

void decode_cycles_via_abi(struct pvirq_vm *vm, unsigned arch, uint32_t cycles)
{
	for (uint32_t i = 0; i < cycles; i++) {
		/* Target 0 is vCPU 0's CPU id (ids default to indexes). */
		uint64_t intid;

		call(vm, arch, RVIC_SIGNAL, 0, i % CYCLE_INTIDS);
		intid = call(vm, arch, RVIC_ACKNOWLEDGE, 0, 0);
		call(vm, arch, RVIC_CLEAR_MASKED, 0, intid);
	}
}

double decode_via_abi(const struct bench_params *p, unsigned arch)
{
	struct pvirq_vm *vm = decode_cycle_vm();
	struct bench_batches bb = {.timer_ns = p->timer_ns};

	for (unsigned b = 0; b < p->inner; b++) {
		double t0 = bench_now_ns();

		decode_cycles_via_abi(vm, arch, p->batch);
		bench_batch_add(&bb, t0, bench_now_ns(), p->batch * 3);
	}
	/* The cycle must really have cycled: nothing left pending or masked. */
	for (uint32_t i = 0; i < CYCLE_INTIDS; i++) {
		bool pending = true, masked = true;

		pvirq_rvic_is_pending(vm, 0, i, &pending);
		pvirq_rvic_is_masked(vm, 0, i, &masked);
		if (pending || masked) {
			fprintf(stderr, "bench: %s cycle left INTID %u %s\n",
				decode_arch_names[arch], i, pending ? "pending" : "masked");
			exit(2);
		}
	}
	return finish(vm, &bb);
}
#else
const unsigned decode_nr_arches = 0;
const char *const decode_arch_names[] = {""};

void decode_cycles_via_abi(struct pvirq_vm *vm, unsigned arch, uint32_t cycles)
{
	(void)vm;
	(void)arch;
	(void)cycles;
}

double decode_via_abi(const struct bench_params *p, unsigned arch)
{
	(void)p;
	(void)arch;
	return 0;
}
#endif
