/*
 * test_resume.c - logcat --resume's engine (lib/replay.c): a source log,
 * an output log holding a checkpoint (written here with
 * batch_builder_add_checkpoint, as logappend --checkpoint will), and what
 * replay_log writes: the restore item with the checkpoint's states and
 * positions, the records from there, the barrier at the end.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "barrier.h"
#include "batch.h"
#include "framed.h"
#include "replay.h"
#include "test.h"
#include "writer.h"

static const struct writer_options wopt = { 1, 1, SYNC_NEVER, 1 << 20,
					    WRITER_SEGMENT_AGE_DEFAULT };

/* Appends n records from offset base (ts 1000 + offset, value the offset). */
static void put_records(struct writer *w, uint64_t base, int n)
{
	struct batch_builder bb;

	batch_builder_init(&bb);
	for (int i = 0; i < n; i++) {
		uint8_t v = (uint8_t)(base + (uint64_t)i);	/* < 24 */
		struct record r = { .ts = 1000 + (int64_t)(base + (uint64_t)i), .key = record_null,
				    .keylen = 1, .value = &v, .valuelen = 1 };
		batch_builder_add(&bb, &r, base + (uint64_t)i);
	}
	batch_builder_finish(&bb);
	writer_append(w, &bb, NULL);
	batch_builder_release(&bb);
}

/* What replay_log wrote, as letters: R a record (its offset after it),
 * S a restore, B a barrier; *first and *last the restore and last barrier. */
static void parse(int fd, char *out, size_t outsz, struct barrier *first, struct barrier *last)
{
	struct input in;
	struct framed_reader fr;
	struct record r;
	struct error err;
	size_t k = 0;
	int rc;

	lseek(fd, 0, SEEK_SET);
	input_init(&in, fd, "out", 1 << 20);
	framed_reader_init(&fr, &in);
	memset(first, 0, sizeof *first);
	memset(last, 0, sizeof *last);
	while ((rc = framed_next(&fr, &r, &err)) > 0 && k + 4 < outsz) {
		if (rc == 1) {
			k += (size_t)snprintf(out + k, outsz - k, "R%llu",
					      (unsigned long long)r.offset);
			continue;
		}
		struct barrier b;
		if (barrier_decode(&b, fr.control, fr.control_len, &err) < 0) {
			out[k++] = '?';
			continue;
		}
		out[k++] = b.kind == BARRIER_RESTORE ? 'S' : 'B';
		if (b.kind == BARRIER_RESTORE && !first->source_kind) {
			*first = b;
		} else {
			barrier_free(last);
			*last = b;
		}
	}
	out[k] = 0;
	input_release(&in);
}

/* replay_log of src with --resume out into a memfd; the answer. */
static int run(const char *src, const char *out, const struct replay_range *range, int fd,
	       struct error *err)
{
	struct replay_options opt = { .resume = out, .checkpoint_interval = 1000000 };
	struct output o;
	int rc;

	ftruncate(fd, 0);
	lseek(fd, 0, SEEK_SET);
	if (output_init(&o, fd, OUT_FRAMED, NULL, err) < 0)
		return -1;
	rc = replay_log(src, range, &opt, &o, err);
	output_release(&o);
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/test_resumeXXXXXX", src[64], out[64], abs[PATH_MAX], got[256];
	struct replay_range all = REPLAY_RANGE_ALL, to7 = REPLAY_RANGE_ALL;
	struct writer_recovery rec;
	struct writer w;
	struct error err;
	struct barrier b = { 0 }, first, last;
	struct barrier_position pos = { 0, 4 };
	struct batch_builder bb;
	struct buf body = BUF_INIT;
	int fd = memfd_create("test_resume", 0), rc;

	if (!mkdtemp(dir) || fd < 0) {
		test_cond("mkdtemp, memfd", 0);
		return test_report("test_resume");
	}
	snprintf(src, sizeof src, "%s/src", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	writer_open(&w, src, &wopt, &rec, &err);
	put_records(&w, 0, 3);
	put_records(&w, 3, 4);
	put_records(&w, 7, 3);
	writer_close(&w, NULL);
	realpath(src, abs);

	/* no checkpoint (no OUT): from the start, an empty restore */
	rc = run(src, out, &all, fd, &err);
	parse(fd, got, sizeof got, &first, &last);
	test_cond("no OUT: replayed", rc == OUTPUT_OK);
	test_cond("no OUT: restore, all, barrier", !strcmp(got, "SR0R1R2R3R4R5R6R7R8R9B"));
	test_cond("no OUT: the restore's source", first.nstates == 0 && first.npos == 1 &&
		  first.pos[0].next == 0 && !strcmp(first.path, abs));
	test_cond("no OUT: the end barrier", last.seq == 1 && !last.end && last.pos[0].next == 10);
	barrier_free(&first);
	barrier_free(&last);

	/* OUT with a checkpoint at position 4, a state of logwindow's */
	b.kind = BARRIER_BARRIER;
	b.source_kind = "log";
	b.path = abs;
	b.pos = &pos;
	b.npos = 1;
	b.seq = 3;
	barrier_push_state(&b, "logwindow", (const uint8_t *)"xyz", 3, &err);
	barrier_encode_body(&body, &b);
	writer_open(&w, out, &wopt, &rec, &err);
	batch_builder_init(&bb);
	batch_builder_add_checkpoint(&bb, 5000, body.p, body.len, 0);
	batch_builder_finish(&bb);
	test_cond("a checkpoint in OUT", writer_append(&w, &bb, &err) == 0);
	writer_close(&w, NULL);

	rc = run(src, out, &all, fd, &err);
	parse(fd, got, sizeof got, &first, &last);
	test_cond("resumed", rc == OUTPUT_OK);
	test_cond("resumed: from offset 4", !strcmp(got, "SR4R5R6R7R8R9B"));
	test_cond("resumed: the states restored", first.nstates == 1 &&
		  !strcmp(first.states[0].name, "logwindow") && first.states[0].len == 3 &&
		  !memcmp(first.states[0].bytes, "xyz", 3) && first.pos[0].next == 4);
	test_cond("resumed: the barrier without states", last.nstates == 0 &&
		  last.pos[0].next == 10 && !last.end);
	barrier_free(&first);
	barrier_free(&last);

	to7.to = TO_OFFSET;
	to7.to_offset = 7;
	rc = run(src, out, &to7, fd, &err);
	parse(fd, got, sizeof got, &first, &last);
	test_cond("--to 7: reached, the end", rc == OUTPUT_OK && !strcmp(got, "SR4R5R6B") &&
		  last.end && last.pos[0].next == 7);
	barrier_free(&first);
	barrier_free(&last);

	/* the checkpoint names another source */
	rc = run(out, out, &all, fd, &err);
	test_cond("another source: refused", rc == OUTPUT_ERROR &&
		  strstr(err.msg, "its checkpoint is of the log") && strstr(err.msg, abs));

	free(b.states[0].name);
	free(b.states[0].bytes);
	free(b.states);
	buf_release(&body);
	batch_builder_release(&bb);
	close(fd);
	snprintf(got, sizeof got, "rm -rf %s", dir);
	if (system(got) != 0)
		return 1;
	return test_report("test_resume");
}
