/*
 * window.h - the window engine of logwindow: windows on event time
 * (tumbling, hopping, sliding, session), stream time, grace, late records,
 * final or updating results.  The rules are logwindow(1)'s (working spec:
 * tests/model/WINDOW-SPEC.md); this module holds them and nothing else: it
 * reads no input and writes no output itself.  Records go in through
 * window_add; results and late records come out through the callbacks of
 * struct window_options.
 *
 * The whole state (open windows, their aggregates, the records sliding
 * windows keep, stream time, counters) is saved by window_save and
 * restored by window_restore: restoring into a new engine with the same
 * options and feeding it the rest of the input gives exactly the output of
 * one uninterrupted run.  It is deterministic: no clock, no randomness
 * outside its state.
 *
 * Cost (window.c says how): a record costs a hash lookup of its group and,
 * for tumbling and hopping windows, SIZE/ADVANCE window lookups (a binary
 * search among the group's open windows, the last one tried first) and
 * aggregate additions; a window costs one allocation of its aggregates
 * (windows themselves are reused) and closes in O(1) (time windows are
 * kept in buckets by end).  Sessions: O(log) per record (a group's
 * sessions by start; all open windows by end: those created in order of
 * end in a ring, O(1), the others in a heap).  Sliding windows fold the
 * records a new window covers when it is created: O(k) aggregate
 * additions per record, k the records of its group within DIFF of it, and
 * they keep those records (time, arrival, copies of the fields the
 * aggregates read) for grace + DIFF + 1 ms of stream time.
 * Memory: every allocation of the state is counted (the aggregates' by
 * their *mem) and checked against --memory after each call.
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "buf.h"
#include "error.h"
#include "fieldpath.h"
#include "record.h"

enum window_kind { WINDOW_TUMBLING, WINDOW_HOPPING, WINDOW_SLIDING, WINDOW_SESSION };
enum window_emit { WINDOW_EMIT_FINAL, WINDOW_EMIT_UPDATE };

#define WINDOW_MAX_BY 16	/* --by paths */

/*
 * Ranges, so that no sum of a time and durations overflows: event times
 * within [WINDOW_TIME_MIN, WINDOW_TIME_MAX] (2^62 ms, about 146 million
 * years, either side of the epoch; a record outside is an error of
 * window_add), sizes, advances, gaps, differences and grace at most
 * WINDOW_DURATION_MAX (2^60 ms; window_new refuses more).  The align may
 * be any int64.
 */
#define WINDOW_TIME_MAX (INT64_C(1) << 62)
#define WINDOW_TIME_MIN (-WINDOW_TIME_MAX)
#define WINDOW_DURATION_MAX (INT64_C(1) << 60)
/* Hopping: at most this many windows a record (SIZE / ADVANCE, rounded
 * up); window_new refuses more. */
#define WINDOW_MAX_HOPS 100000

struct window_options {
	enum window_kind kind;
	int64_t size;		/* tumbling, hopping: SIZE; sliding: DIFF; session: GAP (ms, > 0) */
	int64_t advance;	/* hopping: ADVANCE (0 < advance <= size); tumbling: = size */
	int64_t align;		/* tumbling, hopping: an instant at which a window starts */
	int64_t grace;		/* >= 0 */
	enum window_emit emit_mode;	/* (named emit in the first header, which
					 * clashed with the callback below) */
	/* groups: by the record's key (nby 0, !all), --by paths, or --all */
	int all;
	size_t nby;
	struct fieldpath by[WINDOW_MAX_BY];
	const char *by_name[WINDOW_MAX_BY];	/* the paths as given, a leading '.' dropped */
	/* event time: the record's timestamp, or a value field */
	int has_time;
	struct fieldpath time;
	const char *time_name;
	int time_seconds;	/* numeric --time fields are in seconds */
	struct agg_set *aggs;	/* the aggregates (at least one) */
	uint64_t memory;	/* --memory: the bound of the state, in bytes */
	/*
	 * Where results go: called with each output record (key, value, ts
	 * set; offset 0), valid during the call.  A non-zero return stops
	 * the engine: window_add and the others return it (err set by the
	 * callback when it is -1).
	 */
	int (*emit)(void *ctx, const struct record *r, struct error *err);
	/* Where late records go: called with the input record, unchanged. */
	int (*late)(void *ctx, const struct record *r, struct error *err);
	void *ctx;
};

