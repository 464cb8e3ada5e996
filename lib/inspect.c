/*
 * inspect.c - what a log holds: summary and where an offset lives, read
 * through the cursor (cursor.h); positions, consumer groups' positions
 * (see inspect.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "inspect.h"
#include "json.h"
#include "reader.h"
#include "record.h"
#include "seek.h"
#include "timeparse.h"

static uint64_t file_size_at(const struct log *log, uint64_t base, const char *suffix)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;

	segment_name(base, suffix, name);
	return fstatat(log->dirfd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
}

/* ---- summary ---------------------------------------------------------------- */

/* The timestamp of the first record (last set: of the last) of the batch
 * at pos of segment i. */
static int batch_edge_ts(struct log *log, size_t i, uint64_t pos, int last, int64_t *ts,
			 struct error *err)
{
	struct cursor c;
	struct record r;
	int rc;

	cursor_init(&c, log, NULL);
	rc = cursor_open_tail(&c, i, err);
	if (rc == 0) {
		rc = cursor_load(&c, pos, err);
		if (rc == 0)
			rc = error_set(err, "'%s': the batch at byte %llu went away", c.path,
				       (unsigned long long)pos);
	}
	if (rc < 0)
		goto out;
	rc = -1;
	while (cursor_walk(&c, &r, err) > 0) {
		*ts = r.ts;
		rc = 0;
		if (!last)
			break;
	}
	if (c.fault == CURSOR_RECORD)
		rc = -1;
	else if (rc < 0)
		error_set(err, "'%s': damaged batch at byte %llu: no records", c.path,
			  (unsigned long long)pos);
out:
	cursor_release(&c);
	return rc;
}

static int summary_once(struct log *log, uint64_t end, struct inspect_summary *s,
			struct error *err)
{
	struct cursor c;
	struct batch_header h;
	size_t i, first_seg = 0, last_seg = 0;
	uint64_t pos, first_pos = 0, last_pos = 0, seen = 0;
	int rc;

	memset(s, 0, sizeof *s);
	s->min_ts = INT64_MAX;
	s->max_ts = INT64_MIN;
	s->next = log->nseg ? log->seg[log->nseg - 1] : 0;
	if (log->nseg && !(s->seg = calloc(log->nseg, sizeof *s->seg)))
		return error_set(err, "out of memory");
	s->nseg = log->nseg;
	cursor_init(&c, log, NULL);
	c.end = end;
	for (i = 0; i < log->nseg; i++) {
		struct inspect_segment *g = &s->seg[i];
		if (cursor_open_tail(&c, i, err) < 0)
			goto fail;
		g->base = c.base;
		g->bytes = c.size;
		g->index_bytes = file_size_at(log, c.base, ".index") +
				 file_size_at(log, c.base, ".timeindex");
		s->segment_bytes += g->bytes;
		s->index_bytes += g->index_bytes;
		for (pos = SEGMENT_HEADER_LEN; (rc = cursor_read(&c, pos, &h, 1, err)) == 1;
		     pos = cursor_after(pos, &h)) {
			if (s->batches && batch_next(&h) <= seen)
				continue;	/* an old copy while logcompact swaps */
			seen = batch_next(&h);
			if (s->batches++ == 0) {
				first_seg = i;
				first_pos = pos;
			}
			last_seg = i;
			last_pos = pos;
			s->records += h.count;
			if (h.min_ts < s->min_ts)
				s->min_ts = h.min_ts;
			if (h.max_ts > s->max_ts)
				s->max_ts = h.max_ts;
			if (batch_next(&h) > s->next)
				s->next = batch_next(&h);
			if (s->batches == 1)
				s->first = h.base;
		}
		if (rc < 0)
			goto fail;
	}
	cursor_release(&c);
	if (s->batches == 0) {
		s->first = s->next;
		s->min_ts = s->max_ts = 0;
		return 0;
	}
	if (batch_edge_ts(log, first_seg, first_pos, 0, &s->first_ts, err) < 0 ||
	    batch_edge_ts(log, last_seg, last_pos, 1, &s->last_ts, err) < 0)
		goto fail_released;
	return 0;
fail:
	cursor_release(&c);
fail_released:
	inspect_summary_release(s);
	return -1;
}

