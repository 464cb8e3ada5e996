/* replay.c - writing a range of a log or stream (see replay.h). */
#include <unistd.h>

#include "batch.h"
#include "delivery.h"
#include "framed.h"
#include "group.h"
#include "item.h"
#include "reader.h"
#include "replay.h"
#include "timeparse.h"
#include "watch.h"

/* The state of a replay of a log: where the output is, and the group. */
struct replay {
	struct reader r;
	struct output *out;
	const struct replay_options *opt;
	int lockfd;		/* the group's lock, or -1 */
	struct delivery dv;	/* what the reader of out has taken */
	uint64_t buffered;	/* the offset after the last record given to out */
	uint64_t committed;	/* the position last committed */
	int64_t last_commit;	/* when, ms */
};

/* How often a reader that waits looks whether its pipe has drained. */
#define DRAIN_POLL_MS 5

/* Commits the position after the last record the output's reader took. */
static int commit_taken(struct replay *rp, struct error *err)
{
	uint64_t pos;

	rp->last_commit = time_now_ms();
	if (!rp->opt->group)
		return OUTPUT_OK;
	pos = delivery_taken(&rp->dv, rp->out->total);
	if (pos == rp->committed)
		return OUTPUT_OK;
	if (group_write(&rp->r.log, rp->opt->group, rp->opt->commit_manual, pos, err) < 0)
		return OUTPUT_ERROR;
	rp->committed = pos;
	return OUTPUT_OK;
}

/* Flushes the output and commits what its reader took. */
static int commit(struct replay *rp, struct error *err)
{
	int rc = output_flush(rp->out, err);

	if (rc != OUTPUT_OK)
		return rc;
	return commit_taken(rp, err);
}

/*
 * For a follower that waits: commits what the reader took when it has
 * taken all, or every commit_interval while it takes the rest.  Sets
 * *timeout for the wait: DRAIN_POLL_MS while bytes wait in the pipe, else
 * -1.
 */
static int commit_waiting(struct replay *rp, int *timeout, struct error *err)
{
	int waiting = rp->opt->group && delivery_waiting(&rp->dv);

	*timeout = waiting ? DRAIN_POLL_MS : -1;
	if (!waiting || time_now_ms() - rp->last_commit >= rp->opt->commit_interval)
		return commit_taken(rp, err);
	return OUTPUT_OK;
}

/* Notes that the output holds the records before next, up to its end. */
static void given(struct replay *rp, uint64_t next)
{
	struct output *o = rp->out;

	rp->buffered = next;
	if (rp->opt->group)
		delivery_mark(&rp->dv, o->total + o->b.len, next, o->total);
}

/* The same for a batch payload p[0..n) just given whole: into a pipe,
 * where the reader may take part of it, each record's end is marked. */
static void given_raw(struct replay *rp, const uint8_t *p, size_t n, uint64_t next)
{
	struct output *o = rp->out;
	uint64_t end = o->total + o->b.len - n;
	struct record rec;
	size_t len;

	while (rp->opt->group && rp->dv.pipe && n > 0 &&
	       record_decode(p, n, &rec, &len, NULL) == ITEM_OK) {
		end += len;
		p += len;
		n -= len;
		delivery_mark(&rp->dv, end, rec.offset + 1, o->total);
	}
	given(rp, next);
}

/* Writes the records of one batch that fall in [lo, hi), at most *left. */
static int replay_batch(struct replay *rp, const struct batch_header *h, uint64_t lo, uint64_t hi,
			const struct replay_range *range, uint64_t *left, struct buf *scratch,
			struct error *err)
{
	struct reader *r = &rp->r;
	struct output *out = rp->out;
	int direct = out->format == OUT_JSON || out->format == OUT_VALUES, rc;
	const uint8_t *p;
	size_t n, len, hl;
	struct record rec;
	struct batch_order ord;
	int to_time = range->to == TO_TIME;

