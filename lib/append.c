/* append.c - logappend's engine: input to batches (see append.h). */
#include <stdio.h>
#include <string.h>

#include "append.h"
#include "envelope.h"
#include "framed.h"
#include "item.h"
#include "json.h"
#include "record.h"
#include "stream.h"
#include "timeparse.h"
#include "utf8.h"


struct appender {
	struct sink sink;	/* the log, in batches */
	struct input *in;
	const struct append_options *opt;
	struct append_stats *st;
	struct buf value;	/* the current value's CBOR */
	int warned_member;	/* an unknown envelope member was reported */
	size_t used;		/* the current JSON value's end in the window */
};

/* When input is slow to come, writes the batch and waits until it is
 * durable, so records never wait for the pipe longer than the linger time. */
static int idle(struct appender *a, struct error *err)
{
	if (input_ready(a->in, 0) || (a->sink.bb.h.count && input_ready(a->in, a->opt->linger_ms)))
		return 0;
	return sink_flush(&a->sink, err) == OUTPUT_OK ? 0 : -1;
}

/* Gets more input, after idle(). */
static long more(struct appender *a, struct error *err)
{
	if (idle(a, err) < 0)
		return -1;
	return input_fill(a->in, err);
}

/* --- keys and timestamps from fields ------------------------------------ */

/* Sets key and timestamp of r from its value by --key and --time. */
static int fields(struct appender *a, struct record *r, struct error *err)
{
	const uint8_t *p;
	size_t n;
	int rc;

	a->st->seen++;
	if (a->opt->key) {
		rc = fieldpath_find(a->opt->key, r->value, r->valuelen, &p, &n);
		if (rc < 0)
			return error_set(err, "value is not well-formed");
		if (rc > 0) {
			a->st->key_found++;
			r->key = p;
			r->keylen = n;
		} else {
			r->key = record_null;
			r->keylen = 1;
		}
	}
	if (a->opt->time) {
		rc = fieldpath_find(a->opt->time, r->value, r->valuelen, &p, &n);
		if (rc <= 0)
			return error_set(err, "no time field '%s'", a->opt->time_spec);
		a->st->time_found++;
		if (time_from_cbor(p, n, a->opt->time_in_seconds, a->opt->time_spec, &r->ts, err) < 0)
			return -1;
	}
	return 0;
}

/* Warns of the first member of an envelope (the map v) that is none of
 * those logcat --json writes. */
static void unknown_members(struct appender *a, const uint8_t *v, size_t n)
{
	const uint8_t *name;
	size_t len;
	char msg[256];

	if (!envelope_unknown(v, n, &name, &len))
		return;
	snprintf(msg, sizeof msg, "%s:%llu: envelope member \"%.*s\" is not known: ignored "
		 "(this and any other unknown member, reported once)", a->in->name,
		 (unsigned long long)input_line_at(a->in, a->used), len > 64 ? 64 : (int)len,
		 (const char *)name);
	a->warned_member = 1;
	if (a->opt->on_warn)
		a->opt->on_warn(a->opt->ctx, msg);
}

/* Turns a logcat --json envelope into a record; warns of an unknown
 * member once the envelope's value and ts were found good. */
static int envelope(struct appender *a, struct record *r, struct error *err)
{
	int rc = envelope_decode(a->value.p, a->value.len, r, err);

	if (!a->warned_member && (rc == 0 || !strncmp(err->msg, "envelope \"headers\"", 18)))
		unknown_members(a, a->value.p, a->value.len);
	return rc;
}

/* --- the three inputs --------------------------------------------------- */

/* A bad record: reported and skipped with skip_bad, else the end. */
static int bad(struct appender *a, struct error *err)
{
	if (!a->opt->skip_bad)
		return -1;
	a->st->bad++;
	if (a->opt->on_bad)
		a->opt->on_bad(a->opt->ctx, err->msg);
	return 0;
}

