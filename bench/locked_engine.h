/* SPDX-License-Identifier: MIT */
/*
 * The locked baseline: the engine's semantics implemented the
 * straightforward way, as the 2020 reference implementation did it in KVM:
 * one spinlock per vCPU instance guarding plain pending/masked bitmaps, and
 * one lock for the rVID table. It exists only so the benchmark can put a
 * number beside every libpvirq figure; it is not part of the library and
 * nothing outside bench/ may use it.
 *
 * Same semantics as libpvirq (and the same names with a locked_ prefix):
 * masked INTIDs latch pending, signals to a disabled instance are dropped,
 * ENABLE rescans, acknowledge is round robin from the INTID after the last
 * one acknowledged, notify() is coalesced until the next rearm, and a MAP
 * of a mapped input moves its pending bit (the rVID lock is held across an
 * injection's signal, which is how a locked design closes the retarget
 * race). Status codes are libpvirq's PVIRQ_* values.
 */
#ifndef PVIRQ_BENCH_LOCKED_ENGINE_H
#define PVIRQ_BENCH_LOCKED_ENGINE_H

#include <pvirq/vm.h>

struct locked_vm;

int locked_vm_create(const struct pvirq_config *cfg, struct locked_vm **out);
void locked_vm_destroy(struct locked_vm *vm);
/** Bytes of state per vCPU (bitmaps + lock + flags, cache-line padded). */
size_t locked_vcpu_footprint(const struct pvirq_config *cfg);

int locked_rvic_enable(struct locked_vm *vm, uint32_t vcpu);
int locked_rvic_set_masked(struct locked_vm *vm, uint32_t vcpu, uint32_t intid);
int locked_rvic_clear_masked(struct locked_vm *vm, uint32_t vcpu, uint32_t intid);
int locked_rvic_signal(struct locked_vm *vm, uint32_t vcpu, uint32_t intid);
int locked_rvic_clear_pending(struct locked_vm *vm, uint32_t vcpu, uint32_t intid);
int locked_rvic_acknowledge(struct locked_vm *vm, uint32_t vcpu, uint32_t *intid);
bool locked_vcpu_line(struct locked_vm *vm, uint32_t vcpu);
bool locked_vcpu_rearm(struct locked_vm *vm, uint32_t vcpu);

int locked_rvid_map(struct locked_vm *vm, uint32_t input, uint32_t vcpu, uint32_t intid);
int locked_rvid_inject(struct locked_vm *vm, uint32_t input);

#endif /* PVIRQ_BENCH_LOCKED_ENGINE_H */
