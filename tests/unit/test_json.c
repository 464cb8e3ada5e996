/*
 * test_json.c - unit tests of lib/json.c: tables of JSON and CBOR from
 * RFC 8949 Appendix A, round trips, errors with their positions, malformed
 * CBOR, and the JSONTestSuite files in tests/data (the path is relative
 * to the repository's root, where `make unit` runs the tests).
 *
 * JSON_BENCH=1 in the environment adds a throughput measurement of both
 * directions on a typical event line.
 */
#include <dirent.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "test.h"

#define SUITE "tests/data/json-test-suite/test_parsing"

/* Formats the description of the next check. */
static const char *D(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *D(const char *fmt, ...)
{
	static char descr[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(descr, sizeof descr, fmt, ap);
	va_end(ap);
	return descr;
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] && h[1]; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* The length of a CBOR head with argument v. */
static size_t head_size(size_t v)
{
	return v < 24 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : 5;
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";

	while (n--) {
		*out++ = x[*p >> 4];
		*out++ = x[*p++ & 15];
	}
	*out = 0;
}

/* JSON -> CBOR hex, or "" on error. */
static const char *to_cbor(const char *json, size_t len, char *hex)
{
	struct buf out = BUF_INIT;
	struct error err;
	size_t used;

	hex[0] = 0;
	if (json_to_cbor(json, len, 1, &out, &used, &err) == JSON_OK)
		tohex(out.p, out.len, hex);
	buf_release(&out);
	return hex;
}

/* ---------------------------------------------------------------------- */

struct pair {
	const char *json;
	const char *cbor;
};

/*
 * RFC 8949 Appendix A, with the diagnostic notation written in the JSON of
 * the mapping.  Both directions hold for these.
 */
static const struct pair rfc[] = {
	{ "0", "00" },
	{ "1", "01" },
	{ "10", "0a" },
	{ "23", "17" },
	{ "24", "1818" },
	{ "25", "1819" },
	{ "100", "1864" },
	{ "1000", "1903e8" },
	{ "1000000", "1a000f4240" },
	{ "1000000000000", "1b000000e8d4a51000" },
	{ "18446744073709551615", "1bffffffffffffffff" },
	{ "{\"$tag\":[2,{\"$bytes\":\"AQAAAAAAAAAA\"}]}",
	  "c249010000000000000000" },
	{ "-18446744073709551616", "3bffffffffffffffff" },
	{ "{\"$tag\":[3,{\"$bytes\":\"AQAAAAAAAAAA\"}]}",
	  "c349010000000000000000" },
	{ "-1", "20" },
	{ "-10", "29" },
	{ "-100", "3863" },
	{ "-1000", "3903e7" },
	{ "0.0", "f90000" },
	{ "-0.0", "f98000" },
	{ "1.0", "f93c00" },
	{ "1.1", "fb3ff199999999999a" },
	{ "1.5", "f93e00" },
	{ "65504.0", "f97bff" },
	{ "100000.0", "fa47c35000" },
	{ "3.4028234663852886e+38", "fa7f7fffff" },
	{ "1e+300", "fb7e37e43c8800759c" },
	{ "5.960464477539063e-08", "f90001" },
	{ "6.103515625e-05", "f90400" },
	{ "-4.0", "f9c400" },
	{ "-4.1", "fbc010666666666666" },
	{ "{\"$float\":\"Infinity\"}", "f97c00" },
	{ "{\"$float\":\"NaN\"}", "f97e00" },
	{ "{\"$float\":\"-Infinity\"}", "f9fc00" },
	{ "false", "f4" },
	{ "true", "f5" },
	{ "null", "f6" },
	{ "{\"$undefined\":true}", "f7" },
	{ "{\"$tag\":[0,\"2013-03-21T20:04:00Z\"]}",
	  "c074323031332d30332d32315432303a30343a30305a" },
	{ "{\"$tag\":[1,1363896240]}", "c11a514b67b0" },
	{ "{\"$tag\":[1,1363896240.5]}", "c1fb41d452d9ec200000" },
	{ "{\"$tag\":[23,{\"$bytes\":\"AQIDBA==\"}]}", "d74401020304" },
	{ "{\"$tag\":[24,{\"$bytes\":\"ZElFVEY=\"}]}", "d818456449455446" },
	{ "{\"$tag\":[32,\"http://www.example.com\"]}",
	  "d82076687474703a2f2f7777772e6578616d706c652e636f6d" },
	{ "{\"$bytes\":\"\"}", "40" },
	{ "{\"$bytes\":\"AQIDBA==\"}", "4401020304" },
	{ "\"\"", "60" },
	{ "\"a\"", "6161" },
	{ "\"IETF\"", "6449455446" },
	{ "\"\\\"\\\\\"", "62225c" },
	{ "\"\xc3\xbc\"", "62c3bc" },
	{ "\"\xe6\xb0\xb4\"", "63e6b0b4" },
	{ "\"\xf0\x90\x85\x91\"", "64f0908591" },
	{ "[]", "80" },
	{ "[1,2,3]", "83010203" },
	{ "[1,[2,3],[4,5]]", "8301820203820405" },
	{ "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
	  "24,25]",
	  "98190102030405060708090a0b0c0d0e0f101112131415161718181819" },
	{ "{}", "a0" },
	{ "{\"$map\":[[1,2],[3,4]]}", "a201020304" },
	{ "{\"a\":1,\"b\":[2,3]}", "a26161016162820203" },
	{ "[\"a\",{\"b\":\"c\"}]", "826161a161626163" },
	{ "{\"a\":\"A\",\"b\":\"B\",\"c\":\"C\",\"d\":\"D\",\"e\":\"E\"}",
	  "a56161614161626142616361436164614461656145" },
};

/* JSON -> CBOR only: other spellings of the same items. */
static const struct pair json_only[] = {
	{ "\"\\u00fc\"", "62c3bc" },
	{ "\"\\u6c34\"", "63e6b0b4" },
	{ "\"\\ud800\\udd51\"", "64f0908591" },
	{ "\"\\uD800\\uDD51\"", "64f0908591" },
	{ "1.0e+300", "fb7e37e43c8800759c" },
	{ "5.960464477539063e-8", "f90001" },
	{ "0.00006103515625", "f90400" },
	{ "-0", "f98000" },		/* keeps its sign, as a float */
	{ "1e2", "f95640" },
	{ "1E2", "f95640" },
	{ "100.0", "f95640" },
	{ "0e0", "f90000" },
	{ "-0e-5", "f98000" },
	{ "18446744073709551616", "c249010000000000000000" },	/* beyond 64 bits: bignums */
	{ "-18446744073709551617", "c349010000000000000000" },
	{ "100000000000000000000000", "c24a152d02c7e14af6800000" },	/* 10^23 */
	{ "-100000000000000000000000", "c34a152d02c7e14af67fffff" },
	{ "1.7881393432617188e-07", "f90003" },	/* a subnormal half */
	{ "1.401298464324817e-45", "fa00000001" },	/* a subnormal single */
	{ "16777216.0", "fa4b800000" },
	{ "16777217.0", "fb4170000010000000" },
	{ "{\"$bytes\":\"AQIDBA\"}", "4401020304" },	/* no padding */
	{ "{\"$bytes\":\"-_8=\"}", "42fbff" },		/* URL-safe */
	{ "{\"$bytes\":\"+/8\"}", "42fbff" },
	{ "{\"$bytes\":\"\\u0041Q==\"}", "4101" },	/* escapes decoded */
	{ "{\"\\u0024bytes\":\"AQ==\"}", "4101" },
	{ "{\"$x\":1}", "a162247801" },		/* other "$" names */
	{ "{\"$bytes\":\"AQ==\",\"a\":1}", "a266246279746573644151" "3d3d616101" },
	{ "{\"$tag\":[1,2],\"$tag \":[1,2]}", "a26424746167820102" "652474616720820102" },
	{ "{\"$map\":[]}", "a0" },
	{ "{\"$map\":[[\"$x\",[]]]}", "a162247880" },
	{ "{\"$map\":[[{\"$bytes\":\"AQ==\"},{\"$tag\":[6,[]]}]]}",
	  "a14101c680" },
	{ "{\"$tag\":[18446744073709551615,null]}", "dbfffffffffffffffff6" },
	{ " \t\r\n[ 1 , { \"a\" : [ ] } ] ", "8201a1616180" },
};

/* CBOR -> JSON only: indefinite lengths, other encodings, the $ forms. */
static const struct pair cbor_only[] = {
	{ "{\"$bytes\":\"AQIDBAU=\"}", "5f42010243030405ff" },
	{ "\"streaming\"", "7f657374726561646d696e67ff" },
	{ "[]", "9fff" },
	{ "[1,[2,3],[4,5]]", "9f018202039f0405ffff" },
	{ "[1,[2,3],[4,5]]", "9f01820203820405ff" },
	{ "[1,[2,3],[4,5]]", "83018202039f0405ff" },
	{ "[1,[2,3],[4,5]]", "83019f0203ff820405" },
	{ "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
	  "24,25]",
	  "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff" },
	{ "{\"a\":1,\"b\":[2,3]}", "bf61610161629f0203ffff" },
	{ "[\"a\",{\"b\":\"c\"}]", "826161bf61626163ff" },
	{ "{\"Fun\":true,\"Amt\":-2}", "bf6346756ef563416d7421ff" },
	{ "{\"$float\":\"Infinity\"}", "fa7f800000" },
	{ "{\"$float\":\"NaN\"}", "fa7fc00000" },
	{ "{\"$float\":\"-Infinity\"}", "faff800000" },
	{ "{\"$float\":\"Infinity\"}", "fb7ff0000000000000" },
	{ "{\"$float\":\"NaN\"}", "fb7ff8000000000000" },
	{ "{\"$float\":\"-Infinity\"}", "fbfff0000000000000" },
	{ "{\"$float\":\"NaN\"}", "f97e01" },
	{ "1.0", "fa3f800000" },
	{ "1.0", "fb3ff0000000000000" },
	{ "0.10000000149011612", "fa3dcccccd" },
	{ "1", "1801" },				/* not shortest */
	{ "1", "1b0000000000000001" },
	{ "-1", "3b0000000000000000" },
	{ "\"a\"", "780161" },
	{ "{\"$bytes\":\"AQIDBA==\"}", "5f4101410241034104ff" },
	{ "{\"$bytes\":\"\"}", "5fff" },
	{ "\"\"", "7fff" },
	{ "\"ab\"", "7f6161606162ff" },
	{ "{\"$tag\":[6,1]}", "c601" },		/* tags libcbor 0.8 rejects */
	{ "{\"$tag\":[20,1]}", "d401" },
	{ "{\"$tag\":[6,{\"$tag\":[7,[]]}]}", "c6c780" },
	/* Maps with keys that are not all text, or one "$" key. */
	{ "{\"$map\":[[\"a\",1],[2,3]]}", "a2616101" "0203" },
	{ "{\"$map\":[[1,2],[\"a\",3]]}", "a20102616103" },
	{ "{\"$map\":[[\"$\",1]]}", "a1612401" },
	{ "{\"$\":1,\"b\":2}", "a2612401616202" },
	{ "{\"$map\":[[\"$\",1]]}", "bf612401ff" },
	{ "{\"$\":1,\"b\":2}", "bf612401616202ff" },
	{ "{\"$map\":[[\"$a\",{\"$map\":[[1,2]]}]]}", "a1622461a10102" },
	{ "{\"a\":{\"$map\":[[1,2]]}}", "a16161a10102" },
	{ "{\"$map\":[[\"a\",{\"$map\":[[1,2]]}],[1,2]]}", "a26161a101020102" },
	{ "{\"$map\":[[\"a\",\"x,y:z\\\"]}\"],[[],{}]]}",
	  "a2616168782c793a7a225d7d80a0" },
	{ "{\"$map\":[[[1],2]]}", "a1810102" },
	{ "{\"$map\":[[\"k\",[{\"$map\":[[null,1]]}]],[false,2]]}",
	  "a2616b81a1f601f402" },
	{ "{\"$map\":[[{\"$tag\":[1,\"a\"]},1]]}", "a1c1616101" },
	{ "{\"$map\":[[\"\\\"\",1],[1,2]]}", "a2612201" "0102" },
	/* Text that needs escapes, or is not UTF-8. */
	{ "\"\\\"\\\\\\n\\u0001\x7f/\"", "66225c0a017f2f" },
	{ "\"\\b\\f\\n\\r\\t\\u000b\\u001f\"", "67080c0a0d090b1f" },
	{ "\"a\xef\xbf\xbd" "b\"", "6361ff62" },
	{ "\"\xef\xbf\xbd\xef\xbf\xbd\"", "62fffe" },
	{ "\"\xef\xbf\xbd\xef\xbf\xbd\"", "62c0af" },		/* overlong */
	{ "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "63eda080" },
	{ "\"\xef\xbf\xbd" "a\"", "62e361" },	/* cut sequence */
	{ "\"\xf4\x8f\xbf\xbf\"", "64f48fbfbf" },
	{ "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	  "64f4908080" },
};

/* Round trips: JSON -> CBOR -> JSON -> CBOR gives the same bytes. */
static const char *const trips[] = {
	"0.1", "1e-7", "5e-324", "1.7976931348623157e308", "-0.0", "65504.0",
	"1e23", "2.2250738585072014e-308", "2.225073858507201e-308",
	"9007199254740993", "9007199254740993.0", "0.30000000000000004",
	"123456789.123456789", "1e-320", "3.4028235677973366e38",
	"1.401298464324817e-45", "1.7881393432617188e-07", "-65505.0",
	"1763628000.123", "0.000001", "1e16", "1e15", "1e-5", "1e-4",
	"4.9406564584124654e-324", "8.41e21", "2.5e-05", "-1e-300", "0.0000000000000000000000000000000000000000000001",
	"[1.5,-2.25,3.125e10,-1e-10]",
	"{\"ts\":1763628000123,\"user_id\":\"u04711\",\"ok\":true,\"x\":null}",
	"{\"$map\":[[1,2],[\"a\",{\"$bytes\":\"AQID\"}]]}",
	"{\"$tag\":[6,{\"$tag\":[7,{\"$float\":\"NaN\"}]}]}",
	"{\"$x\":{\"$y\":[{\"$undefined\":true}]}}",
	"\"\\u0000\\u001f\\\"\\\\/\xe2\x82\xac\xf0\x9f\x98\x80\"",
	"{\"\":\"\",\" \":[[]],\"\\u00e9\":{}}",
	"-18446744073709551616", "18446744073709551615",
	"-18446744073709551617", "18446744073709551616",
	("[{\"$bytes\":\"\"},{\"$bytes\":\"AA==\"},{\"$bytes\":\"AAA=\"},"
	 "{\"$bytes\":\"AAAA\"}]"),
};

struct bad {
	const char *json;
	const char *msg;
	size_t pos;
};

/* Malformed JSON (eof set): the reason and the byte position. */
static const struct bad bad_json[] = {
	{ "\"abc", "unterminated string", 0 },
	{ "[\"abc", "unterminated string", 1 },
	{ "\"a\\qb\"", "invalid escape in string", 2 },
	{ "\"\\x41\"", "invalid escape in string", 1 },
	{ "\"\\u12G4\"", "invalid \\u escape in string", 1 },
	{ "\"\\ud800\"", "lone surrogate in string", 1 },
	{ "\"\\udc00\"", "lone surrogate in string", 1 },
	{ "\"\\ud800\\u0041\"", "lone surrogate in string", 1 },
	{ "\"\\ud800x\"", "lone surrogate in string", 1 },
	{ "\"\\ud800\\n\"", "lone surrogate in string", 1 },
	{ "\"\\ud800\\ud800\"", "lone surrogate in string", 1 },
	{ "\"\\ud800\\uzzzz\"", "invalid \\u escape in string", 7 },
	{ "[1,]", "trailing comma", 3 },
	{ "[1, ]", "trailing comma", 4 },
	{ "{\"a\":1,}", "trailing comma", 7 },
	{ "[,1]", "unexpected character ','", 1 },
	{ "[1,,2]", "unexpected character ','", 3 },
	{ "01", "leading zero in number", 1 },
	{ "-01", "leading zero in number", 2 },
	{ "[00]", "leading zero in number", 2 },
	{ "1.", "unexpected end of input", 2 },
	{ "[1.]", "expected digit after '.'", 3 },
	{ "1.e5", "expected digit after '.'", 2 },
	{ "1e", "unexpected end of input", 2 },
	{ "1e+]", "expected digit in exponent", 3 },
	{ "-", "unexpected end of input", 1 },
	{ "-a", "expected digit after '-'", 1 },
	{ ".5", "unexpected character '.'", 0 },
	{ "+1", "unexpected character '+'", 0 },
	{ "NaN", "unexpected character 'N'", 0 },
	{ "Infinity", "unexpected character 'I'", 0 },
	{ "nan", "invalid literal", 0 },
	{ "tru", "unexpected end of input", 3 },
	{ "trux", "invalid literal", 0 },
	{ "truex", "invalid literal", 0 },
	{ "nulll", "invalid literal", 0 },
	{ "1x", "unexpected character 'x'", 1 },
	{ "12a", "unexpected character 'a'", 2 },
	{ "\"a\x01" "b\"", "control character in string", 2 },
	{ "\"a\tb\"", "control character in string", 2 },
	{ "\"a\nb\"", "control character in string", 2 },
	{ "\"\xff\"", "invalid UTF-8 in string", 1 },
	{ "\"\xe9t\xe9\"", "invalid UTF-8 in string", 1 },
	{ "\"ab\xc0\xaf\"", "invalid UTF-8 in string", 3 },
	{ "\"\xe0\x80\xaf\"", "invalid UTF-8 in string", 1 },
	{ "\"\xed\xa0\x80\"", "invalid UTF-8 in string", 1 },
	{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string", 1 },
	{ "\"\xf8\x88\x80\x80\x80\"", "invalid UTF-8 in string", 1 },
	{ "\"\xc3\"", "invalid UTF-8 in string", 1 },
	{ "\"\xe2\x82\"", "invalid UTF-8 in string", 1 },
	{ "\"\x80\"", "invalid UTF-8 in string", 1 },
	{ "1e400", "number out of range (beyond the largest double)", 0 },
	{ "[-1e400]", "number out of range (beyond the largest double)", 1 },
	{ "1" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
	  "0000000000" "00000000000.0", "number out of range (beyond the largest double)", 0 },
	{ "123e-10000000", "number out of range (nonzero, but below the smallest double)", 0 },
	{ "[-1e-400]", "number out of range (nonzero, but below the smallest double)", 1 },
	{ "{\"a\":1,\"a\":2}", "duplicate member name", 7 },
	{ "{\"a\":1,\"b\":{\"c\":1,\"\\u0063\":2}}", "duplicate member name", 18 },
	{ "{\"$tag\":[1,2],\"$tag\":[1,2]}", "duplicate member name", 14 },
	{ "{\"$map\":[[1,2],[1,3]]}", "duplicate map key", 0 },
	{ "{\"$map\":[[{\"$bytes\":\"AQ==\"},1],[{\"$bytes\":\"AQ\"},3]]}", "duplicate map key", 0 },
	{ "[{\"$tag\":[0,\"not a date\"]}]",
	  "tag 0: not an RFC 3339 date-time text string (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM), years 0001-9999)", 0 },
	{ "{\"$tag\":[30,[1,0]]}", "tag 30: the denominator is not a positive integer or bignum", 0 },
	{ "{\"a\" 1}", "expected ':'", 5 },
	{ "{\"a\":1 \"b\":2}", "expected ',' or '}'", 7 },
	{ "[1 2]", "expected ',' or ']'", 3 },
	{ "[1}", "expected ',' or ']'", 2 },
	{ "{\"a\":1]", "expected ',' or '}'", 6 },
	{ "{1:2}", "expected string as member name", 1 },
	{ "{,}", "expected string as member name", 1 },
	{ "{'a':1}", "expected string as member name", 1 },
	{ "[1,2", "unexpected end of input", 4 },
	{ "{\"a\":", "unexpected end of input", 5 },
	{ "]", "unexpected character ']'", 0 },
	{ "\xef\xbb\xbf{}", "unexpected byte 0xef", 0 },
	{ "\x0b", "unexpected byte 0x0b", 0 },
	{ "{\"$bytes\":\"!!!!\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":\"AQ=\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":\"A\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":\"AR==\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":\"AQ===\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":\"A Q==\"}", "invalid $bytes", 10 },
	{ "{\"$bytes\":1}", "invalid $bytes", 10 },
	{ "{\"$bytes\":[\"AQ==\"]}", "invalid $bytes", 10 },
	{ "{\"$float\":\"nan\"}", "invalid $float", 10 },
	{ "{\"$float\":1.5}", "invalid $float", 10 },
	{ "{\"$float\":\"Infinity \"}", "invalid $float", 10 },
	{ "{\"$tag\":[-1,2]}", "invalid $tag", 8 },
	{ "{\"$tag\":[1.0,2]}", "invalid $tag", 8 },
	{ "{\"$tag\":[1]}", "invalid $tag", 8 },
	{ "{\"$tag\":[1,2,3]}", "invalid $tag", 8 },
	{ "{\"$tag\":{\"a\":1}}", "invalid $tag", 8 },
	{ "{\"$map\":[[1]]}", "invalid $map", 8 },
	{ "{\"$map\":[[1,2,3]]}", "invalid $map", 8 },
	{ "{\"$map\":[1,2]}", "invalid $map", 8 },
	{ "{\"$map\":{}}", "invalid $map", 8 },
	{ "{\"$undefined\":false}", "invalid $undefined", 14 },
	{ "{\"$undefined\":1}", "invalid $undefined", 14 },
	{ "[{\"$undefined\":null}]", "invalid $undefined", 15 },
};

struct badc {
	const char *cbor;
	const char *msg;
};

/* Malformed or unsupported CBOR. */
static const struct badc bad_cbor[] = {
	{ "", "truncated item" },
	{ "18", "truncated item" },
	{ "1900", "truncated item" },
	{ "1a000000", "truncated item" },
	{ "1b00000000000000", "truncated item" },
	{ "38", "truncated item" },
	{ "58", "truncated item" },
	{ "580501", "truncated item" },
	{ "6261", "truncated item" },
	{ "81", "truncated item" },
	{ "a101", "truncated item" },
	{ "c1", "truncated item" },
	{ "d8", "truncated item" },
	{ "f9", "truncated item" },
	{ "f900", "truncated item" },
	{ "fa000000", "truncated item" },
	{ "fb00000000000000", "truncated item" },
	{ "f8", "truncated item" },
	{ "9f01", "truncated item" },
	{ "5f4100", "truncated item" },
	{ "7f", "truncated item" },
	{ "bf0102", "truncated item" },
	{ "5bffffffffffffffff", "truncated item" },
	{ "5bffffffffffffffff00", "truncated item" },
	{ "7bffffffffffffffff00", "truncated item" },
	{ "9bffffffffffffffff00", "truncated item" },
	{ "bbffffffffffffffff0000", "truncated item" },
	{ "5a7fffffff00", "truncated item" },
	{ "9affffffff", "truncated item" },
	{ "1c", "reserved additional information 28 in major type 0" },
	{ "1d", "reserved additional information 29 in major type 0" },
	{ "1e", "reserved additional information 30 in major type 0" },
	{ "3c", "reserved additional information 28 in major type 1" },
	{ "3d", "reserved additional information 29 in major type 1" },
	{ "3e", "reserved additional information 30 in major type 1" },
	{ "5c", "reserved additional information 28 in major type 2" },
	{ "5d", "reserved additional information 29 in major type 2" },
	{ "5e", "reserved additional information 30 in major type 2" },
	{ "7c", "reserved additional information 28 in major type 3" },
	{ "7d", "reserved additional information 29 in major type 3" },
	{ "7e", "reserved additional information 30 in major type 3" },
	{ "9c", "reserved additional information 28 in major type 4" },
	{ "9d", "reserved additional information 29 in major type 4" },
	{ "9e", "reserved additional information 30 in major type 4" },
	{ "bc", "reserved additional information 28 in major type 5" },
	{ "bd", "reserved additional information 29 in major type 5" },
	{ "be", "reserved additional information 30 in major type 5" },
	{ "dc", "reserved additional information 28 in major type 6" },
	{ "dd", "reserved additional information 29 in major type 6" },
	{ "de", "reserved additional information 30 in major type 6" },
	{ "fc", "reserved additional information 28 in major type 7" },
	{ "fd", "reserved additional information 29 in major type 7" },
	{ "fe", "reserved additional information 30 in major type 7" },
	{ "811c", "reserved additional information 28 in major type 0" },
	{ "1f", "indefinite length in major type 0" },
	{ "3f", "indefinite length in major type 1" },
	{ "df", "indefinite length in major type 6" },
	{ "ff", "unexpected break" },
	{ "81ff", "unexpected break" },
	{ "a1ff", "unexpected break" },
	{ "c1ff", "unexpected break" },
	{ "bf01ff", "break after a map key" },
	{ "5f6161ff",
	  "indefinite byte string chunk is not a definite byte string" },
	{ "5f01ff",
	  "indefinite byte string chunk is not a definite byte string" },
	{ "5f5fffff",
	  "indefinite byte string chunk is not a definite byte string" },
	{ "7f4161ff",
	  "indefinite text string chunk is not a definite text string" },
	{ "7f7f6161ffff",
	  "indefinite text string chunk is not a definite text string" },
	{ "7f80ff",
	  "indefinite text string chunk is not a definite text string" },
	{ "f810", "simple value 16 in two bytes" },
	{ "f800", "simple value 0 in two bytes" },
	{ "f81f", "simple value 31 in two bytes" },
	{ "f820", "unsupported simple value 32" },
	{ "f8ff", "unsupported simple value 255" },
	{ "e0", "unsupported simple value 0" },
	{ "f0", "unsupported simple value 16" },
	{ "f3", "unsupported simple value 19" },
	{ "8201f3", "unsupported simple value 19" },
};

/* ---------------------------------------------------------------------- */

static void test_tables(void)
{
	char hex[4096], *j;
	struct buf out = BUF_INIT;
	struct error err;
	uint8_t cbor[2048];
	size_t i, n, used;
	int r;

	for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		to_cbor(rfc[i].json, strlen(rfc[i].json), hex);
		test_cond(D("json_to_cbor %s = %s, got %s", rfc[i].json,
			    rfc[i].cbor, hex), !strcmp(hex, rfc[i].cbor));
		n = unhex(rfc[i].cbor, cbor);
		out.len = 0;
		r = item_to_json(cbor, n, &out, &used, &err);
		j = buf_cstr(&out);
		test_cond(D("item_to_json %s = %s, got %s", rfc[i].cbor,
			    rfc[i].json, r ? err.msg : j),
			  r == 0 && used == n && !strcmp(j, rfc[i].json));
	}
	for (i = 0; i < sizeof json_only / sizeof json_only[0]; i++) {
		to_cbor(json_only[i].json, strlen(json_only[i].json), hex);
		test_cond(D("json_to_cbor %s = %s, got %s", json_only[i].json,
			    json_only[i].cbor, hex),
			  !strcmp(hex, json_only[i].cbor));
	}
	for (i = 0; i < sizeof cbor_only / sizeof cbor_only[0]; i++) {
		n = unhex(cbor_only[i].cbor, cbor);
		out.len = 0;
		r = item_to_json(cbor, n, &out, &used, &err);
		j = buf_cstr(&out);
		test_cond(D("item_to_json %s = %s, got %s", cbor_only[i].cbor,
			    cbor_only[i].json, r ? err.msg : j),
			  r == 0 && used == n && !strcmp(j, cbor_only[i].json));
	}
	buf_release(&out);
}

/* JSON -> CBOR -> JSON -> CBOR must give the same CBOR both times. */
static int round_trip(const char *json, size_t len, char *why, size_t whylen)
{
	struct buf c1 = BUF_INIT, j1 = BUF_INIT, c2 = BUF_INIT;
	struct error err;
	size_t used;
	int ok = 0;

	if (json_to_cbor(json, len, 1, &c1, &used, &err) != JSON_OK)
		snprintf(why, whylen, "parse: %.300s", err.msg);
	else if (item_to_json(c1.p, c1.len, &j1, &used, &err))
		snprintf(why, whylen, "write: %.300s", err.msg);
	else if (used != c1.len)
		snprintf(why, whylen, "used %zu of %zu", used, c1.len);
	else if (json_to_cbor((char *)j1.p, j1.len, 1, &c2, &used, &err) !=
		 JSON_OK)
		snprintf(why, whylen, "reparse of %.*s: %.200s",
			 j1.len > 200 ? 200 : (int)j1.len, (char *)j1.p, err.msg);
	else if (c1.len != c2.len || memcmp(c1.p, c2.p, c1.len))
		snprintf(why, whylen, "differs after %.*s",
			 j1.len > 300 ? 300 : (int)j1.len, (char *)j1.p);
	else
		ok = 1;
	buf_release(&c1);
	buf_release(&j1);
	buf_release(&c2);
	return ok;
}

static void test_round_trips(void)
{
	char why[600];
	size_t i;

	for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++)
		test_cond(D("round trip %s", rfc[i].json),
			  round_trip(rfc[i].json, strlen(rfc[i].json), why,
				     sizeof why));
	for (i = 0; i < sizeof json_only / sizeof json_only[0]; i++)
		test_cond(D("round trip %s", json_only[i].json),
			  round_trip(json_only[i].json,
				     strlen(json_only[i].json), why,
				     sizeof why));
	for (i = 0; i < sizeof trips / sizeof trips[0]; i++) {
		why[0] = 0;
		test_cond(D("round trip %s: %s", trips[i], why),
			  round_trip(trips[i], strlen(trips[i]), why,
				     sizeof why));
	}
}

/* Floats print as Python's repr() prints them (the shortest that reads back). */
static void test_float_text(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "0.1", "0.1" }, { "1e-7", "1e-07" }, { "1.5e-7", "1.5e-07" },
		{ "5e-324", "5e-324" }, { "1e300", "1e+300" },
		{ "1.7976931348623157e308", "1.7976931348623157e+308" },
		{ "1e16", "1e+16" }, { "1e15", "1000000000000000.0" },
		{ "0.0001", "0.0001" }, { "0.00001", "1e-05" },
		{ "123456789012345678.0", "1.2345678901234568e+17" },
		{ "1e23", "1e+23" }, { "0.30000000000000004",
		  "0.30000000000000004" }, { "2.5e-5", "2.5e-05" },
		{ "1763628000.123", "1763628000.123" }, { "-2.0", "-2.0" },
		{ "9007199254740993.0", "9007199254740992.0" },
		{ "2.2250738585072011e-308", "2.225073858507201e-308" },
		{ "4.35e-322", "4.35e-322" }, { "1e22", "1e+22" },
		{ "100.0", "100.0" }, { "12345.678", "12345.678" },
	};
	struct buf c = BUF_INIT, j = BUF_INIT;
	struct error err;
	size_t i, used;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		c.len = j.len = 0;
		if (json_to_cbor(t[i].in, strlen(t[i].in), 1, &c, &used,
				 &err) != JSON_OK ||
		    item_to_json(c.p, c.len, &j, &used, &err)) {
			test_cond(D("float %s: %s", t[i].in, err.msg), 0);
			continue;
		}
		buf_cstr(&j);
		test_cond(D("float %s prints as %s, got %s", t[i].in, t[i].out,
			    (char *)j.p), !strcmp((char *)j.p, t[i].out));
	}
	buf_release(&c);
	buf_release(&j);
}

