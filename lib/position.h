/*
 * position.h - positions in a log as the commands take them on their
 * command lines, parsed in one place: logcat's --from and --to, logseek's
 * --from, --to and --reset.
 *
 *	OFFSET       an offset (decimal digits)
 *	@TIME        the first record at or after TIME (time_parse_arg)
 *	-N           N records back (logcat --from: the last N; --reset: from
 *	             the committed position)
 *	+N           N records forward (--reset, from the committed position)
 *	beginning    the first record (logcat --from; --reset says earliest)
 *	end          the next offset (logcat --from; --reset says latest)
 *
 * Parsing only reads the string; resolving a time to an offset reads the
 * log.  Nothing here prints or exits.
 */
#ifndef POSITION_H
#define POSITION_H

#include <stdint.h>

#include "error.h"
#include "input.h"
#include "log.h"

enum position_kind {
	POS_OFFSET,	/* n: the offset */
	POS_TIME,	/* ts */
	POS_BEGINNING,	/* "beginning", --reset's "earliest" */
	POS_END,	/* "end", --reset's "latest" */
	POS_BACK,	/* -N: n records back */
	POS_FORWARD,	/* +N (--reset only): n records forward */
};

struct position {
	enum position_kind kind;
	uint64_t n;		/* POS_OFFSET, POS_BACK, POS_FORWARD */
	int64_t ts;		/* POS_TIME, ms since the epoch */
};

/* What position_parse accepts besides OFFSET and @TIME. */
enum {
	POSITION_EXACT = 0,	/* OFFSET, @TIME: --to, logseek's --from */
	POSITION_FROM = 1,	/* also -N, beginning, end: logcat's --from */
};

/*
 * Parses a position (time_parse_arg, now_ms taken as now).  Returns 0, or
 * -1 with err naming the value and the accepted forms ("invalid position
 * 'x' (accepted: OFFSET, @TIME)"), or time_parse_arg's message for a bad
 * TIME after '@'.
 */
int position_parse(const char *s, int accept, int64_t now_ms, struct position *p,
		   struct error *err);

/*
 * Parses a --reset position: earliest, latest, OFFSET, @TIME, +N or -N.
 * Returns 0, or -1 with err naming the value ("invalid reset position
 * 'x'") and listing the accepted forms, or saying what is wrong with TIME.
 */
int position_reset_parse(const char *s, int64_t now_ms, struct position *p, struct error *err);

/*
 * The offset a position parsed with POSITION_EXACT names: the offset
 * itself, or the first offset at or after the time.  Returns 1, or 0 when
 * no record is at or after the time (*off is then the next offset), or -1
 * with err set.
 */
int position_resolve(struct log *log, const struct position *p, uint64_t *off,
		     struct error *err);

/*
 * Reads the next TIME of a stream of them, one per line (logseek --time
 * -): a CR before the newline and empty lines are ignored, "now" is when
 * the line is read.  Before it would wait for more input it calls
 * before_wait(arg, err) (so that answers so far reach a co-process that
 * waits for them), and stops when that returns -1.  Returns 1 with *time,
 * 0 at the end of the input, or -1 with err set: before_wait's failure, a
 * read error, or a line that is not a time, named by its number
 * ("stdin:3: not a time (a NUL byte)").
 */
int position_time_line(struct input *in, int (*before_wait)(void *arg, struct error *err),
		       void *arg, int64_t *time, struct error *err);

#endif
