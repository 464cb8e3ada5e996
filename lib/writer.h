/*
 * writer.h - appending to a log: the one writer holds the lock, repairs a
 * torn tail left by a crash, writes whole batches with one write each,
 * syncs them as asked, keeps the indexes and rolls segments by size and age.
 */
#ifndef WRITER_H
#define WRITER_H

#include <pthread.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "index.h"
#include "log.h"
#include "segment.h"

enum sync_mode {
	SYNC_NEVER,		/* leave it to the kernel */
	SYNC_BATCH,		/* fdatasync after each batch (the default) */
	SYNC_ALWAYS,		/* each record is its own batch, synced */
};

#define WRITER_SEGMENT_BYTES_DEFAULT (128ull << 20)
#define WRITER_SEGMENT_AGE_DEFAULT (7 * 24 * 3600 * 1000LL)

struct writer_options {
	int create;		/* create the log when missing */
	int wait;		/* wait for the lock, else fail at once */
	enum sync_mode sync;
	uint64_t segment_bytes;	/* roll when a segment would grow past this */
	int64_t segment_age;	/* roll a segment this old (ms) */
};

/* What writer_open found and repaired, for the command to report. */
struct writer_recovery {
	uint64_t truncated;	/* bytes of torn tail removed (0: none) */
	uint64_t at;		/* position where the valid prefix ends */
	char segment[SEGMENT_NAME_MAX_PATH];
	unsigned indexes_rebuilt;	/* indexes rebuilt, interrupted compactions finished */
};

struct writer {
	struct log log;
	struct writer_options opt;
	int lockfd;
	int segfd;		/* active segment */
	uint64_t segbase;
	uint64_t segsize;	/* bytes of valid data in it */
	int64_t segcreated;
	struct index_writer iw;
	uint64_t next;		/* offset of the next record */
	/* the background write (writer_submit): one batch in flight */
	pthread_t thread;
	int thread_started, quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch_builder inflight;	/* owned; h.count == 0 when idle */
	int busy;		/* a batch is being written */
	int failed;		/* the last background write failed */
	struct error failure;
};

/* Opens the log for appending (see log_open for create), takes the lock,
 * recovers the active segment.  Returns 0, or -1 with err set. */
int writer_open(struct writer *w, const char *path, const struct writer_options *opt,
		struct writer_recovery *rec, struct error *err);

/*
 * Appends a finished batch (batch_builder_finish) whose records already
 * carry offsets from w->next on; rolls the segment first when needed; syncs
 * as the sync mode says.  On success w->next moves past the batch.  On
 * failure the batch is not part of the log: the segment is cut back to its
 * old size where possible, and -1 returns with err set.
 */
int writer_append(struct writer *w, struct batch_builder *bb, struct error *err);

/*
 * Hands a finished batch to a background thread that writes (and syncs) it
 * while the caller builds the next: the batch's buffer is swapped into the
 * writer, and bb comes back empty with the writer's spare buffer.  Waits
 * first for the batch submitted before, and returns -1 with err set when
 * that one failed (then this one is not written).  Returns 0 otherwise.
 * Between submit and writer_wait, only the writer's thread touches w.
 */
int writer_submit(struct writer *w, struct batch_builder *bb, struct error *err);

/*
 * Waits until the batch in flight, if any, is written.  Returns 0 and sets
 * *first and *count to the offsets it made durable (count 0: none was in
 * flight), or -1 with err set when its write failed.
 */
int writer_wait(struct writer *w, uint64_t *first, uint64_t *count, struct error *err);

/* Syncs what was written.  Returns 0 or -1 with err set. */
int writer_sync(struct writer *w, struct error *err);

/* Syncs, releases the lock and everything else.  Returns 0 or -1 when the
 * final sync failed. */
int writer_close(struct writer *w, struct error *err);

#endif
