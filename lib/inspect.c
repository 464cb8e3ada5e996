/*
 * inspect.c - what a log holds: summary, positions by offset and by time,
 * records per interval, consumer groups' positions (see inspect.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "inspect.h"
#include "item.h"
#include "json.h"
#include "reader.h"
#include "littleendian.h"
#include "record.h"
#include "timeparse.h"

/* ---- types and private prototypes ------------------------------------------ */

/* A segment open for inspection, with the buffer its batches are read into. */
struct segcur {
	struct log *log;
	uint64_t base;
	int fd;			/* -1 when closed */
	uint64_t size;
	int active;		/* the last segment */
	uint64_t verify_from;	/* active: batches from here on are read whole */
	uint64_t end;		/* batches from this offset on are not read: the
				 * end of the log when the question was asked */
	char path[SEGMENT_NAME_MAX_PATH];
	struct buf b;
};

#define SEGCUR_INIT { .fd = -1, .b = BUF_INIT, .end = UINT64_MAX }

enum { SCAN_END = 0, SCAN_FOUND = 1, SCAN_PAST = 2 };

static int cur_open(struct segcur *c, struct log *log, size_t i, struct error *err);
static void cur_close(struct segcur *c);
static int cur_batch(struct segcur *c, uint64_t pos, struct batch_header *h, int whole,
		     struct error *err);

