/*
 * utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF): the one rule for every text string the tools store, whatever
 * the input (JSON strings, lines, CBOR text strings of the framed stream).
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Checks the UTF-8 sequence that starts with the byte s[0] >= 0x80, of which
 * n >= 1 bytes are available.  Returns its length (2 to 4) when it is valid,
 * 0 when it is not, and -1 when the n bytes are a valid beginning that ends
 * too soon.  The one definition of a valid sequence: utf8_valid_prefix and
 * the JSON parser both use it.
 */
static inline int utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	int k, i;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		k = 2;
	} else if (c < 0xf0) {
		k = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong 3-byte form */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogate */
	} else {
		k = 4;
		if (c == 0xf0)
			lo = 0x90;	/* no overlong 4-byte form */
		else if (c == 0xf4)
			hi = 0x8f;	/* at most U+10FFFF */
	}
	for (i = 1; i < k; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return k;
}

/* Returns the length of the longest valid UTF-8 prefix of p[0..n): n when
 * all of it is valid.  ASCII goes eight bytes at a time. */
size_t utf8_valid_prefix(const uint8_t *p, size_t n);

#endif
