/* test_stream.c - the record stream (lib/stream.c): sources from pipes,
 * files and a log, non-blocking reads of two inputs, records kept past the
 * next read, sinks to a descriptor and to a log, ends and errors.  The
 * expected records are the ones the test made, never read back through the
 * code under test. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envelope.h"
#include "item.h"
#include "stream.h"
#include "test.h"
#include "topic.h"

#define NREC 50

/* The records the tests write: value {"n": i} as CBOR, key "k<i%7>" (text),
 * ts 1000 + 10 i, headers {"h": "x"} on every third. */
static uint8_t keys[NREC][4], values[NREC][8];
static const uint8_t headers[] = { 0xa1, 0x61, 'h', 0x61, 'x' };
static struct record recs[NREC];

static void make_records(void)
{
	for (int i = 0; i < NREC; i++) {
		keys[i][0] = 0x62;
		keys[i][1] = 'k';
		keys[i][2] = (uint8_t)('0' + i % 7);
		values[i][0] = 0xa1;
		values[i][1] = 0x61;
		values[i][2] = 'n';
		values[i][3] = 0x18;	/* uint8 follows */
		values[i][4] = (uint8_t)i;
		recs[i] = (struct record){ .offset = (uint64_t)i, .ts = 1000 + 10 * i,
					   .key = keys[i], .keylen = 3,
					   .value = values[i], .valuelen = 5 };
		if (i < 24) {	/* a value of one head byte below 24 */
			values[i][3] = (uint8_t)i;
			recs[i].valuelen = 4;
		}
		if (i % 3 == 0) {
			recs[i].headers = headers;
			recs[i].headerslen = sizeof headers;
		}
	}
}

static int same(const struct record *a, const struct record *b)
{
	return a->offset == b->offset && a->ts == b->ts && a->keylen == b->keylen &&
	       !memcmp(a->key, b->key, a->keylen) && a->valuelen == b->valuelen &&
	       !memcmp(a->value, b->value, a->valuelen) && !a->headers == !b->headers &&
	       a->headerslen == b->headerslen &&
	       (!a->headers || !memcmp(a->headers, b->headers, a->headerslen));
}

/* The records [from, to) in format f, through an output sink, as bytes. */
static void encode(struct buf *out, enum output_format f, int from, int to, int header)
{
	char path[] = "/tmp/test_stream.XXXXXX";
	struct sink k;
	struct error err;
	int fd = mkstemp(path);
	struct stat st;

	if (fd < 0 || sink_open_output(&k, fd, f, NULL, &err) < 0)
		abort();
	if (!header)
		k.out.started = 1;	/* a stream continued: no header */
	for (int i = from; i < to; i++)
		if (sink_write(&k, &recs[i], &err) != OUTPUT_OK)
			abort();
	if (sink_finish(&k, &err) != OUTPUT_OK)
		abort();
	sink_close(&k);
	fstat(fd, &st);
	buf_reset(out);
	if (buf_grow(out, (size_t)st.st_size) < 0 ||
	    pread(fd, out->p, (size_t)st.st_size, 0) != st.st_size)
		abort();
	out->len = (size_t)st.st_size;
	close(fd);
	unlink(path);
}

static void put(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		abort();
}

/* Reads a whole source of a descriptor holding bytes b: each record equal
 * to recs[from + i]; returns how many, or -1 at an error. */
static int read_all(const struct buf *b, enum source_kind kind, int from, int *last_rc)
{
	int p[2], n = 0, rc;
	struct source s;
	struct record r;
	struct error err;

	if (pipe(p) < 0)
		abort();
	if (fork() == 0) {
		close(p[0]);
		put(p[1], b->p, b->len);
		_exit(0);
	}
	close(p[1]);
	source_open_fd(&s, p[0], "pipe", kind, NULL, NULL);
	while ((rc = source_next(&s, &r, &err)) == SOURCE_RECORD) {
		if (!same(&r, &recs[from + n]))
			break;
		n++;
	}
	*last_rc = rc;
	source_close(&s);
	close(p[0]);
	while (wait(NULL) > 0)
		;
	return n;
}

