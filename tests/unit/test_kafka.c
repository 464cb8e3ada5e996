/*
 * test_kafka.c - unit tests of lib/kafka.c: items through each format and
 * back (json, cbor, raw), nulls as Kafka nulls, headers both ways, the
 * errors, the configuration from --brokers and -X.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kafka.h"
#include "test.h"

/* Encodes item[0..n) in f and decodes it back; 1 when the result is want. */
static int round_trip(enum kafka_format f, const char *item, size_t n, const char *bytes,
		      size_t nbytes, const char *want, size_t nwant)
{
	struct buf msg = BUF_INIT, back = BUF_INIT;
	struct error err;
	int null = -1, ok;

	ok = kafka_encode(f, (const uint8_t *)item, n, &msg, &null, &err) == 0 && null == 0 &&
	     msg.len == nbytes && memcmp(msg.p, bytes, nbytes) == 0 &&
	     kafka_decode(f, msg.p ? (void *)msg.p : (void *)"", msg.len, &back, &err) == 0 &&
	     back.len == nwant && memcmp(back.p, want, nwant) == 0;
	if (!ok)
		fprintf(stderr, "round trip: %s\n", err.msg);
	buf_release(&msg);
	buf_release(&back);
	return ok;
}

#define RT(f, item, bytes, want) \
	round_trip(f, item, sizeof item - 1, bytes, sizeof bytes - 1, want, sizeof want - 1)

static void formats(void)
{
	enum kafka_format f;

	test_cond("json parses", kafka_format_parse("json", 0, &f) == 0 && f == KAFKA_JSON);
	test_cond("raw parses", kafka_format_parse("raw", 0, &f) == 0 && f == KAFKA_RAW);
	test_cond("cbor for values", kafka_format_parse("cbor", 1, &f) == 0 && f == KAFKA_CBOR);
	test_cond("cbor not for keys", kafka_format_parse("cbor", 0, &f) == -1);
	test_cond("xml refused", kafka_format_parse("xml", 1, &f) == -1);
}

static void json(void)
{
	/* text "abc" is the JSON text "abc" with its quotes */
	test_cond("json text", RT(KAFKA_JSON, "\x63" "abc", "\"abc\"", "\x63" "abc"));
	test_cond("json int", RT(KAFKA_JSON, "\x18\x2a", "42", "\x18\x2a"));
	test_cond("json map", RT(KAFKA_JSON, "\xa1\x61" "a\x01", "{\"a\":1}", "\xa1\x61" "a\x01"));
	test_cond("json bytes", RT(KAFKA_JSON, "\x42\x00\xff", "{\"$bytes\":\"AP8=\"}",
				   "\x42\x00\xff"));
	/* an indefinite text comes back definite: preferred serialization */
	test_cond("json indefinite text", RT(KAFKA_JSON, "\x7f\x61" "a\x61" "b\xff", "\"ab\"",
					     "\x62" "ab"));
	test_cond("json false", RT(KAFKA_JSON, "\xf4", "false", "\xf4"));
}

static void cbor(void)
{
	test_cond("cbor map", RT(KAFKA_CBOR, "\xa1\x61" "a\x01", "\xa1\x61" "a\x01",
				 "\xa1\x61" "a\x01"));
	test_cond("cbor indefinite kept", RT(KAFKA_CBOR, "\x5f\x41\x00\xff", "\x5f\x41\x00\xff",
					     "\x5f\x41\x00\xff"));
}

static void raw(void)
{
	struct buf out = BUF_INIT;
	struct error err;
	int null;

	test_cond("raw text", RT(KAFKA_RAW, "\x63" "abc", "abc", "\x63" "abc"));
	test_cond("raw utf-8 bytes come back as text", RT(KAFKA_RAW, "\x42" "hi", "hi",
							  "\x62" "hi"));
	test_cond("raw binary", RT(KAFKA_RAW, "\x42\x00\xff", "\x00\xff", "\x42\x00\xff"));
	test_cond("raw empty text", RT(KAFKA_RAW, "\x60", "", "\x60"));
	test_cond("raw indefinite joined", RT(KAFKA_RAW, "\x7f\x61" "a\x61" "b\xff", "ab",
					      "\x62" "ab"));
	test_cond("raw refuses a map", kafka_encode(KAFKA_RAW, (const uint8_t *)"\xa0", 1, &out,
						    &null, &err) == -1 &&
		  strstr(err.msg, "raw needs a text or byte string, not a map") && out.len == 0);
	test_cond("raw refuses an int", kafka_encode(KAFKA_RAW, (const uint8_t *)"\x01", 1, &out,
						     &null, &err) == -1 && out.len == 0);
	buf_release(&out);
}

