/*
 * test_partitioner.c - unit tests of lib/partitioner.c: Kafka's murmur2
 * against the values Kafka's and librdkafka's own tests assert
 * (clients/.../utils/UtilsTest.java testMurmur2; src/rdmurmur2.c
 * unittest_murmur2, whose unaligned cases start inside a longer string),
 * the partition a hash picks, and the bytes of each kind of key.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "partitioner.h"
#include "test.h"

/* Kafka's UtilsTest.testMurmur2: Java ints. */
static const struct { const char *s; int32_t h; } kafka[] = {
	{ "21", -973932308 },
	{ "foobar", -790332482 },
	{ "a-little-bit-long-string", -985981536 },
	{ "a-little-bit-longer-string", -1486304829 },
	{ "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
	{ "abc", 479470107 },
};

/* librdkafka's unittest_murmur2: bit patterns. */
static const char unaligned[] = "PreAmbleWillBeRemoved,ThePrePartThatIs";
static const struct { const char *s; uint32_t h; } rdkafka[] = {
	{ "kafka", 0xd067cf64 },
	{ "giberish123456789", 0x8f552b0c },
	{ "1234", 0x9fc97b14 },
	{ "234", 0xe7c009ca },
	{ "34", 0x873930da },
	{ "4", 0x5a4b5ca1 },
	{ unaligned, 0x78424f1c },
	{ unaligned + 1, 0x4a62b377 },
	{ unaligned + 2, 0xe0e4e09e },
	{ unaligned + 3, 0x62b8b43f },
	{ "", 0x106e08d9 },
};

/* Keys (CBOR) and the bytes a Kafka producer would send for them. */
static const struct { const char *what; const char *cbor; size_t len; const char *bytes; } keys[] = {
	{ "text", "\x62u1", 3, "u1" },
	{ "text, UTF-8", "\x63\xc3\xa9t", 4, "\xc3\xa9t" },
	{ "bytes", "\x42\x01\x02", 3, "\x01\x02" },
	{ "indefinite text: chunks joined", "\x7f\x61" "a\x62" "bc\xff", 7, "abc" },
	{ "indefinite bytes", "\x5f\x41\x01\x41\x02\xff", 6, "\x01\x02" },
	{ "integer: its JSON", "\x18\x2a", 2, "42" },
	{ "negative integer", "\x20", 1, "-1" },
	{ "true", "\xf5", 1, "true" },
	{ "float", "\xf9\x3e\x00", 3, "1.5" },
	{ "map", "\xa1\x61" "a\x01", 4, "{\"a\":1}" },
	{ "array", "\x82\x01\x62" "xy", 5, "[1,\"xy\"]" },
};

int main(void)
{
	struct buf scratch = { 0 };
	struct error err = { "" };
	const uint8_t *b;
	size_t i, n;
	char what[128];

	for (i = 0; i < sizeof kafka / sizeof kafka[0]; i++) {
		uint32_t h = partitioner_murmur2((const uint8_t *)kafka[i].s, strlen(kafka[i].s));
		snprintf(what, sizeof what, "Kafka's murmur2(\"%s\")", kafka[i].s);
		test_cond(what, (int32_t)h == kafka[i].h);
	}
	for (i = 0; i < sizeof rdkafka / sizeof rdkafka[0]; i++) {
		uint32_t h = partitioner_murmur2((const uint8_t *)rdkafka[i].s, strlen(rdkafka[i].s));
		snprintf(what, sizeof what, "librdkafka's murmur2(\"%s\")", rdkafka[i].s);
		test_cond(what, h == rdkafka[i].h);
	}
	/* the partition: the sign bit dropped, then the remainder (Java's
	 * toPositive(h) % n, worked out from the values above) */
	test_cond("\"21\" among 8: (-973932308 & 0x7fffffff) % 8",
		  partitioner_pick((uint32_t)-973932308, 8) == (uint32_t)((-973932308 & 0x7fffffff) % 8));
	test_cond("\"abc\" among 7", partitioner_pick(479470107u, 7) == 479470107u % 7);
	test_cond("0xffffffff among 3: 0x7fffffff % 3", partitioner_pick(0xffffffffu, 3) == 0x7fffffffu % 3);
	test_cond("one partition: 0", partitioner_pick(0xdeadbeefu, 1) == 0);

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int rc = partitioner_key_bytes((const uint8_t *)keys[i].cbor, keys[i].len, &scratch,
					       &b, &n, &err);
		snprintf(what, sizeof what, "key bytes: %s", keys[i].what);
		test_cond(what, rc == 1 && n == strlen(keys[i].bytes) &&
			  memcmp(b, keys[i].bytes, n) == 0);
	}
	test_cond("a null key: keyless",
		  partitioner_key_bytes((const uint8_t *)"\xf6", 1, &scratch, &b, &n, &err) == 0 &&
		  b == NULL && n == 0);
	test_cond("a truncated key: an error",
		  partitioner_key_bytes((const uint8_t *)"\x62u", 2, &scratch, &b, &n, &err) < 0);
	buf_release(&scratch);
	return test_report("test_partitioner");
}
