/* SPDX-License-Identifier: MIT */
/**
 * @file version.h
 * @brief Compile-time and run-time version of the library.
 */
#ifndef PVIRQ_VERSION_H
#define PVIRQ_VERSION_H

#include "common.h"

/** @defgroup version Library version
 *  @{ */

#define PVIRQ_VERSION_MAJOR 0 /**< Incompatible API changes. */
#define PVIRQ_VERSION_MINOR 1 /**< Compatible additions. */
#define PVIRQ_VERSION_PATCH 0 /**< Fixes only. */

/** Version as one integer: major << 16 | minor << 8 | patch. */
#define PVIRQ_VERSION \
	((PVIRQ_VERSION_MAJOR << 16) | (PVIRQ_VERSION_MINOR << 8) | PVIRQ_VERSION_PATCH)

PVIRQ_BEGIN_DECLS

/**
 * @brief Version of the library actually linked, encoded as PVIRQ_VERSION.
 * Compare with PVIRQ_VERSION to detect a header/library mismatch.
 * Thread-safe, cannot fail.
 */
PVIRQ_API uint32_t pvirq_version(void);

PVIRQ_END_DECLS

/** @} */

#endif /* PVIRQ_VERSION_H */
