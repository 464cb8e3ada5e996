/*
 * progress.h - a progress bar on stderr for long work: one line, redrawn at
 * most ten times a second, erased at the end.  Shown when stderr is a
 * terminal unless forced on or off.
 *
 *	logcompact: rewriting  [##########--------------]  41%  212 MiB
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

struct progress {
	int on;			/* drawing at all */
	int drawn;		/* a line is on the screen */
	int64_t last_ms;	/* when it was drawn last */
	const char *what;	/* what it showed last */
};

/* mode: 1 always, 0 never, -1 when stderr is a terminal. */
void progress_init(struct progress *p, int mode);

/* Shows how far 'what' has got: done of total bytes. */
void progress_show(struct progress *p, const char *what, uint64_t done, uint64_t total);

/* Erases the bar. */
void progress_end(struct progress *p);

#endif
