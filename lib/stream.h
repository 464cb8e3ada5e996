/*
 * stream.h - the record stream: sources that yield records one at a time,
 * and sinks that take them.
 *
 * A source reads
 *   - a log: a range of it (struct replay_range), following it or not,
 *     through struct reader;
 *   - a topic (topic.h): its partitions' logs, or some of them, each read
 *     as a log is, merged by time (topicsource.h), each record carrying its
 *     partition; source_open_log and source_log_open open one when the path
 *     is a topic, so that every reader of a log reads a topic too;
 *   - a file descriptor carrying a framed stream (framed.h);
 *   - a file descriptor carrying the JSON envelopes logcat --json writes
 *     (envelope.h), one object per record, or JSON values, each a record's
 *     value (source_options.values);
 *   - a file descriptor carrying lines of text, each a record's value;
 *   - a file descriptor carrying the JSON lines kcat -C -J writes, each a
 *     Kafka message (kcatjson.h), the partition carried;
 * and, for a file descriptor, detects which of framed or JSON from its
 * first bytes (as logappend does) when asked to.
 *
 * In the non-blocking mode (source_options.nonblock) a source never waits:
 * when no record is there yet it says so (SOURCE_AGAIN), and source_pollfd
 * gives what to poll(2) on before asking again, so that one process reads
 * two inputs without blocking on either.  The file descriptor itself is
 * left as it is (no O_NONBLOCK on a descriptor others may share): the source
 * polls it with a zero timeout before each read.
 *
 * A record returned points into the source's buffers: it is valid until the
 * next call on that source.  record_copy and record_dup (record.h) keep one
 * longer, in storage the caller owns.
 *
 * A sink writes records to a file descriptor in one of logcat's output
 * formats (output.h), or to a log through a writer (writer.h), in batches.
 */
#ifndef STREAM_H
#define STREAM_H

#include <assert.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "framed.h"
#include "input.h"
#include "kcatjson.h"
#include "output.h"
#include "reader.h"
#include "record.h"
#include "watch.h"
#include "writer.h"

/* --- a range of records ------------------------------------------------- */

enum from_kind { FROM_BEGINNING, FROM_OFFSET, FROM_TIME, FROM_LAST, FROM_END };
enum to_kind { TO_NONE, TO_OFFSET, TO_TIME };

/* Which records of a log or stream: logcat's --from, --to and --count. */
struct replay_range {
	enum from_kind from;
	uint64_t from_offset;	/* FROM_OFFSET */
	int64_t from_time;	/* FROM_TIME */
	uint64_t last;		/* FROM_LAST: the last N records */
	enum to_kind to;
	uint64_t to_offset;	/* exclusive */
	int64_t to_time;	/* exclusive: stop at the first record at or after */
	uint64_t count;		/* at most this many records; UINT64_MAX: all */
};

/*
 * Sets r's start (is_from: --from) or its end (--to) from a position as
 * logcat takes them (position.h: --from OFFSET, @TIME, -N, beginning or
 * end; --to OFFSET or @TIME), TIME relative to now (ms).  Returns 0, or -1
 * with err saying what is wrong with s (r unchanged).
 */
int stream_range_position(struct replay_range *r, int is_from, const char *s, int64_t now,
			  struct error *err);

/* The whole of a log or stream. */
#define REPLAY_RANGE_ALL { .from = FROM_BEGINNING, .to = TO_NONE, .count = UINT64_MAX }

/*
 * Turns a range's start and --to OFFSET into offsets [*lo, *hi) of the log
 * r reads; without follow, *hi is at most the end of the log now (records
 * appended while it is read are not read).  A --to TIME is not in *hi: it
 * is checked record by record.  Moves the reader (FROM_LAST counts
 * records).  Returns 0, or -1 with err set.
 */
int stream_resolve(struct reader *r, const struct replay_range *range, int follow,
		   uint64_t *lo, uint64_t *hi, struct error *err);

/* --- sources ------------------------------------------------------------ */

