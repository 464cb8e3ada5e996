/* index.c - the sparse offset and time indexes of a segment (see index.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "fileio.h"
#include "index.h"
#include "littleendian.h"
#include "log.h"
#include "segment.h"

int index_read_entry(int fd, uint64_t i, size_t len, uint8_t *e)
{
	return pread(fd, e, len, (off_t)(i * len)) == (ssize_t)len;
}

uint64_t index_entries(int fd, size_t len)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_size / len;
}

void index_lookup(int fd, uint64_t base, uint64_t target, uint64_t *pos, uint64_t *off)
{
	uint64_t lo = 0, hi = index_entries(fd, INDEX_ENTRY_LEN);
	uint8_t e[INDEX_ENTRY_LEN];

	*pos = SEGMENT_HEADER_LEN;
	*off = base;
	/* invariant: entries before lo are <= target, from hi on > target */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (!index_read_entry(fd, mid, INDEX_ENTRY_LEN, e))
			return;
		if (base + le32(e) <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || !index_read_entry(fd, lo - 1, INDEX_ENTRY_LEN, e))
		return;
	if (le32(e + 4) < SEGMENT_HEADER_LEN)
		return;
	*pos = le32(e + 4);
	*off = base + le32(e);
}

/* Opens an index file of segment base, never through a symbolic link,
 * never blocking on a FIFO. */
static int open_at(int dirfd, uint64_t base, const char *suffix, int flags)
{
	char name[SEGMENT_NAME_MAX];

	segment_name(base, suffix, name);
	return openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
}

int index_open(const struct log *log, uint64_t base, const char *suffix)
{
	return open_at(log->dirfd, base, suffix, O_RDONLY);
}

int index_writer_open(struct index_writer *iw, int dirfd, uint64_t base, int truncate,
		      struct error *err)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | (truncate ? O_TRUNC : 0);
	char name[SEGMENT_NAME_MAX];

	iw->base = base;
	iw->last_pos = UINT64_MAX;
	iw->max_ts = INT64_MIN;
	iw->last_ts = INT64_MIN;
	iw->fd = open_at(dirfd, base, truncate == 2 ? LOGFILE_INDEX_ASIDE : ".index", flags);
	iw->tfd = open_at(dirfd, base, truncate == 2 ? LOGFILE_TIMEINDEX_ASIDE : ".timeindex", flags);
	if (iw->fd < 0 || iw->tfd < 0) {
		segment_name(base, iw->fd < 0 ? ".index" : ".timeindex", name);
		error_errno(err, "unable to open '%s'", name);
		index_writer_close(iw);
		return -1;
	}
	return 0;
}

int index_writer_add(struct index_writer *iw, uint64_t pos, uint64_t first, int64_t max_ts,
		     struct error *err)
{
	uint8_t e[TIMEINDEX_ENTRY_LEN];
	char name[SEGMENT_NAME_MAX];

	if (max_ts > iw->max_ts)
		iw->max_ts = max_ts;
	if (iw->last_pos != UINT64_MAX && pos - iw->last_pos < INDEX_INTERVAL)
		return 0;
	iw->last_pos = pos;
	put_le32(e, (uint32_t)(first - iw->base));
	put_le32(e + 4, (uint32_t)pos);
	if (write_full(iw->fd, e, INDEX_ENTRY_LEN) < 0) {
		segment_name(iw->base, ".index", name);
		return error_errno(err, "unable to write '%s'", name);
	}
	if (iw->max_ts > iw->last_ts) {
		iw->last_ts = iw->max_ts;
		put_le64(e, (uint64_t)iw->max_ts);
		put_le32(e + 8, (uint32_t)(first - iw->base));
		if (write_full(iw->tfd, e, TIMEINDEX_ENTRY_LEN) < 0) {
			segment_name(iw->base, ".timeindex", name);
			return error_errno(err, "unable to write '%s'", name);
		}
	}
	return 0;
}

