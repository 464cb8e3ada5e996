/*
 * group.h - consumer groups: a named reader's position in a log, kept in the
 * log directory so that a reader resumes where it stopped.  As in Kafka, the
 * committed offset is the next offset to read.
 *
 *	LOGDIR/groups/NAME           the committed position
 *	LOGDIR/groups/NAME.pending   a position waiting for logseek --commit
 *	LOGDIR/groups/NAME.lock      flock(2)ed by the one reader of the group
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
 * Takes the group's reader lock: waits when wait is set, else fails at once
 * ("group 'billing' of 'events/' is in use by another reader").  Returns the
 * lock's fd (held until closed) or -1 with err set.
 */
int group_lock(struct log *log, const char *name, int wait, struct error *err);

/* Removes the group's files (its lock first taken, without waiting).
 * Returns 1 when it existed, 0 when not, -1 with err set. */
int group_delete(struct log *log, const char *name, struct error *err);

/* Lists the groups of the log, sorted by name: *names is an array of *n
 * strings; free it with group_list_free.  Returns 0 or -1. */
int group_list(struct log *log, char ***names, size_t *n, struct error *err);
void group_list_free(char **names, size_t n);

#endif