void inspect_summary_release(struct inspect_summary *s)
{
	free(s->seg);
	s->seg = NULL;
	s->nseg = 0;
}

/* ---- where an offset lives ------------------------------------------------ */

static int offset_once(struct log *log, uint64_t off, struct inspect_location *loc,
		       struct error *err)
{
	struct cursor c;
	struct batch_header h;
	struct record r;
	uint64_t pos, want;
	size_t i;
	int rc = -1, got = 0;

	memset(loc, 0, sizeof *loc);
	loc->offset = off;
	if (seek_bounds(log, &loc->first, &loc->next, err) < 0)
		return -1;
	if (off >= loc->next)
		return INSPECT_BEYOND;
	/* the first record at or after off: off itself, or the one a reader
	 * of off would get */
	want = off < loc->first ? loc->first : off;
	cursor_init(&c, log, NULL);
	for (i = cursor_seg_for(log, want); i < log->nseg; i++) {
		if (cursor_open_tail(&c, i, err) < 0)
			goto out;
		for (pos = cursor_hint(&c, want); (got = cursor_read(&c, pos, &h, 1, err)) == 1;
		     pos = cursor_after(pos, &h)) {
			if (batch_next(&h) <= want)
				continue;
			got = cursor_load(&c, pos, err);
			if (got <= 0) {
				rc = got < 0 ? -1 : INSPECT_BEYOND;
				goto out;
			}
			while ((got = cursor_walk(&c, &r, err)) > 0) {
				if (r.offset < want)
					continue;
				if (r.offset == off) {
					snprintf(loc->segment, sizeof loc->segment, "%s", c.path);
					loc->pos = pos;
					loc->h = c.h;
					loc->ts = r.ts;
					rc = INSPECT_FOUND;
				} else {
					loc->has_next_record = 1;
					loc->next_record = r.offset;
					rc = INSPECT_GONE;
				}
				goto out;
			}
			if (got < 0)
				goto out;
		}
		if (got < 0)
			goto out;
	}
	rc = INSPECT_GONE;	/* no record at or after off before the end */
out:
	cursor_release(&c);
	return rc;
}

int inspect_pos_parse(const char *s, int64_t now_ms, struct inspect_pos *p, struct error *err)
{
	char *end;

	memset(p, 0, sizeof *p);
	if (*s == '@') {
		p->is_time = 1;
		return time_parse_arg(s + 1, now_ms, &p->ts, err);
	}
	if (*s < '0' || *s > '9')
		return error_set(err, "invalid position '%s' (accepted: OFFSET, @TIME)", s);
	errno = 0;
	p->offset = strtoull(s, &end, 10);
	if (*end || errno)
		return error_set(err, "invalid position '%s' (accepted: OFFSET, @TIME)", s);
	return 0;
}

int inspect_pos_resolve(struct log *log, const struct inspect_pos *p, uint64_t *off,
			struct error *err)
{
	int64_t ts;

	if (!p->is_time) {
		*off = p->offset;
		return 0;
	}
	return inspect_find_time(log, p->ts, off, &ts, err) < 0 ? -1 : 0;
}

/* ---- consumer groups ------------------------------------------------------ */

int inspect_group(struct log *log, const char *name, uint64_t first, uint64_t next,
		  struct inspect_group *g, struct error *err)
{
	int rc;

	memset(g, 0, sizeof *g);
	snprintf(g->name, sizeof g->name, "%s", name);
	g->first = first;
	g->next = next;
	rc = group_read(log, name, 0, &g->committed, err);
	if (rc < 0)
		return -1;
	g->has_committed = rc;
	rc = group_read(log, name, 1, &g->pending, err);
	if (rc < 0)
		return -1;
	g->has_pending = rc;
	if (!g->has_committed) {
		g->lag = next - first;
	} else if (g->committed.offset < first) {
		g->lag = next - first;
		g->behind_start = 1;
	} else if (g->committed.offset > next) {
		g->lag = 0;
		g->beyond_end = 1;
	} else {
		g->lag = next - g->committed.offset;
	}
	return g->has_committed || g->has_pending;
}

