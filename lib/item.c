/*
 * item.c - CBOR heads, and checking whole items (see item.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "item.h"
#include "timeparse.h"
#include "utf8.h"

/* --- heads ---------------------------------------------------------------
 *
 * Decoded by hand: libcbor's streaming decoder (a callback per head, through
 * the PLT) was two thirds of logappend's time on framed input.  libcbor
 * still encodes everything the tools write.
 */

static const char *const major_name[8] = {
	"unsigned integer", "negative integer", "byte string", "text string",
	"array", "map", "tag", "simple value or float",
};

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	double m = h & 0x3ff, v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m == 0 ? INFINITY : NAN;
	else
		v = ldexp(m + 1024, e - 25);
	return h & 0x8000 ? -v : v;
}

int item_head(const uint8_t *p, size_t n, struct item_head *h, struct error *err)
{
	uint8_t major, ai;
	uint64_t val;
	size_t hl;

	if (n == 0)
		return ITEM_TRUNCATED;
	major = p[0] >> 5;
	ai = p[0] & 0x1f;
	if (ai < 24) {
		val = ai;
		hl = 1;
	} else if (ai < 28) {
		size_t k = (size_t)1 << (ai - 24);
		if (n < 1 + k)
			return ITEM_TRUNCATED;
		switch (k) {
		case 1: val = p[1]; break;
		case 2: val = (uint64_t)p[1] << 8 | p[2]; break;
		case 4: { uint32_t v; memcpy(&v, p + 1, 4); val = __builtin_bswap32(v); break; }
		default: memcpy(&val, p + 1, 8); val = __builtin_bswap64(val); break;
		}
		hl = 1 + k;
	} else if (ai == 31) {
		static const enum item_type indef[8] = {
			ITEM_BREAK, ITEM_BREAK, ITEM_BYTES_INDEF, ITEM_TEXT_INDEF,
			ITEM_ARRAY_INDEF, ITEM_MAP_INDEF, ITEM_BREAK, ITEM_BREAK,
		};
		if (major < 2 || major == 6)
			return error_set(err, "indefinite length not allowed for %s (0x%02x)",
					 major_name[major], p[0]);
		h->type = indef[major];
		h->len = 1;
		return ITEM_OK;
	} else {
		return error_set(err, "reserved additional information %u in major type %u (%s)",
				 ai, major, major_name[major]);
	}
	h->val = val;
	h->len = hl;
	switch (major) {
	case 0: h->type = ITEM_UINT; break;
	case 1: h->type = ITEM_NEGINT; break;
	case 2:
	case 3:
		h->type = major == 2 ? ITEM_BYTES : ITEM_TEXT;
		if (val > n - hl)
			return ITEM_TRUNCATED;
		h->data = p + hl;
		h->len = hl + (size_t)val;
		break;
	case 4: h->type = ITEM_ARRAY; break;
	case 5: h->type = ITEM_MAP; break;
	case 6: h->type = ITEM_TAG; break;
	default:
		switch (ai) {
		case 20: h->type = ITEM_FALSE; break;
		case 21: h->type = ITEM_TRUE; break;
		case 22: h->type = ITEM_NULL; break;
		case 23: h->type = ITEM_UNDEFINED; break;
		case 25:
			h->type = ITEM_FLOAT;
			h->f = half_to_double((uint16_t)val);
			break;
		case 26: {
			uint32_t u = (uint32_t)val;
			float f;
			memcpy(&f, &u, 4);
			h->type = ITEM_FLOAT;
			h->f = f;
			break;
		}
		case 27:
			h->type = ITEM_FLOAT;
			memcpy(&h->f, &val, 8);
			break;
		case 24:
			return error_set(err, "unsupported simple value %llu (0xf8 0x%02x)",
					 (unsigned long long)val, (unsigned)val);
		default:
			return error_set(err, "unsupported simple value %u (0x%02x)", ai, p[0]);
		}
	}
	return ITEM_OK;
}

int item_int64(const uint8_t *p, size_t n, int64_t *v, size_t *len)
{
	struct item_head h;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return ITEM_BAD;
	*len = h.len;
	if (h.type == ITEM_UINT && h.val <= INT64_MAX) {
		*v = (int64_t)h.val;
		return ITEM_OK;
	}
	if (h.type == ITEM_NEGINT && h.val <= INT64_MAX) {
		*v = -1 - (int64_t)h.val;
		return ITEM_OK;
	}
	return ITEM_BAD;
}

