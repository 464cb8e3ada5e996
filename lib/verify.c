/* verify.c - checking a whole log (see verify.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "cursor.h"
#include "index.h"
#include "item.h"
#include "littleendian.h"
#include "record.h"
#include "segment.h"
#include "barrier.h"
#include "checkpoint.h"
#include "verify.h"

#define INDEX_READ_MAX (256u << 20)	/* a larger index file is damage */

struct verifier {
	struct log *log;
	void (*say)(void *, enum verify_level, const char *);
	void *arg;
	struct verify_report *rep;
	struct buf b, idx;
	uint64_t next;		/* records from here on are expected */
	int swaps;		/* an interrupted swap may overlap segments */
	int in_index;		/* damage found now is an index's, not the data's */
};

static void say(struct verifier *v, enum verify_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct verifier *v, enum verify_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (level == VERIFY_DAMAGE) {
		v->rep->damage++;
		if (v->rep->readable_all && !v->in_index) {
			v->rep->readable_all = 0;
			v->rep->readable_to = v->next;
		}
	} else if (level == VERIFY_NOTE) {
		v->rep->notes++;
	}
	v->say(v->arg, level, line);
}

/* Files an interrupted logcompact left. */
static void leftovers(struct verifier *v)
{
	int fd = dup(v->log->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		enum logfile_kind kind = logfile_kind(e->d_name);
		int swap = kind == LOGFILE_SWAP;
		if (kind == LOGFILE_ASIDE_INDEX) {
			say(v, VERIFY_NOTE, "'%s/%s': an index being rebuilt, or left half rebuilt "
			    "(the next logappend or logcompact removes it)", v->log->path, e->d_name);
			continue;
		}
		if (kind != LOGFILE_OTHER) {
			v->swaps |= swap;
			say(v, VERIFY_NOTE, "'%s/%s': left by an interrupted logcompact (the next "
			    "logcompact, or logappend, finishes or removes it)", v->log->path, e->d_name);
		}
	}
	closedir(d);
}

/* Checks the records of the batch the cursor just read against its header.
 * Returns 0, or -1 after reporting damage. */
static int check_records(struct verifier *v, struct cursor *c)
{
	const struct batch_header *h = &c->h;
	struct error why;
	struct record r;
	size_t len;
	int rc;

	batch_order_start(&c->ord, h->base);
	while ((rc = cursor_record(c, &r, &len, &why)) > 0)
		;
	if (rc == 0 && c->ckpt_len) {
		/* a flagged batch's last record: a checkpoint (checkpoint.h) */
		struct barrier b;
		const uint8_t *body;
		uint64_t off;
		checkpoint_body(c->ckpt, c->ckpt_len, &body, &len, &off);
		if (barrier_decode_body(&b, body, len, &why) < 0) {
			say(v, VERIFY_DAMAGE, "'%s': batch at byte %" PRIu64 ": its checkpoint record "
			    "(offset %" PRIu64 "): %s", c->path, c->batch_pos, off, why.msg);
			return -1;
		}
		barrier_free(&b);
	}
	if (rc == 0)
		return 0;
	if (c->fault == CURSOR_RECORD)
		say(v, VERIFY_DAMAGE, "'%s': batch at byte %" PRIu64 ", record %u: %s", c->path,
		    c->batch_pos, c->ord.seen + 1, c->why.msg);
	else if (c->fault == CURSOR_ORDER)
		say(v, VERIFY_DAMAGE, "'%s': batch at byte %" PRIu64 ": record %u has offset %"
		    PRIu64 ", out of order (the batch holds %" PRIu64 " to %" PRIu64 ")", c->path,
		    c->batch_pos, c->ord.seen + 1, r.offset, h->base, h->base + h->last_delta);
	else
		say(v, VERIFY_DAMAGE, "%s", why.msg);
	return -1;
}

/* Reads a whole index file into v->idx.  Returns 1, 0 when it is missing,
 * -1 when it cannot be read. */
