/* SPDX-License-Identifier: MIT */
/*
 * Shared by the snapshot tests, the golden-file generator and the fuzz
 * harness: VMs whose memory the test can compare byte for byte, a random
 * operation driver applied to a VM and the reference model in lock step,
 * and the deterministic scenarios behind the golden snapshot files.
 */
#ifndef PVIRQ_TEST_SNAP_UTIL_H
#define PVIRQ_TEST_SNAP_UTIL_H

#include <pvirq/pvirq.h>

#include "model.h"

/* A VM in heap memory of exactly its footprint, so tests can memcmp it. */
struct snap_vm {
	struct pvirq_vm *vm;
	size_t footprint;
	struct pvirq_config cfg;
};

/* Returns 0, or -1 if @cfg is rejected (then @out is untouched). */
int snap_vm_create(struct snap_vm *out, const struct pvirq_config *cfg);
void snap_vm_destroy(struct snap_vm *s);
/* A malloc'd copy of the VM's memory (its entire observable state). */
unsigned char *snap_vm_image(const struct snap_vm *s);
/* Saves into a malloc'd buffer; aborts on failure. */
unsigned char *snap_save(struct pvirq_vm *vm, size_t *len);
/* The same in format @version (pvirq_vm_save_version()). */
unsigned char *snap_save_version(struct pvirq_vm *vm, uint32_t version, size_t *len);

/* xorshift64*: deterministic per seed and identical on every host. */
uint64_t snap_rand(uint64_t *rng);

/*
 * Applies @n random operations (all of the host API that changes state,
 * with valid and invalid arguments) to @vm and @m. Returns NULL, or a
 * static description of the first return value that differs.
 */
const char *snap_random_ops(struct pvirq_vm *vm, struct model *m, uint64_t *rng, unsigned n);

/* The golden snapshot <dir>/v<version>/<name>.bin in a malloc()ed buffer
 * (free() it), its size in *len; NULL if it cannot be read. */
unsigned char *snap_read_golden(const char *dir, uint32_t version, const char *name, size_t *len);

/* Bitwise CRC-32C, independent of the library's table-driven one. */
uint32_t snap_crc32c(const unsigned char *p, size_t len);

/* --- golden scenarios ------------------------------------------------ */

struct snap_scenario {
	const char *name; /* golden/<name>.bin */
	uint32_t nr_vcpus, nr_trusted, nr_untrusted, nr_rvid_inputs;
	uint64_t cpu_id_base, cpu_id_step;
	uint64_t seed; /* 0: the hand-written sequence of snap_scenario_run() */
	unsigned nr_ops;
};

extern const struct snap_scenario snap_scenarios[];
extern const unsigned snap_nr_scenarios;

/* Fills @cfg (cpu ids into @ids, which must hold nr_vcpus entries). */
void snap_scenario_config(const struct snap_scenario *sc, struct pvirq_config *cfg, uint64_t *ids);
/* Drives @vm and @m into the scenario's state. NULL or a difference. */
const char *snap_scenario_run(const struct snap_scenario *sc, struct pvirq_vm *vm, struct model *m);

#endif