	if (out->format == OUT_FRAMED && (h->flags & BATCH_CODEC_MASK) == BATCH_CODEC_NONE &&
	    h->base >= lo && batch_next(h) <= hi && h->count <= *left &&
	    (!to_time || h->max_ts < range->to_time)) {
		/* the whole batch is in range: copy it as it is */
		const uint8_t *payload = r->batch.p + BATCH_HEADER_LEN;
		rc = output_raw(out, payload, h->payload_len, err);
		if (rc == OUTPUT_OK) {
			*left -= h->count;
			given_raw(rp, payload, h->payload_len, batch_next(h));
		}
		return rc;
	}
	if (batch_payload(r->batch.p, h, scratch, &p, &n, err) < 0)
		goto bad;
	batch_order_start(&ord, h->base);
	while (n > 0 && *left > 0) {
		int ordered = 0;	/* rec.offset went through ord */
		if (direct && record_decode_head(p, n, &rec, &hl, err) > 0) {
			if (batch_order_next(&ord, h, rec.offset) < 0)
				goto disorder;
			ordered = 1;
			if (rec.offset >= lo && rec.offset < hi &&
			    !(to_time && rec.ts >= range->to_time)) {
				/* JSON straight from the item, in one pass */
				rc = output_item(out, p, n, &len, err);
				if (rc == OUTPUT_ERROR)
					goto bad;
				goto emitted;
			}
		}
		if (record_decode(p, n, &rec, &len, err) != ITEM_OK)
			goto bad;
		if (!ordered && batch_order_next(&ord, h, rec.offset) < 0)
			goto disorder;
		if (rec.offset < lo)
			goto next;
		if (rec.offset >= hi || (to_time && rec.ts >= range->to_time)) {
			*left = 0;	/* the end of the range */
			break;
		}
		rc = output_record(out, &rec, err);
emitted:
		if (rc != OUTPUT_OK)
			return rc;
		given(rp, rec.offset + 1);
		--*left;
next:
		p += len;
		n -= len;
	}
	if (n == 0 && *left > 0 && batch_order_done(&ord, h) < 0)
		goto disorder;
	return OUTPUT_OK;
disorder:
	error_set(err, "its records' offsets disagree with its header (offsets %llu to %llu, "
		  "%u records)", (unsigned long long)h->base,
		  (unsigned long long)(h->base + h->last_delta), h->count);
bad:
	error_prefix(err, "'%s': batch at byte %llu", r->path, (unsigned long long)r->batch_pos);
	return OUTPUT_ERROR;
}

/* Opens the log and finds where to start: the group's position, else the
 * range's start. */
