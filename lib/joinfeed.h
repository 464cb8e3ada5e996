/*
 * joinfeed.h - feeding logjoin's engine (join.h) from its two inputs: the
 * left records (stdin, given one at a time by the caller, a processor) and
 * the right log, which this module opens and reads itself, in the order
 * logjoin(1) fixes (working spec: tests/model/JOIN-SPEC.md):
 *
 *   --table: the table's records (up to --table-to) are given to the
 *   engine at the first left record, after join_raise_left_time with its
 *   timestamp (so that --history prunes while loading), or at the end when
 *   there is no left record.
 *
 *   --stream: the two inputs merged by time as Kafka Streams merges two
 *   partitions: before a left record L, every right record that comes next
 *   in the right log (log order) with R.ts < L.ts; at the end of stdin, the
 *   rest.  The right log is read as it was when it was opened.  The right
 *   record read but not yet due is kept (record_copy).
 *
 *   --table without -f: the left records are held back a few at a time
 *   (JOINFEED_AHEAD), so that join_prefetch fetches a record's table entry
 *   from memory while the records before it are joined; joinfeed_pause
 *   gives the ones held back (the caller calls it whenever its input
 *   pauses, and before it reports an error of its input).
 *
 *   --table -f (a live table): the table is followed as it grows, read
 *   without blocking; a left record newer than the table's newest record
 *   (ts > join_table_time) waits, and every left record after it too (the
 *   output keeps the input's order), until the table has a record at or
 *   after its time, or --grace of wall-clock time has passed since it
 *   arrived; then it is joined with what the table has.  The waiting
 *   records are held in at most opt.memory bytes: when that is full,
 *   joinfeed_left waits (the caller stops reading) until the first of them
 *   can go.  The caller polls joinfeed_pollfd beside its own input and calls
 *   joinfeed_poll when it is readable or its timeout passed.
 *
 * Nothing here prints or exits: errors come back in struct error.
 */
#ifndef JOINFEED_H
#define JOINFEED_H

#include <signal.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "join.h"
#include "record.h"
#include "stream.h"

struct joinfeed_options {
	const char *path;		/* the right log (--table or --stream LOGDIR) */
	int stream;			/* --stream (else --table) */
	struct replay_range range;	/* --table: the records to read (--table-to) */
	int follow;			/* --table -f: follow the table as it grows */
	int latest;			/* --table --latest (how far ahead to prefetch) */
	int64_t grace;			/* -f: the wall-clock wait, in ms (>= 0) */
	uint64_t memory;		/* -f: the bound of the waiting left records */
	volatile sig_atomic_t *stop;	/* -f: when set, the waits end at once
					 * (SIGINT, SIGTERM); may be NULL */
};

/* --table without -f: left records held back for join_prefetch. */
#define JOINFEED_AHEAD 4

struct joinfeed {
	struct joinfeed_options opt;
	struct join *j;
	struct source right;
	int right_open;
	int right_end;			/* the right log gave all it will give */
	int loaded;			/* --table: the table was loaded */
	/* --stream: the right record read and not yet given */
	struct buf pending_store;
	struct record pending;
	int has_pending;
	/* -f: the left records waiting for the table, first in first out:
	 * their records (record_encode) in data, {arrival ms, start, length}
	 * entries in queue from index head */
	struct buf data;
	struct buf queue;
	size_t head, count;
	uint64_t waiting;		/* their bytes in data */
	int64_t next_look;		/* monotonic ms: when to look at the table
					 * again while stdin flows */
	unsigned since_look;		/* records since the clock was read */
	/* --table without -f: the left records held back, oldest at
	 * ahead_head, copies in their stores */
	struct {
		struct buf store;
		struct record r;
	} ahead[JOINFEED_AHEAD];
	unsigned ahead_head, ahead_n, ahead_max;
};

/*
 * Opens the right log at opt->path (opt must outlive f) for the engine j
 * (made with the matching kind: JOIN_STREAM for opt->stream), which stays
 * the caller's.  Returns 0, or -1 with err naming the path ("'users/': no
 * such log ..."); joinfeed_close is to be called in either case.
 */
int joinfeed_open(struct joinfeed *f, struct join *j, const struct joinfeed_options *opt,
		  struct error *err);

/*
 * A left record (valid during the call; kept when it must wait): gives it
 * to the engine (join_left) in its turn, after what of the right log is
 * due.  Returns 0, or what join_left or join_right returned (-1 with err
 * set: a table record's error names the log, "'users/': ..."; or a
 * callback's non-zero return), or -1 with err set for a read error of the
 * right log.
 */
int joinfeed_left(struct joinfeed *f, const struct record *r, struct error *err);

/* Gives the engine the left records held back.  Returns as joinfeed_left. */
int joinfeed_pause(struct joinfeed *f, struct error *err);

/*
 * The end of the left input: the waiting left records (-f) wait on for the
 * table (at most --grace each; not at all once *opt.stop is set) and are
 * joined; the table is loaded if no left record came; the rest of the
 * right stream is given; then join_finish.  Returns as joinfeed_left.
 */
int joinfeed_finish(struct joinfeed *f, struct error *err);

/*
 * -f: what to poll(2) for POLLIN beside the left input: a descriptor, or
 * -1 for none; *timeout_ms is the longest wait before joinfeed_poll is due
 * (-1: no limit).  Without -f: -1 and -1.
 */
int joinfeed_pollfd(struct joinfeed *f, int *timeout_ms);

/* -f: reads what the table has now and joins the waiting left records
 * whose time has come.  Returns as joinfeed_left. */
int joinfeed_poll(struct joinfeed *f, struct error *err);

/* -f: bytes of left records waiting now. */
static inline uint64_t joinfeed_waiting(const struct joinfeed *f) { return f->waiting; }

/* Releases what joinfeed_open opened (not the engine). */
void joinfeed_close(struct joinfeed *f);

#endif
