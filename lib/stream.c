/* stream.c - sources and sinks of records (see stream.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "checkpoint.h"
#include "envelope.h"
#include "seek.h"
#include "item.h"
#include "json.h"
#include "position.h"
#include "stream.h"
#include "timeparse.h"
#include "topicsource.h"
#include "utf8.h"

/* --- ranges ------------------------------------------------------------- */

int stream_range_position(struct replay_range *r, int is_from, const char *s, int64_t now,
			  struct error *err)
{
	static const enum from_kind from[] = { [POS_OFFSET] = FROM_OFFSET, [POS_TIME] = FROM_TIME,
		[POS_BEGINNING] = FROM_BEGINNING, [POS_END] = FROM_END, [POS_BACK] = FROM_LAST };
	struct position p;

	if (position_parse(s, is_from ? POSITION_FROM : POSITION_EXACT, now, &p, err) < 0)
		return -1;
	if (is_from) {
		r->from = from[p.kind];
		r->from_offset = r->last = p.n;
		r->from_time = p.ts;
	} else {
		r->to = p.kind == POS_TIME ? TO_TIME : TO_OFFSET;
		r->to_offset = p.n;
		r->to_time = p.ts;
	}
	return 0;
}

int stream_resolve(struct reader *r, const struct replay_range *range, int follow,
		   uint64_t *lo, uint64_t *hi, struct error *err)
{
	uint64_t first, next;

	if (reader_bounds(r, &first, &next, err) < 0)
		return -1;
	switch (range->from) {
	case FROM_BEGINNING: *lo = first; break;
	case FROM_OFFSET: *lo = range->from_offset; break;
	case FROM_END: *lo = next; break;
	case FROM_LAST:
		if (reader_last(r, range->last, first, next, lo, err) < 0)
			return -1;
		break;
	case FROM_TIME: {
		int64_t ts;
		if (seek_time(&r->log, range->from_time, lo, &ts, err) < 0)
			return -1;
		break;
	}
	}
	/* --to @TIME is checked record by record (the first at or after
	 * TIME, in offset order, ends the range), so a follower stops there
	 * too when that record arrives later */
	*hi = range->to == TO_OFFSET ? range->to_offset : UINT64_MAX;
	if (!follow && *hi > next)
		*hi = next;
	return 0;
}

/* Whether a record past the start of the range ends it (--to). */
static int past_end(const struct replay_range *range, const struct record *r)
{
	return (range->to == TO_OFFSET && r->offset >= range->to_offset) ||
	       (range->to == TO_TIME && r->ts >= range->to_time);
}

static void source_init(struct source *s, enum source_kind kind, const struct replay_range *range,
			const struct source_options *opt)
{
	static const struct replay_range all = REPLAY_RANGE_ALL;
	static const struct source_options defaults;
	struct buf empty = BUF_INIT;

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->opt = opt ? *opt : defaults;
	s->range = range ? *range : all;
	s->left = s->range.count;
	s->started = s->range.from == FROM_BEGINNING;
	s->value = empty;
	s->scratch = empty;
	s->w.fd = -1;
	s->in.fd = -1;
}

/* --- a log -------------------------------------------------------------- */

/* What path is to a reader: a log (the common case, told by its meta file
 * at the cost of one access(2)), a topic, or an error (an unfinished
 * topic); anything else is left to reader_open, which names what is wrong
 * as it always has.  Returns 0 for a log, 1 for a topic, -1 with err set. */
static int log_or_topic(const char *path, struct error *err)
{
	char meta[4200];
	int kind;

	snprintf(meta, sizeof meta, "%s/meta", path);
	if (access(meta, F_OK) == 0)
		return 0;
	kind = topic_probe(path, err);
	return kind == TOPIC_IS_TOPIC ? 1 : kind == TOPIC_UNFINISHED ? -1 : 0;
}

int source_log_open(struct source *s, const char *path, const struct replay_range *range,
		    const struct source_options *opt, struct error *err)
{
	int topic;

	source_init(s, SOURCE_LOG, range, opt);
	if ((topic = log_or_topic(path, err)) < 0)
		return -1;
	if (topic) {
		s->kind = SOURCE_TOPIC;
		return topicsource_open(s, path, err);
	}
	if (s->opt.partitions || s->opt.members)
		return error_set(err, "'%s' is a log, not a topic: --partition and --member need a "
				 "topic", path);
	if (reader_open(&s->r, path, err) < 0)
		return -1;
	s->r_open = 1;
	if (s->opt.follow)
		watch_init(&s->w, path);
	return 0;
}

int source_seek_log(struct source *s, uint64_t off, struct error *err)
{
	assert(s->kind == SOURCE_LOG && s->r_open && !s->in_batch);
	s->lo = s->at = off;
	return reader_seek(&s->r, off, err);
}

int source_start_log(struct source *s, struct error *err)
{
	if (s->kind == SOURCE_TOPIC)
		return topicsource_start(s, err);
	if (stream_resolve(&s->r, &s->range, s->opt.follow, &s->lo, &s->hi, err) < 0)
		return -1;
	return source_seek_log(s, s->lo, err);
}

