/* SPDX-License-Identifier: MIT */
/*
 * Every way restore refuses a snapshot, each with its specific error, and
 * each leaving the destination VM's memory byte-for-byte as it was (which
 * covers every observable bit, the summary and the notified flags).
 * Table-driven: one row per rule, the mutation written against the format
 * spec in docs/snapshot.md, the checksum recomputed unless the row is
 * about the checksum. Then exhaustive loops: every truncation, every
 * single-byte corruption, and every single-bit flip with a repaired
 * checksum (through the fuzz target's own property checks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snap_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format offsets, from docs/snapshot.md (independent of the library's). */
enum {
	HDR_VERSION = 8,
	HDR_HEADER_BYTES = 12,
	HDR_TOTAL = 16,
	HDR_NR_VCPUS = 24,
	HDR_NR_TRUSTED = 28,
	HDR_NR_UNTRUSTED = 32,
	HDR_NR_INPUTS = 36,
	HDR_NR_SECTIONS = 40,
	HDR_FLAGS = 44,
	VCPU_SECTION = 48,
	FIRST_RECORD = 64,
};

/* The reference state: T = 64, U = 32 (3 state words: the pending and
 * masked maps have 32 padding bits each), 3 vCPUs, 5 rVID inputs. */
#define NR_VCPUS 3u
#define NR_TRUSTED 64u
#define NR_UNTRUSTED 32u
#define NR_INTIDS (NR_TRUSTED + NR_UNTRUSTED)
#define NR_INPUTS 5u
#define MAP_BYTES 16u  /* 96 bits padded to 128 */
#define LEVEL_BYTES 8u /* 64 bits */
#define RECORD_BYTES (16u + 2u * MAP_BYTES + LEVEL_BYTES)
#define RVID_SECTION (FIRST_RECORD + NR_VCPUS * RECORD_BYTES)
#define FIRST_ENTRY (RVID_SECTION + 16u)
/* Version 3: PAGE (16 bytes per vCPU), PRIO (floor, 3 cursors, reserved
 * and two class maps per vCPU), INPT (trigger map, level map). */
#define PAGE_SECTION (FIRST_ENTRY + NR_INPUTS * 8u)
#define FIRST_PAGE (PAGE_SECTION + 16u)
#define PRIO_SECTION (FIRST_PAGE + NR_VCPUS * 16u)
#define FIRST_PRIO (PRIO_SECTION + 16u)
#define PRIO_BYTES (24u + 2u * MAP_BYTES)
#define INPT_SECTION (FIRST_PRIO + NR_VCPUS * PRIO_BYTES)
#define TRIGGER_MAP (INPT_SECTION + 16u)
#define INPUT_MAP_BYTES 8u /* 5 bits padded to 64 */
#define LEVEL_MAP (TRIGGER_MAP + INPUT_MAP_BYTES)
#define V3_END (LEVEL_MAP + INPUT_MAP_BYTES)
/* The page vCPU 1 shares in the rig. */
#define RIG_PAGE (SNAP_RAM_BASE + 0x1000u)

static const uint64_t cpu_ids[NR_VCPUS] = {0x100, 0x200, 0x10000};

static struct pvirq_config reference_config(void)
{
	return (struct pvirq_config){.nr_vcpus = NR_VCPUS,
				     .nr_trusted = NR_TRUSTED,
				     .nr_untrusted = NR_UNTRUSTED,
				     .nr_rvid_inputs = NR_INPUTS,
				     .cpu_ids = cpu_ids};
}

struct rig {
	unsigned char *snap; /* a valid version 3 snapshot of a busy VM */
	size_t len;
	unsigned char *snap_v2; /* the same VM before its ABI 0.4 state */
	size_t len_v2;
	struct snap_vm dst; /* a VM with other state, and guest RAM */
	unsigned char *image;
	unsigned char *ram_image;
};

