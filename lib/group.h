/*
 * group.h - consumer groups: a named reader's position in a log, kept in the
 * log directory so that a reader resumes where it stopped.  As in Kafka, the
 * committed offset is the next offset to read.
 *
 *	LOGDIR/groups/NAME           the committed position
 *	LOGDIR/groups/NAME.pending   a position waiting for logseek --commit
 *	LOGDIR/groups/NAME.lock      flock(2)ed by the one reader of the group,
 *	                             there only while one reads (or was killed)
 *
 * A position file is text: "logtools-group 1\n", then "offset N\n" and
 * "updated MS\n" (the wall clock at writing, ms since the epoch).  It is
 * written aside (NAME.tmp), synced, renamed into place and the directory
 * synced, so it is always whole.
 */
#ifndef GROUP_H
#define GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log.h"
#include "position.h"

#define GROUP_NAME_MAX 128

struct group_pos {
	uint64_t offset;	/* the next offset to read */
	int64_t updated;	/* when it was written, ms since the epoch */
};

/*
 * Checks a group name: 1 to GROUP_NAME_MAX bytes of letters, digits, '.',
 * '_' and '-', not beginning with '.', not ending in ".lock", ".pending"
 * or ".tmp".  Returns 0, or -1 with err saying what is wrong.
 */
int group_name_check(const char *name, struct error *err);

/* Parses the text of a position file.  Returns 0, or -1 with err set. */
int group_parse(const char *text, size_t n, struct group_pos *pos, struct error *err);

/*
 * Reads the committed position of group name (pending set: the pending
 * one).  Returns 1 with *pos set, 0 when there is none, -1 with err set
 * (a damaged file is reported, never taken for "none").
 */
int group_read(struct log *log, const char *name, int pending, struct group_pos *pos,
	       struct error *err);

/* Writes a position atomically (see above); a committed one (pending not
 * set) discards the pending position.  Returns 0 or -1. */
int group_write(struct log *log, const char *name, int pending, uint64_t offset,
		struct error *err);

/*
 * Makes the pending position the committed one (a rename, then a sync of
 * the directory).  Returns 1 when done, 0 when nothing was pending, -1.
 */
int group_commit_pending(struct log *log, const char *name, struct error *err);

/* Drops the pending position.  Returns 1 when there was one, 0 when not,
 * -1 with err set. */
int group_clear_pending(struct log *log, const char *name, struct error *err);

/*
 * Takes the group's reader lock: waits when wait is set (lock.h: SIGINT
 * and SIGTERM end the wait), else fails at once ("group 'billing' of
 * 'events/' is in use by another reader").  Returns the lock's fd or -1
 * with err set.  Release it with group_unlock.
 */
int group_lock(struct log *log, const char *name, int wait, struct error *err);

/*
 * Releases the lock group_lock took (fd -1: nothing), removing NAME.lock
 * so that no empty lock file lingers: removed while held, so a reader
 * that opened it meanwhile finds it gone once it has the lock, and takes
 * the lock again on the file then in place (group_lock checks).
 */
void group_unlock(struct log *log, const char *name, int fd);

/* Removes the group's files (its lock first taken, without waiting).
 * Returns 1 when it existed, 0 when not, -1 with err set. */
int group_delete(struct log *log, const char *name, struct error *err);

/*
 * The same in each of n logs (a topic's partitions, in increasing order):
 * the group's lock of every log that has groups is taken first, in the
 * order given and without waiting, so that a reader of the group in any
 * of them makes it fail with nothing removed; then the files of each are
 * removed in turn.  *deleted: how many logs were done (n on success).
 * Returns how many had a position, or -1 with err set (logs[0 ..
 * *deleted-1] done, the others not, logs[*deleted] perhaps in part).
 */
int group_delete_logs(struct log *logs, size_t n, const char *name, size_t *deleted,
		      struct error *err);

/* Lists the groups of the log, sorted by name: *names is an array of *n
 * strings; free it with group_list_free.  Returns 0 or -1. */
int group_list(struct log *log, char ***names, size_t *n, struct error *err);
void group_list_free(char **names, size_t n);

