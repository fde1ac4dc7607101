/* SPDX-License-Identifier: MIT */
/*
 * Table-driven vectors of the call set, run through every architecture's
 * register binding: the same call must give the same status word and value
 * on arm64, x86_64 and riscv64. Each vector starts from the reset state
 * plus an optional preparation; a vector that must fail also proves that
 * nothing changed (every pending, masked, enabled and rVID bit compared).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define ID(part, name) PVIRQ_ABI_ID(part, name)
#define ST(reason, index) PVIRQ_ABI_STATUS(PVIRQ_ABI_##reason, index)
#define NOT_SUPPORTED PVIRQ_ABI_STATUS_NOT_SUPPORTED
#define WIDE(x) ((1ull << 32) | (x)) /* fits only after truncation */

/* CPU ids of the harness VM. */
#define CPU0 0x0ull
#define CPU1 0x1ull
#define CPU2 0x100ull
#define NO_CPU 0x2ull /* valid on every binding, names no vCPU */

enum prep {
	PREP_NONE,	 /* reset state: every instance disabled, all masked */
	PREP_ENABLED,	 /* vCPU 0 enabled */
	PREP_DELIVERING, /* vCPU 0 enabled, INTID 5 unmasked and pending */
	PREP_MAPPED,	 /* input 3 -> (vCPU 1, INTID 40), vCPU 1 enabled */
};

struct vector {
	const char *what;
	enum prep prep;
	uint32_t id;
	uint64_t a0, a1, a2;
	int64_t status;
	uint64_t value;
	bool changes; /* false: the state must be exactly as before */
};

