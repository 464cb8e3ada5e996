/*
 * watch.h - waiting for a log to change, for logcat --follow: inotify on the
 * log directory (a segment written, created or renamed into place), with a
 * timed poll where inotify is missing.  The wait also ends when the reader
 * of stdout goes away or a stop signal arrives.
 */
#ifndef WATCH_H
#define WATCH_H

#include <signal.h>

#include "error.h"

#define WATCH_POLL_MS 200	/* the fallback's period */

struct watch {
	int fd;			/* inotify, or -1: poll every WATCH_POLL_MS */
};

enum { WATCH_CHANGED, WATCH_STOP, WATCH_OUTPUT_GONE, WATCH_TIMEOUT };

/* Starts watching the directory dirpath.  Never fails: without inotify
 * it falls back to the timed poll. */
void watch_init(struct watch *w, const char *dirpath);
void watch_release(struct watch *w);

/*
 * Waits until the directory changes (or, in the fallback, a period
 * passes), *stop becomes set (SIGINT and SIGTERM are let through only while
 * waiting, so none is lost), output_fd's reader goes away, or timeout_ms
 * pass (WATCH_TIMEOUT; -1: no limit).  Returns one of the WATCH_ values.
 */
int watch_wait(struct watch *w, int output_fd, int timeout_ms, volatile sig_atomic_t *stop);

/* The same wait on a descriptor fd (a watch's, or any other to read; -1:
 * the fallback's period), reading nothing from it: WATCH_CHANGED when fd
 * is readable or the period passed. */
int watch_poll(int fd, int output_fd, int timeout_ms, volatile sig_atomic_t *stop);

#endif