static void test_framed_and_json(void)
{
	struct buf b = BUF_INIT;
	int rc;

	encode(&b, OUT_FRAMED, 0, NREC, 1);
	test_cond("framed: every record, equal", read_all(&b, SOURCE_FRAMED, 0, &rc) == NREC);
	test_cond("framed: then the end", rc == SOURCE_END);
	test_cond("framed, detected: every record", read_all(&b, SOURCE_DETECT, 0, &rc) == NREC &&
		  rc == SOURCE_END);
	encode(&b, OUT_JSON, 0, NREC, 1);
	test_cond("JSON: the same records", read_all(&b, SOURCE_JSON, 0, &rc) == NREC);
	test_cond("JSON: then the end", rc == SOURCE_END);
	test_cond("JSON, detected: the same records", read_all(&b, SOURCE_DETECT, 0, &rc) == NREC &&
		  rc == SOURCE_END);

	/* ends and errors */
	buf_reset(&b);
	test_cond("empty input, detected: no record, the end",
		  read_all(&b, SOURCE_DETECT, 0, &rc) == 0 && rc == SOURCE_END);
	test_cond("empty input as framed: an error", read_all(&b, SOURCE_FRAMED, 0, &rc) == 0 &&
		  rc == SOURCE_ERROR);
	encode(&b, OUT_FRAMED, 0, 5, 1);
	b.len -= 2;
	test_cond("framed, cut inside record 5: four, then an error",
		  read_all(&b, SOURCE_FRAMED, 0, &rc) == 4 && rc == SOURCE_ERROR);
	encode(&b, OUT_JSON, 0, 3, 1);
	buf_add(&b, "{\"key\":null}\n", 13);	/* no value: bad, skipped */
	test_cond("JSON, an envelope without value: three, then a bad record",
		  read_all(&b, SOURCE_JSON, 0, &rc) == 3 && rc == SOURCE_BAD);
	encode(&b, OUT_JSON, 0, 3, 1);
	buf_add(&b, "{\"value\":", 9);
	test_cond("JSON cut inside a value: three, then an error",
		  read_all(&b, SOURCE_JSON, 0, &rc) == 3 && rc == SOURCE_ERROR);
	buf_release(&b);
}

/* After a bad record, the next call reads the one after it. */
static void test_bad_then_good(void)
{
	struct buf b = BUF_INIT, more = BUF_INIT;
	struct source s;
	struct record r;
	struct error err;
	int p[2], rc;

	encode(&b, OUT_JSON, 0, 1, 1);
	buf_add(&b, "{\"key\":1}\n", 10);
	encode(&more, OUT_JSON, 1, 2, 1);
	buf_add(&b, more.p, more.len);
	if (pipe(p) < 0)
		abort();
	put(p[1], b.p, b.len);
	close(p[1]);
	source_open_fd(&s, p[0], "stdin", SOURCE_DETECT, NULL, NULL);
	rc = source_next(&s, &r, &err);
	test_cond("bad then good: the first", rc == SOURCE_RECORD && same(&r, &recs[0]));
	rc = source_next(&s, &r, &err);
	test_cond("bad then good: the bad one, named", rc == SOURCE_BAD &&
		  strstr(err.msg, "stdin:2: envelope has no \"value\"") != NULL);
	rc = source_next(&s, &r, &err);
	test_cond("bad then good: the one after it", rc == SOURCE_RECORD && same(&r, &recs[1]));
	test_cond("bad then good: the end", source_next(&s, &r, &err) == SOURCE_END);
	source_close(&s);
	close(p[0]);
	buf_release(&b);
	buf_release(&more);
}

/* Two pipes read by one process, non-blocking: one stalls (even inside a
 * record) while the other flows; records kept past the next read. */
