/* input.c - a buffered reader for the record parsers (see input.h). */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "input.h"

#define INPUT_CHUNK (256 * 1024)

void input_init(struct input *in, int fd, const char *name, size_t max_window)
{
	struct buf empty = BUF_INIT;

	in->fd = fd;
	in->name = name;
	in->b = empty;
	in->pos = 0;
	in->eof = 0;
	in->offset = 0;
	in->line = 1;
	in->max_window = max_window;
	in->nonblock = 0;
}

void input_release(struct input *in)
{
	buf_release(&in->b);
}

long input_fill(struct input *in, struct error *err)
{
	size_t avail = input_avail(in), want;
	ssize_t n;

	if (in->eof)
		return 0;
	if (avail >= in->max_window)
		return error_set(err, "%s: record larger than %zu bytes", in->name, in->max_window);
	if (in->pos > 0 && (in->pos >= in->b.len / 2 || in->b.cap - in->b.len < INPUT_CHUNK)) {
		buf_consume(&in->b, in->pos);
		in->pos = 0;
	}
	/* read at least a chunk, and more as a long record grows, so that a
	 * record of size S is parsed O(log S) times, not O(S / chunk) */
	want = avail > INPUT_CHUNK ? avail : INPUT_CHUNK;
	if (want > in->max_window + 1 - avail)
		want = in->max_window + 1 - avail;
	if (buf_grow(&in->b, want) < 0)
		return error_set(err, "%s: out of memory", in->name);
	if (in->nonblock && !input_ready(in, 0))
		return INPUT_AGAIN;
	do
		n = read(in->fd, in->b.p + in->b.len, in->b.cap - in->b.len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return INPUT_AGAIN;
	if (n < 0)
		return error_errno(err, "read error on '%s'", in->name);
	if (n == 0)
		in->eof = 1;
	in->b.len += (size_t)n;
	return n;
}

int input_ready(struct input *in, int timeout_ms)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	int rc;

	if (in->eof)
		return 1;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc != 0;
}

void input_consume(struct input *in, size_t n, int count_lines)
{
	assert(n <= input_avail(in));
	if (count_lines && n > 0) {
		const uint8_t *p = in->b.p + in->pos, *end = p + n;
		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			in->line++;
			p++;
		}
	}
	in->pos += n;
	in->offset += n;
}

uint64_t input_line_at(const struct input *in, size_t i)
{
	const uint8_t *p = input_data(in), *end = p + i;
	uint64_t line = in->line;

	assert(i <= input_avail(in));
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		line++;
		p++;
	}
	return line;
}
