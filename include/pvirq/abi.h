/* SPDX-License-Identifier: MIT */
/**
 * @file abi.h
 * @brief The guest-visible hypercall ABI, declared once as data, and the
 *        architecture-neutral dispatch of decoded calls.
 *
 * Every architecture binding (arm64 SMCCC, x86_64 VMCALL/port I/O, riscv64
 * SBI) carries the same call set with the same numbers. The set is the
 * X-macro PVIRQ_ABI_CALLS below: each row gives the part (rVIC = trusted,
 * rVID = untrusted), the call's number n and the kind of each of its three
 * arguments. The decoders and pvirq_abi_dispatch() are generated from, or
 * driven by, that one table, so the bindings cannot drift apart.
 *
 * Flow: an arch decoder (include/pvirq/arch/ARCH.h) turns registers into a
 * struct pvirq_abi_call, pvirq_abi_dispatch() validates the arguments
 * against the table, calls the core host API and fills a struct
 * pvirq_abi_result, and the decoder encodes that back into registers.
 *
 * Split trust: every call belongs to one part (struct pvirq_abi_call.part,
 * pvirq_abi_call_desc.part). A split-mode hypervisor decodes in its trusted
 * component and forwards calls whose part is PVIRQ_ABI_PART_RVID to the
 * untrusted side, which runs pvirq_abi_dispatch() itself. Nothing reachable
 * through an rVID call can make a trusted INTID pending (see rvid.h).
 *
 * The normative description for guest authors is docs/spec/pvirq-abi.md.
 */
#ifndef PVIRQ_ABI_H
#define PVIRQ_ABI_H

#include "vm.h"

/** @defgroup abi Hypercall ABI
 *  @{ */

/** ABI version reported by VERSION: major.minor = 0.4. 0.3 is the 2020
 *  reference's (its Linux driver refuses anything older and runs on every
 *  0.x after it); 0.4 adds RVIC_RESET, the shared-state page, level rVID
 *  inputs and priority classes, each behind its PVIRQ_ABI_FEATURE_* bit. */
#define PVIRQ_ABI_VERSION_MAJOR 0u
/** @copydoc PVIRQ_ABI_VERSION_MAJOR */
#define PVIRQ_ABI_VERSION_MINOR 4u
/** The VERSION value: major << 16 | minor. */
#define PVIRQ_ABI_VERSION ((PVIRQ_ABI_VERSION_MAJOR << 16) | PVIRQ_ABI_VERSION_MINOR)

/** First function ID of the rVIC range (SMCCC fast SMC64, owner 5): +n. */
#define PVIRQ_ABI_RVIC_BASE 0xC5000200u
/** First function ID of the rVID range: +n. */
#define PVIRQ_ABI_RVID_BASE 0xC5000100u
/** Each range holds 256 function numbers; unknown ones are NOT_SUPPORTED. */
#define PVIRQ_ABI_RANGE_SIZE 0x100u

/** x86_64 port-I/O doorbell: the guest executes `outl %eax, %dx` with
 *  DX = this port (binding in arch/x86_64.h). */
#define PVIRQ_X86_IO_PORT 0x0A50u
/** x86_64 vector the hypervisor injects when a vCPU's line is high, unless
 *  the VMM chose another (the guest reads INFO(UPCALL_VECTOR)). */
#define PVIRQ_X86_UPCALL_VECTOR_DEFAULT 0xF3u
/** riscv64 SBI extension ID of the rVIC (experimental range, "RVC"). */
#define PVIRQ_RISCV_EID_RVIC 0x08525643u
/** riscv64 SBI extension ID of the rVID ("RVD"). */
#define PVIRQ_RISCV_EID_RVID 0x08525644u

/** Number of argument registers a call may use. */
#define PVIRQ_ABI_MAX_ARGS 3u

/** Which part of the controller a call belongs to. */
enum pvirq_abi_part {
	/** rVIC: per-vCPU instance, the trusted part. */
	PVIRQ_ABI_PART_RVIC = 0,
	/** rVID: the distributor, the untrusted part. */
	PVIRQ_ABI_PART_RVID = 1,
};