static void test_errors(void)
{
	struct buf out = BUF_INIT;
	struct error err;
	size_t i, used;
	int r;

	buf_add(&out, "XYZ", 3);
	for (i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		const struct bad *b = &bad_json[i];

		err.msg[0] = 0;
		used = 12345;
		r = json_to_cbor(b->json, strlen(b->json), 1, &out, &used,
				 &err);
		test_cond(D("error for %s: want \"%s\" at %zu, got %d \"%s\" at "
			    "%zu", b->json, b->msg, b->pos, r, err.msg, used),
			  (r == JSON_ERROR || r == JSON_INVALID) && !strcmp(err.msg, b->msg) &&
			  used == b->pos);
		test_cond(D("out left as it was after %s", b->json),
			  out.len == 3 && !memcmp(out.p, "XYZ", 3));
	}
	buf_release(&out);
}

/*
 * Numbers of more than 800 significant digits: the digits beyond count
 * through a sticky digit.  9007199254740993 is halfway between two doubles,
 * so a 1 a thousand digits later must round it up, not to even.
 */
static void test_long_numbers(void)
{
	static const struct { const char *head; const char *tail; const char
			      *cbor; } t[] = {
		{ "9007199254740993.", "1", "fb4340000000000001" },
		{ "9007199254740993.", "0", "fa5a000000" },	/* 2^53 */
		{ "-9007199254740993.", "1", "fbc340000000000001" },
		{ "0.", "1", "" },			/* underflows: an error */
		{ "1", ".0", "" },			/* 1e1000: too big */
	};
	struct buf in = BUF_INIT;
	char hex[64];
	size_t i, k;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		in.len = 0;
		buf_add(&in, t[i].head, strlen(t[i].head));
		for (k = 0; k < 1000; k++)
			buf_addc(&in, '0');
		buf_add(&in, t[i].tail, strlen(t[i].tail));
		to_cbor((char *)in.p, in.len, hex);
		test_cond(D("%s<1000 zeros>%s = %s, got %s", t[i].head,
			    t[i].tail, t[i].cbor, hex), !strcmp(hex, t[i].cbor));
	}
	buf_release(&in);
}