static int load_index(struct verifier *v, uint64_t base, const char *suffix, char *name)
{
	struct stat st;
	int fd;
	ssize_t k;

	segment_name(base, suffix, name);
	fd = openat(v->log->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	v->idx.len = 0;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > INDEX_READ_MAX ||
	    buf_grow(&v->idx, (size_t)st.st_size) < 0) {
		close(fd);
		return -1;
	}
	k = pread(fd, v->idx.p, (size_t)st.st_size, 0);
	close(fd);
	if (k != st.st_size)
		return -1;
	v->idx.len = (size_t)k;
	return 1;
}

/*
 * Checks the timestamps of the time index in v->idx (its entries in order,
 * each naming a batch of the offset index rels[0..nrel)): each entry, and
 * the last entry at or before each offset index entry, must be at least the
 * largest timestamp of the segment's batches up to that batch, or a search
 * by time may skip records (logformat(5), "Indexes").
 */
static void check_times(struct verifier *v, uint64_t base, int fd, uint64_t valid_end,
			const uint32_t *rels, size_t nrel, const char *name)
{
	size_t nt = v->idx.len / TIMEINDEX_ENTRY_LEN, t = 0, j = 0;
	int64_t most = INT64_MIN, claim = INT64_MIN;
	uint64_t pos = SEGMENT_HEADER_LEN;
	struct buf hb = BUF_INIT;
	struct batch_header h;

	while (j < nrel && segment_read_batch(fd, pos, valid_end, &hb, &h, 1, NULL) == BATCH_OK) {
		uint64_t rel = h.base - base;
		if (h.max_ts > most)
			most = h.max_ts;
		if (t < nt && le32(v->idx.p + t * TIMEINDEX_ENTRY_LEN + 8) == rel)
			claim = (int64_t)le64(v->idx.p + t++ * TIMEINDEX_ENTRY_LEN);
		if (rels[j] == rel && claim < most) {
			say(v, VERIFY_DAMAGE, "'%s/%s': says the largest timestamp up to offset %" PRIu64
			    " is %" PRId64 ", but a batch up to it has %" PRId64 " (a search by time "
			    "may skip records; remove the file and logappend rebuilds it)",
			    v->log->path, name, h.base, claim, most);
			break;
		}
		if (rels[j] == rel)
			j++;
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
	buf_release(&hb);
}

/* Checks both indexes of the segment open at fd (size bytes); valid_end is
 * where its valid batches end, before a torn tail or damage, beyond which
 * entries are not checked. */
static void check_indexes(struct verifier *v, uint64_t base, int fd, uint64_t valid_end,
			  uint64_t size, int active)
{
	char name[SEGMENT_NAME_MAX];
	struct buf hb = BUF_INIT;
	uint32_t *rels = NULL;
	size_t nrel = 0;
	int rc = load_index(v, base, ".index", name);

	if (rc <= 0) {
		if (rc < 0)
			say(v, VERIFY_DAMAGE, "'%s/%s': unreadable", v->log->path, name);
		else
			say(v, VERIFY_NOTE, "'%s/%s': missing (the next logappend or logcompact "
			    "rebuilds it)", v->log->path, name);
		return;
	}
	if (v->idx.len % INDEX_ENTRY_LEN)
		say(v, VERIFY_NOTE, "'%s/%s': a partial entry at its end (ignored by readers)",
		    v->log->path, name);
	nrel = v->idx.len / INDEX_ENTRY_LEN;
	rels = malloc((nrel ? nrel : 1) * sizeof *rels);
	for (size_t i = 0; rels && i < nrel; i++)
		rels[i] = le32(v->idx.p + i * INDEX_ENTRY_LEN);
	for (size_t i = 0; rels && i < nrel; i++) {
		const uint8_t *e = v->idx.p + i * INDEX_ENTRY_LEN;
		uint32_t rel = le32(e), pos = le32(e + 4);
		struct batch_header h;
		if (pos >= valid_end && (valid_end < size || active))
			break;	/* batches beyond a tail or damage, or entries of
				 * an active segment cut back (logappend rebuilds
				 * its indexes when it opens the log) */
		if ((i && (rel <= rels[i - 1] || pos <= le32(e - 4))) ||
		    segment_read_batch(fd, pos, valid_end, &hb, &h, 1, NULL) != BATCH_OK ||
		    h.base != base + rel) {
			say(v, VERIFY_DAMAGE, "'%s/%s': entry %zu (offset %" PRIu64 ", byte %u) does not "
			    "point at that batch (readers check entries and scan instead; remove the "
			    "file and logappend rebuilds it)", v->log->path, name, i + 1, base + rel, pos);
			break;
		}
	}
	rc = load_index(v, base, ".timeindex", name);
	if (rc < 0)
		say(v, VERIFY_DAMAGE, "'%s/%s': unreadable", v->log->path, name);
	else if (rc == 0)
		say(v, VERIFY_NOTE, "'%s/%s': missing (the next logappend or logcompact rebuilds it)",
		    v->log->path, name);
	for (size_t i = 0; rc > 0 && rels && i < v->idx.len / TIMEINDEX_ENTRY_LEN; i++) {
		const uint8_t *e = v->idx.p + i * TIMEINDEX_ENTRY_LEN;
		int64_t ts = (int64_t)le64(e);
		uint32_t rel = le32(e + 8);
		size_t lo = 0, hi = nrel;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (rels[mid] < rel)
				lo = mid + 1;
			else
				hi = mid;
		}
		if ((i && (ts < (int64_t)le64(e - TIMEINDEX_ENTRY_LEN) ||
			   rel < le32(e - TIMEINDEX_ENTRY_LEN + 8))) ||
		    lo == nrel || rels[lo] != rel) {
			say(v, VERIFY_DAMAGE, "'%s/%s': entry %zu (time %" PRId64 ", offset %" PRIu64 ") "
			    "is out of order or names no indexed batch", v->log->path, name, i + 1, ts,
			    base + rel);
			rc = 0;
			break;
		}
	}
	if (rc > 0 && rels)
		check_times(v, base, fd, valid_end, rels, nrel, name);
	free(rels);
	buf_release(&hb);
}

