/* SPDX-License-Identifier: MIT */
/*
 * Save and restore of a whole VM (live migration, snapshot/resume).
 *
 * The format is in snapshot_format.h and docs/snapshot.md. The engine's
 * private word layout (pending/masked interleaved, layout.h) never leaks
 * into it: save splits each state word into a pending and a masked bitmap,
 * and each class word into a low-bit and a high-bit bitmap; restore
 * interleaves them again, so the engine can change its layout without
 * changing the format.
 *
 * A vCPU that shared its state page (RVIC_SHARE_STATE) keeps its state,
 * class and floor words in guest RAM: save reads them through the page,
 * each word once, and restore writes them into the page it gets from the
 * destination's guest_page(). So the VMM restores guest RAM first, and the
 * words restore writes win over whatever the RAM copy held.
 *
 * Restore is two passes over the caller's bytes: snap_parse() checks every
 * rule (structure, checksum, every field, internal consistency) without a
 * VM, vm_matches() compares the configuration with the destination, and
 * only then does vm_apply() write. vm_apply() cannot fail, so a refused
 * snapshot leaves the VM untouched. A valid snapshot without optional
 * sections has exactly one encoding per version (lengths exact, reserved
 * and padding bits zero), so save(restore(s)) == s: the tests and the
 * fuzzer hold restore to that.
 *
 * Two passes read each byte more than once. Reading once and still
 * leaving the VM untouched on a refusal needs memory for the new state
 * until the last byte (the checksum) is checked: the VM's own memory holds
 * the old state, and the core allocates nothing. So
 * pvirq_vm_restore_staged() takes that memory from the caller: it copies
 * the buffer once into the caller's private stage and restores from there.
 */
#include "layout.h"
#include "snapshot_format.h"

/* --- bit interleaving between engine words and format bitmaps ------- */

/* Gathers the even bits of @w (lanes 0, 2, .., 62) into a 32-bit value. */
static uint32_t even_bits(uint64_t w)
{
	w &= 0x5555555555555555ull;
	w = (w | (w >> 1)) & 0x3333333333333333ull;
	w = (w | (w >> 2)) & 0x0F0F0F0F0F0F0F0Full;
	w = (w | (w >> 4)) & 0x00FF00FF00FF00FFull;
	w = (w | (w >> 8)) & 0x0000FFFF0000FFFFull;
	w = (w | (w >> 16)) & 0x00000000FFFFFFFFull;
	return (uint32_t)w;
}

/* Inverse of even_bits(): spreads bit k of @x to bit 2k. */
static uint64_t spread_bits(uint32_t x)
{
	uint64_t w = x;

	w = (w | (w << 16)) & 0x0000FFFF0000FFFFull;
	w = (w | (w << 8)) & 0x00FF00FF00FF00FFull;
	w = (w | (w << 4)) & 0x0F0F0F0F0F0F0F0Full;
	w = (w | (w << 2)) & 0x3333333333333333ull;
	w = (w | (w << 1)) & 0x5555555555555555ull;
	return w;
}

static void shape_of_vm(struct snap_shape *s, const struct pvirq_vm *vm, uint32_t version)
{
	snap_shape_of(s, version, vm->nr_vcpus, vm->nr_trusted, vm->nr_untrusted,
		      vm->nr_rvid_inputs);
}

/* Bit @n of bitmap @m (INTID or input n at bit n % 8 of byte n / 8). */
static bool map_bit(const uint8_t *m, uint32_t n)
{
	return (m[n / 8u] >> (n % 8u)) & 1u;
}

static void set_map_bit(uint8_t *m, uint32_t n)
{
	m[n / 8u] |= (uint8_t)(1u << (n % 8u));
}

/* --- save ------------------------------------------------------------ */

/* Flags 0 in every version: in v1 the word is reserved, in v2 it says the
 * VCPU and RVID sections must be understood (every reader does). */
static void put_section(uint8_t *p, uint32_t tag, uint32_t record_bytes, uint32_t nr_records)
{
	snap_put32(p + SNAP_SEC_TAG, tag);
	snap_put32(p + SNAP_SEC_RECORD_BYTES, record_bytes);
	snap_put32(p + SNAP_SEC_NR_RECORDS, nr_records);
	snap_put32(p + SNAP_SEC_FLAGS, 0);
}

/*
 * Memory order of every load below: relaxed. Under the save contract the
 * caller's pause of the vCPU and device threads already orders their last
 * operations before this; against operations that still run concurrently
 * (a broken contract) save promises only per-word atomicity, which any
 * atomic load gives. No stronger order would make the cut consistent.
 */
static void save_vcpu(const struct pvirq_vm *vm, const struct snap_shape *s, uint32_t index,
		      uint8_t *rec)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, index);
	_Atomic uint64_t *inst = pvirq_inst(v); /* own block or shared page */
	_Atomic uint64_t *level = pvirq_level_words(vm, v);
	uint8_t *pending_map = rec + SNAP_VCPU_MAPS;
	uint8_t *masked_map = pending_map + s->intid_map_bytes;
	uint8_t *level_map = masked_map + s->intid_map_bytes;
	uint32_t enabled = atomic_load_explicit(&v->enabled, memory_order_relaxed);
	uint32_t cursor = atomic_load_explicit(&v->ack_cursor[0], memory_order_relaxed);
	uint32_t i;

	snap_put64(rec + SNAP_VCPU_CPU_ID, v->cpu_id);
	snap_put32(rec + SNAP_VCPU_FLAGS, enabled ? SNAP_VCPU_ENABLED : 0);
	/* Acknowledge uses the cursor modulo T+U; storing it reduced keeps
	 * every saved snapshot restorable. */
	snap_put32(rec + SNAP_VCPU_CURSOR, cursor % s->nr_intids);
	for (i = 0; i < vm->nr_state_words; i++) {
		/* One load per word: a shared page is guest memory, and the
		 * two bitmaps must come from the same value. */
		uint64_t w =
			atomic_load_explicit(&inst[PVIRQ_SHARED_STATE_WORD(vm->nr_state_words, i)],
					     memory_order_relaxed);

		snap_put32(pending_map + 4u * i, even_bits(w));
		snap_put32(masked_map + 4u * i, even_bits(w >> 1));
	}
	for (; 4u * i < s->intid_map_bytes; i++) { /* padding of an odd word count */
		snap_put32(pending_map + 4u * i, 0);
		snap_put32(masked_map + 4u * i, 0);
	}
	for (i = 0; i < vm->nr_level_words; i++) {
		uint64_t w = atomic_load_explicit(&level[i], memory_order_relaxed);
		uint32_t bits = vm->nr_level_lines - 64u * i; /* level lines in this word */

		if (bits < 64u)
			w &= (1ull << bits) - 1u;
		snap_put64(level_map + 8u * i, w);
	}
}

