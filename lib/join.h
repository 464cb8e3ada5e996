/*
 * join.h - the join engine of logjoin: a stream joined with a table (as of
 * each record's time, or the table's latest), or with a second stream
 * within a time window.  The rules are logjoin(1)'s (working spec:
 * tests/model/JOIN-SPEC.md); this module holds them and nothing else: it
 * reads no input and writes no output itself.  The caller gives it left
 * records (stdin) with join_left and right records (the table's, or the
 * right stream's, in the merge order the spec fixes) with join_right;
 * results and unjoinable left records come out through the callbacks of
 * struct join_options.
 *
 * The whole state (the table's versions, both streams' buffers, stream
 * time, counters) is saved by join_save and restored by join_restore:
 * restoring into a new engine with the same options and feeding it the
 * rest of the input gives exactly the output of one uninterrupted run.  It
 * is deterministic: no clock, no randomness.
 *
 * Memory: every allocation of the state is counted and checked against
 * join_options.memory after each call; passing it is an error naming the
 * bound, never an eviction.  (Counted: the bytes asked for, not malloc's
 * overhead; the per-record scratch buffers, which grow to the largest
 * record, are not state and not counted.)
 *
 * Cost (join.c says how): a left record of a table join costs one field
 * lookup, one XXH3 of the key's bytes, one probe of an open-addressing
 * table and, as of, a binary search among the key's versions; its row is
 * built in one reused buffer (no allocation).  The lookups are random
 * reads of memory: join_prefetch, called ahead, overlaps them.  A table
 * record costs an allocation of its value (--latest: none once the key's
 * room is large enough; the value is kept after the key).  A record of
 * the stream join costs one allocation (its copy) while its window is
 * open, a heap push and pop (O(log buffered)), and a scan of its key's
 * records of the other side.
 */
#ifndef JOIN_H
#define JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "fieldpath.h"
#include "record.h"

enum join_kind {
	JOIN_ASOF,		/* --table: the version as of the left record's time */
	JOIN_LATEST,		/* --table --latest: the right record with the highest offset */
	JOIN_STREAM,		/* --stream: within before/after of the left record's time */
};

/* Times and durations: as window.h's (a timestamp outside +-2^62 ms is an
 * error of join_left/join_right; before, after, grace, history at most
 * 2^60 ms, join_new refuses more). */
#define JOIN_TIME_MAX (INT64_C(1) << 62)
#define JOIN_TIME_MIN (-JOIN_TIME_MAX)
#define JOIN_DURATION_MAX (INT64_C(1) << 60)

struct join_options {
	enum join_kind kind;
	/* keys: a path into the record's value (--on for left records,
	 * --table-on for right ones), or the record's key when unset */
	int has_on;
	struct fieldpath on;
	const char *on_name;		/* as given, for messages */
	int has_right_on;
	struct fieldpath right_on;
	const char *right_on_name;
	int key_as_text;		/* --key-as-text: keys compared as the text
					 * logcat -F %k prints (a text string: its
					 * characters; any other item: its JSON) */
	int keep_left;			/* --left: unmatched left records written,
					 * right side null */
	int keep_right;			/* --outer (JOIN_STREAM only): unmatched right
					 * records written too, left side null (with
					 * keep_left set as well) */
	int merge;			/* --merge: one map of both sides' members */
	const char *prefix;		/* --prefix (with merge; NULL: none) */
	int64_t before, after;		/* JOIN_STREAM: L.ts - before <= R.ts <= L.ts + after */
	int64_t grace;			/* JOIN_STREAM: lateness allowance (>= 0) */
	int64_t history;		/* JOIN_ASOF: --history (ms), or -1: keep every version */
	uint64_t memory;		/* --memory: the bound of the state, in bytes */
	/*
	 * Where results go: called with each output record (valid during the
	 * call).  Its key and headers are the left record's (the right one's
	 * for a right record written alone), its timestamp the left
	 * record's (a stream pair: the larger of the two), its offset the
	 * left record's (the right one's when there is no left record), its
	 * value {"left": L, "right": R} (a side absent: null) or, with merge,
	 * the left value's members then the right value's, each named prefix
	 * + name.  A non-zero return stops the engine: join_left and the
	 * others return it (err set by the callback when it is -1).
	 */
	int (*emit)(void *ctx, const struct record *r, struct error *err);
	/* Where left records that give no output row go, unchanged: a null
	 * value, no key (without keep_left), no match (without keep_left),
	 * older than --history.  NULL: counted only. */
	int (*unmatched)(void *ctx, const struct record *r, struct error *err);
	void *ctx;
};

