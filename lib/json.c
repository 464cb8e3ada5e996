/*
 * json.c - JSON text to CBOR and CBOR to JSON text, by the mapping of
 * logformat(5) (see json.h).  Both directions are single passes with an
 * explicit stack of at most JSON_MAX_DEPTH frames: no recursion, and no
 * allocation but the growth of the caller's output buffer.
 *
 * The file has four parts: shared helpers (byte scanning, UTF-8, numbers),
 * JSON to CBOR, CBOR to JSON, and the public json_add_string.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "decimal.h"
#include "item.h"
#include "json.h"
#include "utf8.h"

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Makes room for n more bytes.  The test is inline because it runs once per
 * value; buf_grow is called only when the buffer really has to grow.
 */
static inline int reserve(struct buf *b, size_t n)
{
	if (b->cap > b->len && b->cap - b->len > n)
		return 0;
	return buf_grow(b, n);
}

/* Bytes that end a run of plain string bytes: '"', '\\', < 0x20, >= 0x80. */
static const uint8_t special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

#define ONES	0x0101010101010101ull
#define HIGHS	0x8080808080808080ull

/*
 * Returns the index of the first special byte of s[i..n), or n.  Eight bytes
 * at a time: each term below flags, in its byte's high bit, a byte equal to
 * '"', equal to '\\', below 0x20, or with the high bit set.  The flags can be
 * wrong only above a byte correctly flagged (a borrow travels upwards), so
 * the lowest flag of a little-endian load is exact.
 */
static inline uint64_t flags8(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b) |
		((w - ONES * 0x20) & ~w) | w) & HIGHS;
}

static size_t scan_plain(const uint8_t *s, size_t i, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t m;
	uint32_t w4;

	if (n - i >= 8) {
		for (; n - i >= 8; i += 8) {
			memcpy(&m, s + i, 8);
			m = flags8(m);
			if (m)
				return i + ((size_t)__builtin_ctzll(m) >> 3);
		}
		if (i == n)
			return n;
		/*
		 * The last 8 bytes, overlapping the plain ones before i:
		 * those raise no flag, so the lowest flag is still exact.
		 */
		memcpy(&m, s + n - 8, 8);
		m = flags8(m);
		return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
	}
	if (n - i >= 4) {	/* 4 to 7 bytes: two words of 4 */
		memcpy(&w4, s + i, 4);
		m = flags8(w4 | 0x2020202000000000ull);
		if (m)
			return i + ((size_t)__builtin_ctzll(m) >> 3);
		memcpy(&w4, s + n - 4, 4);
		m = flags8(w4 | 0x2020202000000000ull);
		return m ? n - 4 + ((size_t)__builtin_ctzll(m) >> 3) : n;
	}
#endif
	while (i < n && !special[s[i]])
		i++;
	return i;
}

/*
 * Copies s[0..n) to d up to its first special byte, scanning and copying in
 * one pass, and returns that byte's index, or n.  d needs n + 8 bytes of
 * room: whole words are stored, the last one overlapping the one before.
 */
static size_t copy_plain(uint8_t *d, const uint8_t *s, size_t n)
{
	size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w, m;

	if (n >= 8) {
		for (; n - i >= 8; i += 8) {
			memcpy(&w, s + i, 8);
			memcpy(d + i, &w, 8);
			m = flags8(w);
			if (m)
				return i + ((size_t)__builtin_ctzll(m) >> 3);
		}
		if (i == n)
			return n;
		memcpy(&w, s + n - 8, 8);
		memcpy(d + n - 8, &w, 8);
		m = flags8(w);
		return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
	}
#endif
	for (; i < n && !special[s[i]]; i++)
		d[i] = s[i];
	return i;
}

/* The powers of ten that doubles hold exactly. */
static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Reads the decimal dig[0..nd) x 10^exp10 with strtod.  The text has no
 * decimal point, so the result does not depend on LC_NUMERIC.  nd <= 801.
 */
static double read_decimal(const char *dig, int nd, long exp10)
{
	char s[832], e[24], *t;
	size_t n = (size_t)nd;

	/* Beyond this, 801 digits are 0 or infinity whatever they are. */
	if (exp10 > 99999)
		exp10 = 99999;
	if (exp10 < -99999)
		exp10 = -99999;
	memcpy(s, dig, n);
	s[n++] = 'e';
	if (exp10 < 0) {
		s[n++] = '-';
		exp10 = -exp10;
	}
	t = decimal_u64((uint64_t)exp10, e + sizeof e);
	memcpy(s + n, t, (size_t)(e + sizeof e - t));
	n += (size_t)(e + sizeof e - t);
	s[n] = 0;
	return strtod(s, NULL);
}

/* ------------------------------------------------------------------------ */
/* JSON to CBOR                                                             */
/* ------------------------------------------------------------------------ */

/* First member names of the one-member objects that stand for CBOR items. */
enum { SP_NONE, SP_BYTES, SP_FLOAT, SP_TAG, SP_MAP, SP_UNDEFINED };

struct jframe {
	size_t head;		/* out offset of the 1-byte head reserved */
	size_t vpos;		/* input offset of the first member's value */
	uint64_t n;		/* items or members so far */
	uint8_t obj;		/* an object, else an array */
	uint8_t sp;		/* SP_*: the first member's name */
	size_t kbase;		/* its first member name in jparse.keys */
};

/*
 * Member names are compared when their object closes, to refuse duplicates
 * (RFC 8949 section 5.6 calls a map with equal keys invalid) without a
 * second pass: up to this many open at once, and this many in an object.
 * Beyond them, and when "$tag" or "$map" forms made items whose validity
 * the parser does not know, json_to_cbor asks item_validate, the rule of
 * every input, about the whole item.
 */
#define JSON_KEYS 512
#define JSON_KEYS_PAIRWISE 16

struct jkey {
	uint64_t sig;		/* the first 8 bytes of the name's text string */
	size_t out, len;	/* the string in out */
	size_t in;		/* and its opening quote in the input */
};

struct jparse {
	const uint8_t *p;
	size_t len;
	int eof;
	int plain;		/* JSON_PLAIN: no "$" forms */
	int bignums;		/* a bignum tag was written (one more level) */
	int validate;		/* the item needs item_validate */
	size_t nkeys;
	struct jkey keys[JSON_KEYS];
	struct buf *out;
	struct error *err;
	size_t errpos;
	int deepest;		/* the most JSON brackets open at once */
	size_t deep_pos;	/* where brackets first went past ITEM_MAX_DEPTH */
};

/* Sets the error and its position; returns JSON_ERROR. */
static int jfail(struct jparse *j, size_t pos, const char *msg)
{
	j->errpos = pos;
	error_set(j->err, "%s", msg);
	return JSON_ERROR;
}

/* "unexpected character 'x'" or "unexpected byte 0xe9" at pos. */
static int junexpected(struct jparse *j, size_t pos)
{
	uint8_t c = j->p[pos];

	j->errpos = pos;
	if (c > 0x20 && c < 0x7f)
		error_set(j->err, "unexpected character '%c'", c);
	else
		error_set(j->err, "unexpected byte 0x%02x", c);
	return JSON_ERROR;
}

/* The input ends inside a value: JSON_MORE, or an error at end of input. */
static int jmore(struct jparse *j)
{
	if (j->eof)
		return jfail(j, j->len, "unexpected end of input");
	return JSON_MORE;
}

static int oom(struct jparse *j)
{
	return jfail(j, 0, "out of memory");
}

static inline size_t skip_ws(const uint8_t *p, size_t i, size_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
			   p[i] == '\t'))
		i++;
	return i;
}

/* Bytes that may follow a number or a literal, as jq reads a sequence. */
static int is_delim(uint8_t c)
{
	switch (c) {
	case ' ': case '\t': case '\n': case '\r':
	case '[': case ']': case '{': case '}': case ',': case ':': case '"':
		return 1;
	}
	return 0;
}

/* Appends the head of major type major (0x00 to 0xe0, shifted) with
 * argument v; needs 9 bytes of room. */
static inline void put_head(struct buf *out, uint8_t major, uint64_t v)
{
	out->len += item_put_head(out->p + out->len, major >> 5, v);
}

/* Reads the head at p (our own output: well-formed); returns its length. */
static size_t get_head(const uint8_t *p, uint64_t *v)
{
	uint8_t ai = p[0] & 31;
	size_t n, i;

	if (ai < 24) {
		*v = ai;
		return 1;
	}
	n = (size_t)1 << (ai - 24);
	*v = 0;
	for (i = 1; i <= n; i++)
		*v = *v << 8 | p[i];
	return n + 1;
}

/* Returns the offset just past the item at p[i], in our own output. */
static size_t skip_own(const uint8_t *p, size_t i)
{
	uint64_t left = 1, v;
	uint8_t major;

	while (left) {
		left--;
		major = p[i] >> 5;
		i += get_head(p + i, &v);
		if (major == 2 || major == 3)
			i += (size_t)v;
		else if (major == 4)
			left += v;
		else if (major == 5)
			left += 2 * v;
		else if (major == 6)
			left += 1;
	}
	return i;
}

