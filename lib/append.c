/* append.c - logappend's engine: input to batches (see append.h). */
#include <stdlib.h>
#include <string.h>

#include "append.h"
#include "item.h"
#include "keymap.h"
#include "barrier.h"
#include "partitioner.h"
#include "record.h"
#include "stream.h"
#include "timeparse.h"
#include "wal2json.h"

/* The batch memory a topic's partitions share: each partition's batch is
 * at most batch_bytes, and at most this divided among the partitions (but
 * never below TOPIC_BATCH_MIN), so that memory stays bounded whatever N. */
#define TOPIC_BATCH_BUDGET (16u << 20)
#define TOPIC_BATCH_MIN (4u << 10)

/* One partition's sink (or the single log's). */
struct part {
	struct sink k;
	struct appender *a;
	uint32_t p;
	uint64_t group;		/* the JSON line group its mark was taken in */
	int dirty;		/* in a->dirty */
};

/* A run of append_run. */
struct appender {
	const struct append_options *opt;
	struct topic_writer *tw;
	struct part *parts;	/* parts[0..n) */
	uint32_t n;
	uint32_t *dirty;	/* partitions given records since the last flush */
	uint32_t ndirty;
	uint32_t rr, rr_mark;	/* keyless round robin: the next partition, and
				 * what it was at the current group's start */
	uint64_t group;		/* JSON values on one line: the current group */
	struct buf scratch;	/* a key's bytes */
};

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

/* --- placement ---------------------------------------------------------- */

/*
 * The partition of r in a topic (PARTITION-SPEC.md, "Placement"): --partition
 * P; else the partition r carries (unless --repartition); else Kafka's
 * default partitioner of its key's bytes; else (a null key) the next in
 * round robin, *keyless set.
 */
static int place(struct appender *a, const struct record *r, uint32_t *p, int *keyless,
		 struct error *err)
{
	const uint8_t *bytes;
	size_t len;
	int rc;

	*keyless = 0;
	if (a->opt->fixed_partition) {
		*p = a->opt->partition;
		return 0;
	}
	if (r->has_partition && !a->opt->repartition) {
		if (r->partition >= a->n)
			return error_set(err, "carries partition %u; '%s' has %u: give --repartition",
					 r->partition, a->tw->t.path, a->n);
		*p = r->partition;
		return 0;
	}
	rc = partitioner_key_bytes(r->key, r->keylen, &a->scratch, &bytes, &len, err);
	if (rc < 0)
		return error_prefix(err, "record key");
	if (rc == 0) {
		*p = a->rr;
		*keyless = 1;
		return 0;
	}
	*p = partitioner_pick(partitioner_murmur2(bytes, len), a->n);
	return 0;
}

/* --- the partitions' sinks ---------------------------------------------- */

static int part_durable(void *ctx, uint64_t first, uint64_t count, struct error *err)
{
	struct part *q = ctx;
	const struct append_options *opt = q->a->opt;

	return opt->on_durable(opt->ctx, q->a->tw->is_topic ? (int64_t)q->p : -1, first, count,
			       err);
}

/* Writes r to partition p's sink, marking it first at a group's first
 * record there (see sink_mark). */
static int part_write(struct appender *a, struct source *s, uint32_t p, const struct record *r,
		      struct error *err)
{
	struct part *q = &a->parts[p];

	if (source_grouped(s) && (q->group != a->group || !sink_marked(&q->k))) {
		sink_mark(&q->k);
		q->group = a->group;
	}
	if (!q->dirty) {
		q->dirty = 1;
		a->dirty[a->ndirty++] = p;
	}
	return sink_write(&q->k, r, err);
}

/* Drops the records of the current group of JSON values that are not
 * written yet, and gives their round robin turns back.  (A record of
 * another source stands alone: a bad one was never placed.) */
static void rollback(struct appender *a, const struct source *s)
{
	uint32_t i;

	if (!source_grouped(s))
		return;
	for (i = 0; i < a->ndirty; i++)
		if (a->parts[a->dirty[i]].group == a->group)
			sink_rollback(&a->parts[a->dirty[i]].k);
	a->rr = a->rr_mark;
}

/* Whether some partition has records in a batch being built. */
static int building(const struct appender *a)
{
	uint32_t i;

	for (i = 0; i < a->ndirty; i++)
		if (a->parts[a->dirty[i]].k.bb.h.count)
			return 1;
	return 0;
}

/* Writes every batch being built and waits until all are durable (those
 * of a sink that failed are not: the others are); err gets the first
 * failure. */
static int flush(struct appender *a, struct error *err)
{
	struct error later;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < a->ndirty; i++) {
		struct part *q = &a->parts[a->dirty[i]];
		if (!sink_failed(&q->k) && sink_flush(&q->k, rc ? &later : err) != OUTPUT_OK)
			rc = -1;
		q->dirty = 0;
	}
	a->ndirty = 0;
	return rc;
}

