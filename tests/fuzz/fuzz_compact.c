/*
 * fuzz_compact.c - libFuzzer target for logcompact's engine: lib/compact.c
 * (retention, key compaction, compression, swaps) and
 * lib/keymap.c, on logs whose sealed segment is arbitrary bytes.
 *
 * The first input byte is a set of flags, the rest is written as the sealed
 * segment 00000000000000000000.log of a log directory (meta file
 * "logtools-log 1"), followed by an empty active segment
 * 00000000000000100000.log (a bare segment header).  The flags choose the
 * options of compact_run:
 *
 *   bit 0  --compact, tombstones removed at once (retention 0)
 *   bit 1  --compress at level 1 (else batches keep their codec)
 *   bit 2  --memory 64K, the smallest key map (else the default)
 *   bit 3  --retain-size 1 (else no retention)
 *
 * and --compact when none of bits 0, 1 and 3 is set.  Bit 4 makes the
 * target set the crc32 of every batch it can parse from the start, so that
 * mutated batches reach compaction rather than its checks.
 *
 * The log is read before and after compact_run with reader_open /
 * reader_next / batch_payload / record_decode (skipping records below
 * r.low), as a list of (offset, record bytes) and whether reading failed.
 * Nothing may crash, leak or hang, and:
 *
 *   - when compact_run fails, the log reads exactly as before: the same
 *     records, the same error;
 *   - when it succeeds, the log reads without error (or, when it was
 *     damaged before, exactly as before); offsets increase (when they did);
 *     every record read is byte for byte the record at that offset before:
 *     compaction removes records, never changes or invents one;
 *   - on a well-formed segment (every batch valid, record offsets
 *     increasing and inside their batch's range), compact_run succeeds, and
 *     with --compact and no retention, the latest record of each non-null
 *     key below the active segment's base is still there unless it is a
 *     tombstone (value null), as is every record with a null key and every
 *     record at or above that base.
 *
 * The directory is emptied (compact.lock, compact.state, indexes, leftovers)
 * and rebuilt for each input.  It lives in /dev/shm when there is one, as
 * compaction fsyncs.
 *
 *   make fuzz-build
 *   build/fuzz/fuzz_compact -max_total_time=120 tests/fuzz/corpus/compact
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "batch.h"
#include "compact.h"
#include "item.h"
#include "keymap.h"
#include "reader.h"
#include "record.h"
#include "segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ACTIVE_BASE 100000u
#define NOW_MS 1800000000000LL

static char dir[64];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_compact: %s\n", what);
	abort();
}

static void put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* Removes every file of the directory: compaction leaves compact.lock,
 * compact.state, indexes, and perhaps *.cleaned or *.swap files. */
static void empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int again = 1;

	if (!d)
		abort();
	while (again) {
		again = 0;
		rewinddir(d);
		while ((e = readdir(d))) {
			char path[600];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (unlink(path) < 0)
				abort();
			again = 1;
		}
	}
	closedir(d);
}

static void cleanup(void)
{
	empty_dir();
	rmdir(dir);
}

/* ---- the log as read ------------------------------------------------------ */

struct rec {
	uint64_t off;
	size_t at, len;		/* in view.bytes */
	size_t keyat, keylen;	/* the key's CBOR bytes, in view.bytes */
	int null_key, tombstone;
};

struct view {
	struct rec *v;
	size_t n, cap;
	struct buf bytes;
	int damage;		/* reading stopped at an error */
	int increasing;		/* offsets strictly increase */
	struct error err;	/* the error, when damage */
};

static void view_release(struct view *w)
{
	free(w->v);
	buf_release(&w->bytes);
	memset(w, 0, sizeof *w);
}

