/*
 * fuzz_kcatjson.c - libFuzzer target for lib/kcatjson.c (kcat -C -J's
 * lines).  Aborts when one of these fails, for each line of the input:
 *
 * - An error's byte is within the line.
 * - A line decoded: key and value are one valid item each (null, or a
 *   string: text exactly when its bytes are valid UTF-8), the headers a
 *   valid headers map (record_check_headers), the partition carried.
 * - Written again as kcat writes a message ('"' and '\' escaped, the bytes
 *   below 0x20 as \b \t \n \f \r or \u00XX, the others as they are; an
 *   empty byte string header value as null), the line decodes to the same
 *   key, value, headers, timestamp and partition.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "kcatjson.h"
#include "utf8.h"

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || !memcmp(a, b, an));
}

/* Appends s[0..n) as kcat writes a string. */
static void put_kcat_string(struct buf *o, const uint8_t *s, size_t n)
{
	char esc[8];

	buf_addc(o, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			buf_addc(o, '\\');
			buf_addc(o, c);
		} else if (c < 0x20) {
			const char *e = c == '\b' ? "\\b" : c == '\t' ? "\\t" : c == '\n' ? "\\n" :
					c == '\f' ? "\\f" : c == '\r' ? "\\r" : NULL;
			if (!e) {
				snprintf(esc, sizeof esc, "\\u%04X", c);
				e = esc;
			}
			buf_add(o, e, strlen(e));
		} else {
			buf_addc(o, c);
		}
	}
	buf_addc(o, '"');
}

/* Appends the item at p (null, text or bytes) as kcat writes it; an empty
 * byte string as null when empty_null (a header without value). */
static void put_kcat_item(struct buf *o, const uint8_t *p, size_t n, int empty_null)
{
	struct item_head h;
	struct error err;

	if (item_head(p, n, &h, &err) != ITEM_OK)
		abort();
	if (h.type == ITEM_NULL || (empty_null && h.type == ITEM_BYTES && h.val == 0)) {
		buf_add(o, "null", 4);
		return;
	}
	if (h.type != ITEM_TEXT && h.type != ITEM_BYTES)
		abort();
	if (utf8_valid_prefix(h.data, h.val) == h.val ? h.type != ITEM_TEXT : h.type != ITEM_BYTES)
		abort();	/* text exactly when valid UTF-8 */
	put_kcat_string(o, h.data, h.val);
}

/* The line a record is written as by kcat -J. */
static void kcat_line(struct buf *o, const struct record *r)
{
	char num[160];

	o->len = 0;
	snprintf(num, sizeof num, "{\"topic\":\"t\",\"partition\":%u,\"offset\":0,\"tstype\":"
		 "\"create\",\"ts\":%lld,\"broker\":1,", r->partition, (long long)r->ts);
	buf_add(o, num, strlen(num));
	if (r->headers) {
		const uint8_t *p = r->headers, *end = r->headers + r->headerslen;
		struct item_head h;
		struct error err;
		size_t len;

		if (item_head(p, (size_t)(end - p), &h, &err) != ITEM_OK || h.type != ITEM_MAP)
			abort();
		p += h.len;
		buf_add(o, "\"headers\":[", 11);
		for (uint64_t i = 0; i < 2 * h.val; i++) {
			if (i)
				buf_addc(o, ',');
			if (item_check(p, (size_t)(end - p), &len, &err) != ITEM_OK)
				abort();
			put_kcat_item(o, p, len, i % 2);
			p += len;
		}
		buf_add(o, "],", 2);
	}
	buf_add(o, "\"key\":", 6);
	put_kcat_item(o, r->key, r->keylen, 0);
	buf_add(o, ",\"payload\":", 11);
	put_kcat_item(o, r->value, r->valuelen, 0);
	buf_addc(o, '}');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kcat_decoder d = KCAT_DECODER_INIT, d2 = KCAT_DECODER_INIT;
	static struct buf line, key, value, headers;
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), at = SIZE_MAX, len;
		struct record r = { 0 }, r2 = { 0 };
		struct error err;

		r.ts = r2.ts = -7;
		if (kcat_decode(&d, p, n, &r, &at, &err) < 0) {
			if (at > n)
				abort();
		} else {
			if (!r.has_partition)
				abort();
			if (item_check_valid(r.key, r.keylen, &len, &err) != ITEM_OK || len != r.keylen ||
			    item_check_valid(r.value, r.valuelen, &len, &err) != ITEM_OK ||
			    len != r.valuelen)
				abort();
			if (r.headers && record_check_headers(r.headers, r.headerslen, &err) < 0)
				abort();
			key.len = value.len = headers.len = 0;
			buf_add(&key, r.key, r.keylen);
			buf_add(&value, r.value, r.valuelen);
			if (r.headers)
				buf_add(&headers, r.headers, r.headerslen);
			kcat_line(&line, &r);
			if (kcat_decode(&d2, line.p, line.len, &r2, &at, &err) < 0)
				abort();
			if (r2.ts != r.ts || r2.partition != r.partition ||
			    !same(r2.key, r2.keylen, key.p, key.len) ||
			    !same(r2.value, r2.valuelen, value.p, value.len) ||
			    !same(r2.headers, r2.headerslen, headers.p, headers.len))
				abort();
		}
		p += n + (nl != NULL);
	}
	return 0;
}