enum source_kind {
	SOURCE_DETECT,		/* a descriptor: framed or JSON, from its first bytes */
	SOURCE_FRAMED,		/* a descriptor carrying a framed stream */
	SOURCE_JSON,		/* a descriptor carrying logcat --json's envelopes,
				 * or JSON values (source_options.values) */
	SOURCE_LINES,		/* a descriptor carrying lines: each line's bytes
				 * (a CR before its newline dropped) a record's
				 * value, a text string when valid UTF-8, else a
				 * byte string */
	SOURCE_KCAT,		/* a descriptor carrying the lines kcat -C -J
				 * writes, each a record (kcatjson.h): its
				 * timestamp, key, value, headers and partition */
	SOURCE_LOG,		/* a log directory */
	SOURCE_TOPIC,		/* a topic directory: its partitions merged */
};

/* source_next's answers. */
enum {
	SOURCE_RECORD = 1,	/* a record */
	SOURCE_END = 0,		/* the end of the input or of the range */
	SOURCE_ERROR = -1,	/* err set; nothing more can be read */
	SOURCE_AGAIN = -2,	/* non-blocking: no record yet (see source_pollfd) */
	SOURCE_BAD = -3,	/* a bad record, skipped: err says why; the next
				 * call reads the record after it */
	SOURCE_BATCH = 2,	/* source_next_batch: a whole batch */
	SOURCE_CONTROL = 3,	/* a control item (barrier.h), only when
				 * source_options.controls is set: its bytes
				 * in s->control, s->control_len, valid until
				 * the next call (issue 17) */
};

struct source_options {
	int nonblock;		/* answer SOURCE_AGAIN rather than wait */
	int follow;		/* a log: wait for new records at its end */
	int plain_json;		/* JSON: no "$" forms (json.h) */
	int values;		/* JSON: each value is a record's value (its key
				 * null, its time now), not an envelope */
	int resync;		/* JSON: a value that is not well formed, or
				 * larger than the window, is SOURCE_BAD, and the
				 * next call reads from the line after it (the rest
				 * of its line skipped); without it, SOURCE_ERROR */
	size_t max_record;	/* a descriptor: the largest record read
				 * (0: RECORD_MAX_SIZE_LIMIT) */
	volatile sig_atomic_t *stop;	/* a blocking follower stops when set */
	/* a topic: which partitions (topicsource.h); neither: all */
	const char *partitions;	/* a list, "3" or "0,2,5" (--partition) */
	uint32_t member, members;	/* member I of M (--member I/M; M 0: none):
					 * the partitions p with p mod M = I */
	/* a framed descriptor: return control items (barrier.h) as
	 * SOURCE_CONTROL; without it they are skipped and counted in
	 * source.controls_skipped, so that a caller that does not take part
	 * in checkpoints can say so once (issue 17) */
	int controls;
};

struct topicsource;

struct source {
	enum source_kind kind;
	struct source_options opt;
	struct replay_range range;
	uint64_t left;		/* records the range still allows */
	int started;		/* a descriptor: the range's start was reached */
	int direct;		/* a descriptor: its kind known, no range */
	/* a descriptor */
	struct input in;
	struct framed_reader fr;
	struct buf value;	/* JSON, lines: the current value as CBOR */
	uint64_t records;	/* JSON: values read */
	int bom_skipped;	/* JSON: a byte order mark was looked for */
	int skip;		/* JSON, lines: the rest of a bad line is to be
				 * skipped, from byte skip_at of the input */
	size_t skip_at;
	int new_line;		/* JSON: the next value starts a line (the
				 * input's start, or after a skipped line) */
	int line_start;		/* JSON: see source_line_start */
	uint64_t line;		/* lines, kcat: the last record's line number */
	struct kcat_decoder kcat;	/* kcat: the decoder's storage */
	int warned;		/* JSON envelopes: the warning was given */
	const char *warning;	/* see source_warning */
	char warn[256];
	/* a log */
	struct reader r;
	int r_open;
	struct watch w;
	int listed;		/* the segments were listed again at the end */
	int again;		/* SOURCE_AGAIN was the last answer */
	uint64_t lo, hi;	/* the range as offsets [lo, hi) */
	uint64_t at;		/* the offset after the last record returned */
	struct batch_header h;	/* the current batch */
	struct batch_order ord;
	struct buf scratch;	/* a compressed batch's payload */
	const uint8_t *p;	/* the rest of the current batch's records */
	size_t n;
	int in_batch;		/* p[0..n) is the current batch's */
	int pending;		/* source_item_done is due */
	/* a topic */
	struct topicsource *topic;
	/* control items (issue 17) */
	const uint8_t *control;	/* SOURCE_CONTROL: the item's bytes */
	size_t control_len;
	uint64_t controls_skipped;	/* without opt.controls */
};