/* Nesting: 512 levels are fine both ways, 513 are not. */
static void test_depth(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT, js = BUF_INIT;
	struct error err;
	size_t used, i;
	int r;

	for (i = 0; i < 512; i++)
		buf_addc(&in, '[');
	for (i = 0; i < 512; i++)
		buf_addc(&in, ']');
	r = json_to_cbor((char *)in.p, in.len, 1, &out, &used, &err);
	test_cond("512 nested arrays parse", r == JSON_OK && out.len == 512);
	r = item_to_json(out.p, out.len, &js, &used, &err);
	test_cond("512 nested arrays write back",
		  r == 0 && js.len == in.len && !memcmp(js.p, in.p, in.len));
	in.len = 0;
	for (i = 0; i < 513; i++)
		buf_addc(&in, '[');
	for (i = 0; i < 513; i++)
		buf_addc(&in, ']');
	out.len = 0;
	r = json_to_cbor((char *)in.p, in.len, 1, &out, &used, &err);
	test_cond(D("513 nested arrays: %s at %zu", err.msg, used),
		  r == JSON_ERROR && !strcmp(err.msg, "nesting too deep") &&
		  used == 512);
	in.len = 0;
	for (i = 0; i < 100000; i++)
		buf_addc(&in, '[');
	r = json_to_cbor((char *)in.p, in.len, 0, &out, &used, &err);
	test_cond("100000 '[' with eof unset: nesting too deep",
		  r == JSON_ERROR && !strcmp(err.msg, "nesting too deep") &&
		  used == 512);

	/* Tags in a row: 2 JSON brackets each, 1 CBOR level each. */
	for (int tags = 256; tags <= 257; tags++) {
		size_t u2;

		in.len = 0;
		for (i = 0; i < 256; i++)
			buf_addc(&in, 0x81);
		for (i = 0; i < (size_t)tags; i++)
			buf_addc(&in, 0xc6);	/* a tag without rules */
		buf_addc(&in, 0x00);
		js.len = 0;
		out.len = 0;
		r = item_to_json(in.p, in.len, &js, &used, &err);
		if (tags == 256)
			test_cond("256 arrays around 256 tags: 768 JSON brackets read back",
				  r == 0 && json_to_cbor((char *)js.p, js.len, 1, &out, &u2, &err) ==
				  JSON_OK && out.len == in.len && !memcmp(out.p, in.p, in.len));
		else
			test_cond("256 arrays around 257 tags: too deep",
				  r < 0 && !strcmp(err.msg, "nesting too deep"));
	}

	/* CBOR: the JSON written must nest at most 512 deep too. */
	in.len = 0;
	for (i = 0; i < 10000; i++)
		buf_addc(&in, 0x81);
	buf_addc(&in, 0x00);
	js.len = 0;
	r = item_to_json(in.p, in.len, &js, &used, &err);
	test_cond(D("10000 nested arrays: %s", err.msg),
		  r < 0 && !strcmp(err.msg, "nesting too deep") && js.len == 0);
	{
		static const struct {
			size_t arrays;
			const char *tail;
			int ok;
		} t[] = {
			/* the limit counts CBOR containers, as item_check
			 * does: the "$" forms' extra brackets do not count */
			{ 512, "00", 1 }, { 513, "00", 0 },
			{ 511, "c100", 1 }, { 512, "c100", 0 },
			{ 512, "4100", 1 }, { 513, "4100", 0 },
			{ 512, "f7", 1 }, { 513, "f7", 0 },
			{ 512, "f97e00", 1 }, { 513, "f97e00", 0 },
			{ 511, "a10102", 1 }, { 512, "a10102", 0 },
			{ 511, "a1612401", 1 }, { 512, "a1612401", 0 },
			{ 511, "a261610102" "03", 1 },
			{ 512, "a261610102" "03", 0 },
			/* a map turned to $map around deep content */
			{ 509, "a2616181810003" "04", 1 },
			{ 510, "a2616181810003" "04", 0 },
		};
		uint8_t tail[16];

		for (i = 0; i < sizeof t / sizeof t[0]; i++) {
			size_t k, n = unhex(t[i].tail, tail);

			in.len = 0;
			for (k = 0; k < t[i].arrays; k++)
				buf_addc(&in, 0x81);
			buf_add(&in, tail, n);
			js.len = 0;
			r = item_to_json(in.p, in.len, &js, &used, &err);
			if (t[i].ok) {
				size_t u2;

				out.len = 0;
				test_cond(D("%zu arrays + %s fit", t[i].arrays,
					    t[i].tail),
					  r == 0 && json_to_cbor((char *)js.p,
					  js.len, 1, &out, &u2, &err) ==
					  JSON_OK && out.len == in.len &&
					  !memcmp(out.p, in.p, in.len));
			} else {
				test_cond(D("%zu arrays + %s too deep: %s",
					    t[i].arrays, t[i].tail, r ? err.msg
					    : "accepted"),
					  r < 0 && !strcmp(err.msg,
					  "nesting too deep"));
			}
		}
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&js);
}

