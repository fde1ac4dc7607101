/* SPDX-License-Identifier: MIT */
/* G-stage (guest-physical -> host-physical) translation, Sv39x4. */
#ifndef HS_GSTAGE_H
#define HS_GSTAGE_H

#include <stddef.h>
#include <stdint.h>

/* Builds the tables once (any hart, before any guest runs). A non-zero
 * @p hole leaves the 2 MiB page holding that guest address unmapped (the
 * self-test that a guest fault fails the run). */
void hs_gstage_build(uint64_t hole);
/* Loads hgatp on this hart and flushes its G-stage TLB. */
void hs_gstage_enable(void);
/* The host address of guest range [gpa, gpa + len) if all of it is guest
 * RAM, else NULL (a guest-supplied address is hostile). */
void *hs_gpa_to_host(uint64_t gpa, uint64_t len);
/* The host address of guest range [gpa, gpa + len) by a walk of the
 * G-stage tables the guest runs on (one 2 MiB leaf at most), or NULL if
 * they do not map all of it readable and writable: RVIC_SHARE_STATE's
 * page reaches exactly what the guest reaches there. */
void *hs_gstage_translate(uint64_t gpa, uint64_t len);

#endif /* HS_GSTAGE_H */
