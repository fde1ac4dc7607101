/* SPDX-License-Identifier: MIT */
/*
 * What differs between the bindings: which function IDs each one takes
 * (everything else is PVIRQ_ENOSYS with registers untouched), reserved
 * bits, target id widths, the riscv64 error mapping, the x86 upcall vector
 * and doorbell, and that all three decode every row of the call table to
 * the same normalised call (split-trust routing reads call.part).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#define ID(part, name) PVIRQ_ABI_ID(part, name)
#define ST(reason, index) PVIRQ_ABI_STATUS(PVIRQ_ABI_##reason, index)

/* --- x86_64 ---------------------------------------------------------- */

static void x86_foreign_ids_untouched(void **state)
{
	struct harness *h = *state;
	const uint64_t foreign[] = {
		0,		       /* KVM_HC_* numbers */
		1,		       /* */
		0x1C5000200ull,	       /* ours only after truncation */
		0xFFFFFFFFC5000200ull, /* sign-extended: not ours either */
		0xC5000300ull,	       /* past the rVIC range */
		0xC50000FFull,	       /* before the rVID range */
		0x85000200ull,	       /* SMC32 form */
		0x84000000ull,	       /* PSCI_VERSION */
	};

	for (size_t k = 0; k < sizeof(foreign) / sizeof(foreign[0]); k++) {
		struct pvirq_x86_regs r = {foreign[k], 1, 2, 3, 4, 5}, before = r;

		assert_int_equal(pvirq_x86_handle_hypercall(h->vm, 0, &r), PVIRQ_ENOSYS);
		assert_memory_equal(&r, &before, sizeof(r));
	}
}

static void x86_bad_caller_and_null(void **state)
{
	struct harness *h = *state;
	struct pvirq_x86_regs r = {ID(RVIC, ENABLE), 1, 2, 3, 4, 5}, before = r;
	struct pvirq_abi_call call;

	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, H_VCPUS, &r), PVIRQ_EVCPU);
	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, UINT32_MAX, &r), PVIRQ_EVCPU);
	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, 0, NULL), PVIRQ_EINVAL);
	assert_int_equal(pvirq_x86_decode(&r, NULL), PVIRQ_EINVAL);
	assert_int_equal(pvirq_x86_decode(NULL, &call), PVIRQ_EINVAL);
}

static void x86_upcall_vector(void **state)
{
	struct harness *h = *state;
	struct pvirq_x86_regs r = {ID(RVIC, INFO), PVIRQ_ABI_INFO_UPCALL_VECTOR, 0, 0, 0, 0};
	struct pvirq_x86_regs before = r;

	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, 0, &r), PVIRQ_OK);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rbx, 0xF3);
	r = before;
	assert_int_equal(pvirq_x86_handle_hypercall_vector(h->vm, 0, &r, 0x40), PVIRQ_OK);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rbx, 0x40);
	r = before;
	assert_int_equal(pvirq_x86_handle_hypercall_vector(h->vm, 0, &r, 0x1F), PVIRQ_EINVAL);
	assert_memory_equal(&r, &before, sizeof(r));
}

static void x86_status_is_64_bit(void **state)
{
	struct harness *h = *state;
	struct pvirq_x86_regs r = {PVIRQ_ABI_RVIC_BASE + 17, 7, 7, 7, 7, 7};

	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, 0, &r), PVIRQ_OK);
	assert_true(r.rax == UINT64_MAX); /* NOT_SUPPORTED: -1 in all 64 bits */
	assert_int_equal(r.rbx, 0);
	/* APIC ids are 32 bits: bit 32 makes a target invalid. */
	r = (struct pvirq_x86_regs){ID(RVIC, SIGNAL), 1ull << 32, 5, 0, 0, 0};
	assert_int_equal(pvirq_x86_handle_hypercall(h->vm, 0, &r), PVIRQ_OK);
	assert_int_equal(r.rax, ST(INVALID_CPU, 0));
}