/* Every strict prefix of a value is JSON_MORE, or JSON_ERROR at eof. */
static void test_prefixes(void)
{
	static const char *const vals[] = {
		"{\"ts\":1763628000123,\"user\":\"u\\u00e9\\ud83d\\ude00 "
		"\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80\",\"tags\":[\"a\",\"b\"],"
		"\"n\":-12.5e-3,\"ok\":true,\"x\":null,\"f\":false,\"e\":{},"
		"\"z\":[ ]}",
		"[0,-0,1.5,\"\",{\"$bytes\":\"AQ==\"},{\"$map\":[[1,2]]}]",
		"\"\\u00e9 na\xc3\xafve \\\" \\\\ \\/\"",
		"  [ true , false , null ]",
	};
	struct buf out = BUF_INIT;
	struct error err;
	size_t i, k, len, used;
	int r, more, error;

	buf_add(&out, "XYZ", 3);
	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		len = strlen(vals[i]);
		more = error = 1;
		for (k = 1; k < len; k++) {
			if (vals[i][k - 1] == ' ' &&
			    strspn(vals[i], " ") >= k)
				continue;	/* only whitespace so far */
			r = json_to_cbor(vals[i], k, 0, &out, &used, &err);
			if (r != JSON_MORE || out.len != 3) {
				fprintf(stderr, "prefix %zu of value %zu: %d\n",
					k, i, r);
				more = 0;
			}
			r = json_to_cbor(vals[i], k, 1, &out, &used, &err);
			if (r != JSON_ERROR || out.len != 3) {
				fprintf(stderr, "prefix %zu of value %zu at "
					"eof: %d\n", k, i, r);
				error = 0;
			}
		}
		test_cond(D("prefixes of value %zu: JSON_MORE", i), more);
		test_cond(D("prefixes of value %zu at eof: JSON_ERROR", i),
			  error);
		r = json_to_cbor(vals[i], len, 0, &out, &used, &err);
		test_cond(D("whole value %zu without eof", i),
			  r == JSON_OK && used == len);
		out.len = 3;
	}

	/* A number or literal at the end may go on: JSON_MORE until eof. */
	r = json_to_cbor("-12.5e+3", 8, 0, &out, &used, &err);
	test_cond("number at the end without eof: JSON_MORE", r == JSON_MORE);
	r = json_to_cbor("-12.5e+3", 8, 1, &out, &used, &err);
	test_cond("number at the end with eof", r == JSON_OK && used == 8);
	out.len = 3;
	r = json_to_cbor("-12.5e+3\n", 9, 0, &out, &used, &err);
	test_cond("number and newline without eof", r == JSON_OK && used == 8);
	out.len = 3;
	r = json_to_cbor("true", 4, 0, &out, &used, &err);
	test_cond("literal at the end without eof: JSON_MORE", r == JSON_MORE);
	for (k = 1; k < 8; k++) {
		r = json_to_cbor("-12.5e+3", k, 0, &out, &used, &err);
		if (r != JSON_MORE)
			break;
	}
	test_cond("prefixes of a number: JSON_MORE", k == 8);
	r = json_to_cbor(" \t\r\n", 4, 0, &out, &used, &err);
	test_cond("whitespace only: JSON_END", r == JSON_END && used == 4);
	r = json_to_cbor("", 0, 1, &out, &used, &err);
	test_cond("nothing: JSON_END", r == JSON_END && used == 0);
	buf_release(&out);
}

