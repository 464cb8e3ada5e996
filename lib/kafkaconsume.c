/* kafkaconsume.c - logkafka consume (see kafkaconsume.h). */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "checkpoint.h"
#include "delivery.h"
#include "kafkacheckpoint.h"
#include "kafkaconsume.h"
#include "timeparse.h"

/* How long a metadata, watermark or offset request may take. */
#define KAFKA_TIMEOUT_MS 10000
/* The longest wait in one poll: *stop and a reader gone are seen so soon. */
#define POLL_MS 100
/* How long a revoke waits for the reader to take what was written, before
 * committing what it took and giving the partitions up. */
#define REVOKE_DRAIN_MS 2000

/* What is known of one partition of the topic (indexed by its number). */
struct kpart {
	int assigned;		/* ours now */
	int done;		/* at its end (exit_at_end) or at --to: paused */
	int64_t start;		/* a message before this offset is not written */
	int64_t first;		/* group: the first offset since assigned, -1 none */
	uint64_t committed;	/* group: the position last committed by us */
	int64_t next;		/* resume: the offset after what was written */
	int to_hit;		/* resume: stopped at --to (not at its end) */
};

struct kc {
	const struct kafka_consume_options *o;
	struct output *out;
	struct kafka_consume_stats *st;
	rd_kafka_t *rk;
	uint32_t nparts;	/* the topic's partitions */
	struct kpart *p;
	size_t nassigned, ndone;
	struct delivery dv;	/* group: what the reader took, per partition */
	int dv_init;
	int64_t last_commit;
	int nocommit;		/* an error: commit nothing more */
	int closed;		/* the reader went away (seen in a callback) */
	struct error cberr;	/* an error met in the rebalance callback */
	int cbfailed;
	struct buf rec;		/* the record being built: key, value, headers */
	/* --resume, --resume-from-kafka */
	int resume;
	struct barrier b;	/* the checkpoint read; then the barrier written next */
	struct barrier_position *ckpos;	/* the checkpoint's positions */
	size_t nckpos;
	int has_ck;
	struct buf item;	/* the control item being written */
	int64_t last_barrier;	/* when, ms */
	int written;		/* records written since the last barrier */
};

static const char *topic_of(const struct kc *kc)
{
	return kc->o->k.topic;
}

/* --- group commits ------------------------------------------------------- */

/*
 * A commit refused because the group moved on: a rebalance under way, a
 * generation that ended, a member the group forgot, an assignment lost.
 * Not an error of this consumer: what it did not commit is read again by
 * the partition's next reader, from the last committed position (at least
 * once).  librdkafka 2.0.2's mock cluster refuses every OffsetCommit while
 * its group is joining (REBALANCE_IN_PROGRESS), which is when an eager
 * member's revoke commits (tests/model/KAFKA-NOTES.md, "Groups: commits
 * refused in a rebalance"); Kafka accepts those.
 */
static int group_moved(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
	       e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
	       e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
	       e == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST;
}

/* Says through on_warn that partition n's records from its committed
 * position (or the first one read since assigned) up to pos were written
 * and not committed, and why: its next reader reads them again. */
static void say_uncommitted(struct kc *kc, uint32_t n, uint64_t pos, const char *why)
{
	const struct kpart *p = &kc->p[n];
	uint64_t from = p->committed > (uint64_t)p->first ? p->committed : (uint64_t)p->first;
	char msg[512];

	if (!kc->o->on_warn || pos <= from)
		return;
	snprintf(msg, sizeof msg,
		 "group '%s' of '%s' partition %" PRIu32 ": offsets %" PRIu64 " to %" PRIu64
		 " written, not committed (%s): the partition's next reader reads them again",
		 kc->o->group, topic_of(kc), n, from, pos - 1, why);
	kc->o->on_warn(kc->o->ctx, msg);
}

/* Whether partition n is in list (NULL: every partition). */
static int in_list(const rd_kafka_topic_partition_list_t *list, uint32_t n)
{
	for (int j = 0; list && j < list->cnt; j++)
		if (list->elems[j].partition == (int32_t)n)
			return 1;
	return !list;
}

/* The position after the last record of partition n the reader took, when
 * it is past what was committed and past the first record of this
 * assignment (before it, the group's committed position is not ours to
 * move back); else 0.  delivery_taken must have been called. */
static uint64_t to_commit(const struct kc *kc, uint32_t n)
{
	const struct kpart *p = &kc->p[n];
	uint64_t pos = delivery_part_taken(&kc->dv, n);

	if (!p->assigned || p->first < 0 || pos <= (uint64_t)p->first || pos <= p->committed)
		return 0;
	return pos;
}

/*
 * Commits, for each partition in list (or each assigned one when list is
 * NULL), the position after the last record the reader of the output took
 * (to_commit).  A partition the group moved on from (group_moved) is left
 * uncommitted, said through on_warn when say is set (at a revoke and at
 * the end; the periodic commit tries again at its next interval).  Returns
 * 0, or -1 with err set for any other refusal.
 */
static int commit_taken(struct kc *kc, const rd_kafka_topic_partition_list_t *list, int say,
			struct error *err)
{
	rd_kafka_topic_partition_list_t *c;
	rd_kafka_resp_err_t e, bad = RD_KAFKA_RESP_ERR_NO_ERROR;

