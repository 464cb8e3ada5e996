/* envelope.c - logcat --json's envelope, decoded (see envelope.h). */
#include <string.h>

#include "envelope.h"
#include "fieldpath.h"
#include "item.h"
#include "json.h"

int envelope_unknown(const uint8_t *v, size_t n, const uint8_t **name, size_t *namelen)
{
	static const char *const known[] = { "offset", "partition", "ts", "key", "value", "headers" };
	struct item_head h, k;
	size_t pos, len;

	if (item_head(v, n, &h, NULL) != ITEM_OK || h.type != ITEM_MAP)
		return 0;
	pos = h.len;
	for (uint64_t i = 0; i < h.val; i++) {
		size_t j;
		if (item_head(v + pos, n - pos, &k, NULL) != ITEM_OK || k.type != ITEM_TEXT)
			return 0;
		for (j = 0; j < sizeof known / sizeof known[0]; j++)
			if (k.val == strlen(known[j]) && !memcmp(k.data, known[j], k.val))
				break;
		if (j == sizeof known / sizeof known[0]) {
			*name = k.data;
			*namelen = (size_t)k.val;
			return 1;
		}
		pos += k.len;
		if (item_check(v + pos, n - pos, &len, NULL) != ITEM_OK)
			return 0;
		pos += len;
	}
	return 0;
}

int envelope_decode(const uint8_t *v, size_t n, struct record *r, struct error *err)
{
	const uint8_t *p;
	size_t len;
	struct item_head h;

	if (item_head(v, n, &h, NULL) != ITEM_OK || h.type != ITEM_MAP)
		return error_set(err, "envelope is not a JSON object");
	if (item_map_get(v, n, "value", 5, &p, &len) != 1)
		return error_set(err, "envelope has no \"value\"");
	r->value = p;
	r->valuelen = len;
	if (item_map_get(v, n, "key", 3, &p, &len) == 1) {
		r->key = p;
		r->keylen = len;
	}
	if (item_map_get(v, n, "ts", 2, &p, &len) == 1) {
		if (item_int64(p, len, &r->ts, &len) != ITEM_OK)
			return error_set(err, "envelope \"ts\" is not an integer (milliseconds)");
	}
	if (item_map_get(v, n, "offset", 6, &p, &len) == 1 &&
	    item_head(p, len, &h, NULL) == ITEM_OK && h.type == ITEM_UINT)
		r->offset = h.val;
	if (item_map_get(v, n, "partition", 9, &p, &len) == 1 && !(len == 1 && p[0] == 0xf6)) {
		if (item_head(p, len, &h, NULL) != ITEM_OK || h.type != ITEM_UINT ||
		    h.val > RECORD_MAX_PARTITION)
			return error_set(err, "envelope \"partition\" is not an integer from 0 to %u",
					 RECORD_MAX_PARTITION);
		r->has_partition = 1;
		r->partition = (uint32_t)h.val;
	}
	if (item_map_get(v, n, "headers", 7, &p, &len) == 1 && !(len == 1 && p[0] == 0xf6)) {
		if (record_check_headers(p, len, err) < 0)
			return error_prefix(err, "envelope \"headers\"");
		r->headers = p;
		r->headerslen = len;
	}
	return 0;
}

int envelope_encode(struct buf *b, const struct record *r, struct error *err)
{
	size_t used;

	if (buf_add(b, "{\"offset\":", 10) < 0 || buf_add_u64(b, r->offset) < 0 ||
	    (r->has_partition && (buf_add(b, ",\"partition\":", 13) < 0 ||
				  buf_add_u64(b, r->partition) < 0)) ||
	    buf_add(b, ",\"ts\":", 6) < 0 || buf_add_i64(b, r->ts) < 0 ||
	    buf_add(b, ",\"key\":", 7) < 0 || item_to_json(r->key, r->keylen, b, &used, err) < 0 ||
	    buf_add(b, ",\"value\":", 9) < 0 ||
	    item_to_json(r->value, r->valuelen, b, &used, err) < 0)
		return -1;
	if (r->headers && (buf_add(b, ",\"headers\":", 11) < 0 ||
			   item_to_json(r->headers, r->headerslen, b, &used, err) < 0))
		return -1;
	return buf_add(b, "}\n", 2);
}

int envelope_encode_item(struct buf *b, const uint8_t *p, size_t n, size_t *len, struct error *err)
{
	size_t before = b->len, pos, used;
	struct record r;
	int nf;

	nf = record_decode_head(p, n, &r, &pos, err);
	if (nf <= 0) {
		if (nf == ITEM_TRUNCATED)
			error_set(err, "truncated record");
		return -1;
	}
	if (nf == 6) {		/* a topic's record: the partition is last */
		if (record_decode(p, n, &r, len, err) != ITEM_OK)
			return error_set(err, "truncated record");
		if (envelope_encode(b, &r, err) < 0)
			goto bad;
		return 0;
	}
	if (buf_add(b, "{\"offset\":", 10) < 0 || buf_add_u64(b, r.offset) < 0 ||
	    buf_add(b, ",\"ts\":", 6) < 0 || buf_add_i64(b, r.ts) < 0 ||
	    buf_add(b, ",\"key\":", 7) < 0)
		goto bad;
	if (item_to_json(p + pos, n - pos, b, &used, err) < 0)
		goto bad;
	pos += used;
	if (buf_add(b, ",\"value\":", 9) < 0 || item_to_json(p + pos, n - pos, b, &used, err) < 0)
		goto bad;
	pos += used;
	if (nf == 5) {
		if (buf_add(b, ",\"headers\":", 11) < 0 ||
		    item_to_json(p + pos, n - pos, b, &used, err) < 0)
			goto bad;
		pos += used;
	}
	if (buf_add(b, "}\n", 2) < 0)
		goto bad;
	*len = pos;
	return 0;
bad:
	b->len = before;
	return -1;
}