/* A sequence of values, as jq reads it. */
static void test_sequence(void)
{
	static const char seq[] = "{}{} 1 2[][]\"a\"\"b\"1[2]1\"x\"true false"
				  "\n{\"a\":1}\n";
	static const char *const want[] = {
		"a0", "a0", "01", "02", "80", "80", "6161", "6162", "01",
		"8102", "01", "6178", "f5", "f4", "a1616101",
	};
	struct buf out = BUF_INIT;
	struct error err;
	size_t off = 0, used, i = 0, n = sizeof seq - 1;
	char hex[64];
	int r, ok = 1;

	for (;;) {
		out.len = 0;
		r = json_to_cbor(seq + off, n - off, 1, &out, &used, &err);
		if (r != JSON_OK)
			break;
		tohex(out.p, out.len, hex);
		if (i >= sizeof want / sizeof want[0] || strcmp(hex, want[i]))
			ok = 0;
		i++;
		off += used;
	}
	test_cond("a sequence of 15 values",
		  ok && r == JSON_END && i == sizeof want / sizeof want[0]);
	buf_release(&out);
}

static void test_bad_cbor(void)
{
	struct buf out = BUF_INIT;
	struct error err;
	uint8_t cbor[64];
	size_t i, n, used;
	int r;

	buf_add(&out, "XYZ", 3);
	for (i = 0; i < sizeof bad_cbor / sizeof bad_cbor[0]; i++) {
		n = unhex(bad_cbor[i].cbor, cbor);
		err.msg[0] = 0;
		r = item_to_json(cbor, n, &out, &used, &err);
		test_cond(D("cbor %s: want \"%s\", got \"%s\"", bad_cbor[i].cbor,
			    bad_cbor[i].msg, r ? err.msg : "accepted"),
			  r < 0 && !strcmp(err.msg, bad_cbor[i].msg));
		test_cond(D("out left as it was after %s", bad_cbor[i].cbor),
			  out.len == 3 && !memcmp(out.p, "XYZ", 3));
	}
	/* The first item only; the rest is the caller's. */
	n = unhex("0102", cbor);
	out.len = 0;
	r = item_to_json(cbor, n, &out, &used, &err);
	test_cond("first item of two", r == 0 && used == 1 && out.len == 1);
	buf_release(&out);
}