int item_string(const uint8_t *p, size_t n, struct buf *scratch, const uint8_t **s,
		size_t *len, enum item_type *type)
{
	struct item_head h, c;
	size_t off;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return 0;
	if (h.type == ITEM_TEXT || h.type == ITEM_BYTES) {
		*s = h.data;
		*len = (size_t)h.val;
		*type = h.type;
		return 1;
	}
	if (h.type != ITEM_TEXT_INDEF && h.type != ITEM_BYTES_INDEF)
		return 0;
	*type = h.type == ITEM_TEXT_INDEF ? ITEM_TEXT : ITEM_BYTES;
	buf_reset(scratch);
	for (off = h.len; off < n; off += c.len) {
		if (item_head(p + off, n - off, &c, NULL) != ITEM_OK)
			return 0;
		if (c.type == ITEM_BREAK) {
			*s = scratch->p;
			*len = scratch->len;
			return 1;
		}
		if (c.type != *type)
			return 0;
		if (buf_add(scratch, c.data, (size_t)c.val) < 0)
			return -1;
	}
	return 0;
}

/* --- whole items --------------------------------------------------------- */

/* One open container on the stack: how many items remain (definite), or
 * which kind of indefinite container it is. */
struct level {
	uint64_t left;		/* items still to come (definite) */
	uint8_t indef;		/* 0, or the ITEM_*_INDEF type */
};

/* The fast path of item_check: for each initial byte, the size of an item
 * that is only its head (integers, short strings, simple values, floats),
 * 0 for the rest.  A table rather than a switch: the indirect jump of a
 * switch was mispredicted on most items. */
#define R4(x) x, x, x, x
#define R8(x) R4(x), R4(x)
static const uint8_t leaf_size[256] = {
	/* 0x00 */ R8(1), R8(1), R8(1), 2, 3, 5, 9, 0, 0, 0, 0,
	/* 0x20 */ R8(1), R8(1), R8(1), 2, 3, 5, 9, 0, 0, 0, 0,
	/* 0x40 */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		   17, 18, 19, 20, 21, 22, 23, 24, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x60 */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		   17, 18, 19, 20, 21, 22, 23, 24, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x80 */ R8(0), R8(0), R8(0), R8(0),
	/* 0xa0 */ R8(0), R8(0), R8(0), R8(0),
	/* 0xc0 */ R8(0), R8(0), R8(0), R8(0),
	/* 0xe0 */ R8(0), R8(0), R4(0), 1, 1, 1, 1, 0, 3, 5, 9, 0, 0, 0, 0,
};

int item_check(const uint8_t *p, size_t n, size_t *len, struct error *err)
{
	struct level st[ITEM_MAX_DEPTH];
	struct item_head h;
	size_t pos = 0;
	int depth = 0, rc;

	for (;;) {
		struct level *top = depth ? &st[depth - 1] : NULL;
		uint8_t ib;

		if (pos >= n)
			return ITEM_TRUNCATED;
		ib = p[pos];
		/* the fast path, for the common heads; chunks of indefinite
		 * strings take the slow one, which checks their type */
		if (!top || !top->indef || top->indef == ITEM_ARRAY_INDEF || top->indef == ITEM_MAP_INDEF) {
			uint8_t leaf = leaf_size[ib];
			if (leaf) {
				pos += leaf;
				goto item_done;
			}
			if ((ib == 0x78 || ib == 0x58) && n - pos >= 2) {
				pos += 2 + (size_t)p[pos + 1];
				goto item_done;
			}
			if (((ib >= 0x81 && ib <= 0x97) || (ib >= 0xa1 && ib <= 0xb7)) &&
			    depth < ITEM_MAX_DEPTH) {
				uint64_t left = (ib & 0x1f) * (ib >= 0xa0 ? 2u : 1u);
				/* the common shape: a container of leaves, in a
				 * tight loop (an overrun ends at the checks below) */
				pos++;
				while (left && pos < n) {
					uint8_t c = p[pos], lsize = leaf_size[c];
					if (lsize)
						pos += lsize;
					else if ((c == 0x78 || c == 0x58) && n - pos >= 2)
						pos += 2 + (size_t)p[pos + 1];
					else
						break;
					left--;
				}
				if (left == 0)
					goto item_done;
				st[depth].left = left;
				st[depth].indef = 0;
				depth++;
				continue;
			}
		}
		rc = item_head(p + pos, n - pos, &h, err);
		if (rc != ITEM_OK) {
			if (rc == ITEM_BAD)
				error_prefix(err, "at byte %zu", pos);
			return rc;
		}
		if (top && (top->indef == ITEM_BYTES_INDEF || top->indef == ITEM_TEXT_INDEF)) {
			enum item_type want = top->indef == ITEM_BYTES_INDEF ? ITEM_BYTES : ITEM_TEXT;
			const char *what = want == ITEM_BYTES ? "byte string" : "text string";
			if (h.type != want && h.type != ITEM_BREAK)
				return error_set(err, "at byte %zu: chunk of an indefinite-length %s is not a definite %s",
						 pos, what, what);
		}
		pos += h.len;
		switch (h.type) {
		case ITEM_BREAK:
			if (!top || !top->indef)
				return error_set(err, "at byte %zu: unexpected break (0xff)", pos - 1);
			if (top->indef == ITEM_MAP_INDEF && (top->left & 1))
				return error_set(err, "at byte %zu: indefinite-length map ends after a key without a value", pos - 1);
			depth--;
			goto item_done;
		case ITEM_ARRAY: case ITEM_MAP: case ITEM_TAG:
		case ITEM_BYTES_INDEF: case ITEM_TEXT_INDEF:
		case ITEM_ARRAY_INDEF: case ITEM_MAP_INDEF: {
			uint64_t items = h.val;
			if (h.type == ITEM_MAP) {
				if (items > UINT64_MAX / 2)
					return error_set(err, "at byte %zu: map length out of range", pos - h.len);
				items *= 2;
			}
			if (h.type == ITEM_TAG)
				items = 1;
			if ((h.type == ITEM_ARRAY || h.type == ITEM_MAP) && items > n - pos)
				return ITEM_TRUNCATED;	/* each item takes a byte at least */
			if (depth == ITEM_MAX_DEPTH)	/* empty ones count too */
				return error_set(err, "at byte %zu: items nested deeper than %d", pos - h.len, ITEM_MAX_DEPTH);
			if ((h.type == ITEM_ARRAY || h.type == ITEM_MAP) && items == 0)
				goto item_done;
			if (depth == ITEM_MAX_DEPTH)
				return error_set(err, "at byte %zu: items nested deeper than %d", pos - h.len, ITEM_MAX_DEPTH);
			st[depth].left = items;
			st[depth].indef = 0;
			if (h.type >= ITEM_BYTES_INDEF && h.type <= ITEM_MAP_INDEF) {
				st[depth].indef = (uint8_t)h.type;
				st[depth].left = 0;
			}
			depth++;
			continue;
		}
		default:
			break;
		}
item_done:
		/* one item completed at this level: pop finished definite levels */
		for (;;) {
			if (depth == 0) {
				if (pos > n)
					return ITEM_TRUNCATED;
				*len = pos;
				return ITEM_OK;
			}
			top = &st[depth - 1];
			if (top->indef) {
				if (top->indef == ITEM_MAP_INDEF)
					top->left ^= 1;
				break;
			}
			if (--top->left)
				break;
			depth--;
		}
	}
}