/* PAGE record (v3): where the vCPU's words live. Relaxed, as above. */
static void save_page(const struct pvirq_vm *vm, uint32_t index, uint8_t *rec)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, index);
	bool shared = pvirq_is_shared(v, pvirq_inst(v));

	snap_put64(rec + SNAP_PAGE_GPA,
		   shared ? atomic_load_explicit(&v->shared_gpa, memory_order_relaxed) : 0);
	snap_put32(rec + SNAP_PAGE_FLAGS, shared ? SNAP_PAGE_SHARED : 0);
	snap_put32(rec + SNAP_PAGE_RESERVED, 0);
}

/* PRIO record (v3): floor, cursors of classes 1..3, class bitmaps, read
 * through the instance words (the page, when shared: each word once, and
 * only the floor's low two bits, the ones the engine reads). Relaxed
 * loads, as in save_vcpu(). */
static void save_prio(const struct pvirq_vm *vm, const struct snap_shape *s, uint32_t index,
		      uint8_t *rec)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, index);
	_Atomic uint64_t *inst = pvirq_inst(v);
	uint32_t n = vm->nr_state_words, i;
	uint8_t *low_map = rec + SNAP_PRIO_MAPS;
	uint8_t *high_map = low_map + s->intid_map_bytes;
	uint64_t floor =
		atomic_load_explicit(&inst[PVIRQ_SHARED_FLOOR_WORD(n)], memory_order_relaxed);

	snap_put32(rec + SNAP_PRIO_FLOOR, (uint32_t)floor & (PVIRQ_PRIORITY_CLASSES - 1u));
	for (uint32_t c = 1; c < PVIRQ_PRIORITY_CLASSES; c++)
		snap_put32(rec + SNAP_PRIO_CURSORS + 4u * (c - 1u),
			   atomic_load_explicit(&v->ack_cursor[c], memory_order_relaxed) %
				   s->nr_intids);
	snap_put32(rec + SNAP_PRIO_FLAGS,
		   atomic_load_explicit(&v->uses_priority, memory_order_relaxed) ? SNAP_PRIO_IN_USE
										 : 0);
	snap_put32(rec + SNAP_PRIO_RESERVED, 0);
	for (i = 0; i < n; i++) {
		uint64_t w = atomic_load_explicit(&inst[PVIRQ_SHARED_CLASS_WORD(n, i)],
						  memory_order_relaxed);

		snap_put32(low_map + 4u * i, even_bits(w));
		snap_put32(high_map + 4u * i, even_bits(w >> 1));
	}
	for (; 4u * i < s->intid_map_bytes; i++) {
		snap_put32(low_map + 4u * i, 0);
		snap_put32(high_map + 4u * i, 0);
	}
}

/* INPT records (v3): the trigger map, then the level map of the
 * level-triggered inputs (an edge input's level is not state: get_level
 * reports it low). Relaxed loads, as in save_vcpu(). */
static void save_inputs(const struct pvirq_vm *vm, const struct snap_shape *s, uint8_t *maps)
{
	uint8_t *trigger_map = maps, *level_map = maps + s->input_map_bytes;

	for (uint32_t b = 0; b < 2u * s->input_map_bytes; b++)
		maps[b] = 0;
	for (uint32_t i = 0; i < s->nr_rvid_inputs; i++) {
		uint32_t st = atomic_load_explicit(pvirq_input_state(vm, i), memory_order_relaxed);

		if (!(st & PVIRQ_INPUT_LEVEL_TRIGGERED))
			continue;
		set_map_bit(trigger_map, i);
		if (st & PVIRQ_INPUT_LEVEL_HIGH)
			set_map_bit(level_map, i);
	}
}

static uint64_t save_rvid_entry(const struct pvirq_vm *vm, uint32_t input)
{
	/* Relaxed: as in save_vcpu(). Re-encoded field by field rather than
	 * copied, so the format does not follow the engine's encoding. */
	uint64_t e = atomic_load_explicit(pvirq_rvid_at(vm, input), memory_order_relaxed);

	if (!(e & PVIRQ_RVID_VALID))
		return 0;
	return SNAP_RVID_VALID | ((uint64_t)pvirq_rvid_intid(e) << SNAP_RVID_INTID_SHIFT) |
	       pvirq_rvid_vcpu(e);
}

size_t pvirq_vm_snapshot_size(const struct pvirq_vm *vm)
{
	struct snap_shape s;

	shape_of_vm(&s, vm, PVIRQ_SNAPSHOT_VERSION);
	return s.total;
}

/* Whether the vCPU's ABI 0.4 state is at its reset value: no shared page,
 * floor 0, every class 0 (what versions 1 and 2 restore). Relaxed loads:
 * see version_writable(). */
