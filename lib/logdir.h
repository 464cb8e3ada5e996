/*
 * logdir.h - housekeeping of a log directory: finishing what a run killed
 * midway left there (logfiles.h names those files).
 *
 * A compacted segment is swapped in (compact.h) in five steps:
 *
 *	1. write BASE.log.cleaned, fsync it
 *	2. rename it to BASE.END.swap, fsync the directory: from here on the
 *	   swap is decided, and finishing it is idempotent
 *	3. remove BASE's indexes; link the swap file to BASE.log.new and
 *	   rename that over BASE.log
 *	4. remove the old segments with base in (BASE, END), fsync the directory
 *	5. remove the swap file, fsync the directory, rebuild BASE's indexes
 *
 * Steps 3 to 5 are logdir_finish_swap.  A logcompact (holding compact.lock,
 * flock(2)ed by the one logcompact at work)
 * and a writer opening the log (when no logcompact holds it) first finish
 * the swap files they find and remove the rest (logdir_recover).
 */
#ifndef LOGDIR_H
#define LOGDIR_H

#include <stdint.h>

#include "error.h"
#include "log.h"

/* Steps 3 to 5 of the swap of BASE.END.swap; idempotent.  Returns 0, or
 * -1 with err set (the swap is then still to finish). */
int logdir_finish_swap(struct log *log, uint64_t base, uint64_t end, struct error *err);

/* Removes segment base and its indexes (missing files are fine).  Returns
 * 0, or -1 with err set. */
int logdir_remove_segment(struct log *log, uint64_t base, struct error *err);

/*
 * Finishes interrupted swaps, removes leftovers (.cleaned, .log.new,
 * compact.state.tmp, indexes of segments that are gone, sealed segments'
 * indexes left half rebuilt) and rebuilds missing or stale indexes of
 * sealed segments; *fixed counts what it did (it is added to).  The caller
 * holds compact.lock.  Returns 0 or -1 with err set.
 */
int logdir_recover(struct log *log, unsigned *fixed, struct error *err);

/*
 * logdir_recover, if no logcompact holds the log (else nothing is done):
 * for writers opening the log.  *fixed is set to what it did.  A directory
 * where compact.lock cannot be made (read-only) is left alone.  Returns 0
 * or -1 with err set.
 */
int logdir_recover_idle(struct log *log, unsigned *fixed, struct error *err);

#endif
