/*
 * inspect.h - what a log holds, for logseek: its summary (offsets, records,
 * timestamps, segments) and where an offset lives.  The log's bounds and
 * the offset of a time are seek.h's, records per time interval
 * histogram.h's, consumer groups' positions, lags and resets group.h's,
 * positions as options name them position.h's.
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
 * Answers are formatted as text for people or as JSON by report.h;
 * nothing here prints or exits.
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
	uint64_t records;	/* records (batch headers' counts, checkpoint
				 * records left out: checkpoint.h) */
	uint64_t last;		/* the last record's offset (records > 0) */
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

/* ---- positions ------------------------------------------------------------ */

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

#endif