/* Partition i's log source: a topic's, or the log itself. */
static struct source *part(struct source *s, size_t i)
{
	assert(i < source_parts(s));
	return s->kind == SOURCE_TOPIC ? &s->topic->parts[i].s : s;
}

size_t source_parts(const struct source *s)
{
	return s->kind == SOURCE_TOPIC ? s->topic->n : 1;
}

int source_seek_part(struct source *s, size_t i, uint64_t off, struct error *err)
{
	return source_seek_log(part(s, i), off, err);
}

struct log *source_part_log(struct source *s, size_t i)
{
	return &part(s, i)->r.log;
}

uint32_t source_part_number(const struct source *s, size_t i)
{
	return s->kind == SOURCE_TOPIC ? s->topic->parts[i].p : 0;
}

uint64_t source_part_start(const struct source *s, size_t i)
{
	return part((struct source *)s, i)->lo;
}

size_t source_last_part(const struct source *s)
{
	return s->kind == SOURCE_TOPIC ? s->topic->last : 0;
}

int source_open_log(struct source *s, const char *path, const struct replay_range *range,
		    const struct source_options *opt, struct error *err)
{
	if (source_log_open(s, path, range, opt, err) < 0)
		return -1;
	return source_start_log(s, err);
}

int source_error_at(const struct source *s, struct error *err)
{
	const struct input *in = &s->in;
	char why[sizeof err->msg];

	switch (s->kind) {
	case SOURCE_TOPIC:
		return source_error_at(&s->topic->parts[s->topic->last].s, err);
	case SOURCE_LOG:
		error_prefix(err, "'%s': batch at byte %llu", s->r.path,
			     (unsigned long long)s->r.batch_pos);
		break;
	case SOURCE_FRAMED:
		error_prefix(err, "%s: record %llu (byte %llu)", in->name,
			     (unsigned long long)s->fr.records, (unsigned long long)s->fr.at);
		break;
	case SOURCE_JSON:	/* the value is consumed: in is at its end */
		snprintf(why, sizeof why, "%s", err->msg);
		error_set(err, "%s:%llu: %s (byte %llu)", in->name, (unsigned long long)in->line, why,
			  (unsigned long long)in->offset);
		break;
	default:
		error_prefix(err, "%s:%llu", in->name, (unsigned long long)s->line);
		break;
	}
	return SOURCE_ERROR;
}

/*
 * At the end of what the log holds: for a follower, lists the segments
 * again once, then waits for the log to change.  Non-blocking, it says
 * SOURCE_AGAIN instead; at the next call, when the log changed meanwhile
 * (inotify's events, read away here; without inotify, the caller waited
 * WATCH_POLL_MS), it lists the segments again and reads on.  Returns 1 to
 * read on, SOURCE_END, SOURCE_AGAIN or SOURCE_ERROR.  A blocking wait does
 * not flush anything: a caller with output to let out first reads
 * non-blocking.
 */
static int log_wait(struct source *s, struct error *err)
{
	static volatile sig_atomic_t never;
	volatile sig_atomic_t *stop = s->opt.stop ? s->opt.stop : &never;
	int why;

	if (!s->opt.follow)
		return SOURCE_END;
	if (!s->listed) {
		s->listed = 1;
		return reader_refresh(&s->r, err) < 0 ? SOURCE_ERROR : 1;
	}
	if (!s->opt.nonblock)
		why = watch_wait(&s->w, -1, -1, stop);
	else if (!s->again)
		why = WATCH_TIMEOUT;
	else
		why = s->w.fd >= 0 ? watch_wait(&s->w, -1, 0, stop) : WATCH_CHANGED;
	if (why == WATCH_STOP)
		return SOURCE_END;
	if (why == WATCH_TIMEOUT) {
		s->again = 1;
		return SOURCE_AGAIN;
	}
	s->listed = 0;
	s->again = 0;
	return 1;
}

/* Makes the next batch with records in the range the current one. */
static int log_batch(struct source *s, struct error *err)
{
	int got;

	for (;;) {
		if (s->opt.stop && *s->opt.stop)
			return SOURCE_END;
		got = reader_next(&s->r, &s->h, err);
		if (got < 0)
			return SOURCE_ERROR;
		if (got == 0) {
			got = log_wait(s, err);
			if (got != 1)
				return got;
			continue;
		}
		s->listed = 0;
		s->again = 0;
		if (s->h.base >= s->hi)
			return SOURCE_END;
		if (batch_payload(s->r.batch.p, &s->h, &s->scratch, &s->p, &s->n, err) < 0) {
			return source_error_at(s, err);
		}
		/* a checkpoint record is not a record to its readers: the
		 * batch ends before it (checkpoint.h) */
		if (batch_has_checkpoint(&s->h) && checkpoint_split(s->p, s->n, &s->n, err) < 0)
			return source_error_at(s, err);
		batch_order_start(&s->ord, s->h.base);
		s->in_batch = 1;
		return SOURCE_RECORD;
	}
}