/* --- validity ---------------------------------------------------------- */

struct vctx {
	struct buf scratch;	/* canonical keys and joined strings */
	struct error *err;
};

/* One map key: where its canonical encoding is (in the item itself, or at
 * off in scratch), its length, and where the key starts in the item. */
struct vkey {
	uint64_t sig;		/* its first 8 bytes, zero-padded */
	const uint8_t *ptr;
	size_t off, len, at;
	int in_scratch;
};

/* The first min(8, n) bytes of s as a word, zero-padded; avail >= n bytes
 * may be read at s. */
static inline uint64_t sig8(const uint8_t *s, size_t n, size_t avail)
{
	uint64_t w = 0;

	if (avail >= 8) {
		memcpy(&w, s, 8);
		return n >= 8 ? w : w & ((1ull << (8 * n)) - 1);
	}
	for (size_t i = 0; i < n && i < 8; i++)
		w |= (uint64_t)s[i] << (8 * i);
	return w;
}

/* Whether s[0..n) is valid UTF-8, avail >= n bytes readable at s: ASCII,
 * the common case, a word at a time (the last word overlapping, or masked). */
static inline int text_ok(const uint8_t *s, size_t n, size_t avail)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	if (n < 8) {
		if (avail >= 8) {
			memcpy(&w, s, 8);
			acc = w & ((1ull << (8 * n)) - 1);
		} else {
			for (; i < n; i++)
				acc |= s[i];
		}
	} else {
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			acc |= w;
		}
		memcpy(&w, s + n - 8, 8);
		acc |= w;
	}
	return !(acc & 0x8080808080808080ull) || utf8_valid_prefix(s, n) == n;
}

/* The fast path of walk: an integer, a short string, a float or a simple
 * value at p[*pos]; returns 1 when it was one (and valid), moving *pos. */
static inline __attribute__((always_inline)) int leaf_fast(const uint8_t *p, size_t n, size_t *pos,
							    int *canonical)
{
	size_t at = *pos;
	uint8_t ib = p[at];

	if (ib < 0x40 && (ib & 0x1f) < 28) {	/* integers */
		switch (ib & 0x1f) {	/* a longer head than needed? */
		case 24: *canonical &= p[at + 1] >= 24; break;
		case 25: *canonical &= p[at + 1] != 0; break;
		case 26: *canonical &= (p[at + 1] | p[at + 2]) != 0; break;
		case 27: *canonical &= (p[at + 1] | p[at + 2] | p[at + 3] | p[at + 4]) != 0; break;
		}
		*pos += leaf_size[ib];
		return 1;
	}
	if (ib >= 0x40 && ib < 0x58) {		/* short byte strings */
		*pos += leaf_size[ib];
		return 1;
	}
	if (ib >= 0x60 && ib < 0x78 && text_ok(p + at + 1, ib - 0x60u, n - at - 1)) {
		*pos += 1 + (ib - 0x60u);
		return 1;
	}
	if (ib == 0x78 && text_ok(p + at + 2, p[at + 1], n - at - 2)) {
		if (p[at + 1] < 24)
			*canonical = 0;
		*pos += 2 + (size_t)p[at + 1];
		return 1;
	}
	if (ib >= 0xf4 && ib <= 0xf7) {		/* false, true, null, undefined */
		*pos += 1;
		return 1;
	}
	if (ib >= 0xf9 && ib <= 0xfb) {		/* floats: canonical as doubles */
		*pos += leaf_size[ib];
		*canonical = 0;
		return 1;
	}
	return 0;
}

