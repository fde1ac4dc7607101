/* SPDX-License-Identifier: MIT */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int model_init(struct model *m, const struct pvirq_config *cfg)
{
	if (pvirq_config_check(cfg) != PVIRQ_OK)
		return -1;
	for (uint32_t i = 0; cfg->cpu_ids && i < cfg->nr_vcpus; i++)
		for (uint32_t j = 0; j < i; j++)
			if (cfg->cpu_ids[i] == cfg->cpu_ids[j])
				return -1;
	m->nr_vcpus = cfg->nr_vcpus;
	m->nr_trusted = cfg->nr_trusted;
	m->nr_untrusted = cfg->nr_untrusted;
	m->nr_intids = cfg->nr_trusted + cfg->nr_untrusted;
	m->nr_inputs = cfg->nr_rvid_inputs;
	m->nmi_line = cfg->nmi_line;
	m->resample_hook = NULL;
	m->resample_ctx = NULL;
	m->cpu_ids = calloc(m->nr_vcpus, sizeof(*m->cpu_ids));
	m->vcpus = calloc(m->nr_vcpus, sizeof(*m->vcpus));
	m->rvid = calloc(m->nr_inputs + 1, sizeof(*m->rvid));
	if (!m->cpu_ids || !m->vcpus || !m->rvid)
		abort();
	for (uint32_t i = 0; i < m->nr_vcpus; i++)
		m->cpu_ids[i] = cfg->cpu_ids ? cfg->cpu_ids[i] : i;
	model_reset(m);
	return 0;
}

void model_free(struct model *m)
{
	free(m->cpu_ids);
	free(m->vcpus);
	free(m->rvid);
}

void model_reset(struct model *m)
{
	for (uint32_t c = 0; c < m->nr_vcpus; c++) {
		struct model_vcpu *v = &m->vcpus[c];

		memset(v, 0, sizeof(*v));
		for (uint32_t i = 0; i < m->nr_intids; i++)
			v->masked[i] = true;
	}
	/* Triggers too: a reset VM's inputs are edges again, all low. */
	memset(m->rvid, 0, m->nr_inputs * sizeof(*m->rvid));
}

static int check(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= m->nr_intids)
		return PVIRQ_EINTID;
	return PVIRQ_OK;
}

/* Every level rVID input that is high and mapped to @vcpu pends its
 * target, as a SIGNAL would (so not while the instance is disabled). */
static void repend_high_inputs(struct model *m, uint32_t vcpu)
{
	for (uint32_t i = 0; i < m->nr_inputs; i++) {
		const struct model_rvid_entry *e = &m->rvid[i];

		if (e->valid && e->vcpu == vcpu && e->level_trigger && e->high)
			(void)model_signal(m, vcpu, e->intid);
	}
}

int model_enable(struct model *m, uint32_t vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	m->vcpus[vcpu].enabled = true;
	/* Level semantics: every trusted INTID whose line is high pends. */
	for (uint32_t i = 0; i < model_level_lines(m); i++)
		if (m->vcpus[vcpu].level[i])
			m->vcpus[vcpu].pending[i] = true;
	/* ... and so does every high level rVID input mapped to it. */
	repend_high_inputs(m, vcpu);
	return PVIRQ_OK;
}

int model_disable(struct model *m, uint32_t vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	m->vcpus[vcpu].enabled = false;
	return PVIRQ_OK;
}

int model_set_masked(struct model *m, uint32_t vcpu, uint32_t intid)
{
	int err = check(m, vcpu, intid);

	if (!err)
		m->vcpus[vcpu].masked[intid] = true;
	return err;
}

int model_clear_masked(struct model *m, uint32_t vcpu, uint32_t intid)
{
	int err = check(m, vcpu, intid);

	if (!err)
		m->vcpus[vcpu].masked[intid] = false;
	return err;
}

int model_signal(struct model *m, uint32_t vcpu, uint32_t intid)
{
	int err = check(m, vcpu, intid);

	if (err)
		return err;
	if (!m->vcpus[vcpu].enabled)
		return PVIRQ_EDISABLED;
	m->vcpus[vcpu].pending[intid] = true;
	return PVIRQ_OK;
}

int model_clear_pending(struct model *m, uint32_t vcpu, uint32_t intid)
{
	int err = check(m, vcpu, intid);

	if (err)
		return err;
	m->vcpus[vcpu].pending[intid] = false;
	/* A level line still high re-pends at once: CLEAR_PENDING, RESAMPLE. */
	if (intid < m->nr_trusted)
		model_resample(m, vcpu, intid);
	return PVIRQ_OK;
}