static void view_add(struct view *w, const uint8_t *p, size_t len, const struct record *r)
{
	struct rec *x;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct rec *v = realloc(w->v, cap * sizeof *v);
		if (!v)
			abort();
		w->v = v;
		w->cap = cap;
	}
	x = &w->v[w->n];
	x->off = r->offset;
	x->at = w->bytes.len;
	x->len = len;
	x->keyat = w->bytes.len + (size_t)(r->key - p);
	x->keylen = r->keylen;
	x->null_key = r->keylen == 1 && r->key[0] == 0xf6;
	x->tombstone = r->valuelen == 1 && r->value[0] == 0xf6;
	if (w->n && w->v[w->n - 1].off >= r->offset)
		w->increasing = 0;
	if (buf_add(&w->bytes, p, len) < 0)
		abort();
	w->n++;
}

/* Reads the log as a consumer does, to the end or the first error; with a
 * limit, the bytes of the sealed segment, which bound its batches. */
static void read_view(struct view *w, size_t limit)
{
	struct reader r;
	struct batch_header h;
	struct buf scratch = BUF_INIT;
	uint64_t batches = 0;
	int rc;

	memset(w, 0, sizeof *w);
	w->increasing = 1;
	if (reader_open(&r, dir, &w->err) < 0)
		fail("the log directory does not open");
	while ((rc = reader_next(&r, &h, &w->err)) == 1) {
		const uint8_t *p;
		size_t n, len;

		if (limit && ++batches > limit / BATCH_HEADER_LEN + 2)
			fail("more batches than bytes allow");
		if (batch_payload(r.batch.p, &h, &scratch, &p, &n, &w->err) < 0) {
			rc = -1;
			break;
		}
		while (n > 0) {
			struct record rec;
			if (record_decode(p, n, &rec, &len, &w->err) != ITEM_OK) {
				rc = -1;
				break;
			}
			if (len == 0 || len > n)
				abort();
			if (rec.offset >= r.low)
				view_add(w, p, len, &rec);
			p += len;
			n -= len;
		}
		if (rc < 0)
			break;
	}
	w->damage = rc < 0;
	if (!w->damage)
		w->err.msg[0] = 0;
	buf_release(&scratch);
	reader_close(&r);
}

static const uint8_t *rec_bytes(const struct view *w, const struct rec *x)
{
	return w->bytes.p + x->at;
}

static int same_view(const struct view *a, const struct view *b)
{
	if (a->n != b->n || a->damage != b->damage || strcmp(a->err.msg, b->err.msg) != 0)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].off != b->v[i].off || a->v[i].len != b->v[i].len ||
		    memcmp(rec_bytes(a, &a->v[i]), rec_bytes(b, &b->v[i]), a->v[i].len) != 0)
			return 0;
	return 1;
}

static const struct view *sort_view;