static bool vcpu_state_fits_v2(const struct pvirq_vm *vm, uint32_t index)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, index);
	_Atomic uint64_t *inst = pvirq_inst(v);
	uint32_t n = vm->nr_state_words;

	if (pvirq_is_shared(v, inst) ||
	    (atomic_load_explicit(&inst[PVIRQ_SHARED_FLOOR_WORD(n)], memory_order_relaxed) &
	     (PVIRQ_PRIORITY_CLASSES - 1u)))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (atomic_load_explicit(&inst[PVIRQ_SHARED_CLASS_WORD(n, i)],
					 memory_order_relaxed))
			return false;
	return true;
}

/*
 * Whether this library writes @version for @vm: version 3 always;
 * versions 1 and 2 only when the VM holds no state they cannot carry (a
 * shared page, a class or floor other than 0, a level-triggered input),
 * rather than write a snapshot that silently drops it. The cursors of
 * classes 1..3 are ordering state only, and an NMI line is configuration
 * the destination sets itself, so neither stops an older version.
 * Relaxed loads, as in save_vcpu(); under the save contract nothing
 * changes between this check and the save.
 */
static bool version_writable(const struct pvirq_vm *vm, uint32_t version)
{
	if (version < PVIRQ_SNAPSHOT_VERSION_OLDEST || version > PVIRQ_SNAPSHOT_VERSION)
		return false;
	if (version >= 3u)
		return true;
	for (uint32_t c = 0; c < vm->nr_vcpus; c++)
		if (!vcpu_state_fits_v2(vm, c))
			return false;
	for (uint32_t i = 0; i < vm->nr_rvid_inputs; i++)
		if (atomic_load_explicit(pvirq_input_state(vm, i), memory_order_relaxed) &
		    PVIRQ_INPUT_LEVEL_TRIGGERED)
			return false;
	return true;
}

int pvirq_vm_save_version(struct pvirq_vm *vm, uint32_t version, void *buf, size_t len,
			  size_t *written)
{
	struct snap_shape s;
	uint8_t *p = buf;

	if (!vm || (!buf && len))
		return PVIRQ_EINVAL;
	if (!version_writable(vm, version))
		return PVIRQ_EVERSION;
	shape_of_vm(&s, vm, version);
	if (written)
		*written = s.total;
	if (len < s.total)
		return PVIRQ_ENOSPC;

	/* p != NULL: len >= s.total > 0 (the analyzer cannot see s.total > 0). */
	for (uint32_t i = 0; i < SNAP_MAGIC_LEN; i++)
		p[SNAP_HDR_MAGIC + i] = (uint8_t)SNAP_MAGIC[i]; /* NOLINT(*NullDereference) */
	snap_put32(p + SNAP_HDR_VERSION, version);
	snap_put32(p + SNAP_HDR_HEADER_BYTES, SNAP_HEADER_BYTES);
	snap_put64(p + SNAP_HDR_TOTAL_BYTES, s.total);
	snap_put32(p + SNAP_HDR_NR_VCPUS, s.nr_vcpus);
	snap_put32(p + SNAP_HDR_NR_TRUSTED, s.nr_trusted);
	snap_put32(p + SNAP_HDR_NR_UNTRUSTED, s.nr_untrusted);
	snap_put32(p + SNAP_HDR_NR_RVID_INPUTS, s.nr_rvid_inputs);
	snap_put32(p + SNAP_HDR_NR_SECTIONS,
		   version >= 3u ? SNAP_NR_SECTIONS_V3 : SNAP_NR_SECTIONS);
	snap_put32(p + SNAP_HDR_FLAGS, version >= 3u && vm->nmi_line ? SNAP_FLAG_NMI_LINE : 0);

	put_section(p + s.vcpus_at - SNAP_SECTION_BYTES, SNAP_TAG_VCPU, s.record_bytes, s.nr_vcpus);
	for (uint32_t c = 0; c < s.nr_vcpus; c++)
		save_vcpu(vm, &s, c, p + s.vcpus_at + (size_t)c * s.record_bytes);

	put_section(p + s.rvid_at - SNAP_SECTION_BYTES, SNAP_TAG_RVID, SNAP_RVID_ENTRY_BYTES,
		    s.nr_rvid_inputs);
	for (uint32_t i = 0; i < s.nr_rvid_inputs; i++)
		snap_put64(p + s.rvid_at + (size_t)i * SNAP_RVID_ENTRY_BYTES,
			   save_rvid_entry(vm, i));

	if (version >= 3u) {
		put_section(p + s.pages_at - SNAP_SECTION_BYTES, SNAP_TAG_PAGE,
			    SNAP_PAGE_RECORD_BYTES, s.nr_vcpus);
		for (uint32_t c = 0; c < s.nr_vcpus; c++)
			save_page(vm, c, p + s.pages_at + (size_t)c * SNAP_PAGE_RECORD_BYTES);
		put_section(p + s.prio_at - SNAP_SECTION_BYTES, SNAP_TAG_PRIO, s.prio_record_bytes,
			    s.nr_vcpus);
		for (uint32_t c = 0; c < s.nr_vcpus; c++)
			save_prio(vm, &s, c, p + s.prio_at + (size_t)c * s.prio_record_bytes);
		put_section(p + s.inputs_at - SNAP_SECTION_BYTES, SNAP_TAG_INPT, s.input_map_bytes,
			    SNAP_INPT_NR_RECORDS);
		save_inputs(vm, &s, p + s.inputs_at);
	}

	snap_put32(p + s.crc_at, pvirq__crc32c(p, s.crc_at));
	return PVIRQ_OK;
}

int pvirq_vm_save(struct pvirq_vm *vm, void *buf, size_t len, size_t *written)
{
	return pvirq_vm_save_version(vm, PVIRQ_SNAPSHOT_VERSION, buf, len, written);
}

/* --- validation (no VM) ---------------------------------------------- */

/* The checks of pvirq_config_check() on counts read from a snapshot. */
static bool counts_possible(uint32_t nr_vcpus, uint32_t t, uint32_t u, uint32_t inputs)
{
	return pvirq__counts_check(nr_vcpus, t, u, inputs) == PVIRQ_OK;
}

