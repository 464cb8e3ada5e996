/*
 * inspect.h - what a log holds, for logseek: its summary (offsets, records,
 * timestamps, segments, consumer groups), where an offset lives, the first
 * offset at or after a time, records per time interval, and the positions
 * and lags of consumer groups, with the new position a reset would give.
 *
 * Everything here reads batch headers wherever they suffice and payloads
 * only where a record's own timestamp is needed; it never takes the
 * writers' lock.  Like the readers (reader.h) it stops silently before a
 * torn or still-growing batch at the end of the active segment, and reports
 * an unreadable batch in a sealed segment as damage, with the segment and
 * byte position.  In the active segment the batches after its last offset
 * index entry are checked whole (crc) so that a torn tail is never counted.
 *
 * Each question answers about the log as it was when asked: it takes the
 * log's end (the next offset) first and reads no batch appended after it,
 * however long the answer takes; a seeker's questions (many times) each
 * take it anew, with the segments listed again when the directory changed.
 *
 * Answers are formatted as text for people or as JSON into a struct buf;
 * printing them is the caller's.  Nothing here prints or exits.
 */
#ifndef INSPECT_H
#define INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "log.h"
#include "segment.h"

/* ---- the summary ---------------------------------------------------------- */

struct inspect_segment {
	uint64_t base;		/* its base offset (the file name) */
	uint64_t bytes;		/* size of the .log file */
	uint64_t index_bytes;	/* sizes of its .index and .timeindex */
};

struct inspect_summary {
	uint64_t first, next;	/* first offset, and the offset the next record gets */
	uint64_t records;	/* records (batch headers' counts) */
	uint64_t batches;
	int64_t first_ts;	/* timestamp of the first and of the last record */
	int64_t last_ts;	/*   (meaningful when records > 0) */
	int64_t min_ts, max_ts;	/* smallest and largest timestamps */
	struct inspect_segment *seg;	/* owned: nseg entries, ascending */
	size_t nseg;
	uint64_t segment_bytes, index_bytes;	/* totals */
};

/*
 * Summarises the log: reads every batch header, and the payloads of only
 * the first and the last batch (for their records' timestamps).  Returns 0,
 * or -1 with err set (damage, read error, out of memory); s is then empty.
 * Release s with inspect_summary_release.
 */
int inspect_summary(struct log *log, struct inspect_summary *s, struct error *err);
void inspect_summary_release(struct inspect_summary *s);

/*
 * The first offset and the next offset: the first batch of the first
 * segment that has one, and the end of the last segment's valid batches
 * (reading headers from its last offset index entry on).  Both are the
 * last segment's base when the log holds no record.  Returns 0 or -1.
 */
int inspect_bounds(struct log *log, uint64_t *first, uint64_t *next, struct error *err);

/* ---- positions ------------------------------------------------------------ */

/*
 * Finds the smallest offset whose record has a timestamp >= ts (timestamps
 * need not be ordered: Kafka's offsetsForTimes).  Segment by segment, in
 * offset order: a binary search in the time index (largest-timestamp-so-far
 * entries), then a scan of the batch headers of at most one index interval
 * and the payload of the one batch that holds the record; a segment whose
 * indexes are missing or do not match it is scanned header by header.
 * Returns 1 with *off and *rec_ts (that record's timestamp) set, 0 when no
 * record qualifies (*off = the next offset), -1 with err set.
 */
int inspect_find_time(struct log *log, int64_t ts, uint64_t *off, int64_t *rec_ts,
		      struct error *err);

/*
 * The same for many times: a seeker learns each sealed segment's largest
 * timestamp once (its last time index entry and the batches after its last
 * offset index entry), so that a search is a binary search over those
 * (they only grow, taken cumulatively), then one segment's as above.  The
 * active segment is searched afresh each time.  inspect_seeker_find
 * returns as inspect_find_time does.  The log must outlive the seeker;
 * release it with inspect_seeker_release.
 */
struct inspect_seeker {
	struct log *log;
	size_t known;		/* sealed segments whose largest timestamp is known */
	int64_t *prefix_max;	/* largest timestamp in segments 0..i (owned) */
	struct buf scratch;
	/* the records (offset, timestamp) of the last batch searched, which
	 * the next search often needs again: its segment, position and crc */
	uint64_t cache_base, cache_pos;
	uint32_t cache_crc;
	size_t cache_n, cache_cap;
	uint64_t *cache_off;	/* owned */
	int64_t *cache_ts;	/* owned */
	struct timespec dir_mtime;	/* of the log directory when last listed */
	/* the log's end found by the last search, and the size of the last
	 * segment (of base end_base) then: while it has that size, the end is
	 * the same */
	int end_known;
	uint64_t end_base, end_size, end;
};

void inspect_seeker_init(struct inspect_seeker *s, struct log *log);
int inspect_seeker_find(struct inspect_seeker *s, int64_t ts, uint64_t *off, int64_t *rec_ts,
			struct error *err);
void inspect_seeker_release(struct inspect_seeker *s);

/* Where an offset lives. */
struct inspect_location {
	uint64_t offset;
	char segment[SEGMENT_NAME_MAX_PATH];	/* path of the segment file */
	uint64_t pos;			/* byte position of the batch's header */
	struct batch_header h;		/* the batch's header */
	int64_t ts;			/* the record's timestamp */
	uint64_t first, next;		/* the log's bounds */
	/* INSPECT_GONE: the smallest offset above 'offset' that holds a
	 * record (has_next_record 0 when none does before the end) */
	int has_next_record;
	uint64_t next_record;
};

enum {
	INSPECT_FOUND = 1,
	INSPECT_GONE = 0,	/* before the first offset, or removed */
	INSPECT_BEYOND = 2,	/* at or after the next offset */
};

/*
 * Locates offset off: its segment, its batch and the record's timestamp.
 * Returns INSPECT_FOUND with loc filled; INSPECT_GONE when off is before
 * the first offset (removed by retention or compaction) or no record has
 * it (removed by compaction), loc->next_record then naming the record a
 * reader from off gets first; INSPECT_BEYOND when off >= the next offset;
 * both with loc->first and loc->next set; -1 with err set.
 */
int inspect_offset(struct log *log, uint64_t off, struct inspect_location *loc,
		   struct error *err);

/* ---- histogram ------------------------------------------------------------ */

#define INSPECT_HISTOGRAM_MAX 1000	/* intervals (lines) at most */

struct inspect_histogram {
	int64_t interval;	/* ms */
	int64_t start;		/* start of the first interval (ms) */
	size_t n;		/* intervals, from the earliest to the latest record */
	uint64_t *count;	/* owned: records in each */
	uint64_t records;	/* all of them */
	uint64_t from, to;	/* the offsets counted: [from, to), to at most the
				 * log's end when the question was asked */
};

/*
 * Counts the records of offsets [from, to) by timestamp in intervals of
 * 'interval' ms aligned on the epoch (floor(ts / interval)): out-of-order
 * records count in their own interval; empty intervals between busy ones
 * are kept.  A batch whose headers' smallest and largest timestamps fall in
 * one interval is counted from its header alone.  Returns 0 (hg->n is 0
 * when no record is in the range), or -1 with err set, also when more than
 * max_intervals intervals would be needed (the message suggests an
 * interval that fits).  Release hg with inspect_histogram_release.
 */
int inspect_histogram(struct log *log, uint64_t from, uint64_t to, int64_t interval,
		      size_t max_intervals, struct inspect_histogram *hg, struct error *err);
void inspect_histogram_release(struct inspect_histogram *hg);

#endif