/* Strings, arrays and maps whose heads take 2, 3 and 5 bytes. */
static void test_long(void)
{
	static const size_t sizes[] = { 23, 24, 255, 256, 65535, 65536 };
	struct buf in = BUF_INIT, out = BUF_INIT, js = BUF_INIT;
	struct error err;
	size_t i, k, used;
	char why[600];
	int r;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];

		in.len = 0;
		buf_addc(&in, '"');
		for (k = 0; k < n; k++)
			buf_addc(&in, (uint8_t)('a' + k % 26));
		buf_addc(&in, '"');
		out.len = 0;
		r = json_to_cbor((char *)in.p, in.len, 1, &out, &used, &err);
		test_cond(D("string of %zu", n), r == JSON_OK &&
			  out.len == n + (n < 24 ? 1 : n < 256 ? 2 :
					   n < 65536 ? 3 : 5));
		js.len = 0;
		r = item_to_json(out.p, out.len, &js, &used, &err);
		test_cond(D("string of %zu back", n), r == 0 &&
			  js.len == in.len && !memcmp(js.p, in.p, in.len));

		/* The same with an escape: decoded, then measured. */
		in.p[1] = '\\';
		in.p[2] = 'n';
		test_cond(D("string of %zu with an escape", n),
			  round_trip((char *)in.p, in.len, why, sizeof why));

		in.len = 0;
		buf_addc(&in, '[');
		for (k = 0; k < n; k++)
			buf_add(&in, k ? ",1" : "1", k ? 2 : 1);
		buf_addc(&in, ']');
		out.len = 0;
		r = json_to_cbor((char *)in.p, in.len, 1, &out, &used, &err);
		test_cond(D("array of %zu", n), r == JSON_OK &&
			  out.len == n + (n < 24 ? 1 : n < 256 ? 2 :
					   n < 65536 ? 3 : 5));
		test_cond(D("array of %zu round trip", n),
			  round_trip((char *)in.p, in.len, why, sizeof why));

		in.len = 0;
		buf_addc(&in, '{');
		for (k = 0; k < n; k++)
			buf_printf(&in, "%s\"%zu\":[%zu]", k ? "," : "", k, k);
		buf_addc(&in, '}');
		test_cond(D("object of %zu round trip", n),
			  round_trip((char *)in.p, in.len, why, sizeof why));
		in.len = 0;
		buf_add(&in, "{\"$map\":[", 9);
		for (k = 0; k < n; k++)
			buf_printf(&in, "%s[%zu,\"v\"]", k ? "," : "", k);
		buf_add(&in, "]}", 2);
		test_cond(D("$map of %zu round trip", n),
			  round_trip((char *)in.p, in.len, why, sizeof why));
		in.len = 0;
		buf_add(&in, "{\"$bytes\":\"", 11);
		for (k = 0; k < n; k++)
			buf_add(&in, "AAAA", 4);
		buf_add(&in, "\"}", 2);
		out.len = 0;
		r = json_to_cbor((char *)in.p, in.len, 1, &out, &used, &err);
		test_cond(D("$bytes of %zu", 3 * n), r == JSON_OK &&
			  out.len == 3 * n + head_size(3 * n));
		test_cond(D("$bytes of %zu round trip", 3 * n),
			  round_trip((char *)in.p, in.len, why, sizeof why));
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&js);
}

