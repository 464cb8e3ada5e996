/*
 * delivery.h - what the reader of an output has taken: for logcat --group,
 * which commits a record only once it has left the pipe.
 *
 * Bytes written to a pipe are not yet read: Linux says how many still wait
 * in it (ioctl FIONREAD, on either end), so the reader has taken what was
 * written less that.  The caller marks where each record ends in the
 * output's byte stream, with the offset after it; delivery_taken answers
 * the offset after the last record whose bytes have all been taken.  On
 * anything but a pipe or FIFO (a file, a terminal), what was written was
 * delivered.
 *
 * The marks are a ring of DELIVERY_MARKS; when it is full, marks already
 * taken are dropped, then every other one, and the marks to come are
 * spaced as far apart: the answer then lags by at most about twice that
 * spacing (the bytes not yet taken over DELIVERY_MARKS / 2), never runs
 * ahead.
 *
 * A topic's records come from several partitions, each with its own
 * offsets: a mark then names its part (0 .. nparts - 1), and the answer is
 * one offset per part (delivery_part_taken).  A mark a part loses to the
 * thinning only delays that part's answer: once the reader has taken every
 * marked byte, every part's answer is the offset after its last marked
 * record.
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define DELIVERY_MARKS 8192

struct delivery {
	int fd;
	int pipe;		/* fd is a pipe or FIFO */
	struct delivery_mark { uint64_t end, next; size_t part; } ring[DELIVERY_MARKS];
	size_t head, n;		/* the oldest mark, how many */
	uint64_t gap;		/* the spacing of marks, in bytes (see thin) */
	uint64_t taken;		/* the offset after the last record taken (part 0) */
	size_t nparts;
	uint64_t *taken_part;	/* each part's taken (&taken for one part) */
	uint64_t *given_part;	/* each part's last marked next (&given for one) */
	uint64_t given;
	int dropped;		/* a mark was thinned out since the ring was empty */
};

/* Starts tracking output to fd, nothing taken yet: delivery_taken answers
 * start until a marked record has been taken.  One part; nothing to
 * release. */
void delivery_init(struct delivery *d, int fd, uint64_t start);

/* The same for nparts parts (a topic's partitions), part i starting at
 * start[i].  Returns 0, or -1 when memory runs out (then nothing is to be
 * released).  Release it with delivery_release. */
int delivery_init_parts(struct delivery *d, int fd, size_t nparts, const uint64_t *start);
void delivery_release(struct delivery *d);

/*
 * Marks that a record ends at byte end of the output (counted from the
 * first byte written to fd) and that next is the offset after it;
 * written is how many bytes have been written to fd so far.  Marks come in
 * order of the output, and each part's in increasing offset order.
 * delivery_mark is delivery_mark_part of part 0.
 */
void delivery_mark(struct delivery *d, uint64_t end, uint64_t next, uint64_t written);
void delivery_mark_part(struct delivery *d, uint64_t end, size_t part, uint64_t next,
			uint64_t written);

/* The offset after the last record all of whose bytes the reader has
 * taken, written bytes having been written to fd: of part 0; the other
 * parts' then with delivery_part_taken. */
uint64_t delivery_taken(struct delivery *d, uint64_t written);
static inline uint64_t delivery_part_taken(const struct delivery *d, size_t part)
{
	return d->taken_part[part];
}

/* 1 when bytes written to fd wait in the pipe still, else 0. */
int delivery_waiting(struct delivery *d);

enum { DELIVERY_DRAINED, DELIVERY_GONE, DELIVERY_STOP, DELIVERY_TIMEOUT };

/*
 * Waits until the pipe is empty (DELIVERY_DRAINED; at once for anything
 * but a pipe), its reader has gone away (DELIVERY_GONE), *stop is set
 * (DELIVERY_STOP) or timeout_ms have passed (DELIVERY_TIMEOUT; -1: no
 * limit).  Nothing tells a writer that a pipe drained: it looks again
 * every few milliseconds (1, doubling to 20).
 */
int delivery_drain(struct delivery *d, int timeout_ms, volatile sig_atomic_t *stop);

#endif
