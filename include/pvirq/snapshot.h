/* SPDX-License-Identifier: MIT */
/**
 * @file snapshot.h
 * @brief Save and restore the whole interrupt state of a VM (live
 *        migration, snapshot/resume), with nothing lost.
 *
 * A snapshot is a self-contained byte string in a fixed little-endian
 * format (docs/snapshot.md): the configuration (vCPU count, trusted and
 * untrusted INTID counts, rVID input count, NMI line), every vCPU's
 * architectural id, enable bit, acknowledge cursors, shared-state page
 * (its guest-physical address) and priority floor, every INTID's pending,
 * masked, class and software level-line bits, the rVID table and every
 * input's trigger and level; closed by a CRC-32C. The
 * bytes do not depend on the host's byte order, word size or compiler: a
 * snapshot saved on x86_64 restores identically on arm64 or riscv64.
 *
 * What a snapshot does NOT hold: the callbacks (the destination's own),
 * the per-vCPU "notified" flag (restarts clear), the NMI edge (restarts
 * set where an NMI-class INTID is deliverable), the acknowledge summary
 * bitmap (rebuilt).
 *
 * @par Shared-state pages
 * The words of a vCPU that shared its state page live in guest RAM. Save
 * reads them through the page; restore asks the destination's
 * pvirq_config.guest_page() for the page at the same guest-physical
 * address and writes the snapshot's words into it. So restore guest RAM
 * first and the pvirq snapshot after it; the page need not be marked
 * dirty for the migration, since the snapshot's words overwrite it.
 *
 * @par Caller contract: save
 * Quiesce the VM first: every vCPU out of guest mode (no hypercall in
 * progress on any vCPU thread) and every device model's injection paused
 * (no pvirq_rvid_inject/msi, pvirq_rvic_signal/set_level from other
 * threads), with the usual happens-before from those threads to the saver
 * (the mutex/condition variable/join by which the VMM paused them). The
 * snapshot is then an exact copy. If operations do run concurrently, save
 * is still memory-safe and still produces a snapshot that restore accepts,
 * but not a consistent cut: each 64-bit state word (32 INTIDs' pending and
 * masked bits) is read atomically, so every single INTID is captured as it
 * was at some instant, but different words, vCPUs and rVID entries are
 * read at different instants. An edge injected after save read its word is
 * missing from the snapshot, and a retarget racing with save can be caught
 * half-way (new rVID entry, pending bit still on the old target, or the
 * reverse), so an interrupt can be lost or duplicated. Whatever happens to
 * the source VM after save must not matter: stop using it, or replay it.
 *
 * @par Caller contract: restore
 * Nothing else may use the destination VM during restore (as for
 * pvirq_vm_reset()): no vCPU in guest mode, no device injecting. After a
 * successful restore, and before the first guest entry of each vCPU, call
 * pvirq_vcpu_rearm() on that vCPU's thread and raise its interrupt line
 * (HCR_EL2.VI, upcall vector, hvip.VSEIP) if it returns true. That is all
 * it takes: an interrupt that was "in flight" at save time (pending, the
 * source vCPU notified but not yet in the guest) is just a pending bit in
 * the snapshot, so rearm finds it; the notified flag restarts clear, so the
 * first new deliverable INTID notifies; the summary bitmap is rebuilt, so
 * acknowledge and the line work at once. Restore never calls notify().
 * On a VM with an NMI line, also call pvirq_vcpu_take_nmi() before the
 * first entry and inject an NMI if it returns true.
 * Device models restore their own state and resume injecting afterwards.
 */
#ifndef PVIRQ_SNAPSHOT_H
#define PVIRQ_SNAPSHOT_H

#include "vm.h"

/** Snapshot format version written by pvirq_vm_save(), and the newest
 *  one pvirq_vm_restore() accepts. Version 2 adds section flags
 *  (must-understand or optional) so that later releases can add sections
 *  without breaking older readers where that is safe; version 3 adds the
 *  state of ABI 0.4 (shared-state pages, priority classes, level rVID
 *  inputs) and the NMI line (docs/snapshot.md). */
#define PVIRQ_SNAPSHOT_VERSION 3u

/** Oldest format version pvirq_vm_restore() accepts and
 *  pvirq_vm_save_version() writes: the migration policy keeps the
 *  previous versions readable, and writable while the state fits them
 *  (docs/snapshot.md). */
#define PVIRQ_SNAPSHOT_VERSION_OLDEST 1u

PVIRQ_BEGIN_DECLS

/** @defgroup snapshot Snapshot: save and restore
 *  @{ */

