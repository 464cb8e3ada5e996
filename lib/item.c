/*
 * item.c - CBOR heads, and checking whole items (see item.h).
 */
#include <math.h>
#include <string.h>

#include "item.h"

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
