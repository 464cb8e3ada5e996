/*
 * inspect.c - what a log holds: summary and where an offset lives, read
 * through the cursor (cursor.h); positions, consumer groups' positions
 * (see inspect.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "checkpoint.h"
#include "inspect.h"
#include "json.h"
#include "reader.h"
#include "record.h"
#include "seek.h"
#include "timeparse.h"

static uint64_t file_size_at(const struct log *log, uint64_t base, const char *suffix)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;

	segment_name(base, suffix, name);
	return fstatat(log->dirfd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
}

/* ---- summary ---------------------------------------------------------------- */

/* The timestamp of the first record (last set: of the last) of the batch
 * at pos of segment i. */
static int batch_edge_ts(struct log *log, size_t i, uint64_t pos, int last, int64_t *ts,
			 uint64_t *off, struct error *err)
{
	struct cursor c;
	struct record r;
	int rc;

	cursor_init(&c, log, NULL);
	rc = cursor_open_tail(&c, i, err);
	if (rc == 0) {
		rc = cursor_load(&c, pos, err);
		if (rc == 0)
			rc = error_set(err, "'%s': the batch at byte %llu went away", c.path,
				       (unsigned long long)pos);
	}
	if (rc < 0)
		goto out;
	rc = -1;
	while (cursor_walk(&c, &r, err) > 0) {
		*ts = r.ts;
		*off = r.offset;
		rc = 0;
		if (!last)
			break;
	}
	if (c.fault == CURSOR_RECORD)
		rc = -1;
	else if (rc < 0)
		error_set(err, "'%s': damaged batch at byte %llu: no records", c.path,
			  (unsigned long long)pos);
out:
	cursor_release(&c);
	return rc;
}

static int summary_once(struct log *log, uint64_t end, struct inspect_summary *s,
			struct error *err)
{
	struct cursor c;
	struct batch_header h;
	size_t i, first_seg = 0, last_seg = 0;
	uint64_t pos, first_pos = 0, last_pos = 0, seen = 0, off, recs;
	int rc;

	memset(s, 0, sizeof *s);
	s->min_ts = INT64_MAX;
	s->max_ts = INT64_MIN;
	s->next = log->nseg ? log->seg[log->nseg - 1] : 0;
	if (log->nseg && !(s->seg = calloc(log->nseg, sizeof *s->seg)))
		return error_set(err, "out of memory");
	s->nseg = log->nseg;
	cursor_init(&c, log, NULL);
	c.end = end;
	for (i = 0; i < log->nseg; i++) {
		struct inspect_segment *g = &s->seg[i];
		if (cursor_open_tail(&c, i, err) < 0)
			goto fail;
		g->base = c.base;
		g->bytes = c.size;
		g->index_bytes = file_size_at(log, c.base, ".index") +
				 file_size_at(log, c.base, ".timeindex");
		s->segment_bytes += g->bytes;
		s->index_bytes += g->index_bytes;
		for (pos = SEGMENT_HEADER_LEN; (rc = cursor_read(&c, pos, &h, 1, err)) == 1;
		     pos = cursor_after(pos, &h)) {
			if (s->batches && batch_next(&h) <= seen)
				continue;	/* an old copy while logcompact swaps */
			seen = batch_next(&h);
			s->batches++;
			if (batch_next(&h) > s->next)
				s->next = batch_next(&h);
			/* a checkpoint record is not a record (checkpoint.h) */
			recs = h.count - (batch_has_checkpoint(&h) ? 1 : 0);
			if (recs == 0)
				continue;
			if (s->records == 0) {
				first_seg = i;
				first_pos = pos;
				s->first = h.base;
			}
			last_seg = i;
			last_pos = pos;
			s->records += recs;
			if (h.min_ts < s->min_ts)
				s->min_ts = h.min_ts;
			if (h.max_ts > s->max_ts)
				s->max_ts = h.max_ts;
		}
		if (rc < 0)
			goto fail;
	}
	cursor_release(&c);
	if (s->records == 0) {
		s->first = s->next;
		s->min_ts = s->max_ts = 0;
		return 0;
	}
	if (batch_edge_ts(log, first_seg, first_pos, 0, &s->first_ts, &off, err) < 0 ||
	    batch_edge_ts(log, last_seg, last_pos, 1, &s->last_ts, &s->last, err) < 0)
		goto fail_released;
	return 0;
fail:
	cursor_release(&c);
fail_released:
	inspect_summary_release(s);
	return -1;
}

void inspect_summary_release(struct inspect_summary *s)
{
	free(s->seg);
	s->seg = NULL;
	s->nseg = 0;
}

/* ---- where an offset lives ------------------------------------------------ */

static int offset_once(struct log *log, uint64_t off, struct inspect_location *loc,
		       struct error *err)
{
	struct cursor c;
	struct batch_header h;
	struct record r;
	uint64_t pos, want;
	size_t i;
	int rc = -1, got = 0;

	memset(loc, 0, sizeof *loc);
	loc->offset = off;
	if (seek_bounds(log, &loc->first, &loc->next, err) < 0)
		return -1;
	if (off >= loc->next)
		return INSPECT_BEYOND;
	/* the first record at or after off: off itself, or the one a reader
	 * of off would get */
	want = off < loc->first ? loc->first : off;
	cursor_init(&c, log, NULL);
	for (i = log_seg_for(log, want); i < log->nseg; i++) {
		if (cursor_open_tail(&c, i, err) < 0)
			goto out;
		for (pos = cursor_hint(&c, want); (got = cursor_read(&c, pos, &h, 1, err)) == 1;
		     pos = cursor_after(pos, &h)) {
			if (batch_next(&h) <= want)
				continue;
			got = cursor_load(&c, pos, err);
			if (got <= 0) {
				rc = got < 0 ? -1 : INSPECT_BEYOND;
				goto out;
			}
			while ((got = cursor_walk(&c, &r, err)) > 0) {
				if (r.offset < want)
					continue;
				if (r.offset == off) {
					snprintf(loc->segment, sizeof loc->segment, "%s", c.path);
					loc->pos = pos;
					loc->h = c.h;
					loc->ts = r.ts;
					rc = INSPECT_FOUND;
				} else {
					loc->has_next_record = 1;
					loc->next_record = r.offset;
					rc = INSPECT_GONE;
				}
				goto out;
			}
			if (got < 0)
				goto out;
		}
		if (got < 0)
			goto out;
	}
	rc = INSPECT_GONE;	/* no record at or after off before the end */
out:
	cursor_release(&c);
	return rc;
}

/* ---- the questions, asked again when logcompact changed the segments ----- */

int inspect_summary(struct log *log, struct inspect_summary *s, struct error *err)
{
	uint64_t end;
	int rc, k = 0;

	if (seek_end(log, &end, err) < 0)
		return -1;
	while ((rc = summary_once(log, end, s, err)) < 0 && k++ < SEEK_RETRIES &&
	       seek_relisted(log))
		;
	return rc;
}

int inspect_offset(struct log *log, uint64_t off, struct inspect_location *loc,
		   struct error *err)
{
	int rc, k = 0;

	while ((rc = offset_once(log, off, loc, err)) < 0 && k++ < SEEK_RETRIES &&
	       seek_relisted(log))
		;
	return rc;
}