int inspect_groups(struct log *log, uint64_t first, uint64_t next,
		   struct inspect_group **groups, size_t *n, struct error *err)
{
	char **names;
	size_t k, i;

	*groups = NULL;
	*n = 0;
	if (group_list(log, &names, &k, err) < 0)
		return -1;
	if (k && !(*groups = calloc(k, sizeof **groups))) {
		group_list_free(names, k);
		return error_set(err, "out of memory");
	}
	for (i = 0; i < k; i++) {
		if (inspect_group(log, names[i], first, next, &(*groups)[i], err) < 0) {
			group_list_free(names, k);
			free(*groups);
			*groups = NULL;
			return -1;
		}
	}
	group_list_free(names, k);
	*n = k;
	return 0;
}

static const char reset_accepted[] = "(accepted: earliest, latest, OFFSET, @TIME, +N, -N)";

int inspect_reset_parse(const char *s, int64_t now_ms, struct inspect_reset *r,
			struct error *err)
{
	const char *digits = s;
	char *end;

	memset(r, 0, sizeof *r);
	if (!strcmp(s, "earliest")) {
		r->kind = RESET_EARLIEST;
		return 0;
	}
	if (!strcmp(s, "latest")) {
		r->kind = RESET_LATEST;
		return 0;
	}
	if (*s == '@') {
		r->kind = RESET_TIME;
		if (time_parse_arg(s + 1, now_ms, &r->ts, err) < 0)
			return error_prefix(err, "invalid reset position '%s'", s);
		return 0;
	}
	r->kind = RESET_OFFSET;
	if (*s == '+' || *s == '-') {
		r->kind = *s == '+' ? RESET_FORWARD : RESET_BACKWARD;
		digits++;
	}
	if (*digits < '0' || *digits > '9')
		return error_set(err, "invalid reset position '%s' %s", s, reset_accepted);
	errno = 0;
	r->n = strtoull(digits, &end, 10);
	if (*end || errno)
		return error_set(err, "invalid reset position '%s' %s", s, reset_accepted);
	return 0;
}

int inspect_reset_target(struct log *log, const struct inspect_group *g,
			 const struct inspect_reset *r, uint64_t first, uint64_t next,
			 struct inspect_reset_result *res, struct error *err)
{
	uint64_t from = g->has_committed ? g->committed.offset : first;
	int64_t ts;
	int rc;

	memset(res, 0, sizeof *res);
	switch (r->kind) {
	case RESET_EARLIEST:
		res->wanted = first;
		break;
	case RESET_LATEST:
		res->wanted = next;
		break;
	case RESET_OFFSET:
		res->wanted = r->n;
		break;
	case RESET_TIME:
		rc = inspect_find_time(log, r->ts, &res->wanted, &ts, err);
		if (rc < 0)
			return -1;
		res->no_time_match = rc == 0;
		break;
	case RESET_FORWARD:
	case RESET_BACKWARD: {
		/* N records, not N offsets (as logcat --from -N): compaction
		 * leaves gaps between offsets */
		struct reader rd;
		int back = r->kind == RESET_BACKWARD;
		if (reader_open(&rd, log->path, err) < 0)
			return -1;
		rc = back ? reader_last(&rd, r->n, first, from, &res->wanted, err)
			  : reader_forward(&rd, r->n, from, next, &res->wanted, err);
		reader_close(&rd);
		if (rc < 0)
			return -1;
		if (rc == 0)
			res->clamped = back ? -1 : 1;
		break;
	}
	}
	res->target = res->wanted;
	if (res->wanted < first || res->clamped < 0) {
		res->target = first;
		res->clamped = -1;
	} else if (res->wanted > next || res->clamped > 0) {
		res->target = next;
		res->clamped = 1;
	}
	if (res->no_time_match) {
		char t[TIME_RFC3339_MAX];
		time_format_rfc3339(r->ts, t);
		snprintf(res->warning, sizeof res->warning,
			 "no record at or after %s; using the next offset %llu", t,
			 (unsigned long long)next);
	} else if (res->clamped) {
		char what[96];
		if (r->kind == RESET_FORWARD || r->kind == RESET_BACKWARD)
			snprintf(what, sizeof what, "%llu %c %llu", (unsigned long long)from,
				 r->kind == RESET_FORWARD ? '+' : '-', (unsigned long long)r->n);
		else
			snprintf(what, sizeof what, "%llu", (unsigned long long)res->wanted);
		snprintf(res->warning, sizeof res->warning, "offset %s is %s offset %llu; using %llu",
			 what, res->clamped < 0 ? "before the first" : "after the next",
			 (unsigned long long)res->target, (unsigned long long)res->target);
	}
	return 0;
}

