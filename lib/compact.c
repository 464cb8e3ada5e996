/* compact.c - retention, key compaction and compression (see compact.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "checkpoint.h"
#include "compact.h"
#include "cursor.h"
#include "fileio.h"
#include "index.h"
#include "item.h"
#include "keymap.h"
#include "lock.h"
#include "logdir.h"
#include "record.h"
#include "segment.h"
#include "timeparse.h"

#define OUT_BATCH_BYTES (1u << 20)	/* records per written batch, as logappend */
#define OUT_BATCH_RECORDS 65536u
#define OUT_FLUSH (1u << 20)		/* bytes buffered before a write */
#define RAW_COPY_MIN (OUT_BATCH_BYTES / 4)	/* smaller batches are merged */
#define STATE_MAX_PASSES 1000
#define MAX_PART_BITS 20		/* then passes end at an offset instead */

/* ---- compact.state ------------------------------------------------------- */

struct pass_mark {
	uint64_t end;		/* offsets below it had been read ... */
	int64_t time;		/* ... by this time */
};

struct state {
	uint64_t cleaned;	/* offsets below it are compacted */
	struct pass_mark *pass;
	size_t n;
};

/* Reads compact.state; a missing or unreadable one is an empty state, which
 * only makes the next run read more and keep tombstones longer. */
static void state_read(struct log *log, struct state *s)
{
	int fd = openat(log->dirfd, LOGFILE_COMPACT_STATE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char buf[65536], *line, *save;
	ssize_t n;

	memset(s, 0, sizeof *s);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	line = strtok_r(buf, "\n", &save);
	if (!line || strcmp(line, "logtools-compact 1") != 0)
		return;
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned long long end;
		long long t;
		if (sscanf(line, "cleaned %llu", &end) == 1) {
			s->cleaned = end;
		} else if (sscanf(line, "pass %llu %lld", &end, &t) == 2) {
			struct pass_mark *p = realloc(s->pass, (s->n + 1) * sizeof *p);
			if (!p)
				break;
			s->pass = p;
			s->pass[s->n].end = end;
			s->pass[s->n].time = t;
			s->n++;
		}
	}
}

/* When compaction first read offset off: the first pass that reached past
 * it, else now (it is being read now). */
static int64_t first_seen(const struct state *s, uint64_t off, int64_t now)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {	/* passes are in order of end */
		size_t mid = lo + (hi - lo) / 2;
		if (s->pass[mid].end > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < s->n ? s->pass[lo].time : now;
}

static int state_add(struct state *s, uint64_t end, int64_t time)
{
	struct pass_mark *p;

	s->cleaned = end;
	if (s->n && s->pass[s->n - 1].end >= end)
		return 0;
	if (s->n && s->pass[s->n - 1].time == time) {
		s->pass[s->n - 1].end = end;
		return 0;
	}
	if (s->n == STATE_MAX_PASSES) {
		/* forget the oldest pass: its offsets count as seen by the next
		 * one, later, so their tombstones only live longer */
		memmove(s->pass, s->pass + 1, (s->n - 1) * sizeof *s->pass);
		s->n--;
	}
	p = realloc(s->pass, (s->n + 1) * sizeof *p);
	if (!p)
		return -1;
	s->pass = p;
	s->pass[s->n].end = end;
	s->pass[s->n].time = time;
	s->n++;
	return 0;
}

static int state_write(struct log *log, const struct state *s, struct error *err)
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "logtools-compact 1\ncleaned %" PRIu64 "\n", s->cleaned);

	for (size_t i = 0; i < s->n && rc == 0; i++)
		rc = buf_printf(&b, "pass %" PRIu64 " %" PRId64 "\n", s->pass[i].end, s->pass[i].time);
	if (rc < 0)
		rc = error_set(err, "out of memory");
	else
		rc = log_write_file(log, LOGFILE_COMPACT_STATE, b.p, b.len, err);
	buf_release(&b);
	return rc;
}

/* ---- the lock ---------------------------------------------------------------- */

static int compact_lock(struct log *log, int wait, struct error *err)
{
	char path[4200], what[4200], busy[4200];
	/* without wait, still give a writer that is finishing an interrupted
	 * swap (logdir_recover_idle) two seconds to let go */
	struct lock_spec ls = { log->dirfd, LOGFILE_COMPACT_LOCK, path, wait ? -1 : 2000, what, 0, busy };

	snprintf(path, sizeof path, "%s/" LOGFILE_COMPACT_LOCK, log->path);
	snprintf(what, sizeof what, "'%s', being compacted by another logcompact", log->path);
	snprintf(busy, sizeof busy, "'%s' is being compacted by another logcompact "
		 "(--wait waits for it)", log->path);
	return lock_file(&ls, err);
}

