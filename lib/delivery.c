/* delivery.c - what the reader of an output has taken (see delivery.h). */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "delivery.h"
#include "timeparse.h"

void delivery_init(struct delivery *d, int fd, uint64_t start)
{
	struct stat st;

	d->fd = fd;
	d->pipe = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	d->head = d->n = 0;
	d->gap = 0;
	d->taken = d->given = start;
	d->nparts = 1;
	d->taken_part = &d->taken;
	d->given_part = &d->given;
	d->dropped = 0;
}

int delivery_init_parts(struct delivery *d, int fd, size_t nparts, const uint64_t *start)
{
	uint64_t *a = calloc(2 * (nparts ? nparts : 1), sizeof *a);	/* none: a part 0 at 0 */

	if (!a)
		return -1;
	delivery_init(d, fd, nparts ? start[0] : 0);
	d->nparts = nparts;
	d->taken_part = a;
	d->given_part = a + (nparts ? nparts : 1);
	for (size_t i = 0; i < nparts; i++)
		d->taken_part[i] = d->given_part[i] = start[i];
	return 0;
}

void delivery_release(struct delivery *d)
{
	if (d->taken_part != &d->taken)
		free(d->taken_part);
	d->taken_part = &d->taken;
	d->given_part = &d->given;
}

/* Bytes written to the pipe that wait in it still (0 when not a pipe). */
static uint64_t in_pipe(struct delivery *d)
{
	int n = 0;

	if (!d->pipe || ioctl(d->fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (uint64_t)n;
}

uint64_t delivery_taken(struct delivery *d, uint64_t written)
{
	uint64_t waiting = in_pipe(d);
	uint64_t taken = written > waiting ? written - waiting : 0;

	while (d->n > 0 && d->ring[d->head].end <= taken) {
		d->taken_part[d->ring[d->head].part] = d->ring[d->head].next;
		d->head = (d->head + 1) % DELIVERY_MARKS;
		d->n--;
	}
	if (d->n == 0 && d->dropped) {
		/* every marked record was taken, those of the marks thinned
		 * out too (the newest mark is never thinned out) */
		for (size_t i = 0; i < d->nparts; i++)
			d->taken_part[i] = d->given_part[i];
		d->dropped = 0;
	}
	d->taken = d->taken_part[0];
	if (d->n < DELIVERY_MARKS / 4)
		d->gap /= 2;
	return d->taken;
}

static struct delivery_mark *mark_at(struct delivery *d, size_t i)
{
	return &d->ring[(d->head + i) % DELIVERY_MARKS];
}

/* The ring is full of marks not yet taken: keeps every other one (the
 * newest among them), and spaces the marks to come as far apart. */
static void thin(struct delivery *d)
{
	size_t k = 0;

	for (size_t i = (d->n + 1) % 2; i < d->n; i += 2)
		*mark_at(d, k++) = *mark_at(d, i);
	d->n = k;
	d->dropped = 1;
	assert(k >= 2);
	d->gap = (mark_at(d, k - 1)->end - mark_at(d, 0)->end) / (k - 1);
}

void delivery_mark_part(struct delivery *d, uint64_t end, size_t part, uint64_t next,
			uint64_t written)
{
	/* marks come in the order of the output, each part's records in
	 * offset order */
	assert(part < d->nparts && next >= d->given_part[part]);
	assert(d->n == 0 || end >= mark_at(d, d->n - 1)->end);
	d->given_part[part] = next;
	if (d->n >= 2 && end - mark_at(d, d->n - 2)->end < d->gap &&
	    mark_at(d, d->n - 1)->part == part) {
		/* closer to the mark before than the spacing: the newest
		 * mark, of the same part, moves here */
		*mark_at(d, d->n - 1) = (struct delivery_mark){ end, next, part };
		return;
	}
	if (d->n == DELIVERY_MARKS) {
		delivery_taken(d, written);
		if (d->n == DELIVERY_MARKS)
			thin(d);
	}
	*mark_at(d, d->n++) = (struct delivery_mark){ end, next, part };
}

void delivery_mark(struct delivery *d, uint64_t end, uint64_t next, uint64_t written)
{
	delivery_mark_part(d, end, 0, next, written);
}

int delivery_waiting(struct delivery *d)
{
	return in_pipe(d) > 0;
}

int delivery_drain(struct delivery *d, int timeout_ms, volatile sig_atomic_t *stop)
{
	int64_t start = time_now_ms();
	int step = 1;

	for (;;) {
		struct pollfd p = { .fd = d->fd, .events = 0 };
		int wait = step;
		if (stop && *stop)
			return DELIVERY_STOP;
		if (!delivery_waiting(d))
			return DELIVERY_DRAINED;
		if (timeout_ms >= 0) {
			int64_t left = start + timeout_ms - time_now_ms();
			if (left <= 0)
				return DELIVERY_TIMEOUT;
			if (left < wait)
				wait = (int)left;
		}
		/* events 0: POLLERR comes back once the reader has gone */
		if (poll(&p, 1, wait) > 0 && (p.revents & (POLLERR | POLLHUP)))
			return DELIVERY_GONE;
		if (step < 20)
			step = step * 2 > 20 ? 20 : step * 2;
	}
}
