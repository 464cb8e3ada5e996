/*
 * lock.h - taking a flock(2) lock, at once or waiting for it, the same way
 * for the writers' lock (log.h), a group's reader lock (group.h) and
 * logcompact's lock (compact.h).
 *
 * A wait reacts to SIGINT and SIGTERM at once: while it waits, those two
 * signals (unless ignored) are caught here; when one comes, the handling
 * the program had is put back and, when that was the default, the signal
 * is raised again (the process ends as any would: status 130 or 143 to the
 * shell); when the program had its own handler, lock_take returns
 * LOCK_SIGNAL and lock_signal says which signal came.
 */
#ifndef LOCK_H
#define LOCK_H

#include <signal.h>

#include "error.h"

enum {
	LOCK_OK = 0,
	LOCK_ERROR = -1,	/* flock failed: errno says why */
	LOCK_BUSY = -2,		/* held by another, and the wait is over */
	LOCK_SIGNAL = -3,	/* SIGINT or SIGTERM came while waiting */
};

/* The signal that ended a wait (LOCK_SIGNAL), else 0. */
extern volatile sig_atomic_t lock_signal;

/*
 * Called once when a wait without a limit begins, with what is waited for
 * ("group 'g' of 'events/', held by another reader"); NULL (the default):
 * nothing.  Set by a cmd/ (lock_say_waiting below).
 */
extern void (*lock_waiting)(const char *what);

/*
 * Takes an exclusive flock on fd: wait_ms 0 tries once, -1 waits as long
 * as it takes, more waits at most that long; while another holds it, it
 * looks again every 10 ms, rising to 50.  what is for lock_waiting (NULL:
 * lock_waiting is not called).
 * Returns LOCK_OK, LOCK_BUSY, LOCK_SIGNAL or LOCK_ERROR.
 */
int lock_take(int fd, int wait_ms, const char *what);

/*
 * A lock file of a log directory, taken through lock_file: where it is,
 * and what the messages say.
 */
struct lock_spec {
	int dirfd;		/* the directory holding it */
	const char *name;	/* its name there ("lock"); made when missing */
	const char *path;	/* its path, for messages ("events/lock") */
	int wait_ms;		/* as lock_take's */
	const char *what;	/* what a wait is for, as lock_take's; also in
				 * "interrupted while waiting for WHAT" */
	int quiet;		/* lock_waiting is not called */
	const char *busy;	/* the message when another holds it */
};

/*
 * Opens (making it when missing) and takes the lock file s describes.
 * Returns its fd, held until closed, or -1 with err set: "unable to open
 * 'PATH'", BUSY, "interrupted while waiting for WHAT" (LOCK_SIGNAL, see
 * above), "unable to lock 'PATH'".
 */
int lock_file(const struct lock_spec *s, struct error *err);

/* --- for cmd/ only ------------------------------------------------------- */

/* A lock_waiting that prints "prog: waiting for WHAT" on stderr when it is
 * a terminal. */
void lock_say_waiting(const char *what);

#endif