void index_writer_close(struct index_writer *iw)
{
	if (iw->fd >= 0)
		close(iw->fd);
	if (iw->tfd >= 0)
		close(iw->tfd);
	iw->fd = iw->tfd = -1;
}

/* Renames the rebuilt indexes (NAME.index.tmp, NAME.timeindex.tmp) over
 * the old ones.  Returns 0, or -1 with err set. */
static int publish(int dirfd, uint64_t base, struct error *err)
{
	static const char *const suffix[][2] = { { LOGFILE_TIMEINDEX_ASIDE, ".timeindex" },
						 { LOGFILE_INDEX_ASIDE, ".index" } };
	char name[SEGMENT_NAME_MAX], tmp[SEGMENT_NAME_MAX];

	for (int i = 0; i < 2; i++) {
		segment_name(base, suffix[i][0], tmp);
		segment_name(base, suffix[i][1], name);
		if (renameat(dirfd, tmp, dirfd, name) < 0)
			return error_errno(err, "unable to rename '%s' to '%s'", tmp, name);
	}
	return 0;
}

int index_rebuild(int dirfd, int segfd, uint64_t base, uint64_t size,
		  struct index_writer *keep, struct error *err)
{
	struct index_writer iw;
	struct buf b = BUF_INIT;
	struct batch_header h;
	uint64_t pos = SEGMENT_HEADER_LEN;
	int rc = 0;

	/* written aside and renamed into place: a reader sees the old
	 * indexes or the new ones, never one being written */
	if (index_writer_open(&iw, dirfd, base, 2, err) < 0) {
		index_remove(dirfd, base);
		return -1;
	}
	while (pos < size) {
		struct error why;
		if (segment_read_batch(segfd, pos, size, &b, &h, 1, &why) != BATCH_OK)
			break;
		if (index_writer_add(&iw, pos, h.base, h.max_ts, err) < 0) {
			rc = -1;
			break;
		}
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
	if (rc == 0)
		rc = publish(dirfd, base, err);
	if (keep && rc == 0)
		*keep = iw;
	else
		index_writer_close(&iw);
	if (rc < 0)
		index_remove(dirfd, base);
	buf_release(&b);
	return rc;
}

void index_remove(int dirfd, uint64_t base)
{
	static const char *const suffix[] = { ".index", ".timeindex", LOGFILE_INDEX_ASIDE,
					      LOGFILE_TIMEINDEX_ASIDE };
	char name[SEGMENT_NAME_MAX];

	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		segment_name(base, suffix[i], name);
		unlinkat(dirfd, name, 0);
	}
}

int index_looks_sound(int dirfd, int segfd, uint64_t base, uint64_t size)
{
	int fd = open_at(dirfd, base, ".index", O_RDONLY);
	int tfd = open_at(dirfd, base, ".timeindex", O_RDONLY);
	struct stat st, tst;
	uint8_t e[INDEX_ENTRY_LEN];
	struct buf b = BUF_INIT;
	struct batch_header h;
	int ok = 0;

	if (fd < 0 || tfd < 0 || fstat(fd, &st) < 0 || fstat(tfd, &tst) < 0)
		goto out;
	if (st.st_size % INDEX_ENTRY_LEN || tst.st_size % TIMEINDEX_ENTRY_LEN)
		goto out;
	if ((st.st_size == 0) != (size <= SEGMENT_HEADER_LEN))
		goto out;
	if (st.st_size == 0) {
		ok = 1;
		goto out;
	}
	if (!index_read_entry(fd, (uint64_t)st.st_size / INDEX_ENTRY_LEN - 1, INDEX_ENTRY_LEN, e))
		goto out;
	ok = segment_read_batch(segfd, le32(e + 4), size, &b, &h, 1, NULL) == BATCH_OK &&
	     h.base == base + le32(e);
out:
	if (fd >= 0)
		close(fd);
	if (tfd >= 0)
		close(tfd);
	buf_release(&b);
	return ok;
}
