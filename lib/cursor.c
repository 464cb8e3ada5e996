/* cursor.c - reading segments, batches and records (see cursor.h). */
#include <assert.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cursor.h"
#include "index.h"
#include "item.h"

void cursor_init(struct cursor *c, struct log *log, struct buf *b)
{
	struct buf empty = BUF_INIT;

	assert(log);
	c->log = log;
	c->base = 0;
	c->fd = -1;
	c->size = 0;
	c->active = 0;
	c->tail_from = c->end = UINT64_MAX;
	c->pos = SEGMENT_HEADER_LEN;
	c->own = empty;
	c->b = b ? b : &c->own;
	c->path[0] = 0;
	c->batch_pos = 0;
	c->scratch = empty;
	c->p = NULL;
	c->n = 0;
	c->ckpt = NULL;
	c->ckpt_len = 0;
	c->ckpt_off = 0;
	batch_order_start(&c->ord, 0);
	c->ended = 1;
	c->fault = CURSOR_NONE;
}

int cursor_open(struct cursor *c, uint64_t base, int active, int64_t *created,
		struct error *err)
{
	cursor_close(c);
	c->base = base;
	c->active = active;
	c->tail_from = UINT64_MAX;
	c->size = 0;
	c->pos = SEGMENT_HEADER_LEN;
	c->n = 0;
	c->ended = 1;
	c->fault = CURSOR_NONE;
	batch_order_start(&c->ord, base);
	return segment_open(c->log, base, &c->fd, &c->size, created, c->path, err);
}

int cursor_open_seg(struct cursor *c, size_t i, struct error *err)
{
	assert(i < c->log->nseg);
	return cursor_open(c, c->log->seg[i], i + 1 == c->log->nseg, NULL, err);
}

int cursor_open_tail(struct cursor *c, size_t i, struct error *err)
{
	if (cursor_open_seg(c, i, err) < 0)
		return -1;
	if (c->active)
		c->tail_from = cursor_hint(c, UINT64_MAX - 1);
	return 0;
}