struct window_stats {
	uint64_t records;	/* records given to window_add */
	uint64_t counted;	/* ... counted in at least one window */
	uint64_t late;		/* ... late (given to the late callback) */
	uint64_t results;	/* results emitted (tombstones not included) */
	uint64_t tombstones;	/* retracted sessions (update mode) */
	uint64_t by_matched[WINDOW_MAX_BY];	/* records that had each --by path */
	uint64_t time_matched;	/* records that had the --time path */
};

struct window;		/* opaque: window.c */

/*
 * A new engine with opt (which must outlive it; it is not copied).
 * Returns NULL with err set for options that break the rules above (a
 * size of 0, an advance larger than the size), or on ENOMEM.
 */
struct window *window_new(const struct window_options *opt, struct error *err);

/*
 * Takes one record (r's offset, used in messages: "record 17 (offset
 * 16)"): raises stream time to its event time, then adds it to its open
 * windows or gives it to the late callback, then (final mode) emits the
 * windows now closed, or (update mode) the windows it changed.  Returns 0;
 * -1 with err set: the record has no event time ("record 17 (offset 16):
 * time field 'ts' is missing"), a sum overflowed, the --memory bound was
 * passed ("--memory 256M exceeded: 1200 windows open over 900 groups
 * ..."), ENOMEM; or a callback's non-zero return.  After an error the
 * engine is only to be released.
 */
int window_add(struct window *w, const struct record *r, struct error *err);

/*
 * Raises stream time to st (idle input: --idle-close; the caller computes
 * st from the wall clock) and emits the windows that closes (final mode;
 * in update mode closed windows are dropped silently, their results having
 * been given already).  Returns as window_add.
 */
int window_advance(struct window *w, int64_t st, struct error *err);

/* The end of the input: final mode emits every open window, in order of
 * window end; update mode emits nothing more.  Returns as window_add. */
int window_finish(struct window *w, struct error *err);

/* Stream time (INT64_MIN before the first record). */
int64_t window_stream_time(const struct window *w);

const struct window_stats *window_stats(const struct window *w);

/* Open windows and groups that have one, now (for messages and tests). */
void window_open_counts(const struct window *w, uint64_t *windows, uint64_t *groups);

/*
 * Saving and restoring the whole state: window_save appends it to out,
 * with a description of the options it depends on (kind, sizes, align,
 * grace, emit, groups, time, aggregates): window_restore into an engine
 * whose options differ fails ("the saved state is of --tumbling 1m, not
 * --tumbling 5m"), as it does for bytes that are not a saved state.  The
 * engine restored into must be new (no record added).  Both return 0, or
 * -1 with err set (ENOMEM too).
 *
 * The bytes (window.c has their layout) are canonical: equal states give
 * equal bytes (groups by their CBOR bytes, windows by end, start, seq;
 * records past the horizon, which the engine drops lazily, left out), so
 * a restored state saves to the same bytes.  They end with an XXH3-64 of
 * the rest; window_restore checks it, then every field (groups whole CBOR
 * items of the options' shape, windows of the options' bounds, open at
 * the saved stream time, in order, no two of a group overlapping where
 * they must not, kept records in order within the horizon, the counters
 * adding up, no byte left over) and refuses, without reading outside p,
 * what breaks a rule: "not a saved state of logwindow: ...".  The
 * aggregates' counts of matched paths (agg_set.matched) are added to the
 * set's, so that "matched no record" counts the records before the save.
 */
int window_save(const struct window *w, struct buf *out, struct error *err);
int window_restore(struct window *w, const uint8_t *p, size_t n, struct error *err);

void window_free(struct window *w);

#endif
