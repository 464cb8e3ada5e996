/*
 * kafkaproduce.h - logkafka produce: the records of a stream (framed, or
 * logcat's JSON lines, detected as logappend does) produced to a Kafka
 * topic with their keys, values, timestamps (CreateTime) and headers,
 * placed by partitioner.h (or their carried partitions), by librdkafka's
 * idempotent producer; done only when every record is acknowledged
 * (tests/model/KAFKA-SPEC.md, "produce").
 */
#ifndef KAFKAPRODUCE_H
#define KAFKAPRODUCE_H

#include <stdint.h>

#include "error.h"
#include "kafka.h"

struct kafka_produce_options {
	struct kafka_options k;
	int keep_partitions;	/* each record to the partition it carries */
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
};

/*
 * Produces every record read from fd (named name in messages: "stdin"),
 * then flushes and waits for every delivery report.  Returns 0 when every
 * record read was acknowledged; -1 otherwise, with err saying why (bad
 * input, after what was read before it was produced and flushed; records
 * not acknowledged: "3 records not acknowledged", each named through
 * on_record; no such topic; a configuration refused), *st counting what
 * happened either way.
 */
int kafka_produce(int fd, const char *name, const struct kafka_produce_options *o,
		  struct kafka_produce_stats *st, struct error *err);

#endif