static void test_two_pipes(void)
{
	struct buf fb = BUF_INIT, jb = BUF_INIT;
	struct source a, b;
	struct source_options opt = { .nonblock = 1 };
	struct record r, kept;
	struct record *dup = NULL;
	struct buf store = BUF_INIT;
	struct error err;
	int pa[2], pb[2], rc, timeout, got_a = 0, got_b = 0, agains = 0, ok = 1;
	size_t sent_a = 0;

	encode(&fb, OUT_FRAMED, 0, NREC, 1);
	encode(&jb, OUT_JSON, 0, NREC, 1);
	if (pipe(pa) < 0 || pipe(pb) < 0)
		abort();
	source_open_fd(&a, pa[0], "a", SOURCE_DETECT, NULL, &opt);
	source_open_fd(&b, pb[0], "b", SOURCE_DETECT, NULL, &opt);
	test_cond("pollfd of a descriptor source: the descriptor",
		  source_pollfd(&a, &timeout) == pa[0] && timeout == -1);
	test_cond("nothing written: no record yet", source_next(&a, &r, &err) == SOURCE_AGAIN);
	test_cond("nothing written on b either", source_next(&b, &r, &err) == SOURCE_AGAIN);

	/* a gets its bytes 7 at a time (records and the header cut
	 * anywhere); b one line every third turn, so it stalls while a flows */
	const char *jp = (const char *)jb.p, *jend = jp + jb.len;
	for (int turn = 0; ok && (got_a < NREC || got_b < NREC) && turn < 100000; turn++) {
		if (sent_a < fb.len) {
			size_t k = fb.len - sent_a < 7 ? fb.len - sent_a : 7;
			put(pa[1], fb.p + sent_a, k);
			if ((sent_a += k) == fb.len)
				close(pa[1]);
		}
		while ((rc = source_next(&a, &r, &err)) == SOURCE_RECORD) {
			ok &= got_a < NREC && same(&r, &recs[got_a]);
			if (got_a == 10) {
				ok &= record_copy(&store, &r, &kept) == 0;
				dup = record_dup(&r);
			}
			got_a++;
		}
		ok &= rc == SOURCE_AGAIN || (rc == SOURCE_END && got_a == NREC);
		agains += rc == SOURCE_AGAIN;
		if (jp < jend && turn % 3 == 0) {
			const char *nl = memchr(jp, '\n', (size_t)(jend - jp));
			put(pb[1], jp, (size_t)(nl + 1 - jp));
			if ((jp = nl + 1) == jend)
				close(pb[1]);
		}
		while ((rc = source_next(&b, &r, &err)) == SOURCE_RECORD) {
			ok &= got_b < NREC && same(&r, &recs[got_b]);
			got_b++;
		}
		ok &= rc == SOURCE_AGAIN || (rc == SOURCE_END && got_b == NREC);
		agains += rc == SOURCE_AGAIN;
	}
	test_cond("two pipes: every record of each, in order, equal", ok && got_a == NREC &&
		  got_b == NREC);
	test_cond("two pipes: 'no record yet' in between", agains > 10);
	test_cond("a's detected kind: framed; b's: JSON",
		  source_kind(&a) == SOURCE_FRAMED && source_kind(&b) == SOURCE_JSON);
	test_cond("the end stays the end", source_next(&a, &r, &err) == SOURCE_END &&
		  source_next(&b, &r, &err) == SOURCE_END);
	test_cond("a record copied into a buffer outlives the reads after it",
		  same(&kept, &recs[10]));
	test_cond("a record duplicated outlives the reads after it", dup && same(dup, &recs[10]));
	free(dup);
	buf_release(&store);
	source_close(&a);
	source_close(&b);
	close(pa[0]);
	close(pb[0]);
	buf_release(&fb);
	buf_release(&jb);
}

/* A range over a descriptor: from an offset, to a time, a count. */
static void test_fd_range(void)
{
	struct buf b = BUF_INIT;
	struct replay_range range = REPLAY_RANGE_ALL;
	struct source s;
	struct record r;
	struct error err;
	int p[2], n = 0, ok = 1, rc;

	encode(&b, OUT_FRAMED, 0, NREC, 1);
	if (pipe(p) < 0)
		abort();
	put(p[1], b.p, b.len);
	close(p[1]);
	range.from = FROM_OFFSET;
	range.from_offset = 5;
	range.to = TO_TIME;
	range.to_time = 1000 + 10 * 30;	/* offset 30 ends it */
	source_open_fd(&s, p[0], "stdin", SOURCE_FRAMED, &range, NULL);
	while ((rc = source_next(&s, &r, &err)) == SOURCE_RECORD)
		ok &= same(&r, &recs[5 + n++]);
	test_cond("a range of a stream: offsets 5 to 29", ok && n == 25 && rc == SOURCE_END);
	source_close(&s);
	close(p[0]);
	buf_release(&b);
}

/* A log written through a log sink, read through a log source: a range,
 * and following it, non-blocking, while the sink appends. */
