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
	for (uint32_t i = 0; i < m->nr_inputs; i++)
		m->rvid[i].valid = false;
}

static int check(const struct model *m, uint32_t vcpu, uint32_t intid)
{
	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	if (intid >= m->nr_intids)
		return PVIRQ_EINTID;
	return PVIRQ_OK;
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

int model_acknowledge(struct model *m, uint32_t vcpu, uint32_t *intid)
{
	struct model_vcpu *v;

	if (vcpu >= m->nr_vcpus)
		return PVIRQ_EVCPU;
	v = &m->vcpus[vcpu];
	if (!v->enabled)
		return PVIRQ_EDISABLED;
	/* Round robin: the first deliverable INTID at or after the cursor. */
	for (uint32_t k = 0; k < m->nr_intids; k++) {
		uint32_t i = (v->cursor + k) % m->nr_intids;

		if (v->pending[i] && !v->masked[i]) {
			v->pending[i] = false;
			v->masked[i] = true;
			v->cursor = (i + 1) % m->nr_intids;
			*intid = i;
			return PVIRQ_OK;
		}
	}
	return PVIRQ_ENOINTR;
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
		if (v->pending[i] && !v->masked[i])
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

		if ((err == PVIRQ_OK) != e->valid ||
		    (e->valid && (vcpu != e->vcpu || intid != e->intid))) {
			snprintf(why, sizeof(why),
				 "rvid input %u: (%d, %u, %u), model (%d, %u, %u)", i,
				 err == PVIRQ_OK, vcpu, intid, e->valid, e->vcpu, e->intid);
			return why;
		}
	}
	return NULL;
}
