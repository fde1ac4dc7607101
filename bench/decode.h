/* SPDX-License-Identifier: MIT */
/*
 * Decode + dispatch rows: what the hypercall decoders (include/pvirq/arch/)
 * add on top of the core calls they make. Built only when the decoders are
 * part of the library; otherwise decode_nr_arches is 0 and the rows are
 * left out (the table says so).
 */
#ifndef PVIRQ_BENCH_DECODE_H
#define PVIRQ_BENCH_DECODE_H

#include "engine.h"

#include <stdint.h>

struct pvirq_vm;

/** Number of architectures measured (0: no decoders in this build). */
extern const unsigned decode_nr_arches;
/** Their names, e.g. "arm64 SMCCC". */
extern const char *const decode_arch_names[];

/**
 * ns per hypercall of one interrupt cycle (SIGNAL own vCPU, ACKNOWLEDGE,
 * CLEAR_MASKED) made through architecture @p arch's decoder, registers
 * loaded as the guest would leave them.
 */
double decode_via_abi(const struct bench_params *p, unsigned arch);

/** The same cycle as three direct core calls, ns per call. */
double decode_direct(const struct bench_params *p);

/** The VM the cycles run on: 2 vCPUs, vCPU 0 enabled, INTIDs unmasked. */
struct pvirq_vm *decode_cycle_vm(void);

/**
 * @p cycles interrupt cycles (3 hypercalls each) through architecture
 * @p arch's decoder, untimed: what decoder_icount runs under callgrind.
 */
void decode_cycles_via_abi(struct pvirq_vm *vm, unsigned arch, uint32_t cycles);

/** The same cycles as direct core calls, untimed. */
void decode_cycles_direct(struct pvirq_vm *vm, uint32_t cycles);

#endif /* PVIRQ_BENCH_DECODE_H */
