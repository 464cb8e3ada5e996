/* seek.c - a log's bounds and the offset of a time (see seek.h). */
#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "index.h"
#include "littleendian.h"
#include "seek.h"

enum { SCAN_END = 0, SCAN_FOUND = 1, SCAN_PAST = 2 };

int seek_relisted(struct log *log)
{
	size_t n = log->nseg;
	uint64_t *old = malloc((n ? n : 1) * sizeof *old);
	struct error e;
	int changed = 0;

	if (!old)
		return 0;
	if (n)	/* (log->seg is NULL without segments) */
		memcpy(old, log->seg, n * sizeof *old);
	if (log_list(log, &e) == 0)
		changed = n != log->nseg || (n && memcmp(old, log->seg, n * sizeof *old) != 0);
	free(old);
	return changed;
}

/* ---- bounds ---------------------------------------------------------------- */

/* The offset the next record gets (seek_bounds), on this list of segments. */
static int end_once(struct log *log, uint64_t *next, struct error *err)
{
	struct cursor c;
	struct batch_header h;
	uint64_t pos;
	int rc = 0, got = 0;

	*next = log->nseg ? log->seg[log->nseg - 1] : 0;
	if (!log->nseg)
		return 0;
	cursor_init(&c, log, NULL);
	if (cursor_open_tail(&c, log->nseg - 1, err) < 0) {
		rc = -1;
		goto out;
	}
	for (pos = c.tail_from; (rc = cursor_read(&c, pos, &h, 0, err)) == 1;
	     pos = cursor_after(pos, &h), got = 1)
		*next = batch_next(&h);
	/* the batch the index entry names is torn (power loss): the end is
	 * that of the batches before it */
	if (rc == 0 && !got)
		for (pos = SEGMENT_HEADER_LEN; pos < c.tail_from &&
		     (rc = cursor_read(&c, pos, &h, 0, err)) == 1; pos = cursor_after(pos, &h))
			*next = batch_next(&h);
out:
	cursor_release(&c);
	return rc < 0 ? -1 : 0;
}

static int bounds_once(struct log *log, uint64_t *first, uint64_t *next, struct error *err)
{
	struct cursor c;
	struct batch_header h;
	int found = 0, rc = 0;
	size_t i;

	*first = log->nseg ? log->seg[log->nseg - 1] : 0;
	cursor_init(&c, log, NULL);
	for (i = 0; i < log->nseg && !found && rc == 0; i++) {
		rc = cursor_open_tail(&c, i, err);
		if (rc == 0)
			rc = cursor_read(&c, SEGMENT_HEADER_LEN, &h, 1, err);
		if (rc == 1) {
			*first = h.base;
			found = 1;
			rc = 0;
		}
	}
	cursor_release(&c);
	if (rc < 0 || end_once(log, next, err) < 0)
		return -1;
	if (!found || *first > *next)
		*first = *next;
	assert(*first <= *next);
	return 0;
}

int seek_bounds(struct log *log, uint64_t *first, uint64_t *next, struct error *err)
{
	int rc, k = 0;

	while ((rc = bounds_once(log, first, next, err)) < 0 && k++ < SEEK_RETRIES &&
	       seek_relisted(log))
		;
	return rc;
}

int seek_end(struct log *log, uint64_t *end, struct error *err)
{
	int rc, k = 0;

	while ((rc = end_once(log, end, err)) < 0 && k++ < SEEK_RETRIES && seek_relisted(log))
		;
	return rc;
}

/* ---- the first offset at or after a time -------------------------------- */

/* A time index entry: the largest timestamp up to its batch, the batch's
 * offset and (from the offset index) position. */
struct time_entry {
	int64_t ts;
	uint64_t off, pos;
};

/*
 * Reads time index entry i of segment c and checks it against the segment:
 * the offset index must have an entry for its offset, naming a batch with
 * that offset whose largest timestamp is not above the entry's (which is a
 * largest-so-far).  Returns 1 when it holds, 0 when the indexes cannot be
 * trusted.
 */
static int time_entry(struct cursor *c, int ifd, int tfd, uint64_t i, struct time_entry *te)
{
	uint8_t e[TIMEINDEX_ENTRY_LEN];
	struct batch_header h;
	uint64_t off;

	if (!index_read_entry(tfd, i, TIMEINDEX_ENTRY_LEN, e))
		return 0;
	te->ts = (int64_t)le64(e);
	te->off = c->base + le32(e + 8);
	index_lookup(ifd, c->base, te->off, &te->pos, &off);
	return off == te->off && cursor_peek(c, te->pos, &h) && h.base == te->off &&
	       h.max_ts <= te->ts;
}

