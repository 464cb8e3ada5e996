/*
 * replay.h - logcat's engine: a range of records, from a log directory or a
 * framed stream, written through an output.  Whole batches inside the range
 * go out untouched when the output is framed; the rest record by record.
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <signal.h>
#include <stdint.h>

#include "error.h"
#include "input.h"
#include "output.h"
#include "stream.h"

/* How a replay of a log goes on: following it, as a consumer group. */
struct replay_options {
	int follow;			/* wait for new records at the end */
	const char *group;		/* a consumer group, or NULL */
	int wait_group;			/* wait for the group's lock */
	int commit_manual;		/* write a pending position only */
	int64_t commit_interval;	/* ms between commits while writing */
	volatile sig_atomic_t *stop;	/* set by SIGINT and SIGTERM */
	/* a topic: which partitions (stream.h's source_options) */
	const char *partitions;		/* --partition P[,P...] */
	uint32_t member, members;	/* --member I/M (M 0: none) */
	struct error *note;		/* when set, gets a remark for stderr (a
					 * member without a partition), else
					 * stays as it was */
	/* logcat --resume OUT (issue 17, CHECKPOINT-SPEC.md section 2): start
	 * at OUT's last checkpoint, write the restore item first and barriers
	 * (barrier.h) every checkpoint_interval ms (0: after every batch or
	 * record written) and at the end; framed output only, no group */
	const char *resume;
	int64_t checkpoint_interval;
};

/*
 * Writes the records of the log at path that fall in the range; with a
 * group, from the group's committed position (the range's start only when
 * it has none), committing the position after the last record written and
 * flushed: at most every commit_interval while writing, whenever a
 * follower waits for new records, and at the end.  Returns OUTPUT_OK (also
 * when *stop ended it), OUTPUT_CLOSED (the reader went away) or
 * OUTPUT_ERROR with err set (no such log, damage, write error, group in
 * use).  Output is flushed on return; a position is never committed past
 * what was written.
 *
 * A topic at path: its partitions (all, opt's list, or opt's member's)
 * merged by time (topicsource.h), each record carrying its partition; the
 * range applies to each partition, its count to the merged records.  A
 * group has a position in each partition (the partition log's group
 * file), holds the group's lock of each partition read (taken in
 * increasing order of partition; one held by another reader is an error
 * naming the partition, or with wait_group a wait), and commits each
 * partition's position by the rules above.
 *
 * With opt->resume: OUT's last checkpoint (checkpoint.h) must name this
 * source (the same kind and absolute path, else OUTPUT_ERROR naming both),
 * have "end" false (true: the pipe ended, OUTPUT_ERROR) and cover exactly
 * the partitions read (opt's member or list; else OUTPUT_ERROR naming both
 * sets); each partition starts at its position there (without a
 * checkpoint: at the range's start).  OUT is registered in the source
 * (pipeline.h) for logseek; when that fails, opt->note says so.  Before the first record the restore item
 * (the checkpoint's states; none without a checkpoint), then a barrier
 * after the records or batch written once checkpoint_interval has passed
 * since the last one (a follower: also while it waits, if records were
 * written since), and one at the end whose "end" is true only when --to
 * was reached (TO_OFFSET: the log held that offset; TO_TIME: a record at or
 * after the time stopped the reading).  Each barrier's positions are the
 * next offset of each partition after the records written before it.
 */
int replay_log(const char *path, const struct replay_range *range,
	       const struct replay_options *opt, struct output *out, struct error *err);

/* The same for a framed stream read from fd (name, "stdin", is for
 * messages); FROM_LAST is not supported there.  Output is flushed whenever
 * reading would wait.  A time
 * range starts at the first record at or after from_time and stops at the
 * first record at or after to_time, in stream order. */
int replay_stream(int fd, const char *name, const struct replay_range *range, struct output *out,
		  struct error *err);

#endif
