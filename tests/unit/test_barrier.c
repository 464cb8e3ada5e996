/*
 * test_barrier.c - the framed stream's control items (lib/barrier.c):
 * decoding items written by an independent encoder (Python's cbor2, the
 * hex below), canonical re-encoding, round trips, and every rejection.
 */
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "barrier.h"
#include "framed.h"
#include "stream.h"
#include "test.h"

/* cbor2.dumps(["logtools/barrier", 1, {"source": {"kind": "log", "path":
 * "/tmp/ev"}, "positions": {0: 42}, "seq": 3, "time": 1700000000000,
 * "end": False, "states": [["logwindow", b"\1\2\3"]]}]) */
static const char hex_barrier[] =
	"83706c6f67746f6f6c732f6261727269657201a666736f75726365a2646b696e64636c6f67"
	"6470617468672f746d702f657669706f736974696f6e73a100182a63736571036474696d65"
	"1b0000018bcfe5680063656e64f4667374617465738182696c6f6777696e646f7743010203";
/* cbor2.dumps(["logtools/restore", 1, {"source": {"kind": "kafka",
 * "brokers": "k:9092", "topic": "t", "group": "g"}, "positions": {0: 5, 3:
 * 1 << 40}, "seq": 0, "time": -5, "end": False, "states": []}]) */
static const char hex_restore[] =
	"83706c6f67746f6f6c732f726573746f726501a666736f75726365a4646b696e64656b6166"
	"6b616762726f6b657273666b3a3930393265746f70696361746567726f7570616769706f73"
	"6974696f6e73a20005031b000001000000000063736571006474696d652463656e64f46673"
	"746174657380";

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		out[n++] = (uint8_t)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
	return n;
}

/* Decoding of p[0..n) fails with a message containing want. */
static int refused(const uint8_t *p, size_t n, const char *want)
{
	struct barrier b;
	struct error err = { "" };
	int rc = barrier_decode(&b, p, n, &err);

	if (rc == 0) {
		barrier_free(&b);
		fprintf(stderr, "  accepted, expected '%s'\n", want);
		return 0;
	}
	if (!strstr(err.msg, want)) {
		fprintf(stderr, "  message '%s', expected '%s'\n", err.msg, want);
		return 0;
	}
	return b.states == NULL && b.pos == NULL && b.path == NULL;
}

/* The reference barrier with the bytes [at, at + len) replaced by rep. */
static size_t patch(uint8_t *out, const char *hex, const char *old, const char *rep)
{
	char buf[1024];
	const char *at = strstr(hex, old);

	if (!at)
		return 0;
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - hex), hex, rep, at + strlen(old));
	return unhex(buf, out);
}

static void test_decode(void)
{
	uint8_t p[512];
	size_t n = unhex(hex_barrier, p);
	struct barrier b;
	struct error err;
	struct buf out = BUF_INIT;

	test_cond("detect a barrier", barrier_detect(p, n) == BARRIER_BARRIER);
	test_cond("detect needs the tag's bytes", barrier_detect(p, 17) == 0);
	test_cond("decode cbor2's barrier", barrier_decode(&b, p, n, &err) == 0);
	test_cond("kind", b.kind == BARRIER_BARRIER);
	test_cond("source", strcmp(b.source_kind, "log") == 0 && strcmp(b.path, "/tmp/ev") == 0);
	test_cond("positions", b.npos == 1 && b.pos[0].partition == 0 && b.pos[0].next == 42);
	test_cond("seq, time, end", b.seq == 3 && b.time == 1700000000000 && !b.end);
	test_cond("states", b.nstates == 1 && strcmp(b.states[0].name, "logwindow") == 0 &&
		  b.states[0].len == 3 && memcmp(b.states[0].bytes, "\1\2\3", 3) == 0);
	test_cond("encode gives cbor2's bytes", barrier_encode(&out, &b) == 0 && out.len == n &&
		  memcmp(out.p, p, n) == 0);
	buf_reset(&out);
	test_cond("encode_body is the item's third element",
		  barrier_encode_body(&out, &b) == 0 && out.len == n - 19 &&
		  memcmp(out.p, p + 19, n - 19) == 0);
	barrier_free(&b);
	test_cond("decode_body", barrier_decode_body(&b, out.p, out.len, &err) == 0 &&
		  b.kind == BARRIER_BARRIER && b.seq == 3 && b.nstates == 1);
	barrier_free(&b);

	n = unhex(hex_restore, p);
	test_cond("detect a restore", barrier_detect(p, n) == BARRIER_RESTORE);
	test_cond("decode cbor2's restore", barrier_decode(&b, p, n, &err) == 0);
	test_cond("kafka source", strcmp(b.source_kind, "kafka") == 0 &&
		  strcmp(b.brokers, "k:9092") == 0 && strcmp(b.topic, "t") == 0 &&
		  strcmp(b.group, "g") == 0 && b.path == NULL);
	test_cond("two partitions", b.npos == 2 && b.pos[1].partition == 3 &&
		  b.pos[1].next == (uint64_t)1 << 40);
	test_cond("negative time, no states", b.time == -5 && b.nstates == 0 && b.seq == 0);
	buf_reset(&out);
	test_cond("restore re-encoded", barrier_encode(&out, &b) == 0 && out.len == n &&
		  memcmp(out.p, p, n) == 0);
	barrier_free(&b);
	buf_release(&out);
}