/**
 * @brief Exact size in bytes of the snapshot pvirq_vm_save() writes
 * (format version PVIRQ_SNAPSHOT_VERSION).
 *
 * Depends only on the configuration (docs/snapshot.md): 8836 bytes for 8
 * vCPUs, T = 32, U = 2016 and no rVID inputs. Versions 1 and 2 are
 * smaller (4372 bytes there): pvirq_vm_save_version() reports theirs in
 * its @c written, also when called with a NULL buffer and length 0.
 * @param vm the VM.
 * @return the size (never 0). Thread-safe: reads configuration only.
 */
PVIRQ_API size_t pvirq_vm_snapshot_size(const struct pvirq_vm *vm);

/**
 * @brief Writes the snapshot of @p vm into @p buf.
 *
 * See the save contract above (quiesce first). Reads every state word
 * with one atomic load; writes nothing to the VM.
 * @param vm      the VM.
 * @param buf     destination, any alignment; may be NULL when @p len is 0
 *                (a size query).
 * @param len     bytes available at @p buf.
 * @param written if not NULL, receives the snapshot size on PVIRQ_OK and
 *                on PVIRQ_ENOSPC (so a caller can size its buffer).
 * @return PVIRQ_OK; PVIRQ_ENOSPC if @p len < pvirq_vm_snapshot_size()
 *         (nothing is written to @p buf); PVIRQ_EINVAL for a NULL @p vm,
 *         or a NULL @p buf with a non-zero @p len.
 */
PVIRQ_API int pvirq_vm_save(struct pvirq_vm *vm, void *buf, size_t len, size_t *written);

/**
 * @brief pvirq_vm_save() in a chosen format version: a previous version
 * lets a VM migrate back to (or roll back to) an older VMM.
 *
 * Same contract, ordering and errors as pvirq_vm_save(), plus one:
 * @param version PVIRQ_SNAPSHOT_VERSION_OLDEST .. PVIRQ_SNAPSHOT_VERSION.
 * @return PVIRQ_EVERSION (nothing written, @p written untouched) if
 *         @p version is outside that range, or if the VM holds state that
 *         format version cannot carry rather than drop it silently:
 *         versions 1 and 2 cannot carry a shared-state page, a priority
 *         class or floor other than 0, or a level-triggered rVID input.
 *         (The acknowledge cursors of classes 1..3 are ordering state and
 *         restart at 0 from those versions; an NMI line is the
 *         destination's configuration.) Checked before the buffer size.
 */
PVIRQ_API int pvirq_vm_save_version(struct pvirq_vm *vm, uint32_t version, void *buf, size_t len,
				    size_t *written);

/**
 * @brief Replaces the whole state of @p vm by the snapshot in @p buf.
 *
 * Validates everything before it writes anything: on any error the VM is
 * left exactly as it was, byte for byte. Checks, in this order (the first
 * failure is returned):
 *  - PVIRQ_EINVAL: NULL @p vm or @p buf.
 *  - PVIRQ_EMAGIC: the bytes present do not start with "PVIRQSNP".
 *  - PVIRQ_ETRUNCATED: too short to hold the version.
 *  - PVIRQ_EVERSION: format version outside PVIRQ_SNAPSHOT_VERSION_OLDEST
 *    .. PVIRQ_SNAPSHOT_VERSION.
 *  - PVIRQ_ETRUNCATED: @p len shorter than the header or than the length
 *    the header records.
 *  - PVIRQ_ECORRUPT: @p len longer than the recorded length (mis-framed).
 *  - PVIRQ_ECHECKSUM: CRC-32C mismatch (accidental corruption).
 *  - PVIRQ_ECORRUPT: structurally or internally inconsistent: a header or
 *    section field that disagrees with the recorded configuration, an
 *    impossible configuration, non-zero reserved or padding bits (bits
 *    beyond the INTID or input count, header flags other than the NMI
 *    line of version 3), a cursor >= T + U, an rVID entry naming a
 *    vCPU out of range or a trusted / out-of-range INTID, duplicate CPU ids;
 *    in version 3, a missing or misplaced PAGE, PRIO or INPT section, a
 *    shared page whose address is not PVIRQ_SHARED_STATE_SIZE aligned, a
 *    non-zero address without the shared flag, a floor >= 4, a level on
 *    an edge-triggered input; in versions 2 and 3, further sections that
 *    do not tile the bytes up to the checksum, carry unknown flags or
 *    repeat one of the version's own tags.
 *  - PVIRQ_EVERSION: a well-formed version 2 or 3 snapshot with a section this
 *    release does not know and that is not marked optional (written by a
 *    newer release, with state this one cannot hold). Unknown optional
 *    sections are skipped.
 *  - PVIRQ_ECONFIG: well-formed, but taken from a VM with another
 *    configuration (counts, the CPU id of some vCPU index, or, in
 *    version 3, the NMI line).
 *  - PVIRQ_ECORRUPT: two mapped rVID inputs name the same (vCPU, INTID)
 *    (MAP refuses that with PVIRQ_EBUSY). Checked against the VM, so
 *    pvirq_snapshot_config() does not report it.
 *  - PVIRQ_ECONFIG: a vCPU shared a page and the destination has no
 *    guest_page() callback, or it returns NULL (or a pointer that is not
 *    8-byte aligned) for that address: guest RAM not restored first, or
 *    another memory map. Also not reported by pvirq_snapshot_config().
 * The checksum only catches accidents; a hostile snapshot can carry a
 * correct one, and it is the validation that keeps it out. Any input is
 * memory-safe: lengths are overflow-checked and never read past @p len.
 *
 * See the restore contract above: nothing may use @p vm meanwhile, and
 * each vCPU must be rearmed before its next guest entry. @p buf must not
 * change during the call: it is read twice (validate, then apply), so a
 * byte changed in between reaches the VM unchecked. A buffer another
 * party can write (shared memory, a migration channel mapped from another
 * process) goes through pvirq_vm_restore_staged().
 * O(snapshot size). Calls no callback but guest_page(): twice per shared
 * page (to check, then to write), which must answer the same both times.
 * @param vm  the destination, created with the snapshot's configuration.
 * @param buf the snapshot, any alignment.
 * @param len its exact length in bytes.
 * @return PVIRQ_OK or one of the errors above.
 */
