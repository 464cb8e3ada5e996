/*
 * topicsource.h - a topic (topic.h) read as one record stream: the records
 * of its partitions, or of a set of them, merged by time.  The record
 * stream's source of a topic (stream.h, SOURCE_TOPIC): callers open it
 * through source_open_log or source_log_open, which come here when the path
 * is a topic, and read it with source_next; what is here is for stream.c.
 *
 * The merge is Kafka Streams' (PartitionGroup, the "record with the lowest
 * timestamp" choice): of the partitions that have a next record, the one
 * whose next record has the lowest timestamp goes first; ties go to the
 * lower partition.  It is greedy, not a sort: a partition whose records are
 * out of time order is read in its own order all the same.  Each record
 * carries its partition (record.h: has_partition, partition).
 *
 * The range (struct replay_range) applies to each partition alone (the same
 * --from offset in each, @TIME and -N in each, --to in each), but its count
 * to the merged records.
 *
 * Following (source_options.follow), a record goes out once every partition
 * either has a next record or is caught up (at its end when last looked
 * at); a partition caught up is looked at again when the merged source has
 * nothing else (before it answers SOURCE_AGAIN, or waits), and every
 * TOPICSOURCE_LOOK_EVERY records.  So records that arrive while others are
 * written may go out in an order that depends on timing.
 *
 * Memory: one log reader per partition read (a batch each, and an open
 * segment), and a heap of the partitions.
 */
#ifndef TOPICSOURCE_H
#define TOPICSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"
#include "stream.h"
#include "topic.h"

#define TOPICSOURCE_LOOK_EVERY 64

struct topicpart {
	struct source s;	/* the partition's log, SOURCE_LOG */
	uint32_t p;		/* its number in the topic */
	int state;		/* (topicsource.c) */
	struct record head;	/* its next record's offset and timestamp, while
				 * it waits in the heap (source_next_item) */
	const uint8_t *item;	/* its item, avail bytes to its batch's end;
				 * read ahead: its framed record, avail bytes */
	size_t avail;
	const struct error *bad;	/* read ahead: its item is bad, this says
					 * why (the error is due when it is output) */
};

/* The heap's entries: a part's index and its next record's timestamp. */
struct topicheap {
	int64_t ts;
	size_t i;
};

struct topicsource {
	struct topic t;
	int t_open;
	struct topicpart *parts;	/* the partitions read, increasing */
	size_t n;
	struct topicheap *heap;	/* the parts with a head: a binary heap on
				 * (ts, partition); while a record returned is
				 * being used, its part is on top still */
	size_t nheap;
	size_t cur;		/* the part of the last record returned (its head
				 * to be replaced at the next call), or n */
	int pending;		/* source_item_done is due (topicsource_next_item) */
	size_t last;		/* the part of the last record returned */
	size_t again;		/* parts caught up (state AGAIN) */
	int todo;		/* parts are to be read (state TODO) */
	int answered_again;	/* the last answer was SOURCE_AGAIN */
	unsigned since_look;	/* records since the caught-up parts were looked at */
	int epfd;		/* following: an epoll of the parts' watches, or -1 */
	int poll_ms;		/* following: a part has no watch (poll it) */
	struct topicahead *ahead;	/* read ahead on a thread, or NULL */
};

/*
 * Opens the topic at path for reading with the options of s (set by
 * stream.c: s->opt, s->range) into s->topic: the partitions of
 * opt.partitions (a list as topic_partition_list reads it) or of member
 * opt.member of opt.members (topic_member_partitions), else all of them;
 * each partition log opened, not yet positioned (topicsource_start).
 * Returns 0, or -1 with err set ("'T/': partition 9 is out of range: the
 * topic has 8 (0-7)"); topicsource_close releases what was opened either
 * way.
 */
int topicsource_open(struct source *s, const char *path, struct error *err);

/* Resolves the range in every partition and positions its reader.
 * Returns 0, or -1 with err set. */
int topicsource_start(struct source *s, struct error *err);

/* source_next of a topic. */
int topicsource_next(struct source *s, struct record *r, struct error *err);

/* source_next_item of a topic: r gets the record's offset, timestamp and
 * partition; *item its CBOR item as its partition's log holds it (4 or 5
 * elements: no partition), *avail the bytes to its batch's end; the caller
 * calls source_item_done (topicsource_item_done) with its length. */
int topicsource_next_item(struct source *s, struct record *r, const uint8_t **item,
			  size_t *avail, struct error *err);
void topicsource_item_done(struct source *s, size_t len);

/*
 * Reading ahead, for a framed output that is not following: a thread reads
 * each partition's batches (read, crc, inflate), walks their records and
 * writes each as the framed stream's 6-element record (record.h: the
 * partition last) into chunks, TOPICSOURCE_AHEAD_CHUNKS of about
 * TOPICSOURCE_AHEAD_BYTES per partition ahead of the merge (less with many
 * partitions: about TOPICSOURCE_AHEAD_TOTAL for all, a chunk at least
 * TOPICSOURCE_AHEAD_MIN; a record larger than a chunk makes its chunk as
 * large); the caller
 * only merges and copies (topicsource_next_framed).  The records, their
 * order and the errors (the same messages, due at the same place in the
 * merged order) are those of topicsource_next_item.  Called after
 * topicsource_start (and any source_seek_part), before the first record;
 * the parts' sources are the thread's until topicsource_close.  Returns 0
 * (also when no thread could be started: then it reads as before), or -1
 * with err set (memory).
 */
#define TOPICSOURCE_AHEAD_CHUNKS 4
#define TOPICSOURCE_AHEAD_BYTES (128 * 1024)
#define TOPICSOURCE_AHEAD_TOTAL (8 << 20)
#define TOPICSOURCE_AHEAD_MIN (16 * 1024)
int topicsource_read_ahead(struct source *s, struct error *err);

/* Whether s reads ahead (topicsource_next_framed is the way to read it). */
int topicsource_reads_ahead(const struct source *s);

/* The next record of a topic read ahead, framed: SOURCE_RECORD with r's
 * offset, timestamp and partition set and p[0..n) its 6-element record
 * (valid until the next call), SOURCE_END or SOURCE_ERROR with err set. */
int topicsource_next_framed(struct source *s, struct record *r, const uint8_t **p, size_t *n,
			    struct error *err);

/* source_pollfd of a topic. */
int topicsource_pollfd(const struct source *s, int *timeout_ms);

void topicsource_close(struct source *s);

#endif