static void test_states(void)
{
	struct barrier b = { 0 }, d;
	struct barrier_state st;
	struct error err;
	struct buf out = BUF_INIT;
	struct barrier_position pos[3] = { { 0, 7 }, { 2, 0 }, { 99999, UINT64_MAX } };

	b.kind = BARRIER_RESTORE;
	b.source_kind = "topic";
	b.path = "/data/clicks";
	b.pos = pos;
	b.npos = 3;
	b.time = INT64_MIN;
	test_cond("push logwindow", barrier_push_state(&b, "logwindow", (const uint8_t *)"ab", 2,
							&err) == 0);
	test_cond("push logjoin, empty", barrier_push_state(&b, "logjoin", NULL, 0, &err) == 0);
	test_cond("encode", barrier_encode(&out, &b) == 0);
	for (size_t i = 0; i < b.nstates; i++) {
		free(b.states[i].name);
		free(b.states[i].bytes);
	}
	free(b.states);
	test_cond("round trip", barrier_decode(&d, out.p, out.len, &err) == 0 &&
		  d.npos == 3 && d.pos[2].partition == 99999 && d.pos[2].next == UINT64_MAX &&
		  d.time == INT64_MIN && d.nstates == 2 && d.states[1].len == 0);
	test_cond("take: another processor's", barrier_take_state(&d, "logjoin", &st, &err) < 0 &&
		  strstr(err.msg, "logwindow's, not logjoin's"));
	test_cond("take logwindow", barrier_take_state(&d, "logwindow", &st, &err) == 1 &&
		  st.len == 2 && memcmp(st.bytes, "ab", 2) == 0 && d.nstates == 1);
	free(st.name);
	free(st.bytes);
	test_cond("take logjoin", barrier_take_state(&d, "logjoin", &st, &err) == 1 && st.len == 0);
	free(st.name);
	free(st.bytes);
	test_cond("none left", barrier_take_state(&d, "logjoin", &st, &err) == 0);
	for (int i = 0; i < BARRIER_MAX_STATES; i++)
		barrier_push_state(&d, "x", NULL, 0, &err);
	test_cond("at most BARRIER_MAX_STATES",
		  barrier_push_state(&d, "x", NULL, 0, &err) < 0 && d.nstates == BARRIER_MAX_STATES);
	barrier_free(&d);
	buf_release(&out);
}