/*
 * Opens the log at path for reading the records of range (NULL: all), from
 * the batch that holds the range's start.  When path is a topic, opens it
 * (SOURCE_TOPIC): the partitions opt names, the range applied to each, its
 * count to the merged records.  A log with opt->partitions or
 * opt->members set is an error ("'x/' is a log, not a topic: --partition
 * and --member need a topic").  Returns 0, or -1 with err set (no such log,
 * an unfinished topic, damage, a read error); source_close releases what
 * was opened either way.
 */
int source_open_log(struct source *s, const char *path, const struct replay_range *range,
		    const struct source_options *opt, struct error *err);

/*
 * Sets up a source reading fd (name is for messages: "stdin"; it must
 * outlive the source) as kind (SOURCE_DETECT, SOURCE_FRAMED, SOURCE_JSON,
 * SOURCE_LINES or SOURCE_KCAT),
 * keeping the records of range (NULL: all; a time range starts at the first
 * record at or after from_time and ends at the first at or after to_time,
 * in stream order; FROM_LAST and FROM_END yield no record on a
 * descriptor).  Reads nothing yet; never fails.  The descriptor stays the
 * caller's.
 */
void source_open_fd(struct source *s, int fd, const char *name, enum source_kind kind,
		    const struct replay_range *range, const struct source_options *opt);

/*
 * The next record: SOURCE_RECORD with *r set (valid until the next call on
 * s), SOURCE_END, SOURCE_ERROR with err naming the input and the place,
 * SOURCE_AGAIN (non-blocking only: nothing to read now) or SOURCE_BAD (a
 * descriptor's record that is bad but whose extent is known, skipped: a
 * framed record of the wrong shape or with invalid contents, a JSON
 * envelope without "value" or with a bad member, a line longer than the
 * window, a kcat line that is not what kcat -J writes, and with resync a JSON value not well formed or too large; JSON
 * that is not well formed is otherwise SOURCE_ERROR).  A follower of a log returns SOURCE_END when
 * *stop is set.
 */
int source_next(struct source *s, struct record *r, struct error *err);

/*
 * What a caller that appends records needs to know of the last answer of
 * source_next (logappend's rules):
 *
 * source_grouped: whether the records come in groups, one per line, a bad
 * one taking those before it in its group with it: JSON values on one line
 * (the caller: sink_mark at each group's first record, sink_rollback at a
 * bad one).  Other kinds' records stand alone.
 *
 * source_line_start: for JSON, whether the record or bad record it answered
 * begins a group: a line of its own (the text read for it has a newline, or
 * it is the first, or it follows a skipped line).
 *
 * source_warning: a message (naming the input and the line) when the input
 * was taken, but maybe not as meant (an envelope member that is not known:
 * said once per source); NULL when there is none.  Valid until the next
 * call on s.
 */
static inline int source_line_start(const struct source *s) { return s->line_start; }
static inline int source_grouped(const struct source *s) { return s->kind == SOURCE_JSON; }
static inline const char *source_warning(const struct source *s) { return s->warning; }

