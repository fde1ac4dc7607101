/* SPDX-License-Identifier: MIT */
/*
 * The reference model: the rVIC/rVID semantics written the obvious way,
 * single-threaded, with plain arrays of bools. It is the oracle for the
 * differential tests and fuzzers: every operation returns exactly what the
 * engine's host API must return, and leaves the state the engine must have.
 *
 * ABI 0.4 (docs/spec/pvirq-abi.md, /work design contract of #16 and #18):
 * - priority classes: a class per INTID, a floor per instance, acknowledge
 *   takes the highest class >= floor first and goes round robin inside a
 *   class with a cursor per class; the NMI class is outside the IRQ line
 *   and outside ACKNOWLEDGE when the VM has an NMI line;
 * - level rVID inputs: trigger, level, resample, and the re-pends of a high
 *   level by MAP, ENABLE and RESET;
 * - the shared-state page: sharing moves the words but not their meaning,
 *   so every host operation acts the same; the guest's in-memory steps
 *   (acknowledge, end of interrupt, raw word writes) are model operations
 *   too (model_guest_*), acting on the same bits.
 */
#ifndef PVIRQ_TEST_MODEL_H
#define PVIRQ_TEST_MODEL_H

#include <pvirq/pvirq.h>

struct model_vcpu {
	bool enabled;
	/* Next INTID acknowledge starts from, one per priority class. */
	uint32_t cursor[PVIRQ_PRIORITY_CLASSES];
	uint32_t floor; /* priority mask: classes below it are held off */
	/* A priority call (SET_PRIORITY, SET_PRIORITY_MASK) was made: until
	 * then classes and floor are stored but count as 0 (sticky until the
	 * VM resets). */
	bool uses_priority;
	bool shared; /* state words live in a guest page at shared_gpa */
	uint64_t shared_gpa;
	bool pending[PVIRQ_MAX_INTIDS];
	bool masked[PVIRQ_MAX_INTIDS];
	bool level[PVIRQ_MAX_INTIDS];
	uint8_t cls[PVIRQ_MAX_INTIDS];
};

struct model_rvid_entry {
	bool valid;
	uint32_t vcpu;
	uint32_t intid;
	bool level_trigger; /* a level input (pvirq_rvid_set_trigger) */
	bool high;	    /* its recorded level */
};

struct model {
	uint32_t nr_vcpus, nr_trusted, nr_untrusted, nr_intids, nr_inputs;
	bool nmi_line; /* pvirq_config.nmi_line */
	uint64_t *cpu_ids;
	struct model_vcpu *vcpus;
	struct model_rvid_entry *rvid;
	/* The config's resample() callback, mirrored: called by
	 * model_rvid_resample() where the engine calls it (may be NULL). */
	void (*resample_hook)(void *ctx, uint32_t input);
	void *resample_ctx;
};

/* Returns 0, or -1 if @cfg is invalid (then @m is untouched). */
int model_init(struct model *m, const struct pvirq_config *cfg);
void model_free(struct model *m);
/* pvirq_vm_reset(): everything back to its initial value, pages unshared. */
void model_reset(struct model *m);

int model_enable(struct model *m, uint32_t vcpu);
int model_disable(struct model *m, uint32_t vcpu);
int model_set_masked(struct model *m, uint32_t vcpu, uint32_t intid);
int model_clear_masked(struct model *m, uint32_t vcpu, uint32_t intid);
int model_signal(struct model *m, uint32_t vcpu, uint32_t intid);
int model_clear_pending(struct model *m, uint32_t vcpu, uint32_t intid);
int model_acknowledge(struct model *m, uint32_t vcpu, uint32_t *intid);
/* RVIC_RESET (ABI 0.4): SET_MASKED then CLEAR_PENDING of every INTID of
 * @vcpu, every class and the floor back to 0, then every high level rVID
 * input mapped to it pends (as SIGNAL). */
int model_reset_own(struct model *m, uint32_t vcpu);
/* Trusted INTIDs with a software level line: min(T, PVIRQ_MAX_LEVEL_LINES). */
uint32_t model_level_lines(const struct model *m);
int model_resample(struct model *m, uint32_t vcpu, uint32_t intid);
int model_set_level(struct model *m, uint32_t vcpu, uint32_t intid, bool level);
/* The IRQ line: enabled and some INTID of a class on the line (floor up to
 * 2, or 3 without an NMI line) pending and not masked. */