static void test_rejections(void)
{
	uint8_t p[600];
	size_t n = unhex(hex_barrier, p);
	struct { const char *old, *rep, *want; } t[] = {
		{ "01a6", "02a6", "version 2 is newer" },
		{ "01a6", "00a6", "version 0" },
		{ "01a6", "1801a6", "shortest form" },
		{ "83706c", "84706c", "an array of 4" },
		{ "a666736f", "a566736f", "a map of 5" },
		{ "a666736f", "bf66736f", "expected a map" },
		{ "66736f75726365", "66736f75726366", "expected the key \"source\"" },
		{ "636c6f67", "63626f67", "source kind 'bog'" },
		{ "672f746d702f6576", "6774746d702f6576", "not absolute" },
		{ "672f746d702f6576", "672f746d70006576", "NUL" },
		{ "672f746d702f6576", "672f746d70ff6576", "UTF-8" },
		{ "672f746d702f6576", "60", "empty" },
		{ "a100182a", "a101182a", "partition 1 of a log" },
		{ "a100182a", "a100382a", "expected an unsigned integer" },
		{ "a100182a", "a10000182a", "a key: expected a text string" },
		{ "63736571036474", "63736571006474", "seq is 0" },
		{ "1b0000018bcfe56800", "fb0000018bcfe56800", "time: not an integer" },
		{ "1b0000018bcfe56800", "1b000000000000000a", "time: not an integer in its shortest" },
		{ "63656e64f4", "63656e64f6", "end: not true or false" },
		{ "8182696c", "8183696c", "an array of 3, not of [name, bytes]" },
		{ "43010203", "63010203", "expected a byte string" },
		{ "696c6f6777696e646f77", "60", "empty" },
		{ "43010203", "4301020300", "1 bytes after the item" },
		{ "43010203", "430102", "ends too soon" },
		{ "8182696c", "9f82696c", "expected an array" },
		{ "a2646b69", "a3646b69", "3 entries, not 2" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t m = patch(p, hex_barrier, t[i].old, t[i].rep);
		char what[128];
		snprintf(what, sizeof what, "refused: %s", t[i].want);
		test_cond(what, m > 0 && refused(p, m, t[i].want));
	}
	n = unhex(hex_barrier, p);
	for (size_t k = 0; k < n; k++)
		test_cond("every truncation refused", refused(p, k, "barrier"));

	/* positions: twice, out of order, too large */
	n = patch(p, hex_barrier, "a100182a", "a200010002");
	test_cond("partition 0 twice", refused(p, n, "partition 0 twice"));
	{
		char hex[1024], h2[1024];
		snprintf(h2, sizeof h2, "%s", hex_barrier);
		/* kind topic, then positions {3: 0, 1: 0} and {100000: 0} */
		char *k = strstr(h2, "636c6f67");
		snprintf(hex, sizeof hex, "%.*s65746f706963%s", (int)(k - h2), h2, k + 8);
		n = patch(p, hex, "a100182a", "a203000100");
		test_cond("positions out of order", refused(p, n, "not in increasing order"));
		n = patch(p, hex, "a100182a", "a11a000186a000");
		test_cond("partition too large", refused(p, n, "partition 100000, at most"));
		n = patch(p, hex, "a100182a", "ba0001869f");
		test_cond("too many partitions for the bytes", refused(p, n, "ends too soon"));
		n = patch(p, hex, "a100182a", "ba000186a1");
		test_cond("too many partitions", refused(p, n, "more than 100000"));
		n = patch(p, hex, "a100182a", "a203000300");
		test_cond("topic partition 3 twice", refused(p, n, "partition 3 twice"));
		n = patch(p, hex, "a100182a", "a20100030a");
		test_cond("a topic's two partitions", n > 0 && ({
			struct barrier b; struct error e;
			int ok = barrier_decode(&b, p, n, &e) == 0 && b.npos == 2 &&
				 b.pos[1].partition == 3 && b.pos[1].next == 10;
			if (ok) barrier_free(&b);
			ok; }));
	}
	n = patch(p, hex_barrier, "8182696c", "9841" "82696c");
	test_cond("more than 64 states", refused(p, n, "more than 64"));
	/* a restore with end true; a barrier with a restore's tag and seq 3 */
	n = patch(p, hex_barrier, "6261727269657201", "726573746f726501");
	test_cond("a restore's seq must be 0", refused(p, n, "restore's seq is 3"));
	test_cond("not a control item", barrier_detect((const uint8_t *)"\x84\x00", 2) == 0);
}

/* A framed stream through a descriptor source, with controls returned
 * (controls set) or skipped and counted: the answers as letters, R a
 * record, C a control, B a bad record, E the end, X an error. */
static void through_source(const uint8_t *p, size_t n, int controls, char *out, uint64_t *skipped)
{
	struct source_options opt = { .controls = controls };
	struct source s;
	struct record r;
	struct error err;
	int fd[2], rc;
	size_t k = 0;

	if (pipe(fd) < 0 || write(fd[1], p, n) != (ssize_t)n)
		abort();
	close(fd[1]);
	source_open_fd(&s, fd[0], "test", SOURCE_DETECT, NULL, &opt);
	do {
		rc = source_next(&s, &r, &err);
		out[k++] = rc == SOURCE_RECORD ? 'R' : rc == SOURCE_CONTROL ? 'C' :
			   rc == SOURCE_BAD ? 'B' : rc == SOURCE_END ? 'E' : 'X';
		if (rc == SOURCE_CONTROL && barrier_detect(s.control, s.control_len) == 0)
			out[k - 1] = '?';
	} while (rc != SOURCE_END && rc != SOURCE_ERROR && k < 15);
	out[k] = 0;
	*skipped = s.controls_skipped;
	source_close(&s);
	close(fd[0]);
}

static void test_framed(void)
{
	uint8_t p[1024], item[512];
	size_t n = 0, m = unhex(hex_barrier, item);
	char got[16];
	uint64_t skipped;

	memcpy(p, framed_header, FRAMED_HEADER_LEN);
	n = FRAMED_HEADER_LEN;
	n += unhex("84000af601", p + n);	/* [0, 10, null, 1] */
	memcpy(p + n, item, m);
	n += m;
	n += unhex("84010bf602", p + n);
	n += unhex("83706c6f67746f6f6c732f62617272696572010a", p + n);	/* body 10: framed does not decode */
	n += unhex("8301020f", p + n);		/* an array of 3 that is not one */
	n += unhex("84020cf603", p + n);
	through_source(p, n, 1, got, &skipped);
	test_cond("controls returned", strcmp(got, "RCRCBRE") == 0 && skipped == 0);
	through_source(p, n, 0, got, &skipped);
	test_cond("controls skipped and counted", strcmp(got, "RRBRE") == 0 && skipped == 2);
	/* a control item cut short at the end; not well-formed */
	n -= 5 + 4;
	n += unhex("83706c6f67746f6f6c", p + n);
	through_source(p, n, 1, got, &skipped);
	test_cond("a stream ending inside a control", strcmp(got, "RCRCX") == 0);
	n -= 9;
	n += unhex("83706c6f67746f6f6c732f626172726965720181ff", p + n);
	through_source(p, n, 1, got, &skipped);
	test_cond("a control not well-formed", strcmp(got, "RCRCX") == 0);
}

int main(void)
{
	test_framed();
	test_decode();
	test_states();
	test_rejections();
	return test_report("test_barrier");
}