static void x86_doorbell(void **state)
{
	(void)state;
	assert_true(pvirq_x86_io_is_doorbell(0x0A50, 4, true, 1));
	assert_false(pvirq_x86_io_is_doorbell(0x0A50, 4, false, 1)); /* IN */
	assert_false(pvirq_x86_io_is_doorbell(0x0A50, 2, true, 1));  /* outw */
	assert_false(pvirq_x86_io_is_doorbell(0x0A50, 4, true, 2));  /* rep outsl */
	assert_false(pvirq_x86_io_is_doorbell(0x0A51, 4, true, 1));
	assert_false(pvirq_x86_io_is_doorbell(0x3F8, 1, true, 1));
}

/* --- arm64 ----------------------------------------------------------- */

static void arm64_function_id_checks(void **state)
{
	struct harness *h = *state;
	const struct {
		uint64_t x0;
		int err;
	} ids[] = {
		{0xC5000200ull, PVIRQ_OK},	   /* RVIC_VERSION */
		{0xFFFFFFFFC5000200ull, PVIRQ_OK}, /* X0[63:32] ignored (W0) */
		{0xC5010200ull, PVIRQ_OK},	   /* bit 16: SVE hint, ignored */
		{0xC5000100ull, PVIRQ_OK},	   /* RVID_VERSION */
		{0x85000200ull, PVIRQ_ENOSYS},	   /* SMC32 rVIC */
		{0x85000100ull, PVIRQ_ENOSYS},	   /* SMC32 rVID */
		{0x45000200ull, PVIRQ_ENOSYS},	   /* yielding call */
		{0xC4000200ull, PVIRQ_ENOSYS},	   /* owner 4 (standard secure) */
		{0xC6000200ull, PVIRQ_ENOSYS},	   /* owner 6 (vendor hyp) */
		{0xC5020200ull, PVIRQ_ENOSYS},	   /* reserved bit 17 */
		{0xC5800200ull, PVIRQ_ENOSYS},	   /* reserved bit 23 */
		{0xC5000300ull, PVIRQ_ENOSYS},	   /* past rVIC */
		{0xC50000FFull, PVIRQ_ENOSYS},	   /* before rVID */
		{0xC5001200ull, PVIRQ_ENOSYS},	   /* function bits 15:12 */
		{0x80000000ull, PVIRQ_ENOSYS},	   /* SMCCC_VERSION */
		{0x84000000ull, PVIRQ_ENOSYS},	   /* PSCI_VERSION */
		{0xC4000003ull, PVIRQ_ENOSYS},	   /* PSCI CPU_ON64 */
	};

	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		struct pvirq_arm64_regs r = {{ids[k].x0, 1, 2, 3, 4, 5, 6, 7}}, before = r;

		assert_int_equal(pvirq_arm64_handle_smccc(h->vm, 0, &r), ids[k].err);
		if (ids[k].err) {
			assert_memory_equal(&r, &before, sizeof(r));
		} else {
			assert_int_equal(r.x[0], 0);
			assert_int_equal(r.x[1], PVIRQ_ABI_VERSION);
		}
	}
}

static void arm64_targets_are_mpidr_affinity(void **state)
{
	const uint64_t ids[] = {0x0, 0x0100000000ull, 0xFF00FFFFFFull};
	const struct {
		uint64_t target;
		int64_t status;
	} targets[] = {
		{0x0100000000ull, 0},				    /* Aff3 = 1 */
		{0xFF00FFFFFFull, 0},				    /* every affinity bit */
		{0x0100000000ull | 1ull << 24, ST(INVALID_CPU, 0)}, /* MT */
		{0x0100000000ull | 1ull << 30, ST(INVALID_CPU, 0)}, /* U */
		{0x0100000000ull | 1ull << 31, ST(INVALID_CPU, 0)}, /* RES1 */
		{0x0100000000ull | 1ull << 40, ST(INVALID_CPU, 0)}, /* RES0 */
		{0x0200000000ull, ST(INVALID_CPU, 0)},		    /* nobody */
	};
	struct pvirq_config cfg = {
		.nr_vcpus = 3, .nr_trusted = 32, .nr_untrusted = 32, .cpu_ids = ids};
	struct pvirq_vm *vm;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	for (uint32_t c = 0; c < 3; c++)
		assert_int_equal(pvirq_rvic_enable(vm, c), PVIRQ_OK);
	for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		struct pvirq_arm64_regs r = {{ID(RVIC, SIGNAL), targets[k].target, 9}};

		assert_int_equal(pvirq_arm64_handle_smccc(vm, 0, &r), PVIRQ_OK);
		assert_int_equal((int64_t)r.x[0], targets[k].status);
	}
	/* Exactly the two valid targets got INTID 9. */
	for (uint32_t c = 0; c < 3; c++) {
		bool p;

		assert_int_equal(pvirq_rvic_is_pending(vm, c, 9, &p), PVIRQ_OK);
		assert_int_equal(p, c != 0);
	}
	pvirq_vm_destroy(vm);
}