	kc->last_commit = time_now_ms();
	if (!kc->o->group || kc->o->commit_manual || kc->nocommit || !kc->dv_init)
		return 0;
	delivery_taken(&kc->dv, kc->out->total);
	c = rd_kafka_topic_partition_list_new(8);
	for (uint32_t i = 0; i < kc->nparts; i++) {
		uint64_t pos = in_list(list, i) ? to_commit(kc, i) : 0;
		if (pos)
			rd_kafka_topic_partition_list_add(c, topic_of(kc), (int32_t)i)->offset = (int64_t)pos;
	}
	e = c->cnt ? rd_kafka_commit(kc->rk, c, 0) : RD_KAFKA_RESP_ERR_NO_ERROR;
	for (int j = 0; j < c->cnt; j++) {
		rd_kafka_topic_partition_t *t = &c->elems[j];
		rd_kafka_resp_err_t te = t->err != RD_KAFKA_RESP_ERR_NO_ERROR ? t->err : e;
		if (te == RD_KAFKA_RESP_ERR_NO_ERROR)
			kc->p[t->partition].committed = (uint64_t)t->offset;
		else if (group_moved(te) && say)
			say_uncommitted(kc, (uint32_t)t->partition, (uint64_t)t->offset,
					rd_kafka_err2str(te));
		else if (!group_moved(te) && bad == RD_KAFKA_RESP_ERR_NO_ERROR)
			bad = te;
	}
	rd_kafka_topic_partition_list_destroy(c);
	if (bad != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, "group '%s' of '%s': unable to commit: %s", kc->o->group,
				 topic_of(kc), rd_kafka_err2str(bad));
	return 0;
}

/* The partitions of list were lost (another member may own them already):
 * nothing is committed; what the reader took past the committed positions
 * is said through on_warn. */
static void say_lost(struct kc *kc, const rd_kafka_topic_partition_list_t *list)
{
	if (!kc->o->group || kc->o->commit_manual || kc->nocommit || !kc->dv_init)
		return;
	delivery_taken(&kc->dv, kc->out->total);
	for (uint32_t i = 0; i < kc->nparts; i++) {
		uint64_t pos = in_list(list, i) ? to_commit(kc, i) : 0;
		if (pos)
			say_uncommitted(kc, i, pos, "the assignment was lost");
	}
}

/* At the end with --commit manual: each position the reader reached, said
 * through on_warn (nothing is committed). */
static void say_positions(struct kc *kc)
{
	char msg[256];

	if (!kc->dv_init || !kc->o->on_warn)
		return;
	delivery_taken(&kc->dv, kc->out->total);
	for (uint32_t i = 0; i < kc->nparts; i++) {
		uint64_t pos = delivery_part_taken(&kc->dv, i);
		if (kc->p[i].first < 0 || pos <= (uint64_t)kc->p[i].first)
			continue;
		snprintf(msg, sizeof msg,
			 "group '%s' of '%s' partition %" PRIu32 ": position %" PRIu64
			 " (not committed: --commit manual)",
			 kc->o->group, topic_of(kc), i, pos);
		kc->o->on_warn(kc->o->ctx, msg);
	}
}

/* The reader of the output went away (a pipe whose reading end is closed). */
static int reader_gone(const struct kc *kc)
{
	struct pollfd p = { .fd = kc->out->fd, .events = 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP));
}

/* A rebalance's partitions taken (assign) or given up (revoke). */
static void take(struct kc *kc, const rd_kafka_topic_partition_list_t *l, int assign)
{
	for (int j = 0; j < l->cnt; j++) {
		int32_t n = l->elems[j].partition;
		struct kpart *p;
		if (n < 0 || (uint32_t)n >= kc->nparts)
			continue;	/* a partition added since: not ours to read */
		p = &kc->p[n];
		if (assign && !p->assigned) {
			kc->nassigned++;
			p->assigned = 1;
			p->done = 0;
			p->first = -1;
		} else if (!assign && p->assigned) {
			kc->nassigned--;
			if (p->done)
				kc->ndone--;
			p->assigned = p->done = 0;
		}
	}
}

/*
 * librdkafka's rebalance callback: on assignment, the partitions are ours
 * from the group's committed positions (auto.offset.reset without one); on
 * revoke, what was written is let out, the reader given a moment to take
 * it, and its positions committed before the partitions go (not when they
 * were lost: another member may own them already).  A commit the group
 * refuses for the rebalance, and what a lost assignment leaves
 * uncommitted, are said (say_uncommitted) and the consumer goes on: its
 * next reader reads those records again.  Eager or cooperative, as the
 * group's protocol says.
 */