struct join_stats {
	uint64_t left, right;		/* records given to join_left, join_right */
	uint64_t rows;			/* output records */
	uint64_t pairs;			/* ... of them with both sides */
	uint64_t left_unmatched;	/* left records with a key and a value but no
					 * match (written with keep_left, else given
					 * to the unmatched callback) */
	uint64_t right_unmatched;	/* JOIN_STREAM: right records never matched */
	uint64_t left_null;		/* left records with a null value: skipped */
	uint64_t left_nokey;		/* left records without key (no --on field,
					 * or a null key) */
	uint64_t right_nokey;		/* right records without key: skipped */
	uint64_t right_null_skipped;	/* right records with a null value that say
					 * nothing: with --table-on (no field to key a
					 * tombstone by), and in JOIN_STREAM */
	uint64_t too_old;		/* JOIN_ASOF: left records older than the
					 * --history horizon: not joined */
	uint64_t left_late, right_late;	/* JOIN_STREAM: records that came when
					 * stream time was past their timestamp +
					 * grace: they may have missed pairs whose
					 * other side was already dropped */
	uint64_t on_matched;		/* left records that had the --on path */
	uint64_t right_on_matched;	/* right records that had the --table-on path */
	uint64_t keys, versions;	/* the table now (JOIN_ASOF, JOIN_LATEST);
					 * JOIN_STREAM: records buffered now */
	uint64_t memory, peak_memory;	/* bytes of state now, and the most */
};

struct join;		/* opaque: join.c */

/*
 * A new engine with opt (which must outlive it; it is not copied).
 * Returns NULL with err set for options that break the rules above
 * (keep_right without JOIN_STREAM, prefix without merge, a negative or too
 * large duration), or on ENOMEM.
 */
struct join *join_new(const struct join_options *opt, struct error *err);

/*
 * A right record (r's offset is its offset in the right log: ties between
 * equal timestamps and --latest go by it, and messages name it: "table
 * record at offset 16: ...").
 * JOIN_ASOF, JOIN_LATEST: adds it to the table (a null value: a
 * tombstone, no row for its key from its timestamp on; with right_on set a
 * null value cannot be keyed and is skipped and counted).  The table's
 * records may come in any order of time.
 * JOIN_STREAM: raises stream time, closes the windows that passed (the
 * unmatched records they leave are written or counted), joins r with the
 * buffered left records, keeps it while its window is open.
 * Returns 0; -1 with err set (a timestamp out of range, the --memory bound
 * passed: "the table needs more than --memory 64M: 812345 versions of
 * 300000 keys", ENOMEM); or a callback's non-zero return.  After an error
 * the engine is only to be released.
 */
int join_right(struct join *j, const struct record *r, struct error *err);

/*
 * A left record (r's offset used in messages: "record 17 (offset 16):
 * ..."): joins it by the rules of opt.kind and writes its rows.  Returns as
 * join_right; a --merge whose sides share a member name, or whose side is
 * not a map, is an error naming the record ("record 17 (offset 16): member
 * 'name' is on both sides of --merge: use --prefix").
 */
int join_left(struct join *j, const struct record *r, struct error *err);

/*
 * A hint, for speed only (the answers are the same without it, whatever
 * the calls): r is a left record that will be given to join_left soon.
 * The table joins' lookups are random reads of memory in a chain (a key's
 * slot, the key with a --latest value after it; as of: then the key's
 * versions, then the value), each a cache miss on a large table.  Called
 * for each left record, in order, some records ahead of join_left (--latest:
 * two, join_prefetch(r[i+2]) just before join_left(r[i]); as of: three or
 * four), each call fetches the next link of the chain of the records of
 * the three calls before (whose previous links the calls before fetched)
 * and the first link of r's.  r need only be valid during the call.
 * JOIN_STREAM and --key-as-text: a no-op.
 */
void join_prefetch(struct join *j, const struct record *r);

/*
 * JOIN_ASOF with --history: raises the largest left timestamp seen to ts,
 * before the table is loaded, so that versions the horizon makes useless
 * are dropped while loading (the caller gives the first left record's
 * timestamp).  Otherwise a no-op.
 */
void join_raise_left_time(struct join *j, int64_t ts);

/* The end of both inputs: JOIN_STREAM writes (or counts) the unmatched
 * records still buffered, in the order of window close.  Returns as
 * join_right. */
int join_finish(struct join *j, struct error *err);

/* The newest timestamp of the table's records given (INT64_MIN before the
 * first): the live table's wait (logjoin -f) compares with it. */
int64_t join_table_time(const struct join *j);

/* JOIN_STREAM: stream time (INT64_MIN before the first record). */
int64_t join_stream_time(const struct join *j);

const struct join_stats *join_stats(const struct join *j);

/*
 * Saving and restoring the whole state, as window.h's: join_save appends
 * canonical bytes (equal states give equal bytes) with a description of
 * the options they depend on and an XXH3-64 of the rest; join_restore into
 * an engine whose options differ fails ("the saved state is of --stream
 * --within 10m, not ..."), as it does for bytes that are not a saved
 * state ("not a saved state of logjoin: ..."), without reading outside p.
 * The engine restored into must be new.  Both return 0, or -1 with err set.
 */
int join_save(const struct join *j, struct buf *out, struct error *err);
int join_restore(struct join *j, const uint8_t *p, size_t n, struct error *err);

void join_free(struct join *j);

#endif