int model_reset_own(struct model *m, uint32_t vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	for (uint32_t i = 0; i < m->nr_intids; i++) {
		model_set_masked(m, vcpu, i);
		model_clear_pending(m, vcpu, i);
		m->vcpus[vcpu].cls[i] = 0;
	}
	/* A kexec'd kernel finds the 0.3 priorities (the cursors and whether
	 * priorities were ever used stay). */
	m->vcpus[vcpu].floor = 0;
	repend_high_inputs(m, vcpu);
	return PVIRQ_OK;
}

bool model_deliverable(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	return m->vcpus[vcpu].pending[intid] && !m->vcpus[vcpu].masked[intid];
}

uint32_t model_line_top_class(const struct model *m)
{
	return m->nmi_line ? PVIRQ_PRIORITY_NMI - 1u : PVIRQ_PRIORITY_NMI;
}

uint32_t model_class_of(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	return m->vcpus[vcpu].uses_priority ? m->vcpus[vcpu].cls[intid] : 0;
}

uint32_t model_floor_of(const struct model *m, uint32_t vcpu)
{
	return m->vcpus[vcpu].uses_priority ? m->vcpus[vcpu].floor : 0;
}

bool model_counted(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	uint32_t cls = model_class_of(m, vcpu, intid);

	return model_deliverable(m, vcpu, intid) && cls >= model_floor_of(m, vcpu) &&
	       cls <= model_line_top_class(m);
}

bool model_nmi_counted(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	return m->nmi_line && model_deliverable(m, vcpu, intid) &&
	       model_class_of(m, vcpu, intid) == PVIRQ_PRIORITY_NMI;
}

/* Round robin from class @cls's cursor over the INTIDs that @wanted
 * accepts; the cursor of class 0 serves an instance without priorities. */
static bool acknowledge_from(struct model *m, uint32_t vcpu, uint32_t cls,
			     bool (*wanted)(const struct model *, uint32_t, uint32_t, uint32_t),
			     uint32_t *intid)
{
	struct model_vcpu *v = &m->vcpus[vcpu];

	for (uint32_t k = 0; k < m->nr_intids; k++) {
		uint32_t i = (v->cursor[cls] + k) % m->nr_intids;

		if (wanted(m, vcpu, i, cls)) {
			v->pending[i] = false;
			v->masked[i] = true;
			v->cursor[cls] = (i + 1) % m->nr_intids;
			*intid = i;
			return true;
		}
	}
	return false;
}

static bool counted_in_class(const struct model *m, uint32_t vcpu, uint32_t i, uint32_t cls)
{
	return model_counted(m, vcpu, i) && model_class_of(m, vcpu, i) == cls;
}

static bool nmi_in_class(const struct model *m, uint32_t vcpu, uint32_t i, uint32_t cls)
{
	(void)cls;
	return model_nmi_counted(m, vcpu, i);
}

int model_acknowledge(struct model *m, uint32_t vcpu, uint32_t *intid)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!m->vcpus[vcpu].enabled)
		return PVIRQ_EDISABLED;
	/* Strict priority: the highest class on the line first, down to the
	 * floor; round robin inside it. Without priorities all is class 0. */
	for (uint32_t cls = model_line_top_class(m) + 1; cls-- > model_floor_of(m, vcpu);)
		if (acknowledge_from(m, vcpu, cls, counted_in_class, intid))
			return PVIRQ_OK;
	return PVIRQ_ENOINTR;
}

int model_acknowledge_nmi(struct model *m, uint32_t vcpu, uint32_t *intid)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!m->vcpus[vcpu].enabled)
		return PVIRQ_EDISABLED;
	/* Only the NMI class, and only on a VM with an NMI line (else class 3
	 * is on the IRQ line); the floor does not apply. */
	return acknowledge_from(m, vcpu, PVIRQ_PRIORITY_NMI, nmi_in_class, intid) ? PVIRQ_OK
										  : PVIRQ_ENOINTR;
}

bool model_nmi_deliverable(const struct model *m, uint32_t vcpu)
{
	if (!m->vcpus[vcpu].enabled)
		return false;
	for (uint32_t i = 0; i < m->nr_intids; i++)
		if (model_nmi_counted(m, vcpu, i))
			return true;
	return false;
}

