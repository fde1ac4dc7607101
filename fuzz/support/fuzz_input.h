/* SPDX-License-Identifier: MIT */
/*
 * Turns a fuzzer's byte string into decisions. Reading past the end yields
 * zeros (and marks the input exhausted), so every byte string is a valid
 * program and short inputs stay meaningful.
 */
#ifndef PVIRQ_FUZZ_INPUT_H
#define PVIRQ_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline bool fuzz_done(const struct fuzz_input *in)
{
	return in->pos >= in->size;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : (in->pos++, 0);
}

/* Little-endian, so a dictionary entry reads as the value it spells. */
static inline uint64_t fuzz_bytes(struct fuzz_input *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return (uint32_t)fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	return fuzz_bytes(in, 8);
}

/*
 * An index for a table of @bound entries: mostly in range, sometimes just
 * past the end, sometimes a raw 32-bit value (hostile callers).
 */
static inline uint32_t fuzz_index(struct fuzz_input *in, uint32_t bound)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0xF0)
		return bound ? (uint32_t)(sel + 256u * (sel >= 0xE0 ? fuzz_u8(in) : 0u)) % bound
			     : 0;
	if (sel < 0xF8)
		return bound + (sel & 3u);
	return fuzz_u32(in);
}

#endif /* PVIRQ_FUZZ_INPUT_H */
