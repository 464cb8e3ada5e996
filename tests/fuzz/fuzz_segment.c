/*
 * fuzz_segment.c - libFuzzer target for reading segment files: lib/reader.c,
 * lib/segment.c, lib/batch.c, lib/index.c, lib/record.c, and the writer's
 * recovery of a torn tail (lib/writer.c).
 *
 * The first input byte is a set of flags, the rest is written as the
 * segment file 00000000000000000000.log of a log directory (meta file
 * "logtools-log 1"):
 *
 *   bit 0  the segment is sealed: an empty active segment follows it
 *          (00000000000000100000.log, a bare segment header)
 *   bit 1  then open the log as a writer (recovery: torn tail cut, indexes
 *          rebuilt), close it, and read again
 *   bit 2  index files are present, filled with input bytes (garbage the
 *          reader must check before trusting)
 *
 * The log is read with reader_open / reader_next / batch_payload /
 * record_decode to the end or an error, then positioned with reader_seek,
 * seek_time and reader_bounds.  Nothing may crash, and reading must
 * end: a batch takes at least 48 bytes, a record at least 5.  After the
 * writer's recovery, an active segment that read without error must read
 * the same records again, and without error.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "item.h"
#include "reader.h"
#include "record.h"
#include "seek.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void drop_file(const char *name)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

/* Removes the temporary log directory when the fuzzer exits. */
static void cleanup(void)
{
	static const char *const names[] = {
		"meta", "lock", "00000000000000000000.log", "00000000000000000000.index",
		"00000000000000000000.timeindex", "00000000000000100000.log",
		"00000000000000100000.index", "00000000000000100000.timeindex",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		drop_file(names[i]);
	rmdir(dir);
}

struct result {
	int rc;			/* 0 end, -1 error */
	uint64_t batches, records;
	uint64_t digest;	/* of every record's bytes, in order */
};

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void read_log(size_t size, struct result *res)
{
	struct reader r;
	struct batch_header h;
	struct buf scratch = BUF_INIT;
	struct error err;
	uint64_t first = 0, next = 0, off;
	int rc;

	memset(res, 0, sizeof *res);
	res->digest = 0xcbf29ce484222325ULL;
	if (reader_open(&r, dir, &err) < 0)
		abort();	/* the directory is a log */
	err.msg[0] = 0;
	while ((rc = reader_next(&r, &h, &err)) == 1) {
		const uint8_t *p;
		size_t n, len;

		if (++res->batches > size / BATCH_HEADER_LEN + 1)
			abort();	/* more batches than bytes allow */
		if (batch_payload(r.batch.p, &h, &scratch, &p, &n, &err) < 0)
			continue;	/* logcat reports it; nothing to decode */
		while (n > 0) {
			struct record rec;
			if (record_decode(p, n, &rec, &len, &err) != ITEM_OK)
				break;
			if (len == 0 || len > n)
				abort();
			res->records++;
			res->digest = fnv(res->digest, p, len);
			p += len;
			n -= len;
		}
	}
	if (rc == -1 && err.msg[0] == 0)
		abort();	/* an error without a message */
	res->rc = rc;

	/* positioning, through the indexes when they are there */
	if (reader_bounds(&r, &first, &next, &err) == 0) {
		if (first > next)
			abort();
		for (off = first; off <= next && off < first + 4; off++)
			if (reader_seek(&r, off, &err) == 0)
				(void)reader_next(&r, &h, &err);
		if (reader_seek(&r, next, &err) == 0)
			(void)reader_next(&r, &h, &err);
	}
	int64_t ots;

	(void)seek_time(&r.log, 0, &off, &ots, &err);
	(void)seek_time(&r.log, INT64_MIN, &off, &ots, &err);
	(void)seek_time(&r.log, INT64_MAX, &off, &ots, &err);
	buf_release(&scratch);
	reader_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char meta[] = "logtools-log 1\n";
	uint8_t flags = size ? data[0] : 0;
	const uint8_t *seg = size ? data + 1 : data;
	size_t n = size ? size - 1 : 0;
	struct result before, after;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_segment.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		put_file("meta", meta, sizeof meta - 1);
	}
	put_file("00000000000000000000.log", seg, n);
	if (flags & 1) {
		uint8_t hdr[SEGMENT_HEADER_LEN];
		segment_header_encode(1, hdr);
		put_file("00000000000000100000.log", hdr, sizeof hdr);
	} else {
		drop_file("00000000000000100000.log");
	}
	drop_file("00000000000000100000.index");
	drop_file("00000000000000100000.timeindex");
	if (flags & 4) {
		size_t k = n > 16 ? (n - 16 < 96 ? n - 16 : 96) : 0;
		put_file("00000000000000000000.index", seg + (n - k), k);
		put_file("00000000000000000000.timeindex", seg + 16 * (n > 16), k);
	} else {
		drop_file("00000000000000000000.index");
		drop_file("00000000000000000000.timeindex");
	}

	read_log(n, &before);

	if (flags & 2) {
		struct writer_options opt = { 0, 1, SYNC_NEVER, 1ull << 30, INT64_MAX };
		struct writer_recovery rec;
		struct writer w;
		struct error err;

		if (writer_open(&w, dir, &opt, &rec, &err) == 0) {
			if (writer_close(&w, &err) < 0)
				abort();
			read_log(n, &after);
			if (!(flags & 1) && before.rc == 0 &&
			    (after.rc != 0 || after.records != before.records ||
			     after.batches != before.batches || after.digest != before.digest))
				abort();	/* recovery changed what readers read */
		}
	}
	return 0;
}