int model_set_priority(struct model *m, uint32_t vcpu, uint32_t intid, uint32_t cls)
{
	int err = check(m, vcpu, intid);

	if (err)
		return err;
	if (cls >= PVIRQ_PRIORITY_CLASSES || (cls == PVIRQ_PRIORITY_NMI && !m->nmi_line))
		return PVIRQ_EINVAL;
	m->vcpus[vcpu].uses_priority = true;
	m->vcpus[vcpu].cls[intid] = (uint8_t)cls;
	return PVIRQ_OK;
}

int model_get_priority(const struct model *m, uint32_t vcpu, uint32_t intid, uint32_t *cls)
{
	int err = check(m, vcpu, intid);

	if (!err)
		*cls = m->vcpus[vcpu].cls[intid];
	return err;
}

int model_set_priority_mask(struct model *m, uint32_t vcpu, uint32_t floor)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (floor >= PVIRQ_PRIORITY_CLASSES)
		return PVIRQ_EINVAL;
	m->vcpus[vcpu].uses_priority = true;
	m->vcpus[vcpu].floor = floor;
	return PVIRQ_OK;
}

int model_get_priority_mask(const struct model *m, uint32_t vcpu, uint32_t *floor)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	*floor = m->vcpus[vcpu].floor;
	return PVIRQ_OK;
}

/* --- the shared-state page ------------------------------------------- */

int model_share_state(struct model *m, uint32_t vcpu, uint64_t gpa, bool page_ok)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (m->vcpus[vcpu].enabled)
		return PVIRQ_EENABLED;
	if (gpa % PVIRQ_SHARED_STATE_SIZE || !page_ok)
		return PVIRQ_EINVAL;
	/* The words move; what they say does not change. */
	m->vcpus[vcpu].shared = true;
	m->vcpus[vcpu].shared_gpa = gpa;
	return PVIRQ_OK;
}

int model_unshare_state(struct model *m, uint32_t vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!m->vcpus[vcpu].shared)
		return PVIRQ_OK; /* nothing to give back, enabled or not */
	if (m->vcpus[vcpu].enabled)
		return PVIRQ_EENABLED;
	m->vcpus[vcpu].shared = false;
	m->vcpus[vcpu].shared_gpa = 0;
	return PVIRQ_OK;
}

int model_shared_state(const struct model *m, uint32_t vcpu, uint64_t *gpa)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (!m->vcpus[vcpu].shared)
		return PVIRQ_EUNMAPPED;
	*gpa = m->vcpus[vcpu].shared_gpa;
	return PVIRQ_OK;
}

bool model_guest_ack(struct model *m, uint32_t vcpu, uint32_t intid)
{
	struct model_vcpu *v = &m->vcpus[vcpu];

	if (!model_deliverable(m, vcpu, intid))
		return false; /* the CAS fails */
	v->pending[intid] = false;
	v->masked[intid] = true;
	return true;
}

bool model_guest_eoi(struct model *m, uint32_t vcpu, uint32_t intid)
{
	m->vcpus[vcpu].masked[intid] = false;
	return m->vcpus[vcpu].pending[intid];
}

void model_guest_store_state(struct model *m, uint32_t vcpu, uint32_t word, uint64_t value)
{
	for (uint32_t k = 0; k < 32 && 32 * word + k < m->nr_intids; k++) {
		m->vcpus[vcpu].pending[32 * word + k] = (value >> (2 * k)) & 1;
		m->vcpus[vcpu].masked[32 * word + k] = (value >> (2 * k + 1)) & 1;
	}
}

void model_guest_store_class(struct model *m, uint32_t vcpu, uint32_t word, uint64_t value)
{
	for (uint32_t k = 0; k < 32 && 32 * word + k < m->nr_intids; k++)
		m->vcpus[vcpu].cls[32 * word + k] = (uint8_t)((value >> (2 * k)) & 3);
}

void model_guest_store_floor(struct model *m, uint32_t vcpu, uint64_t value)
{
	m->vcpus[vcpu].floor = (uint32_t)(value & 3);
}

uint64_t model_state_word(const struct model *m, uint32_t vcpu, uint32_t word)
{
	uint64_t w = 0;

	for (uint32_t k = 0; k < 32 && 32 * word + k < m->nr_intids; k++)
		w |= ((uint64_t)m->vcpus[vcpu].pending[32 * word + k] << (2 * k)) |
		     ((uint64_t)m->vcpus[vcpu].masked[32 * word + k] << (2 * k + 1));
	return w;
}

