/*
 * decimal.h - the one integer formatter: the decimal text of a uint64 or
 * int64, two digits at a time (a 13-digit timestamp is 7 divisions, not
 * 13).  Inline: it is on the JSON encoder's and logcat's hot paths.
 */
#ifndef DECIMAL_H
#define DECIMAL_H

#include <stdint.h>
#include <string.h>

#define DECIMAL_MAX 20	/* digits of UINT64_MAX; a sign makes 21 */

static const char decimal_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/*
 * Writes v in decimal into the 20 bytes that end at end, right-aligned;
 * returns where the digits start.
 */
static inline char *decimal_u64(uint64_t v, char *end)
{
	char *q = end;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		q -= 2;
		memcpy(q, decimal_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, decimal_pairs + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	return q;
}

/* The same for an int64, with a '-' before a negative one: 21 bytes. */
static inline char *decimal_i64(int64_t v, char *end)
{
	char *q;

	if (v >= 0)
		return decimal_u64((uint64_t)v, end);
	q = decimal_u64((uint64_t)(-(v + 1)) + 1, end);
	*--q = '-';
	return q;
}

#endif