static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *l,
		      void *opaque)
{
	struct kc *kc = opaque;
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *ke = NULL;
	rd_kafka_resp_err_t re = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		take(kc, l, 1);
		if (coop)
			ke = rd_kafka_incremental_assign(rk, l);
		else
			re = rd_kafka_assign(rk, l);
	} else {
		if (rd_kafka_assignment_lost(rk) && !kc->closed) {
			say_lost(kc, l);
		} else if (!kc->nocommit && !kc->closed) {
			struct error err;
			int rc = output_flush(kc->out, &err);
			if (rc == OUTPUT_CLOSED) {
				kc->closed = 1;
			} else if (rc == OUTPUT_ERROR) {
				kc->cberr = err;
				kc->cbfailed = 1;
				kc->nocommit = 1;
			} else if (kc->dv_init) {
				if (delivery_drain(&kc->dv, REVOKE_DRAIN_MS, kc->o->k.stop) == DELIVERY_GONE)
					kc->closed = 1;
			}
			if (!kc->nocommit && commit_taken(kc, l, 1, &err) < 0 && !kc->cbfailed) {
				kc->cberr = err;
				kc->cbfailed = 1;
			}
		}
		take(kc, l, 0);
		if (coop)
			ke = rd_kafka_incremental_unassign(rk, l);
		else
			re = rd_kafka_assign(rk, NULL);
	}
	if (ke) {
		if (!kc->cbfailed)
			error_set(&kc->cberr, "group '%s' of '%s': %s", kc->o->group, topic_of(kc),
				  rd_kafka_error_string(ke));
		kc->cbfailed = 1;
		rd_kafka_error_destroy(ke);
	} else if (re != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (!kc->cbfailed)
			error_set(&kc->cberr, "group '%s' of '%s': %s", kc->o->group, topic_of(kc),
				  rd_kafka_err2str(re));
		kc->cbfailed = 1;
	}
}

/* --- setting up ---------------------------------------------------------- */

/* The topic's partition count, from the cluster's metadata. */
static int topic_partitions(struct kc *kc, struct error *err)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(kc->rk, topic_of(kc), NULL);
	rd_kafka_resp_err_t e;

	if (!t)
		return error_set(err, "'%s': %s", topic_of(kc),
				 rd_kafka_err2str(rd_kafka_last_error()));
	e = rd_kafka_metadata(kc->rk, 0, t, &md, KAFKA_TIMEOUT_MS);
	rd_kafka_topic_destroy(t);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
		e = md->topics[0].err;
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt <= 0)
		e = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		error_set(err, "'%s': no such topic in the cluster '%s'", topic_of(kc),
			  kc->o->k.brokers);
	} else if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		error_set(err, "'%s': unable to get the topic's metadata from '%s': %s",
			  topic_of(kc), kc->o->k.brokers, rd_kafka_err2str(e));
	} else {
		kc->nparts = (uint32_t)md->topics[0].partition_cnt;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	return e == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* Partition n's watermarks. */
static int watermarks(struct kc *kc, uint32_t n, int64_t *lo, int64_t *hi, struct error *err)
{
	rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(kc->rk, topic_of(kc), (int32_t)n,
								lo, hi, KAFKA_TIMEOUT_MS);

	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, "'%s' [%" PRIu32 "]: unable to get its offsets: %s",
				 topic_of(kc), n, rd_kafka_err2str(e));
	return 0;
}

/* Assigns the partitions of l (at their offsets) to the consumer.  0, or
 * -1 with err set. */
static int assign(struct kc *kc, const rd_kafka_topic_partition_list_t *l, struct error *err)
{
	rd_kafka_resp_err_t e = rd_kafka_assign(kc->rk, l);

	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, "'%s': unable to assign its partitions: %s", topic_of(kc),
				 rd_kafka_err2str(e));
	return 0;
}

/* --from @TIME: l's offsets (times, ms) replaced by the first offset at or
 * after each time; a partition with no message there starts at its end
 * (end[j] for l's j-th element, or librdkafka's logical end when end is
 * NULL).  0, or -1 with err set. */
static int times_to_offsets(struct kc *kc, rd_kafka_topic_partition_list_t *l,
			    const int64_t *end, struct error *err)
{
	rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(kc->rk, l, KAFKA_TIMEOUT_MS);

	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, "'%s': unable to get the offsets for a time: %s",
				 topic_of(kc), rd_kafka_err2str(e));
	for (int j = 0; j < l->cnt; j++) {
		rd_kafka_topic_partition_t *t = &l->elems[j];
		if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR)
			return error_set(err, "'%s' [%" PRId32 "]: unable to get the offset for a "
					 "time: %s", topic_of(kc), t->partition,
					 rd_kafka_err2str(t->err));
		if (t->offset < 0)
			t->offset = end ? end[j] : RD_KAFKA_OFFSET_END;
	}
	return 0;
}

/*
 * Without a group: assigns the partitions asked for (all, or
 * o->partitions) at the range's start: beginning, end, an offset (the
 * low watermark when it is before it; past the high one, nothing before it
 * is written), the last N, or the first offset at or after a time
 * (offsets_for_times; none: the end).  A partition whose start is at or
 * past --to OFFSET is done at once and not fetched.
 */