/* Magic, version, length and checksum: whether these bytes are a whole,
 * intact snapshot at all. Each field is read only after @len is known to
 * cover it. */
static int check_envelope(const uint8_t *p, size_t len)
{
	uint64_t total;
	uint32_t version;

	for (size_t i = 0; i < SNAP_MAGIC_LEN && i < len; i++)
		if (p[SNAP_HDR_MAGIC + i] != (uint8_t)SNAP_MAGIC[i])
			return PVIRQ_EMAGIC;
	if (len < SNAP_HDR_VERSION + 4u)
		return PVIRQ_ETRUNCATED;
	version = snap_get32(p + SNAP_HDR_VERSION);
	if (version < PVIRQ_SNAPSHOT_VERSION_OLDEST || version > PVIRQ_SNAPSHOT_VERSION)
		return PVIRQ_EVERSION;
	if (len < SNAP_HEADER_BYTES)
		return PVIRQ_ETRUNCATED;
	/* 64-bit compares: a huge recorded length cannot wrap onto a small one. */
	total = snap_get64(p + SNAP_HDR_TOTAL_BYTES);
	if (total > (uint64_t)len)
		return PVIRQ_ETRUNCATED;
	if (total < (uint64_t)len)
		return PVIRQ_ECORRUPT; /* bytes after the snapshot: mis-framed */
	if (total < SNAP_HEADER_BYTES + SNAP_TRAILER_BYTES)
		return PVIRQ_ECORRUPT;
	if (pvirq__crc32c(p, len - SNAP_TRAILER_BYTES) != snap_get32(p + len - SNAP_TRAILER_BYTES))
		return PVIRQ_ECHECKSUM;
	return PVIRQ_OK;
}

static bool section_is(const uint8_t *sec, uint32_t tag, uint32_t record_bytes, uint32_t nr_records)
{
	return snap_get32(sec + SNAP_SEC_TAG) == tag &&
	       snap_get32(sec + SNAP_SEC_RECORD_BYTES) == record_bytes &&
	       snap_get32(sec + SNAP_SEC_NR_RECORDS) == nr_records &&
	       snap_get32(sec + SNAP_SEC_FLAGS) == 0;
}

/* Whether the bits of map @m from @first_bit to the end of the map are 0. */
static bool padding_clear(const uint8_t *m, uint32_t map_bytes, uint32_t first_bit)
{
	uint32_t byte = first_bit / 8u;

	if (first_bit % 8u && (m[byte++] >> (first_bit % 8u)))
		return false;
	for (; byte < map_bytes; byte++)
		if (m[byte])
			return false;
	return true;
}

static bool vcpu_record_valid(const struct snap_shape *s, const uint8_t *rec)
{
	const uint8_t *pending_map = rec + SNAP_VCPU_MAPS;
	const uint8_t *masked_map = pending_map + s->intid_map_bytes;
	const uint8_t *level_map = masked_map + s->intid_map_bytes;

	/* Every combination of pending, masked, enabled and level is a state
	 * the engine can reach, so only these can be wrong. */
	return (snap_get32(rec + SNAP_VCPU_FLAGS) & ~SNAP_VCPU_ENABLED) == 0 &&
	       snap_get32(rec + SNAP_VCPU_CURSOR) < s->nr_intids &&
	       padding_clear(pending_map, s->intid_map_bytes, s->nr_intids) &&
	       padding_clear(masked_map, s->intid_map_bytes, s->nr_intids) &&
	       padding_clear(level_map, s->level_map_bytes, s->nr_level_lines);
}

/* PAGE record: a shared page is PVIRQ_SHARED_STATE_SIZE aligned (what
 * SHARE_STATE accepts), and a vCPU without one has every field 0. */
static bool page_record_valid(const uint8_t *rec)
{
	uint64_t gpa = snap_get64(rec + SNAP_PAGE_GPA);
	uint32_t flags = snap_get32(rec + SNAP_PAGE_FLAGS);

	if (snap_get32(rec + SNAP_PAGE_RESERVED) != 0 || (flags & ~SNAP_PAGE_SHARED))
		return false;
	return flags ? gpa % PVIRQ_SHARED_STATE_SIZE == 0 : gpa == 0;
}

/* PRIO record: floor and cursors in range, flags and reserved word
 * known, the class bitmaps' padding 0. Every class of every INTID, with
 * or without the in-use flag, is reachable (a shared page can hold any
 * class before the first priority call, and UNSHARE copies it back), so
 * only these can be wrong. */
static bool prio_record_valid(const struct snap_shape *s, const uint8_t *rec)
{
	const uint8_t *low_map = rec + SNAP_PRIO_MAPS;

	for (uint32_t c = 1; c < PVIRQ_PRIORITY_CLASSES; c++)
		if (snap_get32(rec + SNAP_PRIO_CURSORS + 4u * (c - 1u)) >= s->nr_intids)
			return false;
	return snap_get32(rec + SNAP_PRIO_FLOOR) < PVIRQ_PRIORITY_CLASSES &&
	       (snap_get32(rec + SNAP_PRIO_FLAGS) & ~SNAP_PRIO_IN_USE) == 0 &&
	       snap_get32(rec + SNAP_PRIO_RESERVED) == 0 &&
	       padding_clear(low_map, s->intid_map_bytes, s->nr_intids) &&
	       padding_clear(low_map + s->intid_map_bytes, s->intid_map_bytes, s->nr_intids);
}

/* INPT maps: padding 0, and a level only on a level-triggered input (an
 * edge input has none: pvirq_rvid_set_level() refuses it). */
