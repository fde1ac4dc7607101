/* SPDX-License-Identifier: MIT */
/* The bare-metal console (print.h). */
#include "print.h"

static uint32_t console_lock;

void bm_lock(void)
{
	/* acquire: the holder's output follows the previous holder's. */
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&console_lock, __ATOMIC_RELAXED))
			;
}

void bm_unlock(void)
{
	/* release: pairs with bm_lock()'s acquire. */
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void bm_puts(const char *s)
{
	while (*s)
		bm_putc(*s++);
}

/* Decimal digits of @p v into @p buf (21 bytes), returns the first. */
static char *dec_digits(uint64_t v, char *buf)
{
	int i = 20;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return &buf[i];
}

static int length(const char *s)
{
	int n = 0;

	while (s[n])
		n++;
	return n;
}

void bm_puts_w(const char *s, int width)
{
	for (int pad = width - length(s); pad > 0; pad--)
		bm_putc(' ');
	bm_puts(s);
}

void bm_dec(uint64_t v)
{
	char buf[21];

	bm_puts(dec_digits(v, buf));
}

void bm_sdec(int64_t v)
{
	if (v < 0) {
		bm_putc('-');
		bm_dec(0 - (uint64_t)v);
	} else
		bm_dec((uint64_t)v);
}

void bm_dec_w(uint64_t v, int width)
{
	char buf[21];

	bm_puts_w(dec_digits(v, buf), width);
}

void bm_hex(uint64_t v)
{
	bm_puts("0x");
	for (int i = 0; i < 16; i++)
		bm_putc("0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF]);
}

/* "int.frac" of num/den rounded to two decimals, into @p buf (32 bytes). */
static const char *ratio_text(uint64_t num, uint64_t den, char *buf)
{
	char digits[21];
	const char *whole;
	uint64_t hundredths;
	int n = 0;

	if (den == 0)
		return "-";
	hundredths = (num * 100 + den / 2) / den;
	whole = dec_digits(hundredths / 100, digits);
	while (*whole)
		buf[n++] = *whole++;
	buf[n++] = '.';
	buf[n++] = (char)('0' + hundredths % 100 / 10);
	buf[n++] = (char)('0' + hundredths % 10);
	buf[n] = 0;
	return buf;
}

void bm_ratio(uint64_t num, uint64_t den)
{
	char buf[32];

	bm_puts(ratio_text(num, den, buf));
}

void bm_ratio_w(uint64_t num, uint64_t den, int width)
{
	char buf[32];

	bm_puts_w(ratio_text(num, den, buf), width);
}