/*
 * A log source's ways for logcat's speed, used instead of source_next at
 * the caller's choice, record by record (source_next_batch a log's only: a
 * topic's records carry their partition, which its logs' batches do not):
 *
 * source_next_batch: at a batch boundary, when the next batch is
 * uncompressed and all its records are in the range, returns SOURCE_BATCH
 * with *h, and *payload and *len its records' bytes (valid until the next
 * call), the batch taken as if its records had been read: framed output
 * copies it as it is.  Otherwise SOURCE_RECORD: the records are to be read
 * one at a time (source_next or source_next_item); or, as source_next,
 * SOURCE_END, SOURCE_ERROR or SOURCE_AGAIN.
 *
 * source_next_item: as source_next, but r gets only the record's offset and
 * timestamp (and a topic's record its partition; key and value are left
 * unset), *item points at the record's
 * CBOR item and *avail counts the bytes from there to the end of its batch:
 * the caller decodes the item in one pass (output_item) and must call
 * source_item_done with its length before any other call on s.  A topic's
 * item is as its partition's log holds it: 4 or 5 elements, without the
 * partition.
 *
 * source_error_at: says in err where the last record came from (for an
 * error found in it): a log's segment and the byte of its batch; a framed
 * stream's record number and byte ("stdin: record 3 (byte 812): ..."); a
 * JSON value's line and byte ("stdin:4: ... (byte 301)"); a line's number
 * ("stdin:4: ...").  A topic's: that of the partition's log.  Returns
 * SOURCE_ERROR.
 */
int source_next_batch(struct source *s, const struct batch_header **h, const uint8_t **payload,
		      size_t *len, struct error *err);
int source_next_item(struct source *s, struct record *r, const uint8_t **item, size_t *avail,
		     struct error *err);
void topicsource_item_done(struct source *s, size_t len);
static inline void source_item_done(struct source *s, size_t len)
{
	if (s->kind == SOURCE_TOPIC) {
		topicsource_item_done(s, len);
		return;
	}
	assert(s->pending && len <= s->n);
	s->p += len;
	s->n -= len;
	s->pending = 0;
}
int source_error_at(const struct source *s, struct error *err);

/*
 * Opens a log or topic for reading without positioning (source_open_log
 * does both steps): the caller may use the partitions' logs (to lock a
 * consumer group) before source_start_log resolves the range and positions
 * the reader of each, and source_seek_part moves partition i's start to
 * offset off (a group's position).  Both return 0, or -1 with err set.
 *
 * The partitions read, for what is done per partition (a consumer group's
 * positions): a log is one, i = 0; a topic's are numbered 0 ..
 * source_parts - 1 in increasing order of partition.  source_part_log is
 * partition i's log, source_part_number its number in the topic (0 for a
 * log), source_part_start where its reading starts (after
 * source_start_log and source_seek_part), source_last_part the i of the
 * last record source_next returned.  source_seek_log is source_seek_part
 * of a log.
 */
int source_log_open(struct source *s, const char *path, const struct replay_range *range,
		    const struct source_options *opt, struct error *err);
int source_start_log(struct source *s, struct error *err);
int source_seek_log(struct source *s, uint64_t off, struct error *err);
int source_seek_part(struct source *s, size_t i, uint64_t off, struct error *err);
size_t source_parts(const struct source *s);
struct log *source_part_log(struct source *s, size_t i);
uint32_t source_part_number(const struct source *s, size_t i);
uint64_t source_part_start(const struct source *s, size_t i);
size_t source_last_part(const struct source *s);

/*
 * What to wait on after SOURCE_AGAIN: returns a descriptor to poll(2) for
 * POLLIN, or -1 when there is none (a log followed without inotify); then
 * *timeout_ms is the longest wait before asking again (-1: no limit).
 */
int source_pollfd(const struct source *s, int *timeout_ms);

/* After SOURCE_AGAIN from a descriptor source: waits at most timeout_ms
 * (-1: no limit) for input.  Returns 1 when there is some to read (or its
 * end), 0 when the time ran out. */
int source_wait(struct source *s, int timeout_ms);

/* The kind of a descriptor source once detected (SOURCE_DETECT before). */
static inline enum source_kind source_kind(const struct source *s) { return s->kind; }

/* Releases the source (not the descriptor it reads). */
void source_close(struct source *s);

/* --- sinks -------------------------------------------------------------- */

enum sink_kind { SINK_OUTPUT, SINK_LOG };

/* How a log sink forms batches (logappend's options). */
struct sink_log_options {
	size_t max_record;		/* largest encoded record */
	size_t batch_bytes;		/* a batch is written when this full */
	uint32_t batch_records;		/* ... or holding this many records */
	/* called when records [first, first + count) are durable; a
	 * non-zero return stops the run with that error in err */
	int (*on_durable)(void *ctx, uint64_t first, uint64_t count, struct error *err);
	void *ctx;
	/* logappend --checkpoint (issue 17): records are held until a barrier
	 * (sink_control), never written in batches of their own; sink_flush
	 * and sink_finish write nothing (records after the last barrier are
	 * dropped: sink_pending says how many) */
	int checkpoint;
};

