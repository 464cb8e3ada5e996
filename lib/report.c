/* report.c - logseek's questions answered, as text and as JSON (see report.h). */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "barrier.h"
#include "checkpoint.h"
#include "group.h"
#include "histogram.h"
#include "input.h"
#include "inspect.h"
#include "json.h"
#include "pipeline.h"
#include "report.h"
#include "seek.h"
#include "timeparse.h"
#include "verify.h"

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

/* A group's position and lag in one log: as text what follows "NAME: ",
 * as JSON the members that follow its name's. */
static int add_group_body(struct buf *out, const struct group_status *g, int json)
{
	int rc = 0;

	if (json) {
		rc |= add_u64_or_null(out, "committed", g->has_committed, g->committed.offset);
		rc |= add_i64_or_null(out, "updated", g->has_committed, g->committed.updated);
		rc |= buf_printf(out, ",\"lag\":%llu,\"behind_start\":%s,\"beyond_end\":%s",
				 (unsigned long long)g->lag, g->behind_start ? "true" : "false",
				 g->beyond_end ? "true" : "false");
		rc |= add_u64_or_null(out, "pending", g->has_pending, g->pending.offset);
		rc |= add_i64_or_null(out, "pending_updated", g->has_pending, g->pending.updated);
		return rc ? -1 : 0;
	}
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

/* One group as text ("billing: committed 1200, lag 34, updated T") or as
 * a JSON object, without a newline. */
static int add_group(struct buf *out, const struct group_status *g, int json)
{
	int rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"name\":", 8);
		rc |= json_add_string(out, g->name, strlen(g->name));
	} else {
		rc |= buf_printf(out, "%s: ", g->name);
	}
	rc |= add_group_body(out, g, json);
	if (json)
		rc |= buf_add(out, "}", 1);
	return rc ? -1 : 0;
}

static int format_group(struct buf *out, const struct group_status *g, int json)
{
	return add_group(out, g, json) < 0 || buf_add(out, "\n", 1) < 0 ? -1 : 0;
}

static int format_groups(struct buf *out, const struct group_status *g, size_t n, int json)
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

	assert(s->nseg == 0 || s->seg);
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

/* The JSON members of a log's summary after its name: offsets, records,
 * times, segments and sizes. */
static int add_summary_json(struct buf *out, const struct inspect_summary *s)
{
	int have = s->records > 0, rc = 0;

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
	rc |= buf_printf(out, "],\"segment_bytes\":%llu,\"index_bytes\":%llu,\"bytes\":%llu",
			 (unsigned long long)s->segment_bytes, (unsigned long long)s->index_bytes,
			 (unsigned long long)(s->segment_bytes + s->index_bytes));
	return rc ? -1 : 0;
}

/* The log's last checkpoint (issue 17): "checkpoint: offset X, source
 * KIND PATH, positions P:N ..., time T", or its JSON member (checkpoint.h);
 * nothing when there is none (c NULL). */
static int add_checkpoint(struct buf *out, uint64_t off, const struct barrier *c, int json)
{
	int rc = 0;

	if (!c)
		return 0;
	if (json) {
		rc |= buf_add(out, ",\"checkpoint\":", 14);
		return rc | checkpoint_json(out, off, c);
	}
	rc |= buf_printf(out, "%s offset %llu, source %s %s, positions", "checkpoint:",
			 (unsigned long long)off, c->source_kind,
			 c->path ? c->path : c->topic ? c->topic : "");
	for (size_t i = 0; i < c->npos; i++)
		rc |= buf_printf(out, " %u:%llu", c->pos[i].partition,
				 (unsigned long long)c->pos[i].next);
	rc |= buf_add(out, ", time ", 7);
	rc |= add_time(out, c->time);
	rc |= buf_add(out, "\n", 1);
	return rc;
}

/* ---- the checkpointed pipes that read the log or topic (pipeline.h) ------ */

/* The partitions of a log or topic that logseek was asked about, with
 * their bounds: a log is partition 0. */
struct parts {
	size_t n;
	const uint32_t *part;
	const uint64_t *first, *next;
};

static const char *const pipeline_status_name[] = {
	[PIPELINE_CHECKPOINT] = "checkpoint", [PIPELINE_NO_CHECKPOINT] = "no_checkpoint",
	[PIPELINE_MISSING] = "missing", [PIPELINE_OTHER_SOURCE] = "other_source",
	[PIPELINE_UNREADABLE] = "unreadable",
};

/* Pipe p's position and lag in each partition of ps its checkpoint has:
 * rows as JSON objects, or as text lines "partition P: position N, lag L"
 * after indent (topic set) or "position N, lag L" alone (a log); *lag the
 * sum. */
static int add_pipeline_positions(struct buf *rows, const struct pipeline *p,
				  const struct parts *ps, int topic, int json, const char *indent,
				  uint64_t *lag)
{
	size_t k = 0;
	int rc = 0, first_row = 1;

	*lag = 0;
	for (size_t i = 0; i < p->ck.npos; i++) {
		const struct barrier_position *bp = &p->ck.pos[i];
		int behind, beyond;
		uint64_t l;
		while (k < ps->n && ps->part[k] < bp->partition)
			k++;
		if (k == ps->n || ps->part[k] != bp->partition)
			continue;	/* a partition not asked about (-p) */
		l = pipeline_lag(bp->next, ps->first[k], ps->next[k], &behind, &beyond);
		*lag += l;
		if (json) {
			/* a log's are members of the pipe's object */
			if (topic)
				rc |= buf_printf(rows, "%s{\"partition\":%u", first_row ? "" : ",",
						 bp->partition);
			rc |= buf_printf(rows, ",\"position\":%llu,\"behind_start\":%s,"
					 "\"beyond_end\":%s", (unsigned long long)bp->next,
					 behind ? "true" : "false", beyond ? "true" : "false");
			if (topic)
				rc |= buf_printf(rows, ",\"lag\":%llu}", (unsigned long long)l);
			first_row = 0;
			continue;
		}
		if (topic)
			rc |= buf_printf(rows, "%s    partition %u: ", indent, bp->partition);
		rc |= buf_printf(rows, "position %llu, ", (unsigned long long)bp->next);
		if (behind)
			rc |= buf_printf(rows, "behind the log start (first offset %llu), ",
					 (unsigned long long)ps->first[k]);
		if (beyond)
			rc |= buf_printf(rows, "beyond the log end (next offset %llu), ",
					 (unsigned long long)ps->next[k]);
		rc |= buf_printf(rows, "lag %llu%s", (unsigned long long)l, topic ? "\n" : "");
	}
	return rc ? -1 : 0;
}

