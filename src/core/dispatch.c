/* SPDX-License-Identifier: MIT */
/*
 * Architecture-neutral dispatch of decoded hypercalls: the call table as
 * data, argument checks driven by it, and the mapping of host-API results
 * to guest-visible status reasons.
 *
 * Every argument is checked before anything changes, in index order, so a
 * call that fails changes no state and reports the first bad argument.
 * Values are compared as 64-bit numbers against their bounds: a register
 * holding 2^32 + 5 is not INTID 5 (the reference truncated; we reject).
 * After the checks, the core operation is the call's one linearizable
 * step; dispatch adds no shared state and no ordering of its own.
 */
#include "pvirq/abi.h"
#include "pvirq/rvic.h"
#include "pvirq/rvid.h"

#include "layout.h"

static const struct pvirq_abi_call_desc call_table[PVIRQ_ABI_NR_CALLS] = {
#define PVIRQ_ABI_X_DESC(grp, nm, n, a0, a1, a2, ret)                                 \
	[PVIRQ_CALL_##grp##_##nm] = {                                                 \
		.name = #grp "_" #nm,                                                 \
		.part = PVIRQ_ABI_PART_##grp,                                         \
		.fn = (n),                                                            \
		.args = {PVIRQ_ABI_ARG_##a0, PVIRQ_ABI_ARG_##a1, PVIRQ_ABI_ARG_##a2}, \
		.returns_value = (ret),                                               \
	},
	PVIRQ_ABI_CALLS(PVIRQ_ABI_X_DESC)
#undef PVIRQ_ABI_X_DESC
};

/* (part, fn) -> 1 + row of call_table, 0 for no such call, so a lookup is
 * one bounds check and one load: scanning the table was a sixth of every
 * hypercall's instructions (bench/README.md). A duplicate (part, fn) row
 * does not compile (-Woverride-init, part of -Wextra). */
static const uint8_t call_by_number[2][PVIRQ_ABI_RANGE_SIZE] = {
#define PVIRQ_ABI_X_NUMBER(grp, nm, n, a0, a1, a2, ret) \
	[PVIRQ_ABI_PART_##grp][n] = PVIRQ_CALL_##grp##_##nm + 1,
	PVIRQ_ABI_CALLS(PVIRQ_ABI_X_NUMBER)
#undef PVIRQ_ABI_X_NUMBER
};

const struct pvirq_abi_call_desc *pvirq_abi_lookup(enum pvirq_abi_part part, uint64_t fn)
{
	uint32_t row;

	if ((uint32_t)part > PVIRQ_ABI_PART_RVID || fn >= PVIRQ_ABI_RANGE_SIZE)
		return NULL;
	/* fn (and, through the decoder, part) is guest-controlled: clamp
	 * both under speculation too. */
	row = call_by_number[pvirq_nospec((uint32_t)part, PVIRQ_ABI_PART_RVID + 1u)]
			    [pvirq_nospec((uint32_t)fn, PVIRQ_ABI_RANGE_SIZE)];
	return row ? &call_table[row - 1] : NULL;
}

int64_t pvirq_abi_status_word(const struct pvirq_abi_result *result)
{
	if (result->reason == PVIRQ_ABI_NOT_SUPPORTED)
		return PVIRQ_ABI_STATUS_NOT_SUPPORTED;
	return PVIRQ_ABI_STATUS(result->reason, result->index);
}

/* Arguments after their checks, narrowed only once known to fit. Each kind
 * occurs at most once per call (a property of the table, checked by the
 * ABI tests), so one slot per kind suffices. */
struct checked_args {
	uint32_t key;
	uint32_t target; /* vCPU index */
	uint32_t intid;
	uint32_t input;
	uint32_t cls;
	uint64_t page;
};

static bool info_key_known(uint64_t key)
{
	return key <= PVIRQ_ABI_INFO_UPCALL_VECTOR;
}

/* Checks argument @i of kind @kind; returns a reason (SUCCESS if good). */
static uint32_t check_arg(struct pvirq_vm *vm, const struct pvirq_abi_binding *binding,
			  enum pvirq_abi_arg kind, uint64_t raw, struct checked_args *out)
{
	/* Fields, not the exported getters: this runs for every argument. */
	uint32_t t = vm->nr_trusted, all = vm->nr_intids;

	switch (kind) {
	case PVIRQ_ABI_ARG_NONE: return PVIRQ_ABI_SUCCESS;
	case PVIRQ_ABI_ARG_KEY:
		if (!info_key_known(raw))
			return PVIRQ_ABI_ERROR_PARAMETER;
		out->key = (uint32_t)raw;
		return PVIRQ_ABI_SUCCESS;
	case PVIRQ_ABI_ARG_TARGET:
		if (raw & ~binding->target_mask)
			return PVIRQ_ABI_INVALID_CPU;
		if (pvirq_vm_vcpu_by_cpu_id(vm, raw, &out->target) != PVIRQ_OK)
			return PVIRQ_ABI_INVALID_CPU;
		return PVIRQ_ABI_SUCCESS;
	case PVIRQ_ABI_ARG_INTID:
		if (raw >= all)
			return PVIRQ_ABI_ERROR_PARAMETER;
		break;
	case PVIRQ_ABI_ARG_INTID_TRUSTED:
		if (raw >= t)
			return PVIRQ_ABI_ERROR_PARAMETER;
		break;
	case PVIRQ_ABI_ARG_INTID_UNTRUSTED:
		if (raw < t || raw >= all)
			return PVIRQ_ABI_ERROR_PARAMETER;
		break;
	case PVIRQ_ABI_ARG_INPUT:
		if (raw >= pvirq_vm_nr_rvid_inputs(vm))
			return PVIRQ_ABI_ERROR_PARAMETER;
		out->input = (uint32_t)raw;
		return PVIRQ_ABI_SUCCESS;
	case PVIRQ_ABI_ARG_PAGE:
		/* Alignment here; whether it is guest RAM is the VMM's
		 * guest_page() answer, in the call itself. */
		if (raw % PVIRQ_SHARED_STATE_SIZE)
			return PVIRQ_ABI_ERROR_PARAMETER;
		out->page = raw;
		return PVIRQ_ABI_SUCCESS;
	case PVIRQ_ABI_ARG_CLASS:
		if (raw >= PVIRQ_PRIORITY_CLASSES || (raw == PVIRQ_PRIORITY_NMI && !vm->nmi_line))
			return PVIRQ_ABI_ERROR_PARAMETER;
		out->cls = (uint32_t)raw;
		return PVIRQ_ABI_SUCCESS;
	default: return PVIRQ_ABI_ERROR_PARAMETER;
	}
	out->intid = (uint32_t)raw; /* every INTID kind: checked < T+U <= 2048 */
	return PVIRQ_ABI_SUCCESS;
}

/* Host error of a core operation -> guest reason. The checks above leave
 * only the state-dependent outcomes; anything else would mean the core
 * refused an argument we let through, and is reported as a parameter
 * error rather than as success. */
static uint32_t reason_of(int err)
{
	switch (err) {
	case PVIRQ_OK: return PVIRQ_ABI_SUCCESS;
	case PVIRQ_EDISABLED: return PVIRQ_ABI_DISABLED;
	case PVIRQ_ENOINTR: return PVIRQ_ABI_NO_INTERRUPTS;
	case PVIRQ_EVCPU: return PVIRQ_ABI_INVALID_CPU;
	case PVIRQ_EENABLED: return PVIRQ_ABI_ENABLED;
	default: return PVIRQ_ABI_ERROR_PARAMETER;
	}
}

static uint64_t info(struct pvirq_vm *vm, const struct pvirq_abi_binding *binding, uint32_t key,
		     uint32_t *reason)
{
	/* The guest picks the key, and the switch may become a jump table
	 * indexed by it: clamp it under speculation too (Spectre v1). */
	switch (pvirq_nospec(key, PVIRQ_ABI_INFO_UPCALL_VECTOR + 1u)) {
	case PVIRQ_ABI_INFO_NR_TRUSTED: return pvirq_vm_nr_trusted(vm);
	case PVIRQ_ABI_INFO_NR_UNTRUSTED: return pvirq_vm_nr_untrusted(vm);
	case PVIRQ_ABI_INFO_FEATURES:
		return PVIRQ_ABI_FEATURES | (vm->nmi_line ? PVIRQ_ABI_FEATURE_NMI : 0);
	case PVIRQ_ABI_INFO_NR_RVID_INPUTS: return pvirq_vm_nr_rvid_inputs(vm);
	case PVIRQ_ABI_INFO_UPCALL_VECTOR:
		if (binding->upcall_vector)
			return binding->upcall_vector;
		break;
	default: break;
	}
	*reason = PVIRQ_ABI_ERROR_PARAMETER;
	return 0;
}

static bool is_intid_kind(enum pvirq_abi_arg kind)
{
	return kind == PVIRQ_ABI_ARG_INTID || kind == PVIRQ_ABI_ARG_INTID_TRUSTED ||
	       kind == PVIRQ_ABI_ARG_INTID_UNTRUSTED;
}

/* Index of the argument a core error refers to. */
static uint32_t index_of_error(const struct pvirq_abi_call_desc *desc, int err)
{
	for (uint32_t i = 0; i < PVIRQ_ABI_MAX_ARGS; i++) {
		enum pvirq_abi_arg kind = desc->args[i];

		if ((err == PVIRQ_EVCPU && kind == PVIRQ_ABI_ARG_TARGET) ||
		    (err == PVIRQ_EINPUT && kind == PVIRQ_ABI_ARG_INPUT) ||
		    ((err == PVIRQ_EINTID || err == PVIRQ_EBUSY) && is_intid_kind(kind)) ||
		    (err == PVIRQ_EINVAL &&
		     (kind == PVIRQ_ABI_ARG_PAGE || kind == PVIRQ_ABI_ARG_CLASS)))
			return i;
	}
	return 0;
}

/* Runs a call whose arguments passed their checks. */
static void execute(struct pvirq_vm *vm, uint32_t vcpu, const struct pvirq_abi_binding *binding,
		    const struct pvirq_abi_call_desc *desc, const struct checked_args *a,
		    struct pvirq_abi_result *res)
{
	uint32_t reason = PVIRQ_ABI_SUCCESS;
	bool flag = false;
	int err = PVIRQ_OK;

	switch ((enum pvirq_abi_call_index)(desc - call_table)) {
	case PVIRQ_CALL_RVIC_VERSION:
	case PVIRQ_CALL_RVID_VERSION: res->value = PVIRQ_ABI_VERSION; break;
	case PVIRQ_CALL_RVIC_INFO: res->value = info(vm, binding, a->key, &reason); break;
	case PVIRQ_CALL_RVIC_ENABLE: err = pvirq_rvic_enable(vm, vcpu); break;
	case PVIRQ_CALL_RVIC_DISABLE: err = pvirq_rvic_disable(vm, vcpu); break;
	case PVIRQ_CALL_RVIC_SET_MASKED:
		err = pvirq_rvic_set_masked(vm, a->target, a->intid);
		break;
	case PVIRQ_CALL_RVIC_CLEAR_MASKED:
		err = pvirq_rvic_clear_masked(vm, a->target, a->intid);
		break;
	case PVIRQ_CALL_RVIC_IS_PENDING:
		err = pvirq_rvic_is_pending(vm, a->target, a->intid, &flag);
		res->value = flag;
		break;
	case PVIRQ_CALL_RVIC_SIGNAL: err = pvirq_rvic_signal(vm, a->target, a->intid); break;
	case PVIRQ_CALL_RVIC_CLEAR_PENDING:
		err = pvirq_rvic_clear_pending(vm, a->target, a->intid);
		break;
	case PVIRQ_CALL_RVIC_ACKNOWLEDGE: {
		uint32_t intid = 0;

		err = pvirq_rvic_acknowledge(vm, vcpu, &intid);
		res->value = err ? 0 : intid;
		break;
	}
	case PVIRQ_CALL_RVIC_RESAMPLE: err = pvirq_rvic_resample(vm, vcpu, a->intid); break;
	case PVIRQ_CALL_RVIC_RESET: err = pvirq__rvic_reset_own(vm, vcpu); break;
	case PVIRQ_CALL_RVIC_SHARE_STATE: err = pvirq_rvic_share_state(vm, vcpu, a->page); break;
	case PVIRQ_CALL_RVIC_UNSHARE_STATE: err = pvirq_rvic_unshare_state(vm, vcpu); break;
	case PVIRQ_CALL_RVIC_SET_PRIORITY:
		err = pvirq_rvic_set_priority(vm, a->target, a->intid, a->cls);
		break;
	case PVIRQ_CALL_RVIC_SET_PRIORITY_MASK:
		err = pvirq_rvic_set_priority_mask(vm, vcpu, a->cls);
		break;
	case PVIRQ_CALL_RVIC_ACKNOWLEDGE_NMI: {
		uint32_t intid = 0;

		err = pvirq_rvic_acknowledge_nmi(vm, vcpu, &intid);
		res->value = err ? 0 : intid;
		break;
	}
	case PVIRQ_CALL_RVID_RESAMPLE: err = pvirq_rvid_resample(vm, a->input); break;
	case PVIRQ_CALL_RVID_MAP: err = pvirq_rvid_map(vm, a->input, a->target, a->intid); break;
	case PVIRQ_CALL_RVID_UNMAP: err = pvirq_rvid_unmap(vm, a->input); break;
	default: reason = PVIRQ_ABI_NOT_SUPPORTED; break;
	}
	if (err) {
		reason = reason_of(err);
		if (reason == PVIRQ_ABI_INVALID_CPU || reason == PVIRQ_ABI_ERROR_PARAMETER)
			res->index = index_of_error(desc, err);
	}
	if (reason != PVIRQ_ABI_SUCCESS)
		res->value = 0;
	res->reason = reason;
}

int pvirq_abi_dispatch(struct pvirq_vm *vm, uint32_t vcpu, const struct pvirq_abi_binding *binding,
		       const struct pvirq_abi_call *call, struct pvirq_abi_result *result)
{
	struct pvirq_abi_result res = {PVIRQ_ABI_SUCCESS, 0, 0};
	struct checked_args args;
	const struct pvirq_abi_call_desc *desc;

	if (!vm || !binding || !call || !result)
		return PVIRQ_EINVAL;
	if (call->part != PVIRQ_ABI_PART_RVIC && call->part != PVIRQ_ABI_PART_RVID)
		return PVIRQ_EINVAL;
	if (vcpu >= pvirq_vm_nr_vcpus(vm))
		return PVIRQ_EVCPU;

	/* Field by field: an aggregate initializer of this size becomes a
	 * memset call, which a freestanding build has no libc for. */
	args.key = args.target = args.intid = args.input = args.cls = 0;
	args.page = 0;
	desc = pvirq_abi_lookup(call->part, call->fn);
	if (!desc) {
		res.reason = PVIRQ_ABI_NOT_SUPPORTED;
		*result = res;
		return PVIRQ_OK;
	}
	for (uint32_t i = 0; i < PVIRQ_ABI_MAX_ARGS; i++) {
		uint32_t reason = check_arg(vm, binding, desc->args[i], call->args[i], &args);

		if (reason != PVIRQ_ABI_SUCCESS) {
			res.reason = reason;
			res.index = i;
			*result = res;
			return PVIRQ_OK;
		}
	}
	execute(vm, vcpu, binding, desc, &args, &res);
	*result = res;
	return PVIRQ_OK;
}