void cursor_close(struct cursor *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void cursor_release(struct cursor *c)
{
	cursor_close(c);
	buf_release(&c->scratch);
	buf_release(&c->own);
}

/* Whether the open segment grew since its size was taken (then c->size is
 * its new size). */
static int grew(struct cursor *c)
{
	struct stat st;

	if (fstat(c->fd, &st) < 0 || (uint64_t)st.st_size <= c->size)
		return 0;
	c->size = (uint64_t)st.st_size;
	return 1;
}

int cursor_judge(struct cursor *c, uint64_t pos, int rc, struct error *err)
{
	assert(rc == BATCH_SHORT || rc == BATCH_BAD || rc == BATCH_IOERR);
	if (rc == BATCH_IOERR) {
		c->fault = CURSOR_IOERR;
		return error_set(err, "'%s': byte %" PRIu64 ": %s", c->path, pos, c->why.msg);
	}
	if (c->active)
		return 0;	/* torn or growing tail of the active segment */
	/* sealed since its size was taken, while the writer was inside this
	 * batch: a follower that saw the segment grow, then a newer one
	 * appear, looks again */
	if (grew(c))
		return 1;
	if (rc == BATCH_SHORT) {
		c->fault = CURSOR_SHORT;
		error_set(&c->why, "the file ends inside the batch");
		return error_set(err, "'%s': damaged: file ends inside the batch at byte %" PRIu64,
				 c->path, pos);
	}
	c->fault = CURSOR_BAD;
	return error_set(err, "'%s': damaged batch at byte %" PRIu64 ": %s", c->path, pos,
			 c->why.msg);
}

int cursor_read(struct cursor *c, uint64_t pos, struct batch_header *h, int header_only,
		struct error *err)
{
	assert(c->fd >= 0);
	c->fault = CURSOR_NONE;
	for (;;) {
		int rc;
		if (pos >= c->size) {
			/* it was the last when its size was taken: the writer
			 * may have added to it before it rolled */
			if (!c->active && grew(c))
				continue;
			return 0;
		}
		if (c->active && pos >= c->tail_from)
			header_only = 0;
		rc = segment_read_batch(c->fd, pos, c->size, c->b, h, header_only, &c->why);
		if (rc == BATCH_OK)
			return h->base < c->end;
		rc = cursor_judge(c, pos, rc, err);
		if (rc <= 0)
			return rc;
	}
}

int cursor_next(struct cursor *c, int decode, struct error *err)
{
	int rc = cursor_read(c, c->pos, &c->h, 0, err);

	if (rc <= 0)
		return rc;
	c->batch_pos = c->pos;
	c->pos = cursor_after(c->pos, &c->h);
	c->n = 0;
	c->ckpt_len = 0;
	c->ended = 1;
	batch_order_start(&c->ord, c->ord.next);
	return decode && cursor_records(c, err) < 0 ? -1 : 1;
}

/* A flagged batch's records c->p[0..c->n): the checkpoint record cut off
 * into c->ckpt.  Returns 0, or -1 with c->why set. */
static int split(struct cursor *c)
{
	struct item_head h;
	size_t before;

	c->ckpt = NULL;
	c->ckpt_len = 0;
	if (!batch_has_checkpoint(&c->h))
		return 0;
	if (checkpoint_split(c->p, c->n, &before, &c->why) < 0)
		return -1;
	c->ckpt = c->p + before;
	c->ckpt_len = c->n - before;
	item_head(c->ckpt + 1, c->ckpt_len - 1, &h, NULL);	/* checked by the split */
	c->ckpt_off = h.val;
	c->n = before;
	return 0;
}

int cursor_records(struct cursor *c, struct error *err)
{
	assert(c->b->len == BATCH_HEADER_LEN + (size_t)c->h.payload_len);
	if (batch_payload(c->b->p, &c->h, &c->scratch, &c->p, &c->n, &c->why) < 0) {
		c->fault = CURSOR_PAYLOAD;
		c->n = 0;
		c->ckpt_len = 0;
		return error_set(err, "'%s': batch at byte %" PRIu64 ": %s", c->path, c->batch_pos,
				 c->why.msg);
	}
	if (split(c) < 0) {
		c->fault = CURSOR_RECORD;
		c->n = 0;
		return error_set(err, "'%s': batch at byte %" PRIu64 ": %s", c->path, c->batch_pos,
				 c->why.msg);
	}
	c->ended = 0;
	return 0;
}

int cursor_record(struct cursor *c, struct record *r, size_t *len, struct error *err)
{
	const struct batch_header *h = &c->h;
	uint64_t last = h->base + h->last_delta;

	if (c->n == 0) {
		if (!c->ended && c->ckpt_len && batch_order_next(&c->ord, h, c->ckpt_off) < 0) {
			c->fault = CURSOR_ORDER;
			return error_set(err, "'%s': batch at byte %" PRIu64 ": checkpoint offset %"
					 PRIu64 " out of order (the batch holds %" PRIu64 " to %"
					 PRIu64 ")", c->path, c->batch_pos, c->ckpt_off, h->base,
					 last);
		}
		if (!c->ended && batch_order_done(&c->ord, h) < 0) {
			c->fault = CURSOR_COUNT;
			return error_set(err, "'%s': batch at byte %" PRIu64 ": %u records up to "
					 "offset %" PRIu64 ", its header says %u up to %" PRIu64,
					 c->path, c->batch_pos, c->ord.seen, c->ord.next - 1, h->count,
					 last);
		}
		c->ended = 1;
		return 0;
	}
	if (record_decode(c->p, c->n, r, len, &c->why) != ITEM_OK ||
	    (r->has_partition && error_set(&c->why, "a record carries a partition (only "
					   "the framed stream may)"))) {
		c->fault = CURSOR_RECORD;
		return error_set(err, "'%s': batch at byte %" PRIu64 ": %s", c->path, c->batch_pos,
				 c->why.msg);
	}
	if (batch_order_next(&c->ord, h, r->offset) < 0) {
		c->fault = CURSOR_ORDER;
		return error_set(err, "'%s': batch at byte %" PRIu64 ": record offset %" PRIu64
				 " out of order (the batch holds %" PRIu64 " to %" PRIu64 ")",
				 c->path, c->batch_pos, r->offset, h->base, last);
	}
	assert(*len <= c->n);
	c->p += *len;
	c->n -= *len;
	return 1;
}

int cursor_load(struct cursor *c, uint64_t pos, struct error *err)
{
	int rc = cursor_read(c, pos, &c->h, 0, err);

	if (rc <= 0)
		return rc;
	c->batch_pos = pos;
	if (batch_payload(c->b->p, &c->h, &c->scratch, &c->p, &c->n, err) < 0) {
		c->fault = CURSOR_PAYLOAD;
		c->n = 0;
		c->ckpt_len = 0;
		return error_prefix(err, "'%s': damaged batch at byte %llu", c->path,
				    (unsigned long long)pos);
	}
	if (split(c) < 0) {
		c->fault = CURSOR_RECORD;
		c->n = 0;
		return error_set(err, "'%s': damaged batch at byte %llu: %s", c->path,
				 (unsigned long long)pos, c->why.msg);
	}
	return 1;
}

int cursor_walk(struct cursor *c, struct record *r, struct error *err)
{
	size_t len, ilen;
	int nf, k;

	if (c->n == 0)
		return 0;
	nf = record_decode_head(c->p, c->n, r, &len, err);
	if (nf == ITEM_TRUNCATED) {
		error_set(err, "a record ends past its batch");
		nf = -1;
	} else if (nf == 6) {
		error_set(err, "a record carries a partition (only the framed stream may)");
		nf = -1;
	}
	for (k = 2; nf >= 0 && k < nf; k++) {
		int rc = item_check(c->p + len, c->n - len, &ilen, err);
		if (rc != ITEM_OK) {
			if (rc == ITEM_TRUNCATED)
				error_set(err, "a record ends past its batch");
			nf = -1;
			break;
		}
		len += ilen;
	}
	if (nf < 0) {
		c->fault = CURSOR_RECORD;
		return error_prefix(err, "'%s': damaged batch at byte %llu", c->path,
				    (unsigned long long)c->batch_pos);
	}
	assert(len <= c->n);
	c->p += len;
	c->n -= len;
	return 1;
}

uint64_t cursor_hint(struct cursor *c, uint64_t off)
{
	uint64_t pos, first;
	int ifd = index_open(c->log, c->base, ".index");

	index_lookup(ifd, c->base, off, &pos, &first);
	if (ifd >= 0)
		close(ifd);
	return cursor_at(c, pos, first) ? pos : SEGMENT_HEADER_LEN;
}

int cursor_peek(struct cursor *c, uint64_t pos, struct batch_header *h)
{
	return segment_read_batch(c->fd, pos, c->size, c->b, h, 1, NULL) == BATCH_OK;
}

int cursor_at(struct cursor *c, uint64_t pos, uint64_t off)
{
	struct batch_header h;

	if (pos == SEGMENT_HEADER_LEN && off == c->base)
		return 1;
	return cursor_peek(c, pos, &h) && h.base == off;
}

