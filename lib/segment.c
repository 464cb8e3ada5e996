/* segment.c - segment files: header, reading batches (see segment.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "littleendian.h"
#include "log.h"
#include "segment.h"

static const uint8_t segment_magic[8] = { 'L', 'O', 'G', 'S', 'E', 'G', 0, SEGMENT_VERSION };

void segment_header_encode(int64_t created_ms, uint8_t out[SEGMENT_HEADER_LEN])
{
	memcpy(out, segment_magic, 8);
	put_le64(out + 8, (uint64_t)created_ms);
}

int segment_header_parse(const uint8_t *p, size_t n, int64_t *created_ms,
			 struct error *err)
{
	if (n < SEGMENT_HEADER_LEN)
		return 0;
	if (memcmp(p, segment_magic, 6) != 0 || p[6] != 0)
		return error_set(err, "not a segment file (bad magic)");
	if (p[7] != SEGMENT_VERSION)
		return error_set(err, "segment version %u is newer than this tool reads (%d)",
				 p[7], SEGMENT_VERSION);
	*created_ms = (int64_t)le64(p + 8);
	return 1;
}

int segment_read_batch(int fd, uint64_t pos, uint64_t size, struct buf *b,
		       struct batch_header *h, int header_only, struct error *err)
{
	ssize_t r;
	size_t total;
	int rc;

	if (size < pos + BATCH_HEADER_LEN)
		return BATCH_SHORT;
	if (buf_grow(b, BATCH_HEADER_LEN) < 0)
		return error_set(err, "out of memory");
	b->len = 0;
	r = pread_full(fd, b->p, BATCH_HEADER_LEN, pos);
	if (r < 0)
		return error_errno(err, "read error"), BATCH_IOERR;
	if (r < BATCH_HEADER_LEN)
		return BATCH_SHORT;
	b->len = BATCH_HEADER_LEN;
	rc = batch_header_parse(b->p, BATCH_HEADER_LEN, h, err);
	if (rc != BATCH_OK)
		return rc;
	total = BATCH_HEADER_LEN + (size_t)h->payload_len;
	if (size < pos + total)
		return BATCH_SHORT;
	if (header_only)
		return BATCH_OK;
	if (buf_grow(b, h->payload_len) < 0)
		return error_set(err, "out of memory");
	r = pread_full(fd, b->p + BATCH_HEADER_LEN, h->payload_len, pos + BATCH_HEADER_LEN);
	if (r < 0)
		return error_errno(err, "read error"), BATCH_IOERR;
	if ((size_t)r < h->payload_len)
		return BATCH_SHORT;
	b->len = total;
	if (batch_verify(b->p, h, err) < 0)
		return BATCH_BAD;
	return BATCH_OK;
}

int segment_scan(int fd, uint64_t base, uint64_t size, uint64_t *valid_end,
		 uint64_t *next, int64_t *max_ts, struct error *err)
{
	struct buf b = BUF_INIT;
	struct batch_header h;
	uint64_t pos = SEGMENT_HEADER_LEN, expect = base;
	struct error why;
	int rc = 0;

	*next = base;
	*max_ts = INT64_MIN;
	while (pos < size) {
		int r = segment_read_batch(fd, pos, size, &b, &h, 0, &why);
		if (r != BATCH_OK || h.base < expect) {
			if (r == BATCH_IOERR) {
				rc = error_set(err, "%s", why.msg);
				break;
			}
			rc = 1;
			break;
		}
		expect = batch_next(&h);
		*next = expect;
		if (h.max_ts > *max_ts)
			*max_ts = h.max_ts;
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
	*valid_end = pos < size ? pos : size;
	if (rc == 0 && size < SEGMENT_HEADER_LEN)
		*valid_end = size;
	buf_release(&b);
	return rc;
}

int segment_open(const struct log *log, uint64_t base, int *fd, uint64_t *size,
		 int64_t *created, char path[SEGMENT_NAME_MAX_PATH], struct error *err)
{
	char name[SEGMENT_NAME_MAX];
	uint8_t hdr[SEGMENT_HEADER_LEN];
	struct stat st;
	int64_t cr;
	ssize_t n;

	*size = 0;
	segment_name(base, ".log", name);
	log_file_path(log, name, path, SEGMENT_NAME_MAX_PATH);
	/* a log's files are regular files in it: no symbolic link is followed
	 * out of it, and no FIFO blocks the open */
	*fd = openat(log->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (*fd < 0 && errno == ELOOP)
		return error_set(err, "'%s' is a symbolic link (not followed)", path);
	if (*fd < 0)
		return error_errno(err, "unable to open '%s'", path);
	if (fstat(*fd, &st) < 0)
		return error_errno(err, "unable to stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, "'%s' is not a regular file", path);
	n = pread_full(*fd, hdr, sizeof hdr, 0);
	if (n < 0)
		return error_errno(err, "unable to read '%s'", path);
	if (segment_header_parse(hdr, (size_t)n, &cr, err) < 0)
		return error_prefix(err, "'%s'", path);
	if (n == SEGMENT_HEADER_LEN)
		*size = (uint64_t)st.st_size;
	if (created)
		*created = n == SEGMENT_HEADER_LEN ? cr : 0;
	return 0;
}