static int assign_range(struct kc *kc, struct error *err)
{
	const struct kafka_consume_options *o = kc->o;
	const struct replay_range *r = &o->range;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
	int rc = -1;

	for (size_t j = 0; j < (o->partitions ? o->npartitions : kc->nparts); j++) {
		uint32_t n = o->partitions ? o->partitions[j] : (uint32_t)j;
		int64_t off = RD_KAFKA_OFFSET_BEGINNING, lo = 0, hi = 0;
		if (n >= kc->nparts) {
			error_set(err, "'%s' has %" PRIu32 " partitions: no partition %" PRIu32,
				  topic_of(kc), kc->nparts, n);
			goto out;
		}
		if (r->from == FROM_OFFSET || r->from == FROM_LAST || r->to == TO_OFFSET) {
			if (watermarks(kc, n, &lo, &hi, err) < 0)
				goto out;
		}
		switch (r->from) {
		case FROM_BEGINNING:
			off = RD_KAFKA_OFFSET_BEGINNING;
			break;
		case FROM_END:
			off = RD_KAFKA_OFFSET_END;
			break;
		case FROM_OFFSET:
			kc->p[n].start = r->from_offset > INT64_MAX ? INT64_MAX : (int64_t)r->from_offset;
			off = kc->p[n].start < lo ? lo : kc->p[n].start > hi ? hi : kc->p[n].start;
			break;
		case FROM_LAST:
			off = (uint64_t)(hi - lo) <= r->last ? lo : hi - (int64_t)r->last;
			break;
		case FROM_TIME:
			off = r->from_time;	/* replaced by offsets_for_times below */
			break;
		}
		if (r->to == TO_OFFSET && r->from != FROM_TIME) {
			/* where reading starts: nothing before --to, done */
			int64_t at = off == RD_KAFKA_OFFSET_BEGINNING ? lo
				   : off == RD_KAFKA_OFFSET_END ? hi
				   : off > kc->p[n].start ? off : kc->p[n].start;
			if ((uint64_t)at >= r->to_offset) {
				/* counted as done, so that the run ends when
				 * every partition is there */
				kc->p[n].assigned = kc->p[n].done = 1;
				kc->nassigned++;
				kc->ndone++;
				continue;
			}
		}
		rd_kafka_topic_partition_list_add(l, topic_of(kc), (int32_t)n)->offset = off;
	}
	if (r->from == FROM_TIME && l->cnt > 0) {
		if (times_to_offsets(kc, l, NULL, err) < 0)
			goto out;
	}
	take(kc, l, 1);
	if (assign(kc, l, err) < 0)
		goto out;
	rc = 0;
out:
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

/* --- reading ------------------------------------------------------------- */

/* Partition n is at its end or at --to: nothing more of it is written. */
static void partition_done(struct kc *kc, int32_t n)
{
	struct kpart *p = &kc->p[n];
	rd_kafka_topic_partition_list_t *l;

	if (p->done || !p->assigned)
		return;
	p->done = 1;
	kc->ndone++;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic_of(kc), n);
	rd_kafka_pause_partitions(kc->rk, l);	/* fetch no more of it */
	rd_kafka_topic_partition_list_destroy(l);
}

/* Notes that the output holds partition n's records before next. */
static void given(struct kc *kc, int32_t n, int64_t next)
{
	struct output *o = kc->out;

	/* after a rebalance, a partition may come back at a position before
	 * what was given of it earlier: the marks resume past that (the
	 * reader took those records, earlier) */
	if (kc->dv_init && (uint64_t)next > kc->dv.given_part[n])
		delivery_mark_part(&kc->dv, o->total + o->b.len, (size_t)n, (uint64_t)next, o->total);
}

/* --- --resume, --resume-from-kafka --------------------------------------- */

/*
 * Reads the checkpoint (OUT's last checkpoint record, or the last message
 * keyed resume_group in the checkpoint topic) into kc->b and checks it:
 * of this topic (the topic alone is compared: the brokers may be written
 * otherwise from one run to the next), not the end of the pipe.  Lays out
 * the barrier written next: this run's brokers, the group, the states to
 * restore; the checkpoint's positions go to kc->ckpos.  No checkpoint: a
 * barrier without states, and the range's --from.
 */
static int resume_open(struct kc *kc, struct error *err)
{
	const struct kafka_consume_options *o = kc->o;
	struct buf body = BUF_INIT;
	struct barrier *b = &kc->b;
	char where[600], what[600];
	uint64_t off = 0;
	int64_t koff = 0;
	int rc;

	if (o->resume) {
		snprintf(where, sizeof where, "'%s'", o->resume);
		if ((rc = checkpoint_last(o->resume, &body, &off, err)) < 0)
			error_prefix(err, "--resume '%s'", o->resume);
	} else {
		snprintf(where, sizeof where, "'%s%s'", o->resume_topic, KAFKA_CHECKPOINT_SUFFIX);
		if ((rc = kafka_checkpoint_last(&o->k, o->resume_topic, o->resume_group, &body,
						&koff, err)) < 0)
			error_prefix(err, "--resume-from-kafka '%s'", o->resume_topic);
		off = (uint64_t)koff;
	}
	if (rc <= 0) {
		buf_release(&body);
		if (rc < 0)
			return -1;
		memset(b, 0, sizeof *b);
		if (!(b->source_kind = strdup("kafka")) || !(b->topic = strdup(o->k.topic)))
			return error_set(err, "out of memory");
	} else {
		rc = barrier_decode_body(b, body.p, body.len, err);
		buf_release(&body);
		if (rc < 0)
			return error_prefix(err, "%s: the checkpoint at offset %llu", where,
					    (unsigned long long)off);
		if (strcmp(b->source_kind, "kafka") || strcmp(b->topic, o->k.topic)) {
			if (strcmp(b->source_kind, "kafka"))
				snprintf(what, sizeof what, "the %s '%s'", b->source_kind, b->path);
			else
				snprintf(what, sizeof what, "the Kafka topic '%s'", b->topic);
			return error_set(err, "%s: its checkpoint is of %s, not of the Kafka topic '%s'",
					 where, what, o->k.topic);
		}
		if (o->resume_topic && (!b->group || strcmp(b->group, o->resume_group)))
			return error_set(err, "%s: the checkpoint keyed '%s' at offset %llu names the "
					 "group '%s'", where, o->resume_group,
					 (unsigned long long)off, b->group ? b->group : "(none)");
		if (b->end && o->resume)
			return error_set(err, "%s: its last checkpoint ended the pipe (--to was "
					 "reached): it is not resumed; remove %s to run the pipe "
					 "again", where, where);
		if (b->end)
			return error_set(err, "%s: the last checkpoint of group '%s' (offset %llu) "
					 "ended the pipe (--to was reached): it is not resumed; a "
					 "null message keyed '%s' there deletes it", where,
					 o->resume_group, (unsigned long long)off, o->resume_group);
		kc->has_ck = 1;
		kc->ckpos = b->pos;
		kc->nckpos = b->npos;
		b->pos = NULL;
		b->npos = 0;
		free(b->brokers);
		free(b->group);
		b->brokers = b->group = NULL;
	}
	if (!(b->brokers = strdup(o->k.brokers)) ||
	    (o->resume_group && !(b->group = strdup(o->resume_group))))
		return error_set(err, "out of memory");
	return 0;
}

