/*
 * test_wal2json.c - lib/wal2json.c: wal2json's lines into change records
 * (tests/model/CDC-SPEC.md).  Expected items are written as JSON and read
 * by json_to_cbor (its "$bytes" form for byte strings), so that each case
 * reads as the spec's table does.
 */
#include <string.h>

#include "json.h"
#include "test.h"
#include "wal2json.h"

#define BEGIN "{\"action\":\"B\",\"timestamp\":\"2026-12-05 02:35:10.902283+00\"," \
	      "\"lsn\":\"0/1539900\",\"nextlsn\":\"0/1539930\"}"
#define COMMIT "{\"action\":\"C\",\"timestamp\":\"2026-12-05 02:35:10.902283+00\"," \
	       "\"lsn\":\"0/1539900\",\"nextlsn\":\"0/1539930\"}"
#define CHANGE(a) "{\"action\":\"" a "\",\"timestamp\":\"2026-12-05 02:35:10.902283+00\"," \
		  "\"lsn\":\"0/15397E0\",\"schema\":\"public\",\"table\":\"t\""
#define PK_ID ",\"pk\":[{\"name\":\"id\",\"type\":\"bigint\"}]}"

static struct error err;

static int decode(struct wal2json *d, const char *line)
{
	return wal2json_decode(d, (const uint8_t *)line, strlen(line), &err);
}

/* Whether item p[0..n) is the item the JSON text j reads as. */
static int is(const uint8_t *p, size_t n, const char *j)
{
	struct buf b = BUF_INIT;
	size_t used;
	int ok = json_to_cbor(j, strlen(j), JSON_EOF, &b, &used, &err) == JSON_OK &&
		 b.len == n && !memcmp(b.p, p, n);

	if (!ok) {
		struct buf o = BUF_INIT;
		item_to_json(p, n, &o, &used, &err);
		fprintf(stderr, "  got %.*s, expected %s\n", (int)o.len, (const char *)o.p, j);
		buf_release(&o);
	}
	buf_release(&b);
	return ok;
}

/* One column of type ty with JSON value v: the value the column gets. */
static int column(const char *ty, const char *v, const char *expect)
{
	struct wal2json d;
	char line[1024];
	int ok;

	wal2json_init(&d);
	snprintf(line, sizeof line, CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
		 "\"value\":1},{\"name\":\"c\",\"type\":\"%s\",\"value\":%s}]" PK_ID, ty, v);
	ok = decode(&d, BEGIN) == W2J_NONE && decode(&d, line) == W2J_RECORDS && d.n == 1;
	if (ok) {
		char want[512];
		snprintf(want, sizeof want, "{\"id\":1,\"c\":%s}", expect);
		ok = is(d.rec[0].value, d.rec[0].valuelen, want);
	} else {
		fprintf(stderr, "  %s %s: %s\n", ty, v, err.msg);
	}
	wal2json_release(&d);
	return ok;
}

/* One column of type ty with JSON value v is an error saying why. */
static int column_error(const char *ty, const char *v, const char *why)
{
	struct wal2json d;
	char line[1024];
	int ok;

	wal2json_init(&d);
	snprintf(line, sizeof line, CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
		 "\"value\":1},{\"name\":\"c\",\"type\":\"%s\",\"value\":%s}]" PK_ID, ty, v);
	ok = decode(&d, BEGIN) == W2J_NONE && decode(&d, line) == -1 && strstr(err.msg, why);
	if (!ok)
		fprintf(stderr, "  %s %s: \"%s\", expected \"%s\"\n", ty, v, err.msg, why);
	wal2json_release(&d);
	return ok;
}

