/* SPDX-License-Identifier: MIT */
/*
 * The snapshot byte format, versions 1, 2 and 3 (docs/snapshot.md is the
 * spec; keep the two in step). Private to src/core; not installed.
 *
 *   header      48 bytes
 *   VCPU section header 16 bytes, then nr_vcpus records of record_bytes
 *   RVID section header 16 bytes, then nr_rvid_inputs entries of 8 bytes
 *   version 3 only: PAGE, PRIO and INPT sections, in this order
 *   versions 2 and 3: further sections, each a 16-byte header and
 *     record_bytes * nr_records bytes (a multiple of 8)
 *   trailer      4 bytes: CRC-32C of every byte before it
 *
 * Version 2 differs from version 1 in two fields only: the section
 * header's fourth word, reserved (0) in version 1, holds section flags,
 * and the header's section count may exceed 2. A section without
 * SNAP_SEC_OPTIONAL must be understood: a reader that does not know its
 * tag refuses the snapshot (PVIRQ_EVERSION); an optional section it does
 * not know it skips. This lets later releases add state (shared-state
 * page registration, level rVID inputs, priority classes) as new sections
 * that older readers skip where that is safe and refuse where it is not.
 *
 * Version 3 is version 2 with the state of ABI 0.4 (shared-state pages,
 * priority classes, level rVID inputs): three must-understand sections
 * that every version 3 snapshot has, right after the rVID table, and bit 0
 * of the header flags (the VM has an NMI line), reserved in versions 1
 * and 2. A version 1 or 2 snapshot restores as the reset value of that
 * state: no page, every class 0, floor 0, every input edge-triggered.
 *
 * Every integer is little-endian and written byte by byte, so the bytes
 * are the same on every host. Bitmaps put INTID n at bit n % 8 of byte
 * n / 8 and are padded with zero bits to a multiple of 64 bits, so every
 * section starts 8-byte aligned relative to the snapshot start.
 */
#ifndef PVIRQ_CORE_SNAPSHOT_FORMAT_H
#define PVIRQ_CORE_SNAPSHOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "pvirq/vm.h"

/* The first 8 bytes of every snapshot (no terminating NUL is stored). */
#define SNAP_MAGIC "PVIRQSNP"
#define SNAP_MAGIC_LEN 8u

/* Header field offsets. */
#define SNAP_HDR_MAGIC 0u	    /* 8 bytes "PVIRQSNP"            */
#define SNAP_HDR_VERSION 8u	    /* u32 format version            */
#define SNAP_HDR_HEADER_BYTES 12u   /* u32 size of this header (48)  */
#define SNAP_HDR_TOTAL_BYTES 16u    /* u64 size of the whole snapshot */
#define SNAP_HDR_NR_VCPUS 24u	    /* u32                           */
#define SNAP_HDR_NR_TRUSTED 28u	    /* u32 T                         */
#define SNAP_HDR_NR_UNTRUSTED 32u   /* u32 U                         */
#define SNAP_HDR_NR_RVID_INPUTS 36u /* u32                           */
#define SNAP_HDR_NR_SECTIONS 40u    /* u32, 2 in v1, >= 2 in v2, >= 5 in v3 */
#define SNAP_HDR_FLAGS 44u	    /* u32, v1/v2: 0; v3: SNAP_FLAG_*  */
#define SNAP_HEADER_BYTES 48u

/* Header flag (v3): the VM was configured with an NMI line
 * (pvirq_config.nmi_line). Configuration, like the counts: restore into a
 * VM without one is PVIRQ_ECONFIG. */
#define SNAP_FLAG_NMI_LINE 1u

/* Section header field offsets (relative to the section start). */
#define SNAP_SEC_TAG 0u		 /* u32 four ASCII characters            */
#define SNAP_SEC_RECORD_BYTES 4u /* u32 size of one record               */
#define SNAP_SEC_NR_RECORDS 8u	 /* u32 number of records                */
#define SNAP_SEC_FLAGS 12u	 /* u32, v1: reserved 0; v2: SNAP_SEC_*  */
#define SNAP_SECTION_BYTES 16u
#define SNAP_NR_SECTIONS 2u    /* the sections every version has */
#define SNAP_NR_SECTIONS_V3 5u /* ... and every version 3 snapshot */