/* ---- formatting ----------------------------------------------------------- */

static int add_time(struct buf *out, int64_t ms)
{
	char t[TIME_RFC3339_MAX];
	size_t n = time_format_rfc3339(ms, t);

	return buf_add(out, t, n);
}

/* "512 B", "3.2 KiB", "16.0 KiB", "1.1 MiB" */
static int add_size(struct buf *out, uint64_t n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024)
		return buf_printf(out, "%llu B", (unsigned long long)n);
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v >= 1023.95 && u < 5) {	/* "1024.0 KiB" reads better as "1.0 MiB" */
		v /= 1024;
		u++;
	}
	return buf_printf(out, "%.1f %s", v, unit[u]);
}

static int add_u64_or_null(struct buf *out, const char *key, int have, uint64_t v)
{
	if (!have)
		return buf_printf(out, ",\"%s\":null", key);
	return buf_printf(out, ",\"%s\":%llu", key, (unsigned long long)v);
}

static int add_i64_or_null(struct buf *out, const char *key, int have, int64_t v)
{
	if (!have)
		return buf_printf(out, ",\"%s\":null", key);
	return buf_printf(out, ",\"%s\":%lld", key, (long long)v);
}

/* One group as text ("billing: committed 1200, lag 34, updated T") or as
 * a JSON object, without a newline. */
static int add_group(struct buf *out, const struct inspect_group *g, int json)
{
	int rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"name\":", 8);
		rc |= json_add_string(out, g->name, strlen(g->name));
		rc |= add_u64_or_null(out, "committed", g->has_committed, g->committed.offset);
		rc |= add_i64_or_null(out, "updated", g->has_committed, g->committed.updated);
		rc |= buf_printf(out, ",\"lag\":%llu,\"behind_start\":%s,\"beyond_end\":%s",
				 (unsigned long long)g->lag, g->behind_start ? "true" : "false",
				 g->beyond_end ? "true" : "false");
		rc |= add_u64_or_null(out, "pending", g->has_pending, g->pending.offset);
		rc |= add_i64_or_null(out, "pending_updated", g->has_pending, g->pending.updated);
		rc |= buf_add(out, "}", 1);
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "%s: ", g->name);
	if (!g->has_committed)
		rc |= buf_printf(out, "no committed position, lag %llu",
				 (unsigned long long)g->lag);
	else {
		rc |= buf_printf(out, "committed %llu, ", (unsigned long long)g->committed.offset);
		if (g->behind_start)
			rc |= buf_printf(out, "behind the log start (first offset %llu), ",
					 (unsigned long long)g->first);
		if (g->beyond_end)
			rc |= buf_printf(out, "beyond the log end (next offset %llu), ",
					 (unsigned long long)g->next);
		rc |= buf_printf(out, "lag %llu, updated ", (unsigned long long)g->lag);
		rc |= add_time(out, g->committed.updated);
	}
	if (g->has_pending) {
		rc |= buf_printf(out, "; pending %llu, written ",
				 (unsigned long long)g->pending.offset);
		rc |= add_time(out, g->pending.updated);
	}
	return rc ? -1 : 0;
}

int inspect_format_group(struct buf *out, const struct inspect_group *g, int json)
{
	return add_group(out, g, json) < 0 || buf_add(out, "\n", 1) < 0 ? -1 : 0;
}