static void test_log(void)
{
	char dir[] = "/tmp/test_stream_log.XXXXXX";
	struct writer_options wopt = { 1, 1, SYNC_NEVER, WRITER_SEGMENT_BYTES_DEFAULT,
				       WRITER_SEGMENT_AGE_DEFAULT };
	struct sink_log_options lopt = { .max_record = 1 << 20, .batch_bytes = 1 << 20,
					 .batch_records = 8 };
	struct source_options fopt = { .nonblock = 1, .follow = 1 };
	struct replay_range range = REPLAY_RANGE_ALL;
	struct writer_recovery rec;
	struct writer w;
	struct sink k;
	struct source s;
	struct record r;
	struct error err;
	int n = 0, ok = 1, rc, timeout;

	if (!mkdtemp(dir))
		abort();
	test_cond("a missing log: an error", source_open_log(&s, "/nonexistent/log", NULL, NULL,
							     &err) < 0);
	source_close(&s);
	if (writer_open(&w, dir, &wopt, &rec, &err) < 0)
		abort();
	sink_open_log(&k, &w, &lopt);
	for (int i = 0; i < 30; i++)
		ok &= sink_write(&k, &recs[i], &err) == OUTPUT_OK;
	sink_mark(&k);
	ok &= sink_write(&k, &recs[30], &err) == OUTPUT_OK;
	sink_rollback(&k);	/* taken back: 30 gets offset 30 again below */
	ok &= sink_flush(&k, &err) == OUTPUT_OK;
	test_cond("log sink: 30 records in 4 batches", ok && k.records == 30 && k.batches == 4);

	range.from = FROM_OFFSET;
	range.from_offset = 3;
	range.to = TO_OFFSET;
	range.to_offset = 20;
	if (source_open_log(&s, dir, &range, NULL, &err) < 0)
		abort();
	while ((rc = source_next(&s, &r, &err)) == SOURCE_RECORD)
		ok &= same(&r, &recs[3 + n++]);
	test_cond("a range of a log: offsets 3 to 19", ok && n == 17 && rc == SOURCE_END);
	source_close(&s);

	/* logcat's ways: whole batches where they fit, items elsewhere */
	{
		const struct batch_header *h;
		const uint8_t *p, *item;
		size_t len, avail, itemlen;
		int batches = 0, items = 0, next = 3;

		range.to_offset = 28;
		if (source_open_log(&s, dir, &range, NULL, &err) < 0)
			abort();
		while ((rc = source_next_batch(&s, &h, &p, &len, &err)) != SOURCE_END) {
			struct record whole;
			if (rc == SOURCE_BATCH) {
				ok &= h->base == (uint64_t)next && h->count == 8;
				for (uint32_t i = 0; i < h->count; i++, next++) {
					ok &= record_decode(p, len, &whole, &itemlen, &err) == ITEM_OK &&
					      same(&whole, &recs[next]);
					p += itemlen;
					len -= itemlen;
				}
				ok &= len == 0;
				batches++;
				continue;
			}
			ok &= rc == SOURCE_RECORD;
			rc = source_next_item(&s, &r, &item, &avail, &err);
			if (rc == SOURCE_END)
				break;
			ok &= rc == SOURCE_RECORD && r.offset == (uint64_t)next &&
			      record_decode(item, avail, &whole, &itemlen, &err) == ITEM_OK &&
			      same(&whole, &recs[next]);
			source_item_done(&s, itemlen);
			next++;
			items++;
		}
		test_cond("offsets 3 to 27: two whole batches (8-23), the rest record by record",
			  ok && next == 28 && batches == 2 && items == 9);
		source_close(&s);
	}

	range = (struct replay_range)REPLAY_RANGE_ALL;
	range.from = FROM_LAST;
	range.last = 4;
	range.count = 2;
	n = 0;
	if (source_open_log(&s, dir, &range, NULL, &err) < 0)
		abort();
	while ((rc = source_next(&s, &r, &err)) == SOURCE_RECORD)
		ok &= same(&r, &recs[26 + n++]);
	test_cond("the last 4, at most 2: offsets 26, 27", ok && n == 2 && rc == SOURCE_END);
	source_close(&s);

	range = (struct replay_range)REPLAY_RANGE_ALL;
	range.from = FROM_TIME;
	range.from_time = 1000 + 10 * 25 - 5;
	n = 0;
	if (source_open_log(&s, dir, &range, &fopt, &err) < 0)
		abort();
	while ((rc = source_next(&s, &r, &err)) == SOURCE_RECORD)
		ok &= same(&r, &recs[25 + n++]);
	test_cond("following from a time: offsets 25 to 29, then no record yet",
		  ok && n == 5 && rc == SOURCE_AGAIN);
	test_cond("a follower polls the log's watch", source_pollfd(&s, &timeout) >= 0 ||
		  timeout == WATCH_POLL_MS);
	for (int i = 30; i < NREC; i++)
		ok &= sink_write(&k, &recs[i], &err) == OUTPUT_OK;
	ok &= sink_finish(&k, &err) == OUTPUT_OK;
	for (int tries = 0; n < NREC - 25 && tries < 100; tries++) {
		rc = source_next(&s, &r, &err);
		if (rc == SOURCE_RECORD)
			ok &= same(&r, &recs[25 + n++]);
		else if (rc != SOURCE_AGAIN)
			ok = 0;
	}
	test_cond("the follower gets what the sink appended", ok && n == NREC - 25);
	test_cond("and then no record yet", source_next(&s, &r, &err) == SOURCE_AGAIN);
	source_close(&s);
	sink_close(&k);
	writer_close(&w, &err);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			abort();
	}
}

/* Writes records [0, n) to a new log in dir, batch_records to a batch, with
 * segments of segment_bytes (each batch then rolls to a new one). */
