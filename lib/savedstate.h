/*
 * savedstate.h - the bytes of a saved state (agg_save, the sketches'
 * saves): unsigned LEB128 varints, 8-byte little-endian words, and a
 * reader that checks every length against the bytes left, so that a
 * decoder of outside bytes (a checkpoint read from a pipe) never reads
 * past its input and never allocates more than its input can describe.
 */
#ifndef SAVEDSTATE_H
#define SAVEDSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "littleendian.h"

/* Appends v as an unsigned LEB128 varint (1 to 10 bytes).  0 or -1. */
static inline int ss_put_varint(struct buf *b, uint64_t v)
{
	if (buf_grow(b, 10) < 0)
		return -1;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
	return 0;
}

/* Appends v as 8 bytes, little-endian.  0 or -1. */
static inline int ss_put_u64(struct buf *b, uint64_t v)
{
	if (buf_grow(b, 8) < 0)
		return -1;
	put_le64(b->p + b->len, v);
	b->len += 8;
	return 0;
}

static inline int ss_put_double(struct buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	return ss_put_u64(b, v);
}

/* A reader of p[0..n): each function returns 0, or -1 when the bytes end
 * too soon or are not what is asked (an overlong varint). */
struct ss_reader {
	const uint8_t *p;
	size_t n;
};

static inline int ss_get_u8(struct ss_reader *r, uint8_t *v)
{
	if (r->n < 1)
		return -1;
	*v = *r->p++;
	r->n--;
	return 0;
}

/* A varint in its shortest form (no padding 0x80 bytes), at most 64 bits. */
static inline int ss_get_varint(struct ss_reader *r, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	size_t i;

	for (i = 0; i < r->n && i < 10; i++) {
		uint8_t c = r->p[i];
		if (shift == 63 && c > 1)
			return -1;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			if (c == 0 && i > 0)
				return -1;
			r->p += i + 1;
			r->n -= i + 1;
			*v = x;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

static inline int ss_get_u64(struct ss_reader *r, uint64_t *v)
{
	if (r->n < 8)
		return -1;
	*v = le64(r->p);
	r->p += 8;
	r->n -= 8;
	return 0;
}

static inline int ss_get_double(struct ss_reader *r, double *d)
{
	uint64_t v;

	if (ss_get_u64(r, &v) < 0)
		return -1;
	memcpy(d, &v, 8);
	return 0;
}

/* Takes len bytes (pointing into the input). */
static inline int ss_get_bytes(struct ss_reader *r, uint64_t len, const uint8_t **out)
{
	if (len > r->n)
		return -1;
	*out = r->p;
	r->p += len;
	r->n -= (size_t)len;
	return 0;
}

#endif