int inspect_format_groups(struct buf *out, const struct inspect_group *g, size_t n, int json)
{
	int rc = 0;

	if (json)
		rc |= buf_add(out, "{\"groups\":[", 11);
	for (size_t i = 0; i < n; i++) {
		if (json && i)
			rc |= buf_add(out, ",", 1);
		rc |= add_group(out, &g[i], json);
		if (!json)
			rc |= buf_add(out, "\n", 1);
	}
	if (json)
		rc |= buf_add(out, "]}\n", 3);
	return rc ? -1 : 0;
}

/* "segments:  12: 11 sealed of 15.6 KiB to 16.0 KiB, the active one of 3.2 KiB" */
static int add_segments(struct buf *out, const struct inspect_summary *s)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	int rc = buf_printf(out, "%-11s%zu", "segments:", s->nseg);

	if (s->nseg == 0)
		return rc;
	for (size_t i = 0; i + 1 < s->nseg; i++) {
		if (s->seg[i].bytes < lo)
			lo = s->seg[i].bytes;
		if (s->seg[i].bytes > hi)
			hi = s->seg[i].bytes;
	}
	rc |= buf_add(out, ": ", 2);
	if (s->nseg > 1) {
		rc |= buf_printf(out, "%zu sealed of ", s->nseg - 1);
		rc |= add_size(out, lo);
		if (hi != lo) {
			rc |= buf_add(out, " to ", 4);
			rc |= add_size(out, hi);
		}
		rc |= buf_add(out, ", ", 2);
	}
	rc |= buf_add(out, "the active one of ", 18);
	rc |= add_size(out, s->seg[s->nseg - 1].bytes);
	return rc;
}

int inspect_format_summary(struct buf *out, const char *logpath,
			   const struct inspect_summary *s, const struct inspect_group *g,
			   size_t ngroups, int json)
{
	int have = s->records > 0, rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"log\":", 7);
		rc |= json_add_string(out, logpath, strlen(logpath));
		rc |= buf_printf(out, ",\"first_offset\":%llu,\"next_offset\":%llu,"
				 "\"records\":%llu,\"batches\":%llu",
				 (unsigned long long)s->first, (unsigned long long)s->next,
				 (unsigned long long)s->records, (unsigned long long)s->batches);
		rc |= add_i64_or_null(out, "first_ts", have, s->first_ts);
		rc |= add_i64_or_null(out, "last_ts", have, s->last_ts);
		rc |= add_i64_or_null(out, "min_ts", have, s->min_ts);
		rc |= add_i64_or_null(out, "max_ts", have, s->max_ts);
		rc |= buf_add(out, ",\"segments\":[", 13);
		for (size_t i = 0; i < s->nseg; i++)
			rc |= buf_printf(out, "%s{\"base\":%llu,\"bytes\":%llu,\"index_bytes\":%llu}",
					 i ? "," : "", (unsigned long long)s->seg[i].base,
					 (unsigned long long)s->seg[i].bytes,
					 (unsigned long long)s->seg[i].index_bytes);
		rc |= buf_printf(out, "],\"segment_bytes\":%llu,\"index_bytes\":%llu,\"bytes\":%llu,"
				 "\"groups\":[",
				 (unsigned long long)s->segment_bytes,
				 (unsigned long long)s->index_bytes,
				 (unsigned long long)(s->segment_bytes + s->index_bytes));
		for (size_t i = 0; i < ngroups; i++) {
			if (i)
				rc |= buf_add(out, ",", 1);
			rc |= add_group(out, &g[i], 1);
		}
		rc |= buf_add(out, "]}\n", 3);
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "%-11s%s\n", "log:", logpath);
	if (have)
		rc |= buf_printf(out, "%-11s%llu to %llu (next %llu)\n", "offsets:",
				 (unsigned long long)s->first, (unsigned long long)(s->next - 1),
				 (unsigned long long)s->next);
	else
		rc |= buf_printf(out, "%-11snone (next %llu)\n", "offsets:",
				 (unsigned long long)s->next);
	rc |= buf_printf(out, "%-11s%llu in %llu batch%s\n", "records:",
			 (unsigned long long)s->records, (unsigned long long)s->batches,
			 s->batches == 1 ? "" : "es");
	if (have) {
		rc |= buf_printf(out, "%-11s", "first:");
		rc |= add_time(out, s->first_ts);
		rc |= buf_printf(out, " (offset %llu)\n%-11s", (unsigned long long)s->first,
				 "last:");
		rc |= add_time(out, s->last_ts);
		rc |= buf_printf(out, " (offset %llu)\n", (unsigned long long)(s->next - 1));
		if (s->min_ts != s->first_ts || s->max_ts != s->last_ts) {
			rc |= buf_printf(out, "%-11s", "smallest:");
			rc |= add_time(out, s->min_ts);
			rc |= buf_printf(out, "\n%-11s", "largest:");
			rc |= add_time(out, s->max_ts);
			rc |= buf_add(out, "\n", 1);
		}
	}
	rc |= add_segments(out, s);
	rc |= buf_printf(out, "\n%-11s", "disk:");
	rc |= add_size(out, s->segment_bytes + s->index_bytes);
	rc |= buf_add(out, " (segments ", 11);
	rc |= add_size(out, s->segment_bytes);
	rc |= buf_add(out, ", indexes ", 10);
	rc |= add_size(out, s->index_bytes);
	rc |= buf_printf(out, ")\n%-11s%zu\n", "groups:", ngroups);
	for (size_t i = 0; i < ngroups; i++) {
		rc |= buf_add(out, "  ", 2);
		rc |= add_group(out, &g[i], 0);
		rc |= buf_add(out, "\n", 1);
	}
	return rc ? -1 : 0;
}