/* ---- small helpers --------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int open_index(const struct log *log, uint64_t base, const char *suffix)
{
	char name[SEGMENT_NAME_MAX];

	segment_name(base, suffix, name);
	return openat(log->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
}

static uint64_t entries(int fd, size_t len)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_size / len;
}

static int read_entry(int fd, uint64_t i, size_t len, uint8_t *e)
{
	return pread(fd, e, len, (off_t)(i * len)) == (ssize_t)len;
}

static uint64_t file_size_at(const struct log *log, uint64_t base, const char *suffix)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;

	segment_name(base, suffix, name);
	return fstatat(log->dirfd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
}

/* The segment that would hold offset off (the last with base <= off). */
static size_t seg_for(const struct log *log, uint64_t off)
{
	size_t lo = 0, hi = log->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->seg[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

/* Whether the batch header at pos names offset off (the index's claim). */
static int hint_ok(struct segcur *c, uint64_t pos, uint64_t off)
{
	struct batch_header h;

	if (pos == SEGMENT_HEADER_LEN && off == c->base)
		return 1;
	return segment_read_batch(c->fd, pos, c->size, &c->b, &h, 1, NULL) == BATCH_OK &&
	       h.base == off;
}

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
static int time_entry(struct segcur *c, int ifd, int tfd, uint64_t i, struct time_entry *te)
{
	uint8_t e[TIMEINDEX_ENTRY_LEN];
	struct batch_header h;
	uint64_t off;

	if (!read_entry(tfd, i, TIMEINDEX_ENTRY_LEN, e))
		return 0;
	te->ts = (int64_t)le64(e);
	te->off = c->base + le32(e + 8);
	index_lookup(ifd, c->base, te->off, &te->pos, &off);
	return off == te->off &&
	       segment_read_batch(c->fd, te->pos, c->size, &c->b, &h, 1, NULL) == BATCH_OK &&
	       h.base == te->off && h.max_ts <= te->ts;
}

/* The position of the batch holding offset off or the last before it, by
 * the offset index when it is sound there, else the first batch. */
static uint64_t hint_for(struct segcur *c, uint64_t off)
{
	uint64_t pos, first;
	int ifd = open_index(c->log, c->base, ".index");

	index_lookup(ifd, c->base, off, &pos, &first);
	if (ifd >= 0)
		close(ifd);
	return hint_ok(c, pos, first) ? pos : SEGMENT_HEADER_LEN;
}

/*
 * Decodes the record at *p (n bytes left): offset and timestamp into r,
 * then moves past it.  Returns 1, or -1 with err set when it is not a
 * well-formed record.
 */
static int next_record(const uint8_t **p, size_t *n, struct record *r, struct error *err)
{
	size_t len, ilen;
	int nf = record_decode_head(*p, *n, r, &len, err), k;

	if (nf == ITEM_TRUNCATED)
		return error_set(err, "a record ends past its batch");
	if (nf < 0)
		return -1;
	for (k = 2; k < nf; k++) {
		int rc = item_check(*p + len, *n - len, &ilen, err);
		if (rc != ITEM_OK)
			return rc == ITEM_TRUNCATED ? error_set(err, "a record ends past its batch") : -1;
		len += ilen;
	}
	*p += len;
	*n -= len;
	return 1;
}

/* The records of the batch in c->b (read whole), uncompressed. */
static int batch_records(struct segcur *c, uint64_t pos, const struct batch_header *h,
			 struct buf *scratch, const uint8_t **p, size_t *n, struct error *err)
{
	if (batch_payload(c->b.p, h, scratch, p, n, err) < 0)
		return error_prefix(err, "'%s': damaged batch at byte %llu", c->path,
				    (unsigned long long)pos);
	return 0;
}

static int record_damage(struct segcur *c, uint64_t pos, struct error *err)
{
	return error_prefix(err, "'%s': damaged batch at byte %llu", c->path,
			    (unsigned long long)pos);
}

/* ---- segments ------------------------------------------------------------ */

static int cur_open(struct segcur *c, struct log *log, size_t i, struct error *err)
{
	c->log = log;
	c->base = log->seg[i];
	c->active = i + 1 == log->nseg;
	c->verify_from = UINT64_MAX;
	if (segment_open(log, c->base, &c->fd, &c->size, NULL, c->path, err) < 0)
		return -1;
	if (c->active)
		c->verify_from = hint_for(c, UINT64_MAX - 1);
	return 0;
}

static void cur_close(struct segcur *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * Reads the batch at pos: its header only, or whole (checked by crc) when
 * whole is set or the batch lies where the active segment's tail is
 * checked.  Returns 1 with *h set, 0 at the end of the segment (also
 * before a torn or growing tail of the active segment, and at a batch
 * appended since the question was asked: base >= c->end), -1 with err set
 * on damage in a sealed segment or a read error.
 */
static int cur_batch(struct segcur *c, uint64_t pos, struct batch_header *h, int whole,
		     struct error *err)
{
	struct error why;
	int rc;

	if (pos >= c->size)
		return 0;
	if (c->active && pos >= c->verify_from)
		whole = 1;
	rc = segment_read_batch(c->fd, pos, c->size, &c->b, h, !whole, &why);
	if (rc == BATCH_OK)
		return h->base < c->end;
	if (rc == BATCH_IOERR)
		return error_set(err, "'%s': byte %llu: %s", c->path, (unsigned long long)pos,
				 why.msg);
	if (c->active)
		return 0;
	if (rc == BATCH_SHORT)
		return error_set(err, "'%s': damaged: file ends inside the batch at byte %llu",
				 c->path, (unsigned long long)pos);
	return error_set(err, "'%s': damaged batch at byte %llu: %s", c->path,
			 (unsigned long long)pos, why.msg);
}

/* ---- bounds and summary ----------------------------------------------------- */

/*
 * logcompact may replace or remove segments between the listing of a log
 * and their opening (compact.h), so that a question fails ("No such file")
 * or counts records twice.  After a failure, the log is listed again; when
 * its segments changed, the question is asked again, a few times, as
 * readers move on (reader.h).  Returns 1 when the listing changed.
 */
#define INSPECT_RETRIES 8

static int relisted(struct log *log)
{
	size_t n = log->nseg;
	uint64_t *old = malloc((n ? n : 1) * sizeof *old);
	struct error e;
	int changed = 0;

	if (!old)
		return 0;
	memcpy(old, log->seg, n * sizeof *old);
	if (log_list(log, &e) == 0)
		changed = n != log->nseg || memcmp(old, log->seg, n * sizeof *old) != 0;
	free(old);
	return changed;
}

/* The offset the next record gets: the end of the last segment's valid
 * batches (read whole from its last offset index entry on; from its start
 * when the batch there is torn); the last segment's base when it holds
 * none.  The end of the log at this moment, which a question does not read
 * past. */
static int end_once(struct log *log, uint64_t *next, struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct batch_header h;
	uint64_t pos;
	int rc = 0, got = 0;

	*next = log->nseg ? log->seg[log->nseg - 1] : 0;
	if (!log->nseg)
		return 0;
	if (cur_open(&c, log, log->nseg - 1, err) < 0) {
		rc = -1;
		goto out;
	}
	for (pos = c.verify_from; (rc = cur_batch(&c, pos, &h, 1, err)) == 1;
	     pos += BATCH_HEADER_LEN + h.payload_len, got = 1)
		*next = batch_next(&h);
	/* the batch the index entry names is torn (power loss): the end is
	 * that of the batches before it */
	if (rc == 0 && !got)
		for (pos = SEGMENT_HEADER_LEN; pos < c.verify_from &&
		     (rc = cur_batch(&c, pos, &h, 1, err)) == 1;
		     pos += BATCH_HEADER_LEN + h.payload_len)
			*next = batch_next(&h);
out:
	cur_close(&c);
	buf_release(&c.b);
	return rc < 0 ? -1 : 0;
}

static int bounds_once(struct log *log, uint64_t *first, uint64_t *next, struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct batch_header h;
	int found = 0, rc;
	size_t i;

	*first = log->nseg ? log->seg[log->nseg - 1] : 0;
	for (i = 0; i < log->nseg && !found; i++) {
		if (cur_open(&c, log, i, err) < 0)
			goto fail;
		rc = cur_batch(&c, SEGMENT_HEADER_LEN, &h, 0, err);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			*first = h.base;
			found = 1;
		}
		cur_close(&c);
	}
	buf_release(&c.b);
	if (end_once(log, next, err) < 0)
		return -1;
	if (!found || *first > *next)
		*first = *next;
	return 0;
fail:
	cur_close(&c);
	buf_release(&c.b);
	return -1;
}

/* end_once, asked again on a new list of segments when logcompact changed
 * them meanwhile. */
static int log_end(struct log *log, uint64_t *end, struct error *err)
{
	int rc, k = 0;

	while ((rc = end_once(log, end, err)) < 0 && k++ < INSPECT_RETRIES && relisted(log))
		;
	return rc;
}

/* The timestamp of the first record (last set: of the last) of the batch
 * at pos of segment i. */
static int batch_edge_ts(struct log *log, size_t i, uint64_t pos, int last, int64_t *ts,
			 struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct buf scratch = BUF_INIT;
	struct batch_header h;
	struct record r;
	const uint8_t *p;
	size_t n;
	int rc = -1;

	if (cur_open(&c, log, i, err) < 0)
		goto out;
	rc = cur_batch(&c, pos, &h, 1, err);
	if (rc == 0)
		rc = error_set(err, "'%s': the batch at byte %llu went away", c.path,
			       (unsigned long long)pos);
	if (rc < 0 || batch_records(&c, pos, &h, &scratch, &p, &n, err) < 0) {
		rc = -1;
		goto out;
	}
	rc = -1;
	while (n > 0) {
		if (next_record(&p, &n, &r, err) < 0) {
			record_damage(&c, pos, err);
			goto out;
		}
		*ts = r.ts;
		rc = 0;
		if (!last)
			break;
	}
	if (rc < 0)
		error_set(err, "'%s': damaged batch at byte %llu: no records", c.path,
			  (unsigned long long)pos);
out:
	cur_close(&c);
	buf_release(&c.b);
	buf_release(&scratch);
	return rc;
}

static int summary_once(struct log *log, uint64_t end, struct inspect_summary *s,
			struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct batch_header h;
	size_t i, first_seg = 0, last_seg = 0;
	uint64_t pos, first_pos = 0, last_pos = 0, seen = 0;
	int rc;

	memset(s, 0, sizeof *s);
	s->min_ts = INT64_MAX;
	s->max_ts = INT64_MIN;
	s->next = log->nseg ? log->seg[log->nseg - 1] : 0;
	if (log->nseg && !(s->seg = calloc(log->nseg, sizeof *s->seg)))
		return error_set(err, "out of memory");
	s->nseg = log->nseg;
	c.end = end;
	for (i = 0; i < log->nseg; i++) {
		struct inspect_segment *g = &s->seg[i];
		if (cur_open(&c, log, i, err) < 0)
			goto fail;
		g->base = c.base;
		g->bytes = c.size;
		g->index_bytes = file_size_at(log, c.base, ".index") +
				 file_size_at(log, c.base, ".timeindex");
		s->segment_bytes += g->bytes;
		s->index_bytes += g->index_bytes;
		for (pos = SEGMENT_HEADER_LEN; (rc = cur_batch(&c, pos, &h, 0, err)) == 1;
		     pos += BATCH_HEADER_LEN + h.payload_len) {
			if (s->batches && batch_next(&h) <= seen)
				continue;	/* an old copy while logcompact swaps */
			seen = batch_next(&h);
			if (s->batches++ == 0) {
				first_seg = i;
				first_pos = pos;
			}
			last_seg = i;
			last_pos = pos;
			s->records += h.count;
			if (h.min_ts < s->min_ts)
				s->min_ts = h.min_ts;
			if (h.max_ts > s->max_ts)
				s->max_ts = h.max_ts;
			if (batch_next(&h) > s->next)
				s->next = batch_next(&h);
			if (s->batches == 1)
				s->first = h.base;
		}
		if (rc < 0)
			goto fail;
		cur_close(&c);
	}
	buf_release(&c.b);
	if (s->batches == 0) {
		s->first = s->next;
		s->min_ts = s->max_ts = 0;
		return 0;
	}
	if (batch_edge_ts(log, first_seg, first_pos, 0, &s->first_ts, err) < 0 ||
	    batch_edge_ts(log, last_seg, last_pos, 1, &s->last_ts, err) < 0)
		goto fail_released;
	return 0;
fail:
	cur_close(&c);
	buf_release(&c.b);
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

/* ---- the first offset at or after a time -------------------------------- */

/*
 * Where in segment c the first batch whose largest timestamp is >= ts can
 * lie, by its indexes: from *pos to *stop (the batch of the first time
 * index entry >= ts, UINT64_MAX to the end).  The time index entry before
 * that one says every batch up to the offset index entry before it is
 * older, so the scan is one index interval.  The entries either side of ts
 * are checked against the segment (time_entry); when they do not hold, or
 * there are no indexes: the whole segment.
 */
static void time_window(struct segcur *c, int64_t ts, uint64_t *pos, uint64_t *stop)
{
	int ifd = open_index(c->log, c->base, ".index");
	int tfd = open_index(c->log, c->base, ".timeindex");
	uint64_t lo = 0, nt = entries(tfd, TIMEINDEX_ENTRY_LEN), hi = nt, pp, op;
	struct time_entry k, prev;
	uint8_t e[TIMEINDEX_ENTRY_LEN];

	*pos = SEGMENT_HEADER_LEN;
	*stop = UINT64_MAX;
	if (entries(ifd, INDEX_ENTRY_LEN) == 0 || nt == 0)
		goto out;
	while (lo < hi) {	/* the first entry >= ts */
		uint64_t mid = lo + (hi - lo) / 2;
		if (!read_entry(tfd, mid, TIMEINDEX_ENTRY_LEN, e))
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
		/* from the offset index entry before that entry's batch */
		pp = k.pos;
		if (k.off > c->base) {
			index_lookup(ifd, c->base, k.off - 1, &pp, &op);
			if (!hint_ok(c, pp, op))
				goto out;
		}
		*pos = pp;
		*stop = k.pos;
	} else {
		/* no entry reaches ts: only the batches from the last offset
		 * index entry on can */
		index_lookup(ifd, c->base, UINT64_MAX - 1, &pp, &op);
		if (op >= prev.off && hint_ok(c, pp, op))
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
static int scan_max_ts(struct segcur *c, uint64_t pos, uint64_t stop, int64_t ts,
		       uint64_t *bpos, struct batch_header *h, struct error *err)
{
	for (;;) {
		int rc;
		if (pos > stop)
			return SCAN_PAST;
		rc = cur_batch(c, pos, h, 0, err);
		if (rc <= 0)
			return rc < 0 ? -1 : SCAN_END;
		if (h->max_ts >= ts) {
			*bpos = pos;
			return SCAN_FOUND;
		}
		pos += BATCH_HEADER_LEN + h->payload_len;
	}
}

/* Reads the batch at pos (header hdr, from the scan) whole and keeps its
 * records' offsets and timestamps in the seeker, unless they are there
 * already.  Returns SCAN_FOUND, SCAN_END when the batch is a torn tail,
 * -1 with err set. */
static int cache_batch(struct inspect_seeker *s, struct segcur *c, uint64_t pos,
		       const struct batch_header *hdr, struct error *err)
{
	struct batch_header h;
	const uint8_t *p;
	struct record r;
	size_t n;
	int rc;

	if (s->cache_off && s->cache_base == c->base && s->cache_pos == pos &&
	    s->cache_crc == hdr->crc)
		return SCAN_FOUND;
	s->cache_n = 0;
	s->cache_base = UINT64_MAX;
	rc = cur_batch(c, pos, &h, 1, err);
	if (rc <= 0)
		return rc < 0 ? -1 : SCAN_END;
	if (batch_records(c, pos, &h, &s->scratch, &p, &n, err) < 0)
		return -1;
	if (h.count > s->cache_cap) {
		uint64_t *o = realloc(s->cache_off, h.count * sizeof *o);
		int64_t *t = o ? realloc(s->cache_ts, h.count * sizeof *t) : NULL;
		if (o)
			s->cache_off = o;
		if (t)
			s->cache_ts = t;
		if (!o || !t)
			return error_set(err, "out of memory");
		s->cache_cap = h.count;
	}
	while (n > 0) {
		if (next_record(&p, &n, &r, err) < 0)
			return record_damage(c, pos, err);
		if (s->cache_n == h.count)
			return error_set(err, "'%s': damaged batch at byte %llu: more records than "
					 "its header counts", c->path, (unsigned long long)pos);
		s->cache_off[s->cache_n] = r.offset;
		s->cache_ts[s->cache_n++] = r.ts;
	}
	s->cache_base = c->base;
	s->cache_pos = pos;
	s->cache_crc = h.crc;
	return SCAN_FOUND;
}

/* In the batch at pos, the first record with a timestamp >= ts.  Returns
 * SCAN_FOUND with *off and *rec_ts set, SCAN_PAST when there is none,
 * SCAN_END when the batch is a torn tail, -1 with err set. */
static int first_in_batch(struct inspect_seeker *s, struct segcur *c, uint64_t pos,
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
static int seg_find_time(struct inspect_seeker *s, struct segcur *c, int64_t ts, uint64_t *off,
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
		pos = bpos + BATCH_HEADER_LEN + h.payload_len;
	}
}

/*
 * The largest timestamp of segment c: its last time index entry covers the
 * batches up to its last offset index entry, the batches from there on are
 * read (headers); without sound indexes, all headers are.  Returns 1 with
 * *max set, 0 when the segment holds no batch, -1 with err set.
 */
static int seg_max_ts(struct segcur *c, int64_t *max, struct error *err)
{
	int ifd = open_index(c->log, c->base, ".index");
	int tfd = open_index(c->log, c->base, ".timeindex");
	uint64_t nt = entries(tfd, TIMEINDEX_ENTRY_LEN), pos = SEGMENT_HEADER_LEN, pp, op;
	struct batch_header h;
	struct time_entry last;
	int have = 0, rc;

	*max = INT64_MIN;
	if (nt > 0 && entries(ifd, INDEX_ENTRY_LEN) > 0 && time_entry(c, ifd, tfd, nt - 1, &last)) {
		index_lookup(ifd, c->base, UINT64_MAX - 1, &pp, &op);
		if (op >= last.off && hint_ok(c, pp, op)) {
			*max = last.ts;
			have = 1;
			pos = pp;
		}
	}
	if (ifd >= 0)
		close(ifd);
	if (tfd >= 0)
		close(tfd);
	for (; (rc = cur_batch(c, pos, &h, 0, err)) == 1; pos += BATCH_HEADER_LEN + h.payload_len) {
		if (h.max_ts > *max)
			*max = h.max_ts;
		have = 1;
	}
	return rc < 0 ? -1 : have;
}

void inspect_seeker_init(struct inspect_seeker *s, struct log *log)
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

void inspect_seeker_release(struct inspect_seeker *s)
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
static int find_from(struct inspect_seeker *s, size_t i, int64_t ts, uint64_t end,
		     uint64_t *off, int64_t *rec_ts, struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	int rc = 0;

	c.end = end;
	for (; i < s->log->nseg && rc == 0; i++) {
		rc = cur_open(&c, s->log, i, err);
		if (rc == 0)
			rc = seg_find_time(s, &c, ts, off, rec_ts, err);
		cur_close(&c);
	}
	buf_release(&c.b);
	if (rc != 0)
		return rc;
	*off = end;
	return 0;
}

static int seeker_find_once(struct inspect_seeker *s, int64_t ts, uint64_t end, uint64_t *off,
			    int64_t *rec_ts, struct error *err)
{
	size_t sealed = s->log->nseg ? s->log->nseg - 1 : 0, lo = 0, hi;
	struct segcur c = SEGCUR_INIT;

	if (!s->prefix_max && sealed && !(s->prefix_max = calloc(sealed, sizeof *s->prefix_max)))
		return error_set(err, "out of memory");
	/* learn sealed segments' largest timestamps until one reaches ts */
	while (s->known < sealed && (s->known == 0 || s->prefix_max[s->known - 1] < ts)) {
		int64_t m = INT64_MIN, prev = s->known ? s->prefix_max[s->known - 1] : INT64_MIN;
		int rc = cur_open(&c, s->log, s->known, err);
		if (rc == 0)
			rc = seg_max_ts(&c, &m, err);
		cur_close(&c);
		if (rc < 0) {
			buf_release(&c.b);
			return -1;
		}
		s->prefix_max[s->known++] = rc && m > prev ? m : prev;
	}
	buf_release(&c.b);
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

int inspect_find_time(struct log *log, int64_t ts, uint64_t *off, int64_t *rec_ts,
		      struct error *err)
{
	struct inspect_seeker s;
	int rc;

	inspect_seeker_init(&s, log);
	rc = inspect_seeker_find(&s, ts, off, rec_ts, err);
	inspect_seeker_release(&s);
	return rc;
}

/* ---- where an offset lives ------------------------------------------------ */

static int offset_once(struct log *log, uint64_t off, struct inspect_location *loc,
		       struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct buf scratch = BUF_INIT;
	struct batch_header h;
	const uint8_t *p;
	struct record r;
	uint64_t pos, want;
	size_t n, i;
	int rc = -1, got;

	memset(loc, 0, sizeof *loc);
	loc->offset = off;
	if (inspect_bounds(log, &loc->first, &loc->next, err) < 0)
		return -1;
	if (off >= loc->next)
		return INSPECT_BEYOND;
	/* the first record at or after off: off itself, or the one a reader
	 * of off would get */
	want = off < loc->first ? loc->first : off;
	for (i = seg_for(log, want); i < log->nseg; i++) {
		if (cur_open(&c, log, i, err) < 0)
			goto out;
		for (pos = hint_for(&c, want); (got = cur_batch(&c, pos, &h, 0, err)) == 1;
		     pos += BATCH_HEADER_LEN + h.payload_len) {
			if (batch_next(&h) <= want)
				continue;
			got = cur_batch(&c, pos, &h, 1, err);
			if (got <= 0) {
				rc = got < 0 ? -1 : INSPECT_BEYOND;
				goto out;
			}
			if (batch_records(&c, pos, &h, &scratch, &p, &n, err) < 0)
				goto out;
			while (n > 0) {
				if (next_record(&p, &n, &r, err) < 0) {
					rc = record_damage(&c, pos, err);
					goto out;
				}
				if (r.offset < want)
					continue;
				if (r.offset == off) {
					snprintf(loc->segment, sizeof loc->segment, "%s", c.path);
					loc->pos = pos;
					loc->h = h;
					loc->ts = r.ts;
					rc = INSPECT_FOUND;
				} else {
					loc->has_next_record = 1;
					loc->next_record = r.offset;
					rc = INSPECT_GONE;
				}
				goto out;
			}
		}
		if (got < 0)
			goto out;
		cur_close(&c);
	}
	rc = INSPECT_GONE;	/* no record at or after off before the end */
out:
	cur_close(&c);
	buf_release(&c.b);
	buf_release(&scratch);
	return rc;
}

/* ---- histogram ------------------------------------------------------------ */

/* Counts per interval index, growing either way up to max intervals; past
 * that only the extent is kept, for the message. */
struct hist_acc {
	int have, overflow;
	int64_t lo, hi;		/* interval indexes */
	int64_t min_ts, max_ts;
	uint64_t *cnt;		/* cnt[k] for index lo + k */
	size_t cap, max;
	uint64_t records;
};

static int hist_add(struct hist_acc *a, int64_t interval, int64_t ts, uint64_t k,
		    struct error *err)
{
	int64_t b = floor_div(ts, interval);

	a->records += k;
	if (!a->have) {
		a->have = 1;
		a->lo = a->hi = b;
		a->min_ts = a->max_ts = ts;
		a->cap = 64;
		if (!(a->cnt = calloc(a->cap, sizeof *a->cnt)))
			return error_set(err, "out of memory");
		a->cnt[0] = k;
		return 0;
	}
	if (ts < a->min_ts)
		a->min_ts = ts;
	if (ts > a->max_ts)
		a->max_ts = ts;
	if (b >= a->lo && b <= a->hi) {
		if (!a->overflow)
			a->cnt[(uint64_t)b - (uint64_t)a->lo] += k;
		return 0;
	}
	{
		int64_t nlo = b < a->lo ? b : a->lo, nhi = b > a->hi ? b : a->hi;
		uint64_t span = (uint64_t)nhi - (uint64_t)nlo;	/* intervals - 1 */
		size_t old = (size_t)((uint64_t)a->hi - (uint64_t)a->lo) + 1;
		if (a->overflow || span >= a->max) {
			a->overflow = 1;
			free(a->cnt);
			a->cnt = NULL;
			a->lo = nlo;
			a->hi = nhi;
			return 0;
		}
		if (span + 1 > a->cap) {
			size_t ncap = a->cap * 2 > span + 1 ? a->cap * 2 : (size_t)span + 1;
			uint64_t *p = realloc(a->cnt, ncap * sizeof *p);
			if (!p)
				return error_set(err, "out of memory");
			a->cnt = p;
			a->cap = ncap;
		}
		if (nlo < a->lo) {
			size_t shift = (size_t)((uint64_t)a->lo - (uint64_t)nlo);
			memmove(a->cnt + shift, a->cnt, old * sizeof *a->cnt);
			memset(a->cnt, 0, shift * sizeof *a->cnt);
		} else {
			memset(a->cnt + old, 0, ((size_t)span + 1 - old) * sizeof *a->cnt);
		}
		a->lo = nlo;
		a->hi = nhi;
		a->cnt[(uint64_t)b - (uint64_t)a->lo] += k;
	}
	return 0;
}

/* Writes a duration as the largest unit that divides it ("90m", "2h"). */
static void format_duration(int64_t ms, char *out, size_t n)
{
	static const struct { const char *unit; int64_t ms; } u[] = {
		{ "w", 604800000 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	size_t i;

	for (i = 0; i + 1 < sizeof u / sizeof u[0] && ms % u[i].ms != 0; i++)
		;
	snprintf(out, n, "%lld%s", (long long)(ms / u[i].ms), u[i].unit);
}

static uint64_t intervals_for(int64_t min_ts, int64_t max_ts, int64_t interval)
{
	return (uint64_t)floor_div(max_ts, interval) - (uint64_t)floor_div(min_ts, interval) + 1;
}

/* The histogram error: too many intervals, with one that would fit. */
static int too_many(const struct hist_acc *a, int64_t interval, struct error *err)
{
	static const int64_t nice[] = {
		1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000,
		900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000,
		86400000, 172800000, 604800000,
	};
	char cur[32], sug[32], t0[TIME_RFC3339_MAX], t1[TIME_RFC3339_MAX];
	int64_t s = 0;
	size_t i;

	for (i = 0; i < sizeof nice / sizeof nice[0] && !s; i++)
		if (nice[i] > interval && intervals_for(a->min_ts, a->max_ts, nice[i]) <= a->max)
			s = nice[i];
	for (int64_t w = 2; !s; w *= 2)	/* weeks, doubling */
		if (w >= INT64_MAX / 604800000 / 2 ||
		    intervals_for(a->min_ts, a->max_ts, w * 604800000) <= a->max)
			s = w * 604800000;
	format_duration(interval, cur, sizeof cur);
	format_duration(s, sug, sizeof sug);
	time_format_rfc3339(a->min_ts, t0);
	time_format_rfc3339(a->max_ts, t1);
	return error_set(err, "%llu intervals of %s from %s to %s are more than %zu lines: "
			 "try a larger interval, such as %s",
			 (unsigned long long)intervals_for(a->min_ts, a->max_ts, interval), cur,
			 t0, t1, a->max, sug);
}

/* Counts the records of the batch at pos that lie in [from, to). */
static int hist_batch(struct segcur *c, uint64_t pos, uint64_t from, uint64_t to,
		      int64_t interval, struct hist_acc *a, struct buf *scratch, int *end,
		      struct error *err)
{
	struct batch_header h;
	const uint8_t *p;
	struct record r;
	size_t n;
	int rc = cur_batch(c, pos, &h, 1, err);

	if (rc <= 0) {
		*end = 1;
		return rc;
	}
	if (batch_records(c, pos, &h, scratch, &p, &n, err) < 0)
		return -1;
	while (n > 0) {
		if (next_record(&p, &n, &r, err) < 0)
			return record_damage(c, pos, err);
		if (r.offset >= to)
			break;
		if (r.offset >= from && hist_add(a, interval, r.ts, 1, err) < 0)
			return -1;
	}
	return 0;
}

static int histogram_once(struct log *log, uint64_t from, uint64_t to, int64_t interval,
			  size_t max_intervals, struct inspect_histogram *hg, struct error *err)
{
	struct segcur c = SEGCUR_INIT;
	struct buf scratch = BUF_INIT;
	struct hist_acc a = { .max = max_intervals };
	struct batch_header h;
	uint64_t pos;
	int rc = 0, end = 0;

	memset(hg, 0, sizeof *hg);
	hg->interval = interval;
	hg->from = from;
	hg->to = to;
	if (interval <= 0)
		return error_set(err, "the interval must be at least 1ms");
	for (size_t i = seg_for(log, from); i < log->nseg && !end && rc == 0; i++) {
		if ((rc = cur_open(&c, log, i, err)) < 0)
			break;
		for (pos = hint_for(&c, from); !end && (rc = cur_batch(&c, pos, &h, 0, err)) == 1;
		     pos += BATCH_HEADER_LEN + h.payload_len) {
			uint64_t nx = batch_next(&h);
			if (nx <= from)
				continue;
			if (h.base >= to) {
				end = 1;
				break;
			}
			if (h.base >= from && nx <= to &&
			    (a.overflow ||
			     floor_div(h.min_ts, interval) == floor_div(h.max_ts, interval))) {
				/* one interval holds the whole batch, or too many
				 * intervals are needed and only their extent is kept:
				 * the header says enough (min_ts and max_ts are two
				 * of its records' timestamps) */
				if (hist_add(&a, interval, h.min_ts, h.count - (h.count > 1), err) < 0 ||
				    (h.count > 1 && hist_add(&a, interval, h.max_ts, 1, err) < 0)) {
					rc = -1;
					break;
				}
				continue;
			}
			if (hist_batch(&c, pos, from, to, interval, &a, &scratch, &end, err) < 0) {
				rc = -1;
				break;
			}
		}
		cur_close(&c);
		if (rc > 0)
			rc = 0;
	}
	buf_release(&c.b);
	buf_release(&scratch);
	if (rc == 0 && a.overflow)
		rc = too_many(&a, interval, err);
	if (rc < 0) {
		free(a.cnt);
		return -1;
	}
	if (a.have) {
		hg->n = (size_t)((uint64_t)a.hi - (uint64_t)a.lo) + 1;
		hg->count = a.cnt;
		hg->records = a.records;
		if (__builtin_mul_overflow(a.lo, interval, &hg->start))
			hg->start = INT64_MIN;
	}
	return 0;
}

void inspect_histogram_release(struct inspect_histogram *hg)
{
	free(hg->count);
	hg->count = NULL;
	hg->n = 0;
}

/* ---- the questions, asked again when logcompact changed the segments ----- */

int inspect_bounds(struct log *log, uint64_t *first, uint64_t *next, struct error *err)
{
	int rc, k = 0;

	while ((rc = bounds_once(log, first, next, err)) < 0 && k++ < INSPECT_RETRIES &&
	       relisted(log))
		;
	return rc;
}

int inspect_summary(struct log *log, struct inspect_summary *s, struct error *err)
{
	uint64_t end;
	int rc, k = 0;

	if (log_end(log, &end, err) < 0)
		return -1;
	while ((rc = summary_once(log, end, s, err)) < 0 && k++ < INSPECT_RETRIES && relisted(log))
		;
	return rc;
}

/* Forgets what a seeker learnt about segments that are no longer listed. */
static void seeker_forget(struct inspect_seeker *s)
{
	free(s->prefix_max);
	s->prefix_max = NULL;
	s->known = 0;
}

/* The log's end now, as log_end, but taken from the last search while the
 * last segment has the size it had then (one stat instead of a read). */
static int seeker_end(struct inspect_seeker *s, uint64_t *end, struct error *err)
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
	if (log_end(log, end, err) < 0)
		return -1;
	s->end_known = sized;
	s->end_base = base;
	s->end_size = sized ? (uint64_t)st.st_size : 0;
	s->end = *end;
	return 0;
}

int inspect_seeker_find(struct inspect_seeker *s, int64_t ts, uint64_t *off, int64_t *rec_ts,
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
		if (relisted(s->log))
			seeker_forget(s);
	}
	if (seeker_end(s, &end, err) < 0)
		return -1;
	while ((rc = seeker_find_once(s, ts, end, off, rec_ts, err)) < 0 &&
	       k++ < INSPECT_RETRIES && relisted(s->log))
		seeker_forget(s);	/* what it learnt is about the old segments */
	return rc;
}

int inspect_offset(struct log *log, uint64_t off, struct inspect_location *loc,
		   struct error *err)
{
	int rc, k = 0;

	while ((rc = offset_once(log, off, loc, err)) < 0 && k++ < INSPECT_RETRIES &&
	       relisted(log))
		;
	return rc;
}

int inspect_histogram(struct log *log, uint64_t from, uint64_t to, int64_t interval,
		      size_t max_intervals, struct inspect_histogram *hg, struct error *err)
{
	uint64_t end;
	int rc, k = 0;

	if (log_end(log, &end, err) < 0)
		return -1;
	if (to > end)
		to = end;	/* the log as it is now, not what is appended meanwhile */

	while ((rc = histogram_once(log, from, to, interval, max_intervals, hg, err)) < 0 &&
	       k++ < INSPECT_RETRIES && relisted(log))
		;
	return rc;
}
