/* SPDX-License-Identifier: MIT */
/*
 * Minimal flattened-device-tree walk (devicetree specification, chapter 5):
 * the structure block is a token stream of BEGIN_NODE name, PROP (len,
 * nameoff, value), END_NODE, NOP, END; strings live in their own block.
 */
#include <stdint.h>

#include "fdt.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const char *hs_fdt_bootargs(const void *fdt)
{
	const uint8_t *base = fdt;
	uint32_t total, off_struct, off_strings, size_struct, pos, depth = 0, in_chosen = 0;

	if (!base || be32(base) != FDT_MAGIC)
		return 0;
	total = be32(base + 4);
	off_struct = be32(base + 8);
	off_strings = be32(base + 12);
	size_struct = be32(base + 36);
	if (off_struct > total || size_struct > total - off_struct || off_strings > total)
		return 0;
	for (pos = off_struct; pos + 4 <= off_struct + size_struct;) {
		uint32_t token = be32(base + pos);

		pos += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)base + pos;
			uint32_t len = 0;

			while (pos + len < total && name[len])
				len++;
			depth++;
			if (depth == 2)
				in_chosen = streq(name, "chosen");
			pos = (pos + len + 1 + 3) & ~3u;
		} else if (token == FDT_END_NODE) {
			if (depth == 2)
				in_chosen = 0;
			depth--;
		} else if (token == FDT_PROP) {
			uint32_t len = be32(base + pos), nameoff = be32(base + pos + 4);
			const char *value = (const char *)base + pos + 8;

			if (len > total - pos - 8 || nameoff >= total - off_strings)
				return 0;
			if (in_chosen && len && value[len - 1] == 0 &&
			    streq((const char *)base + off_strings + nameoff, "bootargs"))
				return value;
			pos = (pos + 8 + len + 3) & ~3u;
		} else if (token != FDT_NOP) {
			return 0; /* FDT_END or garbage */
		}
	}
	return 0;
}
