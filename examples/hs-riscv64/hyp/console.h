/* SPDX-License-Identifier: MIT */
/* The hypervisor's console: QEMU virt's NS16550 UART, one line at a time. */
#ifndef HS_CONSOLE_H
#define HS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* printf subset: %s %c %d %u %x with l/ll, a width and the 0 and - flags.
 * One call is written under the console lock, so lines from different
 * harts never interleave. */
void hs_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Formats into @p buf (always terminated); returns the length. */
size_t hs_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes @p len bytes as they are (guest console lines). */
void hs_console_write(const char *s, size_t len);

#endif /* HS_CONSOLE_H */