/* ---- reading segments ------------------------------------------------------ */

/* What a scan of a sealed segment found. */
struct seg {
	uint64_t base, size;
	int64_t created, max_ts;
	uint64_t records, batches;
	int zlib, plain;	/* has compressed / stored batches */
	int gone;		/* deleted by retention */
	int latest_checkpoint;	/* holds the log's latest checkpoint record */
	/* measured for the pass */
	uint64_t keep, drop, keep_bytes;
};

/* Records decoded a few at a time, their keys hashed and their slots in the
 * key map prefetched, so that the map's cache misses overlap. */
#define CHUNK 32

struct chunk {
	size_t n;
	struct record rec[CHUNK];
	const uint8_t *at[CHUNK];	/* the record's bytes */
	size_t len[CHUNK];
	struct keyhash h[CHUNK];
	uint8_t keyed[CHUNK];		/* its key is not null */
};

static int is_null(const uint8_t *p, size_t n)
{
	return n == 1 && p[0] == 0xf6;
}

/* The next records of the batch: 1, 0 at its end, -1 on damage. */
static int cur_chunk(struct cursor *c, const struct keymap *m, struct chunk *k,
		     struct error *err)
{
	k->n = 0;
	while (k->n < CHUNK) {
		const uint8_t *at = c->p;
		struct record *rec = &k->rec[k->n];
		int rc = cursor_record(c, rec, &k->len[k->n], err);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
		k->at[k->n] = at;
		k->keyed[k->n] = !is_null(rec->key, rec->keylen);
		if (k->keyed[k->n]) {
			keymap_hash(rec->key, rec->keylen, &k->h[k->n]);
			keymap_prefetch(m, &k->h[k->n]);
		}
		k->n++;
	}
	return k->n > 0;
}

/* ---- a run ----------------------------------------------------------------- */

struct run {
	struct log log;
	const struct compact_options *opt;
	struct compact_stats *st;
	struct seg *seg;	/* the sealed segments */
	size_t nseg;
	uint64_t active;	/* base of the active segment */
	struct state state;
	struct keymap map;
	struct cursor cur;	/* reading into batch */
	struct buf batch;
	uint64_t from;		/* where keys are read from: before it, the log is clean */
	uint64_t pass_end;	/* records below it are candidates for removal */
	unsigned bits;		/* keys in 2^bits partitions by hash ... */
	uint64_t part;		/* ... and the pass takes those of this one */
	uint64_t drops;		/* records the rewrite left out */
	/* the latest checkpoint record's offset (checkpoint.h; UINT64_MAX:
	 * none): kept, with its batch's flag; older ones go with --compact */
	uint64_t checkpoint;
	/* writing */
	int outfd;
	struct buf out;		/* bytes not yet written to outfd */
	uint64_t out_size;	/* bytes in the file so far */
	uint64_t out_records, out_batches, flushes;
	struct chunk chunk;
	struct buf pend;	/* records of the batch being built */
	struct batch_header ph;
	int level;		/* zlib level of the batches built */
	char outpath[SEGMENT_NAME_MAX_PATH];
	/* progress */
	uint64_t done, total;
	const char *what;
};

static void progress(struct run *r, uint64_t bytes)
{
	r->done += bytes;
	if (r->opt->progress)
		r->opt->progress(r->opt->progress_arg, r->what, r->done, r->total);
}

static void phase(struct run *r, const char *what, uint64_t total)
{
	r->what = what;
	r->done = 0;
	r->total = total;
	progress(r, 0);
}

/* Reads every sealed segment whole, checking every crc, for its size,
 * records, timestamps and codecs: damage stops the run before any change.
 * (About 5% of a compaction: the crc is ISA-L's, the bytes are cached.) */