/** What an argument register holds; decides how it is checked. */
enum pvirq_abi_arg {
	/** Unused: ignored, whatever its value (SMCCC callers leave junk). */
	PVIRQ_ABI_ARG_NONE = 0,
	/** INFO key (enum pvirq_abi_info_key). Unknown: ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_KEY,
	/** Architectural CPU id of a vCPU. Unknown: INVALID_CPU. */
	PVIRQ_ABI_ARG_TARGET,
	/** Any INTID of the instance, [0, T+U). Else ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_INTID,
	/** A trusted INTID, [0, T). Else ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_INTID_TRUSTED,
	/** An untrusted INTID, [T, T+U). Else ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_INTID_UNTRUSTED,
	/** rVID input number, [0, nr_rvid_inputs). Else ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_INPUT,
	/** Guest-physical address of a page: PVIRQ_SHARED_STATE_SIZE aligned
	 *  and accepted by the VMM's guest_page() (guest RAM). Else
	 *  ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_PAGE,
	/** Priority class, [0, PVIRQ_PRIORITY_CLASSES); PVIRQ_PRIORITY_NMI
	 *  only if the VM has an NMI line. Else ERROR_PARAMETER. */
	PVIRQ_ABI_ARG_CLASS,
};

/**
 * The call set, once. X(part, NAME, n, arg0, arg1, arg2, returns_value).
 * Function ID on arm64 and x86_64: PVIRQ_ABI_<part>_BASE + n; riscv64:
 * EID of the part, FID = n.
 */
#define PVIRQ_ABI_CALLS(X)                                   \
	X(RVIC, VERSION, 0, NONE, NONE, NONE, 1)             \
	X(RVIC, INFO, 1, KEY, NONE, NONE, 1)                 \
	X(RVIC, ENABLE, 2, NONE, NONE, NONE, 0)              \
	X(RVIC, DISABLE, 3, NONE, NONE, NONE, 0)             \
	X(RVIC, SET_MASKED, 4, TARGET, INTID, NONE, 0)       \
	X(RVIC, CLEAR_MASKED, 5, TARGET, INTID, NONE, 0)     \
	X(RVIC, IS_PENDING, 6, TARGET, INTID, NONE, 1)       \
	X(RVIC, SIGNAL, 7, TARGET, INTID, NONE, 0)           \
	X(RVIC, CLEAR_PENDING, 8, TARGET, INTID, NONE, 0)    \
	X(RVIC, ACKNOWLEDGE, 9, NONE, NONE, NONE, 1)         \
	X(RVIC, RESAMPLE, 10, INTID_TRUSTED, NONE, NONE, 0)  \
	X(RVIC, RESET, 11, NONE, NONE, NONE, 0)              \
	X(RVIC, SHARE_STATE, 12, PAGE, NONE, NONE, 0)        \
	X(RVIC, UNSHARE_STATE, 13, NONE, NONE, NONE, 0)      \
	X(RVIC, SET_PRIORITY, 14, TARGET, INTID, CLASS, 0)   \
	X(RVIC, SET_PRIORITY_MASK, 15, CLASS, NONE, NONE, 0) \
	X(RVIC, ACKNOWLEDGE_NMI, 16, NONE, NONE, NONE, 1)    \
	X(RVID, VERSION, 0, NONE, NONE, NONE, 1)             \
	X(RVID, MAP, 1, INPUT, TARGET, INTID_UNTRUSTED, 0)   \
	X(RVID, UNMAP, 2, INPUT, NONE, NONE, 0)              \
	X(RVID, RESAMPLE, 3, INPUT, NONE, NONE, 0)

/** Function numbers n within each part: PVIRQ_FN_RVIC_VERSION, ... */
enum pvirq_abi_fn {
#define PVIRQ_ABI_X_FN(part, name, n, a0, a1, a2, ret) PVIRQ_FN_##part##_##name = (n),
	PVIRQ_ABI_CALLS(PVIRQ_ABI_X_FN)
#undef PVIRQ_ABI_X_FN
};

/** 32-bit function ID on arm64 and x86_64 of a call, e.g.
 *  PVIRQ_ABI_ID(RVIC, SIGNAL) == 0xC5000207. A constant expression. */
#define PVIRQ_ABI_ID(part, name) ((uint32_t)(PVIRQ_ABI_##part##_BASE + PVIRQ_FN_##part##_##name))

/** Dense index of every call in the table: PVIRQ_CALL_RVIC_VERSION, ... */
enum pvirq_abi_call_index {
#define PVIRQ_ABI_X_INDEX(part, name, n, a0, a1, a2, ret) PVIRQ_CALL_##part##_##name,
	PVIRQ_ABI_CALLS(PVIRQ_ABI_X_INDEX)
#undef PVIRQ_ABI_X_INDEX
	/** Number of calls in the table. */
	PVIRQ_ABI_NR_CALLS
};

