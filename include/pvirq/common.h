/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Definitions shared by every libpvirq header: linkage, visibility
 *        and the host API's error codes.
 *
 * Host-API functions return 0 (PVIRQ_OK) or a negative `PVIRQ_E*` code.
 * Guest-visible status words (SMCCC/SBI/x86 encodings) exist only in the
 * hypercall decoders, never here.
 */
#ifndef PVIRQ_COMMON_H
#define PVIRQ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PVIRQ_BEGIN_DECLS extern "C" {
#define PVIRQ_END_DECLS }
#else
#define PVIRQ_BEGIN_DECLS
#define PVIRQ_END_DECLS
#endif

/** Marks a symbol exported from the shared library. */
#if defined(PVIRQ_BUILDING_SHARED) && defined(__GNUC__)
#define PVIRQ_API __attribute__((visibility("default")))
#else
#define PVIRQ_API
#endif

/** Alignment, in bytes, that pvirq_vm_init() requires of caller memory. */
#define PVIRQ_CACHE_LINE 64u

PVIRQ_BEGIN_DECLS

/**
 * @defgroup errors Error codes
 * @brief Negative return values of the host API.
 * @{
 */
enum pvirq_error {
	PVIRQ_OK = 0,	   /**< Success. */
	PVIRQ_EINVAL = -1, /**< Malformed argument: NULL pointer, bad config, misaligned memory. */
	PVIRQ_EVCPU = -2,  /**< vCPU index out of range, or no vCPU has that CPU id. */
	PVIRQ_EINTID =
		-3, /**< INTID outside the instance, or of the wrong class (trusted/untrusted). */
	PVIRQ_EDISABLED = -4,  /**< Target instance disabled: the injection was dropped. */
	PVIRQ_ENOINTR = -5,    /**< Acknowledge found nothing deliverable (spurious). */
	PVIRQ_EINPUT = -6,     /**< rVID input number out of range. */
	PVIRQ_EUNMAPPED = -7,  /**< rVID input not mapped: the injection was ignored. */
	PVIRQ_ENOSPC = -8,     /**< Caller buffer too small. */
	PVIRQ_ETRUNCATED = -9, /**< Snapshot shorter than its header says. */
	PVIRQ_EMAGIC = -10,    /**< Not a libpvirq snapshot. */
	PVIRQ_EVERSION = -11,  /**< Snapshot format version not supported. */
	PVIRQ_ECHECKSUM = -12, /**< Snapshot checksum mismatch. */
	PVIRQ_ECONFIG = -13,   /**< Snapshot taken from a VM with another configuration. */
	PVIRQ_ECORRUPT = -14,  /**< Snapshot internally inconsistent. */
	PVIRQ_EADDRESS = -15,  /**< MSI written to an address that is not the doorbell. */
	PVIRQ_ENOSYS = -16, /**< Hypercall not in libpvirq's ranges: the hypervisor handles it. */
};
/** @} */

/**
 * @brief Human-readable name of an error code.
 * @param err a value returned by the host API.
 * @return a static string; "unknown error" for values that are not codes.
 * Thread-safe: reads constant data only.
 */
PVIRQ_API const char *pvirq_strerror(int err);

PVIRQ_END_DECLS

#endif /* PVIRQ_COMMON_H */
