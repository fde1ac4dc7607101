/* SPDX-License-Identifier: MIT */
/* Strings and numbers on a freestanding console: the port gives one
 * character at a time (console_putc), this gives the rest. */
#include "workload.h"

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

void console_hex(uint64_t v)
{
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF];
	buf[18] = 0;
	console_puts(buf);
}

void console_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	console_puts(&buf[i]);
}
