/* append.c - logappend's engine: input to batches (see append.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "append.h"
#include "batch.h"
#include "framed.h"
#include "item.h"
#include "json.h"
#include "record.h"
#include "timeparse.h"
#include "utf8.h"


struct appender {
	struct writer *w;
	struct input *in;
	const struct append_options *opt;
	struct append_stats *st;
	struct batch_builder bb;
	uint64_t next;		/* offset for the next record */
	struct buf value;	/* the current value's CBOR */
	/* the batch as it was when the current line began (JSON) */
	size_t mark_len;
	struct batch_header mark_h;
	int mark_valid;
	int failed;		/* a write failed: nothing more may be written */
	int warned_member;	/* an unknown envelope member was reported */
	size_t used;		/* the current JSON value's end in the window */
};

/* --- batches ------------------------------------------------------------ */

/* Waits for the batch being written in the background, and reports its
 * records durable. */
static int settle(struct appender *a, struct error *err)
{
	uint64_t first, count;

	if (writer_wait(a->w, &first, &count, err) < 0) {
		a->failed = 1;
		return -1;
	}
	if (count && a->opt->on_durable && a->opt->on_durable(a->opt->ctx, first, count, err)) {
		a->failed = 1;
		return -1;
	}
	return 0;
}

/* Writes the batch being built: in the background while the next one is
 * built, or (--sync always) at once. */
static int flush(struct appender *a, struct error *err)
{
	uint64_t first = a->bb.h.base, count = a->bb.h.count;

	a->mark_valid = 0;
	if (count == 0)
		return 0;
	batch_builder_finish(&a->bb);
	if (settle(a, err) < 0)
		return -1;
	a->st->batches++;
	a->st->records += count;
	if (a->w->opt.sync != SYNC_ALWAYS) {
		if (writer_submit(a->w, &a->bb, err) < 0) {
			a->failed = 1;
			return -1;
		}
		return 0;
	}
	if (writer_append(a->w, &a->bb, err) < 0) {
		a->failed = 1;
		return -1;
	}
	batch_builder_reset(&a->bb);
	if (a->opt->on_durable && a->opt->on_durable(a->opt->ctx, first, count, err)) {
		a->failed = 1;
		return -1;
	}
	return 0;
}

/* Adds a record with the next offset, writing the batch when full. */
static int add(struct appender *a, const struct record *r, struct error *err)
{
	/* the encoded size, give or take the heads of offset and timestamp */
	size_t len = r->keylen + r->valuelen + r->headerslen + 3;

	if (len > a->opt->max_record)
		return error_set(err, "record of %zu bytes is larger than the limit of %zu bytes (--max-record-size)",
				 len, a->opt->max_record);
	if (batch_builder_add(&a->bb, r, a->next) < 0)
		return error_set(err, "out of memory");
	a->next++;
	if (a->w->opt.sync == SYNC_ALWAYS || a->bb.b.len >= a->opt->batch_bytes ||
	    a->bb.h.count >= a->opt->batch_records)
		return flush(a, err);
	return 0;
}

/* When input is slow to come, writes the batch and waits until it is
 * durable, so records never wait for the pipe longer than the linger time. */
static int idle(struct appender *a, struct error *err)
{
	if (input_ready(a->in, 0) || (a->bb.h.count && input_ready(a->in, a->opt->linger_ms)))
		return 0;
	if (flush(a, err) < 0 || settle(a, err) < 0)
		return -1;
	return 0;
}

/* Gets more input, after idle(). */
static long more(struct appender *a, struct error *err)
{
	if (idle(a, err) < 0)
		return -1;
	return input_fill(a->in, err);
}

/* --- keys and timestamps from fields ------------------------------------ */

static int time_from_item(const struct appender *a, const uint8_t *p, size_t n,
			  int64_t *ts, struct error *err)
{
	struct item_head h;
	double ms;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return error_set(err, "time field is not well-formed");
	switch (h.type) {
	case ITEM_UINT:
	case ITEM_NEGINT: {
		int64_t v;
		size_t len;
		if (item_int64(p, n, &v, &len) != ITEM_OK)
			return error_set(err, "time field '%s' is out of range", a->opt->time_spec);
		if (a->opt->time_in_seconds) {
			if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
				return error_set(err, "time field '%s' is out of range", a->opt->time_spec);
			v *= 1000;
		}
		*ts = v;
		return 0;
	}
	case ITEM_FLOAT:
		ms = a->opt->time_in_seconds ? h.f * 1000.0 : h.f;
		if (!isfinite(ms) || ms >= 9.2e18 || ms <= -9.2e18)
			return error_set(err, "time field '%s' is out of range", a->opt->time_spec);
		*ts = (int64_t)floor(ms + 0.5);
		return 0;
	case ITEM_TEXT: {
		struct error why;
		if (time_parse_rfc3339((const char *)h.data, h.val, ts, &why) < 0)
			return error_set(err, "time field '%s': %s", a->opt->time_spec, why.msg);
		return 0;
	}
	default:
		return error_set(err, "time field '%s' is not a number or an RFC 3339 string",
				 a->opt->time_spec);
	}
}

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
		if (time_from_item(a, p, n, &r->ts, err) < 0)
			return -1;
	}
	return 0;
}

