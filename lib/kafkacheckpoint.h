/*
 * kafkacheckpoint.h - a pipe's checkpoint kept in Kafka (tests/model/
 * CHECKPOINT-SPEC.md, section 7): `logkafka produce --transactional` writes
 * each barrier's BODY (barrier_encode_body's bytes, what a local checkpoint
 * record's value holds) to partition 0 of the topic OUT.logtools-checkpoints,
 * keyed by the pipe's group name, in the transaction that commits the
 * output; `logkafka consume --resume-from-kafka OUT` reads the last one back.
 */
#ifndef KAFKACHECKPOINT_H
#define KAFKACHECKPOINT_H

#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "kafka.h"

/* The checkpoint topic's name is OUT followed by this. */
#define KAFKA_CHECKPOINT_SUFFIX ".logtools-checkpoints"

/* Sets name (size bytes) to OUT's checkpoint topic; -1 with err set when
 * it does not fit (Kafka's topic names are at most 249 bytes). */
int kafka_checkpoint_topic(char *name, size_t size, const char *out, struct error *err);

/*
 * Reads partition 0 of out's checkpoint topic from its beginning to its
 * end with a consumer of its own (assigned, never in a group; isolation.level
 * read_committed whatever -X says, so that an aborted transaction's
 * checkpoint is never taken) on k's brokers and -X properties, and keeps
 * the last message whose key is group's bytes.  Returns 1 with body set to
 * its value (reset first) and *offset to its offset, 0 when the topic does
 * not exist or holds no message with that key (or its last one is a null
 * value: a tombstone deletes the checkpoint), -1 with err set (the cluster
 * unreachable within its timeouts, the partition not read to its end).  Its cost is a read of the whole partition (compaction by
 * key, on a real broker, keeps it short).
 */
int kafka_checkpoint_last(const struct kafka_options *k, const char *out, const char *group,
			  struct buf *body, int64_t *offset, struct error *err);

#endif
