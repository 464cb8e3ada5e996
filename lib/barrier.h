/*
 * barrier.h - the control items of the framed stream (tests/model/
 * CHECKPOINT-SPEC.md, section 1): a barrier, which logcat --resume writes
 * between records and every processor extends with its saved state on the
 * way to logappend --checkpoint, and a restore, which carries the saved
 * states back to the processors before the first record of a resumed run.
 *
 *	["logtools/barrier", 1, BODY]      ["logtools/restore", 1, BODY]
 *
 * BODY is a map of text keys: "source" (a map: "kind" "log"|"topic"|"kafka",
 * "path" for a log or topic; "brokers", "topic", "group" for Kafka),
 * "positions" (a map partition -> next offset, uints), "seq" (uint), "time"
 * (int, ms), "end" (bool), "states" (an array of [name, bytes]).  The
 * encoding is canonical: the keys in that order, definite lengths, the
 * positions by partition, so equal barriers give equal bytes.
 *
 * The decoder takes outside bytes (a pipe, a log's checkpoint record): it
 * checks every field and never reads outside [p, p+n); fuzz_barrier runs it.
 */
#ifndef BARRIER_H
#define BARRIER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define BARRIER_VERSION 1
#define BARRIER_MAX_PARTITIONS 100000	/* as --partitions allows */
#define BARRIER_MAX_STATES 64		/* processors in one pipe */

enum barrier_kind { BARRIER_BARRIER = 1, BARRIER_RESTORE = 2 };

struct barrier_position {
	uint32_t partition;
	uint64_t next;		/* the next offset to read */
};

struct barrier_state {
	char *name;		/* "logwindow", "logjoin" */
	uint8_t *bytes;		/* window_save's or join_save's output */
	size_t len;
};

/* A decoded item: every pointer owned by the struct (barrier_free). */
struct barrier {
	enum barrier_kind kind;
	char *source_kind;	/* "log", "topic", "kafka" */
	char *path;		/* log, topic: the absolute path */
	char *brokers, *topic, *group;	/* kafka (group may be NULL) */
	struct barrier_position *pos;	/* by partition, increasing */
	size_t npos;
	uint64_t seq;		/* 1, 2, ... in a run; 0 for a restore */
	int64_t time;		/* wall clock, ms, when logcat wrote it */
	int end;		/* the input really ended (--to reached) */
	struct barrier_state *states;	/* in pipe order */
	size_t nstates;
};

/*
 * Whether the CBOR item at p[0..n) is a control item: BARRIER_BARRIER or
 * BARRIER_RESTORE when it is an array of 3 whose first element is the text
 * "logtools/barrier" or "logtools/restore", 0 when it is not one (a
 * record), judged from its first bytes only.  The framed reader calls it on
 * every item that is not a record array of 4 to 6.
 */
int barrier_detect(const uint8_t *p, size_t n);

/*
 * Decodes the whole item p[0..n) (exactly one item) into b (zeroed first).
 * Returns 0, or -1 with err saying what is wrong ("barrier: positions:
 * partition 3 twice"); a version above BARRIER_VERSION is refused as newer
 * than this reader.  b is left empty (nothing to free) on error.
 */
int barrier_decode(struct barrier *b, const uint8_t *p, size_t n, struct error *err);

/* Decodes a BODY map alone (a checkpoint record's value, which is the
 * barrier's BODY) as a barrier of kind BARRIER_BARRIER.  As barrier_decode. */
int barrier_decode_body(struct barrier *b, const uint8_t *p, size_t n, struct error *err);

/* Appends the item (encode) or its BODY alone (encode_body) to out,
 * canonically.  0, or -1 when memory runs out (out as it was). */
int barrier_encode(struct buf *out, const struct barrier *b);
int barrier_encode_body(struct buf *out, const struct barrier *b);

/*
 * The next control item of a source (logcat --resume, logkafka consume
 * --resume), b's positions set by the caller: b becomes a restore (seq 0)
 * or the next barrier (seq + 1) of time now and end as given, encoded into
 * item (reset first).  A restore's states go to the processors once: they
 * are dropped from b after encoding.  0, or -1 when memory runs out.
 */
int barrier_next(struct barrier *b, enum barrier_kind kind, int end, int64_t now,
		 struct buf *item);

/* Appends a state (copied) at the end of b's states: a processor passing a
 * barrier.  0, or -1 with err set (ENOMEM, more than BARRIER_MAX_STATES). */
int barrier_push_state(struct barrier *b, const char *name, const uint8_t *p, size_t len,
		       struct error *err);

/*
 * Takes the first state out of a restore: a processor named name at the
 * head of the pipe.  Returns 1 with *st moved out (the caller frees
 * st->name and st->bytes), 0 when b has no state left (a first run), -1
 * with err set when the first state is another processor's ("the
 * checkpoint's next state is logjoin's, not logwindow's: the pipe
 * changed").
 */
int barrier_take_state(struct barrier *b, const char *name, struct barrier_state *st,
		       struct error *err);

void barrier_free(struct barrier *b);

#endif
