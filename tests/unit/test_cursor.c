/*
 * test_cursor.c - the cursor (lib/cursor.c): batches and records in order,
 * and its one rule for a batch that cannot be read: the end of the active
 * segment, damage in a sealed one, read again when a sealed segment grew.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "test.h"
#include "writer.h"

#define BATCHES 3
#define PER_BATCH 2

static char dir[64], seg[128];
static uint64_t batch_pos[BATCHES + 1];	/* and the end */

static void make_log(void)
{
	struct writer_options opt = { 1, 1, SYNC_NEVER, 1 << 20, INT64_MAX };
	struct writer_recovery rec;
	struct batch_builder bb;
	struct writer w;
	struct error err;

	if (writer_open(&w, dir, &opt, &rec, &err) < 0)
		abort();
	batch_builder_init(&bb);
	for (int b = 0; b < BATCHES; b++) {
		batch_builder_reset(&bb);
		batch_pos[b] = w.segsize;
		for (int k = 0; k < PER_BATCH; k++) {
			static const uint8_t value[] = { 0x63, 'a', 'b', 'c' };
			struct record r = { .ts = 1000 + b * 10 + k, .key = record_null, .keylen = 1,
					    .value = value, .valuelen = sizeof value };
			if (batch_builder_add(&bb, &r, w.next + (uint64_t)k) < 0)
				abort();
		}
		batch_builder_finish(&bb);
		if (writer_append(&w, &bb, &err) < 0)
			abort();
	}
	batch_pos[BATCHES] = w.segsize;
	batch_builder_release(&bb);
	if (writer_close(&w, &err) < 0)
		abort();
	snprintf(seg, sizeof seg, "%s/00000000000000000000.log", dir);
}

/* Reads the whole segment file into *p (malloc'd); returns its size. */
static size_t slurp(uint8_t **p)
{
	int fd = open(seg, O_RDONLY);
	off_t n = lseek(fd, 0, SEEK_END);

	*p = malloc((size_t)n);
	if (fd < 0 || !*p || pread(fd, *p, (size_t)n, 0) != n)
		abort();
	close(fd);
	return (size_t)n;
}

static void put(const uint8_t *p, size_t n)
{
	int fd = open(seg, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int main(void)
{
	struct cursor c;
	struct error err;
	struct record r;
	struct log log;
	uint8_t *orig;
	size_t n, len;
	int rc, batches = 0, records = 0, ordered = 1;
	char want[512];

	snprintf(dir, sizeof dir, "/tmp/test_cursor.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	make_log();
	n = slurp(&orig);
	if (log_open(&log, dir, 0, &err) < 0 || log_list(&log, &err) < 0 || log.nseg != 1)
		abort();
	cursor_init(&c, &log, NULL);

	/* batches and records, in order */
	test_cond("the active segment opens", cursor_open_seg(&c, 0, &err) == 0 && c.active);
	while ((rc = cursor_next(&c, 1, &err)) > 0) {
		test_cond("batch position", c.batch_pos == batch_pos[batches]);
		batches++;
		while ((rc = cursor_record(&c, &r, &len, &err)) > 0)
			ordered &= r.offset == (uint64_t)records++;
		test_cond("a batch's records end cleanly", rc == 0);
	}
	test_cond("every batch, then the end", rc == 0 && batches == BATCHES);
	test_cond("every record in order", records == BATCHES * PER_BATCH && ordered);

	/* a torn last batch: the end of the active segment, damage in a sealed one */
	put(orig, n - 5);
	test_cond("torn, active: opens", cursor_open_seg(&c, 0, &err) == 0);
	batches = 0;
	while ((rc = cursor_next(&c, 0, &err)) > 0)
		batches++;
	test_cond("torn, active: the end before the torn batch",
		  rc == 0 && batches == BATCHES - 1 && c.pos == batch_pos[BATCHES - 1]);
	test_cond("torn, sealed: opens", cursor_open(&c, 0, 0, NULL, &err) == 0);
	while ((rc = cursor_next(&c, 0, &err)) > 0)
		;
	snprintf(want, sizeof want, "'%s': damaged: file ends inside the batch at byte %llu", seg,
		 (unsigned long long)batch_pos[BATCHES - 1]);
	test_cond("torn, sealed: damage, with segment and byte",
		  rc < 0 && c.fault == CURSOR_SHORT && strcmp(err.msg, want) == 0);

	/* a sealed segment that grew since its size was taken: read again */
	test_cond("grown: opens", cursor_open(&c, 0, 0, NULL, &err) == 0 && c.size == n - 5);
	put(orig, n);
	batches = 0;
	while ((rc = cursor_next(&c, 0, &err)) > 0)
		batches++;
	test_cond("grown: the batch is read at the new size", rc == 0 && batches == BATCHES &&
		  c.size == n);

	/* a checksum mismatch in the middle */
	orig[batch_pos[1] + BATCH_HEADER_LEN + 2] ^= 0x40;
	put(orig, n);
	test_cond("flipped, active: opens", cursor_open_seg(&c, 0, &err) == 0);
	batches = 0;
	while ((rc = cursor_next(&c, 0, &err)) > 0)
		batches++;
	test_cond("flipped, active: the end", rc == 0 && batches == 1);
	test_cond("flipped, sealed: opens", cursor_open(&c, 0, 0, NULL, &err) == 0);
	while ((rc = cursor_next(&c, 0, &err)) > 0)
		;
	snprintf(want, sizeof want, "'%s': damaged batch at byte %llu: ", seg,
		 (unsigned long long)batch_pos[1]);
	test_cond("flipped, sealed: damage", rc < 0 && c.fault == CURSOR_BAD &&
		  strncmp(err.msg, want, strlen(want)) == 0);
	/* the offset index has one entry (every 4K): the first batch */
	test_cond("the hint for an offset", cursor_hint(&c, 3) == SEGMENT_HEADER_LEN);
	test_cond("a batch begins at offset 0 at byte 16", cursor_at(&c, SEGMENT_HEADER_LEN, 0));
	test_cond("the segment for an offset", log_seg_for(&log, 5) == 0);

	cursor_release(&c);
	log_close(&log);
	free(orig);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return test_report("cursor");
}
