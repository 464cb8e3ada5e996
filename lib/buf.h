/*
 * buf.h - a growable byte buffer, the one buffer type of the toolkit.
 *
 * A struct buf holds len bytes at p, in an allocation of cap bytes.  It is
 * always safe to read p[len] when cap > len; buf_cstr() adds a NUL without
 * counting it.  Growth failures are fatal only in the sense that they return
 * -1 and leave the buffer as it was; callers report "out of memory".
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Makes room for at least n more bytes.  Returns 0, or -1 (ENOMEM). */
int buf_grow(struct buf *b, size_t n);

/* Appends n bytes.  Returns 0, or -1 when memory runs out. */
int buf_add(struct buf *b, const void *data, size_t n);

/* Appends a formatted string (no NUL counted).  Returns 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Removes the first n bytes, moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* Appends v in decimal.  Return 0, or -1 when memory runs out. */
int buf_add_u64(struct buf *b, uint64_t v);
int buf_add_i64(struct buf *b, int64_t v);

/* NUL-terminates the contents (not counted in len); NULL on ENOMEM. */
char *buf_cstr(struct buf *b);

/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);

/* Empties the buffer, keeping its storage. */
static inline void buf_reset(struct buf *b) { b->len = 0; }

/* Appends one byte; the fast path of the JSON and CBOR writers. */
static inline int buf_addc(struct buf *b, uint8_t c)
{
	if (b->len == b->cap && buf_grow(b, 1) < 0)
		return -1;
	b->p[b->len++] = c;
	return 0;
}

/* Appends n bytes without a capacity check: call buf_grow first. */
static inline void buf_add_unchecked(struct buf *b, const void *data, size_t n)
{
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

#endif
