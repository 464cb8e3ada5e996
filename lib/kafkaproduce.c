/*
 * kafkaproduce.c - logkafka produce (kafkaproduce.h): records read from a
 * descriptor as logappend reads them, each mapped (kafka.h) and given to
 * librdkafka's idempotent producer at the partition partitioner.h picks;
 * done when every record has its delivery report.
 *
 * What names a record in a message (its input number and offset) travels
 * with the message as its opaque; the key is the message's own.  The
 * delivery reports are served by rd_kafka_poll on this thread, so the
 * counts need no lock.
 *
 * Transactional (--transactional ID): a transaction is begun at the first
 * record or barrier after a commit, and each barrier ends one (txn_barrier):
 * the records' delivery reports all in, the checkpoint message (its opaque
 * NULL), the offsets, the commit.  Each librdkafka transaction call goes
 * through txn_call's rule: retriable, called again; abortable, the
 * transaction aborted; fatal, the producer is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "json.h"
#include "kafkacheckpoint.h"
#include "kafkaproduce.h"
#include "partitioner.h"
#include "stream.h"

/* A message in flight: what names its record. */
struct inflight {
	uint64_t recno;		/* the record's number in the input, from 1 */
	uint64_t offset;	/* its offset field */
	struct inflight *next;	/* free: the next free one */
};

/* The messages in flight come from chunks of this many, reused through a
 * free list (a malloc per message cost 10% of the run). */
#define INFLIGHT_CHUNK 4096

struct chunk {
	struct chunk *next;
	struct inflight f[INFLIGHT_CHUNK];
};

struct producer {
	const struct kafka_produce_options *o;
	const char *name;
	struct kafka_produce_stats *st;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct buf msg;		/* a failure's message */
	char last[256];		/* the cluster's last error (error_cb), or "" */
	struct chunk *chunks;	/* every chunk, to free at the end */
	struct inflight *free;	/* the free list */
	/* transactional */
	rd_kafka_topic_t *ckpt;	/* T.logtools-checkpoints */
	int txn_ms;		/* each transaction call's timeout */
	int open;		/* a transaction is begun */
	uint64_t txn_records;	/* records produced in the open transaction */
	uint64_t failed_before;	/* st->failed when it began */
	uint64_t barriers;	/* barriers committed */
	int aborting;		/* reports now are of purged messages */
	int fatal;		/* a fatal error: no transaction call may follow */
};

static struct inflight *inflight_get(struct producer *pr)
{
	struct inflight *f = pr->free;

	if (!f) {
		struct chunk *c = malloc(sizeof *c);
		if (!c)
			return NULL;
		c->next = pr->chunks;
		pr->chunks = c;
		for (size_t i = 0; i < INFLIGHT_CHUNK; i++) {
			c->f[i].next = f;
			f = &c->f[i];
		}
	}
	pr->free = f->next;
	return f;
}

static void inflight_put(struct producer *pr, struct inflight *f)
{
	f->next = pr->free;
	pr->free = f;
}

/* The tool's own settings (-X goes over them). */
static const char *const defaults[] = {
	"enable.idempotence", "true",
	"acks", "all",
	"allow.auto.create.topics", "false",
	/* memory bound: what waits for the cluster (librdkafka's default is
	 * 1 GiB); 100000 messages is its default count bound */
	"queue.buffering.max.kbytes", "65536",
	NULL,
};

/* Appends a key's bytes for a message: as they are in json (a JSON text),
 * else as a JSON string; at most 100 bytes of them. */
static void describe_key(const struct producer *pr, const void *key, size_t n, struct buf *out)
{
	size_t max = n > 100 ? 100 : n;

	if (!key) {
		buf_printf(out, "key null");
		return;
	}
	buf_printf(out, "key ");
	if (pr->o->k.key_format == KAFKA_JSON && !memchr(key, '\n', max))
		buf_add(out, key, max);
	else
		json_add_string(out, key, max);
	if (max < n)
		buf_printf(out, "...");
}

static void report(const struct producer *pr, const char *msg)
{
	if (pr->o->on_record)
		pr->o->on_record(pr->o->ctx, msg);
}