static bool inputs_valid(const struct snap_shape *s, const uint8_t *maps)
{
	const uint8_t *trigger_map = maps, *level_map = maps + s->input_map_bytes;

	for (uint32_t b = 0; b < s->input_map_bytes; b++)
		if (level_map[b] & ~trigger_map[b])
			return false;
	return padding_clear(trigger_map, s->input_map_bytes, s->nr_rvid_inputs) &&
	       padding_clear(level_map, s->input_map_bytes, s->nr_rvid_inputs);
}

static bool rvid_entry_valid(const struct snap_shape *s, uint64_t e)
{
	uint32_t intid = (uint32_t)((e >> SNAP_RVID_INTID_SHIFT) & SNAP_RVID_INTID_MASK);

	if (!(e & SNAP_RVID_VALID))
		return e == 0;
	/* Trusted INTIDs are unreachable from the rVID: one in the table
	 * would let a device raise an IPI or timer interrupt. */
	return (e & SNAP_RVID_RESERVED) == 0 && (uint32_t)e < s->nr_vcpus &&
	       intid >= s->nr_trusted && intid < s->nr_intids;
}

static uint64_t record_cpu_id(const uint8_t *p, const struct snap_shape *s, uint32_t vcpu)
{
	return snap_get64(p + s->vcpus_at + (size_t)vcpu * s->record_bytes + SNAP_VCPU_CPU_ID);
}

/* O(n^2) without scratch memory: only run when a configuration is read
 * from a snapshot, or when restore already found a mismatched id. */
static bool cpu_ids_distinct(const uint8_t *p, const struct snap_shape *s)
{
	for (uint32_t i = 1; i < s->nr_vcpus; i++) {
		uint64_t id = record_cpu_id(p, s, i);

		for (uint32_t j = 0; j < i; j++)
			if (record_cpu_id(p, s, j) == id)
				return false;
	}
	return true;
}

/* Whether @tag names a section the version itself defines (so it cannot
 * appear again as a further section). */
static bool tag_is_versions_own(uint32_t tag, uint32_t version)
{
	if (tag == SNAP_TAG_VCPU || tag == SNAP_TAG_RVID)
		return true;
	return version >= 3u &&
	       (tag == SNAP_TAG_PAGE || tag == SNAP_TAG_PRIO || tag == SNAP_TAG_INPT);
}

/*
 * The further sections (versions 2 and 3, after the version's own ones):
 * @nr of them, which must tile the bytes up to the trailer exactly. This
 * release knows no tag there, so it skips each optional one and refuses a
 * must-understand one with PVIRQ_EVERSION (a newer writer's state it
 * cannot hold), but only once the whole layout is known to be sound, so a
 * corrupt snapshot is reported as corrupt whatever its flags say. Every
 * bound is checked before the bytes are read; each loop step consumes at
 * least 16 bytes, so a huge @nr ends at the end of the buffer.
 */
static int check_extensions(const uint8_t *p, size_t len, const struct snap_shape *s, uint32_t nr,
			    uint32_t version)
{
	size_t at = s->extensions_at, end = len - SNAP_TRAILER_BYTES;
	int err = PVIRQ_OK;

	for (uint32_t k = 0; k < nr; k++) {
		const uint8_t *sec = p + at;
		uint32_t tag, flags;
		uint64_t bytes;

		if (end - at < SNAP_SECTION_BYTES)
			return PVIRQ_ECORRUPT;
		tag = snap_get32(sec + SNAP_SEC_TAG);
		flags = snap_get32(sec + SNAP_SEC_FLAGS);
		bytes = (uint64_t)snap_get32(sec + SNAP_SEC_RECORD_BYTES) *
			snap_get32(sec + SNAP_SEC_NR_RECORDS);
		at += SNAP_SECTION_BYTES;
		if ((flags & ~SNAP_SEC_OPTIONAL) || tag_is_versions_own(tag, version) ||
		    bytes % 8u || bytes > (uint64_t)(end - at))
			return PVIRQ_ECORRUPT;
		if (!(flags & SNAP_SEC_OPTIONAL))
			err = PVIRQ_EVERSION;
		at += (size_t)bytes;
	}
	return at == end ? err : PVIRQ_ECORRUPT;
}

/*
 * Every rule that needs no VM, except distinct CPU ids (see
 * cpu_ids_distinct()). On success @s describes the snapshot.
 */
/* Version 3's own sections: PAGE, PRIO, INPT, in this order, exactly. */
static bool v3_sections_valid(const uint8_t *p, const struct snap_shape *s)
{
	if (!section_is(p + s->pages_at - SNAP_SECTION_BYTES, SNAP_TAG_PAGE, SNAP_PAGE_RECORD_BYTES,
			s->nr_vcpus) ||
	    !section_is(p + s->prio_at - SNAP_SECTION_BYTES, SNAP_TAG_PRIO, s->prio_record_bytes,
			s->nr_vcpus) ||
	    !section_is(p + s->inputs_at - SNAP_SECTION_BYTES, SNAP_TAG_INPT, s->input_map_bytes,
			SNAP_INPT_NR_RECORDS))
		return false;
	for (uint32_t c = 0; c < s->nr_vcpus; c++)
		if (!page_record_valid(p + s->pages_at + (size_t)c * SNAP_PAGE_RECORD_BYTES) ||
		    !prio_record_valid(s, p + s->prio_at + (size_t)c * s->prio_record_bytes))
			return false;
	return inputs_valid(s, p + s->inputs_at);
}

/* Header fields that depend on the version: the section count (exactly
 * the version's own in version 1, at least them later) and the flags
 * (reserved before version 3). */
static bool header_fits_version(uint32_t version, uint32_t nr_sections, uint32_t flags)
{
	uint32_t own = version >= 3u ? SNAP_NR_SECTIONS_V3 : SNAP_NR_SECTIONS;

	if (nr_sections < own || (version == 1u && nr_sections != own))
		return false;
	return (flags & ~(version >= 3u ? SNAP_FLAG_NMI_LINE : 0u)) == 0;
}

