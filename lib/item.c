/*
 * item.c - CBOR heads, and checking whole items, on libcbor's streaming
 * decoder (see item.h).
 */
#include <cbor.h>

#include "item.h"

/* --- heads: libcbor's callbacks fill a struct item_head ----------------- */

static void on_uint8(void *c, uint8_t v) { struct item_head *h = c; h->type = ITEM_UINT; h->val = v; }
static void on_uint16(void *c, uint16_t v) { struct item_head *h = c; h->type = ITEM_UINT; h->val = v; }
static void on_uint32(void *c, uint32_t v) { struct item_head *h = c; h->type = ITEM_UINT; h->val = v; }
static void on_uint64(void *c, uint64_t v) { struct item_head *h = c; h->type = ITEM_UINT; h->val = v; }
static void on_neg8(void *c, uint8_t v) { struct item_head *h = c; h->type = ITEM_NEGINT; h->val = v; }
static void on_neg16(void *c, uint16_t v) { struct item_head *h = c; h->type = ITEM_NEGINT; h->val = v; }
static void on_neg32(void *c, uint32_t v) { struct item_head *h = c; h->type = ITEM_NEGINT; h->val = v; }
static void on_neg64(void *c, uint64_t v) { struct item_head *h = c; h->type = ITEM_NEGINT; h->val = v; }
static void on_bytes(void *c, cbor_data d, size_t n) { struct item_head *h = c; h->type = ITEM_BYTES; h->data = d; h->val = n; }
static void on_bytes_indef(void *c) { struct item_head *h = c; h->type = ITEM_BYTES_INDEF; }
static void on_text(void *c, cbor_data d, size_t n) { struct item_head *h = c; h->type = ITEM_TEXT; h->data = d; h->val = n; }
static void on_text_indef(void *c) { struct item_head *h = c; h->type = ITEM_TEXT_INDEF; }
static void on_array(void *c, size_t n) { struct item_head *h = c; h->type = ITEM_ARRAY; h->val = n; }
static void on_array_indef(void *c) { struct item_head *h = c; h->type = ITEM_ARRAY_INDEF; }
static void on_map(void *c, size_t n) { struct item_head *h = c; h->type = ITEM_MAP; h->val = n; }
static void on_map_indef(void *c) { struct item_head *h = c; h->type = ITEM_MAP_INDEF; }
static void on_tag(void *c, uint64_t v) { struct item_head *h = c; h->type = ITEM_TAG; h->val = v; }
static void on_float(void *c, float f) { struct item_head *h = c; h->type = ITEM_FLOAT; h->f = f; }
static void on_double(void *c, double f) { struct item_head *h = c; h->type = ITEM_FLOAT; h->f = f; }
static void on_undef(void *c) { struct item_head *h = c; h->type = ITEM_UNDEFINED; }
static void on_null(void *c) { struct item_head *h = c; h->type = ITEM_NULL; }
static void on_bool(void *c, bool b) { struct item_head *h = c; h->type = b ? ITEM_TRUE : ITEM_FALSE; }
static void on_break(void *c) { struct item_head *h = c; h->type = ITEM_BREAK; }

static const struct cbor_callbacks head_callbacks = {
	.uint8 = on_uint8, .uint16 = on_uint16, .uint32 = on_uint32, .uint64 = on_uint64,
	.negint8 = on_neg8, .negint16 = on_neg16, .negint32 = on_neg32, .negint64 = on_neg64,
	.byte_string = on_bytes, .byte_string_start = on_bytes_indef,
	.string = on_text, .string_start = on_text_indef,
	.array_start = on_array, .indef_array_start = on_array_indef,
	.map_start = on_map, .indef_map_start = on_map_indef,
	.tag = on_tag, .float2 = on_float, .float4 = on_float, .float8 = on_double,
	.undefined = on_undef, .null = on_null, .boolean = on_bool, .indef_break = on_break,
};

static const char *const major_name[8] = {
	"unsigned integer", "negative integer", "byte string", "text string",
	"array", "map", "tag", "simple value or float",
};

int item_head(const uint8_t *p, size_t n, struct item_head *h, struct error *err)
{
	struct cbor_decoder_result r;
	uint8_t ai;

	if (n == 0)
		return ITEM_TRUNCATED;
	ai = p[0] & 0x1f;
	if (p[0] >= 0xc6 && p[0] <= 0xd4) {
		/* tags 6-20: libcbor 0.8 refuses these one-byte tags */
		h->type = ITEM_TAG;
		h->val = ai;
		h->len = 1;
		return ITEM_OK;
	}
	r = cbor_stream_decode(p, n, &head_callbacks, h);
	if (r.status == CBOR_DECODER_FINISHED) {
		h->len = r.read;
		return ITEM_OK;
	}
	if (r.status == CBOR_DECODER_NEDATA)
		return ITEM_TRUNCATED;
	if (ai >= 28 && ai <= 30)
		return error_set(err, "reserved additional information %u in major type %u (%s)",
				 ai, p[0] >> 5, major_name[p[0] >> 5]);
	if (ai == 31)
		return error_set(err, "indefinite length not allowed for %s (0x%02x)",
				 major_name[p[0] >> 5], p[0]);
	if (p[0] == 0xf8)
		return error_set(err, "unsupported simple value (0xf8)");
	return error_set(err, "unsupported simple value %u (0x%02x)", ai, p[0]);
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
	uint8_t tag;		/* a tag: exactly one item follows */
};

int item_check(const uint8_t *p, size_t n, size_t *len, struct error *err)
{
	struct level st[ITEM_MAX_DEPTH + 1];
	struct item_head h;
	size_t pos = 0;
	int depth = 0, rc;

	for (;;) {
		struct level *top = depth ? &st[depth - 1] : NULL;

		rc = item_head(p + pos, n - pos, &h, err);
		if (rc != ITEM_OK) {
			if (rc == ITEM_BAD)
				error_prefix(err, "at byte %zu", pos);
			return rc;
		}
		if (top && (top->indef == ITEM_BYTES_INDEF || top->indef == ITEM_TEXT_INDEF)) {
			enum item_type want = top->indef == ITEM_BYTES_INDEF ? ITEM_BYTES : ITEM_TEXT;
			if (h.type != want && h.type != ITEM_BREAK)
				return error_set(err, "at byte %zu: chunk of an indefinite-length %s is not a definite %s",
						 pos, want == ITEM_BYTES ? "byte string" : "text string",
						 want == ITEM_BYTES ? "byte string" : "text string");
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
			if ((h.type == ITEM_ARRAY || h.type == ITEM_MAP) && items == 0)
				goto item_done;
			if (depth == ITEM_MAX_DEPTH)
				return error_set(err, "at byte %zu: items nested deeper than %d", pos - h.len, ITEM_MAX_DEPTH);
			st[depth].left = items;
			st[depth].indef = 0;
			st[depth].tag = h.type == ITEM_TAG;
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