static int rig_setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct pvirq_config cfg = reference_config();
	struct snap_vm src;
	struct model m;
	uint64_t rng = 7;

	if (!r || snap_vm_create_ram(&src, &cfg) || model_init(&m, &cfg))
		return -1;
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		pvirq_rvic_enable(src.vm, c);
		model_enable(&m, c);
	}
	if (snap_random_ops(src.vm, &m, &rng, 800))
		return -1;
	pvirq_rvid_map(src.vm, 1, 2, NR_TRUSTED + 3); /* at least one valid entry */
	r->snap_v2 = snap_save_version(src.vm, 2, &r->len_v2);
	/* ABI 0.4 state in every section: vCPU 1's page, classes on every
	 * vCPU, vCPU 2's floor, input 0 level-triggered and high, input 4
	 * level-triggered and low (inputs 1..3 edge). */
	pvirq_rvic_disable(src.vm, 1);
	if (pvirq_rvic_share_state(src.vm, 1, RIG_PAGE) || pvirq_rvic_enable(src.vm, 1) ||
	    pvirq_rvic_set_priority(src.vm, 0, 5, 2) || pvirq_rvic_set_priority(src.vm, 1, 70, 1) ||
	    pvirq_rvic_set_priority(src.vm, 2, NR_INTIDS - 1, 2) ||
	    pvirq_rvic_set_priority_mask(src.vm, 2, 1) || pvirq_rvid_set_trigger(src.vm, 0, true) ||
	    pvirq_rvid_set_trigger(src.vm, 4, true) ||
	    pvirq_rvid_set_level(src.vm, 0, true) == PVIRQ_EINVAL)
		return -1;
	r->snap = snap_save(src.vm, &r->len);
	model_free(&m);
	snap_vm_destroy(&src);

	if (snap_vm_create_ram(&r->dst, &cfg) || model_init(&m, &cfg))
		return -1;
	rng = 99;
	pvirq_rvic_enable(r->dst.vm, 0);
	model_enable(&m, 0);
	if (snap_random_ops(r->dst.vm, &m, &rng, 400))
		return -1;
	model_free(&m);
	/* Its own page (vCPU 2), class and level input. */
	pvirq_rvic_disable(r->dst.vm, 2);
	if (pvirq_rvic_share_state(r->dst.vm, 2, SNAP_RAM_BASE) ||
	    pvirq_rvic_set_priority(r->dst.vm, 0, 9, 1) ||
	    pvirq_rvid_set_trigger(r->dst.vm, 3, true))
		return -1;
	pvirq_vcpu_rearm(r->dst.vm, 1); /* some notified flags differ */
	r->image = snap_vm_image(&r->dst);
	r->ram_image = malloc((size_t)SNAP_RAM_PAGES * 4096u);
	if (!r->ram_image)
		return -1;
	memcpy(r->ram_image, r->dst.ram, (size_t)SNAP_RAM_PAGES * 4096u);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	free(r->snap);
	free(r->snap_v2);
	free(r->image);
	free(r->ram_image);
	snap_vm_destroy(&r->dst);
	free(r);
	return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void fix_crc(unsigned char *p, size_t len)
{
	put32(p + len - 4, snap_crc32c(p, len - 4));
}

/* Restore must return @want and leave the VM's memory unchanged. */
static void expect_refused(struct rig *r, const unsigned char *p, size_t len, int want,
			   const char *what)
{
	int got = pvirq_vm_restore(r->dst.vm, p, len);

	if (got != want)
		fail_msg("%s: restore returned %d (%s), want %d (%s)", what, got,
			 pvirq_strerror(got), want, pvirq_strerror(want));
	if (memcmp(r->image, r->dst.vm, r->dst.footprint) != 0)
		fail_msg("%s: refused, but the VM changed", what);
	if (memcmp(r->ram_image, r->dst.ram, (size_t)SNAP_RAM_PAGES * 4096u) != 0)
		fail_msg("%s: refused, but the guest page changed", what);
}

/* --- one row per rule ------------------------------------------------- */

struct mutation {
	const char *what;
	void (*apply)(unsigned char *p, size_t *len);
	int want;
	bool keep_crc; /* do not repair the checksum afterwards */
	bool v2;       /* mutate the version 2 snapshot, not the version 3 one */
};