static int snap_parse(const uint8_t *p, size_t len, struct snap_shape *s)
{
	uint32_t version, nr_vcpus, t, u, inputs, nr_sections;
	int err = check_envelope(p, len);

	if (err)
		return err;
	version = snap_get32(p + SNAP_HDR_VERSION);
	nr_vcpus = snap_get32(p + SNAP_HDR_NR_VCPUS);
	t = snap_get32(p + SNAP_HDR_NR_TRUSTED);
	u = snap_get32(p + SNAP_HDR_NR_UNTRUSTED);
	inputs = snap_get32(p + SNAP_HDR_NR_RVID_INPUTS);
	nr_sections = snap_get32(p + SNAP_HDR_NR_SECTIONS);
	if (snap_get32(p + SNAP_HDR_HEADER_BYTES) != SNAP_HEADER_BYTES ||
	    !header_fits_version(version, nr_sections, snap_get32(p + SNAP_HDR_FLAGS)) ||
	    !counts_possible(nr_vcpus, t, u, inputs))
		return PVIRQ_ECORRUPT;
	/* Counts are within the limits now, so the shape cannot overflow;
	 * and with total <= len every offset of the version's own sections is
	 * in bounds (check_extensions() bounds the rest). */
	snap_shape_of(s, version, nr_vcpus, t, u, inputs);
	if (s->total > len)
		return PVIRQ_ECORRUPT;
	if (!section_is(p + s->vcpus_at - SNAP_SECTION_BYTES, SNAP_TAG_VCPU, s->record_bytes,
			nr_vcpus) ||
	    !section_is(p + s->rvid_at - SNAP_SECTION_BYTES, SNAP_TAG_RVID, SNAP_RVID_ENTRY_BYTES,
			inputs))
		return PVIRQ_ECORRUPT;
	for (uint32_t c = 0; c < nr_vcpus; c++)
		if (!vcpu_record_valid(s, p + s->vcpus_at + (size_t)c * s->record_bytes))
			return PVIRQ_ECORRUPT;
	for (uint32_t i = 0; i < inputs; i++)
		if (!rvid_entry_valid(
			    s, snap_get64(p + s->rvid_at + (size_t)i * SNAP_RVID_ENTRY_BYTES)))
			return PVIRQ_ECORRUPT;
	if (version >= 3u && !v3_sections_valid(p, s))
		return PVIRQ_ECORRUPT;
	return check_extensions(
		p, len, s, nr_sections - (version >= 3u ? SNAP_NR_SECTIONS_V3 : SNAP_NR_SECTIONS),
		version);
}

static uint32_t snap_version(const uint8_t *p)
{
	return snap_get32(p + SNAP_HDR_VERSION);
}

/* Whether the snapshot says the VM had an NMI line (version 3 only). */
static bool snap_nmi_line(const uint8_t *p)
{
	return snap_version(p) >= 3u && (snap_get32(p + SNAP_HDR_FLAGS) & SNAP_FLAG_NMI_LINE);
}

int pvirq_snapshot_config(const void *buf, size_t len, struct pvirq_config *cfg, uint64_t *cpu_ids,
			  uint32_t cpu_ids_len)
{
	struct snap_shape s;
	int err;

	if (!buf || !cfg)
		return PVIRQ_EINVAL;
	err = snap_parse(buf, len, &s);
	if (err)
		return err;
	if (!cpu_ids_distinct(buf, &s))
		return PVIRQ_ECORRUPT;
	if (cpu_ids && cpu_ids_len < s.nr_vcpus)
		return PVIRQ_ENOSPC;
	for (uint32_t c = 0; cpu_ids && c < s.nr_vcpus; c++)
		cpu_ids[c] = record_cpu_id(buf, &s, c);
	/* Field by field: a compound literal of this size becomes a memset
	 * call, which a freestanding build has no libc for. */
	cfg->nr_vcpus = s.nr_vcpus;
	cfg->nr_trusted = s.nr_trusted;
	cfg->nr_untrusted = s.nr_untrusted;
	cfg->nr_rvid_inputs = s.nr_rvid_inputs;
	cfg->cpu_ids = cpu_ids;
	cfg->notify = NULL;
	cfg->notify_ctx = NULL;
	cfg->line_level = NULL;
	cfg->line_level_ctx = NULL;
	cfg->guest_page = NULL;
	cfg->guest_page_ctx = NULL;
	cfg->resample = NULL;
	cfg->resample_ctx = NULL;
	cfg->nmi_line = snap_nmi_line(buf);
	return PVIRQ_OK;
}

/* --- restore --------------------------------------------------------- */

/* Whether a parsed snapshot fits @vm: PVIRQ_OK, PVIRQ_ECONFIG, or
 * PVIRQ_ECORRUPT when a mismatched id turns out to be a duplicate. A
 * version 1 or 2 snapshot says nothing about an NMI line and has no NMI
 * class state, so it fits a VM with or without one. */
static int vm_matches(const struct pvirq_vm *vm, const uint8_t *p, const struct snap_shape *s)
{
	if (s->nr_vcpus != vm->nr_vcpus || s->nr_trusted != vm->nr_trusted ||
	    s->nr_untrusted != vm->nr_untrusted || s->nr_rvid_inputs != vm->nr_rvid_inputs ||
	    (snap_version(p) >= 3u && snap_nmi_line(p) != vm->nmi_line))
		return PVIRQ_ECONFIG;
	/* The VM's ids are distinct, so ids equal to them index by index are
	 * distinct too: the quadratic duplicate check runs only on failure. */
	for (uint32_t c = 0; c < s->nr_vcpus; c++)
		if (record_cpu_id(p, s, c) != pvirq_vcpu_at(vm, c)->cpu_id)
			return cpu_ids_distinct(p, s) ? PVIRQ_ECONFIG : PVIRQ_ECORRUPT;
	return PVIRQ_OK;
}

