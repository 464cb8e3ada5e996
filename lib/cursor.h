/*
 * cursor.h - the one way a log's segments, batches and records are read:
 * a segment open for reading, the batch at a position (its header alone,
 * or whole and checked by crc), the records of a batch in the order
 * logformat(5) gives them (batch_order), and one rule for what a batch
 * that cannot be read means.
 *
 * The rule (cursor_judge): in the active segment (the last one when its
 * size was taken) an incomplete or unreadable batch is the end of the log:
 * a write in progress, or a torn tail the next writer cuts off.  In a
 * sealed segment it is damage, unless the segment grew since its size was
 * taken (it was the active one then, and the writer was inside the batch):
 * then the batch is read again at the new size.  A read error is always an
 * error.
 *
 * The reader (reader.h), logseek's questions (inspect.h, seek.h), the
 * histogram, compaction (compact.h) and --verify (verify.h) read through it.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "log.h"
#include "record.h"
#include "segment.h"

/* What made the last read or record fail (c->fault), beside err. */
enum cursor_fault {
	CURSOR_NONE = 0,
	CURSOR_IOERR,		/* the file could not be read */
	CURSOR_SHORT,		/* the file ends inside the batch */
	CURSOR_BAD,		/* not a batch, or its crc does not match */
	CURSOR_PAYLOAD,		/* its payload cannot be inflated */
	CURSOR_RECORD,		/* a record is not well formed */
	CURSOR_ORDER,		/* a record's offset is out of order */
	CURSOR_COUNT,		/* the records end short of what the header says */
};

struct cursor {
	struct log *log;
	uint64_t base;		/* the open segment's base */
	int fd;			/* the open segment, or -1 */
	uint64_t size;		/* its size when last looked */
	int active;		/* an unreadable batch is the end, not damage */
	uint64_t tail_from;	/* active: batches from here on are read whole
				 * even for their header (cursor_open_tail) */
	uint64_t end;		/* batches from this offset on are not read:
				 * the end of the log when a question was asked
				 * (UINT64_MAX unless the caller sets it) */
	uint64_t pos;		/* cursor_next: the position of the next batch */
	struct buf *b;		/* batches are read here: the caller's, or own */
	struct buf own;
	char path[SEGMENT_NAME_MAX_PATH];	/* the open segment, for messages */
	/* the batch last read whole by cursor_next, and its records */
	uint64_t batch_pos;
	struct batch_header h;
	struct buf scratch;	/* an inflated payload */
	const uint8_t *p;	/* the records not yet walked */
	size_t n;
	struct batch_order ord;	/* of the records, carried across batches */
	int ended;		/* the batch's record count was checked */
	/* a flagged batch's checkpoint record (checkpoint.h), which the
	 * walk of its records (cursor_record, cursor_walk) leaves out: its
	 * bytes (ckpt_len 0: none) and offset, set by cursor_records and
	 * cursor_load, valid while the batch is */
	const uint8_t *ckpt;
	size_t ckpt_len;
	uint64_t ckpt_off;
	/* why the last read failed: c->why.msg is the bare reason (for
	 * --verify's own lines), err gets the message readers print */
	enum cursor_fault fault;
	struct error why;
};

/*
 * Sets up a closed cursor over log, reading batches into b (owned by the
 * caller, who may keep a batch there until the next read), or into a
 * buffer of its own when b is NULL.  The cursor points into itself: it is
 * not copied.  Never fails.
 */
void cursor_init(struct cursor *c, struct log *log, struct buf *b);

/*
 * Opens the segment with that base; active says whether it is the last
 * one (see the rule above); *created gets its creation time when not NULL.
 * Resets the walk (cursor_next from the first batch, the record order from
 * base).  Returns 0, or -1 with err set (the cursor then holds no open
 * segment but may hold an fd cursor_close closes).
 */
int cursor_open(struct cursor *c, uint64_t base, int active, int64_t *created,
		struct error *err);

/* cursor_open of segment i of c->log: active when it is the last. */
int cursor_open_seg(struct cursor *c, size_t i, struct error *err);

/*
 * cursor_open_seg, and when segment i is the active one, its batches from
 * its last offset index entry on are read whole even when only a header
 * is asked for (cursor_read): a torn tail may leave a readable header on a
 * batch whose body is damaged, which then ends the log.
 */
