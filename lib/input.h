/*
 * input.h - a buffered reader of a file descriptor for the record parsers:
 * the bytes not yet consumed stay in one contiguous window, refilled at the
 * end, so a parser can look at a whole record and ask for more when it ends
 * inside one.  It counts consumed bytes and lines for error messages.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

struct input {
	int fd;
	const char *name;	/* for messages: "stdin" or a file name */
	struct buf b;		/* b.p[pos..b.len) is unconsumed */
	size_t pos;
	int eof;
	uint64_t offset;	/* stream offset of b.p[pos] */
	uint64_t line;		/* line number (1-based) of b.p[pos] */
	size_t max_window;	/* refuse to hold more than this unconsumed */
	int nonblock;		/* input_fill answers INPUT_AGAIN rather than wait */
};

/* input_fill's answer, with nonblock set, when no byte is there to read. */
#define INPUT_AGAIN (-3)

void input_init(struct input *in, int fd, const char *name, size_t max_window);
void input_release(struct input *in);

/* Unconsumed bytes. */
static inline const uint8_t *input_data(const struct input *in)
{
	return in->b.p ? in->b.p + in->pos : (const uint8_t *)"";
}
static inline size_t input_avail(const struct input *in) { return in->b.len - in->pos; }

/*
 * Reads more bytes (one read(2), retried on EINTR), keeping the unconsumed
 * ones.  Returns the number read, 0 at end of input (eof set), or -1 with err
 * set on a read error or when the window would exceed max_window.  With
 * nonblock set, it first looks whether a read would wait (poll(2), no
 * timeout), and returns INPUT_AGAIN (err untouched) when it would; so does
 * a read of a descriptor in O_NONBLOCK mode that finds nothing.
 */
long input_fill(struct input *in, struct error *err);

/* Whether a read would return at once (data or EOF waiting), after waiting
 * at most timeout_ms (0: just look). */
int input_ready(struct input *in, int timeout_ms);

/* Marks n bytes consumed, counting lines when count_lines is set. */
void input_consume(struct input *in, size_t n, int count_lines);

/* The line number of byte i of the unconsumed input (lines counted). */
uint64_t input_line_at(const struct input *in, size_t i);

#endif