static const struct vector vectors[] = {
	/* Probe */
	{"rvic version", PREP_NONE, ID(RVIC, VERSION), 0, 0, 0, 0, 0x4, false},
	{"rvid version", PREP_NONE, ID(RVID, VERSION), 0, 0, 0, 0, 0x4, false},
	{"version ignores unused args", PREP_NONE, ID(RVIC, VERSION), ~0ull, ~0ull, ~0ull, 0, 0x4,
	 false},
	{"info nr trusted", PREP_NONE, ID(RVIC, INFO), 0, 0, 0, 0, H_TRUSTED, false},
	{"info nr untrusted", PREP_NONE, ID(RVIC, INFO), 1, 0, 0, 0, H_UNTRUSTED, false},
	{"info features", PREP_NONE, ID(RVIC, INFO), 2, 0, 0, 0, PVIRQ_ABI_FEATURES, false},
	{"info nr inputs", PREP_NONE, ID(RVIC, INFO), 3, 0, 0, 0, H_INPUTS, false},
	{"info unknown key", PREP_NONE, ID(RVIC, INFO), 5, 0, 0, ST(ERROR_PARAMETER, 0), 0, false},
	{"info wide key", PREP_NONE, ID(RVIC, INFO), WIDE(0), 0, 0, ST(ERROR_PARAMETER, 0), 0,
	 false},
	/* Unknown functions inside the ranges */
	{"rvic fn 17", PREP_NONE, PVIRQ_ABI_RVIC_BASE + 17, 0, 0, 0, NOT_SUPPORTED, 0, false},
	/* RESET (0.4): the caller's own instance, masked and cleared. */
	{"reset ignores unused args", PREP_DELIVERING, ID(RVIC, RESET), ~0ull, ~0ull, ~0ull, 0, 0,
	 true},
	{"reset of a reset instance", PREP_NONE, ID(RVIC, RESET), 0, 0, 0, 0, 0, false},
	{"rvic fn 255", PREP_NONE, PVIRQ_ABI_RVIC_BASE + 255, 0, 0, 0, NOT_SUPPORTED, 0, false},
	/* Shared-state page (0.4): checked before anything changes. The
	 * harness VMM maps no guest RAM, so an aligned page is refused too. */
	{"share misaligned page", PREP_NONE, ID(RVIC, SHARE_STATE), 0x1008, 0, 0,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"share page not in guest RAM", PREP_NONE, ID(RVIC, SHARE_STATE), 0x1000, 0, 0,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"share while enabled", PREP_ENABLED, ID(RVIC, SHARE_STATE), 0x1000, 0, 0, ST(ENABLED, 0),
	 0, false},
	{"unshare without a page", PREP_NONE, ID(RVIC, UNSHARE_STATE), ~0ull, 0, 0, 0, 0, false},
	/* Priority classes (0.4). No NMI line in the harness: class 3 refused. */
	{"set priority", PREP_NONE, ID(RVIC, SET_PRIORITY), 0, 40, 2, 0, 0, true},
	{"set priority nmi class without nmi line", PREP_NONE, ID(RVIC, SET_PRIORITY), 0, 40, 3,
	 ST(ERROR_PARAMETER, 2), 0, false},
	{"set priority wide class", PREP_NONE, ID(RVIC, SET_PRIORITY), 0, 40, WIDE(1),
	 ST(ERROR_PARAMETER, 2), 0, false},
	{"set priority bad intid", PREP_NONE, ID(RVIC, SET_PRIORITY), 0, H_TRUSTED + H_UNTRUSTED, 1,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"set priority bad target", PREP_NONE, ID(RVIC, SET_PRIORITY), NO_CPU, 40, 1,
	 ST(INVALID_CPU, 0), 0, false},
	{"set priority mask", PREP_NONE, ID(RVIC, SET_PRIORITY_MASK), 2, 0, 0, 0, 0, true},
	{"set priority mask 4", PREP_NONE, ID(RVIC, SET_PRIORITY_MASK), 4, 0, 0,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"acknowledge nmi, nothing", PREP_DELIVERING, ID(RVIC, ACKNOWLEDGE_NMI), 0, 0, 0,
	 ST(NO_INTERRUPTS, 0), 0, false},
	/* Level inputs (0.4): resample of an edge input is a no-op. */
	{"resample edge input", PREP_MAPPED, ID(RVID, RESAMPLE), 3, 0, 0, 0, 0, false},
	{"resample bad input", PREP_NONE, ID(RVID, RESAMPLE), H_INPUTS, 0, 0,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"rvid fn 4", PREP_NONE, PVIRQ_ABI_RVID_BASE + 4, 1, 0x1, 40, NOT_SUPPORTED, 0, false},
	{"rvid fn 255", PREP_NONE, PVIRQ_ABI_RVID_BASE + 255, 0, 0, 0, NOT_SUPPORTED, 0, false},
	/* Enable / disable: the caller's own instance */
	{"enable", PREP_NONE, ID(RVIC, ENABLE), 0, 0, 0, 0, 0, true},
	{"disable", PREP_ENABLED, ID(RVIC, DISABLE), 0, 0, 0, 0, 0, true},
	/* Per-INTID calls: target in arg 0, INTID in arg 1 */
	{"set masked bad target", PREP_NONE, ID(RVIC, SET_MASKED), NO_CPU, 5, 0, ST(INVALID_CPU, 0),
	 0, false},
	{"clear masked bad target", PREP_NONE, ID(RVIC, CLEAR_MASKED), NO_CPU, 5, 0,
	 ST(INVALID_CPU, 0), 0, false},
	{"clear masked wide target", PREP_NONE, ID(RVIC, CLEAR_MASKED), WIDE(CPU1), 5, 0,
	 ST(INVALID_CPU, 0), 0, false},
	{"clear masked bad intid", PREP_NONE, ID(RVIC, CLEAR_MASKED), CPU1, H_INTIDS, 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"clear masked wide intid", PREP_NONE, ID(RVIC, CLEAR_MASKED), CPU1, WIDE(5), 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"clear masked huge intid", PREP_NONE, ID(RVIC, CLEAR_MASKED), CPU1, ~0ull, 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"target checked before intid", PREP_NONE, ID(RVIC, SIGNAL), NO_CPU, ~0ull, 0,
	 ST(INVALID_CPU, 0), 0, false},
	{"clear masked", PREP_NONE, ID(RVIC, CLEAR_MASKED), CPU2, 63, 0, 0, 0, true},
	{"set masked", PREP_DELIVERING, ID(RVIC, SET_MASKED), CPU0, 5, 0, 0, 0, true},
	{"is pending yes", PREP_DELIVERING, ID(RVIC, IS_PENDING), CPU0, 5, 0, 0, 1, false},
	{"is pending no", PREP_DELIVERING, ID(RVIC, IS_PENDING), CPU0, 6, 0, 0, 0, false},
	{"is pending bad intid", PREP_NONE, ID(RVIC, IS_PENDING), CPU0, WIDE(5), 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"signal bad intid", PREP_ENABLED, ID(RVIC, SIGNAL), CPU0, H_INTIDS, 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"signal disabled", PREP_NONE, ID(RVIC, SIGNAL), CPU1, 5, 0, ST(DISABLED, 0), 0, false},
	{"signal", PREP_ENABLED, ID(RVIC, SIGNAL), CPU0, 7, 0, 0, 0, true},
	{"signal untrusted intid", PREP_ENABLED, ID(RVIC, SIGNAL), CPU0, H_INTIDS - 1, 0, 0, 0,
	 true},
	{"clear pending", PREP_DELIVERING, ID(RVIC, CLEAR_PENDING), CPU0, 5, 0, 0, 0, true},
	{"clear pending bad intid", PREP_DELIVERING, ID(RVIC, CLEAR_PENDING), CPU0, WIDE(5), 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	/* Acknowledge */
	{"ack disabled", PREP_NONE, ID(RVIC, ACKNOWLEDGE), 0, 0, 0, ST(DISABLED, 0), 0, false},
	{"ack nothing", PREP_ENABLED, ID(RVIC, ACKNOWLEDGE), 0, 0, 0, ST(NO_INTERRUPTS, 0), 0,
	 false},
	{"ack", PREP_DELIVERING, ID(RVIC, ACKNOWLEDGE), ~0ull, ~0ull, ~0ull, 0, 5, true},
	/* Resample: trusted INTIDs only */
	{"resample low line", PREP_ENABLED, ID(RVIC, RESAMPLE), 20, 0, 0, 0, 0, false},
	{"resample untrusted", PREP_ENABLED, ID(RVIC, RESAMPLE), H_TRUSTED, 0, 0,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"resample wide", PREP_ENABLED, ID(RVIC, RESAMPLE), WIDE(20), 0, 0, ST(ERROR_PARAMETER, 0),
	 0, false},
	/* rVID */
	{"map", PREP_NONE, ID(RVID, MAP), 0, CPU2, H_TRUSTED, 0, 0, true},
	/* Error precedence: arguments before state (a disabled target). */
	{"signal disabled target, bad intid", PREP_NONE, ID(RVIC, SIGNAL), CPU0, H_INTIDS, 0,
	 ST(ERROR_PARAMETER, 1), 0, false},
	{"signal disabled target", PREP_NONE, ID(RVIC, SIGNAL), CPU0, 3, 0, ST(DISABLED, 0), 0,
	 false},
	{"map bad input", PREP_NONE, ID(RVID, MAP), H_INPUTS, CPU2, H_TRUSTED,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"map wide input", PREP_NONE, ID(RVID, MAP), WIDE(0), CPU2, H_TRUSTED,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"map bad target", PREP_MAPPED, ID(RVID, MAP), 3, NO_CPU, H_TRUSTED, ST(INVALID_CPU, 1), 0,
	 false},
	{"map wide target", PREP_MAPPED, ID(RVID, MAP), 3, WIDE(CPU2), H_TRUSTED,
	 ST(INVALID_CPU, 1), 0, false},
	{"map trusted intid", PREP_MAPPED, ID(RVID, MAP), 3, CPU2, H_TRUSTED - 1,
	 ST(ERROR_PARAMETER, 2), 0, false},
	{"map intid past end", PREP_MAPPED, ID(RVID, MAP), 3, CPU2, H_INTIDS,
	 ST(ERROR_PARAMETER, 2), 0, false},
	{"map wide intid", PREP_MAPPED, ID(RVID, MAP), 3, CPU2, WIDE(40), ST(ERROR_PARAMETER, 2), 0,
	 false},
	{"remap", PREP_MAPPED, ID(RVID, MAP), 3, CPU0, 41, 0, 0, true},
	{"remap to its own target", PREP_MAPPED, ID(RVID, MAP), 3, CPU1, 40, 0, 0, false},
	/* One input per (target, INTID): refused on the INTID argument. */
	{"map occupied target", PREP_MAPPED, ID(RVID, MAP), 0, CPU1, 40, ST(ERROR_PARAMETER, 2), 0,
	 false},
	/* Argument checks come before state: a bad input wins over occupied. */
	{"map occupied, bad input", PREP_MAPPED, ID(RVID, MAP), H_INPUTS, CPU1, 40,
	 ST(ERROR_PARAMETER, 0), 0, false},
	{"unmap", PREP_MAPPED, ID(RVID, UNMAP), 3, 0, 0, 0, 0, true},
	{"unmap bad input", PREP_MAPPED, ID(RVID, UNMAP), H_INPUTS, 0, 0, ST(ERROR_PARAMETER, 0), 0,
	 false},
	{"unmap wide input", PREP_MAPPED, ID(RVID, UNMAP), WIDE(3), 0, 0, ST(ERROR_PARAMETER, 0), 0,
	 false},
};

static void prepare(struct pvirq_vm *vm, enum prep prep)
{
	pvirq_vm_reset(vm);
	switch (prep) {
	case PREP_NONE: break;
	case PREP_ENABLED: assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK); break;
	case PREP_DELIVERING:
		assert_int_equal(pvirq_rvic_enable(vm, 0), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_clear_masked(vm, 0, 5), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_signal(vm, 0, 5), PVIRQ_OK);
		break;
	case PREP_MAPPED:
		assert_int_equal(pvirq_rvic_enable(vm, 1), PVIRQ_OK);
		assert_int_equal(pvirq_rvid_map(vm, 3, 1, 40), PVIRQ_OK);
		break;
	}
}

