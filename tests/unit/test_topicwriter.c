/*
 * test_topicwriter.c - unit tests of lib/topicwriter.c (what logappend
 * writes to: a single log or every partition of a topic, the locks taken in
 * order, the records at open) and of append_run's placement into a topic
 * (append.c): keyless round robin from the records at open, a carried
 * partition kept or refused, --partition, and a bad line's turns given back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "append.h"
#include "reader.h"
#include "test.h"
#include "topicwriter.h"

static char dir[256];

static char *at(const char *name)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Appends text (JSON lines, or a framed stream of len bytes) to what is
 * at path through append_run; returns its answer, err set. */
static int append_text(const char *path, uint32_t partitions, const struct append_options *opt,
		       const void *text, size_t len, struct error *err)
{
	struct writer_options wopt = { 1, 0, SYNC_NEVER, WRITER_SEGMENT_BYTES_DEFAULT,
				       WRITER_SEGMENT_AGE_DEFAULT };
	struct append_stats st;
	struct topic_writer tw;
	int fds[2], rc;

	if (topic_writer_open(&tw, path, partitions, &wopt, NULL, NULL, err) < 0)
		return -1;
	if (pipe(fds) < 0 || write(fds[1], text, len) != (ssize_t)len) {
		topic_writer_close(&tw, NULL);
		return error_set(err, "pipe");
	}
	close(fds[1]);
	rc = append_run(&tw, fds[0], "stdin", opt, &st, err);
	close(fds[0]);
	if (topic_writer_close(&tw, rc < 0 ? NULL : err) < 0)
		rc = -1;
	return rc;
}

/* The number of records in the log at path (-1: not readable). */
static long records(const char *path)
{
	struct batch_header h;
	struct reader r;
	struct error err;
	long n = 0;
	int rc;

	if (reader_open(&r, path, &err) < 0)
		return -1;
	while ((rc = reader_next(&r, &h, &err)) > 0)
		n += h.count;	/* (no compaction here: no gaps) */
	reader_close(&r);
	return rc < 0 ? -1 : n;
}

static int counts(const char *topic, long c0, long c1, long c2)
{
	char p[600];
	long want[3] = { c0, c1, c2 };

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%d", at(topic), i);
		if (records(p) != want[i])
			return 0;
	}
	return 1;
}

int main(void)
{
	static const struct append_options plain = {
		.format = INPUT_JSON, .max_record = 1 << 20, .linger_ms = 5,
		.batch_bytes = 1 << 20, .batch_records = 65536,
	};
	struct writer_options wopt = { 1, 0, SYNC_NEVER, WRITER_SEGMENT_BYTES_DEFAULT,
				       WRITER_SEGMENT_AGE_DEFAULT };
	struct append_options opt = plain;
	struct topic_writer a, b;
	struct error err = { "" };
	char cmd[300];
	int rc;

	snprintf(dir, sizeof dir, "%s/test_topicwriter.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}

	/* a missing path without partitions: a single log */
	rc = topic_writer_open(&a, at("log"), 0, &wopt, NULL, NULL, &err);
	test_cond("a missing path without --partitions: a single log",
		  rc == 0 && !a.is_topic && a.n == 1 && a.start == 0);
	if (rc == 0)
		topic_writer_close(&a, NULL);
	test_cond("... whose meta is there", access(at("log/meta"), F_OK) == 0);
	test_cond("--partitions on a log: an error",
		  topic_writer_open(&a, at("log"), 2, &wopt, NULL, NULL, &err) < 0 &&
		  strstr(err.msg, "is a log, not a topic") != NULL);

	/* a topic: every partition's writer, the records at open */
	rc = topic_writer_open(&a, at("t"), 3, &wopt, NULL, NULL, &err);
	test_cond("--partitions 3: a topic of 3 writers", rc == 0 && a.is_topic && a.n == 3 &&
		  a.opened == 3 && a.start == 0);
	/* a second writer of the topic fails at the first partition's lock
	 * (without waiting), having opened nothing */
	test_cond("a second writer (no wait): partition 0 locked",
		  topic_writer_open(&b, at("t"), 0, &wopt, NULL, NULL, &err) < 0 &&
		  strstr(err.msg, "/0' is locked by another writer") != NULL);
	if (rc == 0)
		test_cond("closed", topic_writer_close(&a, &err) == 0);
	test_cond("--partitions 4 on a topic of 3: an error",
		  topic_writer_open(&a, at("t"), 4, &wopt, NULL, NULL, &err) < 0 &&
		  strstr(err.msg, "has 3 partitions") != NULL);

	/* keyless round robin: 4 records from 0, then 2 from 4 mod 3 = 1 */
	rc = append_text(at("t"), 0, &opt, "{}\n{}\n{}\n{}\n", 12, &err);
	test_cond("4 keyless records: 2, 1, 1", rc == 0 && counts("t", 2, 1, 1));
	rc = topic_writer_open(&a, at("t"), 0, &wopt, NULL, NULL, &err);
	test_cond("the records at open: 4", rc == 0 && a.start == 4);
	if (rc == 0)
		topic_writer_close(&a, NULL);
	rc = append_text(at("t"), 0, &opt, "{}\n{}\n", 6, &err);
	test_cond("2 more start at partition 1: 2, 2, 2", rc == 0 && counts("t", 2, 2, 2));

	/* a bad line gives its turns back (--skip-bad): of "{} {} {", none
	 * is stored and the next record takes the turn of the first */
	opt.skip_bad = 1;
	rc = append_text(at("t"), 0, &opt, "{} {} {\n{}\n", 10, &err);
	test_cond("a bad line's turns given back: the next record in partition 0",
		  rc == 0 && counts("t", 3, 2, 2));
	opt.skip_bad = 0;

	/* envelopes carrying partitions: kept; one the topic lacks refused */
	opt.envelope = 1;
	rc = append_text(at("t"), 0, &opt,
			 "{\"partition\":2,\"value\":1}\n{\"partition\":2,\"value\":2}\n", 52, &err);
	test_cond("carried partitions kept", rc == 0 && counts("t", 3, 2, 4));
	rc = append_text(at("t"), 0, &opt,
			 "{\"partition\":1,\"value\":1}\n{\"partition\":9,\"value\":2}\n", 52, &err);
	test_cond("a carried partition the topic lacks: an error naming it, the one before kept",
		  rc < 0 && strstr(err.msg, "stdin:2: carries partition 9;") != NULL &&
		  strstr(err.msg, "has 3: give --repartition") != NULL && counts("t", 3, 3, 4));
	opt.repartition = 1;
	rc = append_text(at("t"), 0, &opt, "{\"partition\":9,\"value\":2}\n", 26, &err);
	test_cond("--repartition: placed as keyless (10 records at open: partition 1)",
		  rc == 0 && counts("t", 3, 4, 4));
	opt.repartition = 0;
	opt.envelope = 0;

	/* --partition */
	opt.fixed_partition = 1;
	opt.partition = 1;
	rc = append_text(at("t"), 0, &opt, "{}\n{}\n{}\n", 9, &err);
	test_cond("--partition 1: all there", rc == 0 && counts("t", 3, 7, 4));

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	test_cond("the temporary directory removed", system(cmd) == 0);
	return test_report("test_topicwriter");
}
