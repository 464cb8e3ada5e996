/* utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), for text that becomes a CBOR text string. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the length of the longest valid UTF-8 prefix of p[0..n): n when
 * all of it is valid. */
size_t utf8_valid_prefix(const uint8_t *p, size_t n);

#endif
