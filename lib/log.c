/* log.c - the log directory: metadata, segment list, lock (see log.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "lock.h"
#include "log.h"
#include "logfiles.h"

static const char meta_text[] = LOG_FORMAT_NAME " 1\n";

void log_file_path(const struct log *log, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(log->path);

	if (n && log->path[n - 1] == '/')
		snprintf(out, outsz, "%s%s", log->path, name);
	else
		snprintf(out, outsz, "%s/%s", log->path, name);
}

/* Whether the directory holds nothing but a lock file and temporary files. */
static int dir_is_empty(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int empty = 1;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, LOGFILE_LOCK) ||
		    !strcmp(e->d_name, LOGFILE_META LOGFILE_TMP))
			continue;
		empty = 0;
		break;
	}
	closedir(d);
	return empty;
}

int log_write_file(struct log *log, const char *name, const void *data, size_t n,
		   struct error *err)
{
	return file_write_atomic(log->dirfd, log->path, name, data, n, err);
}

static int write_meta(struct log *log, struct error *err)
{
	return log_write_file(log, LOGFILE_META, meta_text, sizeof meta_text - 1, err);
}

static int check_meta(struct log *log, int create, struct error *err)
{
	char text[128];
	ssize_t n;
	long version;
	char *end;
	int fd = openat(log->dirfd, LOGFILE_META, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		if (errno != ENOENT)
			return error_errno(err, "unable to open '%s/meta'", log->path);
		if (create && dir_is_empty(log->dirfd)) {
			/* two creators at once: the lock decides who writes meta */
			int lk = log_lock(log, 1, err);
			if (lk < 0)
				return -1;
			fd = openat(log->dirfd, LOGFILE_META, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
			if (fd < 0 && write_meta(log, err) < 0) {
				close(lk);
				return -1;
			}
			close(lk);
			if (fd >= 0)
				close(fd);
			return 0;
		}
		/* another creator may have written meta, then a segment, between
		 * the open above and the listing: look once more */
		fd = openat(log->dirfd, LOGFILE_META, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			return error_set(err, "'%s': not a log (no meta file)", log->path);
	}
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		return error_errno(err, "unable to read '%s/meta'", log->path);
	text[n] = 0;
	if (strncmp(text, LOG_FORMAT_NAME " ", sizeof LOG_FORMAT_NAME) != 0)
		return error_set(err, "'%s': not a log (meta file does not name the format '%s')",
				 log->path, LOG_FORMAT_NAME);
	errno = 0;
	version = strtol(text + sizeof LOG_FORMAT_NAME, &end, 10);
	if (errno || end == text + sizeof LOG_FORMAT_NAME || version < 1)
		return error_set(err, "'%s': not a log (bad version in meta file)", log->path);
	if (version > LOG_FORMAT_VERSION)
		return error_set(err, "'%s': log format version %ld is newer than this tool (%d)",
				 log->path, version, LOG_FORMAT_VERSION);
	return 0;
}

int log_open(struct log *log, const char *path, int create, struct error *err)
{
	log->path = strdup(path);
	log->seg = NULL;
	log->nseg = 0;
	log->dirfd = -1;
	if (!log->path)
		return error_set(err, "out of memory");
	log->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log->dirfd < 0 && errno == ENOENT && create) {
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			error_errno(err, "unable to create log '%s'", path);
			goto fail;
		}
		log->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (log->dirfd < 0) {
		if (errno == ENOENT)
			error_set(err, "'%s': no such log", path);
		else if (errno == ENOTDIR)
			error_set(err, "'%s': not a log (not a directory)", path);
		else
			error_errno(err, "unable to open log '%s'", path);
		goto fail;
	}
	if (check_meta(log, create, err) < 0 || log_list(log, err) < 0)
		goto fail;
	return 0;
fail:
	log_close(log);
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int log_list(struct log *log, struct error *err)
{
	int fd = dup(log->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t cap = 0;
	uint64_t base;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "unable to list '%s'", log->path);
	}
	rewinddir(d);
	log->nseg = 0;
	while ((e = readdir(d))) {
		if (!segment_parse_name(e->d_name, &base))
			continue;
		if (log->nseg == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint64_t *p = realloc(log->seg, ncap * sizeof *p);
			if (!p) {
				closedir(d);
				return error_set(err, "out of memory");
			}
			log->seg = p;
			cap = ncap;
		}
		log->seg[log->nseg++] = base;
	}
	closedir(d);
	if (log->nseg > 1)
		qsort(log->seg, log->nseg, sizeof *log->seg, cmp_u64);
	return 0;
}

void log_close(struct log *log)
{
	if (log->dirfd >= 0)
		close(log->dirfd);
	free(log->seg);
	free(log->path);
	log->dirfd = -1;
	log->seg = NULL;
	log->path = NULL;
	log->nseg = 0;
}

int log_lock(struct log *log, int wait, struct error *err)
{
	char path[4200], what[4200], busy[4200];
	struct lock_spec ls = { log->dirfd, LOGFILE_LOCK, path, wait ? -1 : 0, what, 0, busy };

	snprintf(path, sizeof path, "%s/" LOGFILE_LOCK, log->path);
	snprintf(what, sizeof what, "'%s', locked by another writer", log->path);
	snprintf(busy, sizeof busy, "'%s' is locked by another writer", log->path);
	return lock_file(&ls, err);
}

int log_sync_dir(struct log *log, struct error *err)
{
	if (fsync(log->dirfd) < 0)
		return error_errno(err, "unable to sync directory '%s'", log->path);
	return 0;
}

size_t log_seg_for(const struct log *log, uint64_t off)
{
	size_t lo = 0, hi = log->nseg;

	while (lo < hi) {	/* the first segment with base > off */
		size_t mid = lo + (hi - lo) / 2;
		if (log->seg[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}
