/* replay.c - writing a range of a log or stream (see replay.h). */
#include <assert.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "batch.h"
#include "checkpoint.h"
#include "delivery.h"
#include "group.h"
#include "item.h"
#include "pipeline.h"
#include "replay.h"
#include "seek.h"
#include "timeparse.h"
#include "topicsource.h"
#include "watch.h"

/* The state of a replay of a log or topic: where the output is, and the
 * group.  What is per partition is indexed as the source's parts (a log:
 * one). */
struct replay {
	struct source s;	/* the log or topic, non-blocking */
	struct output *out;
	const struct replay_options *opt;
	size_t nparts;
	int *lockfd;		/* the group's lock of each part, or -1 */
	struct delivery dv;	/* what the reader of out has taken */
	int dv_init;
	uint64_t *committed;	/* the position last committed, per part */
	int64_t last_commit;	/* when, ms */
	/* --resume */
	uint64_t *next;		/* per part: the offset after the records written */
	uint64_t *end;		/* per part: the log's end before reading */
	struct barrier b;	/* the barrier written next (and the restore) */
	struct buf item;
	int64_t last_barrier;	/* when, ms */
	int written;		/* records written since the last barrier */
	struct barrier_position *ckpos;	/* the checkpoint's positions */
	size_t nckpos;
	int has_ck;		/* OUT has a checkpoint */
};

/* How often a reader that waits looks whether its pipe has drained. */
#define DRAIN_POLL_MS 5

/* Commits the position after the last record the output's reader took,
 * in each partition where it moved. */
