/*
 * log.h - the log directory: the metadata file that makes a directory a log,
 * its list of segments, and the writers' lock.  Reading is reader.h, writing
 * is writer.h; the names of its files are logfiles.h's, and finishing what a
 * killed run left is logdir.h's.
 *
 *	LOGDIR/meta                          "logtools-log 1\n": format, version
 *	LOGDIR/lock                          flock(2)ed by the one writer
 *	LOGDIR/00000000000000000000.log      segments, named by base offset
 *	LOGDIR/00000000000000000000.index    their offset indexes
 *	LOGDIR/00000000000000000000.timeindex  and time indexes
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define LOG_FORMAT_NAME "logtools-log"
#define LOG_FORMAT_VERSION 1

struct log {
	char *path;		/* as given, for messages */
	int dirfd;
	uint64_t *seg;		/* segment bases, ascending */
	size_t nseg;
};

/*
 * Opens the log directory at path, checking its metadata.  With create set,
 * a missing directory is made, and an empty one (or one holding only a lock
 * file) becomes a log.  Errors: "'x/': no such log", "'x/': not a log (no
 * meta file)", "'x/': log format version 2 is newer than this tool (1)".
 * Returns 0, or -1 with err set.
 */
int log_open(struct log *log, const char *path, int create, struct error *err);

/* Lists the segment files again, replacing log->seg.  Returns 0 or -1. */
int log_list(struct log *log, struct error *err);

void log_close(struct log *log);

/* Writes "path/name" (path without a doubled slash) into out. */
void log_file_path(const struct log *log, const char *name, char *out, size_t outsz);

/*
 * Takes the writers' lock: waits for it when wait is set, else fails at once
 * ("'x/' is locked by another writer").  Returns the lock's fd (held until
 * closed), or -1 with err set.
 */
int log_lock(struct log *log, int wait, struct error *err);

/* Replaces the file name of the log directory (file_write_atomic: written
 * aside as name.tmp, fsynced, renamed into place, the directory fsynced;
 * name.tmp removed on failure).  Returns 0 or -1 with err set. */
int log_write_file(struct log *log, const char *name, const void *data, size_t n,
		   struct error *err);

/* fsyncs the log directory.  Returns 0 or -1 with err set. */
int log_sync_dir(struct log *log, struct error *err);

/* The index in log->seg of the segment that would hold offset off: the
 * last with base <= off (0 when there is none). */
size_t log_seg_for(const struct log *log, uint64_t off);

#endif