/* By offset, then position. */
static int by_offset(const void *a, const void *b)
{
	const struct rec *x = &sort_view->v[*(const size_t *)a];
	const struct rec *y = &sort_view->v[*(const size_t *)b];

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* The records of before sorted by offset (they may not be in order). */
static size_t *offset_order(const struct view *before)
{
	size_t *ix = malloc((before->n ? before->n : 1) * sizeof *ix);

	if (!ix)
		abort();
	for (size_t i = 0; i < before->n; i++)
		ix[i] = i;
	if (!before->increasing) {
		sort_view = before;
		qsort(ix, before->n, sizeof *ix, by_offset);
	}
	return ix;
}

/* Whether before holds a record at x's offset with x's bytes. */
static int held_before(const struct view *before, const size_t *ix, const struct view *after,
		       const struct rec *x)
{
	size_t lo = 0, hi = before->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (before->v[ix[mid]].off < x->off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < before->n && before->v[ix[lo]].off == x->off; lo++) {
		const struct rec *y = &before->v[ix[lo]];
		if (y->len == x->len && memcmp(rec_bytes(before, y), rec_bytes(after, x), x->len) == 0)
			return 1;
	}
	return 0;
}

/* Whether after (increasing) holds the record at offset off. */
static int held_after(const struct view *after, uint64_t off)
{
	size_t lo = 0, hi = after->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (after->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < after->n && after->v[lo].off == off;
}

/* ---- the segment as compaction sees it: every batch, every record --------- */

/*
 * Whether seg[0..n) is a well-formed segment (logformat(5)): a valid
 * header, then batches that all check and decode, whose record offsets
 * increase strictly across the segment, whose first record is at the base
 * offset and last at base + last delta, with as many records as the header
 * counts.  Readers then see every record, in order.
 */
static int well_formed(const uint8_t *seg, size_t n)
{
	struct error err;
	struct buf scratch = BUF_INIT;
	int64_t created;
	uint64_t next = 0, pos = SEGMENT_HEADER_LEN;
	int have = 0, ok = 1;

	if (segment_header_parse(seg, n, &created, &err) != 1)
		return 0;
	while (ok && pos < n) {
		struct batch_header h;
		const uint8_t *p;
		size_t len, k;
		uint32_t count = 0;
		uint64_t last = 0;

		if (batch_header_parse(seg + pos, n - pos, &h, &err) != BATCH_OK ||
		    h.payload_len > n - pos - BATCH_HEADER_LEN ||
		    batch_verify(seg + pos, &h, &err) < 0 ||
		    batch_payload(seg + pos, &h, &scratch, &p, &len, &err) < 0 ||
		    (have && h.base < next)) {
			ok = 0;
			break;
		}
		while (len > 0) {
			struct record r;
			if (record_decode(p, len, &r, &k, &err) != ITEM_OK ||
			    r.offset < h.base || r.offset >= batch_next(&h) ||
			    (count == 0 && r.offset != h.base) || (have && r.offset < next)) {
				ok = 0;
				break;
			}
			next = r.offset + 1;
			last = r.offset;
			count++;
			have = 1;
			p += k;
			len -= k;
		}
		if (ok && (count != h.count || last != h.base + h.last_delta))
			ok = 0;
		if (have && batch_next(&h) > next)
			next = batch_next(&h);
		have = 1;
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
	buf_release(&scratch);
	return ok;
}

/* Sets the crc of each batch that parses, from the first, until one does not. */
static void fix_crcs(uint8_t *seg, size_t n)
{
	size_t pos = SEGMENT_HEADER_LEN;
	struct error err;

	while (pos < n) {
		struct batch_header h;
		uint8_t *p = seg + pos;
		uLong crc;

		if (batch_header_parse(p, n - pos, &h, &err) != BATCH_OK ||
		    h.payload_len > n - pos - BATCH_HEADER_LEN)
			break;
		crc = crc32(0, p, BATCH_HEADER_LEN - 4);
		crc = crc32(crc, p + BATCH_HEADER_LEN, h.payload_len);
		for (int i = 0; i < 4; i++)
			p[BATCH_HEADER_LEN - 4 + i] = (uint8_t)(crc >> (8 * i));
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
}

/* ---- key compaction's promise ---------------------------------------------- */

/* By key bytes, then offset. */
static int by_key(const void *a, const void *b)
{
	const struct rec *x = &sort_view->v[*(const size_t *)a];
	const struct rec *y = &sort_view->v[*(const size_t *)b];
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(sort_view->bytes.p + x->keyat, sort_view->bytes.p + y->keyat, n);

	if (c)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static void check_compacted(const struct view *before, const struct view *after)
{
	size_t *ix = malloc((before->n ? before->n : 1) * sizeof *ix), m = 0;

	if (!ix)
		abort();
	for (size_t i = 0; i < before->n; i++) {
		const struct rec *x = &before->v[i];
		if (x->null_key || x->off >= ACTIVE_BASE) {
			if (!held_after(after, x->off))
				fail(x->null_key ? "a record with a null key was removed"
						 : "a record past the active segment's base was removed");
		} else {
			ix[m++] = i;
		}
	}
	sort_view = before;
	qsort(ix, m, sizeof *ix, by_key);
	for (size_t i = 0; i < m; i++) {
		const struct rec *x = &before->v[ix[i]];
		int latest = 1;
		if (i + 1 < m) {
			const struct rec *y = &before->v[ix[i + 1]];
			latest = x->keylen != y->keylen ||
				 memcmp(before->bytes.p + x->keyat, before->bytes.p + y->keyat,
					x->keylen) != 0;
		}
		/* a key whose latest record is at or past the active base is
		 * left to that record; its earlier ones may go */
		if (latest && !x->tombstone && !held_after(after, x->off))
			fail("the latest record of a key was removed");
	}
	free(ix);
}

/* ---- the target ---------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char meta[] = "logtools-log 1\n";
	uint8_t flags = size ? data[0] : 0;
	size_t n = size ? size - 1 : 0;
	uint8_t *seg = malloc(n ? n : 1);
	uint8_t hdr[SEGMENT_HEADER_LEN];
	struct compact_options opt;
	struct compact_stats st;
	struct error err;
	struct view before, after;
	int wf, rc, retain;

	if (!dir[0]) {
		struct stat sb;
		snprintf(dir, sizeof dir, "%s/fuzz_compact.XXXXXX",
			 stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	if (!seg)
		abort();
	if (n)
		memcpy(seg, data + 1, n);
	if (flags & 16)
		fix_crcs(seg, n);
	empty_dir();
	put_file("meta", meta, sizeof meta - 1);
	put_file("00000000000000000000.log", seg, n);
	segment_header_encode(NOW_MS - 1000, hdr);
	put_file("00000000000000100000.log", hdr, sizeof hdr);

	memset(&opt, 0, sizeof opt);
	opt.compact = flags & 1;
	opt.compress = flags & 2 ? 1 : -1;
	opt.memory = flags & 4 ? KEYMAP_MIN_MEMORY : COMPACT_DEFAULT_MEMORY;
	opt.retain_size = flags & 8 ? 1 : UINT64_MAX;
	opt.retain_time = -1;
	opt.tombstone_retention = 0;
	opt.min_lag = 0;
	opt.segment_bytes = 128u << 20;
	opt.wait = 0;
	opt.now = NOW_MS;
	opt.plan = NULL;
	opt.progress = NULL;
	if (!(flags & 0x0b))
		opt.compact = 1;
	retain = opt.retain_size != UINT64_MAX;

	wf = well_formed(seg, n);
	read_view(&before, n);
	if (wf && (before.damage || !before.increasing))
		fail("a well-formed segment does not read in order");

	err.msg[0] = 0;
	rc = compact_run(dir, &opt, &st, &err);
	if (rc < 0 && err.msg[0] == 0)
		fail("compact_run failed without a message");
	read_view(&after, 0);	/* rewritten batches may be more, and compressed */

	if (rc < 0) {
		if (wf) {
			fprintf(stderr, "fuzz_compact: %s\n", err.msg);
			fail("compact_run failed on a well-formed segment");
		}
		if (!same_view(&before, &after))
			fail("compact_run failed and the log reads differently");
	} else if (before.damage && after.damage) {
		if (!same_view(&before, &after))
			fail("compact_run succeeded on a damaged log and changed it");
	} else {
		if (after.damage) {
			fprintf(stderr, "fuzz_compact: %s\n", after.err.msg);
			fail("the log reads with an error after compaction");
		}
		if (before.increasing && !after.increasing)
			fail("offsets do not increase after compaction");
		size_t *ix = offset_order(&before);
		for (size_t i = 0; i < after.n; i++)
			if (!held_before(&before, ix, &after, &after.v[i]))
				fail("a record after compaction is not the one before at its offset");
		free(ix);
		if (wf && opt.compact && !retain)
			check_compacted(&before, &after);
		if (!retain && !opt.compact && after.n != before.n)
			fail("compression alone removed records");
	}
	view_release(&before);
	view_release(&after);
	free(seg);
	return 0;
}
