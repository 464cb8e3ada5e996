/* append.c - logappend's engine: input to batches (see append.h). */
#include <string.h>

#include "append.h"
#include "record.h"
#include "stream.h"
#include "timeparse.h"

/* --- keys and timestamps from fields ------------------------------------ */

/* Sets key and timestamp of r from its value by --key and --time. */
static int fields(const struct append_options *opt, struct append_stats *st, struct record *r,
		  struct error *err)
{
	const uint8_t *p;
	size_t n;
	int rc;

	st->seen++;
	if (opt->key) {
		rc = fieldpath_find(opt->key, r->value, r->valuelen, &p, &n);
		if (rc < 0)
			return error_set(err, "value is not well-formed");
		if (rc > 0) {
			st->key_found++;
			r->key = p;
			r->keylen = n;
		} else {
			r->key = record_null;
			r->keylen = 1;
		}
	}
	if (opt->time) {
		rc = fieldpath_find(opt->time, r->value, r->valuelen, &p, &n);
		if (rc <= 0)
			return error_set(err, "no time field '%s'", opt->time_spec);
		st->time_found++;
		if (time_from_cbor(p, n, opt->time_in_seconds, opt->time_spec, &r->ts, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * When the source has nothing to read: waits the linger time for input
 * while a batch is being built, else (or when none comes) writes the batch
 * and waits until it is durable, then waits for input; so records never wait
 * for the pipe longer than the linger time.
 */
static int idle(struct source *s, struct sink *k, int linger_ms, struct error *err)
{
	if (k->bb.h.count && source_wait(s, linger_ms))
		return 0;
	if (sink_flush(k, err) != OUTPUT_OK)
		return -1;
	source_wait(s, -1);
	return 0;
}

/* The records of s into k, with their fields; stops at the first bad one
 * unless skip_bad. */
static int run(struct source *s, struct sink *k, const struct append_options *opt,
	       struct append_stats *st, struct error *err)
{
	struct record r;
	int rc;

	for (;;) {
		rc = source_next(s, &r, err);
		if (source_warning(s) && opt->on_warn)
			opt->on_warn(opt->ctx, source_warning(s));
		if (rc == SOURCE_AGAIN) {
			if (idle(s, k, opt->linger_ms, err) < 0)
				return -1;
			continue;
		}
		if (rc != SOURCE_RECORD && rc != SOURCE_BAD)
			return rc == SOURCE_END ? 0 : -1;
		/* JSON values on one line go together: a bad one takes
		 * those before it on its line with it */
		if (source_grouped(s) && (source_line_start(s) || !sink_marked(k)))
			sink_mark(k);
		if (rc == SOURCE_RECORD) {
			if (fields(opt, st, &r, err) == 0 && sink_write(k, &r, err) == OUTPUT_OK)
				continue;
			if (sink_failed(k))
				return -1;
			source_error_at(s, err);
		}
		sink_rollback(k);
		if (!opt->skip_bad)
			return -1;
		st->bad++;
		if (opt->on_bad)
			opt->on_bad(opt->ctx, err->msg);
	}
}

int append_run(struct writer *w, int fd, const char *name, const struct append_options *opt,
	       struct append_stats *st, struct error *err)
{
	static const enum source_kind kinds[] = {
		[INPUT_AUTO] = SOURCE_DETECT, [INPUT_FRAMED] = SOURCE_FRAMED,
		[INPUT_JSON] = SOURCE_JSON, [INPUT_LINES] = SOURCE_LINES,
	};
	struct source_options sopt = {
		.nonblock = 1, .plain_json = opt->plain_json, .values = !opt->envelope,
		.resync = 1, .max_record = opt->max_record,
	};
	struct sink_log_options lopt = {
		.max_record = opt->max_record, .batch_bytes = opt->batch_bytes,
		.batch_records = opt->batch_records, .on_durable = opt->on_durable, .ctx = opt->ctx,
	};
	struct source s;
	struct sink k;
	int rc;

	memset(st, 0, sizeof *st);
	source_open_fd(&s, fd, name, kinds[opt->format], NULL, &sopt);
	sink_open_log(&k, w, &lopt);
	rc = run(&s, &k, opt, st, err);
	if (rc < 0) {
		/* what came before the bad record is appended and durable */
		struct error ferr;
		if (!sink_failed(&k) && sink_flush(&k, &ferr) != OUTPUT_OK)
			error_set(err, "%s", ferr.msg);
	} else {
		rc = sink_flush(&k, err) == OUTPUT_OK ? 0 : -1;
	}
	st->records = k.records;
	st->batches = k.batches;
	sink_close(&k);
	source_close(&s);
	return rc;
}