/* "0,2,5" (then ",..." when it is long): a set of partitions, for a message. */
static void partition_set(char *out, size_t size, const struct barrier_position *pos, size_t n)
{
	size_t len = 0;

	snprintf(out, size, "none");
	for (size_t i = 0; i < n; i++) {
		if (len + 16 >= size) {
			snprintf(out + len, size - len, ",...");
			break;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%u", i ? "," : "", pos[i].partition);
	}
}

/*
 * Assigns the partitions asked for (all, or o->partitions), at the
 * checkpoint's positions, which must cover exactly those partitions, or
 * without one at the range's start, each resolved to an offset (the
 * barriers' positions).  A position outside the partition's watermarks is
 * an error: records deleted since (retention), or another topic of that
 * name.  A partition at or past --to OFFSET already is done, and not
 * fetched.
 */
static int resume_assign(struct kc *kc, struct error *err)
{
	const struct kafka_consume_options *o = kc->o;
	const struct replay_range *r = &o->range;
	struct barrier *b = &kc->b;
	size_t n = o->partitions ? o->npartitions : kc->nparts;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
	rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(8);
	int64_t *hi = calloc(n ? n : 1, sizeof *hi);
	char had[256], now[256];
	int rc = -1;

	if (!(b->pos = calloc(n ? n : 1, sizeof *b->pos)) || !hi) {
		error_set(err, "out of memory");
		goto out;
	}
	b->npos = n;
	for (size_t j = 0; j < n; j++) {
		uint32_t part = o->partitions ? o->partitions[j] : (uint32_t)j;
		if (part >= kc->nparts) {
			error_set(err, "'%s' has %" PRIu32 " partitions: no partition %" PRIu32,
				  topic_of(kc), kc->nparts, part);
			goto out;
		}
		b->pos[j].partition = part;
	}
	if (kc->has_ck) {
		size_t j;
		for (j = 0; j < n && j < kc->nckpos; j++)
			if (kc->ckpos[j].partition != b->pos[j].partition)
				break;
		if (j < n || j < kc->nckpos) {
			partition_set(had, sizeof had, kc->ckpos, kc->nckpos);
			partition_set(now, sizeof now, b->pos, n);
			error_set(err, "'%s': its checkpoint covers partition%s %s, this run reads %s: "
				  "resume with the --partition of the run that wrote it",
				  o->resume ? o->resume : o->resume_topic, kc->nckpos == 1 ? "" : "s",
				  had, now);
			goto out;
		}
	}
	for (size_t j = 0; j < n; j++) {
		uint32_t part = b->pos[j].partition;
		int64_t off = 0, lo = 0;
		if (watermarks(kc, part, &lo, &hi[j], err) < 0)
			goto out;
		if (kc->has_ck) {
			uint64_t at = kc->ckpos[j].next;
			if (at < (uint64_t)lo || at > (uint64_t)hi[j]) {
				error_set(err, "'%s' [%" PRIu32 "]: the checkpoint's position %" PRIu64
					  " is %s (offsets %" PRId64 " to %" PRId64 "): %s", topic_of(kc),
					  part, at, at < (uint64_t)lo ? "before the partition's first record"
					  : "past the partition's end", lo, hi[j],
					  at < (uint64_t)lo ? "the records between were deleted "
					  "(retention), they cannot be read again"
					  : "is it the same topic?");
				goto out;
			}
			off = (int64_t)at;
		} else {
			switch (r->from) {
			case FROM_BEGINNING:
				off = lo;
				break;
			case FROM_END:
				off = hi[j];
				break;
			case FROM_OFFSET:
				kc->p[part].start = r->from_offset > INT64_MAX ? INT64_MAX :
						    (int64_t)r->from_offset;
				off = kc->p[part].start < lo ? lo :
				      kc->p[part].start > hi[j] ? hi[j] : kc->p[part].start;
				break;
			case FROM_LAST:
				off = (uint64_t)(hi[j] - lo) <= r->last ? lo : hi[j] - (int64_t)r->last;
				break;
			case FROM_TIME:
				off = r->from_time;	/* replaced by offsets_for_times below */
				break;
			}
		}
		rd_kafka_topic_partition_list_add(l, topic_of(kc), (int32_t)part)->offset = off;
	}
	if (!kc->has_ck && r->from == FROM_TIME && l->cnt > 0) {
		if (times_to_offsets(kc, l, hi, err) < 0)
			goto out;
	}
	for (int j = 0; j < l->cnt; j++) {
		rd_kafka_topic_partition_t *t = &l->elems[j];
		struct kpart *p = &kc->p[t->partition];
		p->assigned = 1;
		p->first = -1;
		p->next = t->offset;
		kc->nassigned++;
		if (r->to == TO_OFFSET &&
		    (uint64_t)(t->offset > p->start ? t->offset : p->start) >= r->to_offset) {
			/* nothing before --to: done, and not fetched */
			p->done = p->to_hit = 1;
			kc->ndone++;
			continue;
		}
		rd_kafka_topic_partition_list_add(a, topic_of(kc), t->partition)->offset = t->offset;
	}
	if (assign(kc, a, err) < 0)
		goto out;
	rc = 0;
out:
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_topic_partition_list_destroy(a);
	free(hi);
	return rc;
}

/* Writes kc->b (a restore, or the next barrier) with the positions now. */
static int put_control(struct kc *kc, enum barrier_kind kind, int end, struct error *err)
{
	struct barrier *b = &kc->b;

	for (size_t i = 0; i < b->npos; i++)
		b->pos[i].next = (uint64_t)kc->p[b->pos[i].partition].next;
	if (barrier_next(b, kind, end, time_now_ms(), &kc->item) < 0)
		return error_set(err, "out of memory"), OUTPUT_ERROR;
	kc->last_barrier = time_now_ms();
	kc->written = 0;
	return output_raw(kc->out, kc->item.p, kc->item.len, err);
}

/* A barrier after what was written, when the interval has passed. */
static int maybe_barrier(struct kc *kc, struct error *err)
{
	if (!kc->resume || !kc->written ||
	    time_now_ms() - kc->last_barrier < kc->o->checkpoint_interval)
		return OUTPUT_OK;
	return put_control(kc, BARRIER_BARRIER, 0, err);
}

/* Whether every assigned partition stopped at --to: the input really
 * ended (the last barrier's "end"). */
static int to_reached(const struct kc *kc)
{
	if (kc->o->range.to == TO_NONE)
		return 0;
	for (size_t i = 0; i < kc->b.npos; i++)
		if (!kc->p[kc->b.pos[i].partition].to_hit)
			return 0;
	return 1;
}

/* Partition n's position moves to next (a record written or passed over,
 * its end seen); at --to OFFSET it is done. */
static void advance(struct kc *kc, int32_t n, int64_t next)
{
	struct kpart *p = &kc->p[n];

	if (!kc->resume || next <= p->next)
		return;
	p->next = next;
	if (kc->o->range.to == TO_OFFSET && (uint64_t)next >= kc->o->range.to_offset) {
		p->to_hit = 1;
		partition_done(kc, n);
	}
}

/*
 * A message as a record in kc->rec: key, value and headers decoded in the
 * formats asked.  Returns 0, or -1 with err naming the partition and offset.
 */
static int to_record(struct kc *kc, const rd_kafka_message_t *m, struct record *r,
		     struct error *err)
{
	const struct kafka_options *k = &kc->o->k;
	rd_kafka_headers_t *h = NULL;
	rd_kafka_timestamp_type_t tt;
	size_t keyend, valend;
	int hr;

	memset(r, 0, sizeof *r);
	kc->rec.len = 0;
	r->offset = (uint64_t)m->offset;
	r->ts = rd_kafka_message_timestamp(m, &tt);
	r->has_partition = 1;
	r->partition = (uint32_t)m->partition;
	if (tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || r->ts < 0) {
		error_set(err, "message without timestamp");
		goto bad;
	}
	if (kafka_decode(k->key_format, m->key, m->key_len, &kc->rec, err) < 0) {
		error_prefix(err, "key");
		goto bad;
	}
	keyend = kc->rec.len;
	if (kafka_decode(k->value_format, m->payload, m->len, &kc->rec, err) < 0) {
		error_prefix(err, "value");
		goto bad;
	}
	valend = kc->rec.len;
	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
		h = NULL;
	if ((hr = kafka_headers_decode(h, &kc->rec, err)) < 0) {
		error_prefix(err, "headers");
		goto bad;
	}
	r->key = kc->rec.p;
	r->keylen = keyend;
	r->value = kc->rec.p + keyend;
	r->valuelen = valend - keyend;
	if (hr > 0) {
		r->headers = kc->rec.p + valend;
		r->headerslen = kc->rec.len - valend;
	}
	return 0;
bad:
	return error_prefix(err, "%s [%" PRId32 "] offset %" PRId64, topic_of(kc), m->partition,
			    m->offset);
}

/* Stopping: -n reached, or every assigned partition done (at its end, or
 * at --to).  A group has none assigned before it joins: it goes on. */
static int finished(const struct kc *kc)
{
	const struct kafka_consume_options *o = kc->o;

	if (kc->st->records >= o->range.count)
		return 1;
	if (!o->exit_at_end && o->range.to == TO_NONE)
		return 0;
	return kc->nassigned > 0 && kc->ndone == kc->nassigned;
}

/*
 * One message or event from the consumer: a record written, a partition
 * at its end, an error.  Returns OUTPUT_OK, OUTPUT_CLOSED or OUTPUT_ERROR.
 */
static int consume_message(struct kc *kc, const rd_kafka_message_t *m, struct error *err)
{
	const struct kafka_consume_options *o = kc->o;
	struct kpart *p;
	struct record r;
	int rc;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (m->partition < 0 || (uint32_t)m->partition >= kc->nparts)
			return OUTPUT_OK;
		/* the end's offset: past a transaction's control records;
		 * not for a partition done (at --to): what the fetcher read
		 * past it was not written */
		if (kc->p[m->partition].assigned && !kc->p[m->partition].done)
			advance(kc, m->partition, m->offset);
		if (o->exit_at_end)
			partition_done(kc, m->partition);
		return OUTPUT_OK;
	}
	if (m->err) {
		/* transport errors and the like are retried by librdkafka;
		 * these are not */
		switch (m->err) {
		case RD_KAFKA_RESP_ERR__FATAL:
		case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
		case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
		case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
		case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
		case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
			if (m->partition >= 0)
				error_set(err, "'%s' [%" PRId32 "]: %s", topic_of(kc), m->partition,
					  rd_kafka_message_errstr(m));
			else
				error_set(err, "'%s': %s", topic_of(kc), rd_kafka_message_errstr(m));
			return OUTPUT_ERROR;
		default:
			return OUTPUT_OK;
		}
	}
	if (m->partition < 0 || (uint32_t)m->partition >= kc->nparts)
		return OUTPUT_OK;
	p = &kc->p[m->partition];
	if (!p->assigned || p->done)
		return OUTPUT_OK;
	if (m->offset < p->start) {
		advance(kc, m->partition, m->offset + 1);	/* passed over */
		return OUTPUT_OK;
	}
	if (p->first < 0)
		p->first = m->offset;
	if ((o->range.to == TO_OFFSET && (uint64_t)m->offset >= o->range.to_offset) ||
	    (o->range.to == TO_TIME && rd_kafka_message_timestamp(m, NULL) >= o->range.to_time)) {
		p->to_hit = 1;
		partition_done(kc, m->partition);
		return OUTPUT_OK;
	}
	if (to_record(kc, m, &r, err) < 0) {
		if (!o->k.skip_bad)
			return OUTPUT_ERROR;
		kc->st->bad++;
		if (o->on_warn)
			o->on_warn(o->ctx, err->msg);
		given(kc, m->partition, m->offset + 1);	/* passed over: as taken */
		kc->written = kc->resume;
		advance(kc, m->partition, m->offset + 1);
		return OUTPUT_OK;
	}
	rc = output_record(kc->out, &r, err);
	if (rc != OUTPUT_OK)
		return rc;
	kc->st->records++;
	given(kc, m->partition, m->offset + 1);
	kc->written = kc->resume;
	advance(kc, m->partition, m->offset + 1);
	return OUTPUT_OK;
}