static void test_types(void)
{
	test_cond("bigint beyond 2^53 exact", column("bigint", "9007199254740993", "9007199254740993"));
	test_cond("bigint min", column("bigint", "-9223372036854775808", "-9223372036854775808"));
	test_cond("smallint", column("smallint", "-32768", "-32768"));
	test_cond("oid", column("oid", "4294967295", "4294967295"));
	test_cond("integer refuses a string", column_error("integer", "\"1\"", "a string is not"));
	test_cond("integer refuses a fraction", column_error("integer", "1.5", "a number is not"));
	test_cond("double", column("double precision", "0.1", "0.1"));
	test_cond("double written as an integer is a float", column("double precision", "1", "1.0"));
	test_cond("real -1e+300", column("real", "-1e+300", "-1e300"));
	test_cond("double \"NaN\"", column("double precision", "\"NaN\"", "{\"$float\":\"NaN\"}"));
	test_cond("double \"-Infinity\"", column("real", "\"-Infinity\"", "{\"$float\":\"-Infinity\"}"));
	test_cond("double refuses another string", column_error("real", "\"x\"", "a string is not"));
	test_cond("numeric keeps its digits", column("numeric", "12345.678901234567890123",
						      "\"12345.678901234567890123\""));
	test_cond("numeric(20,5) keeps trailing zeros", column("numeric(20,5)", "1.50000", "\"1.50000\""));
	test_cond("numeric tiny", column("numeric", "-0.000000000000000000001",
					  "\"-0.000000000000000000001\""));
	test_cond("numeric \"NaN\" text", column("numeric", "\"NaN\"", "\"NaN\""));
	test_cond("money text", column("money", "\"$1,234.56\"", "\"$1,234.56\""));
	test_cond("boolean", column("boolean", "true", "true"));
	test_cond("boolean refuses 1", column_error("boolean", "1", "a number is not"));
	test_cond("jsonb parsed", column("jsonb", "\"{\\\"a\\\": [1, 2.5, null], \\\"b\\\": 18446744073709551615}\"",
					 "{\"a\":[1,2.5,null],\"b\":18446744073709551615}"));
	test_cond("json kept plain ($bytes is a member)", column("json", "\"{\\\"$bytes\\\": 1}\"",
								 "{\"$map\":[[\"$bytes\",1]]}"));
	test_cond("json not JSON", column_error("json", "\"{\"", "not JSON"));
	test_cond("json two values", column_error("json", "\"1 2\"", "more after the JSON value"));
	test_cond("json duplicate members", column_error("jsonb", "\"{\\\"a\\\":1,\\\"a\\\":2}\"",
							"duplicate"));
	test_cond("bytea hex", column("bytea", "\"00ff10\"", "{\"$bytes\":\"AP8Q\"}"));
	test_cond("bytea \\\\x hex", column("bytea", "\"\\\\x00ff10\"", "{\"$bytes\":\"AP8Q\"}"));
	test_cond("bytea empty", column("bytea", "\"\"", "{\"$bytes\":\"\"}"));
	test_cond("bytea bad hex", column_error("bytea", "\"0g\"", "a string is not"));
	test_cond("bytea odd hex", column_error("bytea", "\"0\"", "a string is not"));
	test_cond("timestamptz to UTC", column("timestamp with time zone",
					       "\"2024-01-02 03:04:05.123456+02\"",
					       "\"2024-01-02T01:04:05.123456Z\""));
	test_cond("timestamptz +05:30 across midnight and a year", column(
			  "timestamp with time zone", "\"2024-01-01 02:00:00+05:30\"",
			  "\"2023-12-31T20:30:00Z\""));
	test_cond("timestamptz -09:30, leap day", column("timestamp(3) with time zone",
							 "\"2024-02-28 20:00:00.5-09:30\"",
							 "\"2024-02-29T05:30:00.5Z\""));
	test_cond("timestamptz +05:53:28 (LMT)", column("timestamp with time zone",
							"\"1900-01-01 05:53:28+05:53:28\"",
							"\"1900-01-01T00:00:00Z\""));
	test_cond("timestamptz infinity kept", column("timestamp with time zone", "\"infinity\"",
						      "\"infinity\""));
	test_cond("timestamptz BC kept", column("timestamp with time zone",
						"\"0044-03-15 17:53:28+05:53:28 BC\"",
						"\"0044-03-15 17:53:28+05:53:28 BC\""));
	test_cond("timestamptz year 1 moved to year 0 kept", column("timestamp with time zone",
								   "\"0001-01-01 01:00:00+02\"",
								   "\"0001-01-01 01:00:00+02\""));
	test_cond("timestamptz another DateStyle", column_error("timestamp with time zone",
								"\"Tue Jan 02 01:04:05 2024 UTC\"",
								"DateStyle ISO"));
	test_cond("timestamp", column("timestamp without time zone", "\"2024-01-02 01:04:05.12\"",
				      "\"2024-01-02T01:04:05.12\""));
	test_cond("timestamp five-digit year kept", column("timestamp without time zone",
							   "\"12345-01-01 00:00:00\"",
							   "\"12345-01-01 00:00:00\""));
	test_cond("timestamp with an offset refused", column_error("timestamp without time zone",
								   "\"2024-01-02 01:04:05+00\"",
								   "DateStyle ISO"));
	test_cond("date text", column("date", "\"2024-02-29\"", "\"2024-02-29\""));
	test_cond("text escapes", column("text", "\"a\\\"b\\\\c\\n\\u00e9\"", "\"a\\\"b\\\\c\\n\\u00e9\""));
	test_cond("varchar(10)", column("character varying(10)", "\"x\"", "\"x\""));
	test_cond("array text", column("integer[]", "\"{1,2,NULL}\"", "\"{1,2,NULL}\""));
	test_cond("unknown type, a number: its text", column("mydomain", "1.50", "\"1.50\""));
	test_cond("null of any type", column("bigint", "null", "null") &&
		  column("jsonb", "null", "null") && column("bytea", "null", "null"));
}

