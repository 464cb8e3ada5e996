/*
 * output.h - writing records out: as a framed stream, as JSON lines (one
 * object per record: offset, partition for a topic's record, ts, key, value,
 * headers when present), as the
 * values alone, or through a kcat-like template.  Output is buffered and
 * written with write(2); a reader that went away (EPIPE) is reported as
 * OUTPUT_CLOSED so the command can end quietly.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "record.h"

enum output_format { OUT_FRAMED, OUT_JSON, OUT_VALUES, OUT_TEMPLATE };

enum {
	OUTPUT_OK = 0,
	OUTPUT_ERROR = -1,	/* err set */
	OUTPUT_CLOSED = -2,	/* the reader went away */
	OUTPUT_STOPPED = -3,	/* a write was interrupted by *stop being set */
};

struct output {
	int fd;
	enum output_format format;
	struct buf b;
	int started;		/* the framed header was written */
	struct tpl_part *tpl;	/* the parsed template */
	struct buf tpltext;	/* its literal text */
	size_t ntpl;
	volatile sig_atomic_t *stop;	/* when set, a blocked write gives up */
	uint64_t total;		/* bytes written to fd so far */
};

/*
 * Sets up output to fd.  For OUT_TEMPLATE, tpl is the template: %o offset,
 * %T timestamp (ms), %t timestamp (RFC 3339), %k key, %s value (text and
 * byte strings raw, anything else as JSON), %K and %S the number of bytes
 * %k and %s write (-1 for a null key or value, which they write as null),
 * %h headers (name=value,...), %p the partition of a topic's record
 * (nothing for a single log's), %% a '%'; \n \t \r \\ \0 escapes.  Returns
 * 0, or -1 with err set for a bad template (an unknown directive, a '%' at
 * its end).
 */
int output_init(struct output *o, int fd, enum output_format f, const char *tpl,
		struct error *err);

/* Writes one record.  Returns OUTPUT_OK, OUTPUT_ERROR or OUTPUT_CLOSED. */
int output_record(struct output *o, const struct record *r, struct error *err);

/*
 * Writes the record item at p[0..n) (OUT_JSON and OUT_VALUES only),
 * decoding it as it goes: one pass over it, where record_decode and
 * output_record take two.  Sets *len to the item's size.  Returns
 * OUTPUT_OK, OUTPUT_ERROR (a malformed record: err set) or OUTPUT_CLOSED.
 */
int output_item(struct output *o, const uint8_t *p, size_t n, size_t *len, struct error *err);

/* Writes an uncompressed batch payload as it is (framed output only). */
int output_raw(struct output *o, const uint8_t *p, size_t n, struct error *err);

/* Writes what is buffered.  Returns OUTPUT_OK, OUTPUT_ERROR or OUTPUT_CLOSED. */
int output_flush(struct output *o, struct error *err);

/* Flushes at the end of the output: a framed stream without records is
 * still its header, a valid empty stream. */
int output_finish(struct output *o, struct error *err);

void output_release(struct output *o);

#endif