/* The tool's own librdkafka settings, before -X. */
static rd_kafka_conf_t *make_conf(struct kc *kc, struct error *err)
{
	const struct kafka_consume_options *o = kc->o;
	const char *reset = o->range.from == FROM_END ? "latest" : "earliest";
	const char *defaults[] = {
		/* --resume: the end's offset is the position, past the
		 * control records that end a transaction */
		"enable.partition.eof", o->exit_at_end || kc->resume ? "true" : "false",
		/* librdkafka's default, said: a message of a transaction
		 * aborted, or still open, is never written */
		"isolation.level", "read_committed",
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"auto.offset.reset", reset,
		/* a bounded fetch queue: at most 64 MiB of messages
		 * prefetched, whatever their number.  librdkafka 2.0.2 looks
		 * at a partition it stopped fetching for a full queue only
		 * when its broker thread wakes, up to a second later: a
		 * bound by count (queued.min.messages, default 100000) hit
		 * every 100000 messages stalled reading 1M events for 3 s of
		 * 5; fetches of 2 MiB keep the buffers the queue pins small */
		"queued.min.messages", "10000000",
		"queued.max.messages.kbytes", "65536",
		"fetch.max.bytes", "2097152",
		/* librdkafka 2.0.2 assigns partitions only in a group: without
		 * --group, one that never subscribes nor commits */
		"group.id", o->group ? o->group : "logkafka-consume",
		NULL,
	};
	rd_kafka_conf_t *conf = kafka_conf(&o->k, defaults, err);

	if (conf && o->group) {
		rd_kafka_conf_set_opaque(conf, kc);
		rd_kafka_conf_set_rebalance_cb(conf, rebalance);
	}
	return conf;
}