/*
 * The host address of the page at @gpa that vCPU @vcpu shared, from the
 * destination's guest_page(), or NULL if it has none, refuses the page, or
 * answers with an address the 64-bit atomics cannot use.
 */
static _Atomic uint64_t *guest_page_of(struct pvirq_vm *vm, uint32_t vcpu, uint64_t gpa)
{
	void *page;

	if (!vm->guest_page)
		return NULL;
	page = vm->guest_page(vm->guest_page_ctx, vcpu, gpa, PVIRQ_SHARED_STATE_SIZE);
	if ((uintptr_t)page % sizeof(uint64_t))
		return NULL;
	return page;
}

static bool snap_page_shared(const uint8_t *p, const struct snap_shape *s, uint32_t vcpu,
			     uint64_t *gpa)
{
	const uint8_t *rec = p + s->pages_at + (size_t)vcpu * SNAP_PAGE_RECORD_BYTES;

	if (snap_version(p) < 3u || !(snap_get32(rec + SNAP_PAGE_FLAGS) & SNAP_PAGE_SHARED))
		return false;
	*gpa = snap_get64(rec + SNAP_PAGE_GPA);
	return true;
}

/*
 * Whether the destination can hold every shared page of the snapshot:
 * PVIRQ_OK, or PVIRQ_ECONFIG when guest_page() is missing or refuses a
 * page (guest RAM not restored yet, or another memory map). The last check
 * before anything is written; vm_apply() asks guest_page() again for the
 * address, which the callback's contract keeps the same.
 */
static int pages_reachable(struct pvirq_vm *vm, const uint8_t *p, const struct snap_shape *s)
{
	uint64_t gpa;

	for (uint32_t c = 0; c < s->nr_vcpus; c++)
		if (snap_page_shared(p, s, c, &gpa) && !guest_page_of(vm, c, gpa))
			return PVIRQ_ECONFIG;
	return PVIRQ_OK;
}

/*
 * Stores of restore: relaxed, like pvirq_vm_reset(). The contract excludes
 * every concurrent user of the VM, and the caller's resume of its vCPU and
 * device threads (unlock, thread start) is what orders these stores before
 * their first operation; a fence here would add nothing to that (and
 * ThreadSanitizer builds refuse atomic_thread_fence). The one exception is
 * the instance pointer, stored with release as every publication of a
 * page is (layout.h), which costs nothing here.
 *
 * The words go where the vCPU's instance now lives: its own block, or the
 * page it shared, written in full (state, classes, floor), so whatever the
 * restored guest RAM held there is overwritten by the snapshot's words.
 * Version 1 and 2 snapshots restore classes and floor 0 and no page.
 */
static void apply_vcpu(struct pvirq_vm *vm, const uint8_t *p, const struct snap_shape *s,
		       uint32_t index)
{
	struct pvirq_vcpu *v = pvirq_vcpu_at(vm, index);
	const uint8_t *rec = p + s->vcpus_at + (size_t)index * s->record_bytes;
	const uint8_t *prio = snap_version(p) >= 3u
				      ? p + s->prio_at + (size_t)index * s->prio_record_bytes
				      : NULL;
	_Atomic uint64_t *inst = &v->words[0], *page;
	_Atomic uint64_t *level = pvirq_level_words(vm, v);
	const uint8_t *pending_map = rec + SNAP_VCPU_MAPS;
	const uint8_t *masked_map = pending_map + s->intid_map_bytes;
	const uint8_t *level_map = masked_map + s->intid_map_bytes;
	uint32_t n = vm->nr_state_words, floor = prio ? snap_get32(prio + SNAP_PRIO_FLOOR) : 0;
	uint32_t enabled = snap_get32(rec + SNAP_VCPU_FLAGS) & SNAP_VCPU_ENABLED;
	uint32_t in_use = prio ? snap_get32(prio + SNAP_PRIO_FLAGS) & SNAP_PRIO_IN_USE : 0;
	uint64_t summary = 0, gpa = 0, nmi_lanes = 0;

	/* pages_reachable() found this page; should the callback now break
	 * its contract and refuse it, the words stay in host memory: the
	 * state is complete there, only not shared. */
	if (snap_page_shared(p, s, index, &gpa) && (page = guest_page_of(vm, index, gpa)))
		inst = page;
	else
		gpa = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t w = spread_bits(snap_get32(pending_map + 4u * i)) |
			     spread_bits(snap_get32(masked_map + 4u * i)) << 1;
		uint64_t low = 0, high = 0;

		if (prio) {
			low = spread_bits(snap_get32(prio + SNAP_PRIO_MAPS + 4u * i));
			high = spread_bits(
				snap_get32(prio + SNAP_PRIO_MAPS + s->intid_map_bytes + 4u * i));
		}
		atomic_store_explicit(&inst[PVIRQ_SHARED_STATE_WORD(n, i)], w,
				      memory_order_relaxed);
		atomic_store_explicit(&inst[PVIRQ_SHARED_CLASS_WORD(n, i)], low | high << 1,
				      memory_order_relaxed);
		/* Rebuild summary invariant S (rvic.c) exactly: a bit for
		 * every word holding a deliverable INTID, and no other. */
		if (pvirq_deliverable_lanes(w))
			summary |= 1ull << i;
		nmi_lanes |= pvirq_deliverable_lanes(w) & low & high;
	}
	atomic_store_explicit(&inst[PVIRQ_SHARED_FLOOR_WORD(n)], floor, memory_order_relaxed);
	for (uint32_t i = 0; i < vm->nr_level_words; i++)
		atomic_store_explicit(&level[i], snap_get64(level_map + 8u * i),
				      memory_order_relaxed);
	atomic_store_explicit(&v->summary, summary, memory_order_relaxed);
	atomic_store_explicit(&v->enabled, enabled, memory_order_relaxed);
	atomic_store_explicit(&v->ack_cursor[0], snap_get32(rec + SNAP_VCPU_CURSOR),
			      memory_order_relaxed);
	for (uint32_t c = 1; c < PVIRQ_PRIORITY_CLASSES; c++)
		atomic_store_explicit(&v->ack_cursor[c],
				      prio ? snap_get32(prio + SNAP_PRIO_CURSORS + 4u * (c - 1u))
					   : 0,
				      memory_order_relaxed);
	/* Whether the class words and floor are honoured: until the first
	 * priority call a guest's page may hold classes that mean nothing
	 * yet, so this is state, not derived from the words. */
	atomic_store_explicit(&v->uses_priority, in_use ? 1u : 0u, memory_order_relaxed);
	atomic_store_explicit(&v->shared_gpa, gpa, memory_order_relaxed);
	atomic_store_explicit(&v->inst, (uintptr_t)inst, memory_order_release);
	/* Restarts clear: the first rearm or deliverable INTID re-arms it. */
	atomic_store_explicit(&v->notified, 0, memory_order_relaxed);
	/* The NMI edge restarts set when an NMI-class INTID is deliverable:
	 * whether the source injected its NMI before the pause is not known,
	 * and an NMI that finds nothing is harmless where a lost one is not. */
	atomic_store_explicit(&v->nmi_edge,
			      (vm->nmi_line && enabled && in_use && nmi_lanes) ? 1u : 0u,
			      memory_order_relaxed);
}

