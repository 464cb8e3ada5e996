/*
 * fuzz_index.c - libFuzzer target for the index loader: the offset and
 * time index files of a segment (lib/index.c), as the reader (reader_seek),
 * the log's bounds and the search by time (seek_bounds, seek_time, the
 * seeker: lib/seek.c), logseek's inspector (inspect_offset) and the
 * writer's recovery (index_looks_sound, index_rebuild) read them.
 *
 * Indexes are caches: whatever their bytes, every answer must be the one
 * the segments alone give.  At start the target writes a real log of a few
 * segments (sealed ones and the active one; 120 records in batches of 1 to 7, with
 * timestamps that go back and forth), removes its index files and records
 * the answers without them: for every offset, the batch reader_seek lands
 * on and inspect_offset's answer; for a set of times, seek_time's and the
 * seeker's.  The log's bounds are taken from the segments alone, by the
 * writer's recovery scan (segment_scan), not by the function under test.
 * Each input then becomes the index files of one segment:
 *
 *   byte 0     flags: bits 0-1 which segment (0, 1, 2 and the active
 *              one; 3 = every segment),
 *              bit 2: open and close the log as a writer first (it rebuilds
 *              indexes that do not look sound), bit 3: the time index is
 *              left out
 *   byte 1     n: the first n * 8 bytes of the rest are the offset index,
 *              the rest the time index
 *
 * and the answers are compared with the ones recorded (abort on a
 * difference): for the first and last offsets, a fifth of the others and a
 * third of the times, which fifth and third chosen by the input's length.  FUZZ_INDEX_SEEDS=DIR writes seeds (the real index files in
 * this layout) to DIR and exits.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "inspect.h"
#include "log.h"
#include "reader.h"
#include "record.h"
#include "seek.h"
#include "segment.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NREC 120
#define NTIMES 40

static char dir[64];
static uint64_t segs[16];
static size_t nsegs;

struct answers {
	uint64_t seek_base[NREC + 2];	/* base of the batch after reader_seek(off), or UINT64_MAX */
	int loc_rc[NREC + 2];
	uint64_t loc_pos[NREC + 2];
	int64_t loc_ts[NREC + 2];
	uint64_t first, next;	/* seek_bounds */
	int time_rc[NTIMES], seek_rc[NTIMES];
	uint64_t time_off[NTIMES], seek_off[NTIMES];
};