static void check_segment(struct verifier *v, size_t i)
{
	struct cursor c;
	uint64_t base = v->log->seg[i], first = 0, records = 0, batches = 0, size, end;
	int active = i + 1 == v->log->nseg, rc;
	struct error why;
	struct stat st;

	cursor_init(&c, v->log, &v->b);
	if (cursor_open(&c, base, active, NULL, &why) < 0) {
		say(v, VERIFY_DAMAGE, "%s", why.msg);
		cursor_close(&c);
		return;
	}
	size = c.size;
	if (size == 0) {
		if (fstat(c.fd, &st) == 0 && st.st_size > 0 && !active)
			say(v, VERIFY_DAMAGE, "'%s': %lld bytes, shorter than a segment header", c.path,
			    (long long)st.st_size);
		else if (active && fstat(c.fd, &st) == 0 && st.st_size > 0)
			say(v, VERIFY_NOTE, "'%s': its header is not yet written", c.path);
	}
	while ((rc = cursor_next(&c, 0, &why)) > 0) {
		const struct batch_header *h = &c.h;
		if (h->base < v->next || h->base < base) {
			if (v->swaps && batch_next(h) <= v->next)
				continue;	/* an old copy an interrupted swap left:
						 * readers skip it */
			say(v, VERIFY_DAMAGE, "'%s': batch at byte %" PRIu64 ": offsets go back (%" PRIu64
			    ", after %" PRIu64 " in a segment named %" PRIu64 ")", c.path, c.batch_pos,
			    h->base, v->next ? v->next - 1 : 0, base);
			continue;
		}
		if (cursor_records(&c, &why) < 0) {
			say(v, VERIFY_DAMAGE, "%s", why.msg);
			continue;
		}
		if (check_records(v, &c) == 0) {
			if (!batches++)
				first = h->base;
			records += h->count - (batch_has_checkpoint(h) ? 1 : 0);
			v->next = batch_next(h);
		}
	}
	size = c.size;
	end = c.pos < size ? c.pos : size;
	if (rc < 0)
		say(v, VERIFY_DAMAGE, "'%s': byte %" PRIu64 ": %s", c.path, c.pos, c.why.msg);
	else if (c.pos < size)
		say(v, VERIFY_NOTE, "'%s': a torn or growing tail of %" PRIu64 " bytes at byte %"
		    PRIu64 " (the next logappend cuts it off)", c.path, size - c.pos, c.pos);
	v->rep->segments++;
	v->rep->batches += batches;
	v->rep->records += records;
	v->rep->bytes += size;
	if (batches)
		say(v, VERIFY_SEGMENT, "'%s': %" PRIu64 " batches, %" PRIu64 " records, offsets %"
		    PRIu64 " to %" PRIu64 "%s", c.path, batches, records, first, v->next - 1,
		    active ? " (active)" : "");
	else
		say(v, VERIFY_SEGMENT, "'%s': no records%s", c.path, active ? " (active)" : "");
	v->in_index = 1;
	check_indexes(v, base, c.fd, end, size, active);
	v->in_index = 0;
	cursor_release(&c);
}