static int start(struct replay *rp, const char *path, const struct replay_range *range,
		 uint64_t *lo, uint64_t *hi, struct error *err)
{
	const struct replay_options *opt = rp->opt;
	struct group_pos pos;
	int rc;

	if (reader_open(&rp->r, path, err) < 0)
		return -1;
	if (opt->group) {
		rp->lockfd = group_lock(&rp->r.log, opt->group, opt->wait_group, err);
		if (rp->lockfd < 0)
			return -1;
	}
	if (stream_resolve(&rp->r, range, opt->follow, lo, hi, err) < 0)
		return -1;
	if (opt->group) {
		rc = group_read(&rp->r.log, opt->group, 0, &pos, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			*lo = pos.offset;
		/* a manual reader starts at the committed position too: what
		 * it wrote last time counts only once committed */
		rp->committed = *lo;
	}
	rp->buffered = *lo;
	delivery_init(&rp->dv, rp->out->fd, *lo);
	return reader_seek(&rp->r, *lo, err);
}

int replay_log(const char *path, const struct replay_range *range,
	       const struct replay_options *opt, struct output *out, struct error *err)
{
	struct replay rp = { .out = out, .opt = opt, .lockfd = -1 };
	struct batch_header h;
	struct buf scratch = BUF_INIT;
	struct watch w = { -1 };
	uint64_t lo, hi, left = range->count;
	int rc = OUTPUT_OK, got, listed = 0;

	if (start(&rp, path, range, &lo, &hi, err) < 0) {
		rc = OUTPUT_ERROR;
		goto out;
	}
	if (opt->follow)
		watch_init(&w, path);
	rp.last_commit = time_now_ms();
	while (left > 0 && rp.buffered < hi) {
		if (opt->stop && *opt->stop)
			break;
		got = reader_next(&rp.r, &h, err);
		if (got < 0) {
			rc = OUTPUT_ERROR;
			break;
		}
		if (got == 0) {
			int why, timeout;
			if (!opt->follow)
				break;
			/* at the end: let out what was written and commit what
			 * the reader took; look for new segments once, then
			 * wait for the writer (and for the reader to take the
			 * rest, looking every DRAIN_POLL_MS) */
			if ((rc = output_flush(out, err)) != OUTPUT_OK ||
			    (rc = commit_waiting(&rp, &timeout, err)) != OUTPUT_OK)
				break;
			if (!listed) {
				listed = 1;
				if (reader_refresh(&rp.r, err) < 0) {
					rc = OUTPUT_ERROR;
					break;
				}
				continue;
			}
			why = watch_wait(&w, out->fd, timeout, opt->stop);
			if (why == WATCH_TIMEOUT)
				continue;
			listed = 0;
			if (why == WATCH_OUTPUT_GONE) {
				rc = OUTPUT_CLOSED;
				break;
			}
			if (why == WATCH_STOP)
				break;
			continue;
		}
		listed = 0;
		if (h.base >= hi)
			break;
		rc = replay_batch(&rp, &h, lo > rp.r.low ? lo : rp.r.low, hi, range, &left, &scratch, err);
		if (rc != OUTPUT_OK)
			break;
		if (opt->group && time_now_ms() - rp.last_commit >= opt->commit_interval &&
		    (rc = commit(&rp, err)) != OUTPUT_OK)
			break;
	}
out:
	/* what was written before an error is good: let it out first; and
	 * commit what was written, never more */
	if (rc == OUTPUT_OK) {
		rc = output_finish(out, err);
	} else if (rc == OUTPUT_ERROR) {
		output_flush(out, NULL);
	}
	if (rp.lockfd >= 0 && rc != OUTPUT_ERROR) {
		/* also when the reader went away or a signal came: what the
		 * reader took, it took; at the end of a run, wait for it to
		 * take the rest, or to go away */
		struct error cerr;
		if (rc == OUTPUT_OK && !(opt->stop && *opt->stop))
			delivery_drain(&rp.dv, -1, opt->stop);
		if (commit_taken(&rp, &cerr) != OUTPUT_OK) {
			*err = cerr;
			rc = OUTPUT_ERROR;
		}
	}
	watch_release(&w);
	buf_release(&scratch);
	if (rp.lockfd >= 0)
		group_unlock(&rp.r.log, opt->group, rp.lockfd);
	reader_close(&rp.r);
	return rc == OUTPUT_STOPPED ? OUTPUT_OK : rc;	/* a signal, while writing */
}

int replay_stream(struct input *in, const struct replay_range *range, struct output *out,
		  struct error *err)
{
	struct framed_reader fr;
	struct record rec;
	uint64_t left = range->count;
	int started = range->from == FROM_BEGINNING, rc = OUTPUT_OK, got;

	framed_reader_init(&fr, in);
	while (left > 0) {
		got = framed_next(&fr, &rec, err);
		if (got <= 0) {
			rc = got < 0 ? OUTPUT_ERROR : OUTPUT_OK;
			break;
		}
		if ((range->to == TO_OFFSET && rec.offset >= range->to_offset) ||
		    (range->to == TO_TIME && rec.ts >= range->to_time))
			break;
		if (!started) {
			if (range->from == FROM_OFFSET)
				started = rec.offset >= range->from_offset;
			else if (range->from == FROM_TIME)
				started = rec.ts >= range->from_time;
			if (!started)
				continue;
		}
		rc = output_record(out, &rec, err);
		if (rc != OUTPUT_OK)
			break;
		left--;
		/* keep a pipeline live: write out before waiting for input */
		if (input_avail(in) == 0 && !input_ready(in, 0) &&
		    (rc = output_flush(out, err)) != OUTPUT_OK)
			break;
	}
	if (rc == OUTPUT_OK)
		rc = output_finish(out, err);
	else if (rc == OUTPUT_ERROR)
		output_flush(out, NULL);
	return rc;
}