static void arm64_no_upcall_vector(void **state)
{
	struct harness *h = *state;
	struct pvirq_arm64_regs r = {{ID(RVIC, INFO), PVIRQ_ABI_INFO_UPCALL_VECTOR}};

	assert_int_equal(pvirq_arm64_handle_smccc(h->vm, 0, &r), PVIRQ_OK);
	assert_int_equal(r.x[0], ST(ERROR_PARAMETER, 0));
	assert_int_equal(r.x[1], 0);
	r = (struct pvirq_arm64_regs){{ID(RVIC, ENABLE)}};
	assert_int_equal(pvirq_arm64_handle_smccc(h->vm, H_VCPUS, &r), PVIRQ_EVCPU);
	assert_int_equal(r.x[0], ID(RVIC, ENABLE));
}

static void arm64_injection_shims(void **state)
{
	const struct {
		uint32_t vcpu;
		bool line;
		int err;
		uint32_t irq, level;
	} lines[] = {
		{0, true, PVIRQ_OK, 0x00000000u, 1},
		{1, false, PVIRQ_OK, 0x00010000u, 0},
		{255, true, PVIRQ_OK, 0x00FF0000u, 1},
		{256, true, PVIRQ_OK, 0x10000000u, 1},
		{257, true, PVIRQ_OK, 0x10010000u, 1},
		{4095, false, PVIRQ_OK, 0xF0FF0000u, 0},
		{4096, true, PVIRQ_EVCPU, 0xAAAAu, 0xBBBBu},
	};

	(void)state;
	assert_int_equal(pvirq_arm64_hcr_el2_with_vi(0, true), 0x80);
	assert_int_equal(pvirq_arm64_hcr_el2_with_vi(~0ull, false), ~0x80ull);
	assert_int_equal(pvirq_arm64_hcr_el2_with_vi(0x80000001ull, true), 0x80000081ull);
	assert_int_equal(pvirq_arm64_hcr_el2_with_vi(0x80000081ull, false), 0x80000001ull);
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		struct pvirq_arm64_kvm_irq_level out = {0xAAAAu, 0xBBBBu};

		assert_int_equal(pvirq_arm64_kvm_irq_line(lines[k].vcpu, lines[k].line, &out),
				 lines[k].err);
		assert_int_equal(out.irq, lines[k].irq);
		assert_int_equal(out.level, lines[k].level);
	}
	assert_int_equal(pvirq_arm64_kvm_irq_line(0, true, NULL), PVIRQ_EINVAL);
	assert_int_equal(sizeof(struct pvirq_arm64_kvm_irq_level), 8);
}

/* --- riscv64 --------------------------------------------------------- */

static void riscv_foreign_extensions_untouched(void **state)
{
	struct harness *h = *state;
	const uint64_t eids[] = {0x10,	     0x735049,	     0x08525642,
				 0x08525645, 0x108525643ull, 0xFFFFFFFF08525643ull};

	for (size_t k = 0; k < sizeof(eids) / sizeof(eids[0]); k++) {
		struct pvirq_riscv_regs r = {{1, 2, 3, 4, 5, 6, 0, eids[k]}}, before = r;

		assert_int_equal(pvirq_riscv_handle_sbi(h->vm, 0, &r), PVIRQ_ENOSYS);
		assert_memory_equal(&r, &before, sizeof(r));
	}
}