/* The effect of each mutating vector, checked beyond its status. */
static void check_effect(struct pvirq_vm *vm, const struct vector *v, const struct vm_state *before,
			 const struct vm_state *after)
{
	struct vm_state expect = *before;

	switch (v->id) {
	case ID(RVIC, ENABLE): expect.enabled[0] = true; break;
	case ID(RVIC, DISABLE): expect.enabled[0] = false; break;
	case ID(RVIC, CLEAR_MASKED): expect.masked[2][v->a1] = false; break;
	case ID(RVIC, SET_MASKED): expect.masked[0][v->a1] = true; break;
	case ID(RVIC, SIGNAL): expect.pending[0][v->a1] = true; break;
	case ID(RVIC, CLEAR_PENDING): expect.pending[0][v->a1] = false; break;
	case ID(RVIC, ACKNOWLEDGE):
		expect.pending[0][5] = false;
		expect.masked[0][5] = true;
		break;
	case ID(RVID, MAP):
		expect.mapped[v->a0] = PVIRQ_OK;
		expect.map_vcpu[v->a0] = v->a1 == CPU2 ? 2 : 0;
		expect.map_intid[v->a0] = (uint32_t)v->a2;
		break;
	case ID(RVID, UNMAP): expect.mapped[v->a0] = PVIRQ_EUNMAPPED; break;
	case ID(RVIC, RESET): /* PREP_DELIVERING's INTID 5, now as after reset */
		expect.pending[0][5] = false;
		expect.masked[0][5] = true;
		break;
	case ID(RVIC, SET_PRIORITY): {
		uint32_t cls = 0;

		assert_int_equal(pvirq_rvic_get_priority(vm, 0, (uint32_t)v->a1, &cls), PVIRQ_OK);
		assert_int_equal(cls, v->a2);
		break;
	}
	case ID(RVIC, SET_PRIORITY_MASK): {
		uint32_t floor = 0;

		assert_int_equal(pvirq_rvic_get_priority_mask(vm, 0, &floor), PVIRQ_OK);
		assert_int_equal(floor, v->a0);
		break;
	}
	default: fail_msg("%s: no expected effect", v->what);
	}
	assert_vm_state_equal(after, &expect);
}

