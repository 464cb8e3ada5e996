/*
 * compact.h - logcompact's engine: retention (deleting the oldest sealed
 * segments), key compaction (keeping the latest record of each key, as
 * Kafka's log cleaner does) and compression, on a log that writers and
 * readers keep using.  The active (last) segment is never touched.
 *
 * New segment files are written aside and swapped in so that a kill at any
 * moment leaves a valid log, in which every record is still there, unchanged
 * at its offset, or is one that compaction may remove:
 *
 *	1. write BASE.log.cleaned, fsync it
 *	2. rename it to BASE.END.swap, fsync the directory: from here on the
 *	   swap is decided, and finishing it is idempotent
 *	3. remove BASE's indexes; link the swap file to BASE.log.new and
 *	   rename that over BASE.log
 *	4. remove the old segments with base in (BASE, END), fsync the directory
 *	5. remove the swap file, fsync the directory, rebuild BASE's indexes
 *
 * Between 3 and 4 the old segments after BASE overlap the new BASE.log;
 * readers skip offsets they have passed (reader.h), and their records are
 * ones compaction may remove.  Any run, and a logappend when no logcompact
 * holds the log, first finishes swap files and removes *.cleaned leftovers
 * (logdir.h, where steps 3 to 5 live).
 *
 * LOGDIR/compact.lock is flock(2)ed by the one logcompact at work.
 * LOGDIR/compact.state remembers, per pass, up to which offset and when
 * compaction has read the log: where the next run starts reading keys, and
 * when each tombstone was first seen.
 */
#ifndef COMPACT_H
#define COMPACT_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "log.h"
#include "topicinfo.h"

#define COMPACT_DEFAULT_MEMORY (64u << 20)
#define COMPACT_DEFAULT_TOMBSTONE_MS (24 * 3600 * 1000LL)
#define COMPACT_DEFAULT_LEVEL 6

struct compact_options {
	int compact;			/* --compact */
	int64_t retain_time;		/* ms, or -1 */
	uint64_t retain_size;		/* bytes, or UINT64_MAX */
	int compress;			/* zlib level 1-9, 0 uncompressed, -1 as found */
	int64_t tombstone_retention;	/* ms */
	int64_t min_lag;		/* ms */
	uint64_t segment_bytes;		/* limit of merged segments */
	uint64_t memory;		/* bound of the key map */
	int wait;			/* for another logcompact */
	int64_t now;			/* ms */
	FILE *plan;			/* --dry-run: what would be done goes here */
	/* progress: called now and then with what is being done and how far */
	void (*progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *progress_arg;
};

struct compact_stats {
	uint64_t records_before, bytes_before;	/* sealed segments, before */
	uint64_t records_after, bytes_after;	/* and after */
	unsigned passes;
	unsigned rewritten;		/* segment files written */
	unsigned merged;		/* segments merged into another */
	unsigned deleted;		/* segments deleted by retention */
	uint64_t deleted_records, deleted_bytes;
	unsigned recovered;		/* interrupted swaps finished, leftovers removed */
	uint64_t first_before, first_after;	/* the log's first offset */
};

/* Runs what opt asks for on the log at path.  Returns 0, or -1 with err
 * set; the log is then valid and holds everything it held. */
int compact_run(const char *path, const struct compact_options *opt,
		struct compact_stats *st, struct error *err);

/*
 * compact_run on each selected partition of a topic (ti, opened by
 * topicinfo_open; its logs need not be), in increasing order, a failure in
 * one not stopping the others: each partition is a log of its own, with its
 * own lock, state and retention (--retain-size bounds each partition, as
 * Kafka's retention.bytes does).  With opt->plan, a line "partition P
 * ('PATH/P'):" comes before each partition's plan.  After each, done(arg,
 * partition, path, rc, st, err) is told how it went (rc 0, or -1 with err
 * saying why).  Returns how many partitions failed.
 */
int compact_topic(const struct topicinfo *ti, const struct compact_options *opt,
		  void (*done)(void *arg, uint32_t partition, const char *path, int rc,
			       const struct compact_stats *st, const struct error *err),
		  void *arg);

#endif