static int disorder(struct source *s, struct error *err)
{
	const struct batch_header *h = &s->h;

	error_set(err, "its records' offsets disagree with its header (offsets %llu to %llu, "
		  "%u records)", (unsigned long long)h->base,
		  (unsigned long long)(h->base + h->last_delta), h->count);
	return source_error_at(s, err);
}

/* The end of the current batch's records: its checkpoint's offset taken
 * in order (it is the batch's last), then the count checked. */
static int batch_done(struct source *s, struct error *err)
{
	s->in_batch = 0;
	if ((batch_has_checkpoint(&s->h) &&
	     batch_order_next(&s->ord, &s->h, s->h.base + s->h.last_delta) < 0) ||
	    batch_order_done(&s->ord, &s->h) < 0)
		return disorder(s, err);
	return 0;
}

/* Whether the record r of the current batch is in the range (with lo
 * for its start); past_end for a record after it. */
static int in_range(const struct source *s, const struct record *r, uint64_t lo)
{
	return r->offset >= lo && r->offset < s->hi &&
	       !(s->range.to == TO_TIME && r->ts >= s->range.to_time);
}

/* An unsigned integer item at p[0..n): its value into *v and its size,
 * or 0 when it is something else (or cut short). */
static inline size_t head_uint(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t k;

	if (n == 0 || p[0] > 0x1b)
		return 0;
	if (p[0] < 24) {
		*v = p[0];
		return 1;
	}
	k = (size_t)1 << (p[0] - 24);
	if (n < 1 + k)
		return 0;
	switch (k) {
	case 1: *v = p[1]; break;
	case 2: *v = (uint64_t)p[1] << 8 | p[2]; break;
	case 4: { uint32_t x; memcpy(&x, p + 1, 4); *v = __builtin_bswap32(x); break; }
	default: { uint64_t x; memcpy(&x, p + 1, 8); *v = __builtin_bswap64(x); break; }
	}
	return 1 + k;
}

/* record_decode_head for what segments hold, 4 or 5 elements with an
 * offset and a timestamp at or after 1970, without its general decoding
 * (the topic's merge and JSON output read it for every record); anything
 * else is left to record_decode_head: returns 0. */
static inline int quick_head(const uint8_t *p, size_t n, struct record *r, size_t *len)
{
	size_t a, b;
	uint64_t ts;

	if (n < 3 || (p[0] != 0x84 && p[0] != 0x85) ||
	    !(a = head_uint(p + 1, n - 1, &r->offset)) ||
	    !(b = head_uint(p + 1 + a, n - 1 - a, &ts)) || ts > INT64_MAX)
		return 0;
	r->ts = (int64_t)ts;
	*len = 1 + a + b;
	return p[0] & 0x1f;
}

/* The next record of a log: decoded whole, or with item set only its
 * offset and timestamp (see source_next_item). */
static __attribute__((noinline)) int log_next(struct source *s, struct record *r,
					      const uint8_t **item, size_t *avail,
					      struct error *err)
{
	int rc;

	assert(!s->pending);
	while (s->left > 0 && s->at < s->hi) {
		uint64_t lo;
		size_t len;
		int ordered = 0;	/* r->offset went through ord */

		if (!s->in_batch && (rc = log_batch(s, err)) != SOURCE_RECORD)
			return rc;
		/* taken after log_batch: a batch that straddles where the last
		 * one ended (a compacted copy) sets r.low anew */
		lo = s->lo > s->r.low ? s->lo : s->r.low;
		if (s->n == 0) {
			if (batch_done(s, err) < 0)
				return SOURCE_ERROR;
			continue;
		}
		if (item && ((rc = quick_head(s->p, s->n, r, &len)) ||
			     (rc = record_decode_head(s->p, s->n, r, &len, err)) > 0) && rc < 6) {
			if (batch_order_next(&s->ord, &s->h, r->offset) < 0)
				return disorder(s, err);
			ordered = 1;
			if (in_range(s, r, lo)) {
				*item = s->p;
				*avail = s->n;
				s->pending = 1;
				s->at = r->offset + 1;
				s->left--;
				return SOURCE_RECORD;
			}
		}
		if (record_decode(s->p, s->n, r, &len, err) != ITEM_OK ||
		    (r->has_partition && error_set(err, "a record carries a partition (only "
						   "the framed stream may)")))
			return source_error_at(s, err);
		if (!ordered && batch_order_next(&s->ord, &s->h, r->offset) < 0)
			return disorder(s, err);
		if (r->offset < lo || !in_range(s, r, lo)) {
			if (r->offset >= lo)
				break;	/* the end of the range */
			s->p += len;
			s->n -= len;
			continue;
		}
		s->at = r->offset + 1;
		s->left--;
		if (item) {	/* decoded whole after all: the item is still due */
			*item = s->p;
			*avail = s->n;
			s->pending = 1;
			return SOURCE_RECORD;
		}
		s->p += len;
		s->n -= len;
		return SOURCE_RECORD;
	}
	s->left = 0;
	return SOURCE_END;
}