static void test_changes(void)
{
	struct wal2json d;
	char line[1024];

	wal2json_init(&d);
	test_cond("begin", decode(&d, BEGIN) == W2J_NONE);
	test_cond("insert", decode(&d, CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
				   "\"value\":5},{\"name\":\"v\",\"type\":\"text\",\"value\":\"a\"}]"
				   PK_ID) == W2J_RECORDS && d.n == 1);
	test_cond("insert key", is(d.rec[0].key, d.rec[0].keylen, "{\"id\":5}"));
	test_cond("insert headers", is(d.rec[0].headers, d.rec[0].headerslen,
				       "{\"table\":\"public.t\",\"action\":\"I\",\"lsn\":\"0/1539900\","
				       "\"seq\":\"0\",\"commit_time\":\"2026-12-05T02:35:10.902283Z\"}"));
	test_cond("insert ts: the commit time in ms", d.rec[0].ts == 1796438110902);
	test_cond("insert position", d.pos[0].lsn == 0x1539900 && d.pos[0].seq == 0);
	/* an update of the key: the old key's tombstone, then the row */
	test_cond("update of the key", decode(&d, CHANGE("U") ",\"columns\":[{\"name\":\"id\","
					      "\"type\":\"bigint\",\"value\":6},{\"name\":\"v\",\"type\":"
					      "\"text\",\"value\":\"a\"}],\"identity\":[{\"name\":\"id\","
					      "\"type\":\"bigint\",\"value\":5}]" PK_ID) == W2J_RECORDS &&
		  d.n == 2);
	test_cond("its tombstone", is(d.rec[0].key, d.rec[0].keylen, "{\"id\":5}") &&
		  is(d.rec[0].value, d.rec[0].valuelen, "null") && d.pos[0].seq == 1);
	test_cond("its row", is(d.rec[1].key, d.rec[1].keylen, "{\"id\":6}") &&
		  is(d.rec[1].value, d.rec[1].valuelen, "{\"id\":6,\"v\":\"a\"}") && d.pos[1].seq == 2);
	test_cond("its headers", is(d.rec[0].headers, d.rec[0].headerslen,
				    "{\"table\":\"public.t\",\"action\":\"U\",\"lsn\":\"0/1539900\","
				    "\"seq\":\"1\",\"commit_time\":\"2026-12-05T02:35:10.902283Z\"}") &&
		  is(d.rec[1].headers, d.rec[1].headerslen,
		     "{\"table\":\"public.t\",\"action\":\"U\",\"lsn\":\"0/1539900\","
		     "\"seq\":\"2\",\"commit_time\":\"2026-12-05T02:35:10.902283Z\"}"));
	/* FULL identity: every old column; the same key gives one record */
	test_cond("update, FULL identity, same key", decode(&d, CHANGE("U") ",\"columns\":[{\"name\":"
			"\"id\",\"type\":\"bigint\",\"value\":6},{\"name\":\"v\",\"type\":\"text\","
			"\"value\":\"b\"}],\"identity\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":6},"
			"{\"name\":\"v\",\"type\":\"text\",\"value\":\"a\"}]" PK_ID) == W2J_RECORDS &&
		  d.n == 1 && d.pos[0].seq == 3 &&
		  is(d.rec[0].value, d.rec[0].valuelen, "{\"id\":6,\"v\":\"b\"}"));
	test_cond("delete, FULL identity: only the key", decode(&d, CHANGE("D") ",\"identity\":[{\"name\":"
			"\"id\",\"type\":\"bigint\",\"value\":6},{\"name\":\"v\",\"type\":\"text\","
			"\"value\":\"b\"}]" PK_ID) == W2J_RECORDS && d.n == 1 &&
		  is(d.rec[0].key, d.rec[0].keylen, "{\"id\":6}") &&
		  is(d.rec[0].value, d.rec[0].valuelen, "null"));
	test_cond("a message is skipped", decode(&d, "{\"action\":\"M\",\"timestamp\":null,\"lsn\":"
						 "\"0/1\",\"transactional\":false,\"prefix\":\"p\","
						 "\"content\":\"x\"}") == W2J_NONE);
	test_cond("truncate", decode(&d, CHANGE("T") "}") == W2J_TRUNCATE);
	{
		struct record r;
		struct w2j_pos pos;
		static const uint8_t key[] = { 0xa1, 0x62, 'i', 'd', 0x05 };
		test_cond("a truncate's tombstone", wal2json_tombstone(&d, key, sizeof key, &r, &pos,
								       &err) == 0 &&
			  pos.seq == 5 && is(r.value, r.valuelen, "null") &&
			  is(r.headers, r.headerslen, "{\"table\":\"public.t\",\"action\":\"T\",\"lsn\":"
			     "\"0/1539900\",\"seq\":\"5\",\"commit_time\":"
			     "\"2026-12-05T02:35:10.902283Z\"}"));
		struct w2j_pos got;
		const uint8_t *t;
		size_t tn;
		test_cond("its position read back", wal2json_record_position(&r, &got, &t, &tn, &err) == 0 &&
			  got.lsn == 0x1539900 && got.seq == 5 && tn == 8 && !memcmp(t, "public.t", 8));
	}
	test_cond("commit", decode(&d, COMMIT) == W2J_NONE);
	test_cond("a change after the commit", decode(&d, CHANGE("I") ",\"columns\":[]" PK_ID) == -1 &&
		  strstr(err.msg, "outside a transaction"));
	test_cond("another table without --table", decode(&d, BEGIN) == W2J_NONE &&
		  decode(&d, "{\"action\":\"I\",\"timestamp\":\"2026-12-05 02:35:10+00\",\"lsn\":\"0/1\","
			 "\"schema\":\"public\",\"table\":\"u\",\"columns\":[]" PK_ID) == -1 &&
		  strstr(err.msg, "a change of table public.u, but the log holds table public.t"));
	wal2json_release(&d);

	/* composite keys, in the order of "pk" */
	wal2json_init(&d);
	snprintf(line, sizeof line, "%s", CHANGE("I") ",\"columns\":[{\"name\":\"x\",\"type\":\"integer\","
		 "\"value\":1},{\"name\":\"v\",\"type\":\"text\",\"value\":\"z\"},{\"name\":\"y\","
		 "\"type\":\"text\",\"value\":\"a\"}],\"pk\":[{\"name\":\"y\",\"type\":\"text\"},"
		 "{\"name\":\"x\",\"type\":\"integer\"}]}");
	test_cond("composite key", decode(&d, BEGIN) == W2J_NONE && decode(&d, line) == W2J_RECORDS &&
		  is(d.rec[0].key, d.rec[0].keylen, "{\"y\":\"a\",\"x\":1}") &&
		  is(d.rec[0].value, d.rec[0].valuelen, "{\"x\":1,\"v\":\"z\",\"y\":\"a\"}"));
	wal2json_release(&d);

	/* --table: other tables skipped */
	wal2json_init(&d);
	wal2json_set_table(&d, "public.other", 12, 1);
	test_cond("--table skips other tables", decode(&d, BEGIN) == W2J_NONE &&
		  decode(&d, CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
			 "\"value\":1}]" PK_ID) == W2J_NONE && decode(&d, CHANGE("T") "}") == W2J_NONE);
	wal2json_release(&d);
}