static uint64_t line_at(const struct input *in, size_t i);

/* Warns of the first member of an envelope (the map v) that is none of
 * those logcat --json writes. */
static void unknown_members(struct appender *a, const uint8_t *v, size_t n)
{
	static const char *const known[] = { "offset", "ts", "key", "value", "headers" };
	struct item_head h, k;
	size_t pos, len;
	char msg[256];

	if (item_head(v, n, &h, NULL) != ITEM_OK)
		return;
	pos = h.len;
	for (uint64_t i = 0; i < h.val; i++) {
		size_t j;
		if (item_head(v + pos, n - pos, &k, NULL) != ITEM_OK || k.type != ITEM_TEXT)
			return;
		for (j = 0; j < sizeof known / sizeof known[0]; j++)
			if (k.val == strlen(known[j]) && !memcmp(k.data, known[j], k.val))
				break;
		if (j == sizeof known / sizeof known[0]) {
			snprintf(msg, sizeof msg, "%s:%llu: envelope member \"%.*s\" is not known: ignored "
				 "(this and any other unknown member, reported once)", a->in->name,
				 (unsigned long long)line_at(a->in, a->used), k.val > 64 ? 64 : (int)k.val,
				 (const char *)k.data);
			a->warned_member = 1;
			if (a->opt->on_warn)
				a->opt->on_warn(a->opt->ctx, msg);
			return;
		}
		pos += k.len;
		if (item_check(v + pos, n - pos, &len, NULL) != ITEM_OK)
			return;
		pos += len;
	}
}

/* Turns a logcat --json envelope into a record. */
static int envelope(struct appender *a, struct record *r, struct error *err)
{
	const uint8_t *v = a->value.p, *p;
	size_t n = a->value.len, len;
	struct item_head h;

	if (item_head(v, n, &h, NULL) != ITEM_OK || h.type != ITEM_MAP)
		return error_set(err, "envelope is not a JSON object");
	if (item_map_get(v, n, "value", 5, &p, &len) != 1)
		return error_set(err, "envelope has no \"value\"");
	r->value = p;
	r->valuelen = len;
	if (item_map_get(v, n, "key", 3, &p, &len) == 1) {
		r->key = p;
		r->keylen = len;
	}
	if (item_map_get(v, n, "ts", 2, &p, &len) == 1) {
		if (item_int64(p, len, &r->ts, &len) != ITEM_OK)
			return error_set(err, "envelope \"ts\" is not an integer (milliseconds)");
	}
	if (!a->warned_member)
		unknown_members(a, v, n);
	if (item_map_get(v, n, "headers", 7, &p, &len) == 1 && !(len == 1 && p[0] == 0xf6)) {
		if (record_check_headers(p, len, err) < 0)
			return error_prefix(err, "envelope \"headers\"");
		r->headers = p;
		r->headerslen = len;
	}
	return 0;
}

/* --- the three inputs --------------------------------------------------- */

static void blank(struct record *r)
{
	r->offset = 0;
	r->ts = time_now_ms();
	r->key = record_null;
	r->keylen = 1;
	r->value = record_null;
	r->valuelen = 1;
	r->headers = NULL;
	r->headerslen = 0;
}

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
		if (fields(a, &r, err) < 0 || add(a, &r, err) < 0) {
			if (a->failed)
				return -1;
			error_prefix(err, "%s: record %llu (byte %llu)", a->in->name,
				     (unsigned long long)fr.records, (unsigned long long)fr.at);
			if (bad(a, err) < 0)
				return -1;
		}
	}
}

/* Line number of byte i of the unconsumed input. */
static uint64_t line_at(const struct input *in, size_t i)
{
	const uint8_t *p = input_data(in), *end = p + i;
	uint64_t line = in->line;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		line++;
		p++;
	}
	return line;
}