static void bad_magic(unsigned char *p, size_t *len)
{
	(void)len;
	p[3] ^= 0x20; /* "PVIrQSNP" */
}
static void version_4(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_VERSION, 4);
}
static void version_0(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_VERSION, 0);
}
static void state_byte_flipped(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_RECORD + 16] ^= 0x04;
}
static void crc_byte_flipped(unsigned char *p, size_t *len)
{
	p[*len - 2] ^= 0x80;
}
static void total_huge(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + HDR_TOTAL, ~0ull); /* must not wrap onto a small length */
}
static void total_short(unsigned char *p, size_t *len)
{
	put64(p + HDR_TOTAL, *len - 8);
}
static void trailing_bytes(unsigned char *p, size_t *len)
{
	(void)p;
	*len += 8; /* caller passes more than the snapshot (buffer has room) */
}
static void header_bytes(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_HEADER_BYTES, 56);
}
static void three_sections(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_SECTIONS, 3);
}
static void header_flags(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_FLAGS, 0x80000000u); /* reserved in every version */
}
static void zero_vcpus(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_VCPUS, 0);
}
static void trusted_not_granule(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_TRUSTED, 48);
}
static void untrusted_overflow(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_UNTRUSTED, 0xFFFFFFE0u); /* T + U wraps in 32 bits */
}
static void counts_disagree_with_length(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_INPUTS, NR_INPUTS + 1); /* possible, but not this length */
}
static void vcpu_tag(unsigned char *p, size_t *len)
{
	(void)len;
	p[VCPU_SECTION] = 'X';
}
static void vcpu_record_bytes(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + VCPU_SECTION + 4, RECORD_BYTES + 8);
}
static void vcpu_count(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + VCPU_SECTION + 8, NR_VCPUS - 1);
}
static void section_reserved(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + VCPU_SECTION + 12, 1);
}
static void rvid_tag(unsigned char *p, size_t *len)
{
	(void)len;
	p[RVID_SECTION + 3] = 'd';
}
static void rvid_count(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + RVID_SECTION + 8, NR_INPUTS + 1);
}
static void vcpu_flags_reserved(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_RECORD + RECORD_BYTES + 8] |= 0x02;
}
static void cursor_at_limit(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_RECORD + 12, NR_INTIDS);
}
static void cursor_huge(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_RECORD + 2 * RECORD_BYTES + 12, 0xFFFFFFFFu);
}
static void pending_beyond_intids(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_RECORD + 16 + NR_INTIDS / 8] |= 0x01; /* INTID 96 */
}
static void masked_beyond_intids(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_RECORD + 16 + MAP_BYTES + MAP_BYTES - 1] |= 0x80; /* INTID 127 */
}
static void duplicate_cpu_ids(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_RECORD + 2 * RECORD_BYTES, cpu_ids[0]);
}
static void rvid_trusted_intid(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_ENTRY, (1ull << 63) | (5ull << 32) | 0); /* IPI-class INTID 5 */
}
static void rvid_intid_too_big(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_ENTRY + 8, (1ull << 63) | ((uint64_t)NR_INTIDS << 32) | 1);
}
static void rvid_vcpu_out_of_range(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_ENTRY + 16, (1ull << 63) | ((uint64_t)NR_TRUSTED << 32) | NR_VCPUS);
}
static void rvid_reserved_bits(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_ENTRY, (1ull << 63) | (1ull << 50) | ((uint64_t)NR_TRUSTED << 32));
}
static void rvid_unmapped_not_zero(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_ENTRY + 24, ((uint64_t)NR_TRUSTED << 32) | 1); /* valid bit clear */
}

/* --- version 2: sections after the rVID table ------------------------ */

#define TAG_FUTURE 0x45525554u /* "TURE": a tag no release knows */
#define SEC_OPTIONAL 1u

/*
 * Inserts a section of @record_bytes * @nr_records zero bytes before the
 * trailer, claiming @claimed payload bytes present, and fixes the header's
 * section count and total length (the rows leave the caller room for up
 * to 48 more bytes).
 */
static void append_section(unsigned char *p, size_t *len, uint32_t tag, uint32_t record_bytes,
			   uint32_t nr_records, uint32_t flags, size_t present)
{
	unsigned char *sec = p + *len - 4;
	uint32_t sections = (uint32_t)p[HDR_NR_SECTIONS] | (uint32_t)p[HDR_NR_SECTIONS + 1] << 8;

	put32(sec, tag);
	put32(sec + 4, record_bytes);
	put32(sec + 8, nr_records);
	put32(sec + 12, flags);
	memset(sec + 16, 0, present);
	*len += 16 + present;
	put32(p + HDR_NR_SECTIONS, sections + 1);
	put64(p + HDR_TOTAL, *len);
}

static void section_must_understand(unsigned char *p, size_t *len)
{
	append_section(p, len, TAG_FUTURE, 8, 2, 0, 16);
}
static void section_unknown_flag(unsigned char *p, size_t *len)
{
	append_section(p, len, TAG_FUTURE, 8, 2, SEC_OPTIONAL | 2u, 16);
}
static void section_repeats_vcpu(unsigned char *p, size_t *len)
{
	append_section(p, len, 0x55504356u /* "VCPU" */, 8, 1, SEC_OPTIONAL, 8);
}
static void section_past_trailer(unsigned char *p, size_t *len)
{
	append_section(p, len, TAG_FUTURE, 8, 8, SEC_OPTIONAL, 16); /* claims 64 */
}
static void section_not_8_aligned(unsigned char *p, size_t *len)
{
	append_section(p, len, TAG_FUTURE, 4, 3, SEC_OPTIONAL, 12);
}
static void section_huge_product(unsigned char *p, size_t *len)
{
	/* 2^32 - 8 times 2^32 - 8 must not wrap onto a small size. */
	append_section(p, len, TAG_FUTURE, 0xFFFFFFF8u, 0xFFFFFFF8u, SEC_OPTIONAL, 8);
}
static void section_repeats_prio(unsigned char *p, size_t *len)
{
	append_section(p, len, 0x4F495250u /* "PRIO" */, 8, 1, SEC_OPTIONAL, 8);
}
static void version_1_with_sections(unsigned char *p, size_t *len)
{
	put32(p + HDR_VERSION, 1);
	append_section(p, len, TAG_FUTURE, 8, 1, SEC_OPTIONAL, 8);
}
/* Unknown must-understand section followed by stray bytes: the layout is
 * checked first, so this is corrupt, not newer. */
static void must_understand_then_garbage(unsigned char *p, size_t *len)
{
	append_section(p, len, TAG_FUTURE, 8, 1, 0, 8);
	put32(p + *len - 4, 0xDEADBEEFu);
	*len += 4;
	put64(p + HDR_TOTAL, *len);
}

