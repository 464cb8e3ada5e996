/*
 * inspect.h - what a log holds, for logseek: its summary (offsets, records,
 * timestamps, segments, consumer groups), where an offset lives, and the
 * positions and lags of consumer groups, with the new position a reset
 * would give.  The log's bounds and the offset of a time are seek.h's,
 * records per time interval histogram.h's.
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
#include "group.h"
#include "log.h"
#include "histogram.h"
#include "seek.h"
#include "segment.h"

/*
 * The names of before issue 12 for what moved: the log's bounds and the
 * search by time to seek.h, the histogram to histogram.h.  For callers not
 * yet moved to the new names; remove once none is left.
 */
#define inspect_bounds seek_bounds
#define inspect_find_time seek_time
#define inspect_seeker seeker
#define inspect_seeker_init seeker_init
#define inspect_seeker_find seeker_find
#define inspect_seeker_release seeker_release
#define inspect_histogram histogram
#define inspect_histogram_release histogram_release
#define INSPECT_HISTOGRAM_MAX HISTOGRAM_MAX

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

/* A position as --from and --to take it: an offset, or @TIME. */
struct inspect_pos {
	int is_time;
	uint64_t offset;
	int64_t ts;
};

/*
 * Parses "OFFSET" or "@TIME" (time_parse_arg, now_ms taken as now).
 * Returns 0, or -1 with err naming the value.
 */
int inspect_pos_parse(const char *s, int64_t now_ms, struct inspect_pos *p, struct error *err);

/* The offset a position names: the offset itself, or the first offset at
 * or after the time (the next offset when there is none).  Returns 0 or -1. */
int inspect_pos_resolve(struct log *log, const struct inspect_pos *p, uint64_t *off,
			struct error *err);

/* ---- consumer groups ------------------------------------------------------ */

struct inspect_group {
	char name[GROUP_NAME_MAX + 1];
	int has_committed, has_pending;
	struct group_pos committed, pending;
	/* lag: next - committed; next - first when committed < first (then
	 * behind_start is set) or when there is no committed position; 0 when
	 * committed > next (then beyond_end is set) */
	uint64_t lag;
	int behind_start, beyond_end;
	uint64_t first, next;	/* the log's bounds the lag was computed against */
};

/* Reads the group's positions and computes its lag against the bounds.
 * Returns 1 when it has a position (committed or pending), 0 when it has
 * none (g is filled all the same), -1 with err set. */
int inspect_group(struct log *log, const char *name, uint64_t first, uint64_t next,
		  struct inspect_group *g, struct error *err);

/* All groups of the log, sorted by name: *groups is an owned array of *n
 * (free it).  Returns 0 or -1. */
int inspect_groups(struct log *log, uint64_t first, uint64_t next,
		   struct inspect_group **groups, size_t *n, struct error *err);

enum reset_kind { RESET_EARLIEST, RESET_LATEST, RESET_OFFSET, RESET_TIME, RESET_FORWARD,
		  RESET_BACKWARD };

struct inspect_reset {
	enum reset_kind kind;
	uint64_t n;		/* RESET_OFFSET, RESET_FORWARD, RESET_BACKWARD */
	int64_t ts;		/* RESET_TIME */
};

/* Parses earliest, latest, OFFSET, @TIME, +N or -N.  Returns 0, or -1
 * with err naming the value and listing the accepted forms. */
int inspect_reset_parse(const char *s, int64_t now_ms, struct inspect_reset *r,
			struct error *err);

/* How a reset target was arrived at, for the caller's warnings. */
struct inspect_reset_result {
	uint64_t target;	/* the new position, within [first, next] */
	uint64_t wanted;	/* before clamping (saturated at 0 and UINT64_MAX) */
	int clamped;		/* -1 raised to first, +1 lowered to next, 0 */
	int no_time_match;	/* RESET_TIME found no record: target is next */
	char warning[256];	/* what the clamping or no_time_match means, or "" */
};

/*
 * Computes the position a reset gives group g: earliest is first, latest
 * is next, @TIME the first offset at or after TIME, +N and -N relative to
 * the committed position (to first when there is none); clamped to
 * [first, next], res->warning then saying so ("offset 5 - 10 is before the
 * first offset 100; using 100").  Returns 0 or -1 with err set.
 */
int inspect_reset_target(struct log *log, const struct inspect_group *g,
			 const struct inspect_reset *r, uint64_t first, uint64_t next,
			 struct inspect_reset_result *res, struct error *err);

/* ---- formatting ----------------------------------------------------------- */

/* Each appends its answer, text (json 0) or one JSON object and a newline
 * (json 1), to out.  They return 0, or -1 when memory runs out. */
int inspect_format_summary(struct buf *out, const char *logpath,
			   const struct inspect_summary *s, const struct inspect_group *g,
			   size_t ngroups, int json);
int inspect_format_location(struct buf *out, const struct inspect_location *loc, int json);

/* The JSON answer for an offset that inspect_offset did not find (rc its
 * result): {"offset":N,"found":false,"reason":R,"first_offset":F,
 * "next_offset":X,"next_record":O|null}, R "before_start", "removed" (no
 * record has it: compaction) or "beyond_end". */
int inspect_format_missing(struct buf *out, const struct inspect_location *loc, int rc);
int inspect_format_group(struct buf *out, const struct inspect_group *g, int json);
int inspect_format_groups(struct buf *out, const struct inspect_group *g, size_t n, int json);

/* The answer of a time search: the offset alone as text; as JSON
 * {"time":T,"offset":N,"found":true,"ts":TS} (found false and ts null when
 * no record qualified and N is the next offset). */
int inspect_format_time(struct buf *out, int64_t time, uint64_t off, int found, int64_t rec_ts,
			int json);

/*
 * A group's move: "group NAME: OLD -> NEW" (OLD "none" without a committed
 * position) and " (dry run; add --execute)" unless executed; as JSON
 * {"group":NAME,"old":OLD|null,"new":NEW,"executed":BOOL}.
 */
int inspect_format_move(struct buf *out, const char *name, int has_old, uint64_t old,
			uint64_t new_pos, int executed, int json);

/*
 * The histogram as text: one line per interval, its start in RFC 3339, the
 * count right-aligned, and a bar of '#' of ceil(count * W / max) characters,
 * W being what is left of 'columns' (at least 10), so the busiest interval
 * fills the line; an empty interval has no bar.  As JSON: one object.
 */
int inspect_format_histogram(struct buf *out, const struct inspect_histogram *hg,
			     unsigned columns, int json);

#endif