int kafka_consume(const struct kafka_consume_options *o, struct output *out,
		  struct kafka_consume_stats *st, struct error *err)
{
	struct kc kc = { .o = o, .out = out, .st = st, .resume = o->resume || o->resume_topic };
	rd_kafka_conf_t *conf;
	char why[512];
	int rc = OUTPUT_ERROR;

	memset(st, 0, sizeof *st);
	
	if (o->group && o->partitions) {
		error_set(err, "--partition and --group: the group assigns the partitions");
		goto end;
	}
	if (kc.resume && (o->group || out->format != OUT_FRAMED || (o->resume && o->resume_topic) ||
			  (o->resume_topic && !o->resume_group))) {
		error_set(err, "--resume and --resume-from-kafka: one of them, framed output, no "
			  "--group subscription (--resume-from-kafka names the group)");
		goto end;
	}
	if (!(conf = make_conf(&kc, err)))
		goto end;
	kc.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
	if (!kc.rk) {
		rd_kafka_conf_destroy(conf);
		error_set(err, "unable to start a Kafka consumer: %s", why);
		goto end;
	}
	rd_kafka_poll_set_consumer(kc.rk);
	if (topic_partitions(&kc, err) < 0)
		goto end;
	kc.p = calloc(kc.nparts, sizeof *kc.p);
	if (!kc.p) {
		error_set(err, "out of memory");
		goto end;
	}
	if (o->group) {
		uint64_t *zero = calloc(kc.nparts, sizeof *zero);
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_resp_err_t e;
		if (!zero || delivery_init_parts(&kc.dv, out->fd, kc.nparts, zero) < 0) {
			free(zero);
			rd_kafka_topic_partition_list_destroy(l);
			error_set(err, "out of memory");
			goto end;
		}
		free(zero);
		kc.dv_init = 1;
		rd_kafka_topic_partition_list_add(l, o->k.topic, RD_KAFKA_PARTITION_UA);
		e = rd_kafka_subscribe(kc.rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			error_set(err, "group '%s' of '%s': unable to subscribe: %s", o->group,
				  o->k.topic, rd_kafka_err2str(e));
			goto end;
		}
	} else if (kc.resume) {
		if (resume_open(&kc, err) < 0 || resume_assign(&kc, err) < 0 ||
		    put_control(&kc, BARRIER_RESTORE, 0, err) != OUTPUT_OK)
			goto end;
	} else if (assign_range(&kc, err) < 0) {
		goto end;
	}
	kc.last_commit = time_now_ms();
	rc = OUTPUT_OK;
	while (!finished(&kc)) {
		rd_kafka_message_t *m;
		if (o->k.stop && *o->k.stop)
			break;
		m = rd_kafka_consumer_poll(kc.rk, 0);
		if (!m) {
			/* about to wait: let out what was written (a pipeline
			 * downstream sees it live), with a barrier after it,
			 * commit what was taken */
			if ((rc = maybe_barrier(&kc, err)) != OUTPUT_OK ||
			    (rc = output_flush(out, err)) != OUTPUT_OK)
				break;
			if (o->group && time_now_ms() - kc.last_commit >= o->commit_interval &&
			    commit_taken(&kc, NULL, 0, err) < 0) {
				rc = OUTPUT_ERROR;
				break;
			}
			if (reader_gone(&kc)) {
				rc = OUTPUT_CLOSED;
				break;
			}
			m = rd_kafka_consumer_poll(kc.rk, POLL_MS);
		}
		if (kc.cbfailed) {
			*err = kc.cberr;
			rc = OUTPUT_ERROR;
		} else if (kc.closed) {
			rc = OUTPUT_CLOSED;
		} else if (m) {
			rc = consume_message(&kc, m, err);
		}
		if (m)
			rd_kafka_message_destroy(m);
		if (rc == OUTPUT_OK)
			rc = maybe_barrier(&kc, err);
		if (rc != OUTPUT_OK)
			break;
		if (o->group && time_now_ms() - kc.last_commit >= o->commit_interval) {
			if ((rc = output_flush(out, err)) != OUTPUT_OK)
				break;
			if (commit_taken(&kc, NULL, 0, err) < 0) {
				rc = OUTPUT_ERROR;
				break;
			}
		}
	}
	/* what was written before an error is good: let it out first; commit
	 * what was written and taken, never more (and nothing after an
	 * error, as logcat --group); with --resume, a barrier for what was
	 * written (end true only when --to was reached) */
	if (rc == OUTPUT_OK && kc.resume)
		rc = put_control(&kc, BARRIER_BARRIER, to_reached(&kc), err);
	if (rc == OUTPUT_OK)
		rc = output_finish(out, err);
	else if (rc == OUTPUT_ERROR)
		output_flush(out, NULL);
	if (rc == OUTPUT_STOPPED)
		rc = OUTPUT_OK;
	if (rc == OUTPUT_ERROR)
		kc.nocommit = 1;
	if (o->group && kc.dv_init && rc != OUTPUT_ERROR) {
		struct error cerr;
		if (rc == OUTPUT_OK && !(o->k.stop && *o->k.stop))
			delivery_drain(&kc.dv, -1, o->k.stop);
		if (commit_taken(&kc, NULL, 1, &cerr) < 0) {
			*err = cerr;
			rc = OUTPUT_ERROR;
			kc.nocommit = 1;
		}
		if (o->commit_manual)
			say_positions(&kc);
	}
	kc.nocommit = 1;	/* committed above: leaving commits nothing more */
	if (kc.rk && o->group) {
		rd_kafka_consumer_close(kc.rk);
		if (kc.cbfailed && rc != OUTPUT_ERROR) {
			*err = kc.cberr;
			rc = OUTPUT_ERROR;
		}
	}
end:
	if (kc.rk)
		rd_kafka_destroy(kc.rk);
	if (kc.dv_init)
		delivery_release(&kc.dv);
	free(kc.p);
	buf_release(&kc.rec);
	free(kc.ckpos);
	barrier_free(&kc.b);
	buf_release(&kc.item);
	return rc;
}