static void write_log(const char *dir, int n, size_t batch_records, uint64_t segment_bytes)
{
	struct writer_options wopt = { 1, 1, SYNC_NEVER, segment_bytes, WRITER_SEGMENT_AGE_DEFAULT };
	struct sink_log_options lopt = { .max_record = 1 << 20, .batch_bytes = 1 << 20,
					 .batch_records = batch_records };
	struct writer_recovery rec;
	struct writer w;
	struct sink k;
	struct error err;
	int ok = 1;

	if (writer_open(&w, dir, &wopt, &rec, &err) < 0)
		abort();
	sink_open_log(&k, &w, &lopt);
	for (int i = 0; i < n; i++)
		ok &= sink_write(&k, &recs[i], &err) == OUTPUT_OK;
	ok &= sink_finish(&k, &err) == OUTPUT_OK;
	sink_close(&k);
	if (!ok || writer_close(&w, &err) < 0)
		abort();
}

/*
 * A reader that goes on in a compacted copy: records 0-4, 5-9 and 10-14
 * each in a segment of their own; after 0-4 are read, the first two
 * segments are replaced by one (as logcompact's merge leaves them) whose
 * one batch holds 0-14.  The reader lands in that batch at offset 5: the
 * records before it were given already and are not given again (the soak
 * found logcat's JSON path giving offset 0 a second time).
 */