static struct answers truth;
static int64_t times[NTIMES];
static uint64_t batch_end[NREC];	/* the offset after the batch holding each record */

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	int fd;

	path_of(path, sizeof path, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static size_t get_file(const char *name, uint8_t *p, size_t cap)
{
	char path[128];
	ssize_t n;
	int fd;

	path_of(path, sizeof path, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, p, cap);
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

static void drop_file(const char *name)
{
	char path[128];

	path_of(path, sizeof path, name);
	unlink(path);
}

static void drop_indexes(void)
{
	char name[SEGMENT_NAME_MAX];

	for (size_t i = 0; i < nsegs; i++) {
		segment_name(segs[i], ".index", name);
		drop_file(name);
		segment_name(segs[i], ".timeindex", name);
		drop_file(name);
	}
}

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			drop_file(e->d_name);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Timestamps that go back and forth, so that the time index's entries
 * (largest so far) differ from the batches' own. */
static int64_t ts_of(int i)
{
	return 1000 + (int64_t)((i * 37) % 50) * 10 + (i / 10) * 100;
}

static void make_log(void)
{
	struct writer_options opt = { 1, 1, SYNC_NEVER, 14000, INT64_MAX };
	struct writer_recovery rec;
	struct batch_builder bb;
	struct writer w;
	struct error err;
	struct log log;
	uint8_t value[3 + 300];
	int i = 0, k;

	if (writer_open(&w, dir, &opt, &rec, &err) < 0)
		abort();
	batch_builder_init(&bb);
	while (i < NREC) {
		batch_builder_reset(&bb);
		for (k = 0; k < 1 + i % 7 && i < NREC; k++, i++) {
			struct record r = { 0 };
			value[0] = 0x79;	/* a text string of 300 bytes */
			value[1] = 300 >> 8;
			value[2] = 300 & 0xff;
			memset(value + 3, 'a' + i % 26, 300);
			r.ts = ts_of(i);
			r.key = record_null;
			r.keylen = 1;
			r.value = value;
			r.valuelen = sizeof value;
			if (batch_builder_add(&bb, &r, w.next + (uint64_t)k) < 0)
				abort();
		}
		for (int j = i - k; j < i; j++)
			batch_end[j] = (uint64_t)i;
		batch_builder_finish(&bb);
		if (writer_append(&w, &bb, &err) < 0)
			abort();
	}
	batch_builder_release(&bb);
	if (writer_close(&w, &err) < 0)
		abort();
	if (log_open(&log, dir, 0, &err) < 0 || log_list(&log, &err) < 0)
		abort();
	if (log.nseg < 3 || log.nseg > 16)
		abort();	/* the log is meant to have a few segments */
	nsegs = log.nseg;
	for (size_t s = 0; s < nsegs; s++)
		segs[s] = log.seg[s];
	log_close(&log);
	for (k = 0; k < NTIMES; k++)
		times[k] = k == 0 ? INT64_MIN : k == 1 ? INT64_MAX : 980 + (k - 2) * 37;
}

/* Whether answer asks about offset off (salt < 0: about every one); the
 * ones it skips are copied from the truth. */
static int asked(int salt, uint64_t off)
{
	return salt < 0 || off == 0 || off + 2 >= NREC || (off + (uint64_t)salt) % 5 == 0;
}

static void answer(struct answers *a, int salt)
{
	struct inspect_location loc;
	struct seeker sk;
	struct batch_header h;
	struct reader r;
	struct error err;
	int64_t ts;

	memset(a, 0, sizeof *a);
	if (reader_open(&r, dir, &err) < 0)
		abort();
	for (uint64_t off = 0; off < NREC + 2; off++) {
		if (!asked(salt, off)) {
			a->seek_base[off] = truth.seek_base[off];
			a->loc_rc[off] = truth.loc_rc[off];
			a->loc_pos[off] = truth.loc_pos[off];
			a->loc_ts[off] = truth.loc_ts[off];
			continue;
		}
		a->seek_base[off] = UINT64_MAX;
		int rc = reader_seek(&r, off, &err) < 0 ? -1 : reader_next(&r, &h, &err);
		if (rc < 0)
			abort();	/* the segments are sound: no error may appear */
		if (rc == 1)
			a->seek_base[off] = h.base;
		memset(&loc, 0, sizeof loc);
		a->loc_rc[off] = inspect_offset(&r.log, off, &loc, &err);
		if (a->loc_rc[off] < 0)
			abort();
		a->loc_pos[off] = loc.pos;
		a->loc_ts[off] = loc.ts;
	}
	if (seek_bounds(&r.log, &a->first, &a->next, &err) < 0)
		abort();
	seeker_init(&sk, &r.log);
	for (int k = 0; k < NTIMES; k++) {
		if (salt >= 0 && k > 1 && (k + salt) % 3) {
			a->time_rc[k] = truth.time_rc[k];
			a->time_off[k] = truth.time_off[k];
			a->seek_rc[k] = truth.seek_rc[k];
			a->seek_off[k] = truth.seek_off[k];
			continue;
		}
		a->time_rc[k] = seek_time(&r.log, times[k], &a->time_off[k], &ts, &err);
		a->seek_rc[k] = seeker_find(&sk, times[k], &a->seek_off[k], &ts, &err);
		if (a->time_rc[k] < 0 || a->seek_rc[k] < 0)
			abort();
	}
	seeker_release(&sk);
	reader_close(&r);
}

/* Writes the real index files of each segment as seeds, in the layout
 * above (at most 255 offset index entries). */
static void write_seeds(const char *out)
{
	char name[SEGMENT_NAME_MAX], path[512];
	static uint8_t idx[1 << 16], tidx[1 << 16], seed[2 + (1 << 17)];

	for (size_t s = 0; s < nsegs; s++) {
		size_t ni, nt;
		segment_name(segs[s], ".index", name);
		ni = get_file(name, idx, sizeof idx);
		segment_name(segs[s], ".timeindex", name);
		nt = get_file(name, tidx, sizeof tidx);
		if (ni / 8 > 255)
			ni = 255 * 8;
		seed[0] = (uint8_t)s;
		seed[1] = (uint8_t)(ni / 8);
		memcpy(seed + 2, idx, ni / 8 * 8);
		memcpy(seed + 2 + ni / 8 * 8, tidx, nt);
		snprintf(path, sizeof path, "%s/segment-%zu", out, s);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(seed, 1, 2 + ni / 8 * 8 + nt, f) != 2 + ni / 8 * 8 + nt)
			abort();
		fclose(f);
	}
}

static void setup(void)
{
	const char *seeds = getenv("FUZZ_INDEX_SEEDS");

	snprintf(dir, sizeof dir, "/tmp/fuzz_index.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	make_log();
	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	drop_indexes();
	answer(&truth, -1);
	if (truth.first != 0 || truth.next != NREC)
		abort();	/* seek_bounds disagrees with the segments */
}

/* The log's bounds from its segments alone, by the writer's recovery scan:
 * the first valid batch's base, the end of the last segment's valid
 * batches. */
static void segment_bounds(uint64_t *first, uint64_t *next)
{
	char path[SEGMENT_NAME_MAX_PATH];
	struct error err;
	struct log log;
	int found = 0;

	if (log_open(&log, dir, 0, &err) < 0 || log_list(&log, &err) < 0)
		abort();
	*first = *next = log.nseg ? log.seg[log.nseg - 1] : 0;
	for (size_t i = 0; i < log.nseg; i++) {
		uint64_t size, end, nx;
		int64_t max_ts;
		int fd;
		if (segment_open(&log, log.seg[i], &fd, &size, NULL, path, &err) < 0 ||
		    segment_scan(fd, log.seg[i], size, &end, &nx, &max_ts, &err) < 0)
			abort();
		close(fd);
		if (!found && nx > log.seg[i]) {
			*first = log.seg[i];
			found = 1;
		}
		if (i + 1 == log.nseg)
			*next = nx;
	}
	if (!found)
		*first = *next;
	log_close(&log);
}

static void differ(const struct answers *a, const struct answers *b);

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The largest timestamp of segment s's records up to the end of the batch
 * that holds offset off. */
static int64_t max_through(size_t s, uint64_t off)
{
	int64_t m = INT64_MIN;

	for (uint64_t o = segs[s]; o < batch_end[off]; o++)
		if (ts_of((int)o) > m)
			m = ts_of((int)o);
	return m;
}

/*
 * Whether the indexes given to the segments flags choose (the offset index
 * idx, ni bytes, and the time index t, nt bytes) understate a timestamp:
 * a time index entry, or the last one at or before an offset index entry
 * (which claims that nothing later up to that entry's batch is larger),
 * below the largest timestamp of its segment up to the end of the batch
 * named, or below an entry before it, or naming an offset below one
 * before it (the search is a binary search: logformat(5) calls both
 * "out of order").  Only reading every batch before it contradicts such an entry,
 * which readers do not do (logformat(5), "Indexes"); logseek --verify
 * reports it.
 */
static int understated(uint8_t flags, const uint8_t *idx, size_t ni, const uint8_t *t, size_t nt)
{
	if (flags & 8)
		nt = 0;
	for (size_t s = 0; s < nsegs; s++) {
		uint64_t end = s + 1 < nsegs ? segs[s + 1] : NREC;
		if ((flags & 3) != 3 && (flags & 3) != s && !((flags & 3) == 2 && s + 1 == nsegs))
			continue;
		for (size_t e = 0; e + 12 <= nt; e += 12) {
			uint64_t off = segs[s] + le(t + e + 8, 4);
			if (off < end && (int64_t)le(t + e, 8) < max_through(s, off))
				return 1;
			if (e && (int64_t)le(t + e, 8) < (int64_t)le(t + e - 12, 8))
				return 1;	/* out of order: an entry below one before it */
			if (e && le(t + e + 8, 4) < le(t + e - 4, 4))
				return 1;	/* out of order: an offset below the one
						 * before it (logseek --verify says so):
						 * the binary search sees the entries
						 * either side of a time only, so
						 * entries elsewhere that contradict
						 * them, like an offset index entry's
						 * claim below, are not seen */
		}
		for (size_t i = 0; i + 8 <= ni; i += 8) {
			uint64_t off = segs[s] + le(idx + i, 4);
			int64_t claim = INT64_MIN;
			if (off >= end)
				continue;
			for (size_t e = 0; e + 12 <= nt; e += 12)
				if (segs[s] + le(t + e + 8, 4) <= off && (int64_t)le(t + e, 8) > claim)
					claim = (int64_t)le(t + e, 8);
			if (claim < max_through(s, off))
				return 1;
		}
	}
	return 0;
}

/* With an understated time index, a search may miss records, but what it
 * finds is still a record whose timestamp qualifies (or the end): checks
 * that, then takes the true answers for the comparison of the rest. */
static void check_times(struct answers *a)
{
	for (int k = 0; k < NTIMES; k++) {
		if ((a->time_rc[k] == 1 && (a->time_off[k] >= NREC || ts_of((int)a->time_off[k]) < times[k])) ||
		    (a->time_rc[k] == 0 && a->time_off[k] != truth.next) ||
		    (a->seek_rc[k] == 1 && (a->seek_off[k] >= NREC || ts_of((int)a->seek_off[k]) < times[k])) ||
		    (a->seek_rc[k] == 0 && a->seek_off[k] != truth.next))
			differ(a, &truth);
		a->time_rc[k] = truth.time_rc[k];
		a->time_off[k] = truth.time_off[k];
		a->seek_rc[k] = truth.seek_rc[k];
		a->seek_off[k] = truth.seek_off[k];
	}
}

/* Says which answer an index changed, then aborts. */
static void differ(const struct answers *a, const struct answers *b)
{
	for (int o = 0; o < NREC + 2; o++) {
		if (a->seek_base[o] != b->seek_base[o])
			fprintf(stderr, "reader_seek(%d): batch %llu, not %llu\n", o,
				(unsigned long long)a->seek_base[o], (unsigned long long)b->seek_base[o]);
		if (a->loc_rc[o] != b->loc_rc[o] || a->loc_pos[o] != b->loc_pos[o] ||
		    a->loc_ts[o] != b->loc_ts[o])
			fprintf(stderr, "inspect_offset(%d): %d at %llu ts %lld, not %d at %llu ts %lld\n",
				o, a->loc_rc[o], (unsigned long long)a->loc_pos[o], (long long)a->loc_ts[o],
				b->loc_rc[o], (unsigned long long)b->loc_pos[o], (long long)b->loc_ts[o]);
	}
	if (a->first != b->first || a->next != b->next)
		fprintf(stderr, "seek_bounds: %llu %llu, not %llu %llu\n",
			(unsigned long long)a->first, (unsigned long long)a->next,
			(unsigned long long)b->first, (unsigned long long)b->next);
	for (int k = 0; k < NTIMES; k++) {
		if (a->time_rc[k] != b->time_rc[k] || a->time_off[k] != b->time_off[k])
			fprintf(stderr, "seek_time(%lld): %d %llu, not %d %llu\n",
				(long long)times[k], a->time_rc[k], (unsigned long long)a->time_off[k],
				b->time_rc[k], (unsigned long long)b->time_off[k]);
		if (a->seek_rc[k] != b->seek_rc[k] || a->seek_off[k] != b->seek_off[k])
			fprintf(stderr, "seeker_find(%lld): %d %llu, not %d %llu\n",
				(long long)times[k], a->seek_rc[k], (unsigned long long)a->seek_off[k],
				b->seek_rc[k], (unsigned long long)b->seek_off[k]);
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct answers got;
	char name[SEGMENT_NAME_MAX];
	uint8_t flags = size > 0 ? data[0] : 0;
	size_t ni = size > 1 ? (size_t)data[1] * 8 : 0, rest = size > 2 ? size - 2 : 0;

	if (!dir[0])
		setup();
	if (ni > rest)
		ni = rest;
	for (size_t s = 0; s < nsegs; s++) {
		if ((flags & 3) != 3 && (flags & 3) != s && !((flags & 3) == 2 && s + 1 == nsegs))
			continue;
		segment_name(segs[s], ".index", name);
		put_file(name, data + 2, ni);
		segment_name(segs[s], ".timeindex", name);
		if (!(flags & 8))
			put_file(name, data + 2 + ni, rest - ni);
	}
	if (flags & 4) {
		struct writer_options opt = { 0, 1, SYNC_NEVER, 14000, INT64_MAX };
		struct writer_recovery rec;
		struct writer w;
		struct error err;

		if (writer_open(&w, dir, &opt, &rec, &err) < 0 || writer_close(&w, &err) < 0)
			abort();
	}
	answer(&got, (int)(size % 15));
	{
		/* the bounds against the segments alone, whatever the
		 * indexes say (a writer may have rebuilt them) */
		uint64_t first, next;
		segment_bounds(&first, &next);
		if (got.first != first || got.next != next || first != truth.first ||
		    next != truth.next) {
			fprintf(stderr, "seek_bounds: %llu %llu, the segments say %llu %llu\n",
				(unsigned long long)got.first, (unsigned long long)got.next,
				(unsigned long long)first, (unsigned long long)next);
			abort();
		}
	}
	if (understated(flags, data + 2, ni, data + 2 + ni, rest - ni))
		check_times(&got);
	if (memcmp(&got, &truth, sizeof got) != 0)
		differ(&got, &truth);	/* an index changed an answer */
	drop_indexes();
	return 0;
}
