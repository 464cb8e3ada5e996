/*
 * verify.h - checking a whole log, for logseek --verify: every batch's
 * header and crc, every record's offset against its batch header and the
 * records before it (across batches and segments), each segment's header,
 * and both indexes entry by entry.  It reports what it finds as lines and
 * goes on where it can: a damaged sealed segment is reported and the next
 * one checked.
 *
 * What it finds is of three kinds: damage (a sealed segment that cannot be
 * read to its end, a record out of order, an index entry that points
 * elsewhere), a note (a torn or growing tail of the active segment, a
 * missing index, files an interrupted logcompact left: the next logappend
 * or logcompact deals with them), and for each segment a line saying what
 * it holds.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdint.h>

#include "error.h"
#include "log.h"

enum verify_level { VERIFY_SEGMENT, VERIFY_NOTE, VERIFY_DAMAGE };

struct verify_report {
	uint64_t segments, batches, records, bytes;
	unsigned damage, notes;
	int readable_all;	/* no damage before the end */
	uint64_t readable_to;	/* else: the records below this offset read */
};

/*
 * Checks the log; say(arg, level, line) gets each finding.  Returns 0 when
 * the check ran (damage or not: see rep), -1 with err set when it could not
 * (the directory cannot be listed, out of memory).  A check that found
 * damage while the log changed (a fingerprint of its files' names, inodes,
 * sizes and times differs before and after) is made again, up to 8 times,
 * and a note says the log changed; a log that did not change is checked
 * once and never said to have changed.
 */
int verify_log(struct log *log, void (*say)(void *arg, enum verify_level level, const char *line),
	       void *arg, struct verify_report *rep, struct error *err);

#endif