/* --- version 3: header, PAGE, PRIO and INPT ---------------------------- */

static void v3_flags_reserved(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_FLAGS, 2);
}
static void v2_nmi_flag(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_FLAGS, 1); /* the NMI line flag means nothing in v2 */
}
static void v3_relabelled_v2(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_VERSION, 2); /* PAGE, PRIO, INPT: unknown, must-understand */
}
static void v3_relabelled_v1(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_VERSION, 1);
}
static void v2_relabelled_v3(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_VERSION, 3); /* two sections where 3 needs five */
}
static void v3_four_sections(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_SECTIONS, 4);
}
static void v3_six_sections(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + HDR_NR_SECTIONS, 6);
}
static void page_tag(unsigned char *p, size_t *len)
{
	(void)len;
	p[PAGE_SECTION] = 'Q';
}
static void page_optional(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + PAGE_SECTION + 12, 1); /* a page must be understood */
}
static void page_record_bytes(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + PAGE_SECTION + 4, 24);
}
static void prio_tag_swapped(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + PRIO_SECTION, 0x54504E49u); /* "INPT" where PRIO belongs */
}
static void prio_record_count(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + PRIO_SECTION + 8, NR_VCPUS - 1);
}
static void inpt_record_bytes(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + INPT_SECTION + 4, 16);
}
static void inpt_record_count(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + INPT_SECTION + 8, 1);
}
static void page_gpa_misaligned(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_PAGE + 16, RIG_PAGE + 8); /* vCPU 1's page */
}
static void page_gpa_half_page(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_PAGE + 16, RIG_PAGE | 0x800);
}
static void page_gpa_without_flag(unsigned char *p, size_t *len)
{
	(void)len;
	put64(p + FIRST_PAGE, RIG_PAGE); /* vCPU 0 shares nothing */
}
static void page_flags_reserved(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PAGE + 16 + 8, 3);
}
static void page_reserved_word(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PAGE + 2 * 16 + 12, 1);
}
static void floor_4(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO, 4);
}
static void floor_huge(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO + 2 * PRIO_BYTES, 0xFFFFFFFFu);
}
static void class1_cursor_at_limit(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO + 4, NR_INTIDS);
}
static void nmi_cursor_huge(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO + PRIO_BYTES + 12, 0xFFFFFFFFu);
}
static void prio_flags_unknown(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO + 16, 3); /* bit 0: classes in use; bit 1: none */
}
static void prio_reserved_word(unsigned char *p, size_t *len)
{
	(void)len;
	put32(p + FIRST_PRIO + 20, 1);
}
static void class_low_beyond_intids(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_PRIO + 24 + NR_INTIDS / 8] |= 0x01; /* INTID 96 */
}
static void class_high_beyond_intids(unsigned char *p, size_t *len)
{
	(void)len;
	p[FIRST_PRIO + 2 * PRIO_BYTES + 24 + 2 * MAP_BYTES - 1] |= 0x80; /* INTID 127 */
}
static void level_on_edge_input(unsigned char *p, size_t *len)
{
	(void)len;
	p[LEVEL_MAP] |= 1u << 2; /* input 2 is edge-triggered */
}
static void trigger_beyond_inputs(unsigned char *p, size_t *len)
{
	(void)len;
	p[TRIGGER_MAP] |= 1u << NR_INPUTS;
}
static void level_padding(unsigned char *p, size_t *len)
{
	(void)len;
	p[LEVEL_MAP + INPUT_MAP_BYTES - 1] |= 0x80;
}
static void section_repeats_prio(unsigned char *p, size_t *len);

