/*
 * test_checkpoint.c - checkpoints in a log (lib/checkpoint.c, the flag in
 * lib/batch.c, the cursor's and reader's skipping of the checkpoint record):
 * checkpoint_split on good and bad payloads, checkpoint_last over segments,
 * a torn tail and a missing log, the flag byte's bits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cursor.h"
#include "reader.h"
#include "test.h"
#include "writer.h"

/* A BODY map stand-in: {"seq": n} (checkpoint.c checks a map only). */
static size_t body(uint8_t *out, uint8_t n)
{
	memcpy(out, "\xa1\x63seq", 5);
	out[5] = n;	/* n < 24 */
	return 6;
}

static struct record rec(int64_t ts, const char *v, uint8_t *store)
{
	struct record r = { 0 };
	size_t n = strlen(v);

	store[0] = (uint8_t)(0x60 | n);
	memcpy(store + 1, v, n);
	r.ts = ts;
	r.key = record_null;
	r.keylen = 1;
	r.value = store;
	r.valuelen = n + 1;
	return r;
}

/* Builds a batch of nrec records from offset base, flagged with a
 * checkpoint whose seq is ck when ck > 0. */
static void build(struct batch_builder *bb, uint64_t base, int nrec, uint8_t ck)
{
	uint8_t v[32], b[8];
	int i;

	batch_builder_reset(bb);
	for (i = 0; i < nrec; i++) {
		struct record r = rec(1000 + i, "abc", v);
		batch_builder_add(bb, &r, base + (uint64_t)i);
	}
	if (ck)
		batch_builder_add_checkpoint(bb, 5000, b, body(b, ck), base + (uint64_t)nrec);
	batch_builder_finish(bb);
}

