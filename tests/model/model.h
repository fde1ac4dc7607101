/* SPDX-License-Identifier: MIT */
/*
 * The reference model: the rVIC/rVID semantics written the obvious way,
 * single-threaded, with plain arrays of bools. It is the oracle for the
 * differential tests and fuzzers: every operation returns exactly what the
 * engine's host API must return, and leaves the state the engine must have.
 */
#ifndef PVIRQ_TEST_MODEL_H
#define PVIRQ_TEST_MODEL_H

#include <pvirq/pvirq.h>

struct model_vcpu {
	bool enabled;
	uint32_t cursor; /* next INTID acknowledge starts from */
	bool pending[PVIRQ_MAX_INTIDS];
	bool masked[PVIRQ_MAX_INTIDS];
	bool level[PVIRQ_MAX_INTIDS];
};

struct model_rvid_entry {
	bool valid;
	uint32_t vcpu;
	uint32_t intid;
};

struct model {
	uint32_t nr_vcpus, nr_trusted, nr_untrusted, nr_intids, nr_inputs;
	uint64_t *cpu_ids;
	struct model_vcpu *vcpus;
	struct model_rvid_entry *rvid;
};

/* Returns 0, or -1 if @cfg is invalid (then @m is untouched). */
int model_init(struct model *m, const struct pvirq_config *cfg);
void model_free(struct model *m);
void model_reset(struct model *m);

int model_enable(struct model *m, uint32_t vcpu);
int model_disable(struct model *m, uint32_t vcpu);
int model_set_masked(struct model *m, uint32_t vcpu, uint32_t intid);
int model_clear_masked(struct model *m, uint32_t vcpu, uint32_t intid);
int model_signal(struct model *m, uint32_t vcpu, uint32_t intid);
int model_clear_pending(struct model *m, uint32_t vcpu, uint32_t intid);
int model_acknowledge(struct model *m, uint32_t vcpu, uint32_t *intid);
/* RVIC_RESET (ABI 0.4): SET_MASKED then CLEAR_PENDING of every INTID of @vcpu. */
int model_reset_own(struct model *m, uint32_t vcpu);
/* Trusted INTIDs with a software level line: min(T, PVIRQ_MAX_LEVEL_LINES). */
uint32_t model_level_lines(const struct model *m);
int model_resample(struct model *m, uint32_t vcpu, uint32_t intid);
int model_set_level(struct model *m, uint32_t vcpu, uint32_t intid, bool level);
bool model_line(const struct model *m, uint32_t vcpu);

int model_map(struct model *m, uint32_t input, uint32_t vcpu, uint32_t intid);
int model_unmap(struct model *m, uint32_t input);
int model_inject(struct model *m, uint32_t input);
int model_msi(struct model *m, uint64_t addr, uint64_t data);
int model_vcpu_by_cpu_id(const struct model *m, uint64_t cpu_id, uint32_t *vcpu);

/*
 * Compares every observable bit of @vm with @m. Returns NULL if equal,
 * else a static description of the first difference.
 */
const char *model_compare(const struct model *m, struct pvirq_vm *vm);

#endif /* PVIRQ_TEST_MODEL_H */