/* Names a record that was not acknowledged, with the reason. */
static void report_failed(struct producer *pr, uint64_t recno, uint64_t offset, const void *key,
			  size_t keylen, const char *why)
{
	pr->msg.len = 0;
	buf_printf(&pr->msg, "%s: record %llu (offset %llu, ", pr->name,
		   (unsigned long long)recno, (unsigned long long)offset);
	describe_key(pr, key, keylen, &pr->msg);
	buf_printf(&pr->msg, "): not acknowledged: %s", why);
	if (buf_cstr(&pr->msg))
		report(pr, (const char *)pr->msg.p);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *pr = opaque;
	struct inflight *f = m->_private;

	if (!f)
		return;	/* a transaction's checkpoint message: its commit tells */
	if (pr->aborting) {
		/* purged by an abort: said once, by the abort's message */
		inflight_put(pr, f);
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		pr->st->delivered++;
	} else {
		pr->st->failed++;
		report_failed(pr, f->recno, f->offset, m->key, m->key_len,
			      rd_kafka_err2str(m->err));
	}
	inflight_put(pr, f);
}

/* Kafka's errors that are not about one message (a broker unreachable):
 * the last one kept, for the message at the end; the delivery reports
 * say what they cost.  librdkafka's own log lines are kept quiet unless
 * asked for (-X debug=... or log_level=...). */
static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct producer *pr = opaque;

	snprintf(pr->last, sizeof pr->last, "%s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

/* Whether -X asks for librdkafka's log lines. */
static int wants_log(const struct kafka_options *k)
{
	for (size_t i = 0; i < k->nprops; i++)
		if (!strncmp(k->props[i], "debug=", 6) || !strncmp(k->props[i], "log_level=", 10))
			return 1;
	return 0;
}

/* Adds the cluster's last error to err, when there was one. */
static void add_last(const struct producer *pr, struct error *err)
{
	size_t l = strlen(err->msg);

	if (pr->last[0])
		snprintf(err->msg + l, sizeof err->msg - l, " (the cluster's last error: %s)",
			 pr->last);
}

/* The topic's partition count from the cluster's metadata, waiting at
 * most ms. */
static int topic_partitions(struct producer *pr, rd_kafka_topic_t *rkt, const char *topic, int ms,
			    uint32_t *n, struct error *err)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	int tries;

	for (tries = 0;; tries++) {
		e = rd_kafka_metadata(pr->rk, 0, rkt, &md, ms);
		if (e)
			return error_set(err, "'%s': unable to get the topic's metadata: %s", topic,
					 rd_kafka_err2str(e));
		e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		*n = md->topic_cnt == 1 ? (uint32_t)md->topics[0].partition_cnt : 0;
		rd_kafka_metadata_destroy(md);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR && *n > 0)
			return 0;
		if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			return error_set(err, "'%s': no such topic", topic);
		/* a topic being created has no leader yet for a moment */
		if (e != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE || tries >= 20)
			return error_set(err, "'%s': %s", topic,
					 e ? rd_kafka_err2str(e) : "no partitions");
		rd_kafka_poll(pr->rk, 100);
	}
}

/* The partition of record r (or RD_KAFKA_PARTITION_UA: librdkafka's). */
static int place(struct producer *pr, const struct record *r, struct buf *scratch,
		 int32_t *part, struct error *err)
{
	const uint8_t *kb;
	size_t kn;
	int rc;

	if (pr->o->keep_partitions) {
		if (!r->has_partition)
			return error_set(err, "--keep-partitions: the record carries no partition");
		if (r->partition >= pr->st->partitions)
			return error_set(err, "--keep-partitions: partition %u, but '%s' has %u",
					 r->partition, pr->o->k.topic, pr->st->partitions);
		*part = (int32_t)r->partition;
		return 0;
	}
	rc = partitioner_key_bytes(r->key, r->keylen, scratch, &kb, &kn, err);
	if (rc < 0)
		return error_prefix(err, "key");
	*part = rc == 0 ? RD_KAFKA_PARTITION_UA
			: (int32_t)partitioner_pick(partitioner_murmur2(kb, kn), pr->st->partitions);
	return 0;
}

