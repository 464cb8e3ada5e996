/*
 * test_topicahead.c - unit tests of a topic read ahead on a thread
 * (topicsource.h, topicsource_read_ahead), as replay_log uses it for a
 * framed output: its bytes are those of the topic read record by record
 * through source_next and encoded by record_encode (the 6-element record,
 * the partition last), over chunk boundaries and the ring's wrap, with a
 * range, with a count that stops the merge early (the thread stopped and
 * joined), and with a damaged partition: the same records before the
 * error, the same message.  Run it under -fsanitize=thread too.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "append.h"
#include "fieldpath.h"
#include "framed.h"
#include "replay.h"
#include "test.h"
#include "topicsource.h"
#include "topicwriter.h"

static char dir[256];

static char *at(const char *name)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Appends the JSON lines in text to a topic of n partitions at path. */
static int append_lines(const char *path, uint32_t n, const struct buf *text, struct error *err)
{
	struct append_options opt = {
		.format = INPUT_JSON, .max_record = 1 << 20, .linger_ms = 5,
		.batch_bytes = 16 << 10, .batch_records = 65536,
		.key_spec = "k", .time_spec = "ts",
	};
	struct fieldpath key, time;
	/* segments of 64 KiB: damage in one but the last is an error (in
	 * the last, a torn tail: its end) */
	struct writer_options wopt = { 1, 0, SYNC_NEVER, 64 << 10, WRITER_SEGMENT_AGE_DEFAULT };
	struct append_stats st;
	struct topic_writer tw;
	char tmp[600];
	int fd, rc;

	snprintf(tmp, sizeof tmp, "%s/input", dir);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text->p, text->len) != (ssize_t)text->len ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return error_set(err, "input file");
	if (fieldpath_parse(&key, "k", err) < 0 || fieldpath_parse(&time, "ts", err) < 0)
		return -1;
	opt.key = &key;
	opt.time = &time;
	if (topic_writer_open(&tw, path, n, &wopt, NULL, NULL, err) < 0)
		return -1;
	rc = append_run(&tw, fd, "input", &opt, &st, err);
	close(fd);
	fieldpath_release(&key);
	fieldpath_release(&time);
	if (topic_writer_close(&tw, rc < 0 ? NULL : err) < 0)
		rc = -1;
	return rc;
}

/* What a framed output of the topic holds, record by record through
 * source_next and record_encode; *rc the source's last answer. */
static int expected(const char *path, const struct replay_range *range, struct buf *out,
		    struct error *err)
{
	struct source_options sopt = { .nonblock = 1 };
	struct source s;
	struct record r;
	int rc;

	buf_reset(out);
	framed_put_header(out);
	if (source_open_log(&s, path, range, &sopt, err) < 0) {
		source_close(&s);
		return SOURCE_ERROR;
	}
	while ((rc = source_next(&s, &r, err)) == SOURCE_RECORD)
		record_encode(out, &r);
	source_close(&s);
	return rc;
}

/* What replay_log writes for the topic, framed (read ahead); its answer
 * in *rc. */
static int replayed(const char *path, const struct replay_range *range, struct buf *out,
		    struct error *err)
{
	struct replay_options ropt = { .commit_interval = 1000 };
	struct output o;
	char file[600];
	int fd, rc;
	struct stat sb;

	snprintf(file, sizeof file, "%s/out", dir);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || output_init(&o, fd, OUT_FRAMED, NULL, err) < 0)
		return OUTPUT_ERROR - 10;
	rc = replay_log(path, range, &ropt, &o, err);
	output_release(&o);
	buf_reset(out);
	if (fstat(fd, &sb) < 0 || buf_grow(out, (size_t)sb.st_size + 1) < 0 ||
	    pread(fd, out->p, (size_t)sb.st_size, 0) != sb.st_size)
		rc = OUTPUT_ERROR - 10;
	else
		out->len = (size_t)sb.st_size;
	close(fd);
	return rc;
}

/* The topic read ahead by a slow merge, directly (topicsource_next_framed):
 * the thread gets ahead of every partition, its rings full, while the
 * merge sleeps. */