/*
 * A fingerprint of the log directory's files (names, inodes, sizes, times),
 * to tell whether a writer or logcompact changed the log during a check.
 */
static uint64_t fingerprint(struct log *log)
{
	int fd = dup(log->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	uint64_t sum = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;
		uint64_t h = 0xcbf29ce484222325ULL, f[4];
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "groups") ||
		    !strcmp(e->d_name, "pipelines") ||
		    fstatat(log->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		f[0] = (uint64_t)st.st_ino;
		f[1] = (uint64_t)st.st_size;
		f[2] = (uint64_t)st.st_mtim.tv_sec;
		f[3] = (uint64_t)st.st_mtim.tv_nsec;
		for (const char *c = e->d_name; *c; c++)
			h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
		for (size_t i = 0; i < sizeof f; i++)
			h = (h ^ ((const uint8_t *)f)[i]) * 0x100000001b3ULL;
		sum += h;	/* in any order */
	}
	closedir(d);
	return sum;
}

/* Keeps a check's lines, a level byte before each, until it is known
 * whether they stand. */
static void keep(void *arg, enum verify_level level, const char *line)
{
	struct buf *b = arg;

	if (buf_addc(b, (uint8_t)level) < 0 || buf_add(b, line, strlen(line) + 1) < 0)
		b->len = 0;	/* out of memory: the lines are lost, not the result */
}

static int check_once(struct log *log, struct buf *lines, struct verify_report *rep,
		      struct error *err)
{
	struct verifier v = { .log = log, .say = keep, .arg = lines, .rep = rep };
	struct buf empty = BUF_INIT;

	memset(rep, 0, sizeof *rep);
	rep->readable_all = 1;
	v.b = v.idx = empty;
	if (log_list(log, err) < 0)
		return -1;
	leftovers(&v);
	for (size_t i = 0; i < log->nseg; i++)
		check_segment(&v, i);
	buf_release(&v.b);
	buf_release(&v.idx);
	return 0;
}

/*
 * A writer rebuilds the active segment's indexes when it opens the log, and
 * logcompact replaces segments while readers read (compact.h): a check that
 * meets either can see damage that is not there.  So a check that found
 * damage while the log changed (its fingerprint before and after differ) is
 * made again, up to VERIFY_RUNS times in all, and the last one's lines
 * stand.  A log that did not change is never said to have changed: its
 * damage is reported after one check.
 */
#define VERIFY_RUNS 8

int verify_log(struct log *log, void (*sayf)(void *, enum verify_level, const char *), void *arg,
	       struct verify_report *rep, struct error *err)
{
	struct buf lines = BUF_INIT;
	int checks = 0, changed = 0, rc;

	for (;;) {
		uint64_t before = fingerprint(log);
		lines.len = 0;
		rc = check_once(log, &lines, rep, err);
		checks++;
		if (rc < 0 || rep->damage == 0 || fingerprint(log) == before)
			break;
		changed++;
		if (checks == VERIFY_RUNS)
			break;
		usleep(20000 * (useconds_t)checks);
	}
	if (rc == 0 && changed) {
		char note[256];
		snprintf(note, sizeof note, "'%s': the log changed while it was checked (during %d "
			 "of %d checks); the last check's findings are shown", log->path, changed,
			 checks);
		keep(&lines, VERIFY_NOTE, note);
		rep->notes++;
	}
	for (size_t i = 0; rc == 0 && i < lines.len; ) {
		const char *line = (const char *)lines.p + i + 1;
		sayf(arg, (enum verify_level)lines.p[i], line);
		i += 2 + strlen(line);
	}
	buf_release(&lines);
	return rc;
}