static int survey(struct run *r, struct error *err)
{
	uint64_t total = 0;

	free(r->seg);
	r->seg = NULL;
	r->nseg = 0;
	if (log_list(&r->log, err) < 0)
		return -1;
	if (r->log.nseg == 0) {
		r->active = 0;
		return 0;
	}
	r->active = r->log.seg[r->log.nseg - 1];
	r->nseg = r->log.nseg - 1;
	r->seg = calloc(r->nseg + 1, sizeof *r->seg);
	if (!r->seg)
		return error_set(err, "out of memory");
	for (size_t i = 0; i < r->nseg; i++) {
		struct stat st;
		char name[SEGMENT_NAME_MAX];
		segment_name(r->log.seg[i], ".log", name);
		if (fstatat(r->log.dirfd, name, &st, 0) == 0)
			total += (uint64_t)st.st_size;
	}
	phase(r, "checking", total);
	for (size_t i = 0; i < r->nseg; i++) {
		struct seg *s = &r->seg[i];
		int rc;
		s->base = r->log.seg[i];
		s->max_ts = INT64_MIN;
		if (cursor_open(&r->cur, s->base, 0, &s->created, err) < 0) {
			cursor_close(&r->cur);
			return -1;
		}
		s->size = r->cur.size;
		while ((rc = cursor_next(&r->cur, 0, err)) > 0) {
			s->records += r->cur.h.count - (batch_has_checkpoint(&r->cur.h) ? 1 : 0);
			s->batches++;
			if (batch_has_checkpoint(&r->cur.h) && r->checkpoint >= r->cur.h.base &&
			    r->checkpoint < batch_next(&r->cur.h))
				s->latest_checkpoint = 1;
			if (r->cur.h.max_ts > s->max_ts)
				s->max_ts = r->cur.h.max_ts;
			if ((r->cur.h.flags & BATCH_CODEC_MASK) == BATCH_CODEC_ZLIB)
				s->zlib = 1;
			else
				s->plain = 1;
			progress(r, BATCH_HEADER_LEN + r->cur.h.payload_len);
		}
		cursor_close(&r->cur);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- retention -------------------------------------------------------------- */

static int retain(struct run *r, struct error *err)
{
	const struct compact_options *o = r->opt;
	uint64_t total = 0;
	char name[SEGMENT_NAME_MAX];
	struct stat st;
	size_t i;

	segment_name(r->active, ".log", name);
	if (fstatat(r->log.dirfd, name, &st, 0) == 0)
		total = (uint64_t)st.st_size;
	for (i = 0; i < r->nseg; i++)
		total += r->seg[i].size;
	for (i = 0; i < r->nseg; i++) {
		struct seg *s = &r->seg[i];
		int by_time = o->retain_time >= 0 && s->max_ts < o->now - o->retain_time;
		int by_size = total > o->retain_size;
		if (!by_time && !by_size)
			break;
		segment_name(s->base, ".log", name);
		if (s->latest_checkpoint) {
			/* a pipe's output: where it resumes (checkpoint.h) */
			if (o->plan)
				fprintf(o->plan, "keep %s: it holds the latest checkpoint\n", name);
			break;
		}
		if (o->plan)
			fprintf(o->plan, "delete %s: %" PRIu64 " records, %" PRIu64 " bytes (%s)\n",
				name, s->records, s->size,
				by_time ? "older than --retain-time" : "log larger than --retain-size");
		else if (logdir_remove_segment(&r->log, s->base, err) < 0)
			return -1;
		s->gone = 1;
		total -= s->size;
		r->st->deleted++;
		r->st->deleted_records += s->records;
		r->st->deleted_bytes += s->size;
	}
	if (i && !o->plan && log_sync_dir(&r->log, err) < 0)
		return -1;
	return 0;
}

/* ---- key compaction ----------------------------------------------------------- */

/* The first segment (index) that is not gone. */
static size_t first_seg(const struct run *r)
{
	size_t i = 0;

	while (i < r->nseg && r->seg[i].gone)
		i++;
	return i;
}

/*
 * Fills the key map with the keys of the pass's partition, from offset
 * 'from' on up to the cleanable end e.  When the map is full it splits the
 * partition in two and keeps one half (a later pass takes the other); past
 * MAX_PART_BITS, it ends the pass at the record whose key did not fit
 * instead.  Sets r->pass_end: e, or that record's offset.
 */
static int read_keys(struct run *r, uint64_t from, uint64_t e, struct error *err)
{
	uint64_t total = 0;
	size_t i;

	keymap_clear(&r->map);
	r->pass_end = e;
	for (i = first_seg(r); i < r->nseg; i++)
		if (r->seg[i].base < e && (i + 1 == r->nseg || r->seg[i + 1].base > from))
			total += r->seg[i].size;
	phase(r, "reading keys", total);
	for (i = first_seg(r); i < r->nseg && r->seg[i].base < e; i++) {
		int rc;
		if (i + 1 < r->nseg && r->seg[i + 1].base <= from)
			continue;
		if (cursor_open(&r->cur, r->seg[i].base, 0, NULL, err) < 0)
			goto fail;
		while ((rc = cursor_next(&r->cur, 1, err)) > 0) {
			struct chunk *k = &r->chunk;
			if (batch_next(&r->cur.h) <= from)
				goto next;
			while ((rc = cur_chunk(&r->cur, &r->map, k, err)) > 0) {
				for (size_t j = 0; j < k->n; j++) {
					uint64_t off = k->rec[j].offset;
					if (off < from || !k->keyed[j] ||
					    keymap_part(&k->h[j], r->bits) != r->part)
						continue;
					if (off >= e)
						break;
					while (!keymap_put_h(&r->map, &k->h[j], off)) {
						if (r->bits == MAX_PART_BITS) {
							r->pass_end = off;
							cursor_close(&r->cur);
							return 0;
						}
						keymap_split(&r->map, r->bits, r->part * 2);
						r->bits++;
						r->part *= 2;
						if (keymap_part(&k->h[j], r->bits) != r->part)
							break;
					}
				}
			}
			if (rc < 0)
				goto fail;
next:
			progress(r, BATCH_HEADER_LEN + r->cur.h.payload_len);
		}
		cursor_close(&r->cur);
		if (rc < 0)
			return -1;
	}
	return 0;
fail:
	cursor_close(&r->cur);
	return -1;
}

/* Whether compaction removes this record in this pass. */
static int removed(const struct run *r, const struct chunk *k, size_t j)
{
	const struct record *rec = &k->rec[j];
	uint64_t latest;

	if (rec->offset >= r->pass_end || !k->keyed[j] ||
	    keymap_part(&k->h[j], r->bits) != r->part)
		return 0;
	if (keymap_get_h(&r->map, &k->h[j], &latest) && latest > rec->offset)
		return 1;
	return is_null(rec->value, rec->valuelen) &&
	       first_seen(&r->state, rec->offset, r->opt->now) <= r->opt->now - r->opt->tombstone_retention;
}

/* Counts what the pass keeps of segment s. */
static int measure(struct run *r, struct seg *s, struct error *err)
{
	int rc;

	s->keep = s->drop = s->keep_bytes = 0;
	if (cursor_open(&r->cur, s->base, 0, NULL, err) < 0)
		goto fail;
	while ((rc = cursor_next(&r->cur, 1, err)) > 0) {
		struct chunk *k = &r->chunk;
		while ((rc = cur_chunk(&r->cur, &r->map, k, err)) > 0)
			for (size_t j = 0; j < k->n; j++) {
				if (removed(r, k, j)) {
					s->drop++;
				} else {
					s->keep++;
					s->keep_bytes += k->len[j];
				}
			}
		if (rc < 0)
			goto fail;
		progress(r, BATCH_HEADER_LEN + r->cur.h.payload_len);
	}
	cursor_close(&r->cur);
	return rc;
fail:
	cursor_close(&r->cur);
	return -1;
}

/* An upper bound of the size of segment s rewritten: its kept records, and
 * a header for each batch it may take. */
static uint64_t rewritten_size(const struct seg *s)
{
	uint64_t batches = s->batches + s->keep_bytes / OUT_BATCH_BYTES +
			   s->keep / OUT_BATCH_RECORDS + 1;

	return s->keep_bytes + batches * (BATCH_HEADER_LEN + 4);
}

/* The codec wanted for the segments [a, b): 0 none, else the zlib level. */
static int group_level(const struct run *r, size_t a, size_t b)
{
	if (r->opt->compress >= 0)
		return r->opt->compress;
	for (size_t i = a; i < b; i++)
		if (r->seg[i].zlib)
			return COMPACT_DEFAULT_LEVEL;
	return 0;
}

/* Whether segment s's batches are not in the codec wanted. */
static int wrong_codec(const struct run *r, const struct seg *s)
{
	if (r->opt->compress < 0)
		return 0;
	return r->opt->compress ? !s->zlib : s->zlib;
}

static int out_write(struct run *r, struct error *err)
{
	if (write_full(r->outfd, r->out.p, r->out.len) < 0)
		return error_errno(err, "unable to write '%s'", r->outpath);
	r->out_size += r->out.len;
	r->out.len = 0;
	return 0;
}

/* Ends the batch being built, appending it to the output. */
static int flush_batch(struct run *r, struct error *err)
{
	if (r->ph.count == 0)
		return 0;
	if (batch_encode(&r->out, &r->ph, r->pend.p, r->pend.len, r->level, err) < 0)
		return -1;
	r->out_records += r->ph.count - (batch_has_checkpoint(&r->ph) ? 1 : 0);
	r->out_batches++;
	r->flushes++;
	memset(&r->ph, 0, sizeof r->ph);
	r->pend.len = 0;
	if (r->out.len >= OUT_FLUSH)
		return out_write(r, err);
	return 0;
}

static int add_record(struct run *r, const struct record *rec, const uint8_t *p, size_t len,
		      struct error *err)
{
	if (r->ph.count && (r->pend.len + len > OUT_BATCH_BYTES || r->ph.count == OUT_BATCH_RECORDS ||
			    rec->offset - r->ph.base > UINT32_MAX) &&
	    flush_batch(r, err) < 0)
		return -1;
	if (r->ph.count == 0) {
		r->ph.base = rec->offset;
		r->ph.min_ts = r->ph.max_ts = rec->ts;
	}
	if (buf_add(&r->pend, p, len) < 0)
		return error_set(err, "out of memory");
	if (rec->ts < r->ph.min_ts)
		r->ph.min_ts = rec->ts;
	if (rec->ts > r->ph.max_ts)
		r->ph.max_ts = rec->ts;
	r->ph.count++;
	r->ph.last_delta = (uint32_t)(rec->offset - r->ph.base);
	return 0;
}

/* Adds the checkpoint record of the batch the cursor read as the last
 * record of a batch of its own making, flagged (its time is not the
 * batch's: batch_builder_add_checkpoint). */
static int add_checkpoint(struct run *r, struct error *err)
{
	const struct cursor *c = &r->cur;

	if (r->ph.count && (r->pend.len + c->ckpt_len > OUT_BATCH_BYTES ||
			    r->ph.count == OUT_BATCH_RECORDS || c->ckpt_off - r->ph.base > UINT32_MAX) &&
	    flush_batch(r, err) < 0)
		return -1;
	if (r->ph.count == 0) {
		r->ph.base = c->ckpt_off;
		r->ph.min_ts = r->ph.max_ts = INT64_MIN;
	}
	if (buf_add(&r->pend, c->ckpt, c->ckpt_len) < 0)
		return error_set(err, "out of memory");
	r->ph.count++;
	r->ph.last_delta = (uint32_t)(c->ckpt_off - r->ph.base);
	r->ph.flags = BATCH_FLAG_CHECKPOINT;
	return flush_batch(r, err);
}

/* Copies what the pass keeps of segment s to the output: a batch of some
 * size that keeps all its records and is in the codec wanted is copied as
 * it is; the records kept of the others go into new batches of about
 * OUT_BATCH_BYTES (small batches of slow appends become fewer). */
static int copy_segment(struct run *r, const struct seg *s, struct error *err)
{
	struct chunk *k = &r->chunk;
	int rc;

	if (cursor_open(&r->cur, s->base, 0, NULL, err) < 0)
		goto fail;
	while ((rc = cursor_next(&r->cur, 1, err)) > 0) {
		struct batch_header saved = r->ph;
		size_t saved_len = r->pend.len;
		uint64_t flushes = r->flushes, drops = 0;
		int zlib = (r->cur.h.flags & BATCH_CODEC_MASK) == BATCH_CODEC_ZLIB, ck;
		while ((rc = cur_chunk(&r->cur, &r->map, k, err)) > 0)
			for (size_t j = 0; j < k->n; j++) {
				if (removed(r, k, j))
					drops++, r->drops++;
				else if (add_record(r, &k->rec[j], k->at[j], k->len[j], err) < 0)
					goto fail;
			}
		if (rc < 0)
			goto fail;
		ck = r->cur.ckpt_len > 0;
		if (ck && r->cur.ckpt_off != r->checkpoint && r->opt->compact)
			ck = 0, drops++, r->drops++;	/* an older checkpoint */
		if (drops == 0 && r->flushes == flushes && zlib == (r->level > 0) &&
		    r->cur.h.payload_len >= RAW_COPY_MIN) {
			/* take back what was added: the whole batch stays as it is */
			r->ph = saved;
			r->pend.len = saved_len;
			if (flush_batch(r, err) < 0 ||
			    buf_add(&r->out, r->batch.p, r->batch.len) < 0)
				goto fail;
			r->out_records += r->cur.h.count - (ck ? 1 : 0);
			r->out_batches++;
		} else if (ck && add_checkpoint(r, err) < 0) {
			goto fail;
		}
		if (r->out.len >= OUT_FLUSH && out_write(r, err) < 0)
			goto fail;
		progress(r, BATCH_HEADER_LEN + r->cur.h.payload_len);
	}
	cursor_close(&r->cur);
	return rc;
fail:
	cursor_close(&r->cur);
	return -1;
}

/* Rewrites the segments [a, b) into one segment named after seg[a] and
 * swaps it in for them (compact.h). */
static int rewrite(struct run *r, size_t a, size_t b, struct error *err)
{
	char name[SEGMENT_NAME_MAX], swap[SWAP_NAME_MAX];
	uint8_t hdr[SEGMENT_HEADER_LEN];
	uint64_t end = b < r->nseg ? r->seg[b].base : r->active;
	int rc = 0;

	r->level = group_level(r, a, b);
	segment_name(r->seg[a].base, LOGFILE_CLEANED, name);
	log_file_path(&r->log, name, r->outpath, sizeof r->outpath);
	r->outfd = openat(r->log.dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (r->outfd < 0)
		return error_errno(err, "unable to create '%s'", r->outpath);
	r->out.len = r->pend.len = 0;
	r->out_size = r->out_records = r->out_batches = r->drops = 0;
	memset(&r->ph, 0, sizeof r->ph);
	segment_header_encode(r->seg[a].created, hdr);
	if (buf_add(&r->out, hdr, sizeof hdr) < 0)
		rc = error_set(err, "out of memory");
	for (size_t i = a; i < b && rc == 0; i++)
		rc = copy_segment(r, &r->seg[i], err);
	if (rc == 0)
		rc = flush_batch(r, err);
	if (rc == 0)
		rc = out_write(r, err);
	if (rc == 0 && fdatasync(r->outfd) < 0)
		rc = error_errno(err, "unable to sync '%s'", r->outpath);
	close(r->outfd);
	r->outfd = -1;
	if (rc < 0 || (b - a == 1 && r->drops == 0 && !wrong_codec(r, &r->seg[a]))) {
		/* an error, or nothing changed after all: no swap */
		unlinkat(r->log.dirfd, name, 0);
		return rc;
	}
	swap_name(r->seg[a].base, end, swap);
	if (renameat(r->log.dirfd, name, r->log.dirfd, swap) < 0) {
		error_errno(err, "unable to rename '%s'", r->outpath);
		unlinkat(r->log.dirfd, name, 0);
		return -1;
	}
	if (log_sync_dir(&r->log, err) < 0 || logdir_finish_swap(&r->log, r->seg[a].base, end, err) < 0)
		return -1;
	r->st->rewritten++;
	r->st->merged += (unsigned)(b - a - 1);
	for (size_t i = a + 1; i < b; i++)
		r->seg[i].gone = 1;
	r->seg[a].size = r->out_size;
	r->seg[a].records = r->out_records;
	r->seg[a].batches = r->out_batches;
	if (r->opt->compress >= 0) {
		r->seg[a].zlib = r->level > 0;
		r->seg[a].plain = r->level == 0;
	}
	return 0;
}

static void plan_group(struct run *r, size_t a, size_t b)
{
	char first[SEGMENT_NAME_MAX], last[SEGMENT_NAME_MAX];
	uint64_t keep = 0, drop = 0, bytes = 0, est = 0;

	for (size_t i = a; i < b; i++) {
		keep += r->seg[i].keep;
		drop += r->seg[i].drop;
		bytes += r->seg[i].size;
		est += r->seg[i].keep_bytes;
	}
	segment_name(r->seg[a].base, ".log", first);
	segment_name(r->seg[b - 1].base, ".log", last);
	fprintf(r->opt->plan, "rewrite %s%s%s: %" PRIu64 " records, %" PRIu64 " bytes -> "
		"%" PRIu64 " records, about %" PRIu64 " bytes before compression%s\n",
		first, b - a > 1 ? " .. " : "", b - a > 1 ? last : "", keep + drop, bytes, keep,
		est, r->level > 0 ? " (zlib)" : "");
}

/* Merges neighbours into groups within --segment-bytes, and rewrites each
 * group that would change, among the segments below the pass's end. */
static int rewrite_groups(struct run *r, struct error *err)
{
	size_t first = first_seg(r), stop = first, a, b;
	uint64_t total = 0;

	while (stop < r->nseg && r->seg[stop].base < r->pass_end)
		stop++;
	for (size_t i = first; i < stop; i++)
		total += r->seg[i].size;
	phase(r, "measuring", total);
	for (size_t i = first; i < stop; i++) {
		struct seg *s = &r->seg[i];
		if (s->gone)
			continue;
		if ((i + 1 < r->nseg && r->seg[i + 1].base <= r->from) || r->opt->plan) {
			/* clean (or a dry run, which can only measure): rewritten
			 * only if this pass removes from it */
			if (measure(r, s, err) < 0)
				return -1;
		} else {
			/* records of the part read for keys: taken as changed,
			 * its size as an upper bound (and left alone after all
			 * when nothing was removed) */
			s->keep = s->records;
			s->keep_bytes = s->size;
			s->drop = 1;
		}
	}
	phase(r, "rewriting", total);
	for (a = first; a < stop; a = b) {
		uint64_t size = rewritten_size(&r->seg[a]) + SEGMENT_HEADER_LEN;
		int change = r->seg[a].drop || wrong_codec(r, &r->seg[a]);
		for (b = a + 1; b < stop; b++) {
			uint64_t more = rewritten_size(&r->seg[b]);
			if (r->seg[b].gone)
				continue;
			if (size + more > r->opt->segment_bytes)
				break;
			size += more;
			change = 1;	/* a merge */
		}
		if (!change) {
			progress(r, r->seg[a].size);
			continue;
		}
		if (r->opt->plan) {
			/* counted as if done; a later pass of a dry run sees the
			 * segments as they are, so its figures are upper bounds */
			uint64_t keep = 0, bytes = SEGMENT_HEADER_LEN;
			r->level = group_level(r, a, b);
			plan_group(r, a, b);
			for (size_t i = a; i < b; i++) {
				keep += r->seg[i].keep;
				bytes += rewritten_size(&r->seg[i]);
				r->seg[i].gone = i > a;
			}
			r->seg[a].records = keep;
			r->seg[a].size = bytes;
			if (r->opt->compress >= 0) {
				r->seg[a].zlib = r->level > 0;
				r->seg[a].plain = r->level == 0;
			}
			r->st->rewritten++;
			r->st->merged += (unsigned)(b - a - 1);
			continue;
		}
		if (rewrite(r, a, b, err) < 0)
			return -1;
	}
	return 0;
}

/* Forgets the segments that are gone (not in a dry run, where they are
 * still there to be read). */
static void prune(struct run *r)
{
	size_t k = 0;

	if (r->opt->plan)
		return;
	for (size_t i = 0; i < r->nseg; i++)
		if (!r->seg[i].gone)
			r->seg[k++] = r->seg[i];
	r->nseg = k;
}

/* The cleanable end: the active segment's base, or the first sealed
 * segment with a record younger than --min-lag. */
static uint64_t cleanable_end(const struct run *r)
{
	for (size_t i = first_seg(r); i < r->nseg; i++)
		if (!r->seg[i].gone && r->opt->min_lag > 0 && r->seg[i].max_ts > r->opt->now - r->opt->min_lag)
			return r->seg[i].base;
	return r->active;
}

static int compact(struct run *r, struct error *err)
{
	uint64_t e = cleanable_end(r), start;

	r->from = r->state.cleaned;
	if (first_seg(r) < r->nseg && r->from < r->seg[first_seg(r)].base)
		r->from = r->seg[first_seg(r)].base;
	if (r->from >= e) {
		/* nothing new since the last run: one pass over what is there,
		 * with no keys, for the tombstones whose time has come (and
		 * merges) */
		r->from = e;
		keymap_clear(&r->map);
		r->pass_end = e;
		r->bits = 0;
		r->part = 0;
		r->st->passes++;
		if (rewrite_groups(r, err) < 0)
			return -1;
		prune(r);
		return 0;
	}
	/* a pass per partition of the keys, and within one, per range of
	 * offsets when even 2^MAX_PART_BITS partitions do not fit */
	r->bits = 0;
	r->part = 0;
	start = r->from;
	for (;;) {
		if (read_keys(r, start, e, err) < 0)
			return -1;
		if (r->pass_end <= start)
			return error_set(err, "--memory is too small for a single key");
		r->st->passes++;
		if (rewrite_groups(r, err) < 0)
			return -1;
		prune(r);
		if (r->pass_end < e) {
			start = r->pass_end;
			continue;
		}
		start = r->from;
		if (++r->part == (uint64_t)1 << r->bits)
			break;
	}
	if (state_add(&r->state, e, r->opt->now) < 0)
		return error_set(err, "out of memory");
	return r->opt->plan ? 0 : state_write(&r->log, &r->state, err);
}

/* --compress on its own: rewrites, one by one, sealed segments whose
 * batches are not in the codec asked for. */
static int recompress(struct run *r, struct error *err)
{
	r->pass_end = 0;	/* removes nothing */
	r->bits = 0;
	r->part = 0;
	keymap_clear(&r->map);
	for (size_t i = first_seg(r); i < r->nseg; i++) {
		if (r->seg[i].gone || !wrong_codec(r, &r->seg[i]))
			continue;
		if (r->opt->plan) {
			char name[SEGMENT_NAME_MAX];
			r->st->rewritten++;
			segment_name(r->seg[i].base, ".log", name);
			fprintf(r->opt->plan, "%s %s: %" PRIu64 " records, %" PRIu64 " bytes\n",
				r->opt->compress ? "compress" : "decompress", name, r->seg[i].records,
				r->seg[i].size);
			continue;
		}
		phase(r, r->opt->compress ? "compressing" : "decompressing", r->seg[i].size);
		if (rewrite(r, i, i + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* Records and bytes in the sealed segments left. */
static void tally(const struct run *r, uint64_t *records, uint64_t *bytes)
{
	*records = *bytes = 0;
	for (size_t i = 0; i < r->nseg; i++)
		if (!r->seg[i].gone) {
			*records += r->seg[i].records;
			*bytes += r->seg[i].size;
		}
}

int compact_run(const char *path, const struct compact_options *opt,
		struct compact_stats *st, struct error *err)
{
	struct run r = { .opt = opt, .st = st, .outfd = -1 };
	struct buf empty = BUF_INIT;
	int lockfd = -1, rc = -1;

	memset(st, 0, sizeof *st);
	r.batch = r.out = r.pend = empty;
	cursor_init(&r.cur, &r.log, &r.batch);
	if (log_open(&r.log, path, 0, err) < 0)
		return -1;
	if (keymap_init(&r.map, opt->memory) < 0) {
		error_set(err, "out of memory");
		goto out;
	}
	lockfd = compact_lock(&r.log, opt->wait, err);
	if (lockfd < 0)
		goto out;
	if (!opt->plan && logdir_recover(&r.log, &st->recovered, err) < 0)
		goto out;
	state_read(&r.log, &r.state);
	r.checkpoint = UINT64_MAX;
	{
		struct buf body = BUF_INIT;
		int has = checkpoint_last(path, &body, &r.checkpoint, err);
		buf_release(&body);
		if (has < 0)
			goto out;
		if (has == 0)
			r.checkpoint = UINT64_MAX;
	}
	if (survey(&r, err) < 0)
		goto out;
	tally(&r, &st->records_before, &st->bytes_before);
	if ((opt->retain_time >= 0 || opt->retain_size != UINT64_MAX) && retain(&r, err) < 0)
		goto out;
	prune(&r);
	if (r.state.cleaned > r.active) {
		/* the state of another log that had this name: start afresh */
		free(r.state.pass);
		memset(&r.state, 0, sizeof r.state);
	}
	if (opt->compact && compact(&r, err) < 0)
		goto out;
	if (opt->compress >= 0 && recompress(&r, err) < 0)
		goto out;
	tally(&r, &st->records_after, &st->bytes_after);
	rc = 0;
out:
	if (lockfd >= 0)
		close(lockfd);
	cursor_release(&r.cur);
	keymap_release(&r.map);
	free(r.seg);
	free(r.state.pass);
	buf_release(&r.batch);
	buf_release(&r.out);
	buf_release(&r.pend);
	log_close(&r.log);
	return rc;
}

int compact_topic(const struct topicinfo *ti, const struct compact_options *opt,
		  void (*done)(void *arg, uint32_t partition, const char *path, int rc,
			       const struct compact_stats *st, const struct error *err),
		  void *arg)
{
	struct compact_stats st;
	struct error err;
	char path[4096];
	int failed = 0, rc;

	for (size_t i = 0; i < ti->n; i++) {
		topicinfo_path(ti, i, path, sizeof path);
		if (opt->plan)
			fprintf(opt->plan, "partition %u ('%s'):\n", ti->part[i], path);
		rc = compact_run(path, opt, &st, &err);
		failed += rc < 0;
		done(arg, ti->part[i], path, rc, &st, &err);
	}
	return failed;
}
