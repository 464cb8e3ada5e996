/*
 * fuzz_checkpoint.c - libFuzzer target for reading checkpoints in a log
 * (lib/checkpoint.c, and the cursor's split of a flagged batch in
 * lib/cursor.c): the input is the payload of a batch whose header has flag
 * bit 2, with a valid crc, so that every reader gets past the checksum.
 *
 * checkpoint_split must answer without reading outside the payload; when it
 * accepts, checkpoint_body, barrier_decode_body and checkpoint_json run on
 * the record it found.  Then the batch is written as the active segment of
 * a log (after a batch of two ordinary records), and checkpoint_last,
 * checkpoint_list and a cursor walk over its records run on it: nothing may
 * crash, and checkpoint_last finds none when the split refused the payload.
 * The seeds (tests/fuzz/corpus/checkpoint) are payloads cbor2 wrote: records
 * and a checkpoint record with a barrier's BODY.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "checkpoint.h"
#include "cursor.h"
#include "item.h"
#include "log.h"
#include "segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64];

static void put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static int count_one(void *ctx, uint64_t off, const uint8_t *body, size_t n, struct error *err)
{
	++*(int *)ctx;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof dir, "/tmp/fuzz_checkpoint.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	put_file("meta", "logtools-log 1\n", 15);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_builder bb;
	struct batch_header h;
	struct buf seg = BUF_INIT, body = BUF_INIT;
	struct record r = { 0 };
	struct error err;
	size_t before, n;
	uint64_t off, count = 0;
	const uint8_t *p;
	int split, found, listed = 0;
	uint8_t hdr[SEGMENT_HEADER_LEN], v[] = "\x61x";

	if (size > 1 << 16)
		return 0;
	split = checkpoint_split(data, size, &before, &err) == 0;
	if (split) {
		struct barrier b;
		if (before >= size)
			abort();
		checkpoint_body(data + before, size - before, &p, &n, &off);
		if (p < data + before || p + n > data + size)
			abort();
		if (barrier_decode_body(&b, p, n, &err) == 0) {
			checkpoint_json(&body, off, &b);
			barrier_free(&b);
		}
	}

	/* a log: a batch of records 0 and 1, then the input as a flagged batch
	 * from offset 2, its header claiming as many records as it holds items */
	batch_builder_init(&bb);
	r.key = record_null;
	r.keylen = 1;
	r.value = v;
	r.valuelen = 2;
	batch_builder_add(&bb, &r, 0);
	batch_builder_add(&bb, &r, 1);
	batch_builder_finish(&bb);
	segment_header_encode(1, hdr);
	buf_add(&seg, hdr, sizeof hdr);
	buf_add(&seg, bb.b.p, bb.b.len);
	if (split) {
		size_t pos = 0, len;
		while (pos < size && item_check(data + pos, size - pos, &len, NULL) == ITEM_OK) {
			pos += len;
			count++;
		}
	}
	memset(&h, 0, sizeof h);
	h.flags = BATCH_FLAG_CHECKPOINT;
	h.base = 2;
	h.count = count ? (uint32_t)count : 1;
	h.last_delta = h.count - 1;
	buf_grow(&seg, BATCH_HEADER_LEN + size);
	{
		struct buf b2 = BUF_INIT;
		batch_encode(&b2, &h, data, size, 0, NULL);
		/* batch_encode keeps bit 2 */
		buf_add(&seg, b2.p, b2.len);
		buf_release(&b2);
	}
	put_file("00000000000000000000.log", seg.p, seg.len);
	found = checkpoint_last(dir, &body, &off, &err);
	if (found == 1 && !split)
		abort();	/* a checkpoint the split refused */
	checkpoint_list(dir, count_one, &listed, &err);
	if (listed > 1)
		abort();
	{
		struct log log;
		if (log_open(&log, dir, 0, &err) == 0) {
			struct cursor c;
			struct record rec;
			size_t len;
			cursor_init(&c, &log, NULL);
			if (cursor_open_seg(&c, 0, &err) == 0)
				while (cursor_next(&c, 1, &err) > 0)
					while (cursor_record(&c, &rec, &len, &err) > 0)
						;
			cursor_release(&c);
			log_close(&log);
		}
	}
	batch_builder_release(&bb);
	buf_release(&seg);
	buf_release(&body);
	return 0;
}