int source_next_batch(struct source *s, const struct batch_header **h, const uint8_t **payload,
		      size_t *len, struct error *err)
{
	uint64_t lo, records;
	int rc;

	assert(s->kind == SOURCE_LOG && !s->pending);
	if (s->left == 0 || s->at >= s->hi) {
		s->left = 0;
		return SOURCE_END;
	}
	if (s->in_batch && s->n == 0) {
		/* its records were all read: the next batch may be whole */
		if (batch_done(s, err) < 0)
			return SOURCE_ERROR;
	}
	if (s->in_batch)
		return SOURCE_RECORD;
	if ((rc = log_batch(s, err)) != SOURCE_RECORD)
		return rc;
	lo = s->lo > s->r.low ? s->lo : s->r.low;
	records = s->h.count - (batch_has_checkpoint(&s->h) ? 1 : 0);
	if ((s->h.flags & BATCH_CODEC_MASK) != BATCH_CODEC_NONE || s->h.base < lo ||
	    batch_next(&s->h) > s->hi || records > s->left ||
	    (s->range.to == TO_TIME && s->h.max_ts >= s->range.to_time))
		return SOURCE_RECORD;
	*h = &s->h;
	/* uncompressed: s->p is the payload, s->n its records' bytes (a
	 * flagged batch's without its checkpoint record) */
	*payload = s->p;
	*len = s->n;
	s->in_batch = 0;
	s->left -= records;
	s->at = batch_next(&s->h);
	return SOURCE_BATCH;
}

int source_next_item(struct source *s, struct record *r, const uint8_t **item, size_t *avail,
		     struct error *err)
{
	if (s->kind == SOURCE_TOPIC)
		return topicsource_next_item(s, r, item, avail, err);
	assert(s->kind == SOURCE_LOG);
	return log_next(s, r, item, avail, err);
}

/* --- a descriptor ------------------------------------------------------- */

void source_open_fd(struct source *s, int fd, const char *name, enum source_kind kind,
		    const struct replay_range *range, const struct source_options *opt)
{
	assert(kind != SOURCE_LOG);
	source_init(s, kind, range, opt);
	input_init(&s->in, fd, name,
		   (s->opt.max_record ? s->opt.max_record : RECORD_MAX_SIZE_LIMIT) + (64 << 10));
	s->in.nonblock = s->opt.nonblock;
	s->new_line = 1;
	framed_reader_init(&s->fr, &s->in);
}

/* input_fill's answer as the source's: 0 on bytes or the end. */
static int fill(struct input *in, struct error *err)
{
	long rc = input_fill(in, err);

	return rc == INPUT_AGAIN ? SOURCE_AGAIN : rc < 0 ? SOURCE_ERROR : 0;
}

/* Detects a descriptor's format from its first bytes that are not
 * whitespace (consuming nothing): the framed stream's tag, else JSON.
 * Returns 0 with *kind SOURCE_FRAMED or SOURCE_JSON, SOURCE_ERROR with err
 * set on a read error, or SOURCE_AGAIN (a non-blocking input with nothing
 * to read yet: call again, nothing was consumed). */
static int stream_detect(struct input *in, enum source_kind *kind, struct error *err)
{
	int rc;

	/* from the first bytes that are not whitespace */
	for (;;) {
		const uint8_t *p = input_data(in);
		size_t n = input_avail(in), i = 0;
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
			i++;
		if ((i < n && !(p[i] == 0xd9 && n - i < 3)) || in->eof) {
			*kind = i < n && framed_detect(p + i, n - i) ? SOURCE_FRAMED : SOURCE_JSON;
			break;
		}
		if ((rc = fill(in, err)) < 0)
			return rc;
	}
	return 0;
}

/* Skips a UTF-8 byte order mark at the start of JSON input, as jq does.
 * Returns 0, SOURCE_ERROR (err set) or SOURCE_AGAIN. */
static int stream_skip_bom(struct input *in, struct error *err)
{
	int rc;

	while (input_avail(in) < 3 && !in->eof)
		if ((rc = fill(in, err)) < 0)
			return rc;
	if (input_avail(in) >= 3 && !memcmp(input_data(in), "\xef\xbb\xbf", 3))
		input_consume(in, 3, 0);
	return 0;
}

/* Sets r to what a record is before anything is known of it: offset 0,
 * the time now, a null key and value, no headers. */
static void stream_blank(struct record *r)
{
	r->offset = 0;
	r->ts = time_now_ms();
	r->key = record_null;
	r->keylen = 1;
	r->value = record_null;
	r->valuelen = 1;
	r->headers = NULL;
	r->headerslen = 0;
	r->has_partition = 0;
	r->partition = 0;
}