static void riscv_error_mapping(void **state)
{
	struct harness *h = *state;
	const struct {
		uint64_t eid, fid, a0, a1, a2;
		int64_t sbi_error;
		uint64_t a1_out;
	} v[] = {
		{PVIRQ_RISCV_EID_RVIC, 0, 0, 0, 0, 0, 0x4},
		{PVIRQ_RISCV_EID_RVIC, 17, 0, 0, 0, PVIRQ_SBI_ERR_NOT_SUPPORTED, UINT64_MAX},
		{PVIRQ_RISCV_EID_RVIC, 1ull << 32, 0, 0, 0, PVIRQ_SBI_ERR_NOT_SUPPORTED,
		 UINT64_MAX},
		{PVIRQ_RISCV_EID_RVIC, (1ull << 32) | 7, 0x1, 5, 0, PVIRQ_SBI_ERR_NOT_SUPPORTED,
		 UINT64_MAX},
		{PVIRQ_RISCV_EID_RVID, 4, 0, 0, 0, PVIRQ_SBI_ERR_NOT_SUPPORTED, UINT64_MAX},
		{PVIRQ_RISCV_EID_RVIC, 7, 0x1, H_INTIDS, 0, PVIRQ_SBI_ERR_INVALID_PARAM, 0x101},
		{PVIRQ_RISCV_EID_RVIC, 7, 0x2, 5, 0, PVIRQ_SBI_ERR_INVALID_PARAM, 0x002},
		{PVIRQ_RISCV_EID_RVIC, 7, 0x1, 5, 0, PVIRQ_SBI_ERR_DENIED, 0x003},
		{PVIRQ_RISCV_EID_RVIC, 9, 0, 0, 0, PVIRQ_SBI_ERR_DENIED, 0x003},
		{PVIRQ_RISCV_EID_RVID, 1, 0, 0x2, 40, PVIRQ_SBI_ERR_INVALID_PARAM, 0x102},
	};

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		struct pvirq_riscv_regs r = {
			{v[k].a0, v[k].a1, v[k].a2, 0, 0, 0, v[k].fid, v[k].eid}};

		pvirq_vm_reset(h->vm);
		assert_int_equal(pvirq_riscv_handle_sbi(h->vm, 0, &r), PVIRQ_OK);
		assert_int_equal((int64_t)r.a[0], v[k].sbi_error);
		assert_int_equal(r.a[1], v[k].a1_out);
	}
	/* NO_INTERRUPTS from an enabled, idle instance. */
	assert_int_equal(pvirq_rvic_enable(h->vm, 0), PVIRQ_OK);
	struct pvirq_riscv_regs r = {
		{0, 0, 0, 0, 0, 0, PVIRQ_FN_RVIC_ACKNOWLEDGE, PVIRQ_RISCV_EID_RVIC}};
	assert_int_equal(pvirq_riscv_handle_sbi(h->vm, 0, &r), PVIRQ_OK);
	assert_int_equal((int64_t)r.a[0], PVIRQ_SBI_ERR_FAILED);
	assert_int_equal(r.a[1], 0x004);
}