static const struct mutation mutations[] = {
	{"wrong magic", bad_magic, PVIRQ_EMAGIC, false, false},
	{"version 4 (newer than this library)", version_4, PVIRQ_EVERSION, false, false},
	{"v3 sections under version 2: unknown, must-understand", v3_relabelled_v2, PVIRQ_EVERSION,
	 false, false},
	{"v3: header flag bit 1", v3_flags_reserved, PVIRQ_ECORRUPT, false, false},
	{"v2: the NMI-line header flag", v2_nmi_flag, PVIRQ_ECORRUPT, false, true},
	{"v3 relabelled version 1", v3_relabelled_v1, PVIRQ_ECORRUPT, false, false},
	{"v2 relabelled version 3: sections missing", v2_relabelled_v3, PVIRQ_ECORRUPT, false,
	 true},
	{"v3: four sections", v3_four_sections, PVIRQ_ECORRUPT, false, false},
	{"v3: six sections, five present", v3_six_sections, PVIRQ_ECORRUPT, false, false},
	{"PAGE tag", page_tag, PVIRQ_ECORRUPT, false, false},
	{"PAGE marked optional", page_optional, PVIRQ_ECORRUPT, false, false},
	{"PAGE record size", page_record_bytes, PVIRQ_ECORRUPT, false, false},
	{"INPT tag where PRIO belongs", prio_tag_swapped, PVIRQ_ECORRUPT, false, false},
	{"PRIO record count", prio_record_count, PVIRQ_ECORRUPT, false, false},
	{"INPT record size", inpt_record_bytes, PVIRQ_ECORRUPT, false, false},
	{"INPT record count", inpt_record_count, PVIRQ_ECORRUPT, false, false},
	{"page address not page aligned", page_gpa_misaligned, PVIRQ_ECORRUPT, false, false},
	{"page address half a page off", page_gpa_half_page, PVIRQ_ECORRUPT, false, false},
	{"page address without the shared flag", page_gpa_without_flag, PVIRQ_ECORRUPT, false,
	 false},
	{"page flags reserved bit", page_flags_reserved, PVIRQ_ECORRUPT, false, false},
	{"page reserved word", page_reserved_word, PVIRQ_ECORRUPT, false, false},
	{"floor 4", floor_4, PVIRQ_ECORRUPT, false, false},
	{"floor 2^32-1", floor_huge, PVIRQ_ECORRUPT, false, false},
	{"class 1 cursor == T+U", class1_cursor_at_limit, PVIRQ_ECORRUPT, false, false},
	{"NMI class cursor 2^32-1", nmi_cursor_huge, PVIRQ_ECORRUPT, false, false},
	{"PRIO flags bit 1", prio_flags_unknown, PVIRQ_ECORRUPT, false, false},
	{"PRIO reserved word", prio_reserved_word, PVIRQ_ECORRUPT, false, false},
	{"class low bit beyond the INTIDs", class_low_beyond_intids, PVIRQ_ECORRUPT, false, false},
	{"class high bit beyond the INTIDs", class_high_beyond_intids, PVIRQ_ECORRUPT, false,
	 false},
	{"level on an edge-triggered input", level_on_edge_input, PVIRQ_ECORRUPT, false, false},
	{"trigger bit beyond the inputs", trigger_beyond_inputs, PVIRQ_ECORRUPT, false, false},
	{"level bit beyond the inputs", level_padding, PVIRQ_ECORRUPT, false, false},
	{"extra section repeats PRIO", section_repeats_prio, PVIRQ_ECORRUPT, false, false},
	{"unknown must-understand section", section_must_understand, PVIRQ_EVERSION, false, false},
	{"version 0", version_0, PVIRQ_EVERSION, false, false},
	{"state byte flipped", state_byte_flipped, PVIRQ_ECHECKSUM, true, false},
	{"checksum byte flipped", crc_byte_flipped, PVIRQ_ECHECKSUM, true, false},
	{"total length 2^64-1", total_huge, PVIRQ_ETRUNCATED, false, false},
	{"total length short", total_short, PVIRQ_ECORRUPT, false, false},
	{"bytes after the snapshot", trailing_bytes, PVIRQ_ECORRUPT, true, false},
	{"header size", header_bytes, PVIRQ_ECORRUPT, false, false},
	{"section count", three_sections, PVIRQ_ECORRUPT, false, false},
	{"header flags", header_flags, PVIRQ_ECORRUPT, false, false},
	{"zero vCPUs", zero_vcpus, PVIRQ_ECORRUPT, false, false},
	{"T not a multiple of 32", trusted_not_granule, PVIRQ_ECORRUPT, false, false},
	{"T + U wraps", untrusted_overflow, PVIRQ_ECORRUPT, false, false},
	{"counts disagree with length", counts_disagree_with_length, PVIRQ_ECORRUPT, false, false},
	{"VCPU section tag", vcpu_tag, PVIRQ_ECORRUPT, false, false},
	{"VCPU record size", vcpu_record_bytes, PVIRQ_ECORRUPT, false, false},
	{"VCPU record count", vcpu_count, PVIRQ_ECORRUPT, false, false},
	{"section reserved word", section_reserved, PVIRQ_ECORRUPT, false, false},
	{"RVID section tag", rvid_tag, PVIRQ_ECORRUPT, false, false},
	{"RVID entry count", rvid_count, PVIRQ_ECORRUPT, false, false},
	{"vCPU flags reserved bit", vcpu_flags_reserved, PVIRQ_ECORRUPT, false, false},
	{"cursor == T+U", cursor_at_limit, PVIRQ_ECORRUPT, false, false},
	{"cursor 2^32-1", cursor_huge, PVIRQ_ECORRUPT, false, false},
	{"pending bit beyond the INTIDs", pending_beyond_intids, PVIRQ_ECORRUPT, false, false},
	{"masked bit beyond the INTIDs", masked_beyond_intids, PVIRQ_ECORRUPT, false, false},
	{"duplicate CPU ids", duplicate_cpu_ids, PVIRQ_ECORRUPT, false, false},
	{"rVID entry names a trusted INTID", rvid_trusted_intid, PVIRQ_ECORRUPT, false, false},
	{"rVID entry INTID >= T+U", rvid_intid_too_big, PVIRQ_ECORRUPT, false, false},
	{"rVID entry vCPU out of range", rvid_vcpu_out_of_range, PVIRQ_ECORRUPT, false, false},
	{"rVID entry reserved bits", rvid_reserved_bits, PVIRQ_ECORRUPT, false, false},
	{"unmapped rVID entry not zero", rvid_unmapped_not_zero, PVIRQ_ECORRUPT, false, false},
	{"section flag bit unknown", section_unknown_flag, PVIRQ_ECORRUPT, false, false},
	{"extra section repeats VCPU", section_repeats_vcpu, PVIRQ_ECORRUPT, false, false},
	{"extra section runs past the trailer", section_past_trailer, PVIRQ_ECORRUPT, false, false},
	{"extra section not a multiple of 8", section_not_8_aligned, PVIRQ_ECORRUPT, false, false},
	{"extra section size wraps", section_huge_product, PVIRQ_ECORRUPT, false, false},
	{"version 1 with a third section", version_1_with_sections, PVIRQ_ECORRUPT, false, false},
	{"must-understand section, then stray bytes", must_understand_then_garbage, PVIRQ_ECORRUPT,
	 false, false},
};