/* The whitespace at the start of p[0..n). */
static size_t leading_ws(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* A bad line (err set), whose rest, from byte at of the input, the next
 * call skips; starting on a line of its own when its first at_ws bytes
 * (whitespace before it) hold a newline.  SOURCE_BAD, or for JSON without
 * resync SOURCE_ERROR. */
static int bad_line(struct source *s, size_t at, size_t at_ws)
{
	s->skip = 1;
	s->skip_at = at;
	s->line_start = s->new_line || memchr(input_data(&s->in), '\n', at_ws) != NULL;
	return s->kind == SOURCE_JSON && !s->opt.resync ? SOURCE_ERROR : SOURCE_BAD;
}

/* Skips the input up to and including the first newline at or after byte
 * skip_at, reading (and dropping) as much as it takes, or to the end. */
static __attribute__((noinline)) int skip_line(struct source *s, struct error *err)
{
	struct input *in = &s->in;
	int rc;

	for (;;) {
		const uint8_t *p = input_data(in), *nl;
		size_t n = input_avail(in);

		nl = s->skip_at < n ? memchr(p + s->skip_at, '\n', n - s->skip_at) : NULL;
		if (nl) {
			input_consume(in, (size_t)(nl - p) + 1, 1);
			break;
		}
		input_consume(in, n, 1);
		s->skip_at = 0;
		if (in->eof)
			break;
		if ((rc = fill(in, err)) < 0)
			return rc;
	}
	s->skip = 0;
	s->new_line = 1;
	return 0;
}

/* Warns once of the first member of the envelope v[0..n) that is none of
 * those logcat --json writes. */
static void unknown_members(struct source *s, const uint8_t *v, size_t n)
{
	const uint8_t *name;
	size_t len;

	if (!envelope_unknown(v, n, &name, &len))
		return;
	snprintf(s->warn, sizeof s->warn, "%s:%llu: envelope member \"%.*s\" is not known: ignored "
		 "(this and any other unknown member, reported once)", s->in.name,
		 (unsigned long long)s->in.line, len > 64 ? 64 : (int)len, (const char *)name);
	s->warned = 1;
	s->warning = s->warn;
}

/* The next value of a JSON source: an envelope, or with values a record's
 * value.  (Not inlined, here and below, so that source_next stays a short
 * dispatch on the hot path.) */
static __attribute__((noinline)) int json_next(struct source *s, struct record *r,
					       struct error *err)
{
	struct input *in = &s->in;
	struct error why;
	size_t used;
	uint64_t line;
	int rc;

	s->warning = NULL;
	if (s->skip && (rc = skip_line(s, err)) < 0)
		return rc;
	for (;;) {
		const char *p = (const char *)input_data(in);
		size_t n = input_avail(in);

		buf_reset(&s->value);
		rc = json_to_cbor(p, n, (in->eof ? JSON_EOF : 0) | (s->opt.plain_json ? JSON_PLAIN : 0),
				  &s->value, &used, &why);
		if (rc == JSON_MORE && n >= in->max_window) {
			/* a value longer than the window: bad, and skipped
			 * with the rest of its line */
			size_t ws = leading_ws(p, n);
			error_set(err, "%s:%llu: value larger than %zu bytes (--max-record-size) (byte %llu)",
				  in->name, (unsigned long long)input_line_at(in, ws), in->max_window,
				  (unsigned long long)(in->offset + ws));
			return bad_line(s, ws, ws);
		}
		if (rc == JSON_MORE || (rc == JSON_END && !in->eof)) {
			if (rc == JSON_END)
				input_consume(in, used, 1);
			if ((rc = fill(in, err)) < 0)
				return rc;
			continue;
		}
		if (rc == JSON_END) {
			input_consume(in, used, 1);
			return SOURCE_END;
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
					  in->name, (unsigned long long)input_line_at(in, ws),
					  (unsigned long long)(in->offset + from));
			} else {
				error_set(err, "%s:%llu: %s%s (byte %llu)", in->name,
					  (unsigned long long)input_line_at(in, used),
					  rc == JSON_ERROR ? "invalid JSON: " : "", why.msg,
					  (unsigned long long)(in->offset + used));
			}
			return bad_line(s, from, ws);
		}
		/* a value whose text has a newline starts a line's group */
		line = in->line;
		input_consume(in, used, 1);
		s->line_start = s->new_line || in->line != line;
		s->new_line = 0;
		stream_blank(r);
		r->offset = s->records++;
		if (s->opt.values) {
			r->value = s->value.p;
			r->valuelen = s->value.len;
			return SOURCE_RECORD;
		}
		rc = envelope_decode(s->value.p, s->value.len, r, &why);
		if (!s->warned && (rc == 0 || !strncmp(why.msg, "envelope \"headers\"", 18)))
			unknown_members(s, s->value.p, s->value.len);
		if (rc < 0) {
			error_set(err, "%s:%llu: %s (byte %llu)", in->name, (unsigned long long)in->line,
				  why.msg, (unsigned long long)in->offset);
			return SOURCE_BAD;
		}
		return SOURCE_RECORD;
	}
}

/* The next line of a lines or kcat source: 1 with p[0..*len) its bytes
 * (without the newline) and *used the bytes to consume for it; SOURCE_END,
 * SOURCE_AGAIN, SOURCE_ERROR, or SOURCE_BAD for a line longer than the
 * window (err set; its rest skipped by the next call). */