static void test_log_merged_copy(void)
{
	char a[] = "/tmp/test_stream_merge.XXXXXX", b[64], cmd[256];
	static const char *const ext[] = { "log", "index", "timeindex" };
	struct source s;
	struct record r;
	struct error err;
	const uint8_t *item;
	size_t avail, itemlen;
	uint64_t got[32];
	int n = 0, rc, ok = 1;

	if (!mkdtemp(a))
		abort();
	snprintf(b, sizeof b, "%s/merged", a);
	snprintf(cmd, sizeof cmd, "%s/log", a);
	write_log(cmd, 15, 5, 64);
	write_log(b, 15, 15, 1 << 20);
	if (source_open_log(&s, cmd, NULL, NULL, &err) < 0)
		abort();
	while (n < 5 && (rc = source_next_item(&s, &r, &item, &avail, &err)) == SOURCE_RECORD) {
		ok &= record_decode(item, avail, &r, &itemlen, &err) == ITEM_OK;
		source_item_done(&s, itemlen);
		got[n++] = r.offset;
	}
	for (int i = 0; i < 3; i++) {
		char from[128], to[128], gone[128];
		snprintf(from, sizeof from, "%s/00000000000000000000.%s", b, ext[i]);
		snprintf(to, sizeof to, "%s/log/00000000000000000000.%s", a, ext[i]);
		snprintf(gone, sizeof gone, "%s/log/00000000000000000005.%s", a, ext[i]);
		if (rename(from, to) < 0 || unlink(gone) < 0)
			abort();
	}
	while (n < 32 && (rc = source_next_item(&s, &r, &item, &avail, &err)) == SOURCE_RECORD) {
		ok &= record_decode(item, avail, &r, &itemlen, &err) == ITEM_OK;
		source_item_done(&s, itemlen);
		got[n++] = r.offset;
	}
	for (int i = 0; i < n; i++)
		ok &= got[i] == (uint64_t)i;
	test_cond("a reader that goes on in a merged copy gives 0 to 14 once each, in order",
		  ok && n == 15 && rc == SOURCE_END);
	source_close(&s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", a);
	if (system(cmd) != 0)
		abort();
}

/* A descriptor source over the bytes p[0..n), written by a child process
 * (so that inputs larger than a pipe's buffer fit); end_bytes waits for it. */
static int child_fd(const void *p, size_t n)
{
	int fd[2];

	if (pipe(fd) < 0)
		abort();
	if (fork() == 0) {
		close(fd[0]);
		put(fd[1], p, n);
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

static void end_bytes(struct source *s, int fd)
{
	source_close(s);
	close(fd);
	while (wait(NULL) > 0)
		;
}

/* Whether r is a record of value v[0..n) (CBOR), a null key and no headers. */
static int value_is(const struct record *r, const char *v, size_t n)
{
	return r->valuelen == n && !memcmp(r->value, v, n) && r->keylen == 1 &&
	       r->key[0] == 0xf6 && !r->headers;
}

/* Lines: each a value, text or bytes, CR dropped; a line longer than the
 * window bad and skipped; the place of a record for messages. */
static void test_lines(void)
{
	static const char in[] = "a\r\nbc\n\xff\n\nlast";
	struct source_options opt = { .max_record = 16 };
	struct buf big = BUF_INIT;
	struct source s;
	struct record r;
	struct error err;
	int fd, rc;

	fd = child_fd(in, sizeof in - 1);
	source_open_fd(&s, fd, "in", SOURCE_LINES, NULL, &opt);
	test_cond("lines: CR dropped, a text value",
		  source_next(&s, &r, &err) == SOURCE_RECORD && value_is(&r, "\x61" "a", 2));
	test_cond("lines: the second", source_next(&s, &r, &err) == SOURCE_RECORD &&
		  value_is(&r, "\x62" "bc", 3));
	error_set(&err, "no time field 'ts'");
	source_error_at(&s, &err);
	test_cond("lines: a record's place is its line",
		  !strcmp(err.msg, "in:2: no time field 'ts'"));
	test_cond("lines: not UTF-8, a byte string", source_next(&s, &r, &err) == SOURCE_RECORD &&
		  value_is(&r, "\x41\xff", 2));
	test_cond("lines: an empty line, an empty text", source_next(&s, &r, &err) == SOURCE_RECORD &&
		  value_is(&r, "\x60", 1));
	test_cond("lines: the last, without a newline",
		  source_next(&s, &r, &err) == SOURCE_RECORD && value_is(&r, "\x64" "last", 5));
	test_cond("lines: then the end; lines stand alone",
		  source_next(&s, &r, &err) == SOURCE_END && !source_grouped(&s));
	end_bytes(&s, fd);

	/* the window: max_record + 64 KiB */
	buf_add(&big, "x\n", 2);
	if (buf_grow(&big, 200000) < 0)	/* more than the window holds */
		abort();
	memset(big.p + big.len, 'y', 200000);
	big.len += 200000;
	buf_add(&big, "\nz\n", 3);
	fd = child_fd(big.p, big.len);
	source_open_fd(&s, fd, "in", SOURCE_LINES, NULL, &opt);
	rc = source_next(&s, &r, &err);
	test_cond("a long line: the one before it", rc == SOURCE_RECORD && value_is(&r, "\x61x", 2));
	rc = source_next(&s, &r, &err);
	test_cond("a line longer than the window: bad, named",
		  rc == SOURCE_BAD && !strcmp(err.msg, "in:2: line longer than 65552 bytes "
					      "(--max-record-size) (byte 2)"));
	rc = source_next(&s, &r, &err);
	test_cond("and skipped: the line after it", rc == SOURCE_RECORD && value_is(&r, "\x61z", 2));
	test_cond("then the end", source_next(&s, &r, &err) == SOURCE_END);
	end_bytes(&s, fd);
	buf_release(&big);
}

/* JSON values that are not envelopes; bad values, skipped with their line
 * (resync) or the end; the groups of values on one line. */
static void test_json_values(void)
{
	static const char in[] = "{\"a\":1} 2\n[3] {bad 4\n\"x\"\n";
	struct source_options opt = { .values = 1, .resync = 1 };
	struct source s;
	struct record r;
	struct error err;
	int fd, rc, ok;

	fd = child_fd(in, sizeof in - 1);
	source_open_fd(&s, fd, "in", SOURCE_DETECT, NULL, &opt);
	rc = source_next(&s, &r, &err);
	test_cond("JSON values: an object is a value, not an envelope",
		  rc == SOURCE_RECORD && value_is(&r, "\xa1\x61" "a\x01", 4) &&
		  source_kind(&s) == SOURCE_JSON && source_grouped(&s) && source_line_start(&s));
	rc = source_next(&s, &r, &err);
	test_cond("JSON values: a number, on the same line", rc == SOURCE_RECORD &&
		  value_is(&r, "\x02", 1) && !source_line_start(&s));
	error_set(&err, "no time field 'ts'");
	source_error_at(&s, &err);
	test_cond("JSON values: a value's place is its line and end",
		  !strcmp(err.msg, "in:1: no time field 'ts' (byte 9)"));
	rc = source_next(&s, &r, &err);
	test_cond("JSON values: an array starts line 2", rc == SOURCE_RECORD &&
		  value_is(&r, "\x81\x03", 2) && source_line_start(&s));
	rc = source_next(&s, &r, &err);
	test_cond("JSON values: a bad one on the same line, named, SOURCE_BAD",
		  rc == SOURCE_BAD && !source_line_start(&s) &&
		  !strncmp(err.msg, "in:2: invalid JSON: ", 20));
	rc = source_next(&s, &r, &err);
	test_cond("JSON values: the rest of its line skipped, the next line a group",
		  rc == SOURCE_RECORD && value_is(&r, "\x61x", 2) && source_line_start(&s));
	test_cond("JSON values: the end", source_next(&s, &r, &err) == SOURCE_END);
	end_bytes(&s, fd);

	opt.resync = 0;
	fd = child_fd(in, sizeof in - 1);
	source_open_fd(&s, fd, "in", SOURCE_JSON, NULL, &opt);
	for (ok = 0; (rc = source_next(&s, &r, &err)) == SOURCE_RECORD; ok++)
		;
	test_cond("JSON values without resync: a bad one is an error", ok == 3 &&
		  rc == SOURCE_ERROR);
	end_bytes(&s, fd);
}

/* Envelopes: an unknown member warned of once, with its line. */
static void test_envelope_warning(void)
{
	static const char in[] = "{\"value\":1,\"x\":2}\n{\"value\":2,\"y\":3}\n";
	struct source s;
	struct record r;
	struct error err;
	int fd, rc;

	fd = child_fd(in, sizeof in - 1);
	source_open_fd(&s, fd, "in", SOURCE_JSON, NULL, NULL);
	rc = source_next(&s, &r, &err);
	test_cond("an unknown envelope member: the record, and a warning naming it",
		  rc == SOURCE_RECORD && value_is(&r, "\x01", 1) && source_warning(&s) &&
		  !strcmp(source_warning(&s), "in:1: envelope member \"x\" is not known: ignored "
			  "(this and any other unknown member, reported once)"));
	rc = source_next(&s, &r, &err);
	test_cond("another unknown member: no warning", rc == SOURCE_RECORD && !source_warning(&s));
	end_bytes(&s, fd);
}

/* The envelope written from a record and from its item: the same line. */
static void test_envelope(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, item = BUF_INIT;
	struct error err;
	size_t len;
	int ok = 1;

	for (int i = 0; i < NREC; i++) {
		buf_reset(&a);
		buf_reset(&b);
		buf_reset(&item);
		ok &= record_encode(&item, &recs[i]) == 0 && envelope_encode(&a, &recs[i], &err) == 0 &&
		      envelope_encode_item(&b, item.p, item.len, &len, &err) == 0 && len == item.len &&
		      a.len == b.len && !memcmp(a.p, b.p, a.len);
	}
	buf_reset(&a);
	buf_cstr(&b);
	test_cond("envelope from a record and from its item: equal", ok);
	buf_reset(&b);
	ok = envelope_encode(&b, &recs[3], &err) == 0 && buf_cstr(&b) &&
	     !strcmp((char *)b.p, "{\"offset\":3,\"ts\":1030,\"key\":\"k3\",\"value\":{\"n\":3},"
		     "\"headers\":{\"h\":\"x\"}}\n");
	test_cond("envelope of record 3, as logcat --json writes it", ok);
	test_cond("a truncated item: an error, nothing written",
		  envelope_encode_item(&a, item.p, item.len - 1, &len, &err) < 0 && a.len == 0);
	buf_release(&a);
	buf_release(&b);
	buf_release(&item);
}

/* --- a topic's partitions merged (topicsource.h) -------------------------- */

/* Appends records recs[from..to) to partition p of the topic t, with the
 * timestamps ts[]. */
static void append_part(struct topic *t, uint32_t p, int from, int to, const int64_t *ts)
{
	struct writer_options wopt = { 1, 1, SYNC_NEVER, WRITER_SEGMENT_BYTES_DEFAULT,
				       WRITER_SEGMENT_AGE_DEFAULT };
	struct sink_log_options lopt = { .max_record = 1 << 20, .batch_bytes = 1 << 20,
					 .batch_records = 2 };
	struct writer_recovery rec;
	struct writer w;
	struct sink k;
	struct error err;
	char dir[512];

	if (writer_open(&w, topic_partition_path(t, p, dir, sizeof dir), &wopt, &rec, &err) < 0)
		abort();
	sink_open_log(&k, &w, &lopt);
	for (int i = from; i < to; i++) {
		struct record r = recs[i];
		r.ts = ts[i - from];
		if (sink_write(&k, &r, &err) != OUTPUT_OK)
			abort();
	}
	if (sink_finish(&k, &err) != OUTPUT_OK)
		abort();
	sink_close(&k);
	writer_close(&w, &err);
}

/* Reads s to its end or first SOURCE_AGAIN: "p:offset:value's n" per
 * record into out; returns the last answer. */
static int read_merged(struct source *s, char *out, size_t outsz, int items)
{
	struct record r, whole;
	struct error err;
	size_t at = 0, len;
	const uint8_t *item;
	int rc;

	out[0] = 0;
	for (;;) {
		if (items) {
			rc = source_next_item(s, &r, &item, &len, &err);
			if (rc == SOURCE_RECORD) {
				if (record_decode(item, len, &whole, &len, &err) != ITEM_OK)
					return SOURCE_ERROR;
				source_item_done(s, len);
				whole.has_partition = r.has_partition;
				whole.partition = r.partition;
				r = whole;
			}
		} else {
			rc = source_next(s, &r, &err);
		}
		if (rc != SOURCE_RECORD)
			return rc;
		at += (size_t)snprintf(out + at, outsz - at, "%s%u:%llu:%u", at ? " " : "",
				       r.has_partition ? r.partition : 99u,
				       (unsigned long long)r.offset, r.value[r.valuelen - 1]);
	}
}

static void test_topic_source(void)
{
	char dir[] = "/tmp/test_stream_topic.XXXXXX", got[1024];
	/* ties at 10 across partitions; 1 holds times out of order */
	static const int64_t ts0[] = { 10, 20, 30 }, ts1[] = { 10, 40, 5 }, ts2[] = { 10, 15 };
	struct source_options fopt = { .nonblock = 1, .follow = 1 }, popt = { .partitions = "2,0" };
	struct source_options mopt = { .member = 1, .members = 2 };
	struct replay_range range = REPLAY_RANGE_ALL;
	struct topic t;
	struct source s;
	struct error err;
	int timeout, rc;

	if (!mkdtemp(dir) || rmdir(dir) < 0 || topic_create(&t, dir, 3, &err) < 0)
		abort();
	append_part(&t, 0, 0, 3, ts0);
	append_part(&t, 1, 3, 6, ts1);
	append_part(&t, 2, 6, 8, ts2);

	/* recs[i]'s value ends in i: p:offset:i */
	test_cond("topic: opened as one source", source_open_log(&s, dir, NULL, NULL, &err) == 0 &&
		  s.kind == SOURCE_TOPIC && source_parts(&s) == 3);
	rc = read_merged(&s, got, sizeof got, 0);
	test_cond("topic: merged greedily by time, ties to the lower partition",
		  rc == SOURCE_END && !strcmp(got, "0:0:0 1:0:3 2:0:6 2:1:7 0:1:1 0:2:2 1:1:4 1:2:5"));
	source_close(&s);
	source_open_log(&s, dir, NULL, NULL, &err);
	rc = read_merged(&s, got, sizeof got, 1);
	test_cond("topic: the same through source_next_item",
		  rc == SOURCE_END && !strcmp(got, "0:0:0 1:0:3 2:0:6 2:1:7 0:1:1 0:2:2 1:1:4 1:2:5"));
	source_close(&s);

	range.from = FROM_OFFSET;
	range.from_offset = 1;
	range.count = 4;
	source_open_log(&s, dir, &range, &popt, &err);
	rc = read_merged(&s, got, sizeof got, 0);
	test_cond("topic: partitions 2 and 0 from offset 1 in each, 4 merged at most",
		  source_parts(&s) == 2 && source_part_number(&s, 0) == 0 &&
		  source_part_number(&s, 1) == 2 && rc == SOURCE_END &&
		  !strcmp(got, "2:1:7 0:1:1 0:2:2"));
	source_close(&s);
	range = (struct replay_range)REPLAY_RANGE_ALL;
	range.from = FROM_LAST;
	range.last = 1;
	source_open_log(&s, dir, &range, &mopt, &err);
	rc = read_merged(&s, got, sizeof got, 0);
	test_cond("topic: member 1/2 has partition 1; its last record",
		  source_parts(&s) == 1 && rc == SOURCE_END && !strcmp(got, "1:2:5"));
	source_close(&s);
	popt.partitions = "3";
	test_cond("topic: a partition it does not have", source_open_log(&s, dir, NULL, &popt, &err) < 0 &&
		  strstr(err.msg, "partition 3 is out of range"));
	source_close(&s);

	/* following: all caught up, then a record in partition 2 */
	source_open_log(&s, dir, NULL, &fopt, &err);
	rc = read_merged(&s, got, sizeof got, 0);
	test_cond("topic follower: all, then no record yet", rc == SOURCE_AGAIN &&
		  !strcmp(got, "0:0:0 1:0:3 2:0:6 2:1:7 0:1:1 0:2:2 1:1:4 1:2:5"));
	test_cond("topic follower: one descriptor to poll", source_pollfd(&s, &timeout) >= 0 ||
		  timeout == WATCH_POLL_MS);
	append_part(&t, 2, 8, 9, ts2);
	got[0] = 0;
	for (int tries = 0; !got[0] && tries < 100; tries++) {
		rc = read_merged(&s, got, sizeof got, 0);
		if (!got[0])
			usleep(10000);
	}
	test_cond("topic follower: the record appended to partition 2",
		  rc == SOURCE_AGAIN && !strcmp(got, "2:2:8"));
	source_close(&s);
	topic_close(&t);
	if (system("rm -rf /tmp/test_stream_topic.*") != 0)
		abort();
}

int main(void)
{
	make_records();
	test_framed_and_json();
	test_bad_then_good();
	test_envelope();
	test_two_pipes();
	test_fd_range();
	test_lines();
	test_json_values();
	test_envelope_warning();
	test_log();
	test_log_merged_copy();
	test_topic_source();
	return test_report("test_stream");
}
