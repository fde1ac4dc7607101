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

/* Guest RAM of a test VM, for shared-state pages: SNAP_RAM_PAGES pages at
 * guest-physical SNAP_RAM_BASE. */
#define SNAP_RAM_BASE 0x100000ull
#define SNAP_RAM_PAGES 16u

/* A VM in heap memory of exactly its footprint, so tests can memcmp it,
 * and (snap_vm_create_ram()) guest RAM of its own that guest_page()
 * translates. */
struct snap_vm {
	struct pvirq_vm *vm;
	size_t footprint;
	struct pvirq_config cfg;
	unsigned char *ram; /* NULL: no guest_page() */
};

/* Returns 0, or -1 if @cfg is rejected (then @out is untouched). */
int snap_vm_create(struct snap_vm *out, const struct pvirq_config *cfg);
/* The same, with guest RAM (0xEE bytes) and @cfg's guest_page replaced by
 * a translation of [SNAP_RAM_BASE, + SNAP_RAM_PAGES pages). */
int snap_vm_create_ram(struct snap_vm *out, const struct pvirq_config *cfg);
/* The host address of guest-physical @gpa in @s's RAM (must be inside). */
_Atomic uint64_t *snap_ram_at(const struct snap_vm *s, uint64_t gpa);
void snap_vm_destroy(struct snap_vm *s);
/* A malloc'd copy of the VM's memory (its entire observable state). */
unsigned char *snap_vm_image(const struct snap_vm *s);
/* Saves into a malloc'd buffer; aborts on failure. */
unsigned char *snap_save(struct pvirq_vm *vm, size_t *len);
/* The same in format @version (pvirq_vm_save_version(): the size it
 * reports for that version); aborts on failure. */
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
	/* Oldest format version that can carry the state (1, or 3 for ABI
	 * 0.4 state); golden files exist from this version on. */
	uint32_t since;
	bool nmi_line;
};

extern const struct snap_scenario snap_scenarios[];
extern const unsigned snap_nr_scenarios;

/* Fills @cfg (cpu ids into @ids, which must hold nr_vcpus entries). */
void snap_scenario_config(const struct snap_scenario *sc, struct pvirq_config *cfg, uint64_t *ids);
/* Drives @vm and @m into the scenario's state. NULL or a difference. The
 * reference model knows no ABI 0.4 state: for a scenario with @since 3,
 * @m holds only what the model can (and @vm needs guest RAM,
 * snap_vm_create_ram()). */
const char *snap_scenario_run(const struct snap_scenario *sc, struct pvirq_vm *vm, struct model *m);

/* --- ABI 0.4 state, through the public API ---------------------------- */

/* Applies @n random ABI 0.4 operations (priorities, floors, trigger and
 * level of inputs, sharing and unsharing pages of the guest RAM of
 * snap_vm_create_ram(), disabling and enabling around it) to @vm, valid
 * and invalid arguments alike. For state the model does not know. */
void snap_random_v3_ops(struct pvirq_vm *vm, uint64_t *rng, unsigned n);
/* Applies @n random operations of every kind, ABI 0.4 included, to @s,
 * its guest writing its shared pages (in @s's RAM) among them. */
void snap_random_any_ops(struct snap_vm *s, uint64_t *rng, unsigned n);
/* Applies the same @n random operations of every kind, ABI 0.4 and guest
 * writes to shared pages included, to @a and @b and returns NULL if every
 * result agreed, else a static description of the first difference
 * (lock-step check of two VMs that should behave the same, such as a VM
 * and its restored copy). */
const char *snap_lockstep(struct snap_vm *a, struct snap_vm *b, uint64_t *rng, unsigned n);
/* NULL if every observable bit of @a and @b agrees (pending, masked,
 * class, level lines, enable, floor, shared page address and its words,
 * rVID routes and levels), else a static description. */
const char *snap_compare_vms(struct snap_vm *a, struct snap_vm *b);

#endif