/* Section flag (v2): a reader that does not know the tag may skip it. */
#define SNAP_SEC_OPTIONAL 1u

/* Tags: the ASCII bytes "VCPU", "RVID", "PAGE", "PRIO" and "INPT" read
 * as little-endian u32. */
#define SNAP_TAG_VCPU 0x55504356u
#define SNAP_TAG_RVID 0x44495652u
#define SNAP_TAG_PAGE 0x45474150u
#define SNAP_TAG_PRIO 0x4F495250u
#define SNAP_TAG_INPT 0x54504E49u

/* vCPU record field offsets (relative to the record start). */
#define SNAP_VCPU_CPU_ID 0u  /* u64 architectural CPU id                  */
#define SNAP_VCPU_FLAGS 8u   /* u32 bit 0: instance enabled; others 0    */
#define SNAP_VCPU_CURSOR 12u /* u32 acknowledge cursor, < T + U          */
#define SNAP_VCPU_MAPS 16u   /* pending map, masked map, level map       */
#define SNAP_VCPU_ENABLED 1u

/* rVID entry (u64): bit 63 valid, bits 47..32 INTID, bits 31..0 vCPU
 * index; every other bit 0, and an unmapped entry is all zero. */
#define SNAP_RVID_VALID (1ull << 63)
#define SNAP_RVID_INTID_SHIFT 32u
#define SNAP_RVID_INTID_MASK 0xFFFFull
#define SNAP_RVID_RESERVED 0x7FFF000000000000ull
#define SNAP_RVID_ENTRY_BYTES 8u

/* PAGE record (v3), one per vCPU: the shared-state page. */
#define SNAP_PAGE_GPA 0u       /* u64 guest-physical address, 0 if none  */
#define SNAP_PAGE_FLAGS 8u     /* u32 bit 0: shared; others 0           */
#define SNAP_PAGE_RESERVED 12u /* u32 0                                 */
#define SNAP_PAGE_RECORD_BYTES 16u
#define SNAP_PAGE_SHARED 1u

/* PRIO record (v3), one per vCPU: floor, the acknowledge cursors of
 * classes 1..3 (class 0's is the VCPU record's cursor field), whether the
 * instance honours its classes, then the low and the high bit of every
 * INTID's class as two INTID bitmaps. */
#define SNAP_PRIO_FLOOR 0u     /* u32 < PVIRQ_PRIORITY_CLASSES                */
#define SNAP_PRIO_CURSORS 4u   /* u32 x 3: cursor of class 1, 2, 3; < T + U   */
#define SNAP_PRIO_FLAGS 16u    /* u32 SNAP_PRIO_IN_USE; other bits 0          */
#define SNAP_PRIO_RESERVED 20u /* u32 0                                       */
#define SNAP_PRIO_MAPS 24u     /* class bit 0 map, class bit 1 map           */
/* The instance honours its class words and floor: set by its first
 * priority call (until then every INTID acts as class 0 under floor 0,
 * whatever a shared page holds), cleared by reset. Guest-visible, so
 * saved, not derived. */
#define SNAP_PRIO_IN_USE 1u

/* INPT section (v3): two records of one bitmap over the rVID inputs each
 * (input n at bit n % 8 of byte n / 8, padded to 64 bits): which inputs
 * are level-triggered, and which of those have their level high. */
#define SNAP_INPT_NR_RECORDS 2u

#define SNAP_TRAILER_BYTES 4u

/* Where everything is, for one configuration. Computed from counts that
 * passed pvirq_config_check()'s limits, so nothing here can overflow
 * (the largest snapshot is about 6 MiB). */