static void vm_apply(struct pvirq_vm *vm, const uint8_t *p, const struct snap_shape *s)
{
	const uint8_t *trigger_map = p + s->inputs_at;
	const uint8_t *level_map = trigger_map + s->input_map_bytes;
	bool v3 = snap_version(p) >= 3u;
	uint32_t any_level_input = 0;

	for (uint32_t c = 0; c < s->nr_vcpus; c++)
		apply_vcpu(vm, p, s, c);
	for (uint32_t i = 0; i < s->nr_rvid_inputs; i++) {
		uint64_t e = snap_get64(p + s->rvid_at + (size_t)i * SNAP_RVID_ENTRY_BYTES);
		uint64_t entry = 0;
		uint32_t st = 0;

		if (e & SNAP_RVID_VALID)
			entry = pvirq_rvid_encode(
				(uint32_t)e,
				(uint32_t)((e >> SNAP_RVID_INTID_SHIFT) & SNAP_RVID_INTID_MASK));
		if (v3 && map_bit(trigger_map, i))
			st = PVIRQ_INPUT_LEVEL_TRIGGERED |
			     (map_bit(level_map, i) ? PVIRQ_INPUT_LEVEL_HIGH : 0u);
		any_level_input |= st;
		atomic_store_explicit(pvirq_rvid_at(vm, i), entry, memory_order_relaxed);
		atomic_store_explicit(pvirq_input_state(vm, i), st, memory_order_relaxed);
	}
	/* Derived: ENABLE and RESET scan for high levels only when some input
	 * is level-triggered. */
	atomic_store_explicit(&vm->any_level_input, any_level_input ? 1u : 0u,
			      memory_order_relaxed);
}

/*
 * Whether no two valid entries of the snapshot's rVID table name the same
 * (vCPU, INTID) (rvid.c: a pending bit must belong to one input). Uses the
 * VM's occupancy bitmap as scratch, which is derived state: on success it
 * already describes the table vm_apply() writes; on failure it is rebuilt
 * from the VM's untouched table, so the VM is as it was.
 */
static bool rvid_targets_distinct(struct pvirq_vm *vm, const uint8_t *p, const struct snap_shape *s)
{
	pvirq__rvid_clear_occupancy(vm);
	for (uint32_t i = 0; i < s->nr_rvid_inputs; i++) {
		uint64_t e = snap_get64(p + s->rvid_at + (size_t)i * SNAP_RVID_ENTRY_BYTES);

		if ((e & SNAP_RVID_VALID) &&
		    !pvirq__rvid_occupy(
			    vm, (uint32_t)e,
			    (uint32_t)((e >> SNAP_RVID_INTID_SHIFT) & SNAP_RVID_INTID_MASK))) {
			pvirq__rvid_rebuild_occupancy(vm);
			return false;
		}
	}
	return true;
}

int pvirq_vm_restore(struct pvirq_vm *vm, const void *buf, size_t len)
{
	struct snap_shape s;
	int err;

	if (!vm || !buf)
		return PVIRQ_EINVAL;
	err = snap_parse(buf, len, &s);
	if (!err)
		err = vm_matches(vm, buf, &s);
	if (!err && !rvid_targets_distinct(vm, buf, &s))
		err = PVIRQ_ECORRUPT;
	/* Last, so guest_page() is asked only about an otherwise valid
	 * snapshot; the occupancy scratch then goes back to the VM's table. */
	if (!err && (err = pages_reachable(vm, buf, &s)) != PVIRQ_OK)
		pvirq__rvid_rebuild_occupancy(vm);
	if (err)
		return err;
	vm_apply(vm, buf, &s);
	return PVIRQ_OK;
}

/*
 * One volatile load per byte: the compiler may neither read a byte again
 * nor merge loads, so each byte of @src is read exactly once whatever
 * another party writes to it meanwhile. Not memcpy: the core has no libc.
 */
static void copy_once(uint8_t *dst, const volatile uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i];
}

int pvirq_vm_restore_staged(struct pvirq_vm *vm, const void *buf, size_t len, void *stage,
			    size_t stage_len)
{
	uintptr_t b = (uintptr_t)buf, st = (uintptr_t)stage;

	if (!vm || !buf || !stage || (b < st + stage_len && st < b + len))
		return PVIRQ_EINVAL;
	if (stage_len < len)
		return PVIRQ_ENOSPC;
	copy_once(stage, buf, len);
	return pvirq_vm_restore(vm, stage, len);
}