bool model_line(const struct model *m, uint32_t vcpu);
/* Whether @intid of @vcpu is deliverable now (pending && !masked). */
bool model_deliverable(const struct model *m, uint32_t vcpu, uint32_t intid);

/* Priority classes (#18). */
int model_set_priority(struct model *m, uint32_t vcpu, uint32_t intid, uint32_t cls);
int model_get_priority(const struct model *m, uint32_t vcpu, uint32_t intid, uint32_t *cls);
int model_set_priority_mask(struct model *m, uint32_t vcpu, uint32_t floor);
int model_get_priority_mask(const struct model *m, uint32_t vcpu, uint32_t *floor);
int model_acknowledge_nmi(struct model *m, uint32_t vcpu, uint32_t *intid);
/* The class and floor that count (0 until the instance's first priority
 * call), not the stored ones model_get_priority*() report. */
uint32_t model_class_of(const struct model *m, uint32_t vcpu, uint32_t intid);
uint32_t model_floor_of(const struct model *m, uint32_t vcpu);
/* Deliverable, and in a class the IRQ line and ACKNOWLEDGE serve. */
bool model_counted(const struct model *m, uint32_t vcpu, uint32_t intid);
/* Deliverable, and of the NMI class on a VM with an NMI line. */
bool model_nmi_counted(const struct model *m, uint32_t vcpu, uint32_t intid);
/* The highest class the IRQ line and ACKNOWLEDGE serve: 2 with an NMI line,
 * else 3. */
uint32_t model_line_top_class(const struct model *m);
/* Enabled, an NMI line, and some INTID of the NMI class deliverable. */
bool model_nmi_deliverable(const struct model *m, uint32_t vcpu);

/* Shared-state page (#16). @page_ok: what the VMM's guest_page() answers
 * for @gpa (the model has no guest memory). */
int model_share_state(struct model *m, uint32_t vcpu, uint64_t gpa, bool page_ok);
int model_unshare_state(struct model *m, uint32_t vcpu);
int model_shared_state(const struct model *m, uint32_t vcpu, uint64_t *gpa);

/*
 * The guest's own steps on its shared page (no call, so no status and no
 * notification): what each does to the bits, whoever's page it is.
 *  - acknowledge: the CAS P!M -> M!P on @intid; true if it was deliverable;
 *  - end of interrupt: fetch_and ~M; true if @intid was pending (then the
 *    guest takes it or calls CLEAR_MASKED: the host does not know);
 *  - raw stores of a page word (state word i, class word i, the floor).
 */
bool model_guest_ack(struct model *m, uint32_t vcpu, uint32_t intid);
bool model_guest_eoi(struct model *m, uint32_t vcpu, uint32_t intid);
void model_guest_store_state(struct model *m, uint32_t vcpu, uint32_t word, uint64_t value);
void model_guest_store_class(struct model *m, uint32_t vcpu, uint32_t word, uint64_t value);
void model_guest_store_floor(struct model *m, uint32_t vcpu, uint64_t value);
/* The page words the model implies (shared_state.h layout), for checks. */
uint64_t model_state_word(const struct model *m, uint32_t vcpu, uint32_t word);
uint64_t model_class_word(const struct model *m, uint32_t vcpu, uint32_t word);

int model_map(struct model *m, uint32_t input, uint32_t vcpu, uint32_t intid);
int model_unmap(struct model *m, uint32_t input);
int model_inject(struct model *m, uint32_t input);
int model_msi(struct model *m, uint64_t addr, uint64_t data);
int model_vcpu_by_cpu_id(const struct model *m, uint64_t cpu_id, uint32_t *vcpu);

/* Level rVID inputs (#18). */
int model_rvid_set_trigger(struct model *m, uint32_t input, bool level);
int model_rvid_set_level(struct model *m, uint32_t input, bool high);
int model_rvid_get_level(const struct model *m, uint32_t input, bool *high);
/* RVID_RESAMPLE(input): a level input calls resample(), then re-pends its
 * current target while high; an edge input: nothing. */
int model_rvid_resample(struct model *m, uint32_t input);

/*
 * Compares every observable bit of @vm with @m. Returns NULL if equal,
 * else a static description of the first difference.
 */
const char *model_compare(const struct model *m, struct pvirq_vm *vm);

#endif /* PVIRQ_TEST_MODEL_H */