static void rollback_line(struct appender *a)
{
	if (!a->mark_valid)
		return;
	a->next -= a->bb.h.count - a->mark_h.count;
	a->bb.b.len = a->mark_len;
	a->bb.h = a->mark_h;
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
				  a->in->name, (unsigned long long)line_at(a->in, ws),
				  a->in->max_window, (unsigned long long)(a->in->offset + ws));
			if (!memchr(p, '\n', ws))
				rollback_line(a);
			if (bad(a, err) < 0 || skip_line(a, ws, err) < 0)
				return -1;
			a->mark_valid = 0;
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
					  a->in->name, (unsigned long long)line_at(a->in, ws),
					  (unsigned long long)(a->in->offset + from));
			} else {
				error_set(err, "%s:%llu: %s%s (byte %llu)", a->in->name,
					  (unsigned long long)line_at(a->in, used),
					  rc == JSON_ERROR ? "invalid JSON: " : "", why.msg,
					  (unsigned long long)(a->in->offset + used));
			}
			/* the values before it on its line go with it */
			if (!memchr(p, '\n', ws))
				rollback_line(a);
			if (bad(a, err) < 0)
				return -1;
			if (skip_line(a, from, err) < 0)
				return -1;
			a->mark_valid = 0;
			continue;
		}
		/* a value that starts a new line starts a new unit of rollback */
		if (!a->mark_valid || memchr(p, '\n', used)) {
			a->mark_len = a->bb.b.len;
			a->mark_h = a->bb.h;
			a->mark_valid = 1;
		}
		blank(&r);
		r.value = a->value.p;
		r.valuelen = a->value.len;
		a->used = used;
		if ((a->opt->envelope && envelope(a, &r, &why) < 0) || fields(a, &r, &why) < 0 ||
		    add(a, &r, &why) < 0) {
			if (a->failed)
				return error_set(err, "%s", why.msg);
			error_set(err, "%s:%llu: %s (byte %llu)", a->in->name,
				  (unsigned long long)line_at(a->in, used), why.msg,
				  (unsigned long long)(a->in->offset + used));
			rollback_line(a);
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
		blank(&r);
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
		if (fields(a, &r, err) < 0 || add(a, &r, err) < 0) {
			if (a->failed)
				return -1;
			error_prefix(err, "%s:%llu", a->in->name, (unsigned long long)a->in->line);
			if (bad(a, err) < 0)
				return -1;
		}
		input_consume(a->in, nl ? len + 1 : len, 1);
	}
}

/* Skips a UTF-8 byte order mark at the start of JSON input, as jq does. */
static int skip_bom(struct input *in, struct error *err)
{
	while (input_avail(in) < 3 && !in->eof)
		if (input_fill(in, err) < 0)
			return -1;
	if (input_avail(in) >= 3 && !memcmp(input_data(in), "\xef\xbb\xbf", 3))
		input_consume(in, 3, 0);
	return 0;
}

int append_run(struct writer *w, struct input *in, const struct append_options *opt,
	       struct append_stats *st, struct error *err)
{
	struct appender a = { .w = w, .in = in, .opt = opt, .st = st, .next = w->next };
	struct buf empty = BUF_INIT;
	enum input_format f = opt->format;
	int rc;

	memset(st, 0, sizeof *st);
	a.value = empty;
	batch_builder_init(&a.bb);
	if (f == INPUT_AUTO) {
		/* detect from the first bytes that are not whitespace */
		for (;;) {
			const uint8_t *p = input_data(in);
			size_t n = input_avail(in), i = 0;
			while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
				i++;
			if (i < n || in->eof) {
				f = i < n && framed_detect(p + i, n - i) ? INPUT_FRAMED : INPUT_JSON;
				if (i < n && p[i] == 0xd9 && n - i < 3 && !in->eof) {
					if (input_fill(in, err) < 0)
						goto out_fail;
					continue;
				}
				break;
			}
			if (input_fill(in, err) < 0)
				goto out_fail;
		}
	}
	if (f == INPUT_JSON && skip_bom(in, err) < 0)
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
		if (!a.failed && (flush(&a, &ferr) < 0 || settle(&a, &ferr) < 0))
			error_set(err, "%s", ferr.msg);
		goto out;
	}
	rc = flush(&a, err) < 0 || settle(&a, err) < 0 ? -1 : 0;
	goto out;
out_fail:
	rc = -1;
out:
	batch_builder_release(&a.bb);
	buf_release(&a.value);
	return rc;
}