static int next_line(struct source *s, const uint8_t **line, size_t *len, size_t *used,
		     struct error *err)
{
	struct input *in = &s->in;
	int rc;

	if (s->skip && (rc = skip_line(s, err)) < 0)
		return rc;
	for (;;) {
		const uint8_t *p = input_data(in), *nl;
		size_t n = input_avail(in);

		nl = memchr(p, '\n', n);
		if (!nl && !in->eof && n >= in->max_window) {
			error_set(err, "%s:%llu: line longer than %zu bytes (--max-record-size) (byte %llu)",
				  in->name, (unsigned long long)in->line, in->max_window,
				  (unsigned long long)in->offset);
			return bad_line(s, n, 0);
		}
		if (!nl && !in->eof) {
			if ((rc = fill(in, err)) < 0)
				return rc;
			continue;
		}
		if (!nl && n == 0)
			return SOURCE_END;
		*line = p;
		*len = nl ? (size_t)(nl - p) : n;
		*used = nl ? *len + 1 : *len;
		s->line = in->line;
		return 1;
	}
}

/* The next line of a lines source. */
static __attribute__((noinline)) int lines_next(struct source *s, struct record *r,
						struct error *err)
{
	const uint8_t *p;
	uint8_t head[9];
	size_t len, used, tl, hl;
	int rc;

	if ((rc = next_line(s, &p, &len, &used, err)) != 1)
		return rc;
	tl = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
	hl = item_put_head(head, utf8_valid_prefix(p, tl) == tl ? 3 : 2, tl);
	buf_reset(&s->value);
	if (buf_grow(&s->value, hl + tl) < 0)
		return error_set(err, "out of memory");
	buf_add_unchecked(&s->value, head, hl);
	buf_add_unchecked(&s->value, p, tl);
	stream_blank(r);
	r->value = s->value.p;
	r->valuelen = s->value.len;
	input_consume(&s->in, used, 1);
	return SOURCE_RECORD;
}

/* The next line of a kcat source: a Kafka message as kcat -C -J writes it
 * (kcatjson.h); a line of whitespace only is skipped, a bad line is
 * SOURCE_BAD naming the line and the byte where it went wrong. */
static __attribute__((noinline)) int kcat_next(struct source *s, struct record *r,
					       struct error *err)
{
	struct input *in = &s->in;
	struct error why;
	const uint8_t *p;
	size_t len, used, at;
	int rc;

	for (;;) {
		if ((rc = next_line(s, &p, &len, &used, err)) != 1)
			return rc;
		if (leading_ws((const char *)p, len) < len)
			break;
		input_consume(in, used, 1);
	}
	stream_blank(r);
	rc = kcat_decode(&s->kcat, p, len, r, &at, &why);
	if (rc < 0)
		error_set(err, "%s:%llu: %s (byte %llu)", in->name, (unsigned long long)s->line,
			  why.msg, (unsigned long long)(in->offset + at));
	input_consume(in, used, 1);
	return rc < 0 ? SOURCE_BAD : SOURCE_RECORD;
}

/* The next answer of a descriptor source whose kind is known, its range
 * aside. */
static int fd_read(struct source *s, struct record *r, struct error *err)
{
	int rc;

	if (s->kind == SOURCE_FRAMED) {
		while ((rc = framed_next(&s->fr, r, err)) == FRAMED_CONTROL) {
			if (s->opt.controls) {
				s->control = s->fr.control;
				s->control_len = s->fr.control_len;
				return SOURCE_CONTROL;
			}
			s->controls_skipped++;
		}
		return rc > 0 ? SOURCE_RECORD : rc == 0 ? SOURCE_END : rc == FRAMED_BAD_RECORD ?
		       SOURCE_BAD : rc == FRAMED_AGAIN ? SOURCE_AGAIN : SOURCE_ERROR;
	}
	return s->kind == SOURCE_JSON ? json_next(s, r, err) :
	       s->kind == SOURCE_KCAT ? kcat_next(s, r, err) : lines_next(s, r, err);
}

static __attribute__((noinline)) int fd_next(struct source *s, struct record *r, struct error *err)
{
	int rc;

	if (s->kind == SOURCE_TOPIC)
		return topicsource_next(s, r, err);
	if (s->kind == SOURCE_DETECT) {
		enum source_kind kind;
		if ((rc = stream_detect(&s->in, &kind, err)) < 0)
			return rc;
		s->kind = kind;
	}
	if (s->kind == SOURCE_JSON && !s->bom_skipped) {
		if ((rc = stream_skip_bom(&s->in, err)) < 0)
			return rc;
		s->bom_skipped = 1;
	}
	if (s->range.from == FROM_BEGINNING && s->range.to == TO_NONE && s->left == UINT64_MAX) {
		s->direct = 1;	/* the whole stream: no range to check */
		return fd_read(s, r, err);
	}
	while (s->left > 0) {
		if ((rc = fd_read(s, r, err)) != SOURCE_RECORD)
			return rc;
		if (past_end(&s->range, r))
			break;
		if (!s->started) {
			if (s->range.from == FROM_OFFSET)
				s->started = r->offset >= s->range.from_offset;
			else if (s->range.from == FROM_TIME)
				s->started = r->ts >= s->range.from_time;
			if (!s->started)
				continue;
		}
		s->left--;
		return SOURCE_RECORD;
	}
	s->left = 0;
	return SOURCE_END;
}