static int failed(const struct appender *a)
{
	uint32_t i;

	for (i = 0; i < a->ndirty; i++)
		if (sink_failed(&a->parts[a->dirty[i]].k))
			return 1;
	return 0;
}

/* --- the run ------------------------------------------------------------ */

/*
 * When the source has nothing to read: waits the linger time for input
 * while a batch is being built, else (or when none comes) writes the
 * batches and waits until they are durable, then waits for input; so
 * records never wait for the pipe longer than the linger time.
 */
static int idle(struct source *s, struct appender *a, struct error *err)
{
	if (building(a) && source_wait(s, a->opt->linger_ms))
		return 0;
	if (flush(a, err) < 0)
		return -1;
	source_wait(s, -1);
	return 0;
}

/* Places r (its fields set) and writes it. */
static int put(struct appender *a, struct source *s, const struct record *r, struct error *err)
{
	uint32_t p = 0;
	int keyless = 0;

	if (a->tw->is_topic && place(a, r, &p, &keyless, err) < 0)
		return -1;
	if (part_write(a, s, p, r, err) != OUTPUT_OK)
		return -1;
	if (keyless && ++a->rr == a->n)
		a->rr = 0;
	return 0;
}

/* The records of s into the partitions, with their fields; stops at the
 * first bad one unless skip_bad. */
static int run(struct source *s, struct appender *a, struct append_stats *st, struct error *err)
{
	const struct append_options *opt = a->opt;
	struct record r;
	int rc;

	for (;;) {
		rc = source_next(s, &r, err);
		if (source_warning(s) && opt->on_warn)
			opt->on_warn(opt->ctx, source_warning(s));
		if (rc == SOURCE_AGAIN) {
			if (idle(s, a, err) < 0)
				return -1;
			continue;
		}
		if (rc == SOURCE_CONTROL) {
			/* a single log (logappend checks): partition 0's sink */
			if (sink_control(&a->parts[0].k, s->control, s->control_len, err) != OUTPUT_OK) {
				if (!sink_failed(&a->parts[0].k))
					source_error_at(s, err);	/* the item's place */
				return -1;
			}
			if (barrier_detect(s->control, s->control_len) == BARRIER_BARRIER)
				st->barriers++;
			continue;
		}
		if (rc != SOURCE_RECORD && rc != SOURCE_BAD)
			return rc == SOURCE_END ? 0 : -1;
		/* JSON values on one line go together: a bad one takes
		 * those before it on its line with it */
		if (source_grouped(s) && source_line_start(s)) {
			a->group++;
			a->rr_mark = a->rr;
		}
		if (rc == SOURCE_RECORD) {
			if (fields(opt, st, &r, err) == 0 && put(a, s, &r, err) == 0)
				continue;
			if (failed(a))
				return -1;
			source_error_at(s, err);
		}
		rollback(a, s);
		if (!opt->skip_bad)
			return -1;
		st->bad++;
		if (opt->on_bad)
			opt->on_bad(opt->ctx, err->msg);
	}
}

/* --- wal2json: a table's changes (CDC-SPEC.md) --------------------------- */

/* The change log being appended to: its decoder and the position of its
 * last record (have_last), which every record appended must follow. */
struct cdc {
	struct wal2json dec;
	struct w2j_pos last;
	int have_last;
	const char *path;	/* the log */
};

/* The longest a truncate's map of keys may grow (24 bytes a key). */
#define CDC_KEYMAP_MEMORY (4ull << 30)

/* Reads the position and the table of the log's last record into c
 * (nothing when the log is empty); checks it against --table. */
static int cdc_start(struct cdc *c, const struct append_options *opt, struct error *err)
{
	struct replay_range range = REPLAY_RANGE_ALL;
	struct source_options sopt = { 0 };
	struct source s;
	struct record r;
	struct error why;
	const uint8_t *table = NULL;
	size_t tlen = 0;
	int rc;

	range.from = FROM_LAST;
	range.last = 1;
	if (opt->table && wal2json_set_table(&c->dec, opt->table, strlen(opt->table), 1) < 0)
		return error_set(err, "out of memory");
	if (source_open_log(&s, c->path, &range, &sopt, err) < 0) {
		source_close(&s);
		return -1;
	}
	rc = source_next(&s, &r, err);
	if (rc == SOURCE_RECORD) {
		if (wal2json_record_position(&r, &c->last, &table, &tlen, &why) < 0) {
			error_set(err, "'%s': its last record (offset %llu) is not a change from "
				  "--input wal2json: %s", c->path, (unsigned long long)r.offset, why.msg);
			rc = SOURCE_ERROR;
		} else if (opt->table && (tlen != strlen(opt->table) ||
					  memcmp(table, opt->table, tlen))) {
			error_set(err, "'%s' holds the changes of table %.*s, not %s (a log holds "
				  "one table)", c->path, (int)tlen, (const char *)table, opt->table);
			rc = SOURCE_ERROR;
		} else if (!opt->table &&
			   wal2json_set_table(&c->dec, (const char *)table, tlen, 0) < 0) {
			error_set(err, "out of memory");
			rc = SOURCE_ERROR;
		}
		c->have_last = 1;
	}
	source_close(&s);
	return rc == SOURCE_ERROR ? -1 : 0;
}