PVIRQ_API int pvirq_vm_restore(struct pvirq_vm *vm, const void *buf, size_t len);

/**
 * @brief pvirq_vm_restore() for a buffer another party may write during
 * the call: reads each byte of @p buf exactly once.
 *
 * Copies @p buf into @p stage with one load per byte, then restores from
 * the copy, so what is applied is exactly what was validated and a
 * failed restore still leaves the VM byte for byte as it was. The stage
 * is the price of both: until the checksum at the end is checked the new
 * state has to live somewhere other than the VM, and the library
 * allocates nothing. A state that changes during the copy yields a
 * snapshot that is then checked like any other (most likely refused with
 * PVIRQ_ECHECKSUM).
 * @param vm        the destination, as for pvirq_vm_restore().
 * @param buf       the snapshot, any alignment; read once.
 * @param len       its exact length in bytes.
 * @param stage     private memory of at least @p len bytes, any
 *                  alignment, not overlapping @p buf; its contents after
 *                  the call are unspecified.
 * @param stage_len bytes available at @p stage.
 * @return the errors of pvirq_vm_restore(); PVIRQ_EINVAL also for a NULL
 *         @p stage or a @p stage overlapping @p buf; PVIRQ_ENOSPC if
 *         @p stage_len < @p len (nothing read, VM untouched).
 */
PVIRQ_API int pvirq_vm_restore_staged(struct pvirq_vm *vm, const void *buf, size_t len, void *stage,
				      size_t stage_len);

/**
 * @brief Reads the configuration a snapshot was taken from, so a VMM can
 * build a matching destination VM before restoring into it.
 *
 * Runs every check of pvirq_vm_restore() that does not need a VM (header,
 * length, checksum, every internal consistency rule), then fills the
 * counts and the NMI line of @p cfg and, if @p cpu_ids is not NULL, the
 * CPU id of every vCPU into @p cpu_ids[0 .. nr_vcpus-1] with
 * cfg->cpu_ids = @p cpu_ids. The callbacks of @p cfg are set to NULL (the
 * caller sets its own; a snapshot with a shared page needs guest_page()).
 * @param buf         the snapshot.
 * @param len         its exact length in bytes.
 * @param cfg         receives the configuration.
 * @param cpu_ids     receives the CPU ids, or NULL if not wanted.
 * @param cpu_ids_len capacity of @p cpu_ids, in elements.
 * @return PVIRQ_OK; the errors of pvirq_vm_restore() except
 *         PVIRQ_ECONFIG; PVIRQ_EINVAL for a NULL @p buf or @p cfg;
 *         PVIRQ_ENOSPC if @p cpu_ids is too small (@p cfg and @p cpu_ids
 *         are then untouched). Pure function of @p buf; thread-safe.
 */
PVIRQ_API int pvirq_snapshot_config(const void *buf, size_t len, struct pvirq_config *cfg,
				    uint64_t *cpu_ids, uint32_t cpu_ids_len);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_SNAPSHOT_H */
