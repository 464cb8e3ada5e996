/* record.c - the record and its CBOR array (see record.h). */
#include <assert.h>
#include <stdlib.h>

#include "item.h"
#include "record.h"

const uint8_t record_null[1] = { 0xf6 };

/* Copies r's parts to dst (room for all of them), c pointing there. */
static void copy_parts(uint8_t *dst, const struct record *r, struct record *c)
{
	*c = *r;
	c->key = memcpy(dst, r->key, r->keylen);
	dst += r->keylen;
	c->value = memcpy(dst, r->value, r->valuelen);
	dst += r->valuelen;
	if (r->headers)
		c->headers = memcpy(dst, r->headers, r->headerslen);
}

static size_t parts_len(const struct record *r)
{
	assert(r->key && r->value && (r->headers || r->headerslen == 0));
	return r->keylen + r->valuelen + r->headerslen;
}

int record_copy(struct buf *store, const struct record *r, struct record *copy)
{
	size_t need = parts_len(r);

	buf_reset(store);
	if (buf_grow(store, need) < 0)
		return -1;
	copy_parts(store->p, r, copy);
	store->len = need;
	return 0;
}

struct record *record_dup(const struct record *r)
{
	struct record *c = malloc(sizeof *c + parts_len(r));

	if (c)
		copy_parts((uint8_t *)(c + 1), r, c);
	return c;
}

int record_encode(struct buf *out, const struct record *r)
{
	size_t need = 1 + 9 + 9 + r->keylen + r->valuelen + r->headerslen + 1 + 5;
	uint8_t *p;

	assert(r->key && r->keylen && r->value && r->valuelen);

	if (buf_grow(out, need) < 0)
		return -1;
	p = out->p + out->len;
	*p++ = r->has_partition ? 0x86 : r->headers ? 0x85 : 0x84;
	p += item_put_head(p, 0, r->offset);
	if (r->ts >= 0)
		p += item_put_head(p, 0, (uint64_t)r->ts);
	else
		p += item_put_head(p, 1, (uint64_t)(-1 - r->ts));
	memcpy(p, r->key, r->keylen);
	p += r->keylen;
	memcpy(p, r->value, r->valuelen);
	p += r->valuelen;
	if (r->headers) {
		memcpy(p, r->headers, r->headerslen);
		p += r->headerslen;
	} else if (r->has_partition) {
		*p++ = 0xf6;
	}
	if (r->has_partition)
		p += item_put_head(p, 0, r->partition);
	out->len = (size_t)(p - out->p);
	return 0;
}

int record_check_headers(const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h;
	size_t pos, i;

	if (item_head(p, n, &h, err) != ITEM_OK || h.type != ITEM_MAP)
		return error_set(err, "headers are not a definite-length map");
	if (h.val > RECORD_MAX_HEADERS)
		return error_set(err, "more than %d headers", RECORD_MAX_HEADERS);
	pos = h.len;
	for (i = 0; i < 2 * h.val; i++) {
		struct item_head e;
		if (item_head(p + pos, n - pos, &e, err) != ITEM_OK)
			return error_set(err, "headers are not well-formed");
		if (e.type != ITEM_TEXT && !(i & 1 && e.type == ITEM_BYTES))
			return error_set(err, "header %s is not a %s", i & 1 ? "value" : "name",
					 i & 1 ? "text or byte string" : "text string");
		pos += e.len;
	}
	if (pos != n)
		return error_set(err, "headers are not well-formed");
	return 0;
}

int record_decode_head(const uint8_t *p, size_t n, struct record *r, size_t *len,
		       struct error *err)
{
	struct item_head h;
	size_t pos;
	int rc, nfields;

	rc = item_head(p, n, &h, err);
	if (rc != ITEM_OK)
		return rc;
	if (h.type != ITEM_ARRAY || h.val < 4 || h.val > 6)
		return error_set(err, "expected a record (an array of 4 to 6 items), found %s",
				 item_describe(p[0]));
	nfields = (int)h.val;
	pos = h.len;
	rc = item_head(p + pos, n - pos, &h, err);
	if (rc != ITEM_OK)
		return rc;
	if (h.type != ITEM_UINT)
		return error_set(err, "record offset is not an unsigned integer");
	r->offset = h.val;
	pos += h.len;
	rc = item_head(p + pos, n - pos, &h, err);
	if (rc != ITEM_OK)
		return rc;
	if (h.type == ITEM_UINT && h.val <= INT64_MAX)
		r->ts = (int64_t)h.val;
	else if (h.type == ITEM_NEGINT && h.val <= INT64_MAX)
		r->ts = -1 - (int64_t)h.val;
	else
		return error_set(err, "record timestamp is not a 64-bit integer");
	pos += h.len;
	*len = pos;
	return nfields;
}

/* record_decode, and with valid record_decode_valid (record.h). */
static int decode(const uint8_t *p, size_t n, struct record *r, size_t *len, struct error *err,
		  int valid)
{
	size_t pos, ilen;
	int rc, nfields;

	nfields = record_decode_head(p, n, r, &pos, err);
	if (nfields <= 0)
		return nfields;
	rc = (valid ? item_check_valid : item_check)(p + pos, n - pos, &ilen, err);
	if (rc != ITEM_OK)
		return rc == ITEM_BAD ? (error_prefix(err, "record key"), ITEM_BAD) : rc;
	r->key = p + pos;
	r->keylen = ilen;
	pos += ilen;
	rc = (valid ? item_check_valid : item_check)(p + pos, n - pos, &ilen, err);
	if (rc != ITEM_OK)
		return rc == ITEM_BAD ? (error_prefix(err, "record value"), ITEM_BAD) : rc;
	r->value = p + pos;
	r->valuelen = ilen;
	pos += ilen;
	r->headers = NULL;
	r->headerslen = 0;
	r->has_partition = 0;
	r->partition = 0;
	if (nfields == 6 && pos < n && p[pos] == 0xf6) {
		pos++;		/* no headers */
	} else if (nfields >= 5) {
		rc = item_check(p + pos, n - pos, &ilen, err);
		if (rc != ITEM_OK)
			return rc == ITEM_BAD ? (error_prefix(err, "record headers"), ITEM_BAD) : rc;
		if (record_check_headers(p + pos, ilen, err) < 0)
			return ITEM_BAD;
		if (valid && item_validate(p + pos, ilen, err) < 0)
			return error_prefix(err, "record headers"), ITEM_BAD;
		r->headers = p + pos;
		r->headerslen = ilen;
		pos += ilen;
	}
	if (nfields == 6) {
		struct item_head h;
		rc = item_head(p + pos, n - pos, &h, err);
		if (rc != ITEM_OK)
			return rc;
		if (h.type != ITEM_UINT || h.val > RECORD_MAX_PARTITION)
			return error_set(err, "record partition is not an integer from 0 to %u",
					 RECORD_MAX_PARTITION), ITEM_BAD;
		r->has_partition = 1;
		r->partition = (uint32_t)h.val;
		pos += h.len;
	}
	*len = pos;
	return ITEM_OK;
}

int record_decode(const uint8_t *p, size_t n, struct record *r, size_t *len,
		  struct error *err)
{
	return decode(p, n, r, len, err, 0);
}

int record_decode_valid(const uint8_t *p, size_t n, struct record *r, size_t *len,
			struct error *err)
{
	return decode(p, n, r, len, err, 1);
}