/** Keys of RVIC_INFO. */
enum pvirq_abi_info_key {
	/** T: number of trusted INTIDs, [0, T). */
	PVIRQ_ABI_INFO_NR_TRUSTED = 0,
	/** U: number of untrusted INTIDs, [T, T+U). */
	PVIRQ_ABI_INFO_NR_UNTRUSTED = 1,
	/** Bitmap of PVIRQ_ABI_FEATURE_* (extension discovery). 0 in 0.3,
	 *  PVIRQ_ABI_FEATURES from 0.4. A pre-libpvirq implementation answers
	 *  ERROR_PARAMETER: no features. */
	PVIRQ_ABI_INFO_FEATURES = 2,
	/** Number of rVID inputs (for guests without firmware tables). */
	PVIRQ_ABI_INFO_NR_RVID_INPUTS = 3,
	/** x86_64 only: the upcall vector the hypervisor injects. Bindings
	 *  without one answer ERROR_PARAMETER. */
	PVIRQ_ABI_INFO_UPCALL_VECTOR = 4,
};

/** Features reported by INFO(PVIRQ_ABI_INFO_FEATURES): none defined in
 *  0.3; bits are only ever added, each with the VERSION minor that
 *  introduced it. */
#define PVIRQ_ABI_FEATURES_0_3 0ull
/** 0.4: RVIC_RESET (rVIC call 11) resets the caller's own instance in one
 *  call: every INTID masked, and pending only where a level line is high. */
#define PVIRQ_ABI_FEATURE_RESET 0x1ull
/** 0.4: RVIC_SHARE_STATE / RVIC_UNSHARE_STATE (rVIC 12, 13): the
 *  instance's state words live in a guest page, so acknowledge and end of
 *  interrupt can be done with atomic instructions and no trap
 *  (shared_state.h). */
#define PVIRQ_ABI_FEATURE_SHARED_STATE 0x2ull
/** 0.4: level-triggered rVID inputs; RVID_RESAMPLE (rVID 3) is the end of
 *  interrupt of a level input. */
#define PVIRQ_ABI_FEATURE_LEVEL_INPUTS 0x4ull
/** 0.4: priority classes: RVIC_SET_PRIORITY, RVIC_SET_PRIORITY_MASK
 *  (rVIC 14, 15); acknowledge takes the highest class first. */
#define PVIRQ_ABI_FEATURE_PRIORITY 0x8ull
/** 0.4: the NMI class (PVIRQ_PRIORITY_NMI) and RVIC_ACKNOWLEDGE_NMI (rVIC
 *  16). Reported only when the VMM gave the VM an NMI line
 *  (pvirq_config.nmi_line: x86 NMI injection). */
#define PVIRQ_ABI_FEATURE_NMI 0x10ull
/** What INFO(PVIRQ_ABI_INFO_FEATURES) reports in this version, without
 *  PVIRQ_ABI_FEATURE_NMI (which depends on the VM). */
#define PVIRQ_ABI_FEATURES                                          \
	(PVIRQ_ABI_FEATURE_RESET | PVIRQ_ABI_FEATURE_SHARED_STATE | \
	 PVIRQ_ABI_FEATURE_LEVEL_INPUTS | PVIRQ_ABI_FEATURE_PRIORITY)

/** Reason byte of a status word (bits 7:0). */
enum pvirq_abi_reason {
	PVIRQ_ABI_SUCCESS = 0,	       /**< Done. */
	PVIRQ_ABI_ERROR_PARAMETER = 1, /**< Argument at `index` out of range. */
	PVIRQ_ABI_INVALID_CPU = 2,     /**< Target at `index` names no vCPU. */
	PVIRQ_ABI_DISABLED = 3,	       /**< The instance involved is disabled. */
	PVIRQ_ABI_NO_INTERRUPTS = 4,   /**< ACKNOWLEDGE found nothing (spurious). */
	/** The call needs the caller's instance disabled (SHARE_STATE,
	 *  UNSHARE_STATE while enabled). */
	PVIRQ_ABI_ENABLED = 5,
	/** Unknown function inside a range; on the wire the status word is
	 *  PVIRQ_ABI_STATUS_NOT_SUPPORTED (-1), never this value. */
	PVIRQ_ABI_NOT_SUPPORTED = 0xFF,
};

