/* SPDX-License-Identifier: MIT */
/*
 * One INTID's bits, read through the public API for test assertions: each
 * helper fails the running cmocka test if the query itself fails. Include
 * after <cmocka.h>.
 */
#ifndef PVIRQ_TEST_INTID_STATE_H
#define PVIRQ_TEST_INTID_STATE_H

#include <pvirq/pvirq.h>

static inline bool intid_pending(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	bool b = false;

	assert_int_equal(pvirq_rvic_is_pending(vm, vcpu, intid, &b), PVIRQ_OK);
	return b;
}

static inline bool intid_masked(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	bool b = false;

	assert_int_equal(pvirq_rvic_is_masked(vm, vcpu, intid, &b), PVIRQ_OK);
	return b;
}

static inline bool intid_level(struct pvirq_vm *vm, uint32_t vcpu, uint32_t intid)
{
	bool b = false;

	assert_int_equal(pvirq_rvic_get_level(vm, vcpu, intid, &b), PVIRQ_OK);
	return b;
}

#endif /* PVIRQ_TEST_INTID_STATE_H */