/* A change line (after a begin) is an error whose message has why. */
static int change_error(const char *line, const char *why)
{
	struct wal2json d;
	int ok;

	wal2json_init(&d);
	ok = decode(&d, BEGIN) == W2J_NONE && decode(&d, line) == -1 && strstr(err.msg, why);
	if (!ok)
		fprintf(stderr, "  \"%s\", expected \"%s\"\n", err.msg, why);
	wal2json_release(&d);
	return ok;
}

static void test_errors(void)
{
	struct wal2json d;

	test_cond("no pk", change_error("{\"action\":\"I\",\"timestamp\":\"2026-12-05 02:35:10+00\","
					"\"lsn\":\"0/1\",\"schema\":\"public\",\"table\":\"nopk\","
					"\"columns\":[{\"name\":\"a\",\"type\":\"integer\",\"value\":1}],"
					"\"pk\":[]}",
					"table public.nopk has no primary key: add one (ALTER TABLE ... "
					"ADD PRIMARY KEY), or leave it out with --table"));
	test_cond("no \"pk\" member", change_error(CHANGE("I") ",\"columns\":[]}",
						   "no \"pk\": give pg_recvlogical -o include-pk=1"));
	test_cond("no \"lsn\"", change_error("{\"action\":\"I\",\"timestamp\":\"2026-12-05 02:35:10+00\","
					     "\"schema\":\"public\",\"table\":\"t\",\"columns\":[]" PK_ID,
					     "no \"lsn\": give pg_recvlogical -o include-lsn=1"));
	test_cond("no \"timestamp\"", change_error("{\"action\":\"I\",\"lsn\":\"0/1\",\"schema\":\"public\","
						   "\"table\":\"t\",\"columns\":[]" PK_ID,
						   "no \"timestamp\": give pg_recvlogical "
						   "-o include-timestamp=1"));
	wal2json_init(&d);
	test_cond("begin without \"timestamp\"", decode(&d, "{\"action\":\"B\",\"lsn\":\"0/1\"}") == -1 &&
		  strstr(err.msg, "include-timestamp=1"));
	test_cond("begin with a bad lsn", decode(&d, "{\"action\":\"B\",\"timestamp\":\"2026-12-05 "
						 "02:35:10+00\",\"lsn\":\"01\"}") == -1 &&
		  strstr(err.msg, "is not an LSN"));
	test_cond("a failed begin opens no transaction", decode(&d, CHANGE("T") "}") == -1 &&
		  strstr(err.msg, "outside a transaction"));
	wal2json_release(&d);
	test_cond("update without identity", change_error(CHANGE("U") ",\"columns\":[{\"name\":\"id\","
							  "\"type\":\"bigint\",\"value\":1}]" PK_ID,
							  "without \"identity\""));
	test_cond("identity without the key", change_error(CHANGE("D") ",\"identity\":[{\"name\":\"u\","
							   "\"type\":\"integer\",\"value\":1}]" PK_ID,
							   "\"identity\" has no primary key column \"id\""));
	test_cond("columns without the key", change_error(CHANGE("I") ",\"columns\":[{\"name\":\"u\","
							  "\"type\":\"integer\",\"value\":1}]" PK_ID,
							  "\"columns\" has no primary key column \"id\""));
	test_cond("a column twice", change_error(CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":"
						 "\"bigint\",\"value\":1},{\"name\":\"id\",\"type\":"
						 "\"bigint\",\"value\":1}]" PK_ID,
						 "column \"id\" twice"));
	test_cond("a member twice", change_error(CHANGE("I") ",\"table\":\"t\",\"columns\":[]" PK_ID,
						 "\"table\" twice"));
	test_cond("not an object", change_error("[1]", "not a JSON object"));
	test_cond("bad JSON", change_error(CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
					   "\"value\":01}]" PK_ID, "columns[0]"));
	test_cond("truncated line", change_error(CHANGE("I") ",\"columns\":[", "columns"));
	test_cond("more after the object", change_error(CHANGE("T") "} {}", "more after the object"));
	test_cond("bad UTF-8", change_error(CHANGE("I") ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\","
					    "\"value\":1},{\"name\":\"v\",\"type\":\"text\",\"value\":"
					    "\"\xff\"}]" PK_ID, "columns[1]"));
	test_cond("action not known", change_error("{\"action\":\"Z\"}", "is not one of"));
	wal2json_init(&d);
	test_cond("a blank line is nothing", decode(&d, "  \t") == W2J_NONE);
	test_cond("a commit of another lsn", decode(&d, BEGIN) == W2J_NONE &&
		  decode(&d, "{\"action\":\"C\",\"timestamp\":\"2026-12-05 02:35:10+00\","
			 "\"lsn\":\"0/2\"}") == -1 && strstr(err.msg, "is not its begin's"));
	wal2json_release(&d);
}

