/*
 * topic.h - the partitioned topic: a directory holding a metadata file and
 * one log (log.h) per partition.  Kafka's topic, on one machine: records
 * with the same key stay in order in one partition (partitioner.h says
 * which), and a consumer group's members split the partitions.
 *
 *	TOPIC/topic        "logtools-topic 1\npartitions N\n": format, version, N
 *	TOPIC/0/ ...       partition 0, an ordinary log (logformat(5)) with its
 *	TOPIC/N-1/         own meta, segments, lock and groups/
 *
 * A partition log opened on its own is a log like any other.  A directory
 * with "topic" is a topic, with "meta" a log; a directory with neither but
 * with partition logs is a topic whose creation was cut short (see
 * topic_create).
 */
#ifndef TOPIC_H
#define TOPIC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TOPIC_FORMAT_NAME "logtools-topic"
#define TOPIC_FORMAT_VERSION 1
#define TOPIC_MAX_PARTITIONS 10000

struct topic {
	char *path;		/* as given, for messages */
	uint32_t n;		/* partitions 0 .. n-1 */
};

/* What a directory is (topic_probe's answers). */
enum topic_kind {
	TOPIC_MISSING = 0,	/* nothing at path */
	TOPIC_IS_LOG,		/* a log (its meta file) */
	TOPIC_IS_TOPIC,		/* a topic (its topic file) */
	TOPIC_EMPTY,		/* an empty directory (or one holding only a lock
				 * file): a log or a topic may be made there */
	TOPIC_UNFINISHED,	/* partition logs without a topic file: a
				 * creation cut short (err says so: an error to
				 * all but topic_create) */
};

/*
 * What is at path, without opening it.  Returns a topic_kind (for
 * TOPIC_UNFINISHED, err says "'x/': an unfinished topic (no 'topic' file):
 * run logappend --partitions N x/"), or -1 with err set: "'x/': neither a
 * log nor a topic", "'x/': both a log and a topic (meta and topic files)",
 * "'x': not a log or topic (not a directory)", or a system error.
 */
int topic_probe(const char *path, struct error *err);

/*
 * Opens the topic at path: reads and checks its topic file ("'x/': topic
 * format version 2 is newer than this tool (1)", "'x/': damaged topic file:
 * ...").  The partition logs are not opened.  Returns 0, or -1 with err set.
 */
int topic_open(struct topic *t, const char *path, struct error *err);

/*
 * Creates a topic of n partitions (1..TOPIC_MAX_PARTITIONS) at path, or
 * opens the one there after checking that it has n ("'x/' has 8 partitions;
 * a topic's partitions cannot change (keys would move to other
 * partitions)"): mkdir path, make the n partition logs, write topic.tmp.PID,
 * fsync it, link(2) it to "topic" (when another creator won the race, its
 * file is read and checked instead), remove the temporary, fsync path.  A
 * crash before the link leaves partition logs without a topic file: the
 * next topic_create finishes it, other tools call it unfinished.  A log at
 * path is an error ("'x/' is a log, not a topic").  Returns 0, or -1 with
 * err set.
 */
int topic_create(struct topic *t, const char *path, uint32_t n, struct error *err);

/* Writes the path of partition p's log ("path/p", no doubled slash) into
 * out; returns out. */
char *topic_partition_path(const struct topic *t, uint32_t p, char *out, size_t outsz);

void topic_close(struct topic *t);

/*
 * Parses a list of partitions, "3" or "0,2,5" (--partition), each below n
 * (n 0: not checked), into *set: a sorted array of *count distinct numbers
 * (owned by the caller: free it).  Returns 0, or -1 with err saying what is
 * wrong ("partition 9 is out of range: 'x/' has 8 (0-7)" needs the path:
 * the caller prefixes it).
 */
int topic_partition_list(const char *s, uint32_t n, uint32_t **set, size_t *count,
			 struct error *err);

/*
 * A consumer group's static member (--member I/M): the partitions p of
 * 0..n-1 with p mod m == i, in increasing order, into *set (owned by the
 * caller: free it), *count of them (0 when m > n and i >= n: the member
 * has none).  Parses "I/M" with 0 <= I < M <= TOPIC_MAX_PARTITIONS.
 * Returns 0, or -1 with err set.
 */
int topic_member_parse(const char *s, uint32_t *i, uint32_t *m, struct error *err);
int topic_member_partitions(uint32_t n, uint32_t i, uint32_t m, uint32_t **set, size_t *count);

#endif
