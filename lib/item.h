/*
 * item.h - CBOR data items held in memory: the head of an item, and checking
 * and skipping whole items.  Every decoder of outside CBOR bytes (the framed
 * stream, batch payloads, field paths) goes through item_check, so they all
 * accept the same set of items: well-formed CBOR (RFC 8949) nested at most
 * ITEM_MAX_DEPTH deep, with false, true, null and undefined as the only
 * simple values.
 */
#ifndef ITEM_H
#define ITEM_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

#define ITEM_MAX_DEPTH 512

enum item_type {
	ITEM_UINT, ITEM_NEGINT,		/* val is the number (negint: -1 - val) */
	ITEM_BYTES, ITEM_TEXT,		/* data, val = length */
	ITEM_ARRAY, ITEM_MAP,		/* val = items / pairs */
	ITEM_TAG,			/* val = tag number; the tagged item follows */
	ITEM_FLOAT,			/* f */
	ITEM_FALSE, ITEM_TRUE, ITEM_NULL, ITEM_UNDEFINED,
	ITEM_BYTES_INDEF, ITEM_TEXT_INDEF, ITEM_ARRAY_INDEF, ITEM_MAP_INDEF,
	ITEM_BREAK,
};

struct item_head {
	enum item_type type;
	uint64_t val;
	double f;
	const uint8_t *data;	/* string contents, inside the input */
	size_t len;		/* bytes of the head (and string contents) */
};

enum {
	ITEM_BAD = -1,		/* not well-formed or unsupported: err says what */
	ITEM_TRUNCATED = 0,	/* the bytes end inside the item */
	ITEM_OK = 1,
};

/* Decodes the head at p[0..n).  Returns ITEM_OK, ITEM_TRUNCATED or ITEM_BAD
 * (err set, e.g. "reserved additional information 28 in major type 0"). */
int item_head(const uint8_t *p, size_t n, struct item_head *h, struct error *err);

/* Checks that p[0..n) begins with one complete, well-formed item and sets
 * *len to its size.  Returns ITEM_OK, ITEM_TRUNCATED (more bytes might
 * complete it) or ITEM_BAD with err set. */
int item_check(const uint8_t *p, size_t n, size_t *len, struct error *err);

/*
 * Checks what item_check does not, on p[0..n), one whole item that
 * item_check accepted: the rules of valid CBOR (RFC 8949 section 5.3) that
 * every input path of the tools enforces, here and only here:
 *  - every text string, each chunk of an indefinite-length one and every
 *    map key included, is valid UTF-8 (utf8.h);
 *  - no map has two equal keys, equal as data items: encodings that differ
 *    only in the length of heads, in chunking or in float width are equal;
 *  - the content of the tags whose content RFC 8949 and the IANA registry
 *    define is what they define: 0 an RFC 3339 date-time text (as RFC 8949
 *    section 3.4.1 has it: "T" and "Z" upper case; years 0001 to 9999,
 *    seconds 00 to 59), 1 an integer or finite float within those years,
 *    2 and 3 a byte string, 4 and 5 an array of an integer exponent and an
 *    integer or bignum mantissa, 24 a byte string holding one well-formed
 *    and valid item (nested at most ITEM_MAX_DEPTH deep with what is around
 *    it), 30 an array of an integer or bignum numerator and a positive
 *    one, 32 a URI (RFC 3986 characters after a scheme), 33 base64url
 *    without padding and 34 base64 with it (RFC 8949 section 3.4.5.3:
 *    padding bits zero), 35 and 36 a text string, 37 a byte string of 16,
 *    258 an array; 21 to 23, 55799 and all other tags any item.
 * Returns 0, or -1 with err saying what and at which byte of p ("at byte
 * 12: tag 0: not an RFC 3339 date-time"); -1 also when memory runs out.
 */
int item_validate(const uint8_t *p, size_t n, struct error *err);

/*
 * item_check and item_validate in one: p[0..n) begins with one complete,
 * well-formed and valid item, *len its size.  The common items (a leaf, a
 * flat map of short text keys and leaf values) take one walk; the others
 * item_check's, then item_validate's.  Returns ITEM_OK, ITEM_TRUNCATED
 * (more bytes might complete it) or ITEM_BAD with err set by the one of
 * the two that refused it.
 */
int item_check_valid(const uint8_t *p, size_t n, size_t *len, struct error *err);

/* Reads an integer item (uint or negint) into *v.  Returns ITEM_OK, or
 * ITEM_BAD when the item is another type or out of int64 range. */
int item_int64(const uint8_t *p, size_t n, int64_t *v, size_t *len);

/*
 * The contents of a text or byte string item at p[0..n): *s and *len point
 * into p for a definite-length one; an indefinite-length one's chunks are
 * joined in scratch (emptied first) and *s points there.  *type is
 * ITEM_TEXT or ITEM_BYTES.  Returns 1; 0 when p is not a whole string item
 * (another type, a bad chunk, no break); -1 when memory runs out.
 */
struct buf;
int item_string(const uint8_t *p, size_t n, struct buf *scratch, const uint8_t **s,
		size_t *len, enum item_type *type);

/* Writes the shortest head of major type major (0-7) with argument v to
 * out (room for 9 bytes); returns its length.  The project's one head
 * writer (json.c, append.c, item.c): inline, because it is the record
 * encoder's hot path, where libcbor's cbor_encode_uint, through the PLT,
 * cost more. */
static inline size_t item_put_head(uint8_t *out, uint8_t major, uint64_t v)
{
	uint8_t m = (uint8_t)(major << 5);

	assert(major < 8);

	if (v < 24) {
		out[0] = m | (uint8_t)v;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = m | 24;
		out[1] = (uint8_t)v;
		return 2;
	}
	if (v <= 0xffff) {
		out[0] = m | 25;
		out[1] = (uint8_t)(v >> 8);
		out[2] = (uint8_t)v;
		return 3;
	}
	if (v <= 0xffffffff) {
		uint32_t be = __builtin_bswap32((uint32_t)v);
		out[0] = m | 26;
		memcpy(out + 1, &be, 4);
		return 5;
	}
	v = __builtin_bswap64(v);
	out[0] = m | 27;
	memcpy(out + 1, &v, 8);
	return 9;
}

/* The length of the shortest head with argument v: 1, 2, 3, 5 or 9. */
static inline size_t item_head_len(uint64_t v)
{
	return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}

/* A short description of the byte that starts an item, for messages:
 * "a map", "the text string", "break (0xff)", ... */
const char *item_describe(uint8_t first);

#endif