/* Runs every row that expects @want (at least one must exist). */
static void run_rows(struct rig *r, int want)
{
	unsigned rows = 0;

	/* The unmodified snapshots are valid (or the rows prove nothing). */
	assert_int_equal(pvirq_snapshot_config(r->snap, r->len, &(struct pvirq_config){0}, NULL, 0),
			 PVIRQ_OK);
	assert_int_equal(
		pvirq_snapshot_config(r->snap_v2, r->len_v2, &(struct pvirq_config){0}, NULL, 0),
		PVIRQ_OK);
	assert_int_equal(r->len, V3_END + 4);
	for (size_t k = 0; k < sizeof(mutations) / sizeof(mutations[0]); k++) {
		const struct mutation *mu = &mutations[k];
		const unsigned char *base = mu->v2 ? r->snap_v2 : r->snap;
		size_t len = mu->v2 ? r->len_v2 : r->len;
		unsigned char *p;
		struct pvirq_config cfg;

		if (mu->want != want)
			continue;
		rows++;
		p = calloc(1, len + 64);
		assert_non_null(p);
		memcpy(p, base, len);
		mu->apply(p, &len);
		if (!mu->keep_crc)
			fix_crc(p, len);
		expect_refused(r, p, len, mu->want, mu->what);
		/* The VM-free reader applies the same rules. */
		if (pvirq_snapshot_config(p, len, &cfg, NULL, 0) != mu->want)
			fail_msg("%s: pvirq_snapshot_config disagrees", mu->what);
		free(p);
	}
	assert_true(rows > 0);
}

static void test_refuses_emagic(void **state)
{
	run_rows(*state, PVIRQ_EMAGIC);
}

static void test_refuses_eversion(void **state)
{
	run_rows(*state, PVIRQ_EVERSION);
}

static void test_refuses_echecksum(void **state)
{
	run_rows(*state, PVIRQ_ECHECKSUM);
}

static void test_refuses_etruncated(void **state)
{
	struct rig *r = *state;

	run_rows(r, PVIRQ_ETRUNCATED);
	expect_refused(r, r->snap, r->len - 1, PVIRQ_ETRUNCATED, "one byte short");
	expect_refused(r, r->snap, 20, PVIRQ_ETRUNCATED, "header cut");
}

static void test_refuses_ecorrupt(void **state)
{
	run_rows(*state, PVIRQ_ECORRUPT);
}

/* Two inputs on one (vCPU, INTID) cannot be produced by MAP (rvid.c), and a
 * pending bit there would belong to neither: restore refuses it and leaves
 * the VM as it was. Only restore checks this (it needs the VM's occupancy
 * bitmap as scratch); the VM-free reader accepts the shape. */
static void test_refuses_shared_rvid_target(void **state)
{
	struct rig *r = *state;
	unsigned char *p = malloc(r->len);
	struct pvirq_config cfg;

	assert_non_null(p);
	memcpy(p, r->snap, r->len);
	put64(p + FIRST_ENTRY, (1ull << 63) | ((uint64_t)(NR_TRUSTED + 4) << 32) | 1);
	put64(p + FIRST_ENTRY + 8 * (NR_INPUTS - 1),
	      (1ull << 63) | ((uint64_t)(NR_TRUSTED + 4) << 32) | 1);
	fix_crc(p, r->len);
	assert_int_equal(pvirq_snapshot_config(p, r->len, &cfg, NULL, 0), PVIRQ_OK);
	expect_refused(r, p, r->len, PVIRQ_ECORRUPT, "two inputs on one (vCPU, INTID)");
	/* The refused restore left the destination's own MAP rule intact. */
	put64(p + FIRST_ENTRY + 8 * (NR_INPUTS - 1), 0);
	fix_crc(p, r->len);
	assert_int_equal(pvirq_vm_restore(r->dst.vm, p, r->len), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_map(r->dst.vm, NR_INPUTS - 1, 1, NR_TRUSTED + 4), PVIRQ_EBUSY);
	/* The rig as the others expect (the restore wrote vCPU 1's page). */
	memcpy((void *)r->dst.vm, r->image, r->dst.footprint);
	memcpy(r->dst.ram, r->ram_image, (size_t)SNAP_RAM_PAGES * 4096u);
	free(p);
}

