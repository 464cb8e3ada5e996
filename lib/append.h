/*
 * append.h - logappend's engine: reads records from an input (a framed
 * stream, JSON values, lines of text, the JSON envelopes logcat --json
 * writes, the JSON lines kcat -C -J writes, or wal2json's lines of a
 * PostgreSQL table's changes), gives them keys and
 * timestamps, places each in a partition of a topic
 * (tests/model/PARTITION-SPEC.md, "Placement"), groups them into batches
 * and appends the batches through the writers of a topic_writer
 * (topicwriter.h): a single log's, or one per partition.
 */
#ifndef APPEND_H
#define APPEND_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fieldpath.h"
#include "topicwriter.h"

enum input_format { INPUT_AUTO, INPUT_FRAMED, INPUT_JSON, INPUT_LINES, INPUT_KCAT,
		    INPUT_WAL2JSON };

struct append_options {
	enum input_format format;
	int envelope;			/* JSON objects as logcat --json writes them */
	int plain_json;			/* --plain-json: no "$" forms (json.h) */
	const struct fieldpath *key;	/* --key, or NULL */
	const struct fieldpath *time;	/* --time, or NULL */
	const char *key_spec, *time_spec;	/* as given, for messages */
	const char *table;		/* wal2json: --table schema.name, or NULL */
	int time_in_seconds;		/* --time-unit s */
	int skip_bad;			/* report bad records and go on */
	/* a topic: --partition P puts every record in P (below the topic's
	 * number of partitions: the caller checks); --repartition places a
	 * record that carries a partition by its key instead */
	int fixed_partition;
	uint32_t partition;
	int repartition;
	size_t max_record;		/* largest encoded record */
	int linger_ms;			/* how long a batch waits for input */
	size_t batch_bytes;		/* a batch is written when this full (a
					 * topic's partitions: at most 16 MiB
					 * divided among them, at least 4 KiB) */
	uint32_t batch_records;		/* ... or holding this many records */
	/* called for each bad record skipped with skip_bad */
	void (*on_bad)(void *ctx, const char *msg);
	/* called with a warning: input taken, but maybe not as meant (the
	 * first envelope member not known) */
	void (*on_warn)(void *ctx, const char *msg);
	/* called when records [first, first + count) of a partition
	 * (-1: of a single log) are durable; a non-zero return stops the run
	 * with that error in err */
	int (*on_durable)(void *ctx, int64_t partition, uint64_t first, uint64_t count,
			  struct error *err);
	void *ctx;
	/* --checkpoint (issue 17): a single log, framed input; records are
	 * held until a barrier, then written with a checkpoint record as one
	 * batch (stream.h, sink_control) */
	int checkpoint;
};

struct append_stats {
	uint64_t records;	/* records appended */
	uint64_t bad;		/* records skipped */
	uint64_t batches;
	uint64_t seen;		/* records whose fields were looked for */
	uint64_t key_found;	/* ... whose value had the --key field */
	uint64_t time_found;	/* ... whose value had the --time field */
	uint64_t skipped;	/* wal2json: changes the log had already */
	/* control items (issue 17) */
	uint64_t barriers;	/* with checkpoint: barriers written */
	uint64_t pending;	/* with checkpoint: records after the last, not
				 * written */
	uint64_t controls_skipped;	/* without checkpoint: items dropped */
};

/*
 * Appends every record read from fd (named name in messages: "stdin"; left
 * open) to the single log or the topic tw writes (opened by the caller, who
 * closes it), through a descriptor source (stream.h: the format
 * opt->format, detected for INPUT_AUTO) feeding a log sink per writer,
 * asking for more input without waiting while a batch is being built (see
 * linger_ms).  Returns 0 when all input was appended (and synced, as the
 * writers' sync mode says), or -1 with err naming the input, the line or
 * record, the byte offset and the reason; then every record before the bad
 * one is appended and durable (in its partition), and nothing of the bad
 * record or after it.  A bad JSON value takes with it the values that began
 * on the same line before it (those in a batch that was written already
 * stay).
 *
 * In a topic, a record goes to opt->partition when fixed_partition is set;
 * else to the partition it carries (has_partition: framed input from
 * logcat TOPIC, an envelope's "partition", a kcat line's "partition"), a
 * partition the topic does not have being a bad record ("carries partition 11; 'B/' has 8: give
 * --repartition"), unless repartition; else by Kafka's default partitioner
 * of its key's bytes (partitioner.h); else (a null key) round robin, one
 * record each, starting at tw->start mod N (the records in the topic at
 * open), a dropped group of JSON values giving back its turns.  Into a
 * single log, a carried partition is dropped.
 *
 * With opt->checkpoint (tw a single log), control items are taken
 * (source_options.controls) and given to the sink: every barrier writes the
 * records since the one before and a checkpoint record, one batch, synced;
 * records after the last barrier are not written (st->pending counts
 * them), and an error writes nothing more.  Without it they are dropped
 * and counted (st->controls_skipped).
 *
 * JSON input may begin with a UTF-8 byte order mark, skipped (as jq does).
 * An envelope's "headers" may be null (no headers); members other than
 * offset, ts, key, value and headers are ignored, the first one with a
 * warning through on_warn.
 *
 * With INPUT_WAL2JSON (a single log: a topic is an error), the lines are
 * wal2json's (wal2json.h) and the records a table's changes
 * (tests/model/CDC-SPEC.md): the log's last record gives the table (unless
 * opt->table, which must then be the same) and the position after which
 * changes are appended; those at or before it are counted in st->skipped,
 * not appended (nor are those at or before the last one appended, when
 * the input sends a transaction again).  A truncate makes what came before
 * it durable, then reads the log twice for its live keys.  A bad line
 * ends the run as a bad record does: err names the line; the records of
 * the lines before it are appended and durable, none of its own.
 */
int append_run(struct topic_writer *tw, int fd, const char *name,
	       const struct append_options *opt, struct append_stats *st, struct error *err);

#endif