/* Appends r at position pos, unless the log has it already (dedupe): then
 * *appended is left as it is. */
static int cdc_put(struct appender *a, struct cdc *c, struct source *s, const struct record *r,
		   const struct w2j_pos *pos, int *appended, struct error *err)
{
	if (c->have_last && w2j_pos_cmp(pos, &c->last) <= 0)
		return 0;
	if (put(a, s, r, err) < 0)
		return -1;
	c->last = *pos;
	c->have_last = 1;
	*appended = 1;
	return 0;
}

/*
 * A truncate: a tombstone for every key live in the log before it (its
 * latest record, among those before the truncate's first position, not a
 * tombstone), in the order of those records.  What this run appended is
 * made durable first, so that the log is read whole; the log is read
 * twice, the first time into a map of each key's latest offset.  Records
 * at or after the truncate's position (those a killed run of it left) are
 * not read, so a run again gives the same tombstones at the same positions.
 */
static int cdc_truncate(struct appender *a, struct cdc *c, struct source *in,
			int *appended, struct error *err)
{
	struct w2j_pos start = wal2json_next(&c->dec), pos;
	struct source_options sopt = { 0 };
	struct keymap map;
	struct record r, t;
	struct error why;
	const uint8_t *table;
	size_t tlen;
	uint64_t off;
	int pass, rc = 0;

	if (c->have_last && start.lsn < c->last.lsn)
		return 0;	/* the log has the whole transaction */
	if (flush(a, err) < 0)
		return -1;
	if (keymap_init(&map, CDC_KEYMAP_MEMORY) < 0)
		return error_set(err, "out of memory");
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		struct source s;
		if (source_open_log(&s, c->path, NULL, &sopt, err) < 0) {
			source_close(&s);
			rc = -1;
			break;
		}
		while (rc == 0 && (rc = source_next(&s, &r, err)) == SOURCE_RECORD) {
			rc = 0;
			if (wal2json_record_position(&r, &pos, &table, &tlen, &why) < 0) {
				rc = error_set(err, "'%s': record %llu is not a change from --input "
					       "wal2json: %s", c->path, (unsigned long long)r.offset,
					       why.msg);
			} else if (w2j_pos_cmp(&pos, &start) >= 0) {
				rc = SOURCE_END;	/* a killed run's tombstones */
			} else if (pass == 0) {
				if (!keymap_put(&map, r.key, r.keylen, r.offset))
					rc = error_set(err, "'%s': too many keys for a truncate's map",
						       c->path);
			} else if (keymap_get(&map, r.key, r.keylen, &off) && off == r.offset &&
				   !(r.valuelen == 1 && r.value[0] == 0xf6)) {
				if (wal2json_tombstone(&c->dec, r.key, r.keylen, &t, &pos, err) < 0 ||
				    cdc_put(a, c, in, &t, &pos, appended, err) < 0)
					rc = -1;
			}
		}
		rc = rc == SOURCE_END ? 0 : -1;
		source_close(&s);
	}
	keymap_release(&map);
	return rc;
}

/* The lines of s, wal2json's, into the log as change records; stops at
 * the first bad line. */
static int run_wal2json(struct source *s, struct appender *a, struct append_stats *st,
			struct error *err)
{
	struct cdc c;
	struct record r;
	struct item_head h;
	struct error why;
	struct w2j_pos first;
	int rc, appended;

