/* kafkacheckpoint.c - a pipe's checkpoint kept in Kafka (see kafkacheckpoint.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kafkacheckpoint.h"
#include "timeparse.h"

/* How long the metadata request may take, and the whole read. */
#define META_TIMEOUT_MS 10000
#define READ_TIMEOUT_MS 30000

int kafka_checkpoint_topic(char *name, size_t size, const char *out, struct error *err)
{
	size_t n = strlen(out) + strlen(KAFKA_CHECKPOINT_SUFFIX);

	if (n > 249 || n >= size)
		return error_set(err, "'%s': its checkpoint topic's name '%s%s' is longer than "
				 "Kafka's 249 bytes", out, out, KAFKA_CHECKPOINT_SUFFIX);
	snprintf(name, size, "%s%s", out, KAFKA_CHECKPOINT_SUFFIX);
	return 0;
}

/* Whether topic exists, asked without creating it: the metadata of every
 * topic (a request for the topic alone auto-creates it where the cluster
 * allows that, the mock cluster always).  1, 0, or -1 with err set. */
static int topic_exists(rd_kafka_t *rk, const char *topic, const char *brokers, struct error *err)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, META_TIMEOUT_MS);
	int rc = 0;

	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, "'%s': unable to get the cluster's metadata from '%s': %s",
				 topic, brokers, rd_kafka_err2str(e));
	for (int i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic) &&
		    md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[i].partition_cnt > 0)
			rc = 1;
	rd_kafka_metadata_destroy(md);
	return rc;
}

/* A consumer error librdkafka retries by itself (a broker's transport):
 * the read goes on, bounded by READ_TIMEOUT_MS. */
static int transient(rd_kafka_resp_err_t e)
{
	switch (e) {
	case RD_KAFKA_RESP_ERR__FATAL:
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
	case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
		return 0;
	default:
		return 1;
	}
}

int kafka_checkpoint_last(const struct kafka_options *k, const char *out, const char *group,
			  struct buf *body, int64_t *offset, struct error *err)
{
	const char *defaults[] = {
		"enable.partition.eof", "true",
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"auto.offset.reset", "earliest",
		"fetch.wait.max.ms", "10",
		"group.id", "logkafka-checkpoint",
		NULL,
	};
	char topic[256], msg[512];
	size_t glen = strlen(group);
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t e;
	int64_t deadline;
	int rc = -1, found = 0, eof = 0;

	buf_reset(body);
	if (kafka_checkpoint_topic(topic, sizeof topic, out, err) < 0)
		return -1;
	if (!(conf = kafka_conf(k, defaults, err)))
		return -1;
	/* after -X: an aborted transaction's checkpoint is never taken */
	if (rd_kafka_conf_set(conf, "isolation.level", "read_committed", msg, sizeof msg) !=
	    RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return error_set(err, "isolation.level: %s", msg);
	}
	if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof msg))) {
		rd_kafka_conf_destroy(conf);
		return error_set(err, "unable to start a Kafka consumer: %s", msg);
	}
	rd_kafka_poll_set_consumer(rk);
	if ((rc = topic_exists(rk, topic, k->brokers, err)) <= 0)
		goto out;
	rc = -1;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	e = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		error_set(err, "'%s': unable to assign its partition 0: %s", topic,
			  rd_kafka_err2str(e));
		goto out;
	}
	deadline = time_now_ms() + READ_TIMEOUT_MS;
	while (!eof) {
		rd_kafka_message_t *m;
		if (k->stop && *k->stop) {
			error_set(err, "'%s': stopped by a signal while reading it", topic);
			goto out;
		}
		if (time_now_ms() > deadline) {
			error_set(err, "'%s': its partition 0 not read to its end within %d s",
				  topic, READ_TIMEOUT_MS / 1000);
			goto out;
		}
		if (!(m = rd_kafka_consumer_poll(rk, 100)))
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eof = 1;
		} else if (m->err && !transient(m->err)) {
			error_set(err, "'%s' [0]: %s", topic, rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			goto out;
		} else if (!m->err && m->partition == 0 && m->key_len == glen && m->key &&
			   memcmp(m->key, group, glen) == 0) {
			/* a null value (a tombstone) deletes the checkpoint:
			 * the pipe starts again, as after removing a local OUT */
			buf_reset(body);
			found = m->payload != NULL;
			*offset = m->offset;
			if (found && buf_add(body, m->payload, m->len) < 0) {
				error_set(err, "out of memory");
				rd_kafka_message_destroy(m);
				goto out;
			}
		}
		rd_kafka_message_destroy(m);
	}
	rc = found;
out:
	rd_kafka_destroy(rk);
	return rc;
}
