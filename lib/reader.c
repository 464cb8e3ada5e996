/* reader.c - reading a log batch by batch (see reader.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "item.h"
#include "checkpoint.h"
#include "reader.h"
#include "seek.h"
#include "record.h"

int reader_open(struct reader *r, const char *path, struct error *err)
{
	struct buf empty = BUF_INIT;

	r->seg = 0;
	r->batch = empty;
	r->batch_pos = 0;
	r->next_off = r->low = 0;
	cursor_init(&r->cur, &r->log, &r->batch);
	r->path = r->cur.path;
	return log_open(&r->log, path, 0, err);
}

void reader_close(struct reader *r)
{
	cursor_release(&r->cur);
	buf_release(&r->batch);
	log_close(&r->log);
}

static int open_seg(struct reader *r, size_t i, struct error *err)
{
	cursor_close(&r->cur);
	r->seg = i;
	r->cur.pos = SEGMENT_HEADER_LEN;
	r->cur.size = 0;
	if (i >= r->log.nseg)
		return 0;
	return cursor_open_seg(&r->cur, i, err);
}

/* Whether segment i, which failed to open, is gone (removed meanwhile by
 * logcompact: compact.h); then the log is listed again. */
static int vanished(struct reader *r, size_t i)
{
	char name[SEGMENT_NAME_MAX];
	struct error e;
	struct stat st;

	if (i >= r->log.nseg)
		return 0;
	segment_name(r->log.seg[i], ".log", name);
	return fstatat(r->log.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
	       log_list(&r->log, &e) == 0;
}

static int is_last(const struct reader *r)
{
	return r->seg + 1 >= r->log.nseg;
}

static int skip_in_segment(struct reader *r, uint64_t off, struct error *err);

/*
 * At the end of a sealed segment: lists the segments again and opens the
 * one that holds r->next_off, unless that is the file just read, then the
 * one after it.  A segment that vanishes before it is opened (compaction
 * or retention removed it) makes it look again.
 */
static int advance(struct reader *r, struct error *err)
{
	struct stat done;
	uint64_t base = r->cur.base;
	int have = fstat(r->cur.fd, &done) == 0;

	for (int attempt = 0;; attempt++) {
		char name[SEGMENT_NAME_MAX];
		struct stat st;
		size_t i, j;
		if (log_list(&r->log, err) < 0)
			return -1;
		if (r->log.nseg == 0)
			return open_seg(r, 0, err);
		i = log_seg_for(&r->log, r->next_off);
		j = log_seg_for(&r->log, base);
		segment_name(base, ".log", name);
		if (r->log.seg[j] == base && have && fstatat(r->log.dirfd, name, &st, 0) == 0 &&
		    st.st_ino == done.st_ino && st.st_dev == done.st_dev)
			i = j + 1;	/* the file just read is still there: the next */
		if (i >= r->log.nseg)
			i = r->log.nseg - 1;
		if (open_seg(r, i, err) < 0) {
			segment_name(r->log.seg[i], ".log", name);
			if (attempt < 100 && fstatat(r->log.dirfd, name, &st, 0) < 0 && errno == ENOENT)
				continue;	/* removed meanwhile */
			return -1;
		}
		return skip_in_segment(r, r->next_off, err) < 0 ? -1 : 0;
	}
}

int reader_next(struct reader *r, struct batch_header *h, struct error *err)
{
	struct cursor *c = &r->cur;
	int rc, gone = 0;

	for (;;) {
		if (r->seg >= r->log.nseg)
			return 0;
		if (c->fd < 0 && open_seg(r, r->seg, err) < 0) {
			if (++gone < 100 && vanished(r, r->seg)) {
				r->seg = log_seg_for(&r->log, r->next_off);
				continue;
			}
			return -1;
		}
		c->active = is_last(r);
		if (c->active) {
			/* the writer may have gone on since we looked */
			struct stat st;
			if (fstat(c->fd, &st) == 0)
				c->size = (uint64_t)st.st_size;
		}
		rc = cursor_read(c, c->pos, h, 0, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (c->active)
				return 0;	/* the end, or a torn or growing tail */
			if (advance(r, err) < 0)
				return -1;
			continue;
		}
		assert(c->pos >= SEGMENT_HEADER_LEN && r->low <= r->next_off);
		r->batch_pos = c->pos;
		c->pos = cursor_after(c->pos, h);
		if (batch_next(h) <= r->next_off)
			continue;	/* passed already, in an older copy */
		r->low = r->next_off;
		r->next_off = batch_next(h);
		return 1;
	}
}

int reader_refresh(struct reader *r, struct error *err)
{
	uint64_t base = r->cur.fd >= 0 ? r->cur.base : r->seg < r->log.nseg ? r->log.seg[r->seg] : 0;
	int had = r->seg < r->log.nseg;
	size_t i;

	if (log_list(&r->log, err) < 0)
		return -1;
	if (!had) {
		/* nothing was open: an empty log, or one not yet written */
		r->seg = 0;
		return 0;
	}
	for (i = 0; i < r->log.nseg; i++)
		if (r->log.seg[i] == base) {
			r->seg = i;
			return 0;
		}
	/* removed by compaction or retention: reading goes on in the open
	 * file, then by offset (advance) */
	r->seg = log_seg_for(&r->log, base);
	return 0;
}

/* Moves to the first batch of the open segment whose next offset is > off,
 * starting at the index's hint; headers only.  Returns 1 found, 0 when the
 * segment ends first, -1 on error. */
static int skip_in_segment(struct reader *r, uint64_t off, struct error *err)
{
	struct batch_header h;
	uint64_t pos = cursor_hint(&r->cur, off);
	int rc;

	for (;;) {
		rc = segment_read_batch(r->cur.fd, pos, r->cur.size, &r->batch, &h, 1, err);
		if (rc == BATCH_IOERR)
			return -1;
		if (rc != BATCH_OK) {
			r->cur.pos = pos;	/* reader_next reports damage, or ends */
			return 1;
		}
		if (batch_next(&h) > off) {
			r->cur.pos = pos;
			return 1;
		}
		pos += BATCH_HEADER_LEN + h.payload_len;
		if (pos >= r->cur.size) {
			r->cur.pos = pos;
			return 0;
		}
	}
}

int reader_seek(struct reader *r, uint64_t off, struct error *err)
{
	size_t i;
	int gone = 0;

	r->next_off = r->low = off;
	if (r->log.nseg == 0)
		return 0;
again:
	for (i = log_seg_for(&r->log, off); i < r->log.nseg; i++) {
		int rc;
		if (open_seg(r, i, err) < 0) {
			if (++gone < 100 && vanished(r, i))
				goto again;	/* in the new list */
			return -1;
		}
		rc = skip_in_segment(r, off, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return open_seg(r, r->log.nseg - 1, err) < 0 ? -1 : (r->cur.pos = r->cur.size, 0);
}

int reader_bounds(struct reader *r, uint64_t *first, uint64_t *next, struct error *err)
{
	struct log log;
	int rc;

	*first = *next = 0;
	if (r->log.nseg == 0)
		return 0;
	/* a log of its own: the reader's list of segments stays as it is */
	if (log_open(&log, r->log.path, 0, err) < 0)
		return -1;
	rc = seek_bounds(&log, first, next, err);
	log_close(&log);
	return rc;
}

/*
 * Counts the records with offsets in [lo, hi) into *n, reading batches from
 * lo.  With at set: stops at the record after the first skip of them and
 * sets *at to its offset (hi when there are no more).  A batch whose
 * offsets have no gaps (count == last delta + 1) is counted from its
 * header; one compaction thinned is decoded.  Returns 0 or -1.
 */
static int walk(struct reader *r, uint64_t lo, uint64_t hi, uint64_t skip, uint64_t *n,
		uint64_t *at, struct error *err)
{
	struct buf scratch = BUF_INIT;
	struct batch_header h;
	int got, rc = -1;

	*n = 0;
	if (at)
		*at = hi;
	if (reader_seek(r, lo, err) < 0)
		return -1;
	while ((got = reader_next(r, &h, err)) > 0 && h.base < hi) {
		uint64_t a = lo > r->low ? lo : r->low, b = batch_next(&h) < hi ? batch_next(&h) : hi;
		const uint8_t *p;
		size_t len, k;
		struct record rec;
		if (a < h.base)
			a = h.base;
		if (h.count == (uint64_t)h.last_delta + 1 && !batch_has_checkpoint(&h)) {
			uint64_t c = b > a ? b - a : 0;
			if (at && *n + c > skip) {
				*at = a + (skip - *n);
				break;
			}
			*n += c;
			continue;
		}
		if (batch_payload(r->batch.p, &h, &scratch, &p, &len, err) < 0)
			goto out;
		/* a checkpoint record is not counted (checkpoint.h) */
		if (batch_has_checkpoint(&h) && checkpoint_split(p, len, &len, err) < 0) {
			error_prefix(err, "'%s': batch at byte %llu", r->path,
				     (unsigned long long)r->batch_pos);
			goto out;
		}
		for (; len > 0; p += k, len -= k) {
			if (record_decode(p, len, &rec, &k, err) != ITEM_OK) {
				error_prefix(err, "'%s': batch at byte %llu", r->path,
					     (unsigned long long)r->batch_pos);
				goto out;
			}
			if (rec.offset < a || rec.offset >= b)
				continue;
			if (at && *n == skip) {
				*at = rec.offset;
				rc = 0;
				goto out;
			}
			++*n;
		}
	}
	rc = got < 0 ? -1 : 0;
out:
	buf_release(&scratch);
	return rc;
}

int reader_last(struct reader *r, uint64_t n, uint64_t first, uint64_t hi, uint64_t *lo,
		struct error *err)
{
	uint64_t have = 0, step = n, c;

	/* back from hi by n offsets, then by twice as many, ... until n
	 * records are found: gaps left by compaction cost few passes */
	*lo = hi;
	while (have < n && *lo > first) {
		uint64_t from = *lo - first > step ? *lo - step : first;
		if (walk(r, from, *lo, 0, &c, NULL, err) < 0)
			return -1;
		have += c;
		*lo = from;
		step = step > UINT64_MAX / 2 ? UINT64_MAX : 2 * step;
	}
	if (have > n)
		return walk(r, *lo, hi, have - n, &c, lo, err) < 0 ? -1 : 1;
	return have == n;
}

int reader_forward(struct reader *r, uint64_t n, uint64_t lo, uint64_t hi, uint64_t *at,
		   struct error *err)
{
	uint64_t c;

	if (walk(r, lo, hi, n, &c, at, err) < 0)
		return -1;
	return *at < hi || c >= n;
}