int cursor_open_tail(struct cursor *c, size_t i, struct error *err);

/* Closes the segment (the buffers stay). */
void cursor_close(struct cursor *c);

/* Closes the segment and frees the cursor's own buffers (not a b given to
 * cursor_init). */
void cursor_release(struct cursor *c);

/*
 * The rule for a batch at pos that segment_read_batch could not read
 * (rc: BATCH_SHORT, BATCH_BAD or BATCH_IOERR, with the reason in c->why).
 * Returns 1 when the segment grew since its size was taken (c->size is
 * updated: read again), 0 when it is the end of the active segment, -1
 * with err set and c->fault saying why (damage, or a read error).
 */
int cursor_judge(struct cursor *c, uint64_t pos, int rc, struct error *err);

/*
 * Reads the batch at pos into c->b: its header only (with header_only; no
 * crc, except in the active segment's tail: cursor_open_tail) or whole and
 * checked.  At the end of the segment, a sealed segment is looked at again
 * in case it grew meanwhile.  Returns 1 with *h set, 0 at the end of the
 * segment (or of the log, by the rule; or at a batch at or past c->end),
 * -1 with err set.
 */
int cursor_read(struct cursor *c, uint64_t pos, struct batch_header *h, int header_only,
		struct error *err);

/*
 * Reads the batch at c->pos whole into c->b and c->h, sets c->batch_pos to
 * it and moves c->pos past it; with decode, its payload is made ready for
 * cursor_record (inflated into the cursor's buffer when compressed).
 * Returns 1, 0 at the end, -1 with err set.
 */
int cursor_next(struct cursor *c, int decode, struct error *err);

/*
 * Makes the records of the batch cursor_next read ready for cursor_record
 * (what cursor_next does with decode).  Returns 0, or -1 with err set
 * (c->fault CURSOR_PAYLOAD) when its payload does not inflate.
 */
int cursor_records(struct cursor *c, struct error *err);

/*
 * The records of a flagged batch leave out its checkpoint record (c->ckpt),
 * whose offset takes its place in the order checks.
 *
 * The next record of the batch cursor_next decoded: 1 with *r set and *len
 * its size (its bytes are at c->p - *len), 0 after the last, once the
 * batch's record count and last offset were checked.  Offsets are checked
 * against the header and the records before (batch_order): a crafted batch
 * with a valid crc is damage, -1 with err set (c->fault CURSOR_RECORD,
 * CURSOR_ORDER, CURSOR_COUNT; the record's number is c->ord.seen + 1).
 */
int cursor_record(struct cursor *c, struct record *r, size_t *len, struct error *err);

/*
 * Reads the batch at pos whole (cursor_read) into c->h, sets c->batch_pos
 * to pos and makes its records ready for cursor_walk.  Returns 1, 0 at the
 * end, -1 with err set (a payload that does not inflate: "'SEGMENT':
 * damaged batch at byte POS: ...").
 */
int cursor_load(struct cursor *c, uint64_t pos, struct error *err);

/*
 * The next record of the batch cursor_load read, for questions about
 * offsets and times: r's offset and timestamp are decoded, the key, value
 * and headers only checked well formed; no order checks.  Returns 1, 0
 * after the last, -1 with err set ("'SEGMENT': damaged batch at byte POS:
 * ...").
 */
int cursor_walk(struct cursor *c, struct record *r, struct error *err);

/*
 * Where to start reading segment c for offset off: the position of the
 * batch that holds off or the last one before it, by the offset index when
 * it is sound there (the batch it names has the offset it says), else the
 * first batch.  Reads headers; never fails.
 */
uint64_t cursor_hint(struct cursor *c, uint64_t off);

/* Whether a batch header is at pos (*h set), for checking what an index
 * says: no rule applies, nothing is damage.  Returns 1 or 0. */
int cursor_peek(struct cursor *c, uint64_t pos, struct batch_header *h);

/* Whether the batch at pos of segment c begins at offset off (an index's
 * claim, checked): reads its header.  Returns 1 or 0. */
int cursor_at(struct cursor *c, uint64_t pos, uint64_t off);


/* The position of the batch after the one whose header h was read at pos. */
static inline uint64_t cursor_after(uint64_t pos, const struct batch_header *h)
{
	return pos + BATCH_HEADER_LEN + h->payload_len;
}

#endif
