/* SPDX-License-Identifier: MIT */
/* Hosted convenience constructor: the only place that allocates. */
#include <stdlib.h>

#include "pvirq/hosted.h"

int pvirq_vm_create(const struct pvirq_config *cfg, struct pvirq_vm **out)
{
	size_t size = pvirq_vm_footprint(cfg);
	void *mem;
	int err;

	if (!size || !out)
		return PVIRQ_EINVAL;
	/* aligned_alloc wants a size that is a multiple of the alignment;
	 * the footprint is. */
	mem = aligned_alloc(PVIRQ_CACHE_LINE, size);
	if (!mem)
		return PVIRQ_ENOSPC;
	err = pvirq_vm_init(mem, size, cfg, out);
	if (err)
		free(mem);
	return err;
}

void pvirq_vm_destroy(struct pvirq_vm *vm)
{
	free(vm);
}