/* guest_page() that answers with a misaligned address: unusable for the
 * 64-bit atomics, so restore must refuse it as it refuses NULL. */
static void *misaligned_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)vcpu;
	(void)gpa;
	(void)size;
	return (unsigned char *)ctx + 4;
}

/*
 * A well-formed snapshot the destination cannot hold: an NMI line it does
 * not have, or a shared page its guest_page() does not give (none, NULL
 * for that address, an unusable address). PVIRQ_ECONFIG, with the VM and
 * the guest RAM untouched; the VM-free reader accepts all of them.
 */
static void test_refuses_page_or_nmi_line_the_destination_lacks(void **state)
{
	struct rig *r = *state;
	unsigned char *p = malloc(r->len);
	struct pvirq_config cfg = reference_config(), seen;
	struct snap_vm other;
	unsigned char *image;
	static _Alignas(4096) unsigned char page[4096];

	assert_non_null(p);
	/* The NMI line is configuration. */
	memcpy(p, r->snap, r->len);
	put32(p + HDR_FLAGS, 1);
	fix_crc(p, r->len);
	assert_int_equal(pvirq_snapshot_config(p, r->len, &seen, NULL, 0), PVIRQ_OK);
	assert_true(seen.nmi_line);
	expect_refused(r, p, r->len, PVIRQ_ECONFIG, "NMI line the destination does not have");
	cfg.nmi_line = true;
	assert_int_equal(snap_vm_create_ram(&other, &cfg), 0);
	image = snap_vm_image(&other);
	assert_int_equal(pvirq_vm_restore(other.vm, r->snap, r->len), PVIRQ_ECONFIG);
	assert_memory_equal(image, other.vm, other.footprint);
	assert_int_equal(pvirq_vm_restore(other.vm, p, r->len), PVIRQ_OK);
	free(image);
	snap_vm_destroy(&other);

	/* vCPU 1's page outside the destination's guest RAM. */
	memcpy(p, r->snap, r->len);
	put64(p + FIRST_PAGE + 16, SNAP_RAM_BASE + (uint64_t)SNAP_RAM_PAGES * 4096u);
	fix_crc(p, r->len);
	assert_int_equal(pvirq_snapshot_config(p, r->len, &seen, NULL, 0), PVIRQ_OK);
	expect_refused(r, p, r->len, PVIRQ_ECONFIG, "page that guest_page() refuses");

	/* No guest_page() at all, and one with an unusable answer. */
	cfg = reference_config();
	for (int k = 0; k < 2; k++) {
		if (k) {
			cfg.guest_page = misaligned_page;
			cfg.guest_page_ctx = page;
		}
		assert_int_equal(snap_vm_create(&other, &cfg), 0);
		image = snap_vm_image(&other);
		memset(page, 0x77, sizeof(page));
		assert_int_equal(pvirq_vm_restore(other.vm, r->snap, r->len), PVIRQ_ECONFIG);
		assert_memory_equal(image, other.vm, other.footprint);
		for (size_t i = 0; i < sizeof(page); i++)
			assert_int_equal(page[i], 0x77);
		/* Without the page, the same state restores. */
		memcpy(p, r->snap, r->len);
		memset(p + FIRST_PAGE + 16, 0, 16);
		fix_crc(p, r->len);
		assert_int_equal(pvirq_vm_restore(other.vm, p, r->len), PVIRQ_OK);
		free(image);
		snap_vm_destroy(&other);
	}
	free(p);
}

/* What the page can hold, restore accepts: the NMI class on a VM without
 * an NMI line (a guest can write it into its page), any floor 0..3, a
 * level-triggered input with its level low. */