uint64_t model_class_word(const struct model *m, uint32_t vcpu, uint32_t word)
{
	uint64_t w = 0;

	for (uint32_t k = 0; k < 32 && 32 * word + k < m->nr_intids; k++)
		w |= (uint64_t)m->vcpus[vcpu].cls[32 * word + k] << (2 * k);
	return w;
}

uint32_t model_level_lines(const struct model *m)
{
	return m->nr_trusted < PVIRQ_MAX_LEVEL_LINES ? m->nr_trusted : PVIRQ_MAX_LEVEL_LINES;
}

int model_resample(struct model *m, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= m->nr_trusted)
		return PVIRQ_EINTID;
	/* No line_level callback in the model: only software lines count. */
	return intid < model_level_lines(m) && m->vcpus[vcpu].level[intid]
		       ? model_signal(m, vcpu, intid)
		       : PVIRQ_OK;
}

int model_set_level(struct model *m, uint32_t vcpu, uint32_t intid, bool level)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= model_level_lines(m))
		return PVIRQ_EINTID;
	m->vcpus[vcpu].level[intid] = level;
	return level ? model_signal(m, vcpu, intid) : PVIRQ_OK;
}

bool model_line(const struct model *m, uint32_t vcpu)
{
	const struct model_vcpu *v = &m->vcpus[vcpu];

	if (!v->enabled)
		return false;
	for (uint32_t i = 0; i < m->nr_intids; i++)
		if (model_counted(m, vcpu, i))
			return true;
	return false;
}

int model_map(struct model *m, uint32_t input, uint32_t vcpu, uint32_t intid)
{
	struct model_rvid_entry *e, old;

	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid < m->nr_trusted || intid >= m->nr_intids)
		return PVIRQ_EINTID;
	e = &m->rvid[input];
	if (e->valid && e->vcpu == vcpu && e->intid == intid)
		return PVIRQ_OK;
	/* One input per (vCPU, INTID): a pending bit must have one owner. */
	for (uint32_t i = 0; i < m->nr_inputs; i++)
		if (m->rvid[i].valid && m->rvid[i].vcpu == vcpu && m->rvid[i].intid == intid)
			return PVIRQ_EBUSY;
	old = *e;
	e->valid = true;
	e->vcpu = vcpu;
	e->intid = intid;
	/* Retarget moves a pending bit, unless the new target would drop it. */
	if (old.valid && (old.vcpu != vcpu || old.intid != intid) &&
	    m->vcpus[old.vcpu].pending[old.intid] && m->vcpus[vcpu].enabled) {
		m->vcpus[old.vcpu].pending[old.intid] = false;
		m->vcpus[vcpu].pending[intid] = true;
	}
	/* A high level goes with the input: the new target pends (as a
	 * SIGNAL; maybe a duplicate of the moved bit). */
	if (e->level_trigger && e->high)
		(void)model_signal(m, vcpu, intid);
	return PVIRQ_OK;
}

int model_unmap(struct model *m, uint32_t input)
{
	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	m->rvid[input].valid = false;
	return PVIRQ_OK;
}

int model_inject(struct model *m, uint32_t input)
{
	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	if (!m->rvid[input].valid)
		return PVIRQ_EUNMAPPED;
	return model_signal(m, m->rvid[input].vcpu, m->rvid[input].intid);
}

int model_msi(struct model *m, uint64_t addr, uint64_t data)
{
	if (addr != PVIRQ_MSI_DOORBELL)
		return PVIRQ_EADDRESS;
	if (data >= m->nr_inputs)
		return PVIRQ_EINPUT;
	return model_inject(m, (uint32_t)data);
}

int model_rvid_set_trigger(struct model *m, uint32_t input, bool level)
{
	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	/* Making an input level keeps its level (low for a former edge);
	 * making it edge drops the level, so a switch back starts low. */
	m->rvid[input].level_trigger = level;
	if (!level)
		m->rvid[input].high = false;
	return PVIRQ_OK;
}

int model_rvid_set_level(struct model *m, uint32_t input, bool high)
{
	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	if (!m->rvid[input].level_trigger)
		return PVIRQ_EINVAL;
	m->rvid[input].high = high;
	/* A raise injects like an edge; a lower retracts nothing. */
	return high ? model_inject(m, input) : PVIRQ_OK;
}

int model_rvid_get_level(const struct model *m, uint32_t input, bool *high)
{
	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	*high = m->rvid[input].level_trigger && m->rvid[input].high;
	return PVIRQ_OK;
}

