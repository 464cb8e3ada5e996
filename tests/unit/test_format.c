/*
 * test_format.c - the on-disk and stream formats below the commands: CBOR
 * items (lib/item.c), records (lib/record.c) and batches (lib/batch.c),
 * checked against independent values: RFC 8949's well-formedness examples,
 * zlib's own crc32, and byte layouts written out by hand from logformat(5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "batch.h"
#include "item.h"
#include "record.h"
#include "test.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void items(void)
{
	/* well-formed (RFC 8949 appendix A), with their lengths */
	static const char *const good[] = {
		"00", "17", "1818", "1903e8", "1a000f4240", "1b000000e8d4a51000", "20", "3863",
		"f93c00", "fa47c35000", "fb3ff199999999999a", "f4", "f5", "f6", "f7",
		"c074323031332d30332d32315432303a30343a30305a", "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
		"40", "4401020304", "60", "6449455446", "80", "83010203", "8301820203820405",
		"a0", "a201020304", "a26161016162820203", "5f42010243030405ff", "7f657374726561646d696e67ff",
		"9fff", "9f018202039f0405ffff", "bf61610161629f0203ffff", "c6c7c8d4f6",
	};
	/* not well-formed or unsupported (RFC 8949 appendix F and more) */
	static const char *const bad[] = {
		"1c", "1d", "1e", "1f", "3f", "5c", "7c", "9c", "bc", "dc", "fc", "fd", "fe",
		"ff", "f800", "f820", "e0", "f3", "5f01ff", "5f5f4100ffff", "7f4100ff", "bf00ff",
		"1f", "3f", "df00",
	};
	/* truncated */
	static const char *const cut[] = {
		"18", "19", "1a0000", "1b00000000000000", "41", "6261", "81", "8201", "a1", "a101",
		"5f", "5f41", "9f", "bf", "c0", "f9", "fa0000", "5bffffffffffffffff", "9bffffffffffffffff",
	};
	uint8_t b[256];
	size_t i, n, len;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		n = unhex(good[i], b);
		test_cond(good[i], item_check(b, n, &len, NULL) == ITEM_OK && len == n);
		b[n] = 0x00;	/* one more item after it is not part of it */
		test_cond(good[i], item_check(b, n + 1, &len, NULL) == ITEM_OK && len == n);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = unhex(bad[i], b);
		test_cond(bad[i], item_check(b, n, &len, NULL) == ITEM_BAD);
	}
	for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		n = unhex(cut[i], b);
		test_cond(cut[i], item_check(b, n, &len, NULL) == ITEM_TRUNCATED);
	}
	/* depth: 512 levels are allowed, 513 are not, empty ones included */
	{
		static uint8_t deep[600];
		memset(deep, 0x81, sizeof deep);
		deep[512] = 0x00;
		test_cond("512 nested arrays", item_check(deep, 513, &len, NULL) == ITEM_OK && len == 513);
		deep[512] = 0x80;
		test_cond("513 levels with an empty array", item_check(deep, 513, &len, NULL) == ITEM_BAD);
		deep[512] = 0x81;
		deep[513] = 0x00;
		test_cond("513 nested arrays", item_check(deep, 514, &len, NULL) == ITEM_BAD);
	}
}

static void records(void)
{
	uint8_t b[256];
	struct buf out = BUF_INIT;
	struct record r = { 0 }, d;
	size_t len;
	const uint8_t key[] = { 0x61, 'k' }, value[] = { 0xa1, 0x61, 'a', 0x01 };
	const uint8_t headers[] = { 0xa1, 0x61, 'h', 0x41, 0x00 };

	r.offset = 1000;
	r.ts = -2;
	r.key = key;
	r.keylen = sizeof key;
	r.value = value;
	r.valuelen = sizeof value;
	record_encode(&out, &r);
	/* [1000, -2, "k", {"a": 1}] by hand */
	test_cond("a record's bytes", out.len == unhex("841903e821616ba1616101", b) &&
		  !memcmp(out.p, b, out.len));
	test_cond("it decodes", record_decode(out.p, out.len, &d, &len, NULL) == ITEM_OK &&
		  len == out.len && d.offset == 1000 && d.ts == -2 && d.keylen == 2 &&
		  d.valuelen == 4 && !d.headers);
	out.len = 0;
	r.headers = headers;
	r.headerslen = sizeof headers;
	r.ts = INT64_MAX;
	record_encode(&out, &r);
	test_cond("with headers", record_decode(out.p, out.len, &d, &len, NULL) == ITEM_OK &&
		  d.ts == INT64_MAX && d.headerslen == sizeof headers);
	test_cond("headers: a byte-string name is refused",
		  record_check_headers((const uint8_t *)"\xa1\x41h\x41\x00", 5, NULL) < 0);
	test_cond("a 3-array is not a record",
		  record_decode(b, unhex("83000000", b), &d, &len, NULL) == ITEM_BAD);
	test_cond("a timestamp beyond int64 is refused",
		  record_decode(b, unhex("84001b8000000000000000f6f6", b), &d, &len, NULL) == ITEM_BAD);
	test_cond("a negative offset is refused",
		  record_decode(b, unhex("842000f6f6", b), &d, &len, NULL) == ITEM_BAD);
	buf_release(&out);
}