int inspect_format_location(struct buf *out, const struct inspect_location *loc, int json)
{
	uint64_t last = loc->h.base + loc->h.last_delta;
	int rc = 0;

	if (json) {
		rc |= buf_printf(out, "{\"offset\":%llu,\"found\":true,\"segment\":",
				 (unsigned long long)loc->offset);
		rc |= json_add_string(out, loc->segment, strlen(loc->segment));
		rc |= buf_printf(out, ",\"position\":%llu,\"batch_base\":%llu,\"batch_last\":%llu,"
				 "\"batch_records\":%u,\"ts\":%lld}\n",
				 (unsigned long long)loc->pos, (unsigned long long)loc->h.base,
				 (unsigned long long)last, loc->h.count, (long long)loc->ts);
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "%-11s%llu\n%-11s%s\n", "offset:", (unsigned long long)loc->offset,
			 "segment:", loc->segment);
	rc |= buf_printf(out, "%-11sbyte %llu, offsets %llu to %llu, %u record%s\n", "batch:",
			 (unsigned long long)loc->pos, (unsigned long long)loc->h.base,
			 (unsigned long long)last, loc->h.count, loc->h.count == 1 ? "" : "s");
	rc |= buf_printf(out, "%-11s", "timestamp:");
	rc |= add_time(out, loc->ts);
	rc |= buf_printf(out, " (%lld)\n", (long long)loc->ts);
	return rc ? -1 : 0;
}