static void test_add_string(void)
{
	static const char want[] = "\"a\\\"b\\\\\\n\\u0001"
				   "\xef\xbf\xbd\xc3\xa9\"";
	struct buf out = BUF_INIT;

	buf_add(&out, "x", 1);
	json_add_string(&out, "a\"b\\\n\x01\xff\xc3\xa9", 9);
	test_cond("json_add_string escapes and replaces",
		  out.len == sizeof want && !memcmp(out.p + 1, want,
						    sizeof want - 1));
	buf_release(&out);
}

/* The decimal point of LC_NUMERIC must not leak into either direction. */
static void test_locale(void)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8",
	};
	char hex[64], why[600];
	struct buf c = BUF_INIT, j = BUF_INIT;
	struct error err;
	size_t i, used;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (setlocale(LC_NUMERIC, names[i]))
			break;
	if (i == sizeof names / sizeof names[0]) {
		printf("json: no locale with a decimal comma here, "
		       "LC_NUMERIC test skipped\n");
		return;
	}
	to_cbor("1.1", 3, hex);
	test_cond(D("1.1 under %s", names[i]),
		  !strcmp(hex, "fb3ff199999999999a"));
	to_cbor("1.5e-7", 6, hex);
	test_cond(D("1.5e-7 under %s", names[i]),
		  !strcmp(hex, "fb3e8421f5f40d8376"));
	json_to_cbor("[0.1,5e-324,1e23,1.7976931348623157e308]", 40, 1, &c,
		     &used, &err);
	item_to_json(c.p, c.len, &j, &used, &err);
	buf_cstr(&j);
	test_cond(D("floats written under %s: %s", names[i], (char *)j.p),
		  !strcmp((char *)j.p,
			  "[0.1,5e-324,1e+23,1.7976931348623157e+308]"));
	test_cond(D("round trip under %s", names[i]),
		  round_trip("[1.1,0.30000000000000004,123.456e-300]", 38,
			     why, sizeof why));
	setlocale(LC_NUMERIC, "C");
	buf_release(&c);
	buf_release(&j);
}

/* ---------------------------------------------------------------------- */

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return -1;
	b->len = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* Parses the whole file as a sequence; returns the values before the end. */
static int parse_all(const struct buf *in, int *result, struct error *err)
{
	struct buf out = BUF_INIT;
	size_t off = 0, used;
	int r, n = 0;

	for (;;) {
		out.len = 0;
		r = json_to_cbor((char *)in->p + off, in->len - off, 1, &out,
				 &used, err);
		if (r != JSON_OK)
			break;
		n++;
		off += used;
	}
	buf_release(&out);
	*result = r;
	return n;
}

/*
 * n_ files that a reader of sequences (as jq is) accepts: whitespace or
 * nothing is a sequence of no values, and "[][]" is two values.
 */
static const struct { const char *name; int values; } n_accepted[] = {
	{ "n_single_space.json", 0 },
	{ "n_structure_no_data.json", 0 },
	{ "n_structure_double_array.json", 2 },
	{ "n_structure_object_with_trailing_garbage.json", 2 },
};

/* What the parser does with each i_ file: 1 accepted, 0 rejected. */
static const struct { const char *name; int ok; } i_files[] = {
	{ "i_number_double_huge_neg_exp.json", 0 },	/* underflows to 0: an error */
	{ "i_number_huge_exp.json", 0 },		/* to infinity */
	{ "i_number_neg_int_huge_exp.json", 0 },
	{ "i_number_pos_double_huge_exp.json", 0 },
	{ "i_number_real_neg_overflow.json", 0 },
	{ "i_number_real_pos_overflow.json", 0 },
	{ "i_number_real_underflow.json", 0 },		/* likewise */
	{ "i_number_too_big_neg_int.json", 1 },		/* a float */
	{ "i_number_too_big_pos_int.json", 1 },		/* a float */
	{ "i_number_very_big_negative_int.json", 1 },	/* a float */
	{ "i_object_key_lone_2nd_surrogate.json", 0 },
	{ "i_string_1st_surrogate_but_2nd_missing.json", 0 },
	{ "i_string_1st_valid_surrogate_2nd_invalid.json", 0 },
	{ "i_string_UTF-16LE_with_BOM.json", 0 },
	{ "i_string_UTF-8_invalid_sequence.json", 0 },
	{ "i_string_UTF8_surrogate_U+D800.json", 0 },
	{ "i_string_incomplete_surrogate_and_escape_valid.json", 0 },
	{ "i_string_incomplete_surrogate_pair.json", 0 },
	{ "i_string_incomplete_surrogates_escape_valid.json", 0 },
	{ "i_string_invalid_lonely_surrogate.json", 0 },
	{ "i_string_invalid_surrogate.json", 0 },
	{ "i_string_invalid_utf-8.json", 0 },
	{ "i_string_inverted_surrogates_U+1D11E.json", 0 },
	{ "i_string_iso_latin_1.json", 0 },
	{ "i_string_lone_second_surrogate.json", 0 },
	{ "i_string_lone_utf8_continuation_byte.json", 0 },
	{ "i_string_not_in_unicode_range.json", 0 },
	{ "i_string_overlong_sequence_2_bytes.json", 0 },
	{ "i_string_overlong_sequence_6_bytes.json", 0 },
	{ "i_string_overlong_sequence_6_bytes_null.json", 0 },
	{ "i_string_truncated-utf-8.json", 0 },
	{ "i_string_utf16BE_no_BOM.json", 0 },
	{ "i_string_utf16LE_no_BOM.json", 0 },
	{ "i_structure_500_nested_arrays.json", 1 },
	{ "i_structure_UTF-8_BOM_empty_object.json", 0 },	/* no BOM */
};

/*
 * Every prefix of the one value of a y_ file, without eof: JSON_MORE (or
 * JSON_END while only whitespace) before the value's end, JSON_OK after it,
 * and at its very end either (a number or literal may go on).
 */
static int prefixes_ok(const struct buf *in)
{
	struct buf out = BUF_INIT;
	struct error err;
	size_t k, used, end;
	int r, ok = 1;

	if (json_to_cbor((char *)in->p, in->len, 1, &out, &end, &err) !=
	    JSON_OK)
		return 0;
	for (k = 0; k <= in->len && ok; k++) {
		out.len = 0;
		r = json_to_cbor((char *)in->p, k, 0, &out, &used, &err);
		if (k < end)
			ok = r == JSON_MORE || (r == JSON_END && used == k);
		else if (k > end)
			ok = r == JSON_OK && used == end;
		else
			ok = r == JSON_MORE || (r == JSON_OK && used == end);
		if (!ok)
			fprintf(stderr, "prefix %zu of %zu: %d\n", k, in->len, r);
	}
	buf_release(&out);
	return ok;
}

