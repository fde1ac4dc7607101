/* SPDX-License-Identifier: MIT */
/*
 * A bare-metal console: strings, decimal and hex numbers, fixed-point
 * ratios, on top of one character at a time. No libc, no varargs, no
 * floating point, so it builds for any freestanding hypervisor (arm64 EL2,
 * riscv64 HS). The port implements bm_putc(); callers serialize lines
 * themselves if several CPUs print (bm_lock()/bm_unlock() below).
 */
#ifndef BAREMETAL_PRINT_H
#define BAREMETAL_PRINT_H

#include <stdint.h>

/* Port hook: one character out (e.g. a PL011 or 16550 data register). */
void bm_putc(char c);

void bm_puts(const char *s);
void bm_dec(uint64_t v);
/* Signed decimal. */
void bm_sdec(int64_t v);
/* Right-aligned in @p width columns. */
void bm_dec_w(uint64_t v, int width);
void bm_puts_w(const char *s, int width);
void bm_hex(uint64_t v);
/* num/den with two decimals ("1.25"); "-" when den is 0. */
void bm_ratio(uint64_t num, uint64_t den);
/* Right-aligned ratio in @p width columns. */
void bm_ratio_w(uint64_t num, uint64_t den, int width);

/* A console lock for multi-CPU output (a test-and-set spinlock: only for
 * memory that is Normal cacheable, i.e. after the MMU is on). */
void bm_lock(void);
void bm_unlock(void);

#endif /* BAREMETAL_PRINT_H */
