/* histogram.c - records per time interval (see histogram.h). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "checkpoint.h"
#include "histogram.h"
#include "seek.h"
#include "timeparse.h"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Counts per interval index, growing either way up to max intervals; past
 * that only the extent is kept, for the message. */
struct hist_acc {
	int have, overflow;
	int64_t lo, hi;		/* interval indexes */
	int64_t min_ts, max_ts;
	uint64_t *cnt;		/* cnt[k] for index lo + k */
	size_t cap, max;
	uint64_t records;
};

static int hist_add(struct hist_acc *a, int64_t interval, int64_t ts, uint64_t k,
		    struct error *err)
{
	int64_t b = floor_div(ts, interval);

	a->records += k;
	if (!a->have) {
		a->have = 1;
		a->lo = a->hi = b;
		a->min_ts = a->max_ts = ts;
		a->cap = 64;
		if (!(a->cnt = calloc(a->cap, sizeof *a->cnt)))
			return error_set(err, "out of memory");
		a->cnt[0] = k;
		return 0;
	}
	if (ts < a->min_ts)
		a->min_ts = ts;
	if (ts > a->max_ts)
		a->max_ts = ts;
	if (b >= a->lo && b <= a->hi) {
		if (!a->overflow)
			a->cnt[(uint64_t)b - (uint64_t)a->lo] += k;
		return 0;
	}
	{
		int64_t nlo = b < a->lo ? b : a->lo, nhi = b > a->hi ? b : a->hi;
		uint64_t span = (uint64_t)nhi - (uint64_t)nlo;	/* intervals - 1 */
		size_t old = (size_t)((uint64_t)a->hi - (uint64_t)a->lo) + 1;
		if (a->overflow || span >= a->max) {
			a->overflow = 1;
			free(a->cnt);
			a->cnt = NULL;
			a->lo = nlo;
			a->hi = nhi;
			return 0;
		}
		if (span + 1 > a->cap) {
			size_t ncap = a->cap * 2 > span + 1 ? a->cap * 2 : (size_t)span + 1;
			uint64_t *p = realloc(a->cnt, ncap * sizeof *p);
			if (!p)
				return error_set(err, "out of memory");
			a->cnt = p;
			a->cap = ncap;
		}
		if (nlo < a->lo) {
			size_t shift = (size_t)((uint64_t)a->lo - (uint64_t)nlo);
			memmove(a->cnt + shift, a->cnt, old * sizeof *a->cnt);
			memset(a->cnt, 0, shift * sizeof *a->cnt);
		} else {
			memset(a->cnt + old, 0, ((size_t)span + 1 - old) * sizeof *a->cnt);
		}
		a->lo = nlo;
		a->hi = nhi;
		a->cnt[(uint64_t)b - (uint64_t)a->lo] += k;
	}
	return 0;
}