/* Values of the hexadecimal digits, -1 for other bytes. */
static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Reads the 4 hex digits of a \u escape at p[i..i+4).  Returns the code unit,
 * -1 when the bytes end before 4 digits (all present ones valid), -2 when
 * one is not a hex digit.
 */
static long hex4(const uint8_t *p, size_t i, size_t len)
{
	long v = 0;
	size_t k;
	int h;

	for (k = 0; k < 4; k++) {
		if (i + k >= len)
			return -1;
		h = hexval(p[i + k]);
		if (h < 0)
			return -2;
		v = v << 4 | h;
	}
	return v;
}

/*
 * First pass over a string whose opening quote is at p[*pi]: finds the
 * closing quote and checks escapes and UTF-8 on the way.  Sets *pi past the
 * closing quote, *n to the decoded length and *esc when there are escapes.
 */
static int scan_string(struct jparse *j, size_t *pi, size_t *n, int *esc)
{
	const uint8_t *p = j->p;
	size_t len = j->len, start = *pi, i = start + 1, saved = 0;
	long u, v;
	int k;

	*esc = 0;
	for (;;) {
		i = scan_plain(p, i, len);
		if (i == len)
			goto more;
		if (p[i] == '"')
			break;
		if (p[i] >= 0x80) {
			k = utf8_seq(p + i, len - i);
			if (k < 0)
				goto more;
			if (k == 0)
				return jfail(j, i, "invalid UTF-8 in string");
			i += (size_t)k;
			continue;
		}
		if (p[i] < 0x20)
			return jfail(j, i, "control character in string");
		/* A backslash. */
		*esc = 1;
		if (i + 1 == len)
			goto more;
		switch (p[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			saved += 1;
			i += 2;
			continue;
		case 'u':
			break;
		default:
			return jfail(j, i, "invalid escape in string");
		}
		u = hex4(p, i + 2, len);
		if (u == -1)
			goto more;
		if (u == -2)
			return jfail(j, i, "invalid \\u escape in string");
		if (u >= 0xdc00 && u <= 0xdfff)
			return jfail(j, i, "lone surrogate in string");
		if (u < 0xd800 || u > 0xdbff) {
			saved += 6 - (u < 0x80 ? 1 : u < 0x800 ? 2 : 3);
			i += 6;
			continue;
		}
		/* A high surrogate: a low one must follow. */
		if (i + 6 >= len || (i + 7 == len && p[i + 6] == '\\'))
			goto more;
		if (p[i + 6] != '\\' || p[i + 7] != 'u')
			return jfail(j, i, "lone surrogate in string");
		v = hex4(p, i + 8, len);
		if (v == -1)
			goto more;
		if (v == -2)
			return jfail(j, i + 6, "invalid \\u escape in string");
		if (v < 0xdc00 || v > 0xdfff)
			return jfail(j, i, "lone surrogate in string");
		saved += 12 - 4;
		i += 12;
	}
	*n = i - start - 1 - saved;
	*pi = i + 1;
	return JSON_OK;
more:
	if (j->eof)
		return jfail(j, start, "unterminated string");
	return JSON_MORE;
}

/* Appends the UTF-8 encoding of code point c. */
static void put_utf8(struct buf *out, unsigned long c)
{
	uint8_t *q = out->p + out->len;

	if (c < 0x80) {
		q[0] = (uint8_t)c;
		out->len += 1;
	} else if (c < 0x800) {
		q[0] = (uint8_t)(0xc0 | c >> 6);
		q[1] = (uint8_t)(0x80 | (c & 0x3f));
		out->len += 2;
	} else if (c < 0x10000) {
		q[0] = (uint8_t)(0xe0 | c >> 12);
		q[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		q[2] = (uint8_t)(0x80 | (c & 0x3f));
		out->len += 3;
	} else {
		q[0] = (uint8_t)(0xf0 | c >> 18);
		q[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
		q[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		q[3] = (uint8_t)(0x80 | (c & 0x3f));
		out->len += 4;
	}
}

/*
 * Parses the string at p[*pi] (its opening quote) and appends it as a CBOR
 * text string.  The first pass checks it and measures it, so the head is
 * written once with the right length; the second copies, decoding escapes.
 */
static int parse_string(struct jparse *j, size_t *pi)
{
	const uint8_t *p = j->p;
	struct buf *out = j->out;
	size_t i = *pi, end = i, n, k;
	int esc, r;

	r = scan_string(j, &end, &n, &esc);
	if (r != JSON_OK)
		return r;
	if (reserve(out, n + 9) < 0)
		return oom(j);
	put_head(out, 0x60, n);
	i++;
	if (!esc) {
		buf_add_unchecked(out, p + i, n);
		*pi = end;
		return JSON_OK;
	}
	while (i < end - 1) {
		const uint8_t *b = memchr(p + i, '\\', end - 1 - i);
		unsigned long u, v;

		k = b ? (size_t)(b - p) - i : end - 1 - i;
		buf_add_unchecked(out, p + i, k);
		i += k;
		if (!b)
			break;
		switch (p[i + 1]) {
		case 'b': out->p[out->len++] = '\b'; break;
		case 'f': out->p[out->len++] = '\f'; break;
		case 'n': out->p[out->len++] = '\n'; break;
		case 'r': out->p[out->len++] = '\r'; break;
		case 't': out->p[out->len++] = '\t'; break;
		case 'u':
			u = (unsigned long)hex4(p, i + 2, end);
			if (u >= 0xd800 && u <= 0xdbff) {
				v = (unsigned long)hex4(p, i + 8, end);
				u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
				i += 6;
			}
			put_utf8(out, u);
			i += 4;
			break;
		default:	/* '"', '\\', '/' */
			out->p[out->len++] = p[i + 1];
			break;
		}
		i += 2;
	}
	*pi = end;
	return JSON_OK;
}

/*
 * Reads the JSON number s[0..n) (valid syntax) as the nearest double.  Up to
 * 2^53 with a power of ten up to 22, both factors are exact doubles, so one
 * IEEE multiplication or division rounds correctly (Clinger's fast path).
 * Other numbers go to strtod as at most 800 significant digits, plus a
 * sticky digit standing for any nonzero digits dropped: the midpoints between
 * doubles have fewer digits than that, so the rounding is unchanged.
 */
static double number_value(const uint8_t *s, size_t n)
{
	char dig[802];
	uint64_t m = 0;
	long exp10 = 0, e = 0, nsig = 0;
	int nd = 0, sticky = 0, neg = 0, eneg = 0, frac = 0;
	size_t i = 0;
	double d;

	if (s[0] == '-') {
		neg = 1;
		i++;
	}
	for (; i < n; i++) {
		uint8_t c = s[i];

		if (c == '.') {
			frac = 1;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		if (frac)
			exp10--;
		if (nsig == 0 && c == '0')
			continue;	/* a leading zero */
		if (nsig < 19)
			m = m * 10 + (uint64_t)(c - '0');
		nsig++;
		if (nd < 800)
			dig[nd++] = (char)c;
		else if (c != '0')
			sticky = 1;
	}
	if (i < n) {		/* the exponent, saturated */
		i++;
		if (s[i] == '+' || s[i] == '-')
			eneg = s[i++] == '-';
		for (; i < n; i++)
			if (e < 1000000000L)
				e = e * 10 + (s[i] - '0');
		exp10 += eneg ? -e : e;
	}
	if (nsig == 0)
		return neg ? -0.0 : 0.0;
#if FLT_EVAL_METHOD == 0
	if (nsig <= 19 && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		if (exp10 >= 0)
			d = (double)m * pow10_exact[exp10];
		else
			d = (double)m / pow10_exact[-exp10];
		return neg ? -d : d;
	}
#endif
	exp10 += nsig - nd;
	if (sticky) {
		dig[nd++] = '1';
		exp10--;
	}
	d = read_decimal(dig, nd, exp10);
	return neg ? -d : d;
}

/*
 * Whether the float f (finite) is a half-precision value exactly; if so, *h
 * is its encoding.
 */
static int half_exact(float f, uint16_t *h)
{
	uint32_t bits, mant, full, sign;
	int e;

	memcpy(&bits, &f, 4);
	sign = bits >> 31 << 15;
	e = (int)(bits >> 23 & 0xff) - 127;
	mant = bits & 0x7fffff;
	if ((bits & 0x7fffffff) == 0) {
		*h = (uint16_t)sign;
		return 1;
	}
	if (e >= -14 && e <= 15) {
		if (mant & 0x1fff)
			return 0;
		*h = (uint16_t)(sign | (uint32_t)(e + 15) << 10 | mant >> 13);
		return 1;
	}
	if (e >= -24 && e < -14) {	/* a subnormal half: k * 2^-24 */
		full = 0x800000 | mant;
		if (full & ((1u << -(e + 1)) - 1))
			return 0;
		*h = (uint16_t)(sign | full >> -(e + 1));
		return 1;
	}
	return 0;
}

/*
 * Appends d (finite) in the shortest of half, single and double precision
 * that holds it exactly (RFC 8949 preferred serialization).  Needs 9 bytes
 * of room.
 */
static void put_float(struct buf *out, double d)
{
	uint8_t *q = out->p + out->len;
	uint16_t h;
	float f;

	if (fabs(d) <= FLT_MAX) {
		f = (float)d;
		if ((double)f == d) {
			if (!half_exact(f, &h)) {
				out->len += cbor_encode_single(f, q, 5);
			} else if ((h & 0x7c00) == 0 && (h & 0x3ff)) {
				/*
				 * libcbor 0.8's cbor_encode_half keeps only
				 * the top bit of a subnormal half: those
				 * are written here.
				 */
				q[0] = 0xf9;
				q[1] = (uint8_t)(h >> 8);
				q[2] = (uint8_t)h;
				out->len += 3;
			} else {
				out->len += cbor_encode_half(f, q, 3);
			}
			return;
		}
	}
	out->len += cbor_encode_double(d, q, 9);
}

/* The most decimal digits an integer may have, as in Python's int(). */
#define JSON_MAX_INT_DIGITS 4300

/*
 * Appends the integer whose decimal digits are dig[0..nd) (no leading zero,
 * beyond 64 bits) as a bignum: tag 2 on its big-endian bytes, or when neg
 * tag 3 on those of its magnitude minus one (RFC 8949 section 3.4.3).
 */
static int put_bignum(struct jparse *j, const uint8_t *dig, size_t nd, int neg)
{
	uint32_t limb[(JSON_MAX_INT_DIGITS * 10 / 3 + 64) / 32 + 1];
	size_t nl = 0, i, k, nb;
	struct buf *out = j->out;

	for (i = 0; i < nd; i++) {	/* limb = limb * 10 + digit, little-endian limbs */
		uint64_t carry = (uint64_t)(dig[i] - '0');
		for (k = 0; k < nl; k++) {
			uint64_t t = (uint64_t)limb[k] * 10 + carry;
			limb[k] = (uint32_t)t;
			carry = t >> 32;
		}
		if (carry)
			limb[nl++] = (uint32_t)carry;
	}
	if (neg)	/* the magnitude is above 2^64: no borrow out of the top */
		for (k = 0; limb[k]-- == 0; k++)
			;
	while (nl > 0 && limb[nl - 1] == 0)
		nl--;
	nb = nl * 4;
	while (nb > 0 && !(limb[(nb - 1) / 4] >> ((nb - 1) % 4 * 8) & 0xff))
		nb--;
	if (reserve(out, nb + 10) < 0)
		return oom(j);
	out->p[out->len++] = neg ? 0xc3 : 0xc2;
	put_head(out, 0x40, nb);
	for (i = nb; i-- > 0;)
		out->p[out->len++] = (uint8_t)(limb[i / 4] >> (i % 4 * 8));
	j->bignums = 1;
	return JSON_OK;
}

/* Parses the number at p[*pi] and appends it. */
static int parse_number(struct jparse *j, size_t *pi)
{
	const uint8_t *p = j->p;
	size_t len = j->len, start = *pi, i = start, d0;
	struct buf *out = j->out;
	uint64_t m = 0;
	int neg = 0, isint = 1, big = 0;
	double d;

	if (p[i] == '-') {
		neg = 1;
		if (++i == len)
			return jmore(j);
	}
	if (p[i] == '0') {
		i++;
		if (i < len && p[i] >= '0' && p[i] <= '9')
			return jfail(j, i, "leading zero in number");
	} else if (p[i] >= '1' && p[i] <= '9') {
		d0 = i;
		while (i < len && p[i] >= '0' && p[i] <= '9' && i - d0 < 19)
			m = m * 10 + (uint64_t)(p[i++] - '0');
		while (i < len && p[i] >= '0' && p[i] <= '9') {
			unsigned c = (unsigned)(p[i++] - '0');

			if (big || m > (UINT64_MAX - c) / 10)
				big = 1;
			else
				m = m * 10 + c;
		}
	} else {
		return jfail(j, i, "expected digit after '-'");
	}
	if (i < len && p[i] == '.') {
		isint = 0;
		if (++i == len)
			return jmore(j);
		if (p[i] < '0' || p[i] > '9')
			return jfail(j, i, "expected digit after '.'");
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		isint = 0;
		if (++i == len)
			return jmore(j);
		if ((p[i] == '+' || p[i] == '-') && ++i == len)
			return jmore(j);
		if (p[i] < '0' || p[i] > '9')
			return jfail(j, i, "expected digit in exponent");
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i == len && !j->eof)
		return JSON_MORE;	/* more digits may follow */
	if (i < len && !is_delim(p[i]))
		return junexpected(j, i);
	if (reserve(out, 9) < 0)
		return oom(j);
	*pi = i;
	if (isint && !big) {
		if (neg && m == 0)
			put_float(out, -0.0);		/* "-0" keeps its sign */
		else if (!neg)
			put_head(out, 0x00, m);
		else
			put_head(out, 0x20, m - 1);
		return JSON_OK;
	}
	if (isint && neg && i - start == 21 &&
	    !memcmp(p + start, "-18446744073709551616", 21)) {
		put_head(out, 0x20, UINT64_MAX);
		return JSON_OK;
	}
	if (isint) {
		if (i - start - (size_t)neg > JSON_MAX_INT_DIGITS)
			return jfail(j, start, "integer of more than 4300 digits");
		return put_bignum(j, p + start + neg, i - start - (size_t)neg, neg);
	}
	d = number_value(p + start, i - start);
	if (isinf(d))
		return jfail(j, start, "number out of range (beyond the largest double)");
	if (d == 0) {	/* a zero, or a number too small for any double? */
		for (d0 = start; d0 < i && p[d0] != 'e' && p[d0] != 'E'; d0++)
			if (p[d0] >= '1' && p[d0] <= '9')
				return jfail(j, start, "number out of range (nonzero, but below the smallest double)");
	}
	put_float(out, d);
	return JSON_OK;
}

/* Parses true, false or null at p[*pi], the first letter checked. */
static int parse_literal(struct jparse *j, size_t *pi)
{
	static const char *const names[3] = { "true", "false", "null" };
	static const uint8_t codes[3] = { 0xf5, 0xf4, 0xf6 };
	const uint8_t *p = j->p;
	size_t i = *pi, k, n, avail = j->len - i;
	int w = p[i] == 't' ? 0 : p[i] == 'f' ? 1 : 2;

	n = strlen(names[w]);
	for (k = 0; k < n && k < avail; k++)
		if (p[i + k] != (uint8_t)names[w][k])
			return jfail(j, i, "invalid literal");
	if (avail < n || (avail == n && !j->eof))
		return jmore(j);	/* "truex" would be an error */
	if (avail > n && !is_delim(p[i + n]))
		return jfail(j, i, "invalid literal");
	if (reserve(j->out, 1) < 0)
		return oom(j);
	j->out->p[j->out->len++] = codes[w];
	*pi = i + n;
	return JSON_OK;
}

/* Which special name, if any, the text string at out[k..len) is. */
static int special_name(const struct buf *out, size_t k)
{
	const uint8_t *s = out->p + k;
	size_t n = out->len - k;

	if (n < 5 || s[1] != '$')
		return SP_NONE;
	if (n == 7 && !memcmp(s, "\x66$bytes", 7))
		return SP_BYTES;
	if (n == 7 && !memcmp(s, "\x66$float", 7))
		return SP_FLOAT;
	if (n == 5 && !memcmp(s, "\x64$tag", 5))
		return SP_TAG;
	if (n == 5 && !memcmp(s, "\x64$map", 5))
		return SP_MAP;
	if (n == 11 && !memcmp(s, "\x6a$undefined", 11))
		return SP_UNDEFINED;
	return SP_NONE;
}

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/*
 * Decodes the base64 text s[0..n), standard or URL-safe alphabet, padding
 * optional but right when present, no bits set after the last byte.  Returns
 * the decoded length, or -1.  With d set, writes the bytes there; d may
 * overlap s from below (it is written behind what is read).
 */
static long b64_decode(const uint8_t *s, size_t n, uint8_t *d)
{
	size_t pad = 0, r, i, m, o = 0;
	uint32_t acc;
	int v[4];
	size_t k;

	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	if (pad && n % 4)
		return -1;
	r = n - pad;
	if (r % 4 == 1)
		return -1;
	for (i = 0; i < r; i += 4) {
		m = r - i < 4 ? r - i : 4;
		for (k = 0; k < 4; k++) {
			v[k] = k < m ? b64val(s[i + k]) : 0;
			if (v[k] < 0)
				return -1;
		}
		acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		      (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if ((m == 2 && (acc & 0xffff)) || (m == 3 && (acc & 0xff)))
			return -1;
		if (d) {
			d[o] = (uint8_t)(acc >> 16);
			if (m > 2)
				d[o + 1] = (uint8_t)(acc >> 8);
			if (m > 3)
				d[o + 2] = (uint8_t)acc;
		}
		o += m - 1;
	}
	return (long)o;
}

/*
 * Turns the one-member object whose CBOR begins at f->head (a 1-byte map
 * head, the special name, the value) into the item it stands for.  The
 * result is never longer, so it is rewritten in place.
 */
static int special_close(struct jparse *j, struct jframe *f)
{
	static const char *const what[] = {
		NULL, "invalid $bytes", "invalid $float", "invalid $tag",
		"invalid $map", "invalid $undefined",
	};
	struct buf *out = j->out;
	uint8_t *o = out->p;
	size_t h = f->head, end = out->len, v, x, w, e, hl;
	uint64_t n, k;
	long got;

	v = skip_own(o, h + 1);		/* the value, after the name */
	switch (f->sp) {
	case SP_BYTES:
		if (o[v] >> 5 != 3)
			break;
		x = v + get_head(o + v, &n);
		got = b64_decode(o + x, (size_t)n, NULL);
		if (got < 0)
			break;
		out->len = h;
		put_head(out, 0x40, (uint64_t)got);
		b64_decode(o + x, (size_t)n, o + out->len);
		out->len += (size_t)got;
		return JSON_OK;
	case SP_FLOAT:
		out->len = h;
		if (end - v == 4 && !memcmp(o + v, "\x63NaN", 4))
			out->len += cbor_encode_half(NAN, o + h, 3);
		else if (end - v == 9 && !memcmp(o + v, "\x68Infinity", 9))
			out->len += cbor_encode_half(INFINITY, o + h, 3);
		else if (end - v == 10 && !memcmp(o + v, "\x69-Infinity", 10))
			out->len += cbor_encode_half(-INFINITY, o + h, 3);
		else
			break;
		return JSON_OK;
	case SP_UNDEFINED:
		if (end - v != 1 || o[v] != 0xf5)
			break;
		out->len = h + item_put_head(o + h, 7, 23);	/* undefined */
		return JSON_OK;
	case SP_TAG:
		/* [N, item]: the head of N becomes the tag's head. */
		if (o[v] != 0x82 || o[v + 1] >> 5 != 0)
			break;
		memmove(o + h, o + v + 1, end - v - 1);
		o[h] |= 0xc0;
		out->len = h + end - v - 1;
		return JSON_OK;
	case SP_MAP:
		/* [[k,v],...]: the array's head becomes the map's. */
		if (o[v] >> 5 != 4)
			break;
		x = v + get_head(o + v, &n);
		hl = x - v;
		memmove(o + h, o + v, hl);
		o[h] = (uint8_t)(0xa0 | (o[h] & 31));
		w = h + hl;
		for (k = 0; k < n; k++) {
			if (o[x] != 0x82)
				return jfail(j, f->vpos, what[SP_MAP]);
			x++;
			e = skip_own(o, skip_own(o, x));
			memmove(o + w, o + x, e - x);
			w += e - x;
			x = e;
		}
		out->len = w;
		return JSON_OK;
	}
	return jfail(j, f->vpos, what[f->sp]);
}

/*
 * Checks that the member names of the object f, closing, are distinct, and
 * forgets them.  Names are text strings in their shortest heads, so equal
 * names are equal bytes.
 */
static int keys_close(struct jparse *j, struct jframe *f)
{
	const uint8_t *o = j->out->p;
	size_t a, b, nk = j->nkeys - f->kbase;
	const struct jkey *k = j->keys + f->kbase;

	j->nkeys = f->kbase;
	if (nk != f->n || nk > JSON_KEYS_PAIRWISE) {
		j->validate = 1;
		return JSON_OK;
	}
	for (b = 1; b < nk; b++)
		for (a = 0; a < b; a++)
			if (k[a].sig == k[b].sig && k[a].len == k[b].len &&
			    (k[b].len <= 8 || !memcmp(o + k[a].out + 8, o + k[b].out + 8, k[b].len - 8)))
				return jfail(j, k[b].in, "duplicate member name"), JSON_INVALID;
	return JSON_OK;
}

/*
 * Writes the head of the container f with its count now known, moving its
 * items right when the count needs more than the byte reserved.
 */
static int close_container(struct jparse *j, struct jframe *f)
{
	struct buf *out = j->out;
	uint8_t major = f->obj ? 0xa0 : 0x80;
	size_t hl;

	if (f->obj) {
		int r = keys_close(j, f);
		if (r != JSON_OK)
			return r;
	}
	if (f->obj && f->n == 1 && f->sp != SP_NONE) {
		if (f->sp == SP_TAG || f->sp == SP_MAP)
			j->validate = 1;
		return special_close(j, f);
	}
	if (f->n < 24) {
		out->p[f->head] = (uint8_t)(major | f->n);
		return JSON_OK;
	}
	assert(f->head < out->len);
	hl = item_head_len(f->n);
	if (reserve(out, hl - 1) < 0)
		return oom(j);
	memmove(out->p + f->head + hl, out->p + f->head + 1,
		out->len - f->head - 1);
	out->len += hl - 1;
	item_put_head(out->p + f->head, major >> 5, f->n);
	return JSON_OK;
}

/*
 * The parser: one value, iteratively.  value: a value starts at p[i];
 * key: a member name starts at p[i]; next: a value has ended, what follows
 * it decides.
 */
static int parse(struct jparse *j, size_t *pi)
{
	const uint8_t *p = j->p;
	size_t len = j->len, i = *pi, k;
	struct buf *out = j->out;
	struct jframe st[JSON_MAX_DEPTH], *f = NULL;
	size_t i0;
	int sp = 0, r;
	uint8_t c;

value:
	c = p[i];
	switch (c) {
	case '{':
	case '[':
		if (sp == JSON_MAX_DEPTH)
			return jfail(j, j->deep_pos, "nesting too deep");
		if (reserve(out, 1) < 0)
			return oom(j);
		f = &st[sp++];
		if (sp > j->deepest && (j->deepest = sp) == ITEM_MAX_DEPTH + 1)
			j->deep_pos = i;
		f->head = out->len++;
		f->n = 0;
		f->obj = c == '{';
		f->sp = SP_NONE;
		f->kbase = j->nkeys;
		i = skip_ws(p, i + 1, len);
		if (i == len)
			return jmore(j);
		if (p[i] == (f->obj ? '}' : ']')) {
			out->p[f->head] = f->obj ? 0xa0 : 0x80;
			sp--;
			i++;
			goto next;
		}
		if (f->obj)
			goto key;
		goto value;
	case '"':
		r = parse_string(j, &i);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		r = parse_number(j, &i);
		break;
	case 't': case 'f': case 'n':
		r = parse_literal(j, &i);
		break;
	default:
		return junexpected(j, i);
	}
	if (r != JSON_OK)
		return r;
next:
	if (sp == 0) {
		*pi = i;
		return JSON_OK;
	}
	f = &st[sp - 1];
	f->n++;
	i = skip_ws(p, i, len);
	if (i == len)
		return jmore(j);
	c = p[i];
	if (c == ',') {
		i = skip_ws(p, i + 1, len);
		if (i == len)
			return jmore(j);
		if (p[i] == ']' || p[i] == '}')
			return jfail(j, i, "trailing comma");
		if (f->obj)
			goto key;
		goto value;
	}
	if (c == (f->obj ? '}' : ']')) {
		r = close_container(j, f);
		if (r != JSON_OK)
			return r;
		sp--;
		i++;
		goto next;
	}
	return jfail(j, i, f->obj ? "expected ',' or '}'" : "expected ',' or ']'");
key:
	if (p[i] != '"')
		return jfail(j, i, "expected string as member name");
	k = out->len;
	i0 = i;
	r = parse_string(j, &i);
	if (r != JSON_OK)
		return r;
	if (f->n == 0 && !j->plain)
		f->sp = (uint8_t)special_name(out, k);
	if (j->nkeys < JSON_KEYS) {
		struct jkey *jk = &j->keys[j->nkeys++];
		size_t kl = out->len - k;
		jk->out = k;
		jk->len = kl;
		jk->in = i0;
		/* the first 8 bytes (head and start) as a word, so that names
		 * are compared without memcmp calls */
		if (out->cap - k >= 8) {
			memcpy(&jk->sig, out->p + k, 8);
			if (kl < 8)
				jk->sig &= (1ull << (8 * kl)) - 1;
		} else {
			jk->sig = 0;
			memcpy(&jk->sig, out->p + k, kl < 8 ? kl : 8);
		}
	}
	i = skip_ws(p, i, len);
	if (i == len)
		return jmore(j);
	if (p[i] != ':')
		return jfail(j, i, "expected ':'");
	i = skip_ws(p, i + 1, len);
	if (i == len)
		return jmore(j);
	f->vpos = i;
	goto value;
}

int json_to_cbor(const char *s, size_t len, unsigned flags, struct buf *out,
		 size_t *used, struct error *err)
{
	struct jparse j;
	size_t base = out->len, i;
	int r;

	i = skip_ws((const uint8_t *)s, 0, len);
	if (i == len) {
		*used = len;
		return JSON_END;
	}
	j.p = (const uint8_t *)s;
	j.len = len;
	j.eof = !!(flags & JSON_EOF);
	j.plain = !!(flags & JSON_PLAIN);
	j.bignums = 0;
	j.out = out;
	j.err = err;
	j.errpos = 0;
	j.deepest = 0;
	j.deep_pos = i;
	j.validate = 0;
	j.nkeys = 0;
	r = parse(&j, &i);
	if (r == JSON_OK && j.deepest + j.bignums > ITEM_MAX_DEPTH) {
		/* JSON this deep may still be CBOR within ITEM_MAX_DEPTH, when
		 * "$tag" and "$map" forms add brackets, or beyond it when a
		 * bignum's tag adds a level: the item decides */
		size_t n;
		if (item_check(out->p + base, out->len - base, &n, NULL) != ITEM_OK)
			r = jfail(&j, j.deep_pos, "nesting too deep");
	}
	if (r == JSON_OK && j.validate && item_validate(out->p + base, out->len - base, err) < 0) {
		/* the CBOR byte position means nothing in the JSON text */
		char *m = err->msg, *c = strstr(m, ": ");
		if (!strncmp(m, "at byte ", 8) && c)
			memmove(m, c + 2, strlen(c + 2) + 1);
		j.errpos = skip_ws((const uint8_t *)s, 0, len);
		r = JSON_INVALID;
	}
	if (r != JSON_OK) {
		out->len = base;
		if (r == JSON_ERROR || r == JSON_INVALID)
			*used = j.errpos;
		return r;
	}
	*used = i;
	return JSON_OK;
}

/* ------------------------------------------------------------------------ */
/* CBOR to JSON                                                             */
/* ------------------------------------------------------------------------ */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Appends the bytes s[0..n) as the inside of a JSON string: '"', '\\' and
 * control characters escaped, valid UTF-8 copied, each byte of invalid UTF-8
 * replaced by U+FFFD.  Returns 0, or -1 when memory runs out.
 */
static int put_text(struct buf *out, const uint8_t *s, size_t n)
{
	static const char esc[32] = {
		'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
		'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
		'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
		'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	};
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, j;
	uint8_t c, *q;
	int k;

	while (i < n) {
		if (reserve(out, n - i + 8) < 0)
			return -1;
		j = i + copy_plain(out->p + out->len, s + i, n - i);
		out->len += j - i;
		i = j;
		if (i == n)
			break;
		if (reserve(out, 6) < 0)
			return -1;
		q = out->p + out->len;
		c = s[i];
		if (c >= 0x80) {
			k = utf8_seq(s + i, n - i);
			if (k > 0) {
				memcpy(q, s + i, (size_t)k);
				out->len += (size_t)k;
				i += (size_t)k;
			} else {
				memcpy(q, "\xef\xbf\xbd", 3);
				out->len += 3;
				i++;
			}
			continue;
		}
		q[0] = '\\';
		if (c == '"' || c == '\\') {
			q[1] = c;
			out->len += 2;
		} else if (esc[c] != 'u') {
			q[1] = (uint8_t)esc[c];
			out->len += 2;
		} else {
			memcpy(q + 1, "u00", 3);
			q[4] = (uint8_t)hex[c >> 4];
			q[5] = (uint8_t)hex[c & 15];
			out->len += 6;
		}
		i++;
	}
	return 0;
}

/*
 * Appends s[0..n) in base64, carrying up to 2 bytes in carry[0..*nc) from
 * one chunk of an indefinite byte string to the next.
 */
static int put_b64(struct buf *out, uint8_t *carry, uint8_t *nc,
		   const uint8_t *s, size_t n)
{
	uint8_t g[3], *q;
	size_t k = *nc;

	if (reserve(out, n / 3 * 4 + 8) < 0)
		return -1;
	q = out->p + out->len;
	if (k) {
		memcpy(g, carry, k);
		while (k < 3 && n) {
			g[k++] = *s++;
			n--;
		}
		if (k < 3) {
			memcpy(carry, g, k);
			*nc = (uint8_t)k;
			return 0;
		}
		q[0] = (uint8_t)b64chars[g[0] >> 2];
		q[1] = (uint8_t)b64chars[(g[0] & 3) << 4 | g[1] >> 4];
		q[2] = (uint8_t)b64chars[(g[1] & 15) << 2 | g[2] >> 6];
		q[3] = (uint8_t)b64chars[g[2] & 63];
		q += 4;
	}
	for (; n >= 3; n -= 3, s += 3, q += 4) {
		q[0] = (uint8_t)b64chars[s[0] >> 2];
		q[1] = (uint8_t)b64chars[(s[0] & 3) << 4 | s[1] >> 4];
		q[2] = (uint8_t)b64chars[(s[1] & 15) << 2 | s[2] >> 6];
		q[3] = (uint8_t)b64chars[s[2] & 63];
	}
	memcpy(carry, s, n);
	*nc = (uint8_t)n;
	out->len = (size_t)(q - out->p);
	return 0;
}

/* Writes the carried bytes with padding: the end of a base64 text. */
static int put_b64_end(struct buf *out, const uint8_t *carry, uint8_t nc)
{
	uint8_t *q;

	if (reserve(out, 4) < 0)
		return -1;
	q = out->p + out->len;
	if (nc == 0)
		return 0;
	q[0] = (uint8_t)b64chars[carry[0] >> 2];
	if (nc == 1) {
		q[1] = (uint8_t)b64chars[(carry[0] & 3) << 4];
		q[2] = '=';
	} else {
		q[1] = (uint8_t)b64chars[(carry[0] & 3) << 4 | carry[1] >> 4];
		q[2] = (uint8_t)b64chars[(carry[1] & 15) << 2];
	}
	q[3] = '=';
	out->len += 4;
	return 0;
}

static int dig_inc(char *s, int n)
{
	while (n-- > 0) {
		if (s[n] != '9') {
			s[n]++;
			return 1;
		}
		s[n] = '0';
	}
	return 0;		/* 99..9 has no neighbour of the same length */
}

static int dig_dec(char *s, int n)
{
	int i = n;

	while (i-- > 0) {
		if (s[i] != '0') {
			s[i]--;
			return s[0] != '0';
		}
		s[i] = '9';
	}
	return 0;
}

/*
 * The slow way to shortest digits: printf's correctly rounded digits at
 * increasing precisions, each checked by reading it back.  Of the decimals
 * of one length, only the nearest one and its neighbour on the other side of
 * v can read back as v.  For normal numbers, any decimal of 15 digits or
 * fewer that reads back is what %.14e prints (DBL_DIG), so those start at 15.
 * The decimal point printf writes depends on LC_NUMERIC: it is skipped.
 */
static int shortest_slow(double v, char *dig, int *decpt)
{
	char s[64], alt[24];
	int prec, n = 0, e, i, eneg;
	double back;

	for (prec = v < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*e", prec - 1, v);
		n = 0;
		for (i = 0; s[i] && s[i] != 'e'; i++)
			if (s[i] >= '0' && s[i] <= '9' && n < 17)
				dig[n++] = s[i];
		e = 0;
		eneg = s[i] && s[i + 1] == '-';
		for (i += 2; s[i] >= '0' && s[i] <= '9'; i++)
			e = e * 10 + (s[i] - '0');
		if (eneg)
			e = -e;
		*decpt = e + 1;
		back = read_decimal(dig, n, e + 1 - n);
		if (back == v)
			break;
		if (prec == 17)
			break;	/* cannot happen: 17 digits always read back */
		if (v >= DBL_MIN && prec == 15)
			continue;
		memcpy(alt, dig, (size_t)n);
		if ((back < v ? dig_inc(alt, n) : dig_dec(alt, n)) &&
		    read_decimal(alt, n, e + 1 - n) == v) {
			memcpy(dig, alt, (size_t)n);
			break;
		}
	}
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return n;
}

/*
 * Sets dig[0..n) to the fewest digits that read back as v (finite, > 0),
 * the nearest to v of those, with v = 0.dig x 10^*decpt; returns n.
 *
 * The fast path looks for the least k such that v x 10^k rounded to an
 * integer M < 2^50 gives back v as M / 10^k.  M and 10^k are exact doubles,
 * so the IEEE division rounds M / 10^k correctly, as strtod does: the test
 * is exact.  The product is within 1/8 of the true v x 10^k, so M is the
 * nearest integer whenever a k-digit fraction reads back; and the least k
 * gives the fewest significant digits.
 */
static int shortest(double v, char *dig, int *decpt)
{
#if FLT_EVAL_METHOD == 0
	const double lim = 1125899906842624.0;		/* 2^50 */
	char tmp[24], *q;
	uint64_t m;
	double t;
	int k, n;

	if (v < lim && v >= 1e-7) {
		for (k = 0; k <= 22; k++) {
			t = v * pow10_exact[k];
			if (t >= lim)
				break;
			m = (uint64_t)(t + 0.5);
			if (m == 0 || (double)m / pow10_exact[k] != v)
				continue;
			q = decimal_u64(m, tmp + sizeof tmp);
			n = (int)(tmp + sizeof tmp - q);
			*decpt = n - k;
			while (n > 1 && q[n - 1] == '0')
				n--;
			memcpy(dig, q, (size_t)n);
			return n;
		}
	}
#endif
	return shortest_slow(v, dig, decpt);
}

/*
 * Writes the finite v as the shortest decimal that reads back, always with
 * a '.' or an 'e' so that it reads back as a float, formatted as Python's
 * repr() does: "1.0", "0.1", "1e+16", "1.5e-07", "-0.0".  buf holds 32.
 */
static size_t fmt_double(double v, char *buf)
{
	char dig[24], *q = buf;
	int nd, decpt, e;

	if (signbit(v)) {
		*q++ = '-';
		v = -v;
	}
	if (v == 0) {
		memcpy(q, "0.0", 3);
		return (size_t)(q + 3 - buf);
	}
	nd = shortest(v, dig, &decpt);
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			*q++ = '0';
			*q++ = '.';
			memset(q, '0', (size_t)-decpt);
			q += -decpt;
			memcpy(q, dig, (size_t)nd);
			q += nd;
		} else if (decpt >= nd) {
			memcpy(q, dig, (size_t)nd);
			q += nd;
			memset(q, '0', (size_t)(decpt - nd));
			q += decpt - nd;
			*q++ = '.';
			*q++ = '0';
		} else {
			memcpy(q, dig, (size_t)decpt);
			q += decpt;
			*q++ = '.';
			memcpy(q, dig + decpt, (size_t)(nd - decpt));
			q += nd - decpt;
		}
		return (size_t)(q - buf);
	}
	*q++ = dig[0];
	if (nd > 1) {
		*q++ = '.';
		memcpy(q, dig + 1, (size_t)(nd - 1));
		q += nd - 1;
	}
	*q++ = 'e';
	e = decpt - 1;
	*q++ = e < 0 ? '-' : '+';
	if (e < 0)
		e = -e;
	if (e >= 100)
		*q++ = (char)('0' + e / 100);
	*q++ = (char)('0' + e / 10 % 10);
	*q++ = (char)('0' + e % 10);
	return (size_t)(q - buf);
}

/* Kinds of frames; those from C_BYTES on take chunks, not items. */
enum { C_ARRAY, C_MAP, C_TAG, C_BYTES, C_TEXT };

/* An open container, tag or indefinite-length string. */
struct cframe {
	uint64_t left;		/* definite: items or entries not begun yet */
	uint64_t n;		/* items or entries begun */
	size_t start;		/* out offset where its JSON begins */
	size_t key;		/* map: out offset of the current key's JSON */
	uint16_t depth;		/* JSON depth of its outermost bracket */
	uint16_t maxd;		/* JSON depth of the deepest bracket in it */
	uint8_t kind;		/* C_* */
	uint8_t indef;		/* indefinite length */
	uint8_t dmap;		/* map written as {"$map":[[k,v],...]} */
	uint8_t val;		/* map: a value comes next */
	uint8_t dollar;		/* map: its first key begins with '$' */
	uint8_t nc;		/* bytes: base64 carry */
	uint8_t carry[2];
};

/*
 * The state of one item_to_json call.  A frame for each open CBOR container
 * (as item_check counts them), at most ITEM_MAX_DEPTH.
 */
struct cdec {
	struct buf *out;
	struct error *err;
	int sp;
	int failed;
	int done;		/* the top-level item is complete */
	struct cframe st[ITEM_MAX_DEPTH];
};

static int cfail(struct cdec *d, const char *msg)
{
	if (!d->failed)
		error_set(d->err, "%s", msg);
	d->failed = 1;
	return -1;
}

/*
 * Before each head the loop makes HEAD_ROOM bytes of room, for the writes
 * of bounded size that the head makes: separators, a number, the opening of
 * an extended form.  put_small writes within that room; cput checks.
 */
#define HEAD_ROOM 64

static inline void put_small(struct cdec *d, const char *s, size_t n)
{
	memcpy(d->out->p + d->out->len, s, n);
	d->out->len += n;
}

static inline int cput(struct cdec *d, const char *s, size_t n)
{
	struct buf *out = d->out;

	if (reserve(out, n) < 0)
		return cfail(d, "out of memory");
	memcpy(out->p + out->len, s, n);
	out->len += n;
	return 0;
}

/* The JSON depth of a bracket opened by the next item. */
static unsigned child_depth(const struct cdec *d)
{
	const struct cframe *t;

	if (d->sp == 0)
		return 1;
	t = &d->st[d->sp - 1];
	switch (t->kind) {
	case C_MAP:
		return t->depth + (t->dmap ? 3u : 1u);
	case C_TAG:
		return t->depth + 2u;
	default:
		return t->depth + 1u;
	}
}

/*
 * Checks that an item written with levels nested brackets fits within
 * JSON_MAX_DEPTH, and records its depth in the enclosing frame.  Returns
 * that depth, or 0 with the error set.
 */
static unsigned fit(struct cdec *d, unsigned levels)
{
	unsigned k = child_depth(d), deepest = k + levels - 1;
	struct cframe *t;

	if (deepest > JSON_MAX_DEPTH) {
		cfail(d, "nesting too deep");
		return 0;
	}
	if (d->sp) {
		t = &d->st[d->sp - 1];
		if (t->maxd < deepest)
			t->maxd = (uint16_t)deepest;
	}
	return k;
}

static struct cframe *push(struct cdec *d, int kind, int indef,
			   uint64_t left, unsigned levels)
{
	unsigned k = fit(d, levels);
	struct cframe *f;

	if (!k)
		return NULL;
	if (d->sp == ITEM_MAX_DEPTH) {
		cfail(d, "nesting too deep");
		return NULL;
	}
	f = &d->st[d->sp++];
	memset(f, 0, sizeof *f);
	f->kind = (uint8_t)kind;
	f->indef = (uint8_t)indef;
	f->left = left;
	f->start = d->out->len;
	f->depth = (uint16_t)k;
	f->maxd = (uint16_t)(k + levels - 1);
	return f;
}

/* Returns the offset just past the JSON value at p[i] (our own output). */
static size_t json_end(const uint8_t *p, size_t i, size_t n)
{
	int depth = 0;

	for (; i < n; i++) {
		switch (p[i]) {
		case '"':
			for (i++; p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;
			if (depth == 0)
				return i + 1;
			break;
		case '[': case '{':
			depth++;
			break;
		case ']': case '}':
			if (--depth == 0)
				return i + 1;
			break;
		case ',': case ':':
			if (depth == 0)
				return i;
			break;
		}
	}
	return n;
}

/*
 * Rewrites the map f, written so far as an object, {"k":v,..., into the
 * form {"$map":[["k",v],..., when a key shows that it cannot stay an object.
 * The last key may have no value yet ({"$k" becomes {"$map":[["$k").  Each
 * map is rewritten at most once, at the cost of copying what it holds so
 * far, so a conversion costs at most the depth times the size in all.
 */
static int map_to_dmap(struct cdec *d, struct cframe *f)
{
	struct buf *out = d->out;
	size_t s = f->start + 1, n = out->len - s, i = 0, e, w;
	uint8_t *o, *tmp;

	if (f->maxd + 2 > JSON_MAX_DEPTH)
		return cfail(d, "nesting too deep");
	if (reserve(out, 2 * n + 16) < 0)
		return cfail(d, "out of memory");
	o = out->p;
	tmp = o + out->len + n + 16;	/* beyond what the new form takes */
	memcpy(tmp, o + s, n);
	w = s;
	memcpy(o + w, "\"$map\":[", 8);
	w += 8;
	while (i < n) {
		e = json_end(tmp, i, n);	/* a key */
		o[w++] = '[';
		memcpy(o + w, tmp + i, e - i);
		w += e - i;
		if (e == n)
			break;			/* a key alone */
		i = e + 1;			/* past ':' */
		o[w++] = ',';
		e = json_end(tmp, i, n);	/* its value */
		memcpy(o + w, tmp + i, e - i);
		w += e - i;
		o[w++] = ']';
		i = e;
		if (i < n) {
			o[w++] = ',';
			i++;
		}
	}
	out->len = w;
	f->dmap = 1;
	f->maxd = (uint16_t)(f->maxd + 2);
	if (reserve(out, HEAD_ROOM) < 0)
		return cfail(d, "out of memory");
	return 0;
}

/* Writes the end of the top frame and pops it. */
static int close_top(struct cdec *d)
{
	struct cframe *t = &d->st[d->sp - 1];
	int r = 0;

	switch (t->kind) {
	case C_ARRAY:
		r = cput(d, "]", 1);
		break;
	case C_MAP:
		if (!t->dmap && t->dollar && t->n == 1 && map_to_dmap(d, t))
			return -1;
		r = t->dmap ? cput(d, "]}", 2) : cput(d, "}", 1);
		break;
	case C_TAG:
		r = cput(d, "]}", 2);
		break;
	case C_BYTES:
		if (put_b64_end(d->out, t->carry, t->nc) < 0)
			return cfail(d, "out of memory");
		r = cput(d, "\"}", 2);
		break;
	case C_TEXT:
		r = cput(d, "\"", 1);
		break;
	}
	if (r)
		return r;
	d->sp--;
	if (d->sp && d->st[d->sp - 1].maxd < t->maxd)
		d->st[d->sp - 1].maxd = t->maxd;
	return 0;
}

/* An item is complete: closes what it completes in turn. */
static inline void item_done(struct cdec *d)
{
	struct cframe *t;

	while (d->sp) {
		t = &d->st[d->sp - 1];
		if (t->kind == C_MAP) {
			if (!t->val) {
				t->val = 1;
				if (t->n == 1 && !t->dmap)
					t->dollar = d->out->p[t->key + 1] == '$';
				return;
			}
			t->val = 0;
			if (t->dmap && cput(d, "]", 1))
				return;
			if (t->indef || t->left)
				return;
		} else if (t->kind == C_ARRAY) {
			if (t->indef || t->left)
				return;
		} else if (t->kind != C_TAG) {
			return;
		}
		if (close_top(d))
			return;
	}
	d->done = 1;
}

/*
 * Writes what goes before the next item of the top frame t: a comma, a
 * colon, the opening of a [k,v] pair.  A key that is not a text string
 * turns an object into the $map form first.
 */
static int prologue(struct cdec *d, struct cframe *t, int major)
{
	struct buf *out = d->out;

	switch (t->kind) {
	case C_ARRAY:
		if (t->n++)
			out->p[out->len++] = ',';
		if (!t->indef)
			t->left--;
		break;
	case C_MAP:
		if (!t->val) {
			if (!t->dmap && major != 3 && map_to_dmap(d, t))
				return -1;
			if (t->n++)
				out->p[out->len++] = ',';
			if (!t->indef)
				t->left--;
			if (t->dmap)
				out->p[out->len++] = '[';
			t->key = out->len;
			break;
		}
		/* A map of one entry whose key begins with '$'. */
		if (!t->dmap && t->dollar && t->n == 1 && !t->indef &&
		    t->left == 0 && map_to_dmap(d, t))
			return -1;
		out->p[out->len++] = t->dmap ? ',' : ':';
		break;
	}
	return 0;
}

/* One head and its data, as item_head decoded it. */
enum {
	EV_UINT, EV_NEGINT, EV_BYTES, EV_BYTES_INDEF, EV_TEXT, EV_TEXT_INDEF,
	EV_ARRAY, EV_ARRAY_INDEF, EV_MAP, EV_MAP_INDEF, EV_TAG, EV_FLOAT,
	EV_UNDEF, EV_NULL, EV_FALSE, EV_TRUE, EV_BREAK,
};

struct cev {
	int type;
	uint64_t v;		/* integer, length or tag number */
	const uint8_t *s;	/* string data */
	double f;
};

/* The events of item_head's types. */
static const int ev_type[] = {
	[ITEM_UINT] = EV_UINT, [ITEM_NEGINT] = EV_NEGINT,
	[ITEM_BYTES] = EV_BYTES, [ITEM_TEXT] = EV_TEXT,
	[ITEM_ARRAY] = EV_ARRAY, [ITEM_MAP] = EV_MAP, [ITEM_TAG] = EV_TAG,
	[ITEM_FLOAT] = EV_FLOAT, [ITEM_FALSE] = EV_FALSE, [ITEM_TRUE] = EV_TRUE,
	[ITEM_NULL] = EV_NULL, [ITEM_UNDEFINED] = EV_UNDEF,
	[ITEM_BYTES_INDEF] = EV_BYTES_INDEF, [ITEM_TEXT_INDEF] = EV_TEXT_INDEF,
	[ITEM_ARRAY_INDEF] = EV_ARRAY_INDEF, [ITEM_MAP_INDEF] = EV_MAP_INDEF,
	[ITEM_BREAK] = EV_BREAK,
};

/*
 * Checks the head at p[0] (n >= 1 bytes) for what item_head does
 * not reject, or rejects without saying why, given the top frame t.
 * Returns 0, or -1 with the error set.
 */
static int check_head(struct cdec *d, const struct cframe *t,
		      const uint8_t *p, size_t n)
{
	uint8_t major = p[0] >> 5, ai = p[0] & 31;

	if (ai >= 28 && ai <= 30) {
		error_set(d->err, "reserved additional information %d in "
			  "major type %d", ai, major);
		d->failed = 1;
		return -1;
	}
	if (t && t->kind == C_BYTES && (major != 2 || ai == 31))
		return cfail(d, "indefinite byte string chunk is not a "
			     "definite byte string");
	if (t && t->kind == C_TEXT && (major != 3 || ai == 31))
		return cfail(d, "indefinite text string chunk is not a "
			     "definite text string");
	if (ai == 31 && (major == 0 || major == 1 || major == 6)) {
		error_set(d->err, "indefinite length in major type %d", major);
		d->failed = 1;
		return -1;
	}
	if (major == 7 && (ai < 20 || ai == 24)) {
		if (ai == 24 && n < 2)
			return cfail(d, "truncated item");
		if (ai == 24 && p[1] < 32)
			error_set(d->err, "simple value %d in two bytes", p[1]);
		else
			error_set(d->err, "unsupported simple value %d",
				  ai == 24 ? p[1] : ai);
		d->failed = 1;
		return -1;
	}
	return 0;
}

/*
 * Writes the item of the head just decoded, ev, whose enclosing frame is t.
 * Returns 1 when an item is complete, 0 when it has only begun (a container
 * opened, a chunk written), -1 with the error set.
 */
static int put_item(struct cdec *d, struct cframe *t, const struct cev *ev)
{
	struct buf *out = d->out;
	char tmp[32], *q;
	size_t n = (size_t)ev->v, k;
	uint8_t carry[2], nc = 0;

	switch (ev->type) {
	case EV_UINT:
		q = decimal_u64(ev->v, tmp + 24);
		put_small(d, q, (size_t)(tmp + 24 - q));
		return 1;
	case EV_NEGINT:		/* -1 - v */
		if (ev->v == UINT64_MAX) {
			put_small(d, "-18446744073709551616", 21);
			return 1;
		}
		q = decimal_u64(ev->v + 1, tmp + 24);
		*--q = '-';
		put_small(d, q, (size_t)(tmp + 24 - q));
		return 1;
	case EV_TEXT:
		if (t && t->kind == C_TEXT) {		/* a chunk */
			if (put_text(out, ev->s, n) < 0)
				return cfail(d, "out of memory");
			return 0;
		}
		if (reserve(out, n + 10) < 0)
			return cfail(d, "out of memory");
		q = (char *)out->p + out->len;
		*q = '"';
		k = copy_plain((uint8_t *)q + 1, ev->s, n);
		if (k == n) {				/* nothing to escape */
			q[n + 1] = '"';
			out->len += n + 2;
			return 1;
		}
		out->len += k + 1;
		if (put_text(out, ev->s + k, n - k) < 0 || cput(d, "\"", 1))
			return cfail(d, "out of memory");
		return 1;
	case EV_BYTES:
		if (t && t->kind == C_BYTES) {		/* a chunk */
			if (put_b64(out, t->carry, &t->nc, ev->s, n) < 0)
				return cfail(d, "out of memory");
			return 0;
		}
		if (!fit(d, 1))
			return -1;
		put_small(d, "{\"$bytes\":\"", 11);
		if (put_b64(out, carry, &nc, ev->s, n) < 0 ||
		    put_b64_end(out, carry, nc) < 0)
			return cfail(d, "out of memory");
		return cput(d, "\"}", 2) ? -1 : 1;
	case EV_BYTES_INDEF:
		if (!push(d, C_BYTES, 1, 0, 1))
			return -1;
		put_small(d, "{\"$bytes\":\"", 11);
		return 0;
	case EV_TEXT_INDEF:
		if (!push(d, C_TEXT, 1, 0, 0))
			return -1;
		put_small(d, "\"", 1);
		return 0;
	case EV_ARRAY:
	case EV_ARRAY_INDEF:
		if (!push(d, C_ARRAY, ev->type == EV_ARRAY_INDEF, ev->v, 1))
			return -1;
		put_small(d, "[", 1);
		if (ev->type == EV_ARRAY_INDEF || ev->v)
			return 0;
		return close_top(d) ? -1 : 1;
	case EV_MAP:
	case EV_MAP_INDEF:
		if (!push(d, C_MAP, ev->type == EV_MAP_INDEF, ev->v, 1))
			return -1;
		put_small(d, "{", 1);
		if (ev->type == EV_MAP_INDEF || ev->v)
			return 0;
		return close_top(d) ? -1 : 1;
	case EV_TAG:
		if (!push(d, C_TAG, 0, 0, 2))
			return -1;
		put_small(d, "{\"$tag\":[", 9);
		q = decimal_u64(ev->v, tmp + 24);
		put_small(d, q, (size_t)(tmp + 24 - q));
		put_small(d, ",", 1);
		return 0;
	case EV_FLOAT:
		if (!isnan(ev->f) && !isinf(ev->f)) {
			put_small(d, tmp, fmt_double(ev->f, tmp));
			return 1;
		}
		q = isnan(ev->f) ? "{\"$float\":\"NaN\"}" : ev->f > 0 ?
		    "{\"$float\":\"Infinity\"}" : "{\"$float\":\"-Infinity\"}";
		if (!fit(d, 1))
			return -1;
		put_small(d, q, strlen(q));
		return 1;
	case EV_UNDEF:
		if (!fit(d, 1))
			return -1;
		put_small(d, "{\"$undefined\":true}", 19);
		return 1;
	case EV_NULL:
		put_small(d, "null", 4);
		return 1;
	case EV_FALSE:
		put_small(d, "false", 5);
		return 1;
	case EV_TRUE:
		put_small(d, "true", 4);
		return 1;
	}
	return cfail(d, "unexpected break");	/* breaks are handled before */
}

/*
 * The fast path of item_to_json, for the shapes events take: integers, text,
 * false, true, null, and definite arrays and maps with text keys, nested at
 * most FAST_DEPTH deep.  Anything else (floats, byte strings, tags, other
 * keys, indefinite lengths, a one-member map whose key begins with '$', a
 * truncated item) makes it give up: it returns 0 with out as it was, and the
 * general loop below does the item.  Returns 1 when it wrote the item.
 */
#define FAST_DEPTH 32

static int fast_to_json(const uint8_t *p, size_t len, struct buf *out, size_t *used)
{
	struct { uint64_t left; uint8_t map, first; } st[FAST_DEPTH];
	size_t pos = 0, base = out->len, k;
	int depth = 0;
	char tmp[24], *q;

	for (;;) {
		uint8_t b, major, ai;
		uint64_t v;
		int is_key = 0;

		if (pos >= len || reserve(out, 32) < 0)
			goto give_up;
		/* the separator before this item */
		if (depth) {
			if (st[depth - 1].map) {
				is_key = !(st[depth - 1].left & 1);
				if (!st[depth - 1].first && is_key)
					out->p[out->len++] = ',';
				else if (!is_key)
					out->p[out->len++] = ':';
			} else if (!st[depth - 1].first) {
				out->p[out->len++] = ',';
			}
			st[depth - 1].first = 0;
		}
		b = p[pos];
		major = b >> 5;
		ai = b & 31;
		if (ai < 24) {
			v = ai;
			k = 1;
		} else if (ai < 28 && major != 7) {
			size_t w = (size_t)1 << (ai - 24);
			if (len - pos <= w)
				goto give_up;
			v = 0;
			for (size_t i = 1; i <= w; i++)
				v = v << 8 | p[pos + i];
			k = 1 + w;
		} else {
			goto give_up;
		}
		if (is_key && major != 3)
			goto give_up;
		switch (major) {
		case 0:
			q = decimal_u64(v, tmp + sizeof tmp);
			memcpy(out->p + out->len, q, (size_t)(tmp + sizeof tmp - q));
			out->len += (size_t)(tmp + sizeof tmp - q);
			pos += k;
			break;
		case 1:
			if (v == UINT64_MAX)
				goto give_up;
			q = decimal_u64(v + 1, tmp + sizeof tmp);
			*--q = '-';
			memcpy(out->p + out->len, q, (size_t)(tmp + sizeof tmp - q));
			out->len += (size_t)(tmp + sizeof tmp - q);
			pos += k;
			break;
		case 3: {
			size_t n = (size_t)v, c;
			if (v > len - pos - k)
				goto give_up;
			if (reserve(out, n + 2) < 0)
				goto give_up;
			out->p[out->len++] = '"';
			c = copy_plain(out->p + out->len, p + pos + k, n);
			out->len += c;
			if (c < n && put_text(out, p + pos + k + c, n - c) < 0)
				goto give_up;
			if (reserve(out, 1) < 0)
				goto give_up;
			out->p[out->len++] = '"';
			pos += k + n;
			break;
		}
		case 4:
		case 5:
			if (depth == FAST_DEPTH)
				goto give_up;
			if (major == 5 && v == 1 && pos + k < len &&
			    (p[pos + k] >> 5) == 3 && len - pos - k > 1) {
				/* a one-member map with a key that begins with '$' */
				struct item_head h;
				if (item_head(p + pos + k, len - pos - k, &h, NULL) != ITEM_OK ||
				    h.type != ITEM_TEXT || (h.val && h.data[0] == '$'))
					goto give_up;	/* an indefinite key too */
			}
			if (v > len - pos)
				goto give_up;
			out->p[out->len++] = major == 5 ? '{' : '[';
			pos += k;
			if (v == 0) {
				out->p[out->len++] = major == 5 ? '}' : ']';
				break;
			}
			st[depth].left = major == 5 ? 2 * v : v;
			st[depth].map = major == 5;
			st[depth].first = 1;
			depth++;
			continue;
		case 7:
			if (b == 0xf4)
				memcpy(out->p + out->len, "false", 5), out->len += 5;
			else if (b == 0xf5)
				memcpy(out->p + out->len, "true", 4), out->len += 4;
			else if (b == 0xf6)
				memcpy(out->p + out->len, "null", 4), out->len += 4;
			else
				goto give_up;
			pos++;
			break;
		default:
			goto give_up;
		}
		/* an item is complete: close the containers it completes */
		while (depth && --st[depth - 1].left == 0) {
			if (reserve(out, 1) < 0)
				goto give_up;
			out->p[out->len++] = st[depth - 1].map ? '}' : ']';
			depth--;
		}
		if (depth == 0) {
			*used = pos;
			return 1;
		}
	}
give_up:
	out->len = base;
	return 0;
}

int item_to_json(const uint8_t *p, size_t len, struct buf *out, size_t *used,
		 struct error *err)
{
	if (fast_to_json(p, len, out, used))
		return 0;
	return item_to_json_general(p, len, out, used, err);
}

int item_to_json_general(const uint8_t *p, size_t len, struct buf *out, size_t *used,
			 struct error *err)
{
	struct cdec d;
	struct cev ev;
	struct cframe *t;
	struct item_head h;
	size_t pos = 0, base = out->len;
	uint8_t b;
	int k;

	d.out = out;
	d.err = err;
	d.sp = 0;
	d.failed = 0;
	d.done = 0;
	while (!d.done && !d.failed) {
		if (pos >= len) {
			cfail(&d, "truncated item");
			break;
		}
		if (reserve(out, HEAD_ROOM) < 0) {
			cfail(&d, "out of memory");
			break;
		}
		b = p[pos];
		t = d.sp ? &d.st[d.sp - 1] : NULL;
		if (b == 0xff) {
			if (!t || !t->indef) {
				cfail(&d, "unexpected break");
				break;
			}
			if (t->kind == C_MAP && t->val) {
				cfail(&d, "break after a map key");
				break;
			}
			pos++;
			if (!close_top(&d))
				item_done(&d);
			continue;
		}
		/* Only these heads can fail check_head. */
		if (((b & 31) >= 28 || (b >= 0xe0 && b <= 0xf8) ||
		     (t && t->kind >= C_BYTES)) &&
		    check_head(&d, t, p + pos, len - pos))
			break;
		if (t && t->kind < C_BYTES && prologue(&d, t, b >> 5))
			break;
		switch (item_head(p + pos, len - pos, &h, NULL)) {
		case ITEM_TRUNCATED:
			cfail(&d, "truncated item");
			break;
		case ITEM_BAD:
			error_set(err, "malformed item (initial byte 0x%02x)", b);
			d.failed = 1;
			break;
		default:
			ev.type = ev_type[h.type];
			ev.v = h.val;
			ev.s = h.data;
			ev.f = h.f;
			pos += h.len;
			break;
		}
		if (d.failed)
			break;
		k = put_item(&d, t, &ev);
		if (k > 0)
			item_done(&d);
	}
	assert(pos <= len);
	*used = pos;
	if (d.failed) {
		out->len = base;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */
/* ------------------------------------------------------------------------ */

int json_add_string(struct buf *out, const char *s, size_t n)
{
	size_t base = out->len;

	if (buf_addc(out, '"') < 0 ||
	    put_text(out, (const uint8_t *)s, n) < 0 ||
	    buf_addc(out, '"') < 0) {
		out->len = base;
		return -1;
	}
	return 0;
}