static void batches(void)
{
	struct batch_builder bb;
	struct batch_header h;
	struct record r = { 0 };
	const uint8_t v[] = { 0x01 };
	uint8_t copy[512];
	uLong crc;
	int i;

	batch_builder_init(&bb);
	r.key = record_null;
	r.keylen = 1;
	r.value = v;
	r.valuelen = 1;
	for (i = 0; i < 3; i++) {
		r.ts = 100 - 10 * i;	/* out of order: 100, 90, 80 */
		batch_builder_add(&bb, &r, 7 + (uint64_t)i);
	}
	batch_builder_finish(&bb);
	test_cond("the header parses", batch_header_parse(bb.b.p, bb.b.len, &h, NULL) == BATCH_OK);
	test_cond("its fields", h.base == 7 && h.count == 3 && h.last_delta == 2 &&
		  h.min_ts == 80 && h.max_ts == 100 && h.payload_len == bb.b.len - 48 &&
		  batch_next(&h) == 10);
	/* little-endian at the documented places */
	test_cond("magic and version", !memcmp(bb.b.p, "LBAT\x01\x00\x00\x00", 8));
	test_cond("base offset at 8", bb.b.p[8] == 7 && bb.b.p[9] == 0);
	test_cond("count at 32", bb.b.p[32] == 3 && bb.b.p[33] == 0);
	/* the crc is zlib's crc32 of header bytes 0..43 and the payload */
	crc = crc32(0L, bb.b.p, 44);
	crc = crc32(crc, bb.b.p + 48, (uInt)(bb.b.len - 48));
	test_cond("crc32 as zlib computes it", h.crc == (uint32_t)crc);
	test_cond("it verifies", batch_verify(bb.b.p, &h, NULL) == 0);
	/* the payload is the framed records: [7, 100, null, 1] first */
	test_cond("payload is record arrays", !memcmp(bb.b.p + 48, "\x84\x07\x18\x64\xf6\x01", 6));
	/* any flipped byte fails the header checks or the crc */
	for (i = 0; i < (int)bb.b.len && i < (int)sizeof copy; i++) {
		struct batch_header h2;
		memcpy(copy, bb.b.p, bb.b.len);
		copy[i] ^= 0x40;
		if (batch_header_parse(copy, bb.b.len, &h2, NULL) != BATCH_OK)
			continue;
		if (h2.payload_len != h.payload_len)
			continue;
		test_cond("a flipped byte is caught", batch_verify(copy, &h2, NULL) < 0);
	}
	memcpy(copy, bb.b.p, 48);
	copy[4] = 2;
	test_cond("version 2 is refused", batch_header_parse(copy, 48, &h, NULL) == BATCH_BAD);
	memcpy(copy, bb.b.p, 48);
	copy[5] = 0x08;		/* bit 2 is the checkpoint flag (checkpoint.h) */
	test_cond("unknown flags are refused", batch_header_parse(copy, 48, &h, NULL) == BATCH_BAD);
	memcpy(copy, bb.b.p, 48);
	copy[43] = 0x7f;	/* payload length about 2 GiB */
	test_cond("a huge payload length is refused", batch_header_parse(copy, 48, &h, NULL) == BATCH_BAD);
	test_cond("47 bytes are short", batch_header_parse(bb.b.p, 47, &h, NULL) == BATCH_SHORT);
	batch_builder_release(&bb);
}

/* batch_encode: zlib batches (checked by zlib's own uncompress), and the
 * stored fallback when compression does not pay. */