struct snap_shape {
	uint32_t nr_vcpus;
	uint32_t nr_trusted;
	uint32_t nr_untrusted;
	uint32_t nr_intids;
	uint32_t nr_rvid_inputs;
	uint32_t intid_map_bytes;   /* pending or masked map: T+U bits, padded */
	uint32_t nr_level_lines;    /* min(T, PVIRQ_MAX_LEVEL_LINES) */
	uint32_t level_map_bytes;   /* level map: nr_level_lines bits, padded */
	uint32_t record_bytes;	    /* one vCPU record */
	uint32_t prio_record_bytes; /* v3: one PRIO record */
	uint32_t input_map_bytes;   /* v3: nr_rvid_inputs bits, padded */
	size_t vcpus_at;	    /* first vCPU record */
	size_t rvid_at;		    /* first rVID entry */
	size_t pages_at;	    /* v3: first PAGE record */
	size_t prio_at;		    /* v3: first PRIO record */
	size_t inputs_at;	    /* v3: the level-triggered input map */
	size_t extensions_at;	    /* first section after the version's own */
	size_t crc_at;		    /* trailer, when there are no further sections */
	size_t total;		    /* whole snapshot, ditto */
};

static inline uint32_t snap_map_bytes(uint32_t bits)
{
	return (bits + 63u) / 64u * 8u;
}

/* @version: 1, 2 or 3 (versions 1 and 2 have the same shape). */
static inline void snap_shape_of(struct snap_shape *s, uint32_t version, uint32_t nr_vcpus,
				 uint32_t nr_trusted, uint32_t nr_untrusted,
				 uint32_t nr_rvid_inputs)
{
	s->nr_vcpus = nr_vcpus;
	s->nr_trusted = nr_trusted;
	s->nr_untrusted = nr_untrusted;
	s->nr_intids = nr_trusted + nr_untrusted;
	s->nr_rvid_inputs = nr_rvid_inputs;
	s->intid_map_bytes = snap_map_bytes(s->nr_intids);
	s->nr_level_lines = nr_trusted < PVIRQ_MAX_LEVEL_LINES ? nr_trusted : PVIRQ_MAX_LEVEL_LINES;
	s->level_map_bytes = snap_map_bytes(s->nr_level_lines);
	s->record_bytes = SNAP_VCPU_MAPS + 2u * s->intid_map_bytes + s->level_map_bytes;
	s->vcpus_at = SNAP_HEADER_BYTES + SNAP_SECTION_BYTES;
	s->rvid_at = s->vcpus_at + (size_t)nr_vcpus * s->record_bytes + SNAP_SECTION_BYTES;
	s->prio_record_bytes = SNAP_PRIO_MAPS + 2u * s->intid_map_bytes;
	s->input_map_bytes = snap_map_bytes(nr_rvid_inputs);
	s->pages_at = s->rvid_at + (size_t)nr_rvid_inputs * SNAP_RVID_ENTRY_BYTES;
	s->extensions_at = s->pages_at;
	if (version >= 3u) {
		s->pages_at += SNAP_SECTION_BYTES;
		s->prio_at = s->pages_at + (size_t)nr_vcpus * SNAP_PAGE_RECORD_BYTES +
			     SNAP_SECTION_BYTES;
		s->inputs_at =
			s->prio_at + (size_t)nr_vcpus * s->prio_record_bytes + SNAP_SECTION_BYTES;
		s->extensions_at = s->inputs_at + SNAP_INPT_NR_RECORDS * s->input_map_bytes;
	} else {
		s->prio_at = s->inputs_at = s->extensions_at;
	}
	s->crc_at = s->extensions_at;
	s->total = s->crc_at + SNAP_TRAILER_BYTES;
}

/* --- little-endian codec: byte by byte, whatever the host ----------- */

static inline void snap_put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4u; i++)
		p[i] = (uint8_t)(v >> (8u * i));
}

static inline void snap_put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8u; i++)
		p[i] = (uint8_t)(v >> (8u * i));
}

static inline uint32_t snap_get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4u; i++)
		v |= (uint32_t)p[i] << (8u * i);
	return v;
}

static inline uint64_t snap_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8u; i++)
		v |= (uint64_t)p[i] << (8u * i);
	return v;
}

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF): the iSCSI/ext4/btrfs checksum. */
uint32_t pvirq__crc32c(const uint8_t *p, size_t len);

#endif /* PVIRQ_CORE_SNAPSHOT_FORMAT_H */