/** Status word of an unknown function (SMCCC NOT_SUPPORTED). */
#define PVIRQ_ABI_STATUS_NOT_SUPPORTED (-1ll)
/** Builds a status word: reason | index << 8. */
#define PVIRQ_ABI_STATUS(reason, index) ((int64_t)(reason) | ((int64_t)(index) << 8))
/** Reason byte of a status word (not meaningful for NOT_SUPPORTED). */
#define PVIRQ_ABI_STATUS_REASON(word) ((uint32_t)((uint64_t)(word)&0xFFu))
/** Zero-based index of the bad argument in a status word. */
#define PVIRQ_ABI_STATUS_INDEX(word) ((uint32_t)(((uint64_t)(word) >> 8) & 0xFFu))

/** Static description of one call (a row of PVIRQ_ABI_CALLS). */
struct pvirq_abi_call_desc {
	const char *name;			     /**< "RVIC_SIGNAL", ... */
	enum pvirq_abi_part part;		     /**< Trusted rVIC or untrusted rVID. */
	uint32_t fn;				     /**< Number n within the part. */
	enum pvirq_abi_arg args[PVIRQ_ABI_MAX_ARGS]; /**< Kind of each argument. */
	bool returns_value;			     /**< Whether `value` means something. */
};

/** A decoded call, independent of the architecture. */
struct pvirq_abi_call {
	enum pvirq_abi_part part;	   /**< Range the function ID was in. */
	uint32_t fn;			   /**< Number within the part (may be unknown). */
	uint64_t args[PVIRQ_ABI_MAX_ARGS]; /**< Raw 64-bit argument registers. */
};

/** The outcome of a call, before the binding encodes it. */
struct pvirq_abi_result {
	uint32_t reason; /**< enum pvirq_abi_reason. */
	uint32_t index;	 /**< Bad argument's index (0 unless a parameter/CPU error). */
	uint64_t value;	 /**< Returned value; 0 when the call has none or failed. */
};

/** What differs between bindings, as data. */
struct pvirq_abi_binding {
	/** Bits a target id may have; a target with other bits set is
	 *  INVALID_CPU before any lookup (arm64: the MPIDR affinity fields). */
	uint64_t target_mask;
	/** Answer of INFO(UPCALL_VECTOR); 0 if the binding has no vector. */
	uint32_t upcall_vector;
};

PVIRQ_BEGIN_DECLS

/**
 * @brief The row of the call table for (@p part, @p fn).
 * @return the description, or NULL if the part has no such call.
 * Pure function on constant data; thread-safe.
 */
PVIRQ_API const struct pvirq_abi_call_desc *pvirq_abi_lookup(enum pvirq_abi_part part, uint64_t fn);

/**
 * @brief The wire status word of @p result: reason | index << 8, or -1
 * (PVIRQ_ABI_STATUS_NOT_SUPPORTED). Pure function.
 */
PVIRQ_API int64_t pvirq_abi_status_word(const struct pvirq_abi_result *result);

/**
 * @brief Executes one decoded call made by vCPU @p vcpu.
 *
 * Checks every argument against its kind in the table, in index order,
 * before changing anything: a 64-bit value that does not fit is rejected,
 * never truncated. A bad target is INVALID_CPU (also for RVID_MAP: one rule
 * for every target argument); any other bad argument is ERROR_PARAMETER;
 * both carry the argument's index. A call that fails changes no state.
 * Unknown @p call->fn: NOT_SUPPORTED. ENABLE, DISABLE, ACKNOWLEDGE and RESET
 * act on the caller's own instance.
 *
 * Concurrency: as the core operation it calls (lock-free, callable from
 * any thread concurrently with any other call); ordering as in rvic.h and
 * rvid.h (sequentially consistent state changes).
 * @param binding what differs per architecture (target mask, vector).
 * @return PVIRQ_OK with @p result filled (whatever the guest-visible
 *         status); PVIRQ_EVCPU if @p vcpu is not a vCPU of @p vm;
 *         PVIRQ_EINVAL for a NULL pointer or an unknown part. On error
 *         @p result is untouched.
 */
PVIRQ_API int pvirq_abi_dispatch(struct pvirq_vm *vm, uint32_t vcpu,
				 const struct pvirq_abi_binding *binding,
				 const struct pvirq_abi_call *call,
				 struct pvirq_abi_result *result);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_ABI_H */
