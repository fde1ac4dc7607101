/* SPDX-License-Identifier: MIT */
/**
 * @file hosted.h
 * @brief Convenience constructor for hosted (userspace) embedders.
 * Not part of the freestanding core: it uses the C library's allocator.
 */
#ifndef PVIRQ_HOSTED_H
#define PVIRQ_HOSTED_H

#include "vm.h"

PVIRQ_BEGIN_DECLS

/** @defgroup hosted Hosted convenience layer
 *  @{ */

/**
 * @brief Allocates aligned memory and initialises a VM in it.
 * @return PVIRQ_OK; PVIRQ_EINVAL for a bad config; PVIRQ_ENOSPC if the
 *         allocation failed.
 */
PVIRQ_API int pvirq_vm_create(const struct pvirq_config *cfg, struct pvirq_vm **out);

/** @brief Frees a VM made by pvirq_vm_create(). NULL is ignored. */
PVIRQ_API void pvirq_vm_destroy(struct pvirq_vm *vm);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_HOSTED_H */
