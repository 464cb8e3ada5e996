/*
 * histogram.h - records per time interval over a range of offsets, for
 * logseek --histogram: read through the cursor (cursor.h), from batch
 * headers wherever one interval holds a whole batch.  Answering with it
 * is report_histogram's (report.h).
 */
#ifndef HISTOGRAM_H
#define HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log.h"

#define HISTOGRAM_MAX 1000	/* intervals (lines) at most */

struct histogram {
	int64_t interval;	/* ms */
	int64_t start;		/* start of the first interval (ms) */
	size_t n;		/* intervals, from the earliest to the latest record */
	uint64_t *count;	/* owned: records in each */
	uint64_t records;	/* all of them */
	uint64_t from, to;	/* the offsets counted: [from, to), to at most the
				 * log's end when the question was asked */
};

/*
 * Counts the records of offsets [from, to) by timestamp in intervals of
 * 'interval' ms aligned on the epoch (floor(ts / interval)): out-of-order
 * records count in their own interval; empty intervals between busy ones
 * are kept.  A batch whose headers' smallest and largest timestamps fall in
 * one interval is counted from its header alone.  Records appended after
 * the question was asked are not counted; the question is asked again when
 * logcompact changed the segments meanwhile (seek.h).  Returns 0 (hg->n is
 * 0 when no record is in the range), or -1 with err set, also when more
 * than max_intervals intervals would be needed (the message suggests an
 * interval that fits).  Release hg with histogram_release.
 */
int histogram(struct log *log, uint64_t from, uint64_t to, int64_t interval,
	      size_t max_intervals, struct histogram *hg, struct error *err);
void histogram_release(struct histogram *hg);

/*
 * The same over n logs (a topic's partitions): log i's offsets [from[i],
 * to[i]), to[i] lowered to that log's end when the question was asked; the
 * counts of all added up (the intervals line up, being aligned on the
 * epoch), at most max_intervals over them all.  hg->from and hg->to are
 * the first log's.  histogram() is this for one log.  Returns as
 * histogram() does.
 */
int histogram_logs(struct log *logs, size_t n, const uint64_t *from, uint64_t *to,
		   int64_t interval, size_t max_intervals, struct histogram *hg,
		   struct error *err);

#endif
