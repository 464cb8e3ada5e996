/*
 * checkpoint.h - checkpoints in a log (tests/model/CHECKPOINT-SPEC.md,
 * section 4): the records logappend --checkpoint writes, each the last
 * record of a batch whose header has BATCH_FLAG_CHECKPOINT set, that batch
 * holding every record since the previous checkpoint, written with one
 * write and synced.  A torn tail keeps the batch whole or drops it whole,
 * so the last checkpoint of a log always matches the records before it.
 *
 * A checkpoint record is [offset, time, null, BODY, null], BODY a
 * barrier's (barrier.h).  It takes an offset, as Kafka's control records
 * do, and readers of the log skip it unless asked for it.
 */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"

/* Batch flag bit 2: the batch's last record is a checkpoint record. */
#define BATCH_FLAG_CHECKPOINT 0x04

static inline int batch_has_checkpoint(const struct batch_header *h)
{
	return (h->flags & BATCH_FLAG_CHECKPOINT) != 0;
}

/*
 * Finds the last checkpoint of the log at path (a pipe's output is one
 * log; a topic is an error naming it), searching from the end: the batch headers of the active segment, then of
 * each earlier segment, reading only flagged batches' payloads.  Returns 1
 * with body set to the checkpoint record's value (BODY's CBOR bytes, body
 * reset first) and *offset to its offset, 0 when the log has no checkpoint
 * (or does not exist, or is a directory a writer is creating and holds
 * nothing else yet: a first run), -1 with err set on damage or a read
 * error.  Takes no lock: a concurrent writer appends after what it finds.
 */
int checkpoint_last(const char *path, struct buf *body, uint64_t *offset, struct error *err);

/*
 * In a flagged batch's uncompressed payload p[0..n): the length of the
 * records before the checkpoint record (what a reader copies), and the
 * checkpoint record's bytes at p + *before.  Returns 0, or -1 with err set
 * when the payload does not end with a well-formed checkpoint record.
 */
int checkpoint_split(const uint8_t *p, size_t n, size_t *before, struct error *err);

/*
 * Calls fn for each checkpoint of the log at path, in offset order, with
 * its offset and BODY's bytes (valid during the call): reads every batch's
 * header, and the payloads of flagged batches only.  A torn tail is the
 * end, as for any reader.  Returns 0, fn's non-zero return, or -1 with err
 * set (damage, a read error).  Added for logcat --checkpoints and logseek.
 */
int checkpoint_list(const char *path,
		    int (*fn)(void *ctx, uint64_t offset, const uint8_t *body, size_t n,
			      struct error *err),
		    void *ctx, struct error *err);

/* The value (BODY) and offset of the checkpoint record p[0..n) that
 * checkpoint_split found (not checked again). */
void checkpoint_body(const uint8_t *p, size_t n, const uint8_t **body, size_t *len,
		     uint64_t *offset);

struct barrier;

/* Appends a checkpoint as one JSON object (no newline): {"offset", "source",
 * "positions" (partition as a string -> next offset), "seq", "time", "end",
 * "states" ([name, size in bytes] each)}.  0, or -1 when memory runs out. */
int checkpoint_json(struct buf *out, uint64_t offset, const struct barrier *b);

#endif
