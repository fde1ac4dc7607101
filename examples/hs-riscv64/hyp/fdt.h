/* SPDX-License-Identifier: MIT */
/* The one thing read from the device tree: /chosen/bootargs. */
#ifndef HS_FDT_H
#define HS_FDT_H

#include <stddef.h>

/* /chosen/bootargs of the flattened tree at @p fdt, or NULL. The tree is
 * QEMU's, but its lengths are still bounds-checked against totalsize. */
const char *hs_fdt_bootargs(const void *fdt);

#endif /* HS_FDT_H */