static void run_vectors(enum abi_arch arch, struct harness *h)
{
	for (size_t k = 0; k < sizeof(vectors) / sizeof(vectors[0]); k++) {
		const struct vector *v = &vectors[k];
		struct vm_state before, after;
		int64_t status = 0x5A5A;
		uint64_t value = 0x5A5A;

		prepare(h->vm, v->prep);
		vm_state_read(h->vm, &before);
		assert_int_equal(
			abi_call(arch, h->vm, 0, v->id, v->a0, v->a1, v->a2, &status, &value),
			PVIRQ_OK);
		vm_state_read(h->vm, &after);
		if (status != v->status || value != v->value)
			fail_msg("%s/%s: status %#llx value %#llx, want %#llx %#llx",
				 abi_arch_name[arch], v->what, (unsigned long long)status,
				 (unsigned long long)value, (unsigned long long)v->status,
				 (unsigned long long)v->value);
		if (v->changes)
			check_effect(h->vm, v, &before, &after);
		else
			assert_vm_state_equal(&before, &after);
	}
}

static void vectors_x86_64(void **state)
{
	run_vectors(ARCH_X86_64, *state);
}

static void vectors_arm64(void **state)
{
	run_vectors(ARCH_ARM64, *state);
}

static void vectors_riscv64(void **state)
{
	run_vectors(ARCH_RISCV64, *state);
}