static void test_lsn(void)
{
	uint64_t v;

	test_cond("lsn 16/B374D848", wal2json_lsn_parse((const uint8_t *)"16/B374D848", 11, &v) == 0 &&
		  v == 0x16B374D848ull);
	test_cond("lsn FFFFFFFF/FFFFFFFF", wal2json_lsn_parse((const uint8_t *)"FFFFFFFF/FFFFFFFF", 17,
							       &v) == 0 && v == UINT64_MAX);
	test_cond("lsn bad forms", wal2json_lsn_parse((const uint8_t *)"0/", 2, &v) < 0 &&
		  wal2json_lsn_parse((const uint8_t *)"/1", 2, &v) < 0 &&
		  wal2json_lsn_parse((const uint8_t *)"1", 1, &v) < 0 &&
		  wal2json_lsn_parse((const uint8_t *)"1/2/3", 5, &v) < 0 &&
		  wal2json_lsn_parse((const uint8_t *)"100000000/0", 11, &v) < 0);
	struct w2j_pos a = { 1, 5 }, b = { 2, 0 }, c = { 2, 1 };
	test_cond("positions by lsn, then seq", w2j_pos_cmp(&a, &b) < 0 && w2j_pos_cmp(&c, &b) > 0 &&
		  w2j_pos_cmp(&b, &b) == 0);
}

int main(void)
{
	test_types();
	test_changes();
	test_errors();
	test_lsn();
	return test_report("test_wal2json");
}
