/* SPDX-License-Identifier: MIT */
/*
 * Console on the NS16550 of QEMU virt (0x10000000). QEMU's UART is always
 * ready to take a byte, but the line status is checked anyway so the code
 * is right on a real one.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "console.h"
#include "print.h" /* examples/baremetal-common */

#define UART_BASE 0x10000000ul
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static void uart_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;

	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

/* baremetal-common/print.c's output hook (its report and numbers). */
void bm_putc(char c)
{
	uart_putc(c);
}

void hs_console_write(const char *s, size_t len)
{
	/* One lock for all console output: print.c's. */
	bm_lock();
	for (size_t i = 0; i < len; i++)
		uart_putc(s[i]);
	bm_unlock();
}

struct out {
	char *buf;
	size_t size, len;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_number(struct out *o, uint64_t v, unsigned base, bool negative, int width,
			bool zero, bool left)
{
	char digits[24];
	int n = 0, pad;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		digits[n++] = '-';
	pad = width > n ? width - n : 0;
	if (!left)
		while (pad-- > 0)
			emit(o, zero ? '0' : ' ');
	while (n)
		emit(o, digits[--n]);
	if (left)
		while (pad-- > 0)
			emit(o, ' ');
}

static void format(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, longs = 0;

		if (*fmt != '%') {
			emit(o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '0' || *fmt == '-'; fmt++)
			*(*fmt == '0' ? &zero : &left) = true;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			longs++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			while (s[n])
				n++;
			for (int pad = width - n; !left && pad > 0; pad--)
				emit(o, ' ');
			for (int i = 0; i < n; i++)
				emit(o, s[i]);
			for (int pad = width - n; left && pad > 0; pad--)
				emit(o, ' ');
			break;
		}
		case 'c': emit(o, (char)va_arg(ap, int)); break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			emit_number(o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, zero,
				    left);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);

			emit_number(o, v, *fmt == 'x' ? 16 : 10, false, width, zero, left);
			break;
		}
		case '%': emit(o, '%'); break;
		default: return; /* unknown conversion: stop rather than guess */
		}
	}
}

size_t hs_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct out o = {buf, size, 0};
	va_list ap;

	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len < size ? o.len : size - 1;
}

void hs_printf(const char *fmt, ...)
{
	char buf[512];
	struct out o = {buf, sizeof(buf), 0};
	va_list ap;

	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	hs_console_write(buf, o.len < sizeof(buf) ? o.len : sizeof(buf) - 1);
}