static void compressed(void)
{
	struct buf out = BUF_INIT, scratch = BUF_INIT;
	struct batch_header h = { 0 }, got;
	static uint8_t payload[200000], raw[200000];
	const uint8_t *p;
	size_t n;
	uLongf rawlen = sizeof raw;
	uint32_t x = 1;

	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)"record "[i % 7];
	h.base = 100;
	h.count = 3;
	h.last_delta = 9;	/* records removed by compaction between */
	h.min_ts = 1;
	h.max_ts = 2;
	test_cond("encode zlib", batch_encode(&out, &h, payload, sizeof payload, 6, NULL) == 0);
	test_cond("codec 1 in byte 5", out.p[5] == BATCH_CODEC_ZLIB);
	test_cond("parses", batch_header_parse(out.p, out.len, &got, NULL) == BATCH_OK &&
		  got.base == 100 && got.count == 3 && got.last_delta == 9 &&
		  got.payload_len + BATCH_HEADER_LEN == out.len);
	test_cond("crc over the stored bytes", batch_verify(out.p, &got, NULL) == 0 &&
		  crc32(crc32(0, out.p, 44), out.p + 48, got.payload_len) == got.crc);
	test_cond("length prefix", out.p[48] == (sizeof payload & 0xff) &&
		  out.p[49] == ((sizeof payload >> 8) & 0xff));
	test_cond("zlib's uncompress agrees",
		  uncompress(raw, &rawlen, out.p + 52, got.payload_len - 4) == Z_OK &&
		  rawlen == sizeof payload && memcmp(raw, payload, rawlen) == 0);
	test_cond("batch_payload inflates it",
		  batch_payload(out.p, &got, &scratch, &p, &n, NULL) == 0 && n == sizeof payload &&
		  memcmp(p, payload, n) == 0);
	for (size_t i = 0; i < sizeof payload; i++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		payload[i] = (uint8_t)x;
	}
	out.len = 0;
	test_cond("encode noise", batch_encode(&out, &h, payload, sizeof payload, 9, NULL) == 0);
	test_cond("noise is stored", out.p[5] == BATCH_CODEC_NONE &&
		  out.len == BATCH_HEADER_LEN + sizeof payload &&
		  memcmp(out.p + 48, payload, sizeof payload) == 0);
	out.len = 0;
	test_cond("level 0 stores", batch_encode(&out, &h, payload, 10, 0, NULL) == 0 &&
		  out.p[5] == 0 && batch_header_parse(out.p, out.len, &got, NULL) == BATCH_OK &&
		  batch_verify(out.p, &got, NULL) == 0);
	buf_release(&out);
	buf_release(&scratch);
}

/* A compressed batch's length prefix is not believed beyond what deflate
 * can give (1032:1): 8 MiB of one byte inflates; the same batch claiming
 * one byte more than 1032 times its stream (+64) is refused, without
 * allocating it. */
static void inflate_bound(void)
{
	struct buf out = BUF_INIT, scratch = BUF_INIT;
	struct batch_header h = { 0 }, got;
	size_t big = 8u << 20, n;
	uint8_t *payload = calloc(1, big);
	const uint8_t *p;
	uint32_t claim;

	memset(payload, 0x40, big);
	payload[0] = 0x60;
	h.count = 1;
	test_cond("encode 8 MiB", payload && batch_encode(&out, &h, payload, big, 9, NULL) == 0 &&
		  batch_header_parse(out.p, out.len, &got, NULL) == BATCH_OK);
	test_cond("a ratio near 1000:1 inflates",
		  batch_payload(out.p, &got, &scratch, &p, &n, NULL) == 0 && n == big &&
		  memcmp(p, payload, n) == 0);
	claim = (got.payload_len - 4) * 1032 + 65;
	out.p[48] = (uint8_t)claim;
	out.p[49] = (uint8_t)(claim >> 8);
	out.p[50] = (uint8_t)(claim >> 16);
	out.p[51] = (uint8_t)(claim >> 24);
	buf_release(&scratch);
	test_cond("a larger claim is refused",
		  batch_payload(out.p, &got, &scratch, &p, &n, NULL) < 0 && scratch.cap == 0);
	free(payload);
	buf_release(&out);
}

int main(void)
{
	items();
	records();
	batches();
	compressed();
	inflate_bound();
	return test_report("format");
}