/*
 * One registered pipe: as text "OUT: position N, lag L, checkpoint time T"
 * (a topic: "OUT: lag L, checkpoint time T" and a line per partition) or
 * its state ("no checkpoint yet", "does not exist ...", ...), a line
 * after indent; as a JSON object {"out", "status", and with a checkpoint
 * "checkpoint_offset", "time", "end", "lag", a log's "position",
 * "behind_start", "beyond_end" or a topic's "partitions"}.
 */
static int add_pipeline(struct buf *out, const struct pipeline *p, const struct parts *ps,
			int topic, int json, const char *indent)
{
	struct buf rows = BUF_INIT;
	uint64_t lag = 0;
	int rc = 0;

	if (p->state == PIPELINE_CHECKPOINT)
		rc |= add_pipeline_positions(&rows, p, ps, topic, json, indent, &lag);
	if (json) {
		rc |= buf_add(out, "{\"out\":", 7);
		if (p->out)
			rc |= json_add_string(out, p->out, strlen(p->out));
		else
			rc |= buf_add(out, "null", 4);
		rc |= buf_printf(out, ",\"status\":\"%s\"", pipeline_status_name[p->state]);
		if (p->state == PIPELINE_CHECKPOINT) {
			rc |= buf_printf(out, ",\"checkpoint_offset\":%llu,\"time\":%lld,\"end\":%s,"
					 "\"lag\":%llu", (unsigned long long)p->ckoff,
					 (long long)p->ck.time, p->ck.end ? "true" : "false",
					 (unsigned long long)lag);
			if (topic) {
				rc |= buf_add(out, ",\"partitions\":[", 15);
				rc |= buf_add(out, rows.p, rows.len);
				rc |= buf_addc(out, ']');
			} else {
				rc |= buf_add(out, rows.p, rows.len);
			}
		} else if (p->state == PIPELINE_OTHER_SOURCE) {
			const char *src = p->ck.path ? p->ck.path : p->ck.topic ? p->ck.topic : "";
			rc |= buf_printf(out, ",\"source\":{\"kind\":");
			rc |= json_add_string(out, p->ck.source_kind, strlen(p->ck.source_kind));
			rc |= buf_add(out, ",\"path\":", 8);
			rc |= json_add_string(out, src, strlen(src));
			rc |= buf_addc(out, '}');
		} else if (p->state == PIPELINE_UNREADABLE) {
			rc |= buf_add(out, ",\"error\":", 9);
			rc |= json_add_string(out, p->why.msg, strlen(p->why.msg));
		}
		rc |= buf_addc(out, '}');
		buf_release(&rows);
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "%s  %s: ", indent, p->out ? p->out : p->name);
	switch (p->state) {
	case PIPELINE_CHECKPOINT:
		if (topic)
			rc |= buf_printf(out, "lag %llu", (unsigned long long)lag);
		else
			rc |= buf_add(out, rows.p, rows.len);
		rc |= buf_add(out, ", checkpoint time ", 18);
		rc |= add_time(out, p->ck.time);
		if (p->ck.end)
			rc |= buf_add(out, " (the end: --to was reached)", 28);
		rc |= buf_addc(out, '\n');
		if (topic)
			rc |= buf_add(out, rows.p, rows.len);
		break;
	case PIPELINE_NO_CHECKPOINT:
		rc |= buf_printf(out, "no checkpoint yet\n");
		break;
	case PIPELINE_MISSING:
		rc |= buf_printf(out, "does not exist (removed, or not made yet)\n");
		break;
	case PIPELINE_OTHER_SOURCE:
		rc |= buf_printf(out, "its last checkpoint is of the %s %s, not of this one\n",
				 p->ck.source_kind,
				 p->ck.path ? p->ck.path : p->ck.topic ? p->ck.topic : "");
		break;
	case PIPELINE_UNREADABLE:
		rc |= buf_printf(out, "unreadable: %s\n", p->why.msg);
		break;
	}
	buf_release(&rows);
	return rc ? -1 : 0;
}

/* The pipes registered in the log or topic at path (kind "log" or
 * "topic"): as text "pipelines: N" and a line each (add_pipeline), as
 * JSON ",\"pipelines\":[...]"; nothing when none is. */
static int add_pipelines(struct buf *out, const char *path, const char *kind,
			 const struct parts *ps, int json, struct error *err)
{
	char abs[PATH_MAX];
	struct pipeline *p;
	size_t n;
	int rc = 0;

	if (!realpath(path, abs))
		return error_errno(err, "'%s'", path);
	if (pipeline_list(path, kind, abs, &p, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;	/* none: the summary as it was before pipes */
	if (json)
		rc |= buf_add(out, ",\"pipelines\":[", 14);
	else
		rc |= buf_printf(out, "%-11s%zu\n", "pipelines:", n);
	for (size_t i = 0; i < n; i++) {
		if (json && i)
			rc |= buf_addc(out, ',');
		rc |= add_pipeline(out, &p[i], ps, !strcmp(kind, "topic"), json, "");
	}
	if (json)
		rc |= buf_addc(out, ']');
	pipeline_list_free(p, n);
	return rc ? error_set(err, "out of memory") : 0;
}

static int format_summary(struct buf *out, const char *logpath,
			  const struct inspect_summary *s, const struct group_status *g,
			  size_t ngroups, uint64_t ckoff, const struct barrier *ck,
			  const struct buf *pipes, int json)
{
	int have = s->records > 0, rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"log\":", 7);
		rc |= json_add_string(out, logpath, strlen(logpath));
		rc |= add_summary_json(out, s);
		rc |= add_checkpoint(out, ckoff, ck, 1);
		rc |= buf_add(out, ",\"groups\":[", 11);
		for (size_t i = 0; i < ngroups; i++) {
			if (i)
				rc |= buf_add(out, ",", 1);
			rc |= add_group(out, &g[i], 1);
		}
		rc |= buf_addc(out, ']');
		rc |= buf_add(out, pipes->p, pipes->len);
		rc |= buf_add(out, "}\n", 2);
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
		rc |= buf_printf(out, " (offset %llu)\n", (unsigned long long)s->last);
		if (s->min_ts != s->first_ts || s->max_ts != s->last_ts) {
			rc |= buf_printf(out, "%-11s", "smallest:");
			rc |= add_time(out, s->min_ts);
			rc |= buf_printf(out, "\n%-11s", "largest:");
			rc |= add_time(out, s->max_ts);
			rc |= buf_add(out, "\n", 1);
		}
	}
	rc |= add_checkpoint(out, ckoff, ck, 0);
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
	rc |= buf_add(out, pipes->p, pipes->len);
	return rc ? -1 : 0;
}