/* ---- what a group is to its log: lag, resets, commits (logseek) ---------- */

struct group_status {
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

/* Reads the group's positions and computes its lag against the log's
 * bounds [first, next].  Returns 1 when it has a position (committed or
 * pending), 0 when it has none (g is filled all the same), -1 with err
 * set (a damaged position file among them). */
int group_status(struct log *log, const char *name, uint64_t first, uint64_t next,
		 struct group_status *g, struct error *err);

/* group_status of every group of the log, sorted by name: *groups is an
 * owned array of *n (free it; NULL when there is none).  Returns 0, or -1
 * with err set and *groups NULL. */
int group_status_list(struct log *log, uint64_t first, uint64_t next,
		      struct group_status **groups, size_t *n, struct error *err);

/* How a reset's new position was arrived at, for the caller's warnings. */
struct group_reset {
	uint64_t target;	/* the new position, within [first, next] */
	uint64_t wanted;	/* before clamping (saturated at 0 and UINT64_MAX) */
	int clamped;		/* -1 raised to first, +1 lowered to next, 0 */
	int no_time_match;	/* @TIME found no record: target is next */
	char warning[256];	/* what the clamping or no_time_match means, or "" */
	int computed;		/* group_reset: the target was computed (when it
				 * fails, it failed writing it) */
};

/*
 * Computes the position a reset (position_reset_parse) gives group g:
 * earliest is first, latest is next, @TIME the first offset at or after
 * TIME, +N and -N records (not offsets: compaction leaves gaps) from the
 * committed position (from first when there is none); clamped to
 * [first, next], res->warning then saying so ("offset 5 - 10 is before
 * the first offset 100; using 100").  Reads the log for @TIME, +N and -N.
 * Returns 0, or -1 with err set.
 */
int group_reset_target(struct log *log, const struct group_status *g, const struct position *r,
		       uint64_t first, uint64_t next, struct group_reset *res, struct error *err);

/*
 * The reset of group name to r, against the log's bounds [first, next]:
 * when execute is set, takes the group's lock without waiting (a reader
 * of the group makes it fail), and holds it from reading the positions to
 * writing the new committed one and dropping the pending one; else only
 * reads and computes (a dry run).  *before is the group as it was, *res
 * the new position (group_reset_target).  Returns 0, or -1 with err set:
 * the lock released, nothing written when res->computed is 0; when it is
 * 1 the failure was in writing, and the positions may be the old ones or
 * the new committed one with the pending one still there.
 */
int group_reset(struct log *log, const char *name, const struct position *r, int execute,
		uint64_t first, uint64_t next, struct group_status *before,
		struct group_reset *res, struct error *err);

/*
 * The reset of group name to r in each of n logs at once (a topic's
 * partitions, in increasing order; logs[i] against its bounds [first[i],
 * next[i]]), all or nothing as far as locks go: when execute is set, the
 * group's lock of every log is taken first, in the order given and
 * without waiting (two resets never deadlock; a reader of the group in
 * any of them makes it fail, nothing written); then every target is
 * computed (a failure there writes nothing); then each is written in
 * turn, the locks held until the last is.  before[i] and res[i] as
 * group_reset's (arrays of n).  *written: how many logs have their new
 * position, n when done.  Returns 0, or -1 with err set: when writing
 * failed, logs[0 .. *written-1] have the new position, logs[*written] the
 * old or the new one (its pending one possibly still there), the others
 * the old one.  group_reset is this for one log.
 */
int group_reset_logs(struct log *logs, size_t n, const char *name, const struct position *r,
		     int execute, const uint64_t *first, const uint64_t *next,
		     struct group_status *before, struct group_reset *res, size_t *written,
		     struct error *err);

/*
 * logseek --commit: makes the pending position of group name committed
 * (group_commit_pending), with the group as it was before (*before) and
 * after (*after), against the bounds [first, next].  Returns 1 when done,
 * 0 when nothing was pending (*after unset), -1 with err set.
 */
int group_commit(struct log *log, const char *name, uint64_t first, uint64_t next,
		 struct group_status *before, struct group_status *after, struct error *err);

#endif