static int slow(const char *path, struct buf *out, struct error *err)
{
	struct replay_range all = REPLAY_RANGE_ALL;
	struct source_options sopt = { .nonblock = 1 };
	struct source s;
	struct record r;
	const uint8_t *p;
	size_t n;
	long i = 0;
	int rc;

	buf_reset(out);
	framed_put_header(out);
	if (source_open_log(&s, path, &all, &sopt, err) < 0 ||
	    topicsource_read_ahead(&s, err) < 0 || !topicsource_reads_ahead(&s)) {
		source_close(&s);
		return SOURCE_ERROR - 10;
	}
	while ((rc = topicsource_next_framed(&s, &r, &p, &n, err)) == SOURCE_RECORD) {
		if (i++ % 5000 == 0)
			usleep(30000);
		buf_add(out, p, n);
	}
	source_close(&s);
	return rc;
}

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

int main(void)
{
	struct replay_range all = REPLAY_RANGE_ALL, range = REPLAY_RANGE_ALL;
	struct buf text = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct error err = { "" }, err2 = { "" };
	char seg[600];
	int rc, rc2, fd;

	snprintf(dir, sizeof dir, "%s/test_topicahead.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}

	/* 30000 records in 5 partitions, keyed and not, of several sizes:
	 * each partition some 700 KiB, so its chunks (128 KiB) wrap the
	 * ring of 4 */
	for (int i = 0; i < 30000; i++) {
		if (i % 7 == 3)
			buf_printf(&text, "{\"ts\":%d,\"v\":%d}\n", 1000 + i / 3, i);
		else
			buf_printf(&text, "{\"ts\":%d,\"k\":\"u%d\",\"v\":\"%.*s\",\"h\":[1,{\"a\":null}]}\n",
				   1000 + i / 3 + (i % 11 == 0 ? 5 : 0), i % 97, 20 + i % 150,
				   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
				   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
	}
	rc = append_lines(at("t"), 5, &text, &err);
	test_cond("a topic of 5 partitions appended", rc == 0);

	rc = expected(at("t"), &all, &want, &err);
	rc2 = replayed(at("t"), &all, &got, &err2);
	test_cond("the whole topic: read record by record, to its end", rc == SOURCE_END);
	test_cond("... read ahead: OUTPUT_OK", rc2 == OUTPUT_OK);
	test_cond("... the same bytes (30000 records)", same(&want, &got) && want.len > 3000000);

	rc2 = slow(at("t"), &got, &err2);
	test_cond("... read by a slow merge (the thread's rings full): the same bytes",
		  rc2 == SOURCE_END && same(&want, &got));

	range.from = FROM_TIME;
	range.from_time = 4000;
	range.to = TO_OFFSET;
	range.to_offset = 5000;
	rc = expected(at("t"), &range, &want, &err);
	rc2 = replayed(at("t"), &range, &got, &err2);
	test_cond("--from @TIME --to OFFSET: the same bytes",
		  rc == SOURCE_END && rc2 == OUTPUT_OK && same(&want, &got) && want.len > 21);

	range = all;
	range.count = 10;
	rc = expected(at("t"), &range, &want, &err);
	rc2 = replayed(at("t"), &range, &got, &err2);
	test_cond("--count 10: the same 10 records (the thread stopped early)",
		  rc == SOURCE_END && rc2 == OUTPUT_OK && same(&want, &got));

	range = all;
	range.from = FROM_LAST;
	range.last = 3;
	rc = expected(at("t"), &range, &want, &err);
	rc2 = replayed(at("t"), &range, &got, &err2);
	test_cond("--from -3: the same records",
		  rc == SOURCE_END && rc2 == OUTPUT_OK && same(&want, &got));

	/* a damaged batch in partition 2's first segment: its checksum
	 * fails */
	snprintf(seg, sizeof seg, "%s/2/00000000000000000000.log", at("t"));
	fd = open(seg, O_RDWR);
	test_cond("partition 2's segment damaged",
		  fd >= 0 && pwrite(fd, "\xff\xff\xff", 3, 40000) == 3);
	if (fd >= 0)
		close(fd);
	rc = expected(at("t"), &all, &want, &err);
	rc2 = replayed(at("t"), &all, &got, &err2);
	test_cond("a damaged partition: an error record by record", rc == SOURCE_ERROR);
	test_cond("... and read ahead", rc2 == OUTPUT_ERROR);
	test_cond("... the same message", !strcmp(err.msg, err2.msg) && strstr(err.msg, "/2/"));
	test_cond("... the same records before it", same(&want, &got) && want.len > 50000);
	if (strcmp(err.msg, err2.msg))
		fprintf(stderr, "  '%s'\n  '%s'\n", err.msg, err2.msg);

	buf_release(&text);
	buf_release(&want);
	buf_release(&got);
	snprintf(seg, sizeof seg, "rm -rf '%s'", dir);
	if (system(seg) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_report("test_topicahead");
}
