/* SPDX-License-Identifier: MIT */
/**
 * @file shared_state.h
 * @brief Layout of the shared-state page (ABI 0.4, PVIRQ_ABI_FEATURE_SHARED_STATE):
 *        an rVIC instance's words in guest memory.
 *
 * After RVIC_SHARE_STATE(gpa) the instance's words live in the guest page
 * at gpa, and host and guest update them with the same single-word atomic
 * read-modify-writes. With n = (T + U) / 32 (INFO keys 0 and 1), the page
 * holds little-endian 64-bit words:
 *
 * | words     | what                                                        |
 * |-----------|-------------------------------------------------------------|
 * | [0, n)    | state: INTID 32i+k is pending at bit 2k, masked at 2k+1 of word i |
 * | [n, 2n)   | priority class of INTID 32i+k in bits 2k..2k+1 of word n+i  |
 * | 2n        | priority floor (bits 1..0): classes below it are held off   |
 * | the rest  | reserved: the host neither reads nor writes it              |
 *
 * Every access by either side is a naturally aligned 64-bit atomic access,
 * sequentially consistent (x86 LOCK-prefixed or plain MOV/XCHG; arm64
 * LDAR/STLR/LDADDAL/CASAL or exclusives with DMB; riscv64 AMO*.aqrl and
 * LR/SC.aqrl). What the guest may do without a trap is in
 * docs/spec/pvirq-abi.md ("Shared-state page"); everything else is a call.
 *
 * This header needs only common.h (freestanding <stdint.h>, <stddef.h>,
 * <stdbool.h>), so guest kernels can include it as it is.
 */
#ifndef PVIRQ_SHARED_STATE_H
#define PVIRQ_SHARED_STATE_H

#include "common.h"

/** Size and alignment of the shared-state page in bytes. */
#define PVIRQ_SHARED_STATE_SIZE 4096u

/** Number of priority classes. Class 0 is the reset value and the lowest. */
#define PVIRQ_PRIORITY_CLASSES 4u
/** The NMI class (highest): delivered on the NMI line where the VM has one
 *  (PVIRQ_ABI_FEATURE_NMI), acknowledged with RVIC_ACKNOWLEDGE_NMI. */
#define PVIRQ_PRIORITY_NMI 3u

/** Index of the state word of INTIDs [32i, 32i+32), in 64-bit words. */
#define PVIRQ_SHARED_STATE_WORD(n, i) (i)
/** Index of the class word of INTIDs [32i, 32i+32). @p n = (T + U) / 32. */
#define PVIRQ_SHARED_CLASS_WORD(n, i) ((n) + (i))
/** Index of the priority floor word. @p n = (T + U) / 32. */
#define PVIRQ_SHARED_FLOOR_WORD(n) (2u * (n))
/** Number of words the host uses in the page. */
#define PVIRQ_SHARED_WORDS(n) (2u * (n) + 1u)

/** Pending bit of @p intid in its state word. */
#define PVIRQ_SHARED_PENDING(intid) (1ull << (2u * ((intid) % 32u)))
/** Masked bit of @p intid in its state word. */
#define PVIRQ_SHARED_MASKED(intid) (2ull << (2u * ((intid) % 32u)))
/** Class of @p intid in its class word @p w. */
#define PVIRQ_SHARED_CLASS_OF(w, intid) ((uint32_t)((w) >> (2u * ((intid) % 32u))) & 3u)

#endif /* PVIRQ_SHARED_STATE_H */
