/* SPDX-License-Identifier: MIT */
/**
 * @file snapshot.h
 * @brief Save and restore the whole interrupt state of a VM (live
 *        migration, snapshot/resume), with nothing lost.
 *
 * A snapshot is a self-contained byte string in a fixed little-endian
 * format (docs/snapshot.md): the configuration (vCPU count, trusted and
 * untrusted INTID counts, rVID input count), every vCPU's architectural
 * id, enable bit and acknowledge cursor, every INTID's pending, masked and
 * software level-line bits, and the rVID table; closed by a CRC-32C. The
 * bytes do not depend on the host's byte order, word size or compiler: a
 * snapshot saved on x86_64 restores identically on arm64 or riscv64.
 *
 * What a snapshot does NOT hold: the notify/line_level callbacks (the
 * destination's own), the per-vCPU "notified" flag (restarts clear) and
 * the acknowledge summary bitmap (rebuilt from the state words).
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
 * Device models restore their own state and resume injecting afterwards.
 */
#ifndef PVIRQ_SNAPSHOT_H
#define PVIRQ_SNAPSHOT_H

#include "vm.h"

/** Snapshot format version written by pvirq_vm_save() and the only one
 *  pvirq_vm_restore() accepts. */
#define PVIRQ_SNAPSHOT_VERSION 1u

PVIRQ_BEGIN_DECLS

/** @defgroup snapshot Snapshot: save and restore
 *  @{ */

/**
 * @brief Exact size in bytes of the snapshot of @p vm.
 *
 * Depends only on the configuration: 48 + 16 + nr_vcpus * record +
 * 16 + 8 * nr_rvid_inputs + 4 (docs/snapshot.md). 4372 bytes for 8 vCPUs,
 * T = 32, U = 2016 and no rVID inputs.
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
 * @brief Replaces the whole state of @p vm by the snapshot in @p buf.
 *
 * Validates everything before it writes anything: on any error the VM is
 * left exactly as it was, byte for byte. Checks, in this order (the first
 * failure is returned):
 *  - PVIRQ_EINVAL: NULL @p vm or @p buf.
 *  - PVIRQ_EMAGIC: the bytes present do not start with "PVIRQSNP".
 *  - PVIRQ_ETRUNCATED: too short to hold the version.
 *  - PVIRQ_EVERSION: format version other than PVIRQ_SNAPSHOT_VERSION.
 *  - PVIRQ_ETRUNCATED: @p len shorter than the header or than the length
 *    the header records.
 *  - PVIRQ_ECORRUPT: @p len longer than the recorded length (mis-framed).
 *  - PVIRQ_ECHECKSUM: CRC-32C mismatch (accidental corruption).
 *  - PVIRQ_ECORRUPT: structurally or internally inconsistent: a header or
 *    section field that disagrees with the recorded configuration, an
 *    impossible configuration, non-zero reserved or padding bits (bits
 *    beyond the INTID count), a cursor >= T + U, an rVID entry naming a
 *    vCPU out of range or a trusted / out-of-range INTID, duplicate CPU ids.
 *  - PVIRQ_ECONFIG: well-formed, but taken from a VM with another
 *    configuration (counts, or the CPU id of some vCPU index).
 * The checksum only catches accidents; a hostile snapshot can carry a
 * correct one, and it is the validation that keeps it out. Any input is
 * memory-safe: lengths are overflow-checked and never read past @p len.
 *
 * See the restore contract above: nothing may use @p vm meanwhile, and
 * each vCPU must be rearmed before its next guest entry. @p buf must not
 * change during the call (it is read twice: validate, then apply).
 * O(snapshot size); calls no callback.
 * @param vm  the destination, created with the snapshot's configuration.
 * @param buf the snapshot, any alignment.
 * @param len its exact length in bytes.
 * @return PVIRQ_OK or one of the errors above.
 */
PVIRQ_API int pvirq_vm_restore(struct pvirq_vm *vm, const void *buf, size_t len);

/**
 * @brief Reads the configuration a snapshot was taken from, so a VMM can
 * build a matching destination VM before restoring into it.
 *
 * Runs every check of pvirq_vm_restore() that does not need a VM (header,
 * length, checksum, every internal consistency rule), then fills the
 * counts of @p cfg and, if @p cpu_ids is not NULL, the CPU id of every
 * vCPU into @p cpu_ids[0 .. nr_vcpus-1] with cfg->cpu_ids = @p cpu_ids.
 * The callbacks of @p cfg are set to NULL (the caller sets its own).
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