/* Produces record r (number recno of the input).  Returns 0; 1 when the
 * record does not map (err says why: the caller names it); -1 when
 * librdkafka cannot go on (err set). */
static int produce(struct producer *pr, const struct record *r, uint64_t recno,
		   struct buf *key, struct buf *value, struct buf *scratch, struct error *err)
{
	const struct kafka_options *k = &pr->o->k;
	rd_kafka_headers_t *h = NULL;
	struct inflight *f;
	rd_kafka_resp_err_t e;
	int32_t part = RD_KAFKA_PARTITION_UA;
	int knull, vnull;

	if (r->ts <= 0)
		/* librdkafka takes 0 for "now", Kafka refuses negative times */
		return error_set(err, "timestamp %lld: Kafka's CreateTime must be after 0",
				 (long long)r->ts), 1;
	if (place(pr, r, scratch, &part, err) < 0)
		return 1;
	key->len = value->len = 0;
	if (kafka_encode(k->key_format, r->key, r->keylen, key, &knull, err) < 0)
		return error_prefix(err, "key"), 1;
	if (kafka_encode(k->value_format, r->value, r->valuelen, value, &vnull, err) < 0)
		return error_prefix(err, "value"), 1;
	if (r->headers) {
		h = rd_kafka_headers_new(8);
		if (kafka_headers_encode(r->headers, r->headerslen, h, err) < 0) {
			rd_kafka_headers_destroy(h);
			return 1;
		}
	}
	f = inflight_get(pr);
	if (!f) {
		if (h)
			rd_kafka_headers_destroy(h);
		return error_set(err, "out of memory");
	}
	f->recno = recno;
	f->offset = r->offset;
	for (;;) {
		e = rd_kafka_producev(pr->rk, RD_KAFKA_V_RKT(pr->rkt), RD_KAFKA_V_PARTITION(part),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				      RD_KAFKA_V_KEY(knull ? NULL : key->p, knull ? 0 : key->len),
				      RD_KAFKA_V_VALUE(vnull ? NULL : value->p,
						       vnull ? 0 : value->len),
				      RD_KAFKA_V_TIMESTAMP(r->ts), RD_KAFKA_V_HEADERS(h),
				      RD_KAFKA_V_OPAQUE(f), RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* the memory bound: wait for deliveries to make room */
		rd_kafka_poll(pr->rk, 10);
	}
	pr->st->records++;
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	/* not queued: headers and opaque stay ours */
	if (h)
		rd_kafka_headers_destroy(h);
	inflight_put(pr, f);
	pr->st->failed++;
	report_failed(pr, recno, r->offset, knull ? NULL : key->p, knull ? 0 : key->len,
		      rd_kafka_err2str(e));
	if (e == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];
		rd_kafka_fatal_error(pr->rk, why, sizeof why);
		return error_set(err, "the producer failed: %s", why);
	}
	return 0;
}

/* Waits for every delivery report (librdkafka bounds each message's wait
 * by message.timeout.ms). */
static void flush_all(struct producer *pr)
{
	while (pr->st->delivered + pr->st->failed < pr->st->records)
		rd_kafka_flush(pr->rk, 1000);
	/* reports already queued */
	rd_kafka_poll(pr->rk, 0);
}

/* --- transactions ---------------------------------------------------------- */

#define TXN_TRIES 10	/* a retriable error: the call made at most this often */

enum txn_op { TXN_INIT, TXN_BEGIN, TXN_OFFSETS, TXN_COMMIT, TXN_ABORT };

static const char *const txn_what[] = {
	"initialize the transactions", "begin a transaction",
	"send the offsets to the transaction", "commit the transaction",
	"abort the transaction",
};