int model_rvid_resample(struct model *m, uint32_t input)
{
	int err;

	if (input >= m->nr_inputs)
		return PVIRQ_EINPUT;
	if (!m->rvid[input].level_trigger)
		return PVIRQ_OK;
	/* The device model re-checks first (it may lower the level), mapped
	 * or not; then a high level re-pends the input's current target. */
	if (m->resample_hook)
		m->resample_hook(m->resample_ctx, input);
	if (!m->rvid[input].high)
		return PVIRQ_OK;
	err = model_inject(m, input);
	return err == PVIRQ_EUNMAPPED ? PVIRQ_OK : err;
}

int model_vcpu_by_cpu_id(const struct model *m, uint64_t cpu_id, uint32_t *vcpu)
{
	for (uint32_t i = 0; i < m->nr_vcpus; i++) {
		if (m->cpu_ids[i] == cpu_id) {
			*vcpu = i;
			return PVIRQ_OK;
		}
	}
	return PVIRQ_EVCPU;
}

const char *model_compare(const struct model *m, struct pvirq_vm *vm)
{
	static char why[160];

	for (uint32_t c = 0; c < m->nr_vcpus; c++) {
		const struct model_vcpu *v = &m->vcpus[c];
		bool enabled, bit;
		uint32_t val = 0;
		uint64_t gpa;
		int err;

		if (pvirq_rvic_is_enabled(vm, c, &enabled) || enabled != v->enabled) {
			snprintf(why, sizeof(why), "vcpu %u: enabled %d, model %d", c, enabled,
				 v->enabled);
			return why;
		}
		for (uint32_t i = 0; i < m->nr_intids; i++) {
			if (pvirq_rvic_is_pending(vm, c, i, &bit) || bit != v->pending[i]) {
				snprintf(why, sizeof(why), "vcpu %u intid %u: pending %d, model %d",
					 c, i, bit, v->pending[i]);
				return why;
			}
			if (pvirq_rvic_is_masked(vm, c, i, &bit) || bit != v->masked[i]) {
				snprintf(why, sizeof(why), "vcpu %u intid %u: masked %d, model %d",
					 c, i, bit, v->masked[i]);
				return why;
			}
			if (i < model_level_lines(m) &&
			    (pvirq_rvic_get_level(vm, c, i, &bit) || bit != v->level[i])) {
				snprintf(why, sizeof(why), "vcpu %u intid %u: level %d, model %d",
					 c, i, bit, v->level[i]);
				return why;
			}
			if (pvirq_rvic_get_priority(vm, c, i, &val) || val != v->cls[i]) {
				snprintf(why, sizeof(why), "vcpu %u intid %u: class %u, model %u",
					 c, i, val, v->cls[i]);
				return why;
			}
		}
		if (pvirq_rvic_get_priority_mask(vm, c, &val) || val != v->floor) {
			snprintf(why, sizeof(why), "vcpu %u: floor %u, model %u", c, val, v->floor);
			return why;
		}
		gpa = 0;
		err = pvirq_rvic_shared_state(vm, c, &gpa);
		if ((err == PVIRQ_OK) != v->shared || (v->shared && gpa != v->shared_gpa)) {
			snprintf(why, sizeof(why), "vcpu %u: shared (%d, %#llx), model (%d, %#llx)",
				 c, err == PVIRQ_OK, (unsigned long long)gpa, v->shared,
				 (unsigned long long)v->shared_gpa);
			return why;
		}
		if (pvirq_vcpu_line(vm, c) != model_line(m, c)) {
			snprintf(why, sizeof(why), "vcpu %u: line %d, model %d", c,
				 pvirq_vcpu_line(vm, c), model_line(m, c));
			return why;
		}
	}
	for (uint32_t i = 0; i < m->nr_inputs; i++) {
		uint32_t vcpu = 0, intid = 0;
		int err = pvirq_rvid_lookup(vm, i, &vcpu, &intid);
		const struct model_rvid_entry *e = &m->rvid[i];
		bool high;

		if ((err == PVIRQ_OK) != e->valid ||
		    (e->valid && (vcpu != e->vcpu || intid != e->intid))) {
			snprintf(why, sizeof(why),
				 "rvid input %u: (%d, %u, %u), model (%d, %u, %u)", i,
				 err == PVIRQ_OK, vcpu, intid, e->valid, e->vcpu, e->intid);
			return why;
		}
		high = false;
		if (pvirq_rvid_get_level(vm, i, &high) || high != (e->level_trigger && e->high)) {
			snprintf(why, sizeof(why), "rvid input %u: level %d, model %d", i, high,
				 e->level_trigger && e->high);
			return why;
		}
	}
	return NULL;
}