int inspect_format_histogram(struct buf *out, const struct inspect_histogram *hg,
			     unsigned columns, int json)
{
	uint64_t max = 0;
	int cw, width, rc = 0;
	char num[24];

	if (json) {
		rc |= buf_printf(out, "{\"interval\":%lld,\"from_offset\":%llu,\"to_offset\":%llu,"
				 "\"records\":%llu,\"intervals\":[", (long long)hg->interval,
				 (unsigned long long)hg->from, (unsigned long long)hg->to,
				 (unsigned long long)hg->records);
		for (size_t i = 0; i < hg->n; i++) {
			int64_t t = hg->start + (int64_t)i * hg->interval;
			rc |= buf_printf(out, "%s{\"start\":%lld,\"time\":\"", i ? "," : "",
					 (long long)t);
			rc |= add_time(out, t);
			rc |= buf_printf(out, "\",\"count\":%llu}", (unsigned long long)hg->count[i]);
		}
		rc |= buf_add(out, "]}\n", 3);
		return rc ? -1 : 0;
	}
	for (size_t i = 0; i < hg->n; i++)
		if (hg->count[i] > max)
			max = hg->count[i];
	cw = snprintf(num, sizeof num, "%llu", (unsigned long long)max);
	width = (int)columns - 24 - 1 - cw - 1;	/* time, space, count, space */
	if (width < 10)
		width = 10;
	for (size_t i = 0; i < hg->n; i++) {
		uint64_t c = hg->count[i];
		uint64_t bar = c ? (c * (uint64_t)width + max - 1) / max : 0;
		rc |= add_time(out, hg->start + (int64_t)i * hg->interval);
		rc |= buf_printf(out, " %*llu", cw, (unsigned long long)c);
		if (bar) {
			rc |= buf_addc(out, ' ');
			if (buf_grow(out, bar) < 0)
				return -1;
			memset(out->p + out->len, '#', bar);
			out->len += bar;
		}
		rc |= buf_addc(out, '\n');
	}
	return rc ? -1 : 0;
}

int inspect_format_missing(struct buf *out, const struct inspect_location *loc, int rc)
{
	const char *reason = rc == INSPECT_BEYOND ? "beyond_end" :
			     loc->offset < loc->first ? "before_start" : "removed";

	if (buf_printf(out, "{\"offset\":%llu,\"found\":false,\"reason\":\"%s\",\"first_offset\":"
		       "%llu,\"next_offset\":%llu", (unsigned long long)loc->offset, reason,
		       (unsigned long long)loc->first, (unsigned long long)loc->next) < 0 ||
	    add_u64_or_null(out, "next_record", rc == INSPECT_GONE && loc->has_next_record,
			    loc->next_record) < 0)
		return -1;
	return buf_add(out, "}\n", 2);
}

int inspect_format_time(struct buf *out, int64_t time, uint64_t off, int found, int64_t rec_ts,
			int json)
{
	if (!json)
		return buf_printf(out, "%llu\n", (unsigned long long)off);
	if (buf_printf(out, "{\"time\":%lld,\"offset\":%llu,\"found\":%s", (long long)time,
		       (unsigned long long)off, found ? "true" : "false") < 0 ||
	    add_i64_or_null(out, "ts", found, rec_ts) < 0)
		return -1;
	return buf_add(out, "}\n", 2);
}

int inspect_format_move(struct buf *out, const char *name, int has_old, uint64_t old,
			uint64_t new_pos, int executed, int json)
{
	int rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"group\":", 9);
		rc |= json_add_string(out, name, strlen(name));
		rc |= add_u64_or_null(out, "old", has_old, old);
		rc |= buf_printf(out, ",\"new\":%llu,\"executed\":%s}\n",
				 (unsigned long long)new_pos, executed ? "true" : "false");
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "group %s: ", name);
	if (has_old)
		rc |= buf_printf(out, "%llu", (unsigned long long)old);
	else
		rc |= buf_add(out, "none", 4);
	rc |= buf_printf(out, " -> %llu%s\n", (unsigned long long)new_pos,
			 executed ? "" : " (dry run; add --execute)");
	return rc ? -1 : 0;
}

/* ---- the questions, asked again when logcompact changed the segments ----- */

int inspect_summary(struct log *log, struct inspect_summary *s, struct error *err)
{
	uint64_t end;
	int rc, k = 0;

	if (seek_end(log, &end, err) < 0)
		return -1;
	while ((rc = summary_once(log, end, s, err)) < 0 && k++ < SEEK_RETRIES &&
	       seek_relisted(log))
		;
	return rc;
}

int inspect_offset(struct log *log, uint64_t off, struct inspect_location *loc,
		   struct error *err)
{
	int rc, k = 0;

	while ((rc = offset_once(log, off, loc, err)) < 0 && k++ < SEEK_RETRIES &&
	       seek_relisted(log))
		;
	return rc;
}
