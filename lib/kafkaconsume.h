/*
 * kafkaconsume.h - logkafka consume: a Kafka topic's messages written as
 * records (output.h: framed, JSON, values, template), each with its
 * partition, offset, timestamp, key, value and headers; from positions
 * given (partitions assigned directly) or as a member of a Kafka consumer
 * group, committing a position only after the records before it were
 * written and taken (tests/model/KAFKA-SPEC.md, "consume").
 */
#ifndef KAFKACONSUME_H
#define KAFKACONSUME_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "kafka.h"
#include "output.h"
#include "stream.h"

struct kafka_consume_options {
	struct kafka_options k;
	const uint32_t *partitions;	/* --partition, ascending; NULL: all */
	size_t npartitions;
	struct replay_range range;	/* --from, --to (per partition), -n (merged) */
	int exit_at_end;		/* stop at each partition's end */
	const char *group;		/* --group, or NULL */
	int commit_manual;		/* --commit manual: never commit */
	int64_t commit_interval;	/* ms between commits while writing */
	/* --resume OUT: a local log's last checkpoint; --resume-from-kafka
	 * OUT_TOPIC: the last checkpoint keyed resume_group in
	 * OUT_TOPIC.logtools-checkpoints (kafkacheckpoint.h).  Either one:
	 * partitions assigned at the checkpoint's positions (group must be
	 * NULL), a restore item first, barriers after output batches at most
	 * every checkpoint_interval ms and at the end; framed output only */
	const char *resume;
	const char *resume_topic;
	const char *resume_group;	/* the barriers' "group" (resume_topic) */
	int64_t checkpoint_interval;
	/* called with a warning: a record skipped with skip_bad, a
	 * partition's position at the end with --commit manual, offsets
	 * written and left uncommitted because the group moved on (a
	 * commit refused in a rebalance, an assignment lost) */
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
};

struct kafka_consume_stats {
	uint64_t records;	/* written */
	uint64_t bad;		/* skipped with skip_bad */
};

/*
 * Consumes and writes records to out until the range ends, every assigned
 * partition is at its end (exit_at_end), or *k.stop is set.  Returns
 * OUTPUT_OK, OUTPUT_CLOSED (the reader went away: nothing committed past
 * what it took) or OUTPUT_ERROR with err set (naming the partition and
 * offset of a message that does not map, or librdkafka's error; not for
 * a commit the group refused because it moved on: that is a warning).
 * Output is flushed on return.  With resume or resume_topic, a checkpoint
 * of another topic, or one that ended the pipe, or whose partitions are
 * not those assigned, is OUTPUT_ERROR with nothing written.
 */
int kafka_consume(const struct kafka_consume_options *o, struct output *out,
		  struct kafka_consume_stats *st, struct error *err);

#endif