static void riscv_hart_ids_are_64_bit(void **state)
{
	const uint64_t ids[] = {0, 1ull << 32};
	struct pvirq_config cfg = {
		.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32, .cpu_ids = ids};
	struct pvirq_vm *vm;
	struct pvirq_riscv_regs r = {
		{1ull << 32, 9, 0, 0, 0, 0, PVIRQ_FN_RVIC_SIGNAL, PVIRQ_RISCV_EID_RVIC}};
	struct pvirq_x86_regs x = {ID(RVIC, SIGNAL), 1ull << 32, 9, 0, 0, 0};
	bool p;

	(void)state;
	assert_int_equal(pvirq_vm_create(&cfg, &vm), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
	/* The same id is a hart on riscv64 and too wide for an APIC id. */
	assert_int_equal(pvirq_x86_handle_hypercall(vm, 0, &x), PVIRQ_OK);
	assert_int_equal(x.rax, ST(INVALID_CPU, 0));
	assert_int_equal(pvirq_rvic_is_pending(vm, 1, 9, &p), PVIRQ_OK);
	assert_false(p);
	assert_int_equal(pvirq_riscv_handle_sbi(vm, 0, &r), PVIRQ_OK);
	assert_int_equal(r.a[0], 0);
	assert_int_equal(pvirq_rvic_is_pending(vm, 1, 9, &p), PVIRQ_OK);
	assert_true(p);
	pvirq_vm_destroy(vm);
}

static void riscv_injection_shims(void **state)
{
	(void)state;
	assert_int_equal(pvirq_riscv_hvip_with_vseip(0, true), 0x400);
	assert_int_equal(pvirq_riscv_hvip_with_vseip(0x444, false), 0x044);
	assert_int_equal(pvirq_riscv_hvip_with_vseip(0x044, true), 0x444);
	assert_int_equal(pvirq_riscv_kvm_interrupt_irq(true), 0xFFFFFFFFu);  /* -1U */
	assert_int_equal(pvirq_riscv_kvm_interrupt_irq(false), 0xFFFFFFFEu); /* -2U */
	for (uint32_t fn = 0; fn < 4; fn++)
		assert_int_equal(pvirq_riscv_sbi_error(fn + 1), fn < 2 ? -3 : fn == 2 ? -4 : -1);
}

/* --- all three: one table, one normalised call ------------------------ */

static void bindings_decode_alike(void **state)
{
	(void)state;
	for (uint32_t part = PVIRQ_ABI_PART_RVIC; part <= PVIRQ_ABI_PART_RVID; part++) {
		for (uint32_t fn = 0; fn < PVIRQ_ABI_RANGE_SIZE; fn++) {
			uint32_t id = (part == PVIRQ_ABI_PART_RVIC ? PVIRQ_ABI_RVIC_BASE
								   : PVIRQ_ABI_RVID_BASE) +
				      fn;
			struct pvirq_x86_regs x = {id, 11, 22, 0, 33, 0};
			struct pvirq_arm64_regs a = {{id, 11, 22, 33}};
			struct pvirq_riscv_regs v = {{11, 22, 33, 0, 0, 0, fn,
						      part == PVIRQ_ABI_PART_RVIC
							      ? PVIRQ_RISCV_EID_RVIC
							      : PVIRQ_RISCV_EID_RVID}};
			struct pvirq_abi_call cx, ca, cv;

			assert_int_equal(pvirq_x86_decode(&x, &cx), PVIRQ_OK);
			assert_int_equal(pvirq_arm64_decode(&a, &ca), PVIRQ_OK);
			assert_int_equal(pvirq_riscv_decode(&v, &cv), PVIRQ_OK);
			assert_int_equal(cx.part, part);
			assert_int_equal(cx.fn, fn);
			assert_memory_equal(&cx, &ca, sizeof(cx));
			assert_memory_equal(&cx, &cv, sizeof(cx));
		}
	}
	/* Split trust: the rVID calls route to the untrusted side. */
	for (uint32_t i = 0; i < PVIRQ_ABI_NR_CALLS; i++) {
		const struct pvirq_abi_call_desc *d = pvirq_abi_lookup(PVIRQ_ABI_PART_RVID, i);

		if (d)
			assert_true(strncmp(d->name, "RVID_", 5) == 0);
		d = pvirq_abi_lookup(PVIRQ_ABI_PART_RVIC, i);
		if (d)
			assert_true(strncmp(d->name, "RVIC_", 5) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(x86_foreign_ids_untouched, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(x86_bad_caller_and_null, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(x86_upcall_vector, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(x86_status_is_64_bit, harness_setup,
						harness_teardown),
		cmocka_unit_test(x86_doorbell),
		cmocka_unit_test_setup_teardown(arm64_function_id_checks, harness_setup,
						harness_teardown),
		cmocka_unit_test(arm64_targets_are_mpidr_affinity),
		cmocka_unit_test_setup_teardown(arm64_no_upcall_vector, harness_setup,
						harness_teardown),
		cmocka_unit_test(arm64_injection_shims),
		cmocka_unit_test_setup_teardown(riscv_foreign_extensions_untouched, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(riscv_error_mapping, harness_setup,
						harness_teardown),
		cmocka_unit_test(riscv_hart_ids_are_64_bit),
		cmocka_unit_test(riscv_injection_shims),
		cmocka_unit_test(bindings_decode_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