static rd_kafka_error_t *txn_do(struct producer *pr, enum txn_op op,
				const rd_kafka_topic_partition_list_t *l,
				const rd_kafka_consumer_group_metadata_t *g)
{
	switch (op) {
	case TXN_INIT: return rd_kafka_init_transactions(pr->rk, pr->txn_ms);
	case TXN_BEGIN: return rd_kafka_begin_transaction(pr->rk);
	case TXN_OFFSETS: return rd_kafka_send_offsets_to_transaction(pr->rk, l, g, pr->txn_ms);
	case TXN_COMMIT: return rd_kafka_commit_transaction(pr->rk, pr->txn_ms);
	case TXN_ABORT: break;
	}
	return rd_kafka_abort_transaction(pr->rk, pr->txn_ms);
}

static int txn_call(struct producer *pr, enum txn_op op, const rd_kafka_topic_partition_list_t *l,
		    const rd_kafka_consumer_group_metadata_t *g, struct error *err);

/* Aborts the open transaction after the error in err, and says so in err.
 * Returns -1. */
static int txn_abort(struct producer *pr, struct error *err)
{
	struct error e2;
	size_t len = strlen(err->msg);
	uint64_t n = pr->txn_records;

	if (!pr->open || pr->fatal)
		return -1;
	pr->open = 0;
	pr->aborting = 1;
	if (txn_call(pr, TXN_ABORT, NULL, NULL, &e2) < 0)
		snprintf(err->msg + len, sizeof err->msg - len, "; and %s", e2.msg);
	else
		snprintf(err->msg + len, sizeof err->msg - len,
			 "; the transaction (%llu record%s) was aborted", (unsigned long long)n,
			 n == 1 ? "" : "s");
	rd_kafka_poll(pr->rk, 0);	/* the purged messages' reports */
	pr->aborting = 0;
	return -1;
}

/* Calls librdkafka's transaction call op: a retriable error, again (at
 * most TXN_TRIES times); an abortable one, err set and the transaction
 * aborted; a fatal one (or any other), err set.  Returns 0 or -1. */
static int txn_call(struct producer *pr, enum txn_op op, const rd_kafka_topic_partition_list_t *l,
		    const rd_kafka_consumer_group_metadata_t *g, struct error *err)
{
	rd_kafka_error_t *e;
	int tries, retriable, abortable;

	for (tries = 1;; tries++) {
		e = txn_do(pr, op, l, g);
		if (!e)
			return 0;
		retriable = rd_kafka_error_is_retriable(e);
		if (!retriable || rd_kafka_error_is_fatal(e) || tries == TXN_TRIES)
			break;
		rd_kafka_error_destroy(e);
	}
	abortable = rd_kafka_error_txn_requires_abort(e);
	if (rd_kafka_error_is_fatal(e))
		pr->fatal = 1;
	error_set(err, "transactional id '%s': unable to %s: %s%s", pr->o->transactional_id,
		  txn_what[op], rd_kafka_error_string(e),
		  pr->fatal ? " (a fatal error: the producer cannot go on)" :
		  retriable ? " (retriable, tried " : abortable ? " (abortable)" : "");
	if (!pr->fatal && retriable) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof err->msg - len, "%d times)", tries);
	}
	rd_kafka_error_destroy(e);
	if (op != TXN_ABORT)
		txn_abort(pr, err);
	return -1;
}

/* Begins a transaction unless one is open. */
static int txn_begin(struct producer *pr, struct error *err)
{
	if (pr->open)
		return 0;
	if (txn_call(pr, TXN_BEGIN, NULL, NULL, err) < 0)
		return -1;
	pr->open = 1;
	pr->txn_records = 0;
	pr->failed_before = pr->st->failed;
	return 0;
}

/* "group G, topic T: P:OFF,P:OFF" of barrier b, into st->offsets. */
static void describe_offsets(struct producer *pr, const struct barrier *b)
{
	char *o = pr->st->offsets;
	size_t size = sizeof pr->st->offsets, len;

	snprintf(o, size, "group '%s', topic '%s':", b->group, b->topic ? b->topic : "");
	for (size_t i = 0; i < b->npos && (len = strlen(o)) < size - 1; i++)
		snprintf(o + len, size - len, "%s%u:%llu", i ? "," : " ", b->pos[i].partition,
			 (unsigned long long)b->pos[i].next);
}