	if (a->tw->is_topic)
		return error_set(err, "'%s' is a topic: --input wal2json writes a single log "
				 "(a table's changes, in commit order)", a->tw->t.path);
	memset(&c, 0, sizeof c);
	wal2json_init(&c.dec);
	c.path = a->tw->w[0].log.path;
	rc = cdc_start(&c, a->opt, err);
	while (rc == 0) {
		rc = source_next(s, &r, err);
		if (rc == SOURCE_AGAIN) {
			rc = idle(s, a, err);
			continue;
		}
		if (rc != SOURCE_RECORD) {
			rc = rc == SOURCE_END ? 0 : -1;
			break;
		}
		/* a line: its bytes, as a text or byte string */
		if (item_head(r.value, r.valuelen, &h, NULL) != ITEM_OK) {
			h.data = r.value;
			h.val = 0;
		}
		rc = wal2json_decode(&c.dec, h.data, (size_t)h.val, &why);
		if (rc < 0) {
			error_set(err, "%s:%llu: %s", s->in.name, (unsigned long long)s->line, why.msg);
			break;
		}
		if (rc == W2J_NONE)
			continue;
		/* a change: skipped when the log had all its records */
		first = rc == W2J_TRUNCATE ? wal2json_next(&c.dec) : c.dec.pos[0];
		appended = 0;
		if (rc == W2J_TRUNCATE) {
			rc = cdc_truncate(a, &c, s, &appended, err);
		} else {
			rc = 0;
			for (size_t i = 0; i < c.dec.n && rc == 0; i++)
				rc = cdc_put(a, &c, s, &c.dec.rec[i], &c.dec.pos[i], &appended, err);
		}
		if (rc == 0 && !appended && c.have_last && w2j_pos_cmp(&first, &c.last) <= 0)
			st->skipped++;
	}
	wal2json_release(&c.dec);
	return rc;
}

/* Sets up a's sinks, one per writer of tw. */
static int appender_init(struct appender *a, struct topic_writer *tw,
			 const struct append_options *opt, struct error *err)
{
	struct sink_log_options lopt = {
		.max_record = opt->max_record, .batch_bytes = opt->batch_bytes,
		.batch_records = opt->batch_records,
		.on_durable = opt->on_durable ? part_durable : NULL,
		.checkpoint = opt->checkpoint,
	};
	uint32_t p;

	memset(a, 0, sizeof *a);
	a->opt = opt;
	a->tw = tw;
	a->n = tw->n;
	a->scratch = (struct buf)BUF_INIT;
	if (tw->is_topic) {
		size_t share = TOPIC_BATCH_BUDGET / a->n;
		if (share < TOPIC_BATCH_MIN)
			share = TOPIC_BATCH_MIN;
		if (lopt.batch_bytes > share)
			lopt.batch_bytes = share;
		a->rr = a->rr_mark = (uint32_t)(tw->start % a->n);
	}
	a->parts = calloc(a->n, sizeof *a->parts);
	a->dirty = malloc(a->n * sizeof *a->dirty);
	if (!a->parts || !a->dirty) {
		free(a->parts);
		free(a->dirty);
		return error_set(err, "out of memory");
	}
	for (p = 0; p < a->n; p++) {
		struct part *q = &a->parts[p];
		lopt.ctx = q;
		q->a = a;
		q->p = p;
		sink_open_log(&q->k, &tw->w[p], &lopt);
	}
	return 0;
}

static void appender_release(struct appender *a, struct append_stats *st)
{
	uint32_t p;

	for (p = 0; p < a->n; p++) {
		st->records += a->parts[p].k.records;
		st->batches += a->parts[p].k.batches;
		sink_close(&a->parts[p].k);
	}
	free(a->parts);
	free(a->dirty);
	buf_release(&a->scratch);
}

int append_run(struct topic_writer *tw, int fd, const char *name,
	       const struct append_options *opt, struct append_stats *st, struct error *err)
{
	static const enum source_kind kinds[] = {
		[INPUT_AUTO] = SOURCE_DETECT, [INPUT_FRAMED] = SOURCE_FRAMED,
		[INPUT_JSON] = SOURCE_JSON, [INPUT_LINES] = SOURCE_LINES,
		[INPUT_KCAT] = SOURCE_KCAT, [INPUT_WAL2JSON] = SOURCE_LINES,
	};
	struct source_options sopt = {
		.nonblock = 1, .plain_json = opt->plain_json, .values = !opt->envelope,
		.resync = 1, .max_record = opt->max_record, .controls = opt->checkpoint,
	};
	struct appender a;
	struct source s;
	int rc;

	memset(st, 0, sizeof *st);
	if (appender_init(&a, tw, opt, err) < 0)
		return -1;
	source_open_fd(&s, fd, name, kinds[opt->format], NULL, &sopt);
	rc = opt->format == INPUT_WAL2JSON ? run_wal2json(&s, &a, st, err) : run(&s, &a, st, err);
	if (rc < 0) {
		/* what came before the bad record is appended and durable */
		struct error ferr;
		int write_failed = failed(&a);
		if (flush(&a, &ferr) < 0 && !write_failed)
			error_set(err, "%s", ferr.msg);
	} else {
		rc = flush(&a, err);
	}
	st->pending = sink_pending(&a.parts[0].k);
	st->controls_skipped = s.controls_skipped;
	appender_release(&a, st);
	source_close(&s);
	return rc;
}