static void split(void)
{
	struct batch_builder bb;
	struct batch_header h;
	size_t before;
	uint8_t *p, bad[64];
	size_t n;

	batch_builder_init(&bb);
	build(&bb, 10, 2, 7);
	test_cond("flagged header parses", batch_header_parse(bb.b.p, bb.b.len, &h, NULL) == BATCH_OK &&
		  batch_has_checkpoint(&h) && h.count == 3 && h.last_delta == 2);
	test_cond("its timestamps are the records'", h.min_ts == 1000 && h.max_ts == 1001);
	p = bb.b.p + BATCH_HEADER_LEN;
	n = bb.b.len - BATCH_HEADER_LEN;
	test_cond("split", checkpoint_split(p, n, &before, NULL) == 0);
	/* each record [o, 1000+i, null, "abc"]: 1 + 1 + 3 + 1 + 4 = 10 bytes */
	test_cond("before is the records' bytes", before == 20);
	test_cond("the checkpoint record is [12, 5000, null, BODY, null]",
		  !memcmp(p + before, "\x85\x0c\x19\x13\x88\xf6\xa1\x63seq\x07\xf6", 13) &&
		  n - before == 13);

	/* a batch holding only a checkpoint */
	build(&bb, 3, 0, 1);
	test_cond("checkpoint alone", batch_header_parse(bb.b.p, bb.b.len, &h, NULL) == BATCH_OK &&
		  h.count == 1 && h.min_ts == INT64_MIN && h.max_ts == INT64_MIN &&
		  checkpoint_split(bb.b.p + BATCH_HEADER_LEN, bb.b.len - BATCH_HEADER_LEN, &before,
				   NULL) == 0 && before == 0);

	/* bad ones */
	build(&bb, 10, 2, 0);
	test_cond("no checkpoint record: refused",
		  checkpoint_split(bb.b.p + BATCH_HEADER_LEN, bb.b.len - BATCH_HEADER_LEN, &before,
				   NULL) < 0);
	test_cond("empty: refused", checkpoint_split(bad, 0, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x00\xf6\xa0\xa0", 6);
	test_cond("headers not null: refused", checkpoint_split(bad, 6, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x00\x00\xa0\xf6", 6);
	test_cond("key not null: refused", checkpoint_split(bad, 6, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x00\xf6\x80\xf6", 6);
	test_cond("value not a map: refused", checkpoint_split(bad, 6, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x00\xf6\xa0\xf6", 6);
	test_cond("the smallest one", checkpoint_split(bad, 6, &before, NULL) == 0 && before == 0);
	test_cond("cut short: refused", checkpoint_split(bad, 5, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x20\xf6\xa0\xf6", 6);
	test_cond("a negative time is one", checkpoint_split(bad, 6, &before, NULL) == 0);
	memcpy(bad, "\x85\x20\x00\xf6\xa0\xf6", 6);
	test_cond("a negative offset: refused", checkpoint_split(bad, 6, &before, NULL) < 0);
	memcpy(bad, "\x84\x00\x00\xf6\xa0", 5);
	test_cond("four elements: refused", checkpoint_split(bad, 5, &before, NULL) < 0);
	memcpy(bad, "\x85\x00\x00\xf6\xa1\x00", 6);
	test_cond("a map cut short: refused", checkpoint_split(bad, 6, &before, NULL) < 0);
	batch_builder_release(&bb);
}

static void flags(void)
{
	struct batch_builder bb;
	struct batch_header h;
	struct error err;

	batch_builder_init(&bb);
	build(&bb, 0, 1, 1);
	test_cond("bit 2 set in byte 5", bb.b.p[5] == BATCH_FLAG_CHECKPOINT);
	bb.b.p[5] = 0x08;
	test_cond("bit 3 refused", batch_header_parse(bb.b.p, bb.b.len, &h, &err) == BATCH_BAD &&
		  strstr(err.msg, "0x08"));
	bb.b.p[5] = BATCH_FLAG_CHECKPOINT | BATCH_CODEC_ZLIB;
	test_cond("bit 2 with zlib", batch_header_parse(bb.b.p, bb.b.len, &h, NULL) == BATCH_OK &&
		  (h.flags & BATCH_CODEC_MASK) == BATCH_CODEC_ZLIB && batch_has_checkpoint(&h));
	batch_builder_release(&bb);
}

/* A log: segment 0 (records, checkpoint 1, records, checkpoint 2), rolled,
 * then records only.  Its last checkpoint is 2, in the sealed segment; the
 * readers count the records without the checkpoints. */
static void last(void)
{
	char dir[] = "/tmp/test_checkpointXXXXXX", cmd[128], seg[256];
	struct writer_options opt = { 1, 1, SYNC_NEVER, 1 << 20, WRITER_SEGMENT_AGE_DEFAULT };
	struct writer_recovery rec;
	struct batch_builder bb;
	struct buf b = BUF_INIT;
	struct writer w;
	struct reader r;
	struct error err;
	uint64_t off = 0, lo;
	FILE *f;
	long size;

	if (!mkdtemp(dir)) {
		test_cond("mkdtemp", 0);
		return;
	}
	test_cond("no such log: none", checkpoint_last("/nonexistent/log", &b, &off, &err) == 0);
	batch_builder_init(&bb);
	test_cond("writer", writer_open(&w, dir, &opt, &rec, &err) == 0);
	test_cond("empty log: none", checkpoint_last(dir, &b, &off, &err) == 0);
	build(&bb, 0, 3, 0);
	writer_append(&w, &bb, NULL);
	test_cond("no flagged batch: none", checkpoint_last(dir, &b, &off, &err) == 0);
	build(&bb, 3, 2, 1);		/* 3 4, checkpoint at 5 */
	writer_append(&w, &bb, NULL);
	build(&bb, 6, 1, 0);
	writer_append(&w, &bb, NULL);
	build(&bb, 7, 2, 2);		/* 7 8, checkpoint at 9 */
	writer_append(&w, &bb, NULL);
	test_cond("the last", checkpoint_last(dir, &b, &off, &err) == 1 && off == 9 &&
		  b.len == 6 && b.p[5] == 2);
	w.opt.segment_bytes = 1;	/* roll at the next batch */
	build(&bb, 10, 2, 0);
	test_cond("rolled", writer_append(&w, &bb, NULL) == 0 && w.segbase == 10);
	test_cond("in an earlier segment", checkpoint_last(dir, &b, &off, &err) == 1 && off == 9 &&
		  b.p[5] == 2);
	w.opt.segment_bytes = 1 << 20;
	build(&bb, 12, 1, 3);		/* 12, checkpoint at 13 */
	writer_append(&w, &bb, NULL);
	test_cond("in the active segment", checkpoint_last(dir, &b, &off, &err) == 1 && off == 13 &&
		  b.p[5] == 3);

	/* records without the checkpoints: 14 offsets, 3 of them checkpoints */
	test_cond("reader", reader_open(&r, dir, &err) == 0);
	test_cond("the last 11 records start at 0", reader_last(&r, 11, 0, 14, &lo, &err) == 1 &&
		  lo == 0);
	test_cond("the last 3 start at 10", reader_last(&r, 3, 0, 14, &lo, &err) == 1 && lo == 10);
	test_cond("5 on from 0 is 6", reader_forward(&r, 5, 0, 14, &lo, &err) == 1 && lo == 6);
	reader_close(&r);

	/* a torn tail: a flagged batch cut short is not a checkpoint */
	build(&bb, 14, 2, 4);
	writer_append(&w, &bb, NULL);
	test_cond("whole: found", checkpoint_last(dir, &b, &off, &err) == 1 && off == 16);
	writer_close(&w, NULL);
	snprintf(seg, sizeof seg, "%s/00000000000000000010.log", dir);
	f = fopen(seg, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	for (long cut = 1; cut < (long)bb.b.len; cut += 7) {
		if (truncate(seg, size - cut) < 0)
			break;
		if (checkpoint_last(dir, &b, &off, &err) != 1 || off != 13) {
			test_cond("torn: the one before", 0);
			break;
		}
	}
	test_cond("torn anywhere: the one before", off == 13 && b.p[5] == 3);
	/* none in the active segment (cut after its first batch), and the
	 * sealed one damaged: an error naming it */
	test_cond("active without checkpoint", truncate(seg, 16 + 68) == 0 &&
		  checkpoint_last(dir, &b, &off, &err) == 1 && off == 9);
	snprintf(seg, sizeof seg, "%s/00000000000000000000.log", dir);
	test_cond("damage in a sealed segment: an error",
		  truncate(seg, 16 + 60) == 0 && checkpoint_last(dir, &b, &off, &err) < 0 &&
		  strstr(err.msg, "00000000000000000000.log"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		test_cond("cleanup", 0);
	batch_builder_release(&bb);
	buf_release(&b);
}

int main(void)
{
	split();
	flags();
	last();
	return test_report("checkpoint");
}