/* Writes a duration as the largest unit that divides it ("90m", "2h"). */
static void format_duration(int64_t ms, char *out, size_t n)
{
	static const struct { const char *unit; int64_t ms; } u[] = {
		{ "w", 604800000 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	size_t i;

	for (i = 0; i + 1 < sizeof u / sizeof u[0] && ms % u[i].ms != 0; i++)
		;
	snprintf(out, n, "%lld%s", (long long)(ms / u[i].ms), u[i].unit);
}

static uint64_t intervals_for(int64_t min_ts, int64_t max_ts, int64_t interval)
{
	return (uint64_t)floor_div(max_ts, interval) - (uint64_t)floor_div(min_ts, interval) + 1;
}

/* The histogram error: too many intervals, with one that would fit. */
static int too_many(const struct hist_acc *a, int64_t interval, struct error *err)
{
	static const int64_t nice[] = {
		1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000,
		900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000,
		86400000, 172800000, 604800000,
	};
	char cur[32], sug[32], t0[TIME_RFC3339_MAX], t1[TIME_RFC3339_MAX];
	int64_t s = 0;
	size_t i;

	for (i = 0; i < sizeof nice / sizeof nice[0] && !s; i++)
		if (nice[i] > interval && intervals_for(a->min_ts, a->max_ts, nice[i]) <= a->max)
			s = nice[i];
	for (int64_t w = 2; !s; w *= 2)	/* weeks, doubling */
		if (w >= INT64_MAX / 604800000 / 2 ||
		    intervals_for(a->min_ts, a->max_ts, w * 604800000) <= a->max)
			s = w * 604800000;
	format_duration(interval, cur, sizeof cur);
	format_duration(s, sug, sizeof sug);
	time_format_rfc3339(a->min_ts, t0);
	time_format_rfc3339(a->max_ts, t1);
	return error_set(err, "%llu intervals of %s from %s to %s are more than %zu lines: "
			 "try a larger interval, such as %s",
			 (unsigned long long)intervals_for(a->min_ts, a->max_ts, interval), cur,
			 t0, t1, a->max, sug);
}

/* Counts the records of the batch at pos that lie in [from, to). */
static int hist_batch(struct cursor *c, uint64_t pos, uint64_t from, uint64_t to,
		      int64_t interval, struct hist_acc *a, int *end, struct error *err)
{
	struct record r;
	int rc = cursor_load(c, pos, err);

	if (rc <= 0) {
		*end = 1;
		return rc;
	}
	while ((rc = cursor_walk(c, &r, err)) > 0) {
		if (r.offset >= to)
			break;
		if (r.offset >= from && hist_add(a, interval, r.ts, 1, err) < 0)
			return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* Counts the records of log's offsets [from, to) into a (empty: a's
 * counts are freed on failure).  Returns 0 or -1. */
static int histogram_once(struct log *log, uint64_t from, uint64_t to, int64_t interval,
			  struct hist_acc *a_, struct error *err)
{
	struct cursor c;
	struct hist_acc a = *a_;
	struct batch_header h;
	uint64_t pos;
	int rc = 0, end = 0;

	cursor_init(&c, log, NULL);
	for (size_t i = log_seg_for(log, from); i < log->nseg && !end && rc == 0; i++) {
		if ((rc = cursor_open_tail(&c, i, err)) < 0)
			break;
		for (pos = cursor_hint(&c, from); !end && (rc = cursor_read(&c, pos, &h, 1, err)) == 1;
		     pos = cursor_after(pos, &h)) {
			uint64_t nx = batch_next(&h), n;
			if (nx <= from)
				continue;
			if (h.base >= to) {
				end = 1;
				break;
			}
			/* a checkpoint record is not a record (checkpoint.h) */
			n = h.count - (batch_has_checkpoint(&h) ? 1 : 0);
			if (n == 0)
				continue;
			if (h.base >= from && nx <= to &&
			    (a.overflow ||
			     floor_div(h.min_ts, interval) == floor_div(h.max_ts, interval))) {
				/* one interval holds the whole batch, or too many
				 * intervals are needed and only their extent is kept:
				 * the header says enough (min_ts and max_ts are two
				 * of its records' timestamps) */
				if (hist_add(&a, interval, h.min_ts, n - (n > 1), err) < 0 ||
				    (n > 1 && hist_add(&a, interval, h.max_ts, 1, err) < 0)) {
					rc = -1;
					break;
				}
				continue;
			}
			if (hist_batch(&c, pos, from, to, interval, &a, &end, err) < 0) {
				rc = -1;
				break;
			}
		}
		if (rc > 0)
			rc = 0;
	}
	cursor_release(&c);
	*a_ = a;
	if (rc < 0) {
		free(a_->cnt);
		a_->cnt = NULL;
		return -1;
	}
	return 0;
}

/* Adds the counts of part into sum (their intervals line up: both are
 * aligned on the epoch), or only their extent when part overflowed. */
static int hist_merge(struct hist_acc *sum, const struct hist_acc *part, int64_t interval,
		      struct error *err)
{
	if (!part->have)
		return 0;
	for (int64_t b = part->lo; !part->overflow && b <= part->hi; b++) {
		uint64_t k = part->cnt[(uint64_t)b - (uint64_t)part->lo];
		if (k && hist_add(sum, interval, b * interval, k, err) < 0)
			return -1;
	}
	/* (the timestamps themselves, for the extent and the message) */
	if (hist_add(sum, interval, part->min_ts, 0, err) < 0 ||
	    hist_add(sum, interval, part->max_ts, 0, err) < 0)
		return -1;
	sum->records += part->overflow ? part->records : 0;
	return 0;
}

int histogram_logs(struct log *logs, size_t n, const uint64_t *from, uint64_t *to,
		   int64_t interval, size_t max_intervals, struct histogram *hg, struct error *err)
{
	struct hist_acc sum = { .max = max_intervals };
	uint64_t end;
	int rc = 0;

	memset(hg, 0, sizeof *hg);
	hg->interval = interval;
	if (interval <= 0)
		return error_set(err, "the interval must be at least 1ms");
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct hist_acc a = { .max = max_intervals };
		int k = 0;
		if ((rc = seek_end(&logs[i], &end, err)) < 0)
			break;
		if (to[i] > end)
			to[i] = end;	/* the log as it is now, not what is appended meanwhile */
		while ((rc = histogram_once(&logs[i], from[i], to[i], interval, &a, err)) < 0 &&
		       k++ < SEEK_RETRIES && seek_relisted(&logs[i]))
			a = (struct hist_acc){ .max = max_intervals };
		if (rc == 0 && n == 1) {
			sum = a;	/* (one log: its counts as they are) */
			break;
		}
		if (rc == 0)
			rc = hist_merge(&sum, &a, interval, err);
		free(a.cnt);
	}
	if (rc == 0 && sum.overflow)
		rc = too_many(&sum, interval, err);
	if (rc < 0) {
		free(sum.cnt);
		return -1;
	}
	hg->from = n ? from[0] : 0;
	hg->to = n ? to[0] : 0;
	if (sum.have) {
		assert(sum.lo <= sum.hi && sum.cnt);
		hg->n = (size_t)((uint64_t)sum.hi - (uint64_t)sum.lo) + 1;
		hg->count = sum.cnt;
		hg->records = sum.records;
		if (__builtin_mul_overflow(sum.lo, interval, &hg->start))
			hg->start = INT64_MIN;
	}
	return 0;
}

int histogram(struct log *log, uint64_t from, uint64_t to, int64_t interval,
	      size_t max_intervals, struct histogram *hg, struct error *err)
{
	return histogram_logs(log, 1, &from, &to, interval, max_intervals, hg, err);
}

void histogram_release(struct histogram *hg)
{
	free(hg->count);
	hg->count = NULL;
	hg->n = 0;
}