/* The table itself: every call once, each argument kind at most once per
 * call (dispatch keeps one slot per kind), names unique. */
static void call_table_is_well_formed(void **state)
{
	uint32_t count = 0;

	(void)state;
	for (uint32_t part = PVIRQ_ABI_PART_RVIC; part <= PVIRQ_ABI_PART_RVID; part++) {
		for (uint64_t fn = 0; fn < PVIRQ_ABI_RANGE_SIZE + 2; fn++) {
			const struct pvirq_abi_call_desc *d = pvirq_abi_lookup(part, fn);

			if (!d)
				continue;
			count++;
			assert_int_equal(d->part, part);
			assert_int_equal(d->fn, fn);
			for (int i = 0; i < 3; i++)
				for (int j = i + 1; j < 3; j++)
					assert_true(d->args[i] == PVIRQ_ABI_ARG_NONE ||
						    d->args[i] != d->args[j]);
		}
	}
	assert_int_equal(count, PVIRQ_ABI_NR_CALLS);
	assert_null(pvirq_abi_lookup(PVIRQ_ABI_PART_RVIC, (1ull << 32) | PVIRQ_FN_RVIC_SIGNAL));
	assert_string_equal(pvirq_abi_lookup(PVIRQ_ABI_PART_RVID, 1)->name, "RVID_MAP");
	assert_true(
		pvirq_abi_lookup(PVIRQ_ABI_PART_RVIC, PVIRQ_FN_RVIC_ACKNOWLEDGE)->returns_value);
	assert_int_equal(PVIRQ_ABI_ID(RVIC, SIGNAL), 0xC5000207u);
	assert_int_equal(PVIRQ_ABI_ID(RVID, UNMAP), 0xC5000102u);
}

static void bad_dispatch_arguments(void **state)
{
	struct harness *h = *state;
	const struct pvirq_abi_binding b = {.target_mask = ~0ull};
	struct pvirq_abi_call call = {.part = PVIRQ_ABI_PART_RVIC, .fn = PVIRQ_FN_RVIC_ENABLE};
	struct pvirq_abi_result res = {0x77, 0x77, 0x77};

	assert_int_equal(pvirq_abi_dispatch(h->vm, H_VCPUS, &b, &call, &res), PVIRQ_EVCPU);
	assert_int_equal(pvirq_abi_dispatch(NULL, 0, &b, &call, &res), PVIRQ_EINVAL);
	assert_int_equal(pvirq_abi_dispatch(h->vm, 0, NULL, &call, &res), PVIRQ_EINVAL);
	assert_int_equal(pvirq_abi_dispatch(h->vm, 0, &b, NULL, &res), PVIRQ_EINVAL);
	assert_int_equal(pvirq_abi_dispatch(h->vm, 0, &b, &call, NULL), PVIRQ_EINVAL);
	call.part = (enum pvirq_abi_part)2;
	assert_int_equal(pvirq_abi_dispatch(h->vm, 0, &b, &call, &res), PVIRQ_EINVAL);
	assert_int_equal(res.reason, 0x77);
	assert_int_equal(res.value, 0x77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(call_table_is_well_formed),
		cmocka_unit_test_setup_teardown(bad_dispatch_arguments, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(vectors_x86_64, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(vectors_arm64, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(vectors_riscv64, harness_setup, harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
