/* kcatjson.c - kcat -C -J's lines decoded into records (kcatjson.h). */
#include <stdio.h>
#include <string.h>

#include "item.h"
#include "kcatjson.h"
#include "utf8.h"

/* The parse: p moves over the line, start is its first byte (for *at). */
struct kp {
	const uint8_t *p, *end, *start;
	struct kcat_decoder *d;
	struct error *err;
	size_t at;
};

static int fail(struct kp *k, const uint8_t *where, const char *what, const char *why)
{
	k->at = (size_t)(where - k->start);
	return error_set(k->err, "%s%s%s", what ? what : "", what ? ": " : "", why);
}

static void ws(struct kp *k)
{
	while (k->p < k->end && (*k->p == ' ' || *k->p == '\t' || *k->p == '\r'))
		k->p++;
}

static int hex4(const uint8_t *p, unsigned *v)
{
	unsigned x = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t c = p[i];
		x <<= 4;
		if (c >= '0' && c <= '9') x |= c - '0';
		else if (c >= 'a' && c <= 'f') x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') x |= c - 'A' + 10;
		else return -1;
	}
	*v = x;
	return 0;
}

/* Appends code point c in UTF-8 to b. */
static int put_utf8(struct buf *b, unsigned c)
{
	uint8_t u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (uint8_t)(0xc0 | c >> 6);
		u[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (uint8_t)(0xe0 | c >> 12);
		u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		u[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | c >> 18);
		u[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
		u[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		u[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/*
 * The string at k->p (its opening quote): *s and *len its bytes, escapes
 * undone, pointing into the line when it has none, else into d->tmp.
 */
static int string(struct kp *k, const char *what, const uint8_t **s, size_t *len)
{
	const uint8_t *p = k->p + 1, *end = k->end, *run;
	struct buf *t = &k->d->tmp;
	int copied = 0;

	if (k->p >= end || *k->p != '"')
		return fail(k, k->p, what, "not a string");
	run = p;
	for (;;) {
		while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
			p++;
		if (p == end)
			return fail(k, k->p, what, "the line ends inside a string");
		if (*p == '"')
			break;
		if (*p < 0x20) {
			char why[64];
			snprintf(why, sizeof why, "a raw control byte 0x%02x in a string", *p);
			return fail(k, p, what, why);
		}
		/* an escape: the string is built in tmp from here */
		if (!copied) {
			buf_reset(t);
			copied = 1;
		}
		if (buf_add(t, run, (size_t)(p - run)) < 0)
			return error_set(k->err, "out of memory");
		if (end - p < 2)
			return fail(k, p, what, "the line ends inside a string");
		uint8_t c = p[1], b;
		unsigned u, lo;
		switch (c) {
		case '"': case '\\': case '/': b = c; break;
		case 'b': b = '\b'; break;
		case 'f': b = '\f'; break;
		case 'n': b = '\n'; break;
		case 'r': b = '\r'; break;
		case 't': b = '\t'; break;
		case 'u':
			if (end - p < 6 || hex4(p + 2, &u) < 0)
				return fail(k, p, what, "a bad \\u escape");
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail(k, p, what, "a lone low surrogate escaped");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(k, p, what, "a lone high surrogate escaped");
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			if (put_utf8(t, u) < 0)
				return error_set(k->err, "out of memory");
			p += 6;
			run = p;
			continue;
		default:
			return fail(k, p, what, "a bad escape");
		}
		if (buf_addc(t, b) < 0)
			return error_set(k->err, "out of memory");
		p += 2;
		run = p;
	}
	if (copied) {
		if (buf_add(t, run, (size_t)(p - run)) < 0)
			return error_set(k->err, "out of memory");
		*s = t->p;
		*len = t->len;
	} else {
		*s = run;
		*len = (size_t)(p - run);
	}
	k->p = p + 1;
	return 0;
}

/* Appends bytes s[0..n) to b as a CBOR text string when valid UTF-8,
 * else a byte string. */
static int put_string(struct buf *b, const uint8_t *s, size_t n)
{
	uint8_t head[9];
	size_t hl = item_put_head(head, utf8_valid_prefix(s, n) == n ? 3 : 2, n);

	if (buf_grow(b, hl + n) < 0)
		return -1;
	buf_add_unchecked(b, head, hl);
	buf_add_unchecked(b, s, n);
	return 0;
}

/* A string or null at k->p into b as an item (null: CBOR null). */
static int string_or_null(struct kp *k, const char *what, struct buf *b)
{
	const uint8_t *s;
	size_t n;

	buf_reset(b);
	if (k->end - k->p >= 4 && !memcmp(k->p, "null", 4)) {
		k->p += 4;
		return buf_addc(b, 0xf6) < 0 ? error_set(k->err, "out of memory") : 0;
	}
	if (k->p >= k->end || *k->p != '"')
		return fail(k, k->p, what, "neither a string nor null");
	if (string(k, what, &s, &n) < 0)
		return -1;
	return put_string(b, s, n) < 0 ? error_set(k->err, "out of memory") : 0;
}

/* An integer (no fraction, no exponent) within [min, max]. */
static int integer(struct kp *k, const char *what, int64_t min, int64_t max, int64_t *v)
{
	const uint8_t *p = k->p, *from = p;
	int neg = 0;
	uint64_t x = 0, lim;

	if (p < k->end && *p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (p == k->end || *p < '0' || *p > '9')
		return fail(k, from, what, "not an integer");
	while (p < k->end && *p >= '0' && *p <= '9') {
		unsigned dgt = *p++ - '0';
		if (x > (lim - dgt) / 10)
			return fail(k, from, what, "an integer out of range");
		x = x * 10 + dgt;
	}
	if (p < k->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return fail(k, from, what, "not an integer");
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	if (*v < min || *v > max)
		return fail(k, from, what, "an integer out of range");
	k->p = p;
	return 0;
}

/* Skips the scalar value (string, number, true, false, null) of the member
 * name[0..len) not known. */
static int skip_scalar(struct kp *k, const uint8_t *name, size_t len)
{
	static const char *const literals[] = { "true", "false", "null" };
	const uint8_t *s;
	char what[80];
	size_t n;

	snprintf(what, sizeof what, "\"%.*s\"", len > 64 ? 64 : (int)len, (const char *)name);
	if (k->p < k->end && *k->p == '"')
		return string(k, what, &s, &n);
	for (int i = 0; i < 3; i++) {
		n = strlen(literals[i]);
		if ((size_t)(k->end - k->p) >= n && !memcmp(k->p, literals[i], n)) {
			k->p += n;
			return 0;
		}
	}
	for (n = 0; k->p + n < k->end && k->p[n] && strchr("+-.0123456789eE", k->p[n]);)
		n++;
	if (n == 0 || (*k->p != '-' && (*k->p < '0' || *k->p > '9')))
		return fail(k, k->p, what, "a member not known whose value is not a string, number, "
			    "true, false or null");
	k->p += n;
	return 0;
}

/* "headers": the flat array [name, value, ...] into d->headers, a map (its
 * head written before the entries: r->headers points at it). */
static int headers(struct kp *k, struct record *r)
{
	struct buf *h = &k->d->headers, *names = &k->d->names;
	const uint8_t *s;
	size_t n, count = 0, hl, pair[2];
	uint8_t head[9];

	buf_reset(h);
	buf_reset(names);
	if (k->p >= k->end || *k->p != '[')
		return fail(k, k->p, "headers", "not an array");
	k->p++;
	/* room for the map's head, written once the count is known */
	if (buf_grow(h, 9) < 0)
		return error_set(k->err, "out of memory");
	h->len = 9;
	ws(k);
	if (k->p < k->end && *k->p == ']') {
		k->p++;
		r->headers = NULL;
		r->headerslen = 0;
		return 0;
	}
	for (;;) {
		const uint8_t *at;
		ws(k);
		at = k->p;
		if (k->p >= k->end || *k->p != '"')
			return fail(k, at, "headers", "a header name that is not a string");
		if (string(k, "headers", &s, &n) < 0)
			return -1;
		if (utf8_valid_prefix(s, n) != n)
			return fail(k, at, "headers", "a header name that is not valid UTF-8");
		for (size_t i = 0; i < names->len; i += sizeof pair) {
			memcpy(pair, names->p + i, sizeof pair);
			if (pair[1] == n && !memcmp(h->p + pair[0], s, n)) {
				char why[160];
				snprintf(why, sizeof why, "header \"%.*s\" twice (a record's headers "
					 "are a map)", n > 64 ? 64 : (int)n, (const char *)s);
				return fail(k, at, "headers", why);
			}
		}
		if (++count > RECORD_MAX_HEADERS) {
			char why[64];
			snprintf(why, sizeof why, "more than %d headers", RECORD_MAX_HEADERS);
			return fail(k, at, "headers", why);
		}
		hl = item_put_head(head, 3, n);
		pair[0] = h->len + hl;
		pair[1] = n;
		if (buf_add(names, pair, sizeof pair) < 0 || buf_grow(h, hl + n) < 0)
			return error_set(k->err, "out of memory");
		buf_add_unchecked(h, head, hl);
		buf_add_unchecked(h, s, n);
		ws(k);
		if (k->p >= k->end || *k->p != ',')
			return fail(k, k->p, "headers", "a header name without a value "
				    "(not a flat [name, value, ...] array)");
		k->p++;
		ws(k);
		if (k->end - k->p >= 4 && !memcmp(k->p, "null", 4)) {
			k->p += 4;
			if (buf_addc(h, 0x40) < 0)	/* no value: an empty byte string */
				return error_set(k->err, "out of memory");
		} else {
			if (k->p >= k->end || *k->p != '"')
				return fail(k, k->p, "headers", "a header value that is neither "
					    "a string nor null");
			if (string(k, "headers", &s, &n) < 0)
				return -1;
			if (put_string(h, s, n) < 0)
				return error_set(k->err, "out of memory");
		}
		ws(k);
		if (k->p < k->end && *k->p == ']')
			break;
		if (k->p >= k->end || *k->p != ',')
			return fail(k, k->p, "headers", "',' or ']' expected");
		k->p++;
	}
	k->p++;
	hl = item_put_head(head, 5, count);
	memcpy(h->p + 9 - hl, head, hl);
	r->headers = h->p + 9 - hl;
	r->headerslen = h->len - 9 + hl;
	return 0;
}

enum { M_TOPIC, M_PARTITION, M_OFFSET, M_TSTYPE, M_TS, M_BROKER, M_HEADERS, M_KEY, M_PAYLOAD,
       M_COUNT };
static const char *const member_names[M_COUNT] = {
	"topic", "partition", "offset", "tstype", "ts", "broker", "headers", "key", "payload",
};

static int member(struct kp *k, int m, struct record *r)
{
	const char *what = member_names[m];
	const uint8_t *s;
	size_t n;
	int64_t v;

	switch (m) {
	case M_TOPIC:
	case M_TSTYPE:
		if (k->p >= k->end || *k->p != '"')
			return fail(k, k->p, what, "not a string");
		return string(k, what, &s, &n);
	case M_PARTITION:
		if (integer(k, what, 0, RECORD_MAX_PARTITION, &v) < 0)
			return -1;
		r->has_partition = 1;
		r->partition = (uint32_t)v;
		return 0;
	case M_OFFSET:
		return integer(k, what, 0, INT64_MAX, &v);
	case M_TS:
		return integer(k, what, INT64_MIN, INT64_MAX, &r->ts);
	case M_BROKER:
		return integer(k, what, INT32_MIN, INT32_MAX, &v);
	case M_HEADERS:
		return headers(k, r);
	case M_KEY:
		if (string_or_null(k, what, &k->d->key) < 0)
			return -1;
		r->key = k->d->key.p;
		r->keylen = k->d->key.len;
		return 0;
	default:
		if (string_or_null(k, what, &k->d->value) < 0)
			return -1;
		r->value = k->d->value.p;
		r->valuelen = k->d->value.len;
		return 0;
	}
}

int kcat_decode(struct kcat_decoder *d, const uint8_t *p, size_t n, struct record *r,
		size_t *at, struct error *err)
{
	struct kp k = { p, p + n, p, d, err, 0 };
	unsigned seen = 0;
	int rc = -1;

	r->headers = NULL;
	r->headerslen = 0;
	ws(&k);
	if (k.p >= k.end || *k.p != '{') {
		fail(&k, k.p, NULL, "not a JSON object (kcat -J writes one per line)");
		goto out;
	}
	k.p++;
	ws(&k);
	if (k.p < k.end && *k.p == '}') {
		k.p++;
	} else for (;;) {
		const uint8_t *name, *at0;
		size_t len;
		int m;

		ws(&k);
		at0 = k.p;
		if (k.p >= k.end || *k.p != '"') {
			fail(&k, k.p, NULL, "a member name expected");
			goto out;
		}
		if (string(&k, "member name", &name, &len) < 0)
			goto out;
		for (m = 0; m < M_COUNT; m++)
			if (strlen(member_names[m]) == len && !memcmp(member_names[m], name, len))
				break;
		ws(&k);
		if (k.p >= k.end || *k.p != ':') {
			fail(&k, k.p, NULL, "':' expected after a member name");
			goto out;
		}
		k.p++;
		ws(&k);
		if (m < M_COUNT) {
			if (seen & 1u << m) {
				fail(&k, at0, member_names[m], "the member twice");
				goto out;
			}
			seen |= 1u << m;
			if (member(&k, m, r) < 0)
				goto out;
		} else if (skip_scalar(&k, name, len) < 0) {
			goto out;
		}
		ws(&k);
		if (k.p < k.end && *k.p == '}') {
			k.p++;
			break;
		}
		if (k.p >= k.end || *k.p != ',') {
			fail(&k, k.p, NULL, "',' or '}' expected");
			goto out;
		}
		k.p++;
	}
	ws(&k);
	if (k.p != k.end) {
		fail(&k, k.p, NULL, "more after the object");
		goto out;
	}
	for (int m = 0; m < M_COUNT; m++)
		if ((m == M_PARTITION || m == M_OFFSET || m == M_KEY || m == M_PAYLOAD) &&
		    !(seen & 1u << m)) {
			k.at = n;
			error_set(err, "no \"%s\" (kcat -J writes topic, partition, offset, key "
				  "and payload)", member_names[m]);
			goto out;
		}
	rc = 0;
out:
	*at = k.at;
	return rc;
}

void kcat_decoder_release(struct kcat_decoder *d)
{
	buf_release(&d->key);
	buf_release(&d->value);
	buf_release(&d->headers);
	buf_release(&d->names);
	buf_release(&d->tmp);
}