static int run_framed(struct appender *a, struct error *err)
{
	struct framed_reader fr;
	struct record r;
	int rc;

	framed_reader_init(&fr, a->in);
	for (;;) {
		/* keep batches moving when the stream is slow */
		if (input_avail(a->in) == 0 && !a->in->eof && idle(a, err) < 0)
			return -1;
		rc = framed_next(&fr, &r, err);
		if (rc == 0)
			return 0;
		if (rc == FRAMED_BAD_RECORD) {
			/* bad, but its extent is known: skipped with skip_bad */
			if (bad(a, err) < 0)
				return -1;
			continue;
		}
		if (rc < 0)
			return -1;	/* a broken stream cannot be resynchronised */
		if (fields(a, &r, err) < 0 || sink_write(&a->sink, &r, err) < 0) {
			if (sink_failed(&a->sink))
				return -1;
			error_prefix(err, "%s: record %llu (byte %llu)", a->in->name,
				     (unsigned long long)fr.records, (unsigned long long)fr.at);
			if (bad(a, err) < 0)
				return -1;
		}
	}
}

/* The whitespace at the start of p[0..n). */
static size_t leading_ws(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* Skips the input up to and including the first newline at or after byte
 * i of the unconsumed input, reading (and dropping) as much as it takes,
 * or to the end of the input. */
static int skip_line(struct appender *a, size_t i, struct error *err)
{
	for (;;) {
		const uint8_t *p = input_data(a->in), *nl;
		size_t n = input_avail(a->in);

		nl = i < n ? memchr(p + i, '\n', n - i) : NULL;
		if (nl) {
			input_consume(a->in, (size_t)(nl - p) + 1, 1);
			return 0;
		}
		input_consume(a->in, n, 1);
		i = 0;
		if (a->in->eof)
			return 0;
		if (more(a, err) < 0)
			return -1;
	}
}

static int run_json(struct appender *a, struct error *err)
{
	struct record r;
	struct error why;
	size_t used;
	int rc;

	for (;;) {
		const char *p = (const char *)input_data(a->in);
		size_t n = input_avail(a->in);

		buf_reset(&a->value);
		rc = json_to_cbor(p, n, (a->in->eof ? JSON_EOF : 0) | (a->opt->plain_json ? JSON_PLAIN : 0),
				  &a->value, &used, &why);
		if (rc == JSON_MORE && n >= a->in->max_window) {
			/* a value longer than the window: bad, and skipped
			 * with the rest of its line */
			size_t ws = leading_ws(p, n);
			error_set(err, "%s:%llu: value larger than %zu bytes (--max-record-size) (byte %llu)",
				  a->in->name, (unsigned long long)input_line_at(a->in, ws),
				  a->in->max_window, (unsigned long long)(a->in->offset + ws));
			if (!memchr(p, '\n', ws))
				sink_rollback(&a->sink);
			if (bad(a, err) < 0 || skip_line(a, ws, err) < 0)
				return -1;
			a->sink.mark_valid = 0;
			continue;
		}
		if (rc == JSON_MORE || (rc == JSON_END && !a->in->eof)) {
			if (rc == JSON_END)
				input_consume(a->in, used, 1);
			if (more(a, err) < 0)
				return -1;
			continue;
		}
		if (rc == JSON_END) {
			input_consume(a->in, used, 1);
			return 0;
		}
		if (rc == JSON_ERROR || rc == JSON_INVALID) {
			size_t ws = leading_ws(p, used), from = used;
			/* when the value's own line ended before the value did
			 * and the error is a value starting a later line (a
			 * truncated JSON line), that line is the bad one, and
			 * the one where the error showed may be good */
			const char *nl = memchr(p + ws, '\n', used - ws);
			if (nl && used < n && p[used] != '{' && p[used] != '[')
				nl = NULL;
			for (const char *q = p + used; nl && q > nl + 1 && q[-1] != '\n'; q--)
				if (q[-1] != ' ' && q[-1] != '\t' && q[-1] != '\r')
					nl = NULL;	/* not the first thing on its line */
			if (nl) {
				from = (size_t)(nl - p);
				error_set(err, "%s:%llu: invalid JSON: the line ends inside a value (byte %llu)",
					  a->in->name, (unsigned long long)input_line_at(a->in, ws),
					  (unsigned long long)(a->in->offset + from));
			} else {
				error_set(err, "%s:%llu: %s%s (byte %llu)", a->in->name,
					  (unsigned long long)input_line_at(a->in, used),
					  rc == JSON_ERROR ? "invalid JSON: " : "", why.msg,
					  (unsigned long long)(a->in->offset + used));
			}
			/* the values before it on its line go with it */
			if (!memchr(p, '\n', ws))
				sink_rollback(&a->sink);
			if (bad(a, err) < 0)
				return -1;
			if (skip_line(a, from, err) < 0)
				return -1;
			a->sink.mark_valid = 0;
			continue;
		}
		/* a value that starts a new line starts a new unit of rollback */
		if (!sink_marked(&a->sink) || memchr(p, '\n', used))
			sink_mark(&a->sink);
		stream_blank(&r);
		r.value = a->value.p;
		r.valuelen = a->value.len;
		a->used = used;
		if ((a->opt->envelope && envelope(a, &r, &why) < 0) || fields(a, &r, &why) < 0 ||
		    sink_write(&a->sink, &r, &why) < 0) {
			if (sink_failed(&a->sink))
				return error_set(err, "%s", why.msg);
			error_set(err, "%s:%llu: %s (byte %llu)", a->in->name,
				  (unsigned long long)input_line_at(a->in, used), why.msg,
				  (unsigned long long)(a->in->offset + used));
			sink_rollback(&a->sink);
			if (bad(a, err) < 0)
				return -1;
		}
		input_consume(a->in, used, 1);
	}
}

static int run_lines(struct appender *a, struct error *err)
{
	struct record r;
	uint8_t head[9];

	for (;;) {
		const uint8_t *p = input_data(a->in), *nl;
		size_t n = input_avail(a->in), len, hl;

		nl = memchr(p, '\n', n);
		if (!nl && !a->in->eof && n >= a->in->max_window) {
			error_set(err, "%s:%llu: line longer than %zu bytes (--max-record-size) (byte %llu)",
				  a->in->name, (unsigned long long)a->in->line, a->in->max_window,
				  (unsigned long long)a->in->offset);
			if (bad(a, err) < 0 || skip_line(a, n, err) < 0)
				return -1;
			continue;
		}
		if (!nl && !a->in->eof) {
			if (more(a, err) < 0)
				return -1;
			continue;
		}
		if (!nl && n == 0)
			return 0;
		len = nl ? (size_t)(nl - p) : n;
		stream_blank(&r);
		buf_reset(&a->value);
		{
			size_t tl = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
			int text = utf8_valid_prefix(p, tl) == tl;
			hl = item_put_head(head, text ? 3 : 2, tl);
			if (buf_add(&a->value, head, hl) < 0 || buf_add(&a->value, p, tl) < 0)
				return error_set(err, "out of memory");
		}
		r.value = a->value.p;
		r.valuelen = a->value.len;
		if (fields(a, &r, err) < 0 || sink_write(&a->sink, &r, err) < 0) {
			if (sink_failed(&a->sink))
				return -1;
			error_prefix(err, "%s:%llu", a->in->name, (unsigned long long)a->in->line);
			if (bad(a, err) < 0)
				return -1;
		}
		input_consume(a->in, nl ? len + 1 : len, 1);
	}
}

int append_run(struct writer *w, struct input *in, const struct append_options *opt,
	       struct append_stats *st, struct error *err)
{
	struct sink_log_options lopt = {
		.max_record = opt->max_record, .batch_bytes = opt->batch_bytes,
		.batch_records = opt->batch_records, .on_durable = opt->on_durable, .ctx = opt->ctx,
	};
	struct appender a = { .in = in, .opt = opt, .st = st };
	struct buf empty = BUF_INIT;
	enum input_format f = opt->format;
	int rc;

	memset(st, 0, sizeof *st);
	a.value = empty;
	sink_open_log(&a.sink, w, &lopt);
	if (f == INPUT_AUTO) {
		enum source_kind kind;
		if (stream_detect(in, &kind, err) < 0)
			goto out_fail;
		f = kind == SOURCE_FRAMED ? INPUT_FRAMED : INPUT_JSON;
	}
	if (f == INPUT_JSON && stream_skip_bom(in, err) < 0)
		goto out_fail;
	if (f == INPUT_FRAMED)
		rc = run_framed(&a, err);
	else if (f == INPUT_LINES)
		rc = run_lines(&a, err);
	else
		rc = run_json(&a, err);
	if (rc < 0) {
		/* what came before the bad record is appended and durable */
		struct error ferr;
		if (!sink_failed(&a.sink) && sink_flush(&a.sink, &ferr) != OUTPUT_OK)
			error_set(err, "%s", ferr.msg);
		goto out;
	}
	rc = sink_flush(&a.sink, err) == OUTPUT_OK ? 0 : -1;
	goto out;
out_fail:
	rc = -1;
out:
	st->records = a.sink.records;
	st->batches = a.sink.batches;
	sink_close(&a.sink);
	buf_release(&a.value);
	return rc;
}