static void nulls(void)
{
	enum kafka_format fs[] = { KAFKA_JSON, KAFKA_CBOR, KAFKA_RAW };
	struct error err;
	size_t i;

	for (i = 0; i < 3; i++) {
		struct buf out = BUF_INIT;
		int null = 0;

		test_cond("null item is a Kafka null",
			  kafka_encode(fs[i], (const uint8_t *)"\xf6", 1, &out, &null, &err) == 0 &&
				  null == 1 && out.len == 0);
		test_cond("Kafka null is the null item",
			  kafka_decode(fs[i], NULL, 0, &out, &err) == 0 && out.len == 1 &&
				  out.p[0] == 0xf6);
		buf_release(&out);
	}
	/* the four bytes null in json are the null item too (not a Kafka null) */
	struct buf out = BUF_INIT;
	test_cond("json 'null' bytes", kafka_decode(KAFKA_JSON, "null", 4, &out, &err) == 0 &&
					       out.len == 1 && out.p[0] == 0xf6);
	buf_release(&out);
}

static void decode_errors(void)
{
	struct buf out = BUF_INIT;
	struct error err;

	buf_add(&out, "x", 1);
	test_cond("bad json", kafka_decode(KAFKA_JSON, "{\"a\":", 5, &out, &err) == -1 &&
				      strstr(err.msg, "invalid JSON") && out.len == 1);
	test_cond("two json values", kafka_decode(KAFKA_JSON, "1 2", 3, &out, &err) == -1 &&
					     strstr(err.msg, "more than one") && out.len == 1);
	test_cond("empty json", kafka_decode(KAFKA_JSON, "", 0, &out, &err) == -1 && out.len == 1);
	test_cond("json whitespace after", kafka_decode(KAFKA_JSON, "1 \n", 3, &out, &err) == 0 &&
						   out.len == 2 && out.p[1] == 0x01);
	out.len = 1;
	test_cond("duplicate json member",
		  kafka_decode(KAFKA_JSON, "{\"a\":1,\"a\":2}", 13, &out, &err) == -1 &&
			  out.len == 1);
	test_cond("truncated cbor", kafka_decode(KAFKA_CBOR, "\x62" "a", 2, &out, &err) == -1 &&
					    strstr(err.msg, "invalid CBOR") && out.len == 1);
	test_cond("cbor trailing bytes", kafka_decode(KAFKA_CBOR, "\x01\x02", 2, &out, &err) == -1 &&
						 out.len == 1);
	test_cond("cbor invalid utf-8", kafka_decode(KAFKA_CBOR, "\x61\xff", 2, &out, &err) == -1 &&
						out.len == 1);
	test_cond("cbor empty", kafka_decode(KAFKA_CBOR, "", 0, &out, &err) == -1 && out.len == 1);
	buf_release(&out);
}

