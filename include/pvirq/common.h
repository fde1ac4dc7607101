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

/**
 * @def PVIRQ_BEGIN_DECLS
 * Opens an `extern "C"` block when compiled as C++; empty in C.
 * @def PVIRQ_END_DECLS
 * Closes the block PVIRQ_BEGIN_DECLS opened.
 */
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
/** Host-API status: PVIRQ_OK or a negative code. */
enum pvirq_error {
	/** Success. */
	PVIRQ_OK = 0,
	/** Malformed argument: NULL pointer, bad config, misaligned memory. */
	PVIRQ_EINVAL = -1,
	/** vCPU index out of range, or no vCPU has that CPU id. */
	PVIRQ_EVCPU = -2,
	/** INTID outside the instance, or of the wrong class (trusted/untrusted). */
	PVIRQ_EINTID = -3,
	/** Target instance disabled: the injection was dropped. */
	PVIRQ_EDISABLED = -4,
	/** Acknowledge found nothing deliverable (spurious). */
	PVIRQ_ENOINTR = -5,
	/** rVID input number out of range. */
	PVIRQ_EINPUT = -6,
	/** rVID input not mapped: the injection was ignored. */
	PVIRQ_EUNMAPPED = -7,
	/** Caller buffer too small. */
	PVIRQ_ENOSPC = -8,
	/** Snapshot shorter than its header says. */
	PVIRQ_ETRUNCATED = -9,
	/** Not a libpvirq snapshot. */
	PVIRQ_EMAGIC = -10,
	/** Snapshot format version not supported. */
	PVIRQ_EVERSION = -11,
	/** Snapshot checksum mismatch. */
	PVIRQ_ECHECKSUM = -12,
	/** Snapshot taken from a VM with another configuration. */
	PVIRQ_ECONFIG = -13,
	/** Snapshot internally inconsistent. */
	PVIRQ_ECORRUPT = -14,
	/** MSI written to an address that is not the doorbell. */
	PVIRQ_EADDRESS = -15,
	/** Hypercall not in libpvirq's ranges: the hypervisor handles it. */
	PVIRQ_ENOSYS = -16,
	/** rVID MAP onto a (vCPU, INTID) that another input is mapped to. */
	PVIRQ_EBUSY = -17,
	/** The call needs the vCPU's instance disabled (sharing its state page). */
	PVIRQ_EENABLED = -18,
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