/* leaf_fast on bytes nobody checked yet: only when the leaf lies within
 * p[0..n) (its size from its head: leaf_size, or a one-byte length). */
static inline int leaf_bounded(const uint8_t *p, size_t n, size_t *pos, int *canonical)
{
	size_t at = *pos, size;

	if (at >= n)
		return 0;
	if (p[at] == 0x78)
		size = n - at >= 2 ? 2 + (size_t)p[at + 1] : SIZE_MAX;
	else
		size = leaf_size[p[at]] ? leaf_size[p[at]] : SIZE_MAX;
	return size <= n - at && leaf_fast(p, n, pos, canonical);
}

static int vfail(struct vctx *v, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int vfail(struct vctx *v, size_t at, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(v->err, "at byte %zu: %s", at, msg);
}

/* The length of the well-formed item at p[pos..n). */
static size_t skip(const uint8_t *p, size_t n, size_t pos)
{
	size_t len = 0;

	item_check(p + pos, n - pos, &len, NULL);
	return pos + len;
}

/*
 * Appends the canonical encoding of the item at p[*pos] to out, moving *pos
 * past it: shortest heads, definite lengths, floats as doubles.  Two items
 * are equal as data items (for map keys) when their canonical encodings are
 * equal bytes.
 */
static int canon(struct buf *out, const uint8_t *p, size_t n, size_t *pos)
{
	struct item_head h;
	uint8_t head[9];
	uint64_t count = 0, i;
	size_t q;

	item_head(p + *pos, n - *pos, &h, NULL);
	*pos += h.len;
	switch (h.type) {
	case ITEM_UINT: case ITEM_NEGINT: case ITEM_TAG:
		if (buf_add(out, head, item_put_head(head, (uint8_t)(p[*pos - h.len] >> 5), h.val)) < 0)
			return -1;
		return h.type == ITEM_TAG ? canon(out, p, n, pos) : 0;
	case ITEM_BYTES: case ITEM_TEXT:
		if (buf_add(out, head, item_put_head(head, h.type == ITEM_BYTES ? 2 : 3, h.val)) < 0)
			return -1;
		return buf_add(out, h.data, (size_t)h.val);
	case ITEM_BYTES_INDEF: case ITEM_TEXT_INDEF:
		for (q = *pos; p[q] != 0xff; q += h.len) {
			item_head(p + q, n - q, &h, NULL);
			count += h.val;
		}
		if (buf_add(out, head, item_put_head(head, (uint8_t)(p[*pos - 1] >> 5), count)) < 0)
			return -1;
		for (; p[*pos] != 0xff; *pos += h.len) {
			item_head(p + *pos, n - *pos, &h, NULL);
			if (buf_add(out, h.data, (size_t)h.val) < 0)
				return -1;
		}
		(*pos)++;
		return 0;
	case ITEM_ARRAY: case ITEM_MAP:
	case ITEM_ARRAY_INDEF: case ITEM_MAP_INDEF: {
		int map = h.type == ITEM_MAP || h.type == ITEM_MAP_INDEF;
		if (h.type == ITEM_ARRAY || h.type == ITEM_MAP) {
			count = map ? 2 * h.val : h.val;
		} else {
			for (q = *pos; p[q] != 0xff; q = skip(p, n, q))
				count++;
		}
		if (buf_add(out, head, item_put_head(head, map ? 5 : 4, map ? count / 2 : count)) < 0)
			return -1;
		for (i = 0; i < count; i++)
			if (canon(out, p, n, pos) < 0)
				return -1;
		if (h.type == ITEM_ARRAY_INDEF || h.type == ITEM_MAP_INDEF)
			(*pos)++;
		return 0;
	}
	case ITEM_FLOAT: {
		uint64_t bits;
		memcpy(&bits, &h.f, 8);
		if (isnan(h.f))
			bits = 0x7ff8000000000000ull;
		head[0] = 0xfb;
		bits = __builtin_bswap64(bits);
		memcpy(head + 1, &bits, 8);
		return buf_add(out, head, 9);
	}
	default:
		return buf_add(out, p + *pos - h.len, h.len);
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct vkey *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->ptr, y->ptr, x->len);
}

/* Reports the duplicate key k (a text key is named). */
static int dup_key(struct vctx *v, const uint8_t *p, const struct vkey *k)
{
	struct item_head h;

	if (item_head(p + k->at, k->len, &h, NULL) == ITEM_OK && h.type == ITEM_TEXT && h.val <= 64) {
		for (size_t i = 0; i < h.val; i++)
			if (h.data[i] < 0x20 || h.data[i] >= 0x7f || h.data[i] == '"')
				return vfail(v, k->at, "duplicate map key");
		return vfail(v, k->at, "duplicate map key \"%.*s\"", (int)h.val, (const char *)h.data);
	}
	return vfail(v, k->at, "duplicate map key");
}

/* Checks that no two of the nk keys are equal. */
static int no_dup_keys(struct vctx *v, const uint8_t *p, struct vkey *ks, size_t nk)
{
	size_t i, j;

	for (i = 0; i < nk; i++)
		if (ks[i].in_scratch) {
			ks[i].ptr = v->scratch.p + ks[i].off;
			ks[i].sig = sig8(ks[i].ptr, ks[i].len, ks[i].len);
		}
	if (nk <= 16) {
		for (i = 1; i < nk; i++)
			for (j = 0; j < i; j++)
				if (ks[i].sig == ks[j].sig && ks[i].len == ks[j].len &&
				    (ks[i].len <= 8 || !memcmp(ks[i].ptr + 8, ks[j].ptr + 8, ks[i].len - 8)))
					return dup_key(v, p, &ks[i]);
		return 0;
	}
	qsort(ks, nk, sizeof *ks, key_cmp);
	for (i = 1; i < nk; i++)
		if (!key_cmp(&ks[i - 1], &ks[i]))
			return dup_key(v, p, ks[i - 1].at > ks[i].at ? &ks[i - 1] : &ks[i]);
	return 0;
}

/*
 * The contents of a string item at p[pos] of type want (ITEM_TEXT or
 * ITEM_BYTES, definite or indefinite): *s and *len, the chunks of an
 * indefinite one joined in into (emptied first).  Returns 0, or 1 when the
 * item is not such a string, or -1 when memory runs out.
 */
static int string_of(const uint8_t *p, size_t n, size_t pos, enum item_type want,
		     struct buf *into, const uint8_t **s, size_t *len)
{
	struct item_head h;

	item_head(p + pos, n - pos, &h, NULL);
	if (h.type == want) {
		*s = h.data;
		*len = (size_t)h.val;
		return 0;
	}
	if (h.type != (want == ITEM_TEXT ? ITEM_TEXT_INDEF : ITEM_BYTES_INDEF))
		return 1;
	buf_reset(into);
	for (pos++; p[pos] != 0xff; pos += h.len) {
		item_head(p + pos, n - pos, &h, NULL);
		if (buf_add(into, h.data, (size_t)h.val) < 0)
			return -1;
	}
	*s = into->p ? into->p : (const uint8_t *)"";
	*len = into->len;
	return 0;
}

/* Tag 0: an RFC 3339 date-time as timeparse reads one, narrowed as RFC
 * 8949 3.4.1 and logformat(5) say: "T" and "Z" upper case (no space),
 * years from 0001, no leap second.  The fields have fixed places. */
static int rfc3339_ok(const uint8_t *s, size_t n)
{
	int64_t ms;

	if (n < 20 || s[10] != 'T' || s[n - 1] == 'z' || !memcmp(s, "0000", 4) ||
	    !memcmp(s + 17, "60", 2))
		return 0;
	return time_parse_rfc3339((const char *)s, n, &ms, NULL) == 0;
}

/* Tag 32: a scheme, ':', then the characters RFC 3986 allows in a URI. */
static int uri_ok(const uint8_t *s, size_t n)
{
	static const char allowed[] = "-._~:/?#[]@!$&'()*+,;=";
	size_t i = 0;

	if (n == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
			 (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i == n || s[i] != ':')
		return 0;
	for (; i < n; i++) {
		uint8_t c = s[i];
		if (c == '%') {
			if (n - i < 3 || !isxdigit(s[i + 1]) || !isxdigit(s[i + 2]))
				return 0;
			i += 2;
		} else if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') &&
			   (!c || !strchr(allowed, c))) {
			return 0;
		}
	}
	return 1;
}

/* Tags 33 and 34 (RFC 8949 3.4.5.3): base64url without padding, or base64
 * with it; no other characters; the padding bits zero. */
static int b64_ok(const uint8_t *s, size_t n, int url)
{
	const char *alpha = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
				: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t pad = 0, i;
	const char *last = NULL;

	if (!url) {
		if (n % 4)
			return 0;
		while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
			pad++;
		n -= pad;
	}
	if (n % 4 == 1)
		return 0;
	for (i = 0; i < n; i++)
		if (!s[i] || !(last = strchr(alpha, s[i])))
			return 0;
	/* the last character carries 2 (n % 4 == 2) or 4 (== 3) bits of padding */
	if (n % 4 == 2 && ((last - alpha) & 0x0f))
		return 0;
	if (n % 4 == 3 && ((last - alpha) & 0x03))
		return 0;
	return 1;
}

static int is_int(const uint8_t *p, size_t n, size_t pos)
{
	struct item_head h;
	return item_head(p + pos, n - pos, &h, NULL) == ITEM_OK &&
	       (h.type == ITEM_UINT || h.type == ITEM_NEGINT);
}

static int is_bignum(const uint8_t *p, size_t n, size_t pos)
{
	struct item_head h;
	return item_head(p + pos, n - pos, &h, NULL) == ITEM_OK && h.type == ITEM_TAG &&
	       (h.val == 2 || h.val == 3);
}

/* The two items of an array at p[pos] of exactly two: 0 with their
 * positions, or 1. */
static int pair_of(const uint8_t *p, size_t n, size_t pos, size_t *a, size_t *b)
{
	struct item_head h;

	item_head(p + pos, n - pos, &h, NULL);
	if (!(h.type == ITEM_ARRAY && h.val == 2) && h.type != ITEM_ARRAY_INDEF)
		return 1;
	*a = pos + h.len;
	if (h.type == ITEM_ARRAY_INDEF && p[*a] == 0xff)
		return 1;
	*b = skip(p, n, *a);
	if (h.type == ITEM_ARRAY_INDEF && (p[*b] == 0xff || p[skip(p, n, *b)] != 0xff))
		return 1;
	return 0;
}

static int walk(struct vctx *v, const uint8_t *p, size_t n, size_t *pos, int depth, int *canonical);

/* Checks the content, at p[c] and already walked, of tag t at p[at]. */
static int tag_check(struct vctx *v, const uint8_t *p, size_t n, size_t at, size_t c, uint64_t t,
		     int depth)
{
	struct buf own = BUF_INIT;
	const uint8_t *s;
	size_t len, a, b, q;
	struct item_head h;
	int rc = 0;

	item_head(p + c, n - c, &h, NULL);
	switch (t) {
	case 0:
		if (string_of(p, n, c, ITEM_TEXT, &own, &s, &len) || !rfc3339_ok(s, len))
			rc = vfail(v, at, "tag 0: not an RFC 3339 date-time text string (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM), years 0001-9999)");
		break;
	case 1:
		if (!((h.type == ITEM_UINT && h.val < 253402300800ull) ||
		      (h.type == ITEM_NEGINT && h.val < 62135596800ull) ||
		      (h.type == ITEM_FLOAT && h.f >= -62135596800.0 && h.f < 253402300800.0)))
			rc = vfail(v, at, "tag 1: not a number of seconds within the years 0001-9999");
		break;
	case 2: case 3:
		if (h.type != ITEM_BYTES && h.type != ITEM_BYTES_INDEF)
			rc = vfail(v, at, "tag %llu: a bignum is not a byte string", (unsigned long long)t);
		break;
	case 4: case 5:
		if (pair_of(p, n, c, &a, &b) || !is_int(p, n, a) || (!is_int(p, n, b) && !is_bignum(p, n, b)))
			rc = vfail(v, at, "tag %llu: not an array of an integer exponent and an integer or bignum mantissa",
				   (unsigned long long)t);
		break;
	case 24:
		if (string_of(p, n, c, ITEM_BYTES, &own, &s, &len) < 0) {
			rc = error_set(v->err, "out of memory");
			break;
		}
		if (h.type != ITEM_BYTES && h.type != ITEM_BYTES_INDEF) {
			rc = vfail(v, at, "tag 24: not a byte string");
			break;
		}
		if (item_check(s, len, &q, v->err) != ITEM_OK || q != len) {
			rc = vfail(v, at, "tag 24: not one well-formed CBOR item");
			break;
		}
		q = 0;
		if (walk(v, s, len, &q, depth + 1, &(int){ 1 }) < 0)
			rc = error_prefix(v->err, "at byte %zu: tag 24: in the embedded item", at);
		break;
	case 30:
		if (pair_of(p, n, c, &a, &b) || (!is_int(p, n, a) && !is_bignum(p, n, a))) {
			rc = vfail(v, at, "tag 30: not an array of a numerator and a denominator");
			break;
		}
		item_head(p + b, n - b, &h, NULL);
		if (h.type == ITEM_UINT && h.val > 0)
			break;
		if (h.type == ITEM_TAG && h.val == 2) {
			q = b + h.len;
			if (string_of(p, n, q, ITEM_BYTES, &own, &s, &len) == 0)
				for (size_t i = 0; i < len; i++)
					if (s[i])
						goto done;
		}
		rc = vfail(v, at, "tag 30: the denominator is not a positive integer or bignum");
		break;
	case 32:
		if (string_of(p, n, c, ITEM_TEXT, &own, &s, &len) || !uri_ok(s, len))
			rc = vfail(v, at, "tag 32: not a URI text string");
		break;
	case 33: case 34:
		if (string_of(p, n, c, ITEM_TEXT, &own, &s, &len) || !b64_ok(s, len, t == 33))
			rc = vfail(v, at, "tag %llu: not a %s text string", (unsigned long long)t,
				   t == 33 ? "base64url (unpadded)" : "base64 (padded)");
		break;
	case 35: case 36:
		if (h.type != ITEM_TEXT && h.type != ITEM_TEXT_INDEF)
			rc = vfail(v, at, "tag %llu: not a text string", (unsigned long long)t);
		break;
	case 37:
		if (string_of(p, n, c, ITEM_BYTES, &own, &s, &len) || len != 16)
			rc = vfail(v, at, "tag 37: not a byte string of 16 bytes (a UUID)");
		break;
	case 258:
		if (h.type != ITEM_ARRAY && h.type != ITEM_ARRAY_INDEF)
			rc = vfail(v, at, "tag 258: a set is not an array");
		break;
	default:
		break;
	}
done:
	buf_release(&own);
	return rc;
}

/*
 * The common map, in one tight loop: at most 16 pairs of short text keys
 * (in their shortest heads) and leaf values (leaf_fast), each checked to
 * lie within p[0..n), so that it also serves item_check_valid.  Returns 1 when
 * the map at p[*pos] (its head read, count pairs) is one and is valid,
 * moving *pos past it; 0 when it is not one, or not valid, for walk_map to
 * walk it again and say why.
 */
static int flat_map(const uint8_t *p, size_t n, size_t *pos, uint64_t count, int *canonical)
{
	uint64_t sig[16];
	size_t at[16], q = *pos;
	uint8_t len[16], slot[32] = { 0 };	/* a hash table of keys: index + 1 */

	if (count > 16)
		return 0;
	for (unsigned i = 0; i < count; i++) {
		uint8_t ib = q < n ? p[q] : 0;
		size_t kl = 1 + (ib - 0x60u);
		uint64_t s;
		unsigned h;
		if (ib < 0x60 || ib >= 0x78 || kl > n - q || !text_ok(p + q + 1, kl - 1, n - q - 1))
			return 0;
		s = sig8(p + q, kl, n - q);
		for (h = (unsigned)((s * 0x9e3779b97f4a7c15ull) >> 59); slot[h]; h = (h + 1) & 31) {
			unsigned j = slot[h] - 1u;
			if (sig[j] == s && len[j] == kl && (kl <= 8 || !memcmp(p + at[j] + 8, p + q + 8, kl - 8)))
				return 0;
		}
		slot[h] = (uint8_t)(i + 1);
		sig[i] = s;
		len[i] = (uint8_t)kl;
		at[i] = q;
		q += kl;
		if (!leaf_bounded(p, n, &q, canonical))
			return 0;
	}
	*pos = q;
	return 1;
}

static int walk_map(struct vctx *v, const uint8_t *p, size_t n, size_t *pos, int depth,
		    int *canonical, int indef, uint64_t count)
{
	struct vkey small[16], *ks = small, *grown;
	size_t nk = 0, cap = 16, base = v->scratch.len;
	int rc = -1;

	for (uint64_t i = 0; indef ? p[*pos] != 0xff : i < count; i++) {
		size_t at = *pos;
		uint8_t ib = p[at];
		int kc = 1;
		if (ib >= 0x60 && ib < 0x78 && nk < cap) {
			/* the common key: a short text string */
			size_t kl = 1 + (ib - 0x60u);
			if (!text_ok(p + at + 1, kl - 1, n - at - 1))
				goto slow_key;
			ks[nk].at = at;
			ks[nk].in_scratch = 0;
			ks[nk].ptr = p + at;
			ks[nk].len = kl;
			ks[nk].sig = sig8(p + at, kl, n - at);
			nk++;
			*pos += kl;
			if (!leaf_fast(p, n, pos, canonical) && walk(v, p, n, pos, depth + 1, canonical) < 0)
				goto out;
			continue;
		}
slow_key:
		if (walk(v, p, n, pos, depth + 1, &kc) < 0)
			goto out;
		if (nk == cap) {
			grown = malloc(2 * cap * sizeof *ks);
			if (!grown) {
				error_set(v->err, "out of memory");
				goto out;
			}
			memcpy(grown, ks, nk * sizeof *ks);
			if (ks != small)
				free(ks);
			ks = grown;
			cap *= 2;
		}
		ks[nk].at = at;
		ks[nk].in_scratch = !kc;
		if (kc) {
			ks[nk].off = at;
			ks[nk].ptr = p + at;
			ks[nk].len = *pos - at;
			ks[nk].sig = sig8(p + at, *pos - at, n - at);
		} else {
			size_t q = at;
			*canonical = 0;
			ks[nk].off = v->scratch.len;
			if (canon(&v->scratch, p, n, &q) < 0) {
				error_set(v->err, "out of memory");
				goto out;
			}
			ks[nk].len = v->scratch.len - ks[nk].off;
		}
		nk++;
		if (walk(v, p, n, pos, depth + 1, canonical) < 0)
			goto out;
	}
	if (indef)
		(*pos)++;
	rc = no_dup_keys(v, p, ks, nk);
out:
	if (ks != small)
		free(ks);
	v->scratch.len = base;
	return rc;
}

/* Walks the item at p[*pos], checking it; clears *canonical when its
 * encoding is not the canonical one (see canon). */
static int walk(struct vctx *v, const uint8_t *p, size_t n, size_t *pos, int depth, int *canonical)
{
	struct item_head h;
	size_t at = *pos;

	if (leaf_fast(p, n, pos, canonical))
		return 0;
	if (depth > ITEM_MAX_DEPTH)
		return vfail(v, at, "items nested deeper than %d (with embedded CBOR)", ITEM_MAX_DEPTH);
	if (item_head(p + at, n - at, &h, v->err) != ITEM_OK)
		return vfail(v, at, "not well-formed");
	*pos += h.len;
	switch (h.type) {
	case ITEM_TEXT:
		if (utf8_valid_prefix(h.data, (size_t)h.val) != h.val)
			return vfail(v, at + (h.len - (size_t)h.val) + utf8_valid_prefix(h.data, (size_t)h.val),
				     "invalid UTF-8 in a text string");
		/* fall through */
	case ITEM_UINT: case ITEM_NEGINT: case ITEM_BYTES:
		if (h.len - (h.type >= ITEM_BYTES ? (size_t)h.val : 0) != item_head_len(h.val))
			*canonical = 0;
		return 0;
	case ITEM_BYTES_INDEF: case ITEM_TEXT_INDEF:
		*canonical = 0;
		while (p[*pos] != 0xff)
			if (walk(v, p, n, pos, depth + 1, canonical) < 0)
				return -1;
		(*pos)++;
		return 0;
	case ITEM_ARRAY:
		if (h.len != item_head_len(h.val))
			*canonical = 0;
		for (uint64_t i = 0; i < h.val; i++)
			if (!leaf_fast(p, n, pos, canonical) && walk(v, p, n, pos, depth + 1, canonical) < 0)
				return -1;
		return 0;
	case ITEM_ARRAY_INDEF:
		*canonical = 0;
		while (p[*pos] != 0xff)
			if (walk(v, p, n, pos, depth + 1, canonical) < 0)
				return -1;
		(*pos)++;
		return 0;
	case ITEM_MAP: case ITEM_MAP_INDEF:
		if (h.type == ITEM_MAP_INDEF || h.len != item_head_len(h.val))
			*canonical = 0;
		if (h.type == ITEM_MAP && flat_map(p, n, pos, h.val, canonical))
			return 0;
		return walk_map(v, p, n, pos, depth, canonical, h.type == ITEM_MAP_INDEF, h.val);
	case ITEM_TAG: {
		size_t c = *pos;
		if (h.len != item_head_len(h.val))
			*canonical = 0;
		if (walk(v, p, n, pos, depth + 1, canonical) < 0)
			return -1;
		return tag_check(v, p, n, at, c, h.val, depth);
	}
	case ITEM_FLOAT:
		*canonical = 0;
		return 0;
	default:
		return 0;
	}
}

int item_validate(const uint8_t *p, size_t n, struct error *err)
{
	struct vctx v = { BUF_INIT, err };
	size_t pos = 0;
	int canonical = 1, rc;

	/* the common items, valid, without the walk: a leaf, a flat map */
	if (n > 0 && leaf_fast(p, n, &pos, &canonical) && pos == n)
		return 0;
	pos = 1;
	if (n > 0 && p[0] >= 0xa0 && p[0] <= 0xb7 && flat_map(p, n, &pos, p[0] - 0xa0u, &canonical) &&
	    pos == n)
		return 0;
	pos = 0;
	canonical = 1;

	rc = walk(&v, p, n, &pos, 0, &canonical);
	buf_release(&v.scratch);
	return rc;
}

int item_check_valid(const uint8_t *p, size_t n, size_t *len, struct error *err)
{
	size_t pos = 0;
	int canonical = 1, rc;

	if (leaf_bounded(p, n, &pos, &canonical)) {
		*len = pos;
		return ITEM_OK;
	}
	pos = 1;
	if (n > 0 && p[0] >= 0xa0 && p[0] <= 0xb7 && flat_map(p, n, &pos, p[0] - 0xa0u, &canonical)) {
		*len = pos;
		return ITEM_OK;
	}
	rc = item_check(p, n, len, err);
	if (rc != ITEM_OK)
		return rc;
	return item_validate(p, *len, err) < 0 ? ITEM_BAD : ITEM_OK;
}

const char *item_describe(uint8_t first)
{
	switch (first >> 5) {
	case 0: return "an unsigned integer";
	case 1: return "a negative integer";
	case 2: return "a byte string";
	case 3: return "a text string";
	case 4: return "an array";
	case 5: return "a map";
	case 6: return "a tag";
	default:
		if (first == 0xff)
			return "a break (0xff)";
		return "a simple value or float";
	}
}