/*
 * Where in segment c the first batch whose largest timestamp is >= ts can
 * lie, by its indexes: from *pos to *stop (the batch of the first time
 * index entry >= ts, UINT64_MAX to the end).  The time index entry before
 * that one says every batch up to the offset index entry before it is
 * older, so the scan is one index interval.  The entries either side of ts
 * are checked against the segment (time_entry); when they do not hold, or
 * there are no indexes: the whole segment.
 */
static void time_window(struct cursor *c, int64_t ts, uint64_t *pos, uint64_t *stop)
{
	int ifd = index_open(c->log, c->base, ".index");
	int tfd = index_open(c->log, c->base, ".timeindex");
	uint64_t lo = 0, nt = index_entries(tfd, TIMEINDEX_ENTRY_LEN), hi = nt, pp, op;
	struct time_entry k, prev;
	uint8_t e[TIMEINDEX_ENTRY_LEN];

	*pos = SEGMENT_HEADER_LEN;
	*stop = UINT64_MAX;
	/* every record is at or after INT64_MIN: the first batch holds the
	 * answer.  (The skip below is no answer for it: with no time entry
	 * before the first one >= ts, what says the batches before are older
	 * is that their largest timestamp never grew above INT64_MIN, as when
	 * records have that timestamp.) */
	if (ts == INT64_MIN || index_entries(ifd, INDEX_ENTRY_LEN) == 0 || nt == 0)
		goto out;
	while (lo < hi) {	/* the first entry >= ts */
		uint64_t mid = lo + (hi - lo) / 2;
		if (!index_read_entry(tfd, mid, TIMEINDEX_ENTRY_LEN, e))
			goto out;
		if ((int64_t)le64(e) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the entries either side of ts must hold, and increase */
	if (lo > 0 && !time_entry(c, ifd, tfd, lo - 1, &prev))
		goto out;
	if (lo < nt && (!time_entry(c, ifd, tfd, lo, &k) ||
			(lo > 0 && (prev.ts >= k.ts || prev.off >= k.off))))
		goto out;
	if (lo < nt) {
		/* from the offset index entry before that entry's batch: the
		 * entry before (or, for the first entry, the lack of one: no
		 * growth above INT64_MIN < ts) says the batches up to it are
		 * older than ts */
		pp = k.pos;
		if (k.off > c->base) {
			index_lookup(ifd, c->base, k.off - 1, &pp, &op);
			if (!cursor_at(c, pp, op))
				goto out;
		}
		*pos = pp;
		*stop = k.pos;
	} else {
		/* no entry reaches ts: only the batches from the last offset
		 * index entry on can */
		index_lookup(ifd, c->base, UINT64_MAX - 1, &pp, &op);
		if (op >= prev.off && cursor_at(c, pp, op))
			*pos = pp;
	}
out:
	if (ifd >= 0)
		close(ifd);
	if (tfd >= 0)
		close(tfd);
}

/*
 * From the batch at pos on, reading headers only, finds the first batch
 * whose largest timestamp is >= ts.  Returns SCAN_FOUND with *bpos and *h
 * set, SCAN_END at the end of the segment, SCAN_PAST when the batches
 * reach beyond stop first, -1 with err set.
 */
static int scan_max_ts(struct cursor *c, uint64_t pos, uint64_t stop, int64_t ts,
		       uint64_t *bpos, struct batch_header *h, struct error *err)
{
	for (;;) {
		int rc;
		if (pos > stop)
			return SCAN_PAST;
		rc = cursor_read(c, pos, h, 1, err);
		if (rc <= 0)
			return rc < 0 ? -1 : SCAN_END;
		if (h->max_ts >= ts) {
			*bpos = pos;
			return SCAN_FOUND;
		}
		pos = cursor_after(pos, h);
	}
}

/* Reads the batch at pos (header hdr, from the scan) whole and keeps its
 * records' offsets and timestamps in the seeker, unless they are there
 * already.  Returns SCAN_FOUND, SCAN_END when the batch is a torn tail,
 * -1 with err set. */
static int cache_batch(struct seeker *s, struct cursor *c, uint64_t pos,
		       const struct batch_header *hdr, struct error *err)
{
	const struct batch_header *h = &c->h;
	struct record r;
	int rc;

	if (s->cache_off && s->cache_base == c->base && s->cache_pos == pos &&
	    s->cache_crc == hdr->crc)
		return SCAN_FOUND;
	s->cache_n = 0;
	s->cache_base = UINT64_MAX;
	rc = cursor_load(c, pos, err);
	if (rc <= 0)
		return rc < 0 ? -1 : SCAN_END;
	if (h->count > s->cache_cap) {
		uint64_t *o = realloc(s->cache_off, h->count * sizeof *o);
		int64_t *t = o ? realloc(s->cache_ts, h->count * sizeof *t) : NULL;
		if (o)
			s->cache_off = o;
		if (t)
			s->cache_ts = t;
		if (!o || !t)
			return error_set(err, "out of memory");
		s->cache_cap = h->count;
	}
	while ((rc = cursor_walk(c, &r, err)) > 0) {
		if (s->cache_n == h->count)
			return error_set(err, "'%s': damaged batch at byte %llu: more records than "
					 "its header counts", c->path, (unsigned long long)pos);
		s->cache_off[s->cache_n] = r.offset;
		s->cache_ts[s->cache_n++] = r.ts;
	}
	if (rc < 0)
		return -1;
	s->cache_base = c->base;
	s->cache_pos = pos;
	s->cache_crc = h->crc;
	return SCAN_FOUND;
}

/* In the batch at pos, the first record with a timestamp >= ts.  Returns
 * SCAN_FOUND with *off and *rec_ts set, SCAN_PAST when there is none,
 * SCAN_END when the batch is a torn tail, -1 with err set. */
static int first_in_batch(struct seeker *s, struct cursor *c, uint64_t pos,
			  const struct batch_header *hdr, int64_t ts, uint64_t *off,
			  int64_t *rec_ts, struct error *err)
{
	int rc = cache_batch(s, c, pos, hdr, err);

	if (rc != SCAN_FOUND)
		return rc;
	for (size_t i = 0; i < s->cache_n; i++)
		if (s->cache_ts[i] >= ts) {
			*off = s->cache_off[i];
			*rec_ts = s->cache_ts[i];
			return SCAN_FOUND;
		}
	return SCAN_PAST;
}

/* The first record of segment c with a timestamp >= ts.  Returns 1 with
 * *off and *rec_ts set, 0 when the segment has none, -1. */
static int seg_find_time(struct seeker *s, struct cursor *c, int64_t ts, uint64_t *off,
			 int64_t *rec_ts, struct error *err)
{
	struct batch_header h;
	uint64_t pos, stop, bpos;
	int rc, whole = 0;

	time_window(c, ts, &pos, &stop);
	for (;;) {
		rc = scan_max_ts(c, pos, stop, ts, &bpos, &h, err);
		if (rc < 0)
			return -1;
		if (rc == SCAN_END)
			return 0;
		if (rc == SCAN_PAST) {
			/* the indexes do not match the segment: scan it all */
			if (whole)
				return 0;
			whole = 1;
			pos = SEGMENT_HEADER_LEN;
			stop = UINT64_MAX;
			continue;
		}
		rc = first_in_batch(s, c, bpos, &h, ts, off, rec_ts, err);
		if (rc < 0)
			return -1;
		if (rc == SCAN_FOUND)
			return 1;
		if (rc == SCAN_END)
			return 0;
		pos = cursor_after(bpos, &h);
	}
}

/*
 * The largest timestamp of segment c: its last time index entry covers the
 * batches up to its last offset index entry, the batches from there on are
 * read (headers); without sound indexes, all headers are.  Returns 1 with
 * *max set, 0 when the segment holds no batch, -1 with err set.
 */
static int seg_max_ts(struct cursor *c, int64_t *max, struct error *err)
{
	int ifd = index_open(c->log, c->base, ".index");
	int tfd = index_open(c->log, c->base, ".timeindex");
	uint64_t nt = index_entries(tfd, TIMEINDEX_ENTRY_LEN), pos = SEGMENT_HEADER_LEN, pp, op;
	struct batch_header h;
	struct time_entry last;
	int have = 0, rc;

	*max = INT64_MIN;
	if (nt > 0 && index_entries(ifd, INDEX_ENTRY_LEN) > 0 &&
	    time_entry(c, ifd, tfd, nt - 1, &last)) {
		index_lookup(ifd, c->base, UINT64_MAX - 1, &pp, &op);
		if (op >= last.off && cursor_at(c, pp, op)) {
			*max = last.ts;
			have = 1;
			pos = pp;
		}
	}
	if (ifd >= 0)
		close(ifd);
	if (tfd >= 0)
		close(tfd);
	for (; (rc = cursor_read(c, pos, &h, 1, err)) == 1; pos = cursor_after(pos, &h)) {
		if (h.max_ts > *max)
			*max = h.max_ts;
		have = 1;
	}
	return rc < 0 ? -1 : have;
}

void seeker_init(struct seeker *s, struct log *log)
{
	struct buf empty = BUF_INIT;

	s->log = log;
	s->known = 0;
	s->prefix_max = NULL;
	s->scratch = empty;
	s->cache_base = UINT64_MAX;
	s->cache_pos = 0;
	s->cache_crc = 0;
	s->cache_n = s->cache_cap = 0;
	s->cache_off = NULL;
	s->dir_mtime.tv_sec = 0;	/* the first search lists the segments again */
	s->dir_mtime.tv_nsec = 0;
	s->end_known = 0;
	s->cache_ts = NULL;
}

void seeker_release(struct seeker *s)
{
	free(s->prefix_max);
	free(s->cache_off);
	free(s->cache_ts);
	s->prefix_max = NULL;
	s->cache_off = NULL;
	s->cache_ts = NULL;
	s->cache_n = s->cache_cap = 0;
	s->known = 0;
	buf_release(&s->scratch);
}

/* Searches segments from i on, in order, for the first record >= ts below
 * end; none: *off = end. */
static int find_from(struct seeker *s, size_t i, int64_t ts, uint64_t end, uint64_t *off,
		     int64_t *rec_ts, struct error *err)
{
	struct cursor c;
	int rc = 0;

	cursor_init(&c, s->log, &s->scratch);
	c.end = end;
	for (; i < s->log->nseg && rc == 0; i++) {
		rc = cursor_open_tail(&c, i, err);
		if (rc == 0)
			rc = seg_find_time(s, &c, ts, off, rec_ts, err);
	}
	cursor_release(&c);
	if (rc != 0)
		return rc;
	*off = end;
	return 0;
}

static int seeker_find_once(struct seeker *s, int64_t ts, uint64_t end, uint64_t *off,
			    int64_t *rec_ts, struct error *err)
{
	size_t sealed = s->log->nseg ? s->log->nseg - 1 : 0, lo = 0, hi;
	struct cursor c;

	if (!s->prefix_max && sealed && !(s->prefix_max = calloc(sealed, sizeof *s->prefix_max)))
		return error_set(err, "out of memory");
	/* learn sealed segments' largest timestamps until one reaches ts */
	cursor_init(&c, s->log, &s->scratch);
	while (s->known < sealed && (s->known == 0 || s->prefix_max[s->known - 1] < ts)) {
		int64_t m = INT64_MIN, prev = s->known ? s->prefix_max[s->known - 1] : INT64_MIN;
		int rc = cursor_open_tail(&c, s->known, err);
		if (rc == 0)
			rc = seg_max_ts(&c, &m, err);
		if (rc < 0) {
			cursor_release(&c);
			return -1;
		}
		s->prefix_max[s->known++] = rc && m > prev ? m : prev;
	}
	cursor_release(&c);
	/* the first sealed segment whose cumulative largest is >= ts */
	hi = s->known;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->prefix_max[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return find_from(s, lo, ts, end, off, rec_ts, err);
}

/* Forgets what a seeker learnt about segments that are no longer listed. */
static void seeker_forget(struct seeker *s)
{
	free(s->prefix_max);
	s->prefix_max = NULL;
	s->known = 0;
}

/* The log's end now, as seek_end, but taken from the last search while the
 * last segment has the size it had then (one stat instead of a read). */
static int seeker_end(struct seeker *s, uint64_t *end, struct error *err)
{
	struct log *log = s->log;
	uint64_t base = log->nseg ? log->seg[log->nseg - 1] : 0;
	char name[SEGMENT_NAME_MAX];
	struct stat st;
	int sized;

	segment_name(base, ".log", name);
	sized = log->nseg && fstatat(log->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (sized && s->end_known && s->end_base == base && s->end_size == (uint64_t)st.st_size) {
		*end = s->end;
		return 0;
	}
	if (seek_end(log, end, err) < 0)
		return -1;
	s->end_known = sized;
	s->end_base = base;
	s->end_size = sized ? (uint64_t)st.st_size : 0;
	s->end = *end;
	return 0;
}

int seeker_find(struct seeker *s, int64_t ts, uint64_t *off, int64_t *rec_ts,
		struct error *err)
{
	uint64_t end;
	struct stat st;
	int rc, k = 0;

	/* a question about the log as it is now: its segments listed again
	 * when the directory changed (a roll, compaction), its end now */
	if (fstat(s->log->dirfd, &st) == 0 && (st.st_mtim.tv_sec != s->dir_mtime.tv_sec ||
					       st.st_mtim.tv_nsec != s->dir_mtime.tv_nsec)) {
		s->dir_mtime = st.st_mtim;
		if (seek_relisted(s->log))
			seeker_forget(s);
	}
	if (seeker_end(s, &end, err) < 0)
		return -1;
	while ((rc = seeker_find_once(s, ts, end, off, rec_ts, err)) < 0 &&
	       k++ < SEEK_RETRIES && seek_relisted(s->log))
		seeker_forget(s);	/* what it learnt is about the old segments */
	return rc;
}

int seek_time(struct log *log, int64_t ts, uint64_t *off, int64_t *rec_ts, struct error *err)
{
	struct seeker s;
	int rc;

	seeker_init(&s, log);
	rc = seeker_find(&s, ts, off, rec_ts, err);
	seeker_release(&s);
	return rc;
}
