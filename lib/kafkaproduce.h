/*
 * kafkaproduce.h - logkafka produce: the records of a stream (framed, or
 * logcat's JSON lines, detected as logappend does) produced to a Kafka
 * topic with their keys, values, timestamps (CreateTime) and headers,
 * placed by partitioner.h (or their carried partitions), by librdkafka's
 * idempotent producer; done only when every record is acknowledged
 * (tests/model/KAFKA-SPEC.md, "produce").
 *
 * With a transactional id (--transactional, issue 17: CHECKPOINT-SPEC.md
 * section 7) the input is a checkpointed pipe's framed stream and its
 * records go out in Kafka transactions, one per checkpoint barrier: at a
 * barrier, the barrier's BODY to the topic T.logtools-checkpoints
 * (partition 0, key the barrier's group), the barrier's positions as the
 * group's offsets of its source topic (send_offsets_to_transaction), and
 * the commit.  Records after the last barrier are aborted, never
 * committed.
 */
#ifndef KAFKAPRODUCE_H
#define KAFKAPRODUCE_H

#include <stdint.h>

#include "error.h"
#include "kafka.h"

struct kafka_produce_options {
	struct kafka_options k;
	int keep_partitions;	/* each record to the partition it carries */
	const char *transactional_id;	/* --transactional ID, or NULL */
	/* called for each record that failed or was skipped, with a message
	 * naming it (input record number, offset, key) and the reason */
	void (*on_record)(void *ctx, const char *msg);
	void *ctx;
};

struct kafka_produce_stats {
	uint64_t records;	/* read from the input and produced */
	uint64_t delivered;	/* acknowledged by the cluster */
	uint64_t failed;	/* not acknowledged (each reported) */
	uint64_t bad;		/* skipped with skip_bad */
	uint32_t partitions;	/* the topic's partitions */
	uint64_t controls_skipped;	/* control items dropped (no transactional id) */
	/* transactional: */
	uint64_t transactions;	/* committed */
	uint64_t committed;	/* records in committed transactions */
	uint64_t pending;	/* records after the last barrier: aborted */
	char offsets[512];	/* the last commit's "group G, topic T: P:OFF,..." */
};


/*
 * Produces every record read from fd (named name in messages: "stdin"),
 * then flushes and waits for every delivery report.  Returns 0 when every
 * record read was acknowledged; -1 otherwise, with err saying why (bad
 * input, after what was read before it was produced and flushed; records
 * not acknowledged: "3 records not acknowledged", each named through
 * on_record; no such topic; a configuration refused), *st counting what
 * happened either way.
 *
 * Transactional (o->transactional_id): returns 0 only when the input had a
 * barrier and ended right after one (every record committed); otherwise
 * the open transaction is aborted and -1 says why: records after the last
 * barrier ("N records after the last checkpoint not produced"), no barrier
 * at all, a barrier that is not a Kafka source's with a group, a restore
 * whose states nothing took, or a transaction call that failed (after
 * retrying a retriable error; an abortable one aborts, a fatal one ends
 * the producer).
 */
int kafka_produce(int fd, const char *name, const struct kafka_produce_options *o,
		  struct kafka_produce_stats *st, struct error *err);

#endif