/* --- any source --------------------------------------------------------- */

int source_next(struct source *s, struct record *r, struct error *err)
{
	if (s->direct)
		return fd_read(s, r, err);
	return s->kind == SOURCE_LOG ? log_next(s, r, NULL, NULL, err) : fd_next(s, r, err);
}

int source_wait(struct source *s, int timeout_ms)
{
	assert(s->kind != SOURCE_LOG && s->kind != SOURCE_TOPIC);
	return input_ready(&s->in, timeout_ms);
}

int source_pollfd(const struct source *s, int *timeout_ms)
{
	*timeout_ms = -1;
	if (s->kind == SOURCE_TOPIC)
		return topicsource_pollfd(s, timeout_ms);
	if (s->kind != SOURCE_LOG)
		return s->in.fd;
	if (s->w.fd < 0 && s->opt.follow)
		*timeout_ms = WATCH_POLL_MS;
	return s->w.fd;
}

void source_close(struct source *s)
{
	if (s->kind == SOURCE_TOPIC) {
		topicsource_close(s);
	} else if (s->kind == SOURCE_LOG) {
		watch_release(&s->w);
		if (s->r_open)
			reader_close(&s->r);
		s->r_open = 0;
	} else {
		input_release(&s->in);
	}
	kcat_decoder_release(&s->kcat);
	buf_release(&s->value);
	buf_release(&s->scratch);
}

/* --- sinks -------------------------------------------------------------- */

int sink_open_output(struct sink *s, int fd, enum output_format f, const char *tpl,
		     struct error *err)
{
	memset(s, 0, sizeof *s);
	s->kind = SINK_OUTPUT;
	return output_init(&s->out, fd, f, tpl, err);
}

void sink_open_log(struct sink *s, struct writer *w, const struct sink_log_options *opt)
{
	memset(s, 0, sizeof *s);
	s->kind = SINK_LOG;
	s->w = w;
	s->lopt = *opt;
	s->next = w->next;
	batch_builder_init(&s->bb);
}

/* Waits for the batch being written in the background, and reports its
 * records durable. */