static int format_location(struct buf *out, const struct inspect_location *loc, int json)
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

unsigned report_columns(int fd)
{
	const char *s = getenv("COLUMNS");
	struct winsize ws;
	long n = s ? strtol(s, NULL, 10) : 0;

	if (n > 0 && n < 100000)
		return (unsigned)n;
	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 80;
}

/* The histogram as text (the same for a log and a topic), or as JSON: for
 * a topic (ti set) the offsets counted in each partition, [from[i], to[i]),
 * as "partitions" in place of "from_offset" and "to_offset". */
static int format_histogram(struct buf *out, const struct histogram *hg, unsigned columns,
			    int json, const struct topicinfo *ti, const uint64_t *from,
			    const uint64_t *to)
{
	uint64_t max = 0;
	int cw, width, rc = 0;
	char num[24];

	assert(hg->n == 0 || hg->count);
	if (json) {
		rc |= buf_printf(out, "{\"interval\":%lld", (long long)hg->interval);
		if (!ti)
			rc |= buf_printf(out, ",\"from_offset\":%llu,\"to_offset\":%llu",
					 (unsigned long long)hg->from, (unsigned long long)hg->to);
		for (size_t i = 0; ti && i < ti->n; i++)
			rc |= buf_printf(out, "%s{\"partition\":%u,\"from_offset\":%llu,"
					 "\"to_offset\":%llu}", i ? "," : ",\"partitions\":[",
					 ti->part[i], (unsigned long long)from[i],
					 (unsigned long long)to[i]);
		if (ti)
			rc |= buf_addc(out, ']');
		rc |= buf_printf(out, ",\"records\":%llu,\"intervals\":[",
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

static int format_missing(struct buf *out, const struct inspect_location *loc, int rc)
{
	const char *reason = rc == INSPECT_BEYOND ? "beyond_end" :
			     loc->offset < loc->first ? "before_start" : "removed";

	assert(rc == INSPECT_GONE || rc == INSPECT_BEYOND);
	if (buf_printf(out, "{\"offset\":%llu,\"found\":false,\"reason\":\"%s\",\"first_offset\":"
		       "%llu,\"next_offset\":%llu", (unsigned long long)loc->offset, reason,
		       (unsigned long long)loc->first, (unsigned long long)loc->next) < 0 ||
	    add_u64_or_null(out, "next_record", rc == INSPECT_GONE && loc->has_next_record,
			    loc->next_record) < 0)
		return -1;
	return buf_add(out, "}\n", 2);
}

/* The answer to a time in a log (partition -1: the offset alone), or in
 * partition P of a topic ("P OFFSET"; JSON gains "partition"). */
static int format_time(struct buf *out, int64_t time, long partition, uint64_t off, int found,
		       int64_t rec_ts, int json)
{
	if (!json && partition >= 0)
		return buf_printf(out, "%ld %llu\n", partition, (unsigned long long)off);
	if (!json)
		return buf_printf(out, "%llu\n", (unsigned long long)off);
	if (buf_printf(out, "{\"time\":%lld", (long long)time) < 0 ||
	    (partition >= 0 && buf_printf(out, ",\"partition\":%ld", partition) < 0) ||
	    buf_printf(out, ",\"offset\":%llu,\"found\":%s", (unsigned long long)off,
		       found ? "true" : "false") < 0 ||
	    add_i64_or_null(out, "ts", found, rec_ts) < 0)
		return -1;
	return buf_add(out, "}\n", 2);
}

/* A group's move in one log (partition -1) or partition of a topic. */
static int format_move(struct buf *out, const char *name, long partition, int has_old,
		       uint64_t old, uint64_t new_pos, int executed, int json)
{
	int rc = 0;

	if (json) {
		rc |= buf_add(out, "{\"group\":", 9);
		rc |= json_add_string(out, name, strlen(name));
		if (partition >= 0)
			rc |= buf_printf(out, ",\"partition\":%ld", partition);
		rc |= add_u64_or_null(out, "old", has_old, old);
		rc |= buf_printf(out, ",\"new\":%llu,\"executed\":%s}\n",
				 (unsigned long long)new_pos, executed ? "true" : "false");
		return rc ? -1 : 0;
	}
	rc |= buf_printf(out, "group %s", name);
	if (partition >= 0)
		rc |= buf_printf(out, " partition %ld", partition);
	rc |= buf_add(out, ": ", 2);
	if (has_old)
		rc |= buf_printf(out, "%llu", (unsigned long long)old);
	else
		rc |= buf_add(out, "none", 4);
	rc |= buf_printf(out, " -> %llu%s\n", (unsigned long long)new_pos,
			 executed ? "" : " (dry run; add --execute)");
	return rc ? -1 : 0;
}

static int format_missing_text(struct buf *out, const char *logpath,
			       const struct inspect_location *loc, int rc)
{
	unsigned long long off = loc->offset;

	assert(rc == INSPECT_GONE || rc == INSPECT_BEYOND);
	if (rc == INSPECT_BEYOND)
		return buf_printf(out, "offset %llu is beyond the end of '%s'; the next offset "
				  "is %llu", off, logpath, (unsigned long long)loc->next);
	if (loc->offset < loc->first)
		return buf_printf(out, "offset %llu no longer exists in '%s' (removed by retention "
				  "or compaction); the log starts at offset %llu", off, logpath,
				  (unsigned long long)loc->first);
	if (loc->has_next_record)
		return buf_printf(out, "offset %llu of '%s' holds no record (removed by "
				  "compaction); the next record is offset %llu", off, logpath,
				  (unsigned long long)loc->next_record);
	return buf_printf(out, "offset %llu of '%s' holds no record (removed by compaction), nor "
			  "does any offset after it up to the end, %llu", off, logpath,
			  (unsigned long long)loc->next);
}

static int format_verify(struct buf *out, const char *logpath, const struct verify_report *rep)
{
	int rc = buf_printf(out, "'%s': %llu segments, %llu batches, %llu records, %llu bytes: ",
			    logpath, (unsigned long long)rep->segments,
			    (unsigned long long)rep->batches, (unsigned long long)rep->records,
			    (unsigned long long)rep->bytes);

	if (!rep->damage)
		return rc | buf_printf(out, "no damage%s\n", rep->notes ? " (see the notes)" : "");
	rc |= buf_printf(out, "damage in %u place%s\n", rep->damage, rep->damage == 1 ? "" : "s");
	if (!rep->readable_all)
		rc |= buf_printf(out, "the records below offset %llu read in order: 'logcat --to %llu "
				 "%s | logappend NEWLOG' keeps them\n",
				 (unsigned long long)rep->readable_to,
				 (unsigned long long)rep->readable_to, logpath);
	else
		rc |= buf_printf(out, "every record reads; only indexes are damaged: remove them, "
				 "and the next logappend rebuilds them\n");
	return rc ? -1 : 0;
}

int report_flush(struct report_out *o, struct error *err)
{
	if (o->closed)
		return error_set(err, "the reader of standard output went away");
	if ((o->buf.len && fwrite(o->buf.p, 1, o->buf.len, o->f) != o->buf.len) ||
	    fflush(o->f) == EOF || ferror(o->f)) {
		if (errno == EPIPE) {
			o->closed = 1;
			return error_set(err, "the reader of standard output went away");
		}
		return error_errno(err, "write error on standard output");
	}
	buf_reset(&o->buf);
	return 0;
}

/* Writes the answers so far, then notes line. */
static int note(struct report_out *o, const char *line, struct error *err)
{
	if (report_flush(o, err) < 0)
		return -1;
	o->note(o->arg, line);
	return 0;
}

static int out_of_memory(struct error *err)
{
	return error_set(err, "out of memory");
}

/* A format_*'s result: 0, or -1 with err set (formatting fails only when
 * memory runs out). */
static int answered(int rc, struct error *err)
{
	return rc < 0 ? out_of_memory(err) : 0;
}

/* Answers one time, counting it in *missing when it has no record (then
 * noted).  Returns 0, or -1 with err set (o->closed set: the answers stop). */
static int answer_time(struct report_out *o, struct seeker *s, int64_t time, int *missing,
		       struct error *err)
{
	char t[TIME_RFC3339_MAX], line[128];
	uint64_t off;
	int64_t ts;
	int rc = seeker_find(s, time, &off, &ts, err);

	if (rc < 0)
		return -1;
	if (format_time(&o->buf, time, -1, off, rc, ts, o->json) < 0)
		return out_of_memory(err);
	if (rc > 0)
		return 0;
	++*missing;
	time_format_rfc3339(time, t);
	snprintf(line, sizeof line, "no record at or after %s; the next offset is %llu", t,
		 (unsigned long long)off);
	return note(o, line, err);
}

static int flush_before_wait(void *o, struct error *err)
{
	return report_flush(o, err);
}

int report_times(struct report_out *o, struct log *log, int64_t time, int fd,
		 const char *name, struct error *err)
{
	struct seeker s;
	struct input in;
	int rc = 0, missing = 0;

	seeker_init(&s, log);
	if (fd < 0) {
		rc = answer_time(o, &s, time, &missing, err);
	} else {
		input_init(&in, fd, name, 1 << 20);
		while (!o->closed &&
		       (rc = position_time_line(&in, flush_before_wait, o, &time, err)) > 0 &&
		       (rc = answer_time(o, &s, time, &missing, err)) == 0)
			;
		input_release(&in);
	}
	seeker_release(&s);
	if (rc < 0 && !o->closed) {
		report_flush(o, err);	/* (its message instead, when it fails) */
		return -1;
	}
	return missing;
}

int report_offset(struct report_out *o, struct log *log, uint64_t off, struct error *err)
{
	struct inspect_location loc;
	struct buf msg = BUF_INIT;
	int rc = inspect_offset(log, off, &loc, err);

	if (rc < 0)
		return -1;
	if (rc == INSPECT_FOUND)
		return format_location(&o->buf, &loc, o->json) < 0 ? out_of_memory(err) : 1;
	if ((o->json && format_missing(&o->buf, &loc, rc) < 0) ||
	    format_missing_text(&msg, log->path, &loc, rc) < 0 || buf_addc(&msg, '\0') < 0) {
		buf_release(&msg);
		return out_of_memory(err);
	}
	rc = note(o, (const char *)msg.p, err) < 0 && !o->closed ? -1 : 0;
	buf_release(&msg);
	return rc;
}

/* Notes what a reset's target means, once computed (group_reset's
 * warning), and the pending position it drops; in partition P of a topic
 * (-1: a log), each line begins "partition P: ". */
static void note_reset(struct report_out *o, const char *name, long partition,
		       const struct group_status *g, const struct group_reset *res, int execute)
{
	char line[GROUP_NAME_MAX + 400], where[32] = "";

	if (!res->computed)
		return;
	if (partition >= 0)
		snprintf(where, sizeof where, "partition %ld: ", partition);
	if (res->warning[0]) {
		snprintf(line, sizeof line, "%s%s", where, res->warning);
		o->note(o->arg, line);
	}
	if (g->has_pending) {
		snprintf(line, sizeof line, "%sgroup '%s': %s the pending position %llu", where,
			 name, execute ? "dropped" : "--execute drops",
			 (unsigned long long)g->pending.offset);
		o->note(o->arg, line);
	}
}

int report_reset(struct report_out *o, struct log *log, const char *name,
		 const struct position *r, int execute, struct error *err)
{
	struct group_status g;
	struct group_reset res;
	uint64_t first, next;
	int rc;

	if (seek_bounds(log, &first, &next, err) < 0)
		return -1;
	rc = group_reset(log, name, r, execute, first, next, &g, &res, err);
	note_reset(o, name, -1, &g, &res, execute);
	if (rc < 0)
		return -1;
	if (format_move(&o->buf, name, -1, g.has_committed, g.committed.offset, res.target,
			execute, o->json) < 0)
		return out_of_memory(err);
	return 0;
}

int report_commit(struct report_out *o, struct log *log, const char *name, struct error *err)
{
	struct group_status g, after;
	uint64_t first, next;
	int rc;

	if (seek_bounds(log, &first, &next, err) < 0 ||
	    (rc = group_commit(log, name, first, next, &g, &after, err)) < 0)
		return -1;
	if (rc == 0)
		return error_set(err, "group '%s' of '%s' has no pending position", name, log->path);
	if (format_move(&o->buf, name, -1, g.has_committed, g.committed.offset,
			after.committed.offset, 1, o->json) < 0)
		return out_of_memory(err);
	return 0;
}

int report_summary(struct report_out *o, struct log *log, struct error *err)
{
	struct inspect_summary s;
	struct group_status *g;
	size_t n;
	int rc;

	struct buf body = BUF_INIT, pipes = BUF_INIT;
	struct barrier ck;
	uint64_t ckoff = 0;
	const uint32_t part0 = 0;
	int has;

	if (inspect_summary(log, &s, err) < 0)
		return -1;
	/* the last checkpoint, its body checked (logseek --verify says more) */
	has = checkpoint_last(log->path, &body, &ckoff, err);
	if (has > 0 && barrier_decode_body(&ck, body.p, body.len, err) < 0)
		has = error_prefix(err, "'%s': the checkpoint at offset %llu", log->path,
				   (unsigned long long)ckoff);
	buf_release(&body);
	if (has < 0) {
		inspect_summary_release(&s);
		return -1;
	}
	rc = group_status_list(log, s.first, s.next, &g, &n, err);
	if (rc == 0) {
		struct parts ps = { 1, &part0, &s.first, &s.next };
		rc = add_pipelines(&pipes, log->path, "log", &ps, o->json, err);
		if (rc == 0)
			rc = answered(format_summary(&o->buf, log->path, &s, g, n, ckoff,
						     has ? &ck : NULL, &pipes, o->json), err);
		free(g);
	}
	buf_release(&pipes);
	if (has)
		barrier_free(&ck);
	inspect_summary_release(&s);
	return rc;
}

int report_histogram(struct report_out *o, struct log *log, const struct position *from,
		     const struct position *to, int64_t interval, unsigned columns,
		     struct error *err)
{
	struct histogram hg;
	uint64_t lo = 0, hi = UINT64_MAX;
	int rc;

	if ((from && position_resolve(log, from, &lo, err) < 0) ||
	    (to && position_resolve(log, to, &hi, err) < 0) ||
	    histogram(log, lo, hi, interval, HISTOGRAM_MAX, &hg, err) < 0)
		return -1;
	rc = answered(format_histogram(&o->buf, &hg, columns, o->json, NULL, NULL, NULL), err);
	histogram_release(&hg);
	return rc;
}

int report_groups(struct report_out *o, struct log *log, struct error *err)
{
	struct group_status *g;
	uint64_t first, next;
	size_t n;
	int rc;

	if (seek_bounds(log, &first, &next, err) < 0 ||
	    group_status_list(log, first, next, &g, &n, err) < 0)
		return -1;
	rc = answered(format_groups(&o->buf, g, n, o->json), err);
	free(g);
	return rc;
}

int report_group(struct report_out *o, struct log *log, const char *name, struct error *err)
{
	struct group_status g;
	uint64_t first, next;

	if (seek_bounds(log, &first, &next, err) < 0 ||
	    group_status(log, name, first, next, &g, err) < 0)
		return -1;
	return answered(format_group(&o->buf, &g, o->json), err);
}

static void verify_line(void *o, enum verify_level level, const char *line)
{
	static const char *const prefix[] = { "", "note: ", "damage: " };

	fprintf(((struct report_out *)o)->f, "%s%s\n", prefix[level], line);
}

int report_verify(struct report_out *o, struct log *log, struct error *err)
{
	struct verify_report rep;

	if (verify_log(log, verify_line, o, &rep, err) < 0 ||
	    answered(format_verify(&o->buf, log->path, &rep), err) < 0)
		return -1;
	return rep.damage > 0;
}

/* ---- a topic: the questions asked of each of its selected partitions ----- */

/*
 * Lays out a table: cells holds its rows, a '\t' after each cell but a
 * row's last and a '\n' after each row; each column as wide as its widest
 * cell, two spaces apart, right-aligned where align has 'r' (at most
 * TABLE_COLUMNS columns).
 */
#define TABLE_COLUMNS 12
static int add_table(struct buf *out, const struct buf *cells, const char *align)
{
	size_t width[TABLE_COLUMNS] = { 0 }, c = 0, start = 0, i;
	const char *p = (const char *)cells->p;
	int rc = 0;

	for (i = 0; i < cells->len; i++) {
		if (p[i] != '\t' && p[i] != '\n')
			continue;
		if (c < TABLE_COLUMNS && i - start > width[c])
			width[c] = i - start;
		c = p[i] == '\n' ? 0 : c + 1;
		start = i + 1;
	}
	for (i = start = c = 0; i < cells->len; i++) {
		size_t len = i - start, pad;
		int last = p[i] == '\n';
		if (p[i] != '\t' && !last)
			continue;
		pad = c < TABLE_COLUMNS && width[c] > len ? width[c] - len : 0;
		if (c < TABLE_COLUMNS && align[c] == 'r')
			rc |= buf_printf(out, "%*s", (int)pad, "");
		rc |= buf_add(out, p + start, len);
		if (!last && !(c < TABLE_COLUMNS && align[c] == 'r'))
			rc |= buf_printf(out, "%*s", (int)pad, "");
		rc |= buf_add(out, last ? "\n" : "  ", last ? 1 : 2);
		c = last ? 0 : c + 1;
		start = i + 1;
	}
	return rc ? -1 : 0;
}

/* A table cell: a time, or "-" when there is none. */
static int add_time_cell(struct buf *out, int have, int64_t ms)
{
	return (have ? add_time(out, ms) : buf_addc(out, '-')) < 0 ||
	       buf_addc(out, '\t') < 0 ? -1 : 0;
}

/* What the summary adds up over the partitions. */
struct topic_total {
	uint64_t records, batches, segments, segment_bytes, index_bytes;
	int have;			/* a record somewhere */
	int64_t first_ts, last_ts, min_ts, max_ts;
};

static void total_add(struct topic_total *t, const struct inspect_summary *s)
{
	t->records += s->records;
	t->batches += s->batches;
	t->segments += s->nseg;
	t->segment_bytes += s->segment_bytes;
	t->index_bytes += s->index_bytes;
	if (!s->records)
		return;
	if (!t->have || s->first_ts < t->first_ts)
		t->first_ts = s->first_ts;
	if (!t->have || s->last_ts > t->last_ts)
		t->last_ts = s->last_ts;
	if (!t->have || s->min_ts < t->min_ts)
		t->min_ts = s->min_ts;
	if (!t->have || s->max_ts > t->max_ts)
		t->max_ts = s->max_ts;
	t->have = 1;
}

/* A partition's row of the summary's table. */
static int add_summary_row(struct buf *cells, uint32_t p, const struct inspect_summary *s)
{
	int have = s->records > 0, rc = 0;

	rc |= buf_printf(cells, "%u\t%llu\t%llu\t%llu\t%llu\t", p, (unsigned long long)s->first,
			 (unsigned long long)s->next, (unsigned long long)s->records,
			 (unsigned long long)s->batches);
	rc |= add_time_cell(cells, have, s->first_ts);
	rc |= add_time_cell(cells, have, s->last_ts);
	rc |= buf_printf(cells, "%zu\t", s->nseg);
	rc |= add_size(cells, s->segment_bytes + s->index_bytes);
	rc |= buf_addc(cells, '\n');
	return rc ? -1 : 0;
}

static int add_total_text(struct buf *cells, const struct topic_total *t)
{
	int rc = buf_printf(cells, "total\t\t\t%llu\t%llu\t", (unsigned long long)t->records,
			    (unsigned long long)t->batches);

	rc |= add_time_cell(cells, t->have, t->first_ts);
	rc |= add_time_cell(cells, t->have, t->last_ts);
	rc |= buf_printf(cells, "%llu\t", (unsigned long long)t->segments);
	rc |= add_size(cells, t->segment_bytes + t->index_bytes);
	rc |= buf_addc(cells, '\n');
	return rc ? -1 : 0;
}

static int add_total_json(struct buf *out, const struct topic_total *t)
{
	int rc = buf_printf(out, "],\"records\":%llu,\"batches\":%llu",
			    (unsigned long long)t->records, (unsigned long long)t->batches);

	rc |= add_i64_or_null(out, "first_ts", t->have, t->first_ts);
	rc |= add_i64_or_null(out, "last_ts", t->have, t->last_ts);
	rc |= add_i64_or_null(out, "min_ts", t->have, t->min_ts);
	rc |= add_i64_or_null(out, "max_ts", t->have, t->max_ts);
	rc |= buf_printf(out, ",\"segments\":%llu,\"segment_bytes\":%llu,\"index_bytes\":%llu,"
			 "\"bytes\":%llu", (unsigned long long)t->segments,
			 (unsigned long long)t->segment_bytes, (unsigned long long)t->index_bytes,
			 (unsigned long long)(t->segment_bytes + t->index_bytes));
	return rc ? -1 : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the groups of any selected partition, sorted, each once:
 * an owned array of *n (group_list_free).  Returns 0 or -1. */
static int topic_group_names(const struct topicinfo *ti, char ***names, size_t *n,
			     struct error *err)
{
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	for (size_t i = 0; i < ti->n; i++) {
		char **k;
		size_t m;
		if (group_list(&ti->log[i], &k, &m, err) < 0)
			goto fail;
		for (size_t j = 0; j < m; j++) {
			size_t h = 0;
			while (h < *n && strcmp((*names)[h], k[j]))
				h++;
			if (h < *n)
				continue;
			if (*n == cap) {
				char **q = realloc(*names, (cap = cap ? 2 * cap : 8) * sizeof *q);
				if (!q) {
					group_list_free(k, m);
					error_set(err, "out of memory");
					goto fail;
				}
				*names = q;
			}
			(*names)[(*n)++] = k[j];
			k[j] = NULL;
		}
		group_list_free(k, m);
	}
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_name);
	return 0;
fail:
	group_list_free(*names, *n);
	*names = NULL;
	*n = 0;
	return -1;
}

/*
 * Group name in each selected partition, against the partitions' bounds
 * first[i] and next[i]: as text "NAME: lag L" and a line per partition
 * ("partition P: committed N, lag L, updated T"), each line after indent;
 * as JSON {"name":N,"partitions":[{"partition":P,...}],"lag":L}.
 */
static int add_topic_group(struct buf *out, const struct topicinfo *ti, const char *name,
			   const uint64_t *first, const uint64_t *next, int json,
			   const char *indent, struct error *err)
{
	struct buf rows = BUF_INIT;
	struct group_status g;
	uint64_t lag = 0;
	int rc = 0;

	for (size_t i = 0; i < ti->n; i++) {
		if (group_status(&ti->log[i], name, first[i], next[i], &g, err) < 0) {
			buf_release(&rows);
			return -1;
		}
		lag += g.lag;
		if (json)
			rc |= buf_printf(&rows, "%s{\"partition\":%u", i ? "," : "", ti->part[i]);
		else
			rc |= buf_printf(&rows, "%s  partition %u: ", indent, ti->part[i]);
		rc |= add_group_body(&rows, &g, json);
		rc |= buf_add(&rows, json ? "}" : "\n", 1);
	}
	if (json) {
		rc |= buf_add(out, "{\"name\":", 8);
		rc |= json_add_string(out, name, strlen(name));
		rc |= buf_add(out, ",\"partitions\":[", 15);
		rc |= buf_add(out, rows.p, rows.len);
		rc |= buf_printf(out, "],\"lag\":%llu}", (unsigned long long)lag);
	} else {
		rc |= buf_printf(out, "%s%s: lag %llu\n", indent, name, (unsigned long long)lag);
		rc |= buf_add(out, rows.p, rows.len);
	}
	buf_release(&rows);
	return rc ? out_of_memory(err) : 0;
}

/* Every group of the selected partitions (add_topic_group), as a JSON array's
 * members or text lines. */
static int add_topic_groups(struct buf *out, const struct topicinfo *ti, const uint64_t *first,
			    const uint64_t *next, int json, const char *indent, int count_line,
			    struct error *err)
{
	char **names;
	size_t n, i;
	int rc = 0;

	if (topic_group_names(ti, &names, &n, err) < 0)
		return -1;
	if (count_line && buf_printf(out, "%-11s%zu\n", "groups:", n) < 0)
		rc = out_of_memory(err);
	for (i = 0; i < n && rc == 0; i++) {
		if (json && i && buf_addc(out, ',') < 0)
			rc = out_of_memory(err);
		else
			rc = add_topic_group(out, ti, names[i], first, next, json, indent, err);
	}
	group_list_free(names, n);
	return rc;
}

/* Each selected partition's bounds into the owned arrays *first and *next
 * (free them).  Returns 0 or -1. */
static int topic_bounds(const struct topicinfo *ti, uint64_t **first, uint64_t **next,
			struct error *err)
{
	*first = calloc(ti->n + 1, sizeof **first);
	*next = calloc(ti->n + 1, sizeof **next);
	if (!*first || !*next)
		goto fail;
	for (size_t i = 0; i < ti->n; i++)
		if (seek_bounds(&ti->log[i], &(*first)[i], &(*next)[i], err) < 0) {
			free(*first);
			free(*next);
			return -1;
		}
	return 0;
fail:
	free(*first);
	free(*next);
	return out_of_memory(err);
}

int report_topic_summary(struct report_out *o, const struct topicinfo *ti, struct error *err)
{
	struct buf cells = BUF_INIT, *out = &o->buf;
	struct topic_total t = { 0 };
	uint64_t *first = calloc(ti->n + 1, sizeof *first), *next = calloc(ti->n + 1, sizeof *next);
	struct parts ps;
	int rc = -1, fmt = 0;

	if (!first || !next) {
		out_of_memory(err);
		goto out;
	}
	if (o->json) {
		fmt |= buf_add(out, "{\"topic\":", 9);
		fmt |= json_add_string(out, ti->topic.path, strlen(ti->topic.path));
		fmt |= buf_printf(out, ",\"partition_count\":%u,\"partitions\":[", ti->topic.n);
	} else {
		fmt |= buf_printf(out, "%-11s%s (%u partition%s)\n", "topic:", ti->topic.path,
				  ti->topic.n, ti->topic.n == 1 ? "" : "s");
		fmt |= buf_printf(&cells, "partition\tfirst\tnext\trecords\tbatches\tfirst time\t"
				  "last time\tsegments\tdisk\n");
	}
	for (size_t i = 0; i < ti->n; i++) {
		struct inspect_summary s;
		if (inspect_summary(&ti->log[i], &s, err) < 0)
			goto out;
		first[i] = s.first;
		next[i] = s.next;
		total_add(&t, &s);
		if (o->json) {
			fmt |= buf_printf(out, "%s{\"partition\":%u,\"log\":", i ? "," : "",
					  ti->part[i]);
			fmt |= json_add_string(out, ti->log[i].path, strlen(ti->log[i].path));
			fmt |= add_summary_json(out, &s);
			fmt |= buf_addc(out, '}');
		} else {
			fmt |= add_summary_row(&cells, ti->part[i], &s);
		}
		inspect_summary_release(&s);
	}
	if (o->json) {
		fmt |= add_total_json(out, &t);
		fmt |= buf_add(out, ",\"groups\":[", 11);
	} else {
		fmt |= add_total_text(&cells, &t);
		fmt |= add_table(out, &cells, "lrrrrllrr");
	}
	if (fmt) {
		out_of_memory(err);
		goto out;
	}
	if (add_topic_groups(out, ti, first, next, o->json, "  ", !o->json, err) < 0)
		goto out;
	if (o->json && buf_addc(out, ']') < 0) {
		out_of_memory(err);
		goto out;
	}
	ps = (struct parts){ ti->n, ti->part, first, next };
	if (add_pipelines(out, ti->topic.path, "topic", &ps, o->json, err) < 0)
		goto out;
	rc = answered(o->json ? buf_add(out, "}\n", 2) : 0, err);
out:
	buf_release(&cells);
	free(first);
	free(next);
	return rc;
}

int report_topic_groups(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err)
{
	uint64_t *first, *next;
	int rc;

	if (topic_bounds(ti, &first, &next, err) < 0)
		return -1;
	if (name)
		rc = add_topic_group(&o->buf, ti, name, first, next, o->json, "", err);
	else {
		rc = o->json && buf_add(&o->buf, "{\"groups\":[", 11) < 0 ? out_of_memory(err) : 0;
		if (rc == 0)
			rc = add_topic_groups(&o->buf, ti, first, next, o->json, "", 0, err);
		if (rc == 0 && o->json && buf_add(&o->buf, "]}", 2) < 0)
			rc = out_of_memory(err);
	}
	if (rc == 0 && o->json && buf_addc(&o->buf, '\n') < 0)
		rc = out_of_memory(err);
	free(first);
	free(next);
	return rc;
}

int report_topic_times(struct report_out *o, const struct topicinfo *ti, int64_t time, int fd,
		       const char *name, struct error *err)
{
	struct seeker *s = calloc(ti->n + 1, sizeof *s);
	struct buf miss = BUF_INIT, line = BUF_INIT;	/* the partitions without a record */
	struct input in;
	size_t i;
	int rc = 0, missing = 0;

	if (!s)
		return out_of_memory(err);
	for (i = 0; i < ti->n; i++)
		seeker_init(&s[i], &ti->log[i]);
	if (fd >= 0)
		input_init(&in, fd, name, 1 << 20);
	while (!o->closed && rc == 0 &&
	       (fd < 0 || (rc = position_time_line(&in, flush_before_wait, o, &time, err)) > 0)) {
		size_t nmiss = 0;
		rc = 0;
		buf_reset(&miss);
		for (i = 0; i < ti->n && rc == 0; i++) {
			uint64_t off;
			int64_t ts;
			int f = seeker_find(&s[i], time, &off, &ts, err);
			if (f < 0)
				rc = -1;
			else if (format_time(&o->buf, time, ti->part[i], off, f, ts, o->json) < 0 ||
				 (!f && buf_printf(&miss, "%s%u", nmiss ? "," : "", ti->part[i]) < 0))
				rc = out_of_memory(err);
			nmiss += f == 0;
		}
		if (rc == 0 && nmiss) {
			char t[TIME_RFC3339_MAX];
			time_format_rfc3339(time, t);
			buf_reset(&line);
			if (buf_printf(&line, "no record at or after %s in partition%s %.*s (%s)%c", t,
				       nmiss == 1 ? "" : "s", (int)miss.len, (const char *)miss.p,
				       nmiss == 1 ? "the answer is its next offset" :
				       "the answers are their next offsets", 0) < 0)
				rc = out_of_memory(err);
			else
				rc = note(o, (const char *)line.p, err);
		}
		missing += rc == 0 && nmiss == ti->n;
		if (fd < 0)
			break;
	}
	buf_release(&miss);
	buf_release(&line);
	if (fd >= 0)
		input_release(&in);
	for (i = 0; i < ti->n; i++)
		seeker_release(&s[i]);
	free(s);
	if (rc < 0 && !o->closed) {
		report_flush(o, err);	/* (its message instead, when it fails) */
		return -1;
	}
	return missing;
}

/* what, then "0,1,2" for partitions part[from .. to-1], into out (outsz
 * bytes). */
static void partition_list(const struct topicinfo *ti, size_t from, size_t to,
			   const char *what, char *out, size_t outsz)
{
	size_t len = (size_t)snprintf(out, outsz, "%s", what);

	for (size_t i = from; i < to && len + 1 < outsz; i++)
		len += (size_t)snprintf(out + len, outsz - len, "%s%u", i > from ? "," : "",
					ti->part[i]);
}

int report_topic_reset(struct report_out *o, const struct topicinfo *ti, const char *name,
		       const struct position *r, int execute, struct error *err)
{
	struct group_status *g = calloc(ti->n + 1, sizeof *g);
	struct group_reset *res = calloc(ti->n + 1, sizeof *res);
	uint64_t *first = NULL, *next = NULL;
	size_t written = 0, i;
	int rc = -1;

	if (!g || !res) {
		out_of_memory(err);
		goto out;
	}
	if (topic_bounds(ti, &first, &next, err) < 0)
		goto out;
	rc = group_reset_logs(ti->log, ti->n, name, r, execute, first, next, g, res, &written,
			      err);
	for (i = 0; i < ti->n; i++)
		note_reset(o, name, ti->part[i], &g[i], &res[i], execute);
	if (rc < 0) {
		if (execute && written < ti->n && res[written].computed) {
			char done[200] = "no partition", rest[200] = "";
			if (written)
				partition_list(ti, 0, written, written == 1 ? "partition " :
					       "partitions ", done, sizeof done);
			if (written + 1 < ti->n)
				partition_list(ti, written + 1, ti->n, written + 2 == ti->n ?
					       ", not in partition " : ", not in partitions ", rest,
					       sizeof rest);
			error_prefix(err, "group '%s' of '%s': reset written in %s%s, perhaps in "
				     "partition %u", name, ti->topic.path, done, rest,
				     ti->part[written]);
		}
		goto out;
	}
	for (i = 0; i < ti->n; i++)
		if (format_move(&o->buf, name, ti->part[i], g[i].has_committed,
				g[i].committed.offset, res[i].target, execute, o->json) < 0) {
			rc = out_of_memory(err);
			break;
		}
out:
	free(g);
	free(res);
	free(first);
	free(next);
	return rc;
}

int report_topic_commit(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err)
{
	struct group_status g, after;
	uint64_t first, next;
	size_t i, done = 0;
	int rc = 0;

	for (i = 0; i < ti->n && rc == 0; i++) {
		struct log *log = &ti->log[i];
		if (seek_bounds(log, &first, &next, err) < 0 ||
		    (rc = group_commit(log, name, first, next, &g, &after, err)) < 0)
			break;
		if (rc == 0)
			continue;
		done++;
		rc = format_move(&o->buf, name, ti->part[i], g.has_committed, g.committed.offset,
				 after.committed.offset, 1, o->json) < 0 ? out_of_memory(err) : 0;
	}
	if (i < ti->n) {	/* the answers so far, then the failure */
		struct error ignored;
		report_flush(o, &ignored);
		return -1;
	}
	if (done == 0)
		return error_set(err, "group '%s' of '%s' has no pending position in %s", name,
				 ti->topic.path, ti->n == ti->topic.n ? "any partition" :
				 "the partitions given");
	return 0;
}

int report_topic_delete(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err)
{
	size_t deleted;

	return group_delete_logs(ti->log, ti->n, name, &deleted, err);
}

int report_topic_verify(struct report_out *o, const struct topicinfo *ti, struct error *err)
{
	char damaged[400];
	size_t len = 0, bad = 0;

	damaged[0] = 0;
	for (size_t i = 0; i < ti->n; i++) {
		struct log *log = &ti->log[i];
		int rc = report_verify(o, log, err);
		if (rc < 0 || report_flush(o, err) < 0)
			return -1;
		if (!rc)
			continue;
		if (len + 1 < sizeof damaged)
			len += (size_t)snprintf(damaged + len, sizeof damaged - len, "%s%u",
						bad ? "," : "", ti->part[i]);
		bad++;
	}
	if (!bad)
		return answered(buf_printf(&o->buf, "'%s': %zu partition%s: no damage\n",
					   ti->topic.path, ti->n, ti->n == 1 ? "" : "s"), err);
	if (answered(buf_printf(&o->buf, "'%s': %zu partition%s: damage in partition%s %s\n",
				ti->topic.path, ti->n, ti->n == 1 ? "" : "s", bad == 1 ? "" : "s",
				damaged), err) < 0)
		return -1;
	return 1;
}

int report_topic_histogram(struct report_out *o, const struct topicinfo *ti,
			   const struct position *from, const struct position *to, int64_t interval,
			   unsigned columns, struct error *err)
{
	uint64_t *lo = calloc(ti->n + 1, sizeof *lo), *hi = calloc(ti->n + 1, sizeof *hi);
	struct histogram hg;
	int rc = -1;

	if (!lo || !hi) {
		out_of_memory(err);
		goto out;
	}
	for (size_t i = 0; i < ti->n; i++) {
		hi[i] = UINT64_MAX;
		if ((from && position_resolve(&ti->log[i], from, &lo[i], err) < 0) ||
		    (to && position_resolve(&ti->log[i], to, &hi[i], err) < 0))
			goto out;
	}
	if (histogram_logs(ti->log, ti->n, lo, hi, interval, HISTOGRAM_MAX, &hg, err) < 0)
		goto out;
	rc = answered(format_histogram(&o->buf, &hg, columns, o->json, ti, lo, hi), err);
	histogram_release(&hg);
out:
	free(lo);
	free(hi);
	return rc;
}