/* Ends the open transaction at barrier b: the records' reports, the
 * checkpoint message, the offsets, the commit.  Returns 0; -2 when b
 * cannot be committed (err says why: the input's fault); -1 when a call
 * failed (err set, the transaction aborted). */
static int txn_barrier(struct producer *pr, const struct barrier *b, struct error *err)
{
	struct buf body = BUF_INIT;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_consumer_group_metadata_t *g;
	rd_kafka_resp_err_t e;
	int rc;

	if (!b->source_kind || strcmp(b->source_kind, "kafka"))
		return error_set(err, "a checkpoint barrier of a %s's pipe (%s): --transactional "
				 "commits the offsets of a Kafka topic, read by 'logkafka consume -g G "
				 "--resume-from-kafka'; a log's pipe ends in 'logappend --checkpoint'",
				 b->source_kind ? b->source_kind : "?", b->path ? b->path : "?"), -2;
	if (!b->group || !b->topic)
		return error_set(err, "a checkpoint barrier of Kafka topic '%s' without a group: "
				 "--transactional commits the offsets of a consumer group "
				 "('logkafka consume -g G --resume-from-kafka')",
				 b->topic ? b->topic : "?"), -2;
	if (txn_begin(pr, err) < 0)
		return -1;
	/* every record's report: one not acknowledged fails the transaction */
	flush_all(pr);
	if (pr->st->failed > pr->failed_before) {
		uint64_t n = pr->st->failed - pr->failed_before;
		error_set(err, "%llu record%s not acknowledged", (unsigned long long)n,
			  n == 1 ? "" : "s");
		add_last(pr, err);
		return txn_abort(pr, err);
	}
	if (barrier_encode_body(&body, b) < 0) {
		error_set(err, "out of memory");
		return txn_abort(pr, err);
	}
	do {
		e = rd_kafka_producev(pr->rk, RD_KAFKA_V_RKT(pr->ckpt), RD_KAFKA_V_PARTITION(0),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				      RD_KAFKA_V_KEY(b->group, strlen(b->group)),
				      RD_KAFKA_V_VALUE(body.p, body.len),
				      RD_KAFKA_V_TIMESTAMP(b->time > 0 ? b->time : 0),
				      RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(pr->rk, 10);
	} while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
	buf_release(&body);
	if (e) {
		error_set(err, "the checkpoint to '%s': %s", rd_kafka_topic_name(pr->ckpt),
			  rd_kafka_err2str(e));
		return txn_abort(pr, err);
	}
	if (b->npos) {
		l = rd_kafka_topic_partition_list_new((int)b->npos);
		for (size_t i = 0; i < b->npos; i++)
			rd_kafka_topic_partition_list_add(l, b->topic, (int32_t)b->pos[i].partition)
				->offset = (int64_t)b->pos[i].next;
		g = rd_kafka_consumer_group_metadata_new(b->group);
		rc = txn_call(pr, TXN_OFFSETS, l, g, err);
		rd_kafka_consumer_group_metadata_destroy(g);
		rd_kafka_topic_partition_list_destroy(l);
		if (rc < 0)
			return -1;
	}
	if (txn_call(pr, TXN_COMMIT, NULL, NULL, err) < 0)
		return -1;
	rd_kafka_poll(pr->rk, 0);	/* the checkpoint's report */
	pr->open = 0;
	pr->barriers++;
	pr->st->transactions++;
	pr->st->committed += pr->txn_records;
	pr->txn_records = 0;
	describe_offsets(pr, b);
	return 0;
}

/* A control item p[0..n) of the input, transactional.  Returns as
 * txn_barrier. */
static int txn_control(struct producer *pr, const uint8_t *p, size_t n, struct error *err)
{
	struct barrier b;
	int rc;

	if (barrier_decode(&b, p, n, err) < 0)
		return -2;
	if (b.kind == BARRIER_RESTORE)
		rc = b.nstates ? (error_set(err, "the checkpoint holds the state of %s, which "
					    "nothing in the pipe took: the pipe changed",
					    b.states[0].name), -2) : 0;
	else
		rc = txn_barrier(pr, &b, err);
	barrier_free(&b);
	return rc;
}

/* Reads and produces until the input ends, is bad, or *stop.  Returns 0,
 * or -1 with err set. */
static int run(struct producer *pr, struct source *s, struct error *err)
{
	struct buf key = BUF_INIT, value = BUF_INIT, scratch = BUF_INIT;
	const struct kafka_options *k = &pr->o->k;
	struct record r;
	uint64_t recno = 0;
	int rc, mapped;

	for (;;) {
		if (k->stop && *k->stop) {
			rc = 0;
			break;
		}
		rc = source_next(s, &r, err);
		if (source_warning(s))
			report(pr, source_warning(s));
		if (rc == SOURCE_AGAIN) {
			/* nothing to read yet: serve the delivery reports, and
			 * look at *stop at least every 100 ms */
			rd_kafka_poll(pr->rk, 0);
			source_wait(s, 100);
			continue;
		}
		if (rc == SOURCE_END) {
			rc = 0;
			break;
		}
		if (rc == SOURCE_CONTROL) {
			int crc = txn_control(pr, s->control, s->control_len, err);
			if (crc < 0) {
				if (crc == -2)
					source_error_at(s, err);	/* the item's place */
				rc = -1;
				break;
			}
			continue;
		}
		if (rc != SOURCE_RECORD && rc != SOURCE_BAD) {
			rc = -1;
			break;
		}
		recno++;
		if (rc == SOURCE_RECORD) {
			if (pr->o->transactional_id && txn_begin(pr, err) < 0) {
				rc = -1;
				break;
			}
			mapped = produce(pr, &r, recno, &key, &value, &scratch, err);
			if (mapped < 0) {
				rc = -1;
				break;
			}
			if (mapped == 0)
				pr->txn_records++;
			if ((recno & 255) == 0)
				rd_kafka_poll(pr->rk, 0);
			if (mapped == 0)
				continue;
			error_prefix(err, "offset %llu", (unsigned long long)r.offset);
			source_error_at(s, err);
		}
		if (!k->skip_bad) {
			rc = -1;
			break;
		}
		pr->st->bad++;
		report(pr, err->msg);
	}
	buf_release(&key);
	buf_release(&value);
	buf_release(&scratch);
	return rc;
}

/* A transactional producer's start: T.logtools-checkpoints must exist,
 * then init_transactions (which, on a real cluster, fences an older
 * instance with the same id and aborts its open transaction). */
static int txn_start(struct producer *pr, int ms, struct error *err)
{
	char name[256];
	uint32_t n;
	int rc;

	pr->txn_ms = ms;
	if (kafka_checkpoint_topic(name, sizeof name, pr->o->k.topic, err) < 0)
		return -1;
	pr->ckpt = rd_kafka_topic_new(pr->rk, name, NULL);
	if (!pr->ckpt) {
		rc = error_set(err, "'%s': %s", name, rd_kafka_err2str(rd_kafka_last_error()));
	} else if ((rc = topic_partitions(pr, pr->ckpt, name, ms, &n, err)) < 0) {
		if (strstr(err->msg, "no such topic"))
			error_prefix(err, "--transactional writes the checkpoints to a topic of its "
					  "own, which is to be created first (one partition: only "
					  "partition 0 is used)");
	} else {
		rc = txn_call(pr, TXN_INIT, NULL, NULL, err);
	}
	return rc;
}

/* A transactional run's end (rc: run's): every record committed, or the
 * open transaction aborted and err saying why. */
static int txn_end(struct producer *pr, const struct source *s, int rc, struct error *err)
{
	uint64_t n = pr->txn_records;
	int stopped = pr->o->k.stop && *pr->o->k.stop;

	if (rc == 0 && n && pr->barriers) {
		pr->st->pending = n;
		error_set(err, "%llu record%s after the last checkpoint not produced: the input %s "
			  "without a checkpoint", (unsigned long long)n, n == 1 ? "" : "s",
			  stopped ? "was stopped by a signal" : "ended");
		rc = -1;
	} else if (rc == 0 && !pr->barriers) {
		pr->st->pending = n;
		error_set(err, "no checkpoint barrier in the input (%llu record%s not produced): is "
			  "the source 'logkafka consume -g G --resume-from-kafka %s'?%s",
			  (unsigned long long)n, n == 1 ? "" : "s", pr->o->k.topic,
			  source_kind(s) != SOURCE_FRAMED && source_kind(s) != SOURCE_DETECT ?
			  " (the input is not a framed stream)" : "");
		rc = -1;
	}
	if (rc < 0 && pr->open)
		txn_abort(pr, err);
	return rc;
}

int kafka_produce(int fd, const char *name, const struct kafka_produce_options *o,
		  struct kafka_produce_stats *st, struct error *err)
{
	struct source_options sopt = { .nonblock = 1, .resync = o->k.skip_bad,
				       .controls = o->transactional_id != NULL };
	struct producer pr = { .o = o, .name = name, .st = st, .msg = BUF_INIT };
	const char *dflt[sizeof defaults / sizeof *defaults + 2];
	rd_kafka_conf_t *conf;
	struct source s;
	char v[32], why[512];
	size_t vn = sizeof v, nd = 0;
	long mto;
	int rc;

	memset(st, 0, sizeof *st);
	if (o->transactional_id) {
		dflt[nd++] = "transactional.id";
		dflt[nd++] = o->transactional_id;
	}
	for (size_t i = 0; defaults[i]; i++)
		dflt[nd++] = defaults[i];
	dflt[nd] = NULL;
	conf = kafka_conf(&o->k, dflt, err);
	if (!conf)
		return -1;
	mto = rd_kafka_conf_get(conf, "message.timeout.ms", v, &vn) == RD_KAFKA_CONF_OK
		      ? strtol(v, NULL, 10) : 300000;
	if (mto <= 0 || mto > 60000)
		mto = 60000;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	if (!wants_log(&o->k))
		rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_opaque(conf, &pr);
	pr.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
	if (!pr.rk) {
		rd_kafka_conf_destroy(conf);
		return error_set(err, "unable to make a producer: %s", why);
	}
	pr.rkt = rd_kafka_topic_new(pr.rk, o->k.topic, NULL);
	if (!pr.rkt) {
		rc = error_set(err, "'%s': %s", o->k.topic,
			       rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	rc = topic_partitions(&pr, pr.rkt, o->k.topic, (int)mto, &st->partitions, err);
	if (rc == 0 && o->transactional_id)
		rc = txn_start(&pr, (int)mto, err);
	if (rc < 0) {
		rd_kafka_poll(pr.rk, 0);	/* the error events waiting */
		add_last(&pr, err);
		goto out;
	}
	source_open_fd(&s, fd, name, SOURCE_DETECT, NULL, &sopt);
	rc = run(&pr, &s, err);
	st->controls_skipped = s.controls_skipped;
	if (o->transactional_id) {
		rc = txn_end(&pr, &s, rc, err);
		source_close(&s);
		goto out;
	}
	source_close(&s);
	/* what was read before a bad input is delivered all the same */
	flush_all(&pr);
	if (rc == 0 && st->failed) {
		rc = error_set(err, "%llu record%s not acknowledged",
			       (unsigned long long)st->failed, st->failed == 1 ? "" : "s");
		add_last(&pr, err);
	}
	if (rc < 0 && st->failed && !strstr(err->msg, "not acknowledged")) {
		/* the input's error first; the losses counted after it */
		char lost[64];
		snprintf(lost, sizeof lost, "; %llu record%s not acknowledged",
			 (unsigned long long)st->failed, st->failed == 1 ? "" : "s");
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof err->msg - l, "%s", lost);
	}
out:
	if (pr.rkt)
		rd_kafka_topic_destroy(pr.rkt);
	if (pr.ckpt)
		rd_kafka_topic_destroy(pr.ckpt);
	rd_kafka_destroy(pr.rk);
	buf_release(&pr.msg);
	while (pr.chunks) {
		struct chunk *c = pr.chunks;
		pr.chunks = c->next;
		free(c);
	}
	return rc;
}