static void test_suite(void)
{
	struct buf in = BUF_INIT;
	struct error err;
	struct dirent *e;
	char path[1024], why[600];
	int r, n, y = 0, no = 0, i_seen = 0;
	size_t k;
	DIR *dir = opendir(SUITE);

	test_cond(D("JSONTestSuite: %s can be opened (run from the "
		    "repository's root)", SUITE), dir != NULL);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		const char *name = e->d_name;

		if (!strstr(name, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", SUITE, name);
		if (read_file(path, &in) < 0) {
			test_cond(D("read %s", path), 0);
			continue;
		}
		n = parse_all(&in, &r, &err);
		if (name[0] == 'y' && strstr(name, "duplicated_key")) {
			/* valid JSON, but an invalid CBOR map (RFC 8949
			 * section 5.6): refused by design */
			y++;
			test_cond(D("%s: refused as a duplicate, got %s", name,
				    r == JSON_INVALID ? err.msg : "end"),
				  r == JSON_INVALID && !strcmp(err.msg, "duplicate member name"));
		} else if (name[0] == 'y') {
			y++;
			test_cond(D("%s: one value, got %d then %s", name, n,
				    r == JSON_ERROR ? err.msg : "end"),
				  n == 1 && r == JSON_END);
			test_cond(D("%s round trip", name),
				  round_trip((char *)in.p, in.len, why,
					     sizeof why));
			test_cond(D("%s prefixes without eof", name),
				  prefixes_ok(&in));
		} else if (name[0] == 'n') {
			no++;
			for (k = 0; k < sizeof n_accepted / sizeof n_accepted[0];
			     k++)
				if (!strcmp(name, n_accepted[k].name))
					break;
			if (k < sizeof n_accepted / sizeof n_accepted[0])
				test_cond(D("%s: accepted as a sequence of %d",
					    name, n_accepted[k].values),
					  r == JSON_END &&
					  n == n_accepted[k].values);
			else
				test_cond(D("%s: rejected", name),
					  r == JSON_ERROR);
		} else if (name[0] == 'i') {
			for (k = 0; k < sizeof i_files / sizeof i_files[0]; k++)
				if (!strcmp(name, i_files[k].name))
					break;
			test_cond(D("%s is listed", name),
				  k < sizeof i_files / sizeof i_files[0]);
			if (k == sizeof i_files / sizeof i_files[0])
				continue;
			i_seen++;
			test_cond(D("%s: %s, got %s", name, i_files[k].ok ?
				    "accepted" : "rejected", r == JSON_END ?
				    "accepted" : err.msg),
				  i_files[k].ok ? r == JSON_END && n == 1 :
				  r == JSON_ERROR);
		}
	}
	closedir(dir);
	test_cond(D("JSONTestSuite: %d y_, %d n_, %d i_ files", y, no, i_seen),
		  y == 95 && no == 188 && i_seen == 35);
	buf_release(&in);
}

/* ---------------------------------------------------------------------- */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* JSON_BENCH=1: MB/s of both directions on a typical event, best of 5. */
static void bench(void)
{
	static const char line[] =
		"{\"ts\":1763628000123,\"user_id\":\"u04711\",\"session\":"
		"\"s-8c1f2a\",\"page\":\"/products/12345\",\"referrer\":"
		"\"https://example.com/search?q=shoes\",\"status\":200,"
		"\"bytes\":5123,\"ua\":\"Mozilla/5.0\"}";
	struct buf c = BUF_INIT, j = BUF_INIT;
	struct error err;
	size_t n = sizeof line - 1, used, i, rounds = 400000, k;
	double t, best1 = 1e9, best2 = 1e9;

	for (k = 0; k < 5; k++) {
		t = now();
		for (i = 0; i < rounds; i++) {
			c.len = 0;
			json_to_cbor(line, n, 1, &c, &used, &err);
		}
		t = now() - t;
		if (t < best1)
			best1 = t;
		t = now();
		for (i = 0; i < rounds; i++) {
			j.len = 0;
			item_to_json(c.p, c.len, &j, &used, &err);
		}
		t = now() - t;
		if (t < best2)
			best2 = t;
	}
	printf("json bench: json_to_cbor %.0f MB/s of JSON (%.2f M events/s); "
	       "item_to_json %.0f MB/s of JSON, %.0f MB/s of CBOR "
	       "(%.2f M events/s)\n",
	       (double)(rounds * n) / best1 / 1e6, (double)rounds / best1 / 1e6,
	       (double)(rounds * j.len) / best2 / 1e6,
	       (double)(rounds * c.len) / best2 / 1e6,
	       (double)rounds / best2 / 1e6);
	buf_release(&c);
	buf_release(&j);
}

/*
 * item_validate (item.h), the rule of every input: CBOR items and whether
 * they are valid, from RFC 8949 section 5.3 and the tag definitions; the
 * message names the fault.  NULL: valid.
 */
static void test_validate(void)
{
	static const struct { const char *cbor, *why; } t[] = {
		{ "a2616101616202", NULL },			/* {"a":1,"b":2} */
		{ "a20100f93c0000", NULL },			/* 1 and 1.0 differ */
		{ "a20100180100", "duplicate map key" },	/* 1 and 1 in two bytes */
		{ "a2616100" "7f6161ff00", "duplicate map key" },
		{ "a2f93c0000fb3ff000000000000000", "duplicate map key" },	/* 1.0 twice */
		{ "bf616100616101ff", "duplicate map key \"a\"" },		/* indefinite map */
		{ "a2a1010200a1010201", "duplicate map key" },	/* equal maps as keys */
		{ "62c328", "invalid UTF-8 in a text string" },
		{ "83010281 63eda080", "invalid UTF-8 in a text string" },
		{ "7f62e6b061b4ff", "invalid UTF-8 in a text string" },	/* split across chunks */
		{ "7f63e6b0b4ff", NULL },
		{ "a162c32801", "invalid UTF-8 in a text string" },	/* a key */
		{ "c074323032362d31312d32305430393a30303a30305a", NULL },
		{ "c074323032362d31312d32305430393a30303a36305a", "tag 0: " },	/* second 60 */
		{ "c1f97c00", "tag 1: " },			/* infinity */
		{ "c11a5f5e1000", NULL },
		{ "c26161", "tag 2: " },
		{ "c4820102", NULL },
		{ "c48201f90000", "tag 4: " },
		{ "d818420101", "tag 24: " },			/* trailing byte */
		{ "d8184362c328", "tag 24: in the embedded item: at byte 1: invalid UTF-8" },
		{ "d8184100", NULL },
		{ "d81e820102", NULL },
		{ "d81e820100", "tag 30: " },
		{ "d81e820120", "tag 30: " },			/* negative denominator */
		{ "d8254f000102030405060708090a0b0c0d0e", "tag 37: " },
		{ "d825500102030405060708090a0b0c0d0e0f10", NULL },
		{ "d9010280", NULL },
		{ "d9010201", "tag 258: " },
		{ "d9d9f76162", NULL },
		{ "d8216359574a", "tag 33: " },			/* "YWJ": padding bits set */
		{ "d8216359574d", NULL },			/* "YWM" */
	};
	uint8_t cbor[256];
	struct error err;
	size_t i, n, len;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char hex[256];
		size_t k = 0;
		for (const char *c = t[i].cbor; *c; c++)
			if (*c != ' ')
				hex[k++] = *c;
		hex[k] = 0;
		n = unhex(hex, cbor);
		if (item_check(cbor, n, &len, NULL) != ITEM_OK || len != n) {
			test_cond(D("%s is one well-formed item", hex), 0);
			continue;
		}
		err.msg[0] = 0;
		if (!t[i].why)
			test_cond(D("%s valid, got %s", hex, err.msg),
				  item_validate(cbor, n, &err) == 0);
		else
			test_cond(D("%s: want '%s', got '%s'", hex, t[i].why, err.msg),
				  item_validate(cbor, n, &err) < 0 && strstr(err.msg, t[i].why));
	}
}

int main(void)
{
	test_tables();
	test_round_trips();
	test_float_text();
	test_errors();
	test_long_numbers();
	test_depth();
	test_prefixes();
	test_sequence();
	test_bad_cbor();
	test_long();
	test_add_string();
	test_locale();
	test_suite();
	test_validate();
	if (getenv("JSON_BENCH"))
		bench();
	/* a one-member map whose key is an indefinite text string: the fast
	 * path must leave it to the general one (a fuzz finding: it read the
	 * key's data that an indefinite head does not have) */
	{
		static const uint8_t dollar[] = { 0xa1, 0x7f, 0x61, '$', 0xff, 0x01 };
		static const uint8_t plain[] = { 0xa1, 0x7f, 0x61, 'a', 0xff, 0x01 };
		struct buf j = BUF_INIT;
		size_t u;
		struct error e;

		test_cond("indefinite '$' key: $map",
			  item_to_json(dollar, sizeof dollar, &j, &u, &e) == 0 && u == sizeof dollar &&
			  j.len == 18 && !memcmp(j.p, "{\"$map\":[[\"$\",1]]}", 18));
		j.len = 0;
		test_cond("indefinite plain key: an object",
			  item_to_json(plain, sizeof plain, &j, &u, &e) == 0 && j.len == 7 &&
			  !memcmp(j.p, "{\"a\":1}", 7));
		buf_release(&j);
	}
	return test_report("json");
}