static void test_accepts_every_class_and_floor(void **state)
{
	struct rig *r = *state;
	unsigned char *p = malloc(r->len);
	struct pvirq_config cfg = reference_config();
	struct snap_vm other;
	uint32_t got;

	assert_non_null(p);
	assert_int_equal(snap_vm_create_ram(&other, &cfg), 0);
	memcpy(p, r->snap, r->len);
	p[FIRST_PRIO + 24] |= 1u << 6;		   /* INTID 6 of vCPU 0: low bit */
	p[FIRST_PRIO + 24 + MAP_BYTES] |= 1u << 6; /* and high bit: class 3 */
	put32(p + FIRST_PRIO, 3);		   /* floor 3 */
	p[TRIGGER_MAP] |= 1u << 2;		   /* input 2 level-triggered, low */
	fix_crc(p, r->len);
	assert_int_equal(pvirq_vm_restore(other.vm, p, r->len), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_get_priority(other.vm, 0, 6, &got), PVIRQ_OK);
	assert_int_equal(got, 3);
	assert_int_equal(pvirq_rvic_get_priority_mask(other.vm, 0, &got), PVIRQ_OK);
	assert_int_equal(got, 3);
	assert_int_equal(pvirq_rvid_set_level(other.vm, 2, false), PVIRQ_OK); /* level now */
	free(p);
	snap_vm_destroy(&other);
}

static void test_einval(void **state)
{
	struct rig *r = *state;

	expect_refused(r, NULL, r->len, PVIRQ_EINVAL, "NULL buffer");
	assert_int_equal(pvirq_vm_restore(NULL, r->snap, r->len), PVIRQ_EINVAL);
}

/* A valid snapshot of another VM: each count, and the CPU ids. */
static void test_refuses_econfig(void **state)
{
	struct rig *r = *state;
	static const uint64_t other_ids[NR_VCPUS] = {0x100, 0x200, 0x10001};
	struct pvirq_config variants[5];

	for (int k = 0; k < 5; k++)
		variants[k] = reference_config();
	variants[0].nr_vcpus = 2;
	variants[1].nr_trusted = 32;
	variants[2].nr_untrusted = 64;
	variants[3].nr_rvid_inputs = 4;
	variants[4].cpu_ids = other_ids;
	for (int k = 0; k < 5; k++) {
		struct snap_vm other;
		unsigned char *snap;
		size_t len;

		assert_int_equal(snap_vm_create(&other, &variants[k]), 0);
		pvirq_rvic_enable(other.vm, 0);
		snap = snap_save(other.vm, &len);
		expect_refused(r, snap, len, PVIRQ_ECONFIG, "configuration variant");
		free(snap);
		snap_vm_destroy(&other);
	}
}

static void test_every_truncation(void **state)
{
	struct rig *r = *state;

	for (size_t len = 0; len < r->len; len++) {
		/* A fresh heap copy of exactly @len bytes: ASan catches any read
		 * past it. */
		unsigned char *p = malloc(len ? len : 1);

		assert_non_null(p);
		memcpy(p, r->snap, len);
		expect_refused(r, p, len, PVIRQ_ETRUNCATED, "truncated");
		free(p);
	}
}

/* Any single corrupted byte (three patterns per byte) is refused: the CRC
 * catches every burst of up to 32 bits, whatever the header checks say. */
static void test_every_byte_corrupted(void **state)
{
	static const unsigned char patterns[] = {0x01, 0x80, 0xFF};
	struct rig *r = *state;
	unsigned char *p = malloc(r->len);

	assert_non_null(p);
	for (size_t i = 0; i < r->len; i++) {
		for (size_t k = 0; k < sizeof(patterns); k++) {
			int got;

			memcpy(p, r->snap, r->len);
			p[i] ^= patterns[k];
			got = pvirq_vm_restore(r->dst.vm, p, r->len);
			if (got == PVIRQ_OK)
				fail_msg("byte %zu ^ 0x%02x accepted", i, patterns[k]);
			if (memcmp(r->image, r->dst.vm, r->dst.footprint) != 0)
				fail_msg("byte %zu ^ 0x%02x: refused (%d), but the VM changed", i,
					 patterns[k], got);
		}
	}
	free(p);
}

/* Hostile rather than accidental: every single-bit flip with a correct
 * checksum, checked by the fuzz target's properties (refused: VM
 * unchanged; accepted: state valid and re-saved byte for byte). */
static void test_every_bit_flip_with_valid_checksum(void **state)
{
	struct rig *r = *state;
	unsigned char *p = malloc(r->len);

	assert_non_null(p);
	for (size_t i = 0; i < r->len - 4; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(p, r->snap, r->len);
			p[i] ^= (unsigned char)(1u << b);
			fix_crc(p, r->len);
			LLVMFuzzerTestOneInput(p, r->len);
		}
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_einval),
		cmocka_unit_test(test_refuses_shared_rvid_target),
		cmocka_unit_test(test_refuses_page_or_nmi_line_the_destination_lacks),
		cmocka_unit_test(test_accepts_every_class_and_floor),
		cmocka_unit_test(test_refuses_emagic),
		cmocka_unit_test(test_refuses_etruncated),
		cmocka_unit_test(test_refuses_eversion),
		cmocka_unit_test(test_refuses_echecksum),
		cmocka_unit_test(test_refuses_econfig),
		cmocka_unit_test(test_refuses_ecorrupt),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_every_byte_corrupted),
		cmocka_unit_test(test_every_bit_flip_with_valid_checksum),
	};

	return cmocka_run_group_tests(tests, rig_setup, rig_teardown);
}