struct sink {
	enum sink_kind kind;
	struct output out;		/* SINK_OUTPUT */
	/* SINK_LOG */
	struct writer *w;
	struct sink_log_options lopt;
	struct batch_builder bb;	/* the batch being built */
	uint64_t next;			/* offset for the next record */
	int failed;			/* a write failed: nothing more may be written */
	uint64_t records;		/* records appended */
	uint64_t batches;		/* batches appended */
	/* the batch as it was at sink_mark */
	size_t mark_len;
	struct batch_header mark_h;
	int mark_valid;
};

/*
 * A sink writing to fd in format f (tpl: the template of OUT_TEMPLATE).
 * Returns 0, or -1 with err set (a bad template, no memory); then
 * sink_close is still to be called.  s->out is the output underneath, for
 * what only an output does (output_raw, its byte count).
 */
int sink_open_output(struct sink *s, int fd, enum output_format f, const char *tpl,
		     struct error *err);

/* A sink appending to the log w writes to (opened by the caller, who
 * closes it after sink_close).  Records get the log's next offsets. */
void sink_open_log(struct sink *s, struct writer *w, const struct sink_log_options *opt);

/*
 * Writes one record.  An output sink: OUTPUT_OK, OUTPUT_ERROR or
 * OUTPUT_CLOSED (output.h).  A log sink takes r's timestamp, key, value and
 * headers, not its offset, and writes the batch in the background once
 * full: OUTPUT_OK, or OUTPUT_ERROR with err set (a record too large, no
 * memory: the sink goes on; a write that failed: sink_failed is then set,
 * and nothing more can be written).
 */
int sink_write(struct sink *s, const struct record *r, struct error *err);

/*
 * An output sink: writes what is buffered.  A log sink: writes the batch
 * being built and waits until every record given is durable.  Returns as
 * sink_write.
 */
int sink_flush(struct sink *s, struct error *err);

/*
 * A control item (barrier.h) in the stream, after the records written
 * before it (issue 17, CHECKPOINT-SPEC.md sections 1 and 4):
 *   - an output sink in the framed format writes the item as it is; in the
 *     other formats it is dropped (OUTPUT_OK);
 *   - a log sink with lopt.checkpoint set, on a barrier, writes every
 *     record given since the last barrier and a checkpoint record (the
 *     barrier's BODY as its value) as one batch with BATCH_FLAG_CHECKPOINT
 *     (checkpoint.h), synced, then calls on_durable; more records than one
 *     batch holds between two barriers is OUTPUT_ERROR naming the bound;
 *     on a restore whose states are not all taken, OUTPUT_ERROR naming the
 *     processor whose state nothing took;
 *   - a log sink without lopt.checkpoint drops the item (OUTPUT_OK); the
 *     caller says so once.
 * Returns as sink_write.
 */
int sink_control(struct sink *s, const uint8_t *p, size_t n, struct error *err);

/* The end of the records: sink_flush, and for framed output the header of
 * a stream without records.  Returns as sink_write. */
int sink_finish(struct sink *s, struct error *err);

/* A log sink: a write failed, nothing more can be written. */
static inline int sink_failed(const struct sink *s) { return s->kind == SINK_LOG && s->failed; }

/* A log sink: remembers the batch being built as it is now; sink_rollback
 * drops the records given since (none of which is written yet: batches are
 * written only at sink_write's full batch or sink_flush, which forget the
 * mark). */
void sink_mark(struct sink *s);
void sink_rollback(struct sink *s);
static inline int sink_marked(const struct sink *s) { return s->mark_valid; }

/* A log sink with lopt.checkpoint: records given since the last barrier,
 * not written. */
uint64_t sink_pending(const struct sink *s);

/* Releases the sink; a log sink's records not yet flushed are dropped. */
void sink_close(struct sink *s);

#endif
