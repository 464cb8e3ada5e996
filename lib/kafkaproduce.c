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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
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
static int topic_partitions(struct producer *pr, const char *topic, int ms, uint32_t *n,
			    struct error *err)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	int tries;

	for (tries = 0;; tries++) {
		e = rd_kafka_metadata(pr->rk, 0, pr->rkt, &md, ms);
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
		if (rc != SOURCE_RECORD && rc != SOURCE_BAD) {
			rc = -1;
			break;
		}
		recno++;
		if (rc == SOURCE_RECORD) {
			mapped = produce(pr, &r, recno, &key, &value, &scratch, err);
			if (mapped < 0) {
				rc = -1;
				break;
			}
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

/* Waits for every delivery report (librdkafka bounds each message's wait
 * by message.timeout.ms). */
static void flush_all(struct producer *pr)
{
	while (pr->st->delivered + pr->st->failed < pr->st->records)
		rd_kafka_flush(pr->rk, 1000);
	/* reports already queued */
	rd_kafka_poll(pr->rk, 0);
}

int kafka_produce(int fd, const char *name, const struct kafka_produce_options *o,
		  struct kafka_produce_stats *st, struct error *err)
{
	struct source_options sopt = { .nonblock = 1, .resync = o->k.skip_bad };
	struct producer pr = { .o = o, .name = name, .st = st, .msg = BUF_INIT };
	rd_kafka_conf_t *conf;
	struct source s;
	char v[32], why[512];
	size_t vn = sizeof v;
	long mto;
	int rc;

	memset(st, 0, sizeof *st);
	conf = kafka_conf(&o->k, defaults, err);
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
	rc = topic_partitions(&pr, o->k.topic, (int)mto, &st->partitions, err);
	if (rc < 0) {
		rd_kafka_poll(pr.rk, 0);	/* the error events waiting */
		add_last(&pr, err);
		goto out;
	}
	source_open_fd(&s, fd, name, SOURCE_DETECT, NULL, &sopt);
	rc = run(&pr, &s, err);
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
	rd_kafka_destroy(pr.rk);
	buf_release(&pr.msg);
	while (pr.chunks) {
		struct chunk *c = pr.chunks;
		pr.chunks = c->next;
		free(c);
	}
	return rc;
}
