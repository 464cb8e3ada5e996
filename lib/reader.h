/*
 * reader.h - reading a log in offset order, one checked batch at a time:
 * positioning by offset (through the offset index) and by time (through the
 * time index), never taking the writers' lock.
 *
 * A batch is returned only when complete and its checksum matches.  At the
 * end of the last segment, an incomplete or unreadable batch is the end of
 * the log (a write in progress, or a torn tail the next writer repairs); in
 * a sealed segment it is damage, reported with the segment and byte position.
 */
#ifndef READER_H
#define READER_H

#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "cursor.h"
#include "error.h"
#include "log.h"
#include "segment.h"

struct reader {
	struct log log;
	size_t seg;		/* index in log.seg of the open segment */
	struct cursor cur;	/* the open segment (cursor.h), reading into batch */
	struct buf batch;	/* the last batch returned: header and payload */
	uint64_t batch_pos;	/* its position */
	uint64_t next_off;	/* the offset after what was returned (or sought) */
	uint64_t low;		/* for the last batch returned: its records below
				 * this offset were returned before (see below) */
	const char *path;	/* the open segment, for messages (cur.path) */
};

/* Opens the log at path for reading.  Returns 0, or -1 with err set.  The
 * reader points into itself: it is not copied. */
int reader_open(struct reader *r, const char *path, struct error *err);
void reader_close(struct reader *r);

/*
 * While logcompact swaps segments (compact.h), a new segment may overlap old
 * ones for a moment, and a segment being read may be replaced or deleted.
 * The reader moves on by offset, not by file: at the end of a segment it
 * lists the segments again and continues in the one that holds the offset
 * after the last batch returned, skipping batches already passed.  A batch
 * that straddles that offset is returned with r->low set to it: the caller
 * skips the batch's records below r->low.
 *
 * Returns the next batch: 1 with *h set and the batch in r->batch (valid
 * until the next call), 0 at the end of the log, -1 with err set on damage
 * or a read error.
 */
int reader_next(struct reader *r, struct batch_header *h, struct error *err);

/*
 * Lists the segments again, for a reader that follows a growing log: new
 * segments appear after the one being read.  Returns 0 or -1.
 */
int reader_refresh(struct reader *r, struct error *err);

/* Positions the reader at the batch that holds offset off, or at the first
 * batch after it.  Returns 0 or -1. */
int reader_seek(struct reader *r, uint64_t off, struct error *err);

/* The log's first offset and the offset the next record will get
 * (seek_bounds, seek.h).  Returns 0 or -1.  Leaves the reader alone. */
int reader_bounds(struct reader *r, uint64_t *first, uint64_t *next, struct error *err);

/*
 * Counting records, not offsets, since compaction leaves gaps: reader_last
 * sets *lo to the offset of the first of the last n records below hi (the
 * log's first offset being first; with fewer records there, first; with n
 * 0, hi); reader_forward sets *at to the offset n records on from lo: that
 * of the first record at or after lo, below hi, with n records before it
 * (hi when there is none).  Both read the batches they count over and
 * move the reader.  They return 1, 0 when there were fewer than n
 * records, or -1 with err set.
 */
int reader_last(struct reader *r, uint64_t n, uint64_t first, uint64_t hi, uint64_t *lo,
		struct error *err);
int reader_forward(struct reader *r, uint64_t n, uint64_t lo, uint64_t hi, uint64_t *at,
		   struct error *err);

/* Finding an offset by time is seek_time (seek.h). */

#endif