static int commit_taken(struct replay *rp, struct error *err)
{
	rp->last_commit = time_now_ms();
	if (!rp->opt->group)
		return OUTPUT_OK;
	delivery_taken(&rp->dv, rp->out->total);
	for (size_t i = 0; i < rp->nparts; i++) {
		uint64_t pos = delivery_part_taken(&rp->dv, i);
		if (pos == rp->committed[i])
			continue;
		if (group_write(source_part_log(&rp->s, i), rp->opt->group, rp->opt->commit_manual,
				pos, err) < 0)
			return OUTPUT_ERROR;
		rp->committed[i] = pos;
	}
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

/* Notes that the output holds part i's records before next, up to its
 * end. */
static void given(struct replay *rp, size_t i, uint64_t next)
{
	struct output *o = rp->out;

	if (rp->next) {
		rp->next[i] = next;
		rp->written = 1;
	}
	if (rp->opt->group)
		delivery_mark_part(&rp->dv, o->total + o->b.len, i, next, o->total);
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
	given(rp, 0, next);
}

/* Writes the next record, decoded (source_next), as replay_next. */
static int replay_record(struct replay *rp, int *got, struct error *err)
{
	struct record rec;
	int rc;

	*got = source_next(&rp->s, &rec, err);
	if (*got != SOURCE_RECORD)
		return *got == SOURCE_ERROR ? OUTPUT_ERROR : OUTPUT_OK;
	rc = output_record(rp->out, &rec, err);
	if (rc == OUTPUT_OK)
		given(rp, source_last_part(&rp->s), rec.offset + 1);
	return rc;
}

/*
 * A topic's next record to framed output, as replay_next: the item its
 * partition's log holds, [offset, ts, key, value] or [..., headers],
 * written as the 6-element record of a topic (record.h) without decoding
 * it: its array head rewritten, headers null when it has none, and the
 * partition after them.  (An item of another head, never written to a
 * segment by this code, is decoded and encoded.)
 */
static int topic_framed(struct replay *rp, int *got, struct error *err)
{
	struct source *s = &rp->s;
	struct output *out = rp->out;
	const uint8_t *p;
	uint8_t tail[1 + 9];
	size_t n, len, tl;
	struct record rec;
	int rc;

	if (topicsource_reads_ahead(s)) {
		/* the record is framed already, by the thread */
		*got = topicsource_next_framed(s, &rec, &p, &n, err);
		if (*got != SOURCE_RECORD)
			return *got == SOURCE_ERROR ? OUTPUT_ERROR : OUTPUT_OK;
		rc = output_raw(out, p, n, err);
		if (rc == OUTPUT_OK)
			given(rp, source_last_part(s), rec.offset + 1);
		return rc;
	}
	*got = source_next_item(s, &rec, &p, &n, err);
	if (*got != SOURCE_RECORD)
		return *got == SOURCE_ERROR ? OUTPUT_ERROR : OUTPUT_OK;
	if (item_check(p, n, &len, err) != ITEM_OK || (p[0] != 0x84 && p[0] != 0x85)) {
		struct record whole;
		size_t wlen;
		if (record_decode(p, n, &whole, &wlen, err) != ITEM_OK)
			return source_error_at(s, err), OUTPUT_ERROR;
		whole.has_partition = 1;
		whole.partition = rec.partition;
		source_item_done(s, wlen);
		rc = output_record(out, &whole, err);
	} else {
		tl = 0;
		if (p[0] == 0x84)
			tail[tl++] = 0xf6;	/* no headers: null */
		tl += item_put_head(tail + tl, 0, rec.partition);
		source_item_done(s, len);
		if ((rc = output_raw(out, (const uint8_t *)"\x86", 1, err)) == OUTPUT_OK &&
		    (rc = output_raw(out, p + 1, len - 1, err)) == OUTPUT_OK)
			rc = output_raw(out, tail, tl, err);
	}
	if (rc == OUTPUT_OK)
		given(rp, source_last_part(s), rec.offset + 1);
	return rc;
}

/*
 * Writes the next records: of a log, a whole batch as it is when the
 * output is framed and all of it is in the range, else the next record, in
 * one pass from its item for JSON; of a topic, the next record (which
 * carries its partition).  Returns OUTPUT_OK with *got the source's answer
 * (SOURCE_END, SOURCE_AGAIN or another record), or an output's error.
 */
static int replay_next(struct replay *rp, int *got, struct error *err)
{
	struct source *s = &rp->s;
	struct output *out = rp->out;
	const struct batch_header *h;
	const uint8_t *p;
	size_t n, len;
	struct record rec;
	int rc;

	if (s->kind == SOURCE_TOPIC)
		return out->format == OUT_FRAMED ? topic_framed(rp, got, err) :
		       replay_record(rp, got, err);
	if (out->format == OUT_FRAMED) {
		*got = source_next_batch(s, &h, &p, &n, err);
		if (*got == SOURCE_BATCH) {
			/* the whole batch is in range: copy it as it is */
			rc = output_raw(out, p, n, err);
			if (rc == OUTPUT_OK)
				given_raw(rp, p, n, batch_next(h));
			return rc;
		}
		if (*got != SOURCE_RECORD)
			return *got == SOURCE_ERROR ? OUTPUT_ERROR : OUTPUT_OK;
	}
	if (out->format == OUT_JSON || out->format == OUT_VALUES) {
		/* JSON straight from the item, in one pass */
		*got = source_next_item(s, &rec, &p, &n, err);
		if (*got != SOURCE_RECORD)
			return *got == SOURCE_ERROR ? OUTPUT_ERROR : OUTPUT_OK;
		rc = output_item(out, p, n, &len, err);
		if (rc == OUTPUT_ERROR) {
			source_error_at(s, err);
			return rc;
		}
		source_item_done(s, len);
	} else {
		return replay_record(rp, got, err);
	}
	if (rc == OUTPUT_OK)
		given(rp, 0, rec.offset + 1);
	return rc;
}

/* --- logcat --resume ------------------------------------------------------- */

/* Writes rp->b (a restore, or the next barrier) with the positions now. */
static int put_control(struct replay *rp, enum barrier_kind kind, int end, struct error *err)
{
	struct barrier *b = &rp->b;

	for (size_t i = 0; i < b->npos; i++)
		b->pos[i].next = rp->next[i];
	if (barrier_next(b, kind, end, time_now_ms(), &rp->item) < 0)
		return error_set(err, "out of memory"), OUTPUT_ERROR;
	rp->last_barrier = time_now_ms();
	rp->written = 0;
	return output_raw(rp->out, rp->item.p, rp->item.len, err);
}

/* A barrier after what was written, when the interval has passed. */
static int maybe_barrier(struct replay *rp, struct error *err)
{
	if (!rp->written || time_now_ms() - rp->last_barrier < rp->opt->checkpoint_interval)
		return OUTPUT_OK;
	return put_control(rp, BARRIER_BARRIER, 0, err);
}

/* Whether the range's --to was reached, at the end of the source. */
static int to_reached(const struct replay *rp, const struct replay_range *range)
{
	for (size_t i = 0; i < rp->nparts; i++) {
		if (range->to == TO_NONE)
			return 0;
		if (range->to == TO_OFFSET && rp->end[i] < range->to_offset)
			return 0;
		/* --to @TIME: a record the reading stopped before */
		if (range->to == TO_TIME && rp->next[i] >= rp->end[i])
			return 0;
	}
	return 1;
}

/* Registers OUT in SRC (pipeline.h), for logseek SRC; when it cannot, the
 * pipe runs all the same, with a remark. */
static void register_pipe(struct replay *rp, const char *path)
{
	struct error e;

	if (pipeline_register(path, rp->opt->resume, &e) < 0 && rp->opt->note &&
	    !rp->opt->note->msg[0])
		error_set(rp->opt->note, "'%s' not registered in '%s' (logseek will not list the "
			  "pipe): %s", rp->opt->resume, path, e.msg);
}

/* "0,2,5" (then "..." when it is long): the partitions of the checkpoint
 * (from_ck) or of this run, for a message. */
static void partition_set(char *out, size_t size, const struct replay *rp, int from_ck)
{
	size_t n = from_ck ? rp->nckpos : rp->nparts, len = 0;

	snprintf(out, size, "none");
	for (size_t i = 0; i < n; i++) {
		uint32_t p = from_ck ? rp->ckpos[i].partition : source_part_number(&rp->s, i);
		if (len + 16 >= size) {
			snprintf(out + len, size - len, ",...");
			break;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%u", i ? "," : "", p);
	}
}

/* The checkpoint covers exactly the partitions this run reads (its
 * --member or --partition): else resuming would read some twice or never. */
static int same_partitions(const struct replay *rp, struct error *err)
{
	char had[256], now[256];
	size_t i;

	if (!rp->has_ck)
		return 0;
	for (i = 0; i < rp->nparts && i < rp->nckpos; i++)
		if (rp->ckpos[i].partition != source_part_number(&rp->s, i))
			break;
	if (i == rp->nparts && i == rp->nckpos)
		return 0;
	partition_set(had, sizeof had, rp, 1);
	partition_set(now, sizeof now, rp, 0);
	return error_set(err, "'%s': its checkpoint covers partition%s %s, this run reads %s: "
			 "resume with the --member or --partition of the run that wrote it",
			 rp->opt->resume, rp->nckpos == 1 ? "" : "s", had, now);
}

/*
 * Reads OUT's last checkpoint into rp->b (a barrier naming this source, or
 * a new one without states) and takes each part's log end.  Called after
 * source_log_open, before the parts are positioned.
 */
static int resume_open(struct replay *rp, const char *path, struct error *err)
{
	struct buf body = BUF_INIT;
	struct barrier *b = &rp->b;
	char abs[PATH_MAX];
	const char *kind = rp->s.kind == SOURCE_TOPIC ? "topic" : "log";
	uint64_t off, first;
	size_t n = rp->nparts;
	int rc;

	rp->next = calloc(n ? n : 1, sizeof *rp->next);
	rp->end = calloc(n ? n : 1, sizeof *rp->end);
	if (!rp->next || !rp->end)
		return error_set(err, "out of memory");
	if (!realpath(path, abs))
		return error_errno(err, "'%s'", path);
	rc = checkpoint_last(rp->opt->resume, &body, &off, err);
	if (rc < 0) {
		buf_release(&body);
		return error_prefix(err, "--resume '%s'", rp->opt->resume);
	}
	if (rc > 0) {
		rc = barrier_decode_body(b, body.p, body.len, err);
		buf_release(&body);
		if (rc < 0)
			return error_prefix(err, "'%s': the checkpoint at offset %llu",
					    rp->opt->resume, (unsigned long long)off);
		if (strcmp(b->source_kind, kind) || !b->path || strcmp(b->path, abs))
			return error_set(err, "'%s': its checkpoint is of the %s '%s', not of the "
					 "%s '%s'", rp->opt->resume, b->source_kind,
					 b->path ? b->path : b->topic, kind, abs);
		if (b->end)
			return error_set(err, "'%s': its last checkpoint ended the pipe (--to was "
					 "reached): it is not resumed; remove '%s' to run the pipe "
					 "again", rp->opt->resume, rp->opt->resume);
		/* the checkpoint's positions: resume_seek takes them */
		rp->has_ck = 1;
		rp->ckpos = b->pos;
		rp->nckpos = b->npos;
		b->pos = NULL;
		b->npos = 0;
	} else {
		buf_release(&body);
		memset(b, 0, sizeof *b);
		if (!(b->source_kind = strdup(kind)) || !(b->path = strdup(abs)))
			return error_set(err, "out of memory");
	}
	register_pipe(rp, path);
	for (size_t i = 0; i < n; i++) {
		struct reader r;
		int ok = reader_open(&r, source_part_log(&rp->s, i)->path, err) == 0 &&
			 reader_bounds(&r, &first, &rp->end[i], err) == 0;
		reader_close(&r);
		if (!ok)
			return -1;
	}
	return 0;
}

/* After the parts are positioned at the range's start: each that the
 * checkpoint has at its position there instead, and the barrier's
 * positions laid out. */
static int resume_seek(struct replay *rp, struct error *err)
{
	struct barrier *b = &rp->b;
	size_t n = rp->nparts, k = 0;

	if (same_partitions(rp, err) < 0)
		return -1;
	if (!(b->pos = calloc(n ? n : 1, sizeof *b->pos)))
		return error_set(err, "out of memory");
	b->npos = n;
	for (size_t i = 0; i < n; i++) {
		uint32_t part = source_part_number(&rp->s, i);
		/* both in increasing order of partition */
		while (k < rp->nckpos && rp->ckpos[k].partition < part)
			k++;
		if (k < rp->nckpos && rp->ckpos[k].partition == part &&
		    source_seek_part(&rp->s, i, rp->ckpos[k].next, err) < 0)
			return error_prefix(err, "--resume '%s'", rp->opt->resume);
		b->pos[i].partition = part;
		rp->next[i] = source_part_start(&rp->s, i);
	}
	return 0;
}

/* Takes the group's lock of part i; a topic's partition is named so
 * ("group 'g' of 'T/' partition 3 is in use by another reader"). */
static int lock_part(struct replay *rp, size_t i, struct error *err)
{
	struct log *log = source_part_log(&rp->s, i);
	char busy[sizeof err->msg];

	rp->lockfd[i] = group_lock(log, rp->opt->group, rp->opt->wait_group, err);
	if (rp->lockfd[i] >= 0)
		return 0;
	snprintf(busy, sizeof busy, "group '%s' of '%s' is in use by another reader",
		 rp->opt->group, log->path);
	if (rp->s.kind == SOURCE_TOPIC && !strcmp(err->msg, busy))
		error_set(err, "group '%s' of '%s' partition %u is in use by another reader",
			  rp->opt->group, rp->s.topic->t.path, source_part_number(&rp->s, i));
	return -1;
}

/* Opens the log or topic and finds where to start in each partition: the
 * group's position, else the range's start. */
static int start(struct replay *rp, const char *path, const struct replay_range *range,
		 struct error *err)
{
	const struct replay_options *opt = rp->opt;
	struct source_options sopt = {
		.nonblock = 1, .follow = opt->follow, .stop = opt->stop,
		.partitions = opt->partitions, .member = opt->member, .members = opt->members,
	};
	struct group_pos pos;
	size_t n;
	int rc;

	if (source_log_open(&rp->s, path, range, &sopt, err) < 0)
		return -1;
	n = rp->nparts = source_parts(&rp->s);
	rp->lockfd = malloc((n ? n : 1) * sizeof *rp->lockfd);
	rp->committed = malloc((n ? n : 1) * sizeof *rp->committed);
	if (!rp->lockfd || !rp->committed)
		return error_set(err, "out of memory");
	for (size_t i = 0; i < n; i++)
		rp->lockfd[i] = -1;
	if (opt->resume && resume_open(rp, path, err) < 0)
		return -1;
	/* in increasing order of partition: two readers of one group wait
	 * for each other, never deadlock */
	for (size_t i = 0; opt->group && i < n; i++)
		if (lock_part(rp, i, err) < 0)
			return -1;
	if (source_start_log(&rp->s, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (opt->group) {
			rc = group_read(source_part_log(&rp->s, i), opt->group, 0, &pos, err);
			if (rc < 0 || (rc > 0 && source_seek_part(&rp->s, i, pos.offset, err) < 0))
				return -1;
		}
		/* a manual reader starts at the committed position too: what
		 * it wrote last time counts only once committed */
		rp->committed[i] = source_part_start(&rp->s, i);
	}
	if (opt->resume && resume_seek(rp, err) < 0)
		return -1;
	if (delivery_init_parts(&rp->dv, rp->out->fd, n, rp->committed) < 0)
		return error_set(err, "out of memory");
	rp->dv_init = 1;
	/* a topic to a framed output, read once: walked on a second thread */
	if (rp->s.kind == SOURCE_TOPIC && !opt->follow && !opt->group &&
	    rp->out->format == OUT_FRAMED && topicsource_read_ahead(&rp->s, err) < 0)
		return -1;
	if (opt->note && opt->members && n == 0)
		error_set(opt->note, "member %u/%u has no partition of '%s' (%u partitions): "
			  "nothing to read", opt->member, opt->members, path, rp->s.topic->t.n);
	return 0;
}

int replay_log(const char *path, const struct replay_range *range,
	       const struct replay_options *opt, struct output *out, struct error *err)
{
	struct replay rp = { .out = out, .opt = opt };
	int rc = OUTPUT_OK, got = SOURCE_AGAIN;

	if (start(&rp, path, range, err) < 0) {
		rc = OUTPUT_ERROR;
		goto out;
	}
	rp.last_commit = time_now_ms();
	if (opt->resume && (rc = put_control(&rp, BARRIER_RESTORE, 0, err)) != OUTPUT_OK)
		goto out;
	for (;;) {
		if (opt->stop && *opt->stop)
			break;
		rc = replay_next(&rp, &got, err);
		if (rc != OUTPUT_OK || got == SOURCE_END)
			break;
		if (got == SOURCE_AGAIN) {
			int why, timeout, t;
			/* at the end, following: let out what was written and
			 * commit what the reader took; then wait for the writer
			 * (and for the reader to take the rest, looking every
			 * DRAIN_POLL_MS) */
			if (opt->resume && (rc = maybe_barrier(&rp, err)) != OUTPUT_OK)
				break;
			if ((rc = output_flush(out, err)) != OUTPUT_OK ||
			    (rc = commit_waiting(&rp, &timeout, err)) != OUTPUT_OK)
				break;
			if (opt->resume && rp.written) {
				/* the next barrier's time: wake up for it */
				int64_t left = rp.last_barrier + opt->checkpoint_interval - time_now_ms();
				left = left < 0 ? 0 : left > INT_MAX ? INT_MAX : left;
				if (timeout < 0 || left < timeout)
					timeout = (int)left;
			}
			why = watch_poll(source_pollfd(&rp.s, &t), out->fd, timeout, opt->stop);
			if (why == WATCH_OUTPUT_GONE) {
				rc = OUTPUT_CLOSED;
				break;
			}
			if (why == WATCH_STOP)
				break;
			continue;
		}
		if (opt->group && time_now_ms() - rp.last_commit >= opt->commit_interval &&
		    (rc = commit(&rp, err)) != OUTPUT_OK)
			break;
		if (opt->resume && (rc = maybe_barrier(&rp, err)) != OUTPUT_OK)
			break;
	}
	/* the end of the input (or a signal): a barrier for what was written */
	if (opt->resume && rc == OUTPUT_OK)
		rc = put_control(&rp, BARRIER_BARRIER,
				 got == SOURCE_END && to_reached(&rp, range), err);
out:
	/* what was written before an error is good: let it out first; and
	 * commit what was written, never more */
	if (rc == OUTPUT_OK) {
		rc = output_finish(out, err);
	} else if (rc == OUTPUT_ERROR) {
		output_flush(out, NULL);
	}
	if (opt->group && rp.dv_init && rc != OUTPUT_ERROR) {
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
	for (size_t i = 0; rp.lockfd && i < rp.nparts; i++)
		group_unlock(source_part_log(&rp.s, i), opt->group, rp.lockfd[i]);
	if (rp.dv_init)
		delivery_release(&rp.dv);
	free(rp.lockfd);
	free(rp.committed);
	free(rp.next);
	free(rp.end);
	free(rp.ckpos);
	barrier_free(&rp.b);
	buf_release(&rp.item);
	source_close(&rp.s);
	return rc == OUTPUT_STOPPED ? OUTPUT_OK : rc;	/* a signal, while writing */
}

int replay_stream(int fd, const char *name, const struct replay_range *range, struct output *out,
		  struct error *err)
{
	struct source_options sopt = { .nonblock = 1 };
	struct source s;
	struct record rec;
	int rc = OUTPUT_OK, got, t;

	source_open_fd(&s, fd, name, SOURCE_FRAMED, range, &sopt);
	for (;;) {
		got = source_next(&s, &rec, err);
		if (got == SOURCE_AGAIN) {
			/* keep a pipeline live: write out before waiting for input */
			struct pollfd pfd = { .fd = source_pollfd(&s, &t), .events = POLLIN };
			if ((rc = output_flush(out, err)) != OUTPUT_OK)
				break;
			poll(&pfd, 1, t);
			continue;
		}
		if (got != SOURCE_RECORD) {
			rc = got == SOURCE_END ? OUTPUT_OK : OUTPUT_ERROR;
			break;
		}
		rc = output_record(out, &rec, err);
		if (rc != OUTPUT_OK)
			break;
	}
	if (rc == OUTPUT_OK)
		rc = output_finish(out, err);
	else if (rc == OUTPUT_ERROR)
		output_flush(out, NULL);
	source_close(&s);
	return rc;
}