static int settle(struct sink *s, struct error *err)
{
	uint64_t first, count;

	if (writer_wait(s->w, &first, &count, err) < 0) {
		s->failed = 1;
		return -1;
	}
	if (count && s->lopt.on_durable && s->lopt.on_durable(s->lopt.ctx, first, count, err)) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

/* Writes the batch being built: in the background while the next one is
 * built, or (--sync always) at once. */
static int write_batch(struct sink *s, struct error *err)
{
	uint64_t first = s->bb.h.base, count = s->bb.h.count;

	s->mark_valid = 0;
	if (count == 0)
		return 0;
	batch_builder_finish(&s->bb);
	if (settle(s, err) < 0)
		return -1;
	s->batches++;
	s->records += count;
	if (s->w->opt.sync != SYNC_ALWAYS) {
		if (writer_submit(s->w, &s->bb, err) < 0) {
			s->failed = 1;
			return -1;
		}
		return 0;
	}
	if (writer_append(s->w, &s->bb, err) < 0) {
		s->failed = 1;
		return -1;
	}
	batch_builder_reset(&s->bb);
	if (s->lopt.on_durable && s->lopt.on_durable(s->lopt.ctx, first, count, err)) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

/* Room kept in a checkpoint batch for its checkpoint record's head. */
#define CHECKPOINT_HEAD_MAX 32

/* A checkpoint batch would pass the bounds of one batch (logformat(5)):
 * the sink fails, naming them. */
static int too_large(struct sink *s, struct error *err)
{
	s->failed = 1;
	return error_set(err, "more output between two checkpoint barriers than one batch holds "
			 "(%u records, %u MiB): give logcat --resume a smaller "
			 "--checkpoint-interval", BATCH_MAX_RECORDS - 1, BATCH_MAX_PAYLOAD >> 20);
}

/* Adds a record with the next offset, writing the batch when full (with
 * lopt.checkpoint: holding it until the next barrier). */
static int add(struct sink *s, const struct record *r, struct error *err)
{
	/* the encoded size, give or take the heads of offset and timestamp */
	size_t len = r->keylen + r->valuelen + r->headerslen + 3;

	assert(!s->failed);
	if (len > s->lopt.max_record)
		return error_set(err, "record of %zu bytes is larger than the limit of %zu bytes (--max-record-size)",
				 len, s->lopt.max_record);
	if (s->lopt.checkpoint &&
	    (s->bb.h.count + 1 >= BATCH_MAX_RECORDS ||
	     s->bb.b.len + len + 20 + CHECKPOINT_HEAD_MAX > BATCH_HEADER_LEN + (size_t)BATCH_MAX_PAYLOAD))
		return too_large(s, err);
	if (batch_builder_add(&s->bb, r, s->next) < 0)
		return error_set(err, "out of memory");
	s->next++;
	if (s->lopt.checkpoint)
		return 0;
	if (s->w->opt.sync == SYNC_ALWAYS || s->bb.b.len >= s->lopt.batch_bytes ||
	    s->bb.h.count >= s->lopt.batch_records)
		return write_batch(s, err);
	return 0;
}

int sink_write(struct sink *s, const struct record *r, struct error *err)
{
	if (s->kind == SINK_LOG)
		return add(s, r, err);
	return output_record(&s->out, r, err);
}

int sink_flush(struct sink *s, struct error *err)
{
	if (s->kind == SINK_LOG && s->lopt.checkpoint)
		return OUTPUT_OK;	/* records wait for their barrier */
	if (s->kind == SINK_LOG)
		return write_batch(s, err) < 0 || settle(s, err) < 0 ? OUTPUT_ERROR : OUTPUT_OK;
	return output_flush(&s->out, err);
}

int sink_finish(struct sink *s, struct error *err)
{
	if (s->kind == SINK_LOG)
		return sink_flush(s, err);
	return output_finish(&s->out, err);
}

/* The BODY of the barrier item p[0..n) (barrier_decode accepted it): its
 * third element, the item's last bytes. */
static void barrier_body(const uint8_t *p, size_t n, const uint8_t **body, size_t *len)
{
	size_t pos = 1, k;

	item_check(p + pos, n - pos, &k, NULL);
	pos += k;
	item_check(p + pos, n - pos, &k, NULL);
	pos += k;
	*body = p + pos;
	*len = n - pos;
}

/* A barrier reaching a log sink in checkpoint mode: the records held and
 * the checkpoint record, one batch, one write, synced. */
static int checkpoint(struct sink *s, const struct barrier *b, const uint8_t *body, size_t len,
		      struct error *err)
{
	uint64_t first, count;

	if (s->bb.h.count + 1 > BATCH_MAX_RECORDS ||
	    s->bb.b.len + len + CHECKPOINT_HEAD_MAX > BATCH_HEADER_LEN + (size_t)BATCH_MAX_PAYLOAD)
		return too_large(s, err);
	if (settle(s, err) < 0)
		return -1;
	if (batch_builder_add_checkpoint(&s->bb, b->time, body, len, s->next) < 0)
		return error_set(err, "out of memory");
	s->next++;
	first = s->bb.h.base;
	count = s->bb.h.count - 1;	/* the records, not the checkpoint */
	batch_builder_finish(&s->bb);
	if (writer_append(s->w, &s->bb, err) < 0 ||
	    (s->w->opt.sync == SYNC_NEVER && writer_sync(s->w, err) < 0)) {
		s->failed = 1;
		return -1;
	}
	batch_builder_reset(&s->bb);
	s->batches++;
	s->records += count;
	if (count && s->lopt.on_durable && s->lopt.on_durable(s->lopt.ctx, first, count, err)) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

int sink_control(struct sink *s, const uint8_t *p, size_t n, struct error *err)
{
	struct barrier b;
	const uint8_t *body;
	size_t len;
	int rc = 0;

	if (s->kind == SINK_OUTPUT)
		return s->out.format == OUT_FRAMED ? output_raw(&s->out, p, n, err) : OUTPUT_OK;
	if (!s->lopt.checkpoint)
		return OUTPUT_OK;
	assert(!s->failed);
	if (barrier_decode(&b, p, n, err) < 0)
		return OUTPUT_ERROR;
	if (b.kind == BARRIER_RESTORE && b.nstates > 0)
		rc = error_set(err, "the checkpoint holds the state of %s, which nothing in the pipe "
			       "took: the pipe changed", b.states[0].name);
	else if (b.kind == BARRIER_BARRIER) {
		barrier_body(p, n, &body, &len);
		rc = checkpoint(s, &b, body, len, err);
	}
	barrier_free(&b);
	return rc < 0 ? OUTPUT_ERROR : OUTPUT_OK;
}

uint64_t sink_pending(const struct sink *s)
{
	return s->kind == SINK_LOG && s->lopt.checkpoint ? s->bb.h.count : 0;
}

void sink_mark(struct sink *s)
{
	assert(s->kind == SINK_LOG);
	s->mark_len = s->bb.b.len;
	s->mark_h = s->bb.h;
	s->mark_valid = 1;
}

void sink_rollback(struct sink *s)
{
	if (!s->mark_valid)
		return;
	assert(s->bb.h.count >= s->mark_h.count && s->bb.b.len >= s->mark_len);
	s->next -= s->bb.h.count - s->mark_h.count;
	s->bb.b.len = s->mark_len;
	s->bb.h = s->mark_h;
}

void sink_close(struct sink *s)
{
	if (s->kind == SINK_LOG)
		batch_builder_release(&s->bb);
	else
		output_release(&s->out);
}
