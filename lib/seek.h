/*
 * seek.h - where things are in a log, by its indexes and its batches: the
 * log's bounds (its first offset and the offset the next record gets), and
 * the first offset at or after a time, once or many times (a seeker).
 * logcat starts there (replay.h), logseek answers with them (inspect.h).
 *
 * Like the reader (reader.h) they stop silently before a torn or
 * still-growing batch at the end of the active segment, and report an
 * unreadable batch in a sealed segment as damage, with the segment and
 * byte position (cursor.h).  In the active segment the batches after its
 * last offset index entry are checked whole (crc), so that a torn tail is
 * never counted.
 *
 * logcompact may replace or remove segments between the listing of a log
 * and their opening (compact.h), so that a question fails ("No such file")
 * or counts records twice: after a failure the log is listed again, and
 * when its segments changed the question is asked again, up to
 * SEEK_RETRIES times.  They never take the writers' lock, and they list
 * log's segments again (log_list) as they need.
 */
#ifndef SEEK_H
#define SEEK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "log.h"

#define SEEK_RETRIES 8

/*
 * Lists the log's segments again.  Returns 1 when the list changed (then a
 * question that failed is worth asking again), 0 when it did not or could
 * not be listed.
 */
int seek_relisted(struct log *log);

/*
 * The log's bounds: *first, the first batch's base in the first segment
 * that has one; *next, the end of the last segment's valid batches (read
 * whole from its last offset index entry on; from its start when the batch
 * that entry names is torn: a torn batch at the last index entry ends the
 * log before it).  Both are the last segment's base when the log holds no
 * record (0 without segments).  Returns 0 or -1 with err set.
 */
int seek_bounds(struct log *log, uint64_t *first, uint64_t *next, struct error *err);

/* *end: the next offset alone, as seek_bounds gives it.  Returns 0 or -1. */
int seek_end(struct log *log, uint64_t *end, struct error *err);

/*
 * Finds the smallest offset whose record has a timestamp >= ts (timestamps
 * need not be ordered: Kafka's offsetsForTimes).  Segment by segment, in
 * offset order: a binary search in the time index (largest-timestamp-so-far
 * entries), then a scan of the batch headers of at most one index interval
 * and the payload of the one batch that holds the record; a segment whose
 * indexes are missing or do not match it is scanned header by header.
 * Batches appended after the question was asked are not read.
 * Returns 1 with *off and *rec_ts (that record's timestamp) set, 0 when no
 * record qualifies (*off = the next offset), -1 with err set.
 */
int seek_time(struct log *log, int64_t ts, uint64_t *off, int64_t *rec_ts, struct error *err);

/*
 * The same for many times: a seeker learns each sealed segment's largest
 * timestamp once (its last time index entry and the batches after its last
 * offset index entry), so that a search is a binary search over those
 * (they only grow, taken cumulatively), then one segment's as above.  The
 * active segment is searched afresh each time; each search takes the log's
 * end anew, with the segments listed again when the directory changed.
 * seeker_find returns as seek_time does.  The log must outlive the seeker;
 * release it with seeker_release.
 */
struct seeker {
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

void seeker_init(struct seeker *s, struct log *log);
int seeker_find(struct seeker *s, int64_t ts, uint64_t *off, int64_t *rec_ts,
		struct error *err);
void seeker_release(struct seeker *s);

#endif
