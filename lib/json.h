/*
 * json.h - JSON text to CBOR items and back, by the mapping written in
 * logformat(5) ("JSON MAPPING").  The mapping is lossless for everything
 * item_to_json writes: byte strings, 64-bit integers, non-finite floats, tags,
 * undefined and maps with non-text keys travel as one-member "$" objects.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "item.h"

enum {
	JSON_INVALID = -2,	/* well-formed, but not a valid item (item.h) */
	JSON_ERROR = -1,	/* malformed: err says why, *used says where */
	JSON_OK = 0,		/* one value parsed */
	JSON_MORE = 1,		/* input ends inside a value: give more bytes */
	JSON_END = 2,		/* only whitespace left */
};

/*
 * Nesting: a CBOR item nests at most ITEM_MAX_DEPTH (512) containers deep,
 * in both directions (item.h counts them).  Its JSON has more brackets where
 * "$tag" (2 per tag) and "$map" (3 per map) forms stand for items, so JSON
 * text may nest up to JSON_MAX_DEPTH: what item_to_json writes, json_to_cbor
 * reads back.
 */
#define JSON_MAX_DEPTH (3 * ITEM_MAX_DEPTH + 2)

/* Flags of json_to_cbor. */
#define JSON_EOF	1u	/* no bytes follow p[0..len) */
#define JSON_PLAIN	2u	/* no "$" forms: every object is a map */

/*
 * Parses one JSON value from p[0..len), skipping whitespace before it, and
 * appends its CBOR encoding to out.  The input is a sequence of RFC 8259
 * values read as jq reads it: "{}{}" and "1 2" are two values each, and a
 * number or literal ends at whitespace, a bracket, a brace, ',', ':' or '"'.
 * Objects become definite-length maps with the members in input order
 * (duplicates kept: item_validate refuses them), numbers without fraction
 * or exponent in [-2^64, 2^64-1] integers, other integers (up to 4300
 * digits) bignums (tag 2 or 3), "-0" and numbers with a fraction or an
 * exponent the shortest float that holds their nearest double, and, unless
 * flags has JSON_PLAIN, the one-member objects "$bytes", "$float", "$tag",
 * "$map" and "$undefined" the items they stand for (a bad value in one of
 * those is an error; what a tag holds is item_validate's to check).
 *
 * JSON_OK: *used is the number of bytes consumed (leading whitespace and the
 * value, not the whitespace after it).
 * JSON_MORE: the bytes end before the value does and flags lacks JSON_EOF;
 * nothing is appended; call again with the same bytes and more after them.
 * A number or a literal that reaches the end is JSON_MORE too: more digits
 * could follow.  With JSON_EOF an incomplete value is JSON_ERROR instead.
 * JSON_END: p[0..len) is only whitespace; *used = len.
 * JSON_INVALID: as JSON_ERROR, for JSON text that is well-formed but whose
 * item is not valid CBOR (item_validate, the rule of every input): two
 * members of an object with the same name ("duplicate member name", *used
 * at the second), or a "$tag" or "$map" form that makes an invalid item
 * (*used at the value's start; "tag 0: not an RFC 3339 ...").
 * JSON_ERROR: err->msg holds the reason without position ("unterminated
 * string"), *used the byte position of the fault within p; out is left as it
 * was on entry.  Deeper nesting than JSON_MAX_DEPTH, invalid UTF-8 (utf8.h),
 * lone surrogates, a nonzero number that rounds to zero or to infinity
 * ("1e-400", "1e400") and integers of more than 4300 digits are errors.
 *
 * Numbers are read the same whatever LC_NUMERIC says.  No allocation but
 * the growth of out; safe to call from several threads on distinct buffers.
 */
int json_to_cbor(const char *p, size_t len, unsigned flags, struct buf *out,
		 size_t *used, struct error *err);

/*
 * Appends the JSON text of the first CBOR item of p[0..len) to out, and sets
 * *used to the item's length in bytes.  Returns 0, or -1 with err set when the
 * item is not well-formed, truncated, nested deeper than JSON_MAX_DEPTH or
 * unsupported (simple values other than false, true, null and undefined); out
 * is then left as it was on entry and *used is the offset of the head at
 * fault.  Text strings that are not valid UTF-8 are written with U+FFFD in
 * place of each bad byte, so the output is always valid JSON.
 *
 * The depth limit applies to the JSON written, where the "$" forms add
 * levels ({"$tag":[N,item]} two, {"$map":[[k,v]]} three), so that
 * json_to_cbor reads back whatever this writes, as the same CBOR up to the
 * choice of encodings (definite lengths, shortest heads and floats).  Floats
 * are written as the shortest decimal that reads back the same, with a '.'
 * or an exponent ("1.0", "1e+300", "1.5e-07"), as Python's repr() does.
 */
int item_to_json(const uint8_t *p, size_t len, struct buf *out, size_t *used,
		 struct error *err);

/* item_to_json without its fast path (for the shapes events take): the
 * general loop alone, for tests that check the two agree. */
int item_to_json_general(const uint8_t *p, size_t len, struct buf *out, size_t *used,
			 struct error *err);

/*
 * Appends s[0..n) as a JSON string literal, quotes included, escaped and with
 * U+FFFD for invalid UTF-8 as item_to_json writes text.  Returns 0, or -1
 * when memory runs out, out then left as it was.
 */
int json_add_string(struct buf *out, const char *s, size_t n);

#endif
