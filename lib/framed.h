/*
 * framed.h - the framed stream: what the tools write to and read from pipes.
 * An RFC 8742 CBOR sequence: a header item, then one record array per record
 * (record.h).  The header is the self-described CBOR tag 55799 on the array
 * ["logtools/framed", 1]; a header may appear again later (concatenated
 * streams), and a later version number is refused.
 */
#ifndef FRAMED_H
#define FRAMED_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "input.h"
#include "record.h"

#define FRAMED_VERSION 1
#define FRAMED_HEADER_LEN 21
extern const uint8_t framed_header[FRAMED_HEADER_LEN];

/* The writer: appends the stream's header, or one record's array, to b.
 * Return 0, or -1 when memory runs out (b as it was). */
int framed_put_header(struct buf *b);
static inline int framed_put_record(struct buf *b, const struct record *r)
{
	return record_encode(b, r);
}

/* Whether p[0..n) starts like a framed stream (the tag 55799 bytes). */
int framed_detect(const uint8_t *p, size_t n);

struct framed_reader {
	struct input *in;
	uint64_t records;	/* records read so far, bad ones included */
	uint64_t at;		/* stream offset of the last record read */
	int started;		/* the first header was seen */
	const uint8_t *control;	/* FRAMED_CONTROL: the item */
	size_t control_len;
};

void framed_reader_init(struct framed_reader *fr, struct input *in);

/* framed_next's answer for a bad record that was skipped over. */
#define FRAMED_BAD_RECORD (-2)
/*
 * framed_next's answer for a control item (barrier.h: a barrier or a
 * restore, CHECKPOINT-SPEC.md): fr->control points at its bytes in the
 * input window (fr->control_len of them, one whole item, checked well-formed
 * but not decoded), valid until the next call.  Issue 17.
 */
#define FRAMED_CONTROL 2
/* framed_next's answer when the input is non-blocking (input.h) and the
 * next record is not all there yet: call again once there is more. */
#define FRAMED_AGAIN INPUT_AGAIN

/*
 * Reads the next record.  Returns 1 with r pointing into the input window
 * (valid until the next call), 0 at the clean end of the stream, or -1 with
 * err naming the stream, record number and byte offset and saying what was
 * seen ("stdin: record 3 (byte 812): expected a record ..., found a map";
 * "stdin: not a framed stream: it starts with '{' (JSON?)"; "stdin: stream
 * ends inside record 7").  A record is read only when its key, value and
 * headers are valid (item_validate).  FRAMED_AGAIN: see above; nothing
 * was consumed that the next call needs.
 *
 * FRAMED_BAD_RECORD (err set the same way): the record is bad but its
 * extent is known, because it is one well-formed CBOR item (a record of the
 * wrong shape, invalid UTF-8, a duplicate map key, a bad tag content); it
 * has been consumed, and the next call reads the record after it.  A bad
 * item that is not well-formed, a truncated stream or a record larger than
 * the input window leaves no way to find the next record: -1.
 */
int framed_next(struct framed_reader *fr, struct record *r, struct error *err);

#endif
