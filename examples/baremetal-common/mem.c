/* SPDX-License-Identifier: MIT */
/*
 * memset and memcpy for freestanding images (guests, bare-metal
 * hypervisors): compilers may emit calls to them for struct copies and
 * zeroing loops even with -ffreestanding, and there is no libc to provide
 * them.
 */
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