static void headers(void)
{
	/* {"a": "x", "b": h'00ff', "c": ""} */
	static const char map[] = "\xa3\x61" "a\x61" "x\x61" "b\x42\x00\xff\x61" "c\x60";
	rd_kafka_headers_t *h = rd_kafka_headers_new(4);
	struct buf out = BUF_INIT;
	struct error err;
	const void *v;
	size_t n;

	test_cond("headers encode",
		  kafka_headers_encode((const uint8_t *)map, sizeof map - 1, h, &err) == 0 &&
			  rd_kafka_header_cnt(h) == 3);
	test_cond("header bytes value", rd_kafka_header_get_last(h, "b", &v, &n) == 0 && n == 2 &&
						memcmp(v, "\x00\xff", 2) == 0);
	test_cond("headers decode", kafka_headers_decode(h, &out, &err) == 1 &&
					    out.len == sizeof map - 1 &&
					    memcmp(out.p, map, out.len) == 0);
	out.len = 0;
	rd_kafka_header_add(h, "n", -1, NULL, 0);
	test_cond("null header value is an empty byte string",
		  kafka_headers_decode(h, &out, &err) == 1 &&
			  memcmp(out.p + out.len - 3, "\x61" "n\x40", 3) == 0 && out.p[0] == 0xa4);
	out.len = 0;
	rd_kafka_header_add(h, "a", -1, "y", 1);
	test_cond("repeated name refused", kafka_headers_decode(h, &out, &err) == -1 &&
						   strstr(err.msg, "'a' appears twice") &&
						   out.len == 0);
	rd_kafka_headers_destroy(h);

	test_cond("no headers", kafka_headers_decode(NULL, &out, &err) == 0 && out.len == 0);
	h = rd_kafka_headers_new(1);
	test_cond("empty headers", kafka_headers_decode(h, &out, &err) == 0 && out.len == 0);
	test_cond("header value a number refused",
		  kafka_headers_encode((const uint8_t *)"\xa1\x61" "a\x01", 4, h, &err) == -1 &&
			  strstr(err.msg, "header 'a'"));
	test_cond("header name not text refused",
		  kafka_headers_encode((const uint8_t *)"\xa1\x01\x61" "a", 4, h, &err) == -1);
	test_cond("headers not a map refused",
		  kafka_headers_encode((const uint8_t *)"\x80", 1, h, &err) == -1);
	rd_kafka_headers_destroy(h);
	/* binary header value that is invalid UTF-8 comes back as bytes,
	 * indefinite map of headers accepted */
	h = rd_kafka_headers_new(1);
	test_cond("indefinite headers map",
		  kafka_headers_encode((const uint8_t *)"\xbf\x61" "k\x41\x80\xff", 6, h, &err) == 0 &&
			  kafka_headers_decode(h, &out, &err) == 1 && out.len == 5 &&
			  memcmp(out.p, "\xa1\x61" "k\x41\x80", 5) == 0);
	rd_kafka_headers_destroy(h);
	buf_release(&out);
}

static void conf(void)
{
	static const char *const defaults[] = { "enable.idempotence", "true", NULL };
	const char *props[] = { "linger.ms=7", "client.id=a=b" };
	struct kafka_options o = { .brokers = "127.0.0.1:1", .props = props, .nprops = 2 };
	rd_kafka_conf_t *c;
	struct error err;
	char v[64];
	size_t n = sizeof v;

	c = kafka_conf(&o, defaults, &err);
	test_cond("conf made", c != NULL);
	if (c) {
		test_cond("brokers set", rd_kafka_conf_get(c, "bootstrap.servers", v, &n) ==
						 RD_KAFKA_CONF_OK && strcmp(v, "127.0.0.1:1") == 0);
		n = sizeof v;
		test_cond("-X applied", rd_kafka_conf_get(c, "linger.ms", v, &n) ==
						RD_KAFKA_CONF_OK && strcmp(v, "7") == 0);
		n = sizeof v;
		test_cond("value with '='", rd_kafka_conf_get(c, "client.id", v, &n) ==
						    RD_KAFKA_CONF_OK && strcmp(v, "a=b") == 0);
		rd_kafka_conf_destroy(c);
	}
	/* -X overrides the defaults */
	const char *over[] = { "enable.idempotence=false" };
	o.props = over;
	o.nprops = 1;
	c = kafka_conf(&o, defaults, &err);
	n = sizeof v;
	test_cond("-X over defaults", c && rd_kafka_conf_get(c, "enable.idempotence", v, &n) ==
						   RD_KAFKA_CONF_OK && strcmp(v, "false") == 0);
	if (c)
		rd_kafka_conf_destroy(c);
	const char *bad[] = { "foo=1" };
	o.props = bad;
	test_cond("unknown property", kafka_conf(&o, defaults, &err) == NULL &&
					      strstr(err.msg, "-X foo=1: No such configuration"));
	const char *noeq[] = { "x" };
	o.props = noeq;
	test_cond("no '='", kafka_conf(&o, defaults, &err) == NULL &&
				    strcmp(err.msg, "-X 'x': expected key=value") == 0);
}

int main(void)
{
	formats();
	json();
	cbor();
	raw();
	nulls();
	decode_errors();
	headers();
	conf();
	return test_report("kafka");
}
