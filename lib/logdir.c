/* logdir.c - housekeeping of a log directory: finishing what a killed run
 * left (see logdir.h). */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "lock.h"
#include "logdir.h"
#include "logfiles.h"

/* Removes name from the log directory; a missing file is fine. */
static int remove_file(struct log *log, const char *name, struct error *err)
{
	if (unlinkat(log->dirfd, name, 0) < 0 && errno != ENOENT)
		return error_errno(err, "unable to remove '%s/%s'", log->path, name);
	return 0;
}

int logdir_remove_segment(struct log *log, uint64_t base, struct error *err)
{
	static const char *const suffix[] = { ".log", ".index", ".timeindex" };
	char name[SEGMENT_NAME_MAX];

	for (int i = 0; i < 3; i++) {
		segment_name(base, suffix[i], name);
		if (remove_file(log, name, err) < 0)
			return -1;
	}
	return 0;
}

/* Rebuilds the indexes of segment base from the segment itself.  They are
 * a cache: when they cannot be written they are left missing, for the next
 * writer or run to rebuild (index_rebuild). */
static int reindex(struct log *log, uint64_t base, struct error *err)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;
	int fd;

	segment_name(base, ".log", name);
	fd = openat(log->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return error_errno(err, "unable to open '%s/%s'", log->path, name);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_errno(err, "unable to stat '%s/%s'", log->path, name);
	}
	index_rebuild(log->dirfd, fd, base, (uint64_t)st.st_size, NULL, NULL);
	close(fd);
	return 0;
}

int logdir_finish_swap(struct log *log, uint64_t base, uint64_t end, struct error *err)
{
	char swap[SWAP_NAME_MAX], seg[SEGMENT_NAME_MAX], idx[SEGMENT_NAME_MAX];
	char tmp[SEGMENT_NAME_MAX];
	struct stat a, b;

	swap_name(base, end, swap);
	segment_name(base, ".log", seg);
	if (fstatat(log->dirfd, swap, &a, 0) < 0)
		return error_errno(err, "unable to stat '%s/%s'", log->path, swap);
	if (fstatat(log->dirfd, seg, &b, 0) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		segment_name(base, ".index", idx);
		if (remove_file(log, idx, err) < 0)
			return -1;
		segment_name(base, ".timeindex", idx);
		if (remove_file(log, idx, err) < 0)
			return -1;
		segment_name(base, LOGFILE_NEW, tmp);
		if (remove_file(log, tmp, err) < 0)
			return -1;
		if (linkat(log->dirfd, swap, log->dirfd, tmp, 0) < 0)
			return error_errno(err, "unable to link '%s/%s' to '%s'", log->path, swap, tmp);
		if (renameat(log->dirfd, tmp, log->dirfd, seg) < 0)
			return error_errno(err, "unable to rename '%s/%s'", log->path, tmp);
	}
	if (log_list(log, err) < 0)
		return -1;
	for (size_t i = 0; i < log->nseg; i++)
		if (log->seg[i] > base && log->seg[i] < end && logdir_remove_segment(log, log->seg[i], err) < 0)
			return -1;
	if (log_sync_dir(log, err) < 0 || remove_file(log, swap, err) < 0 ||
	    log_sync_dir(log, err) < 0)
		return -1;
	return reindex(log, base, err);
}

/* Names in the log directory, for recovery. */
struct names {
	char **v;
	size_t n;
};

static void names_release(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int list_names(struct log *log, struct names *s, struct error *err)
{
	int fd = dup(log->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	s->v = NULL;
	s->n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "unable to list '%s'", log->path);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		char **v = realloc(s->v, (s->n + 1) * sizeof *v);
		if (!v || !(v[s->n] = strdup(e->d_name))) {
			if (v)
				s->v = v;
			closedir(d);
			return error_set(err, "out of memory");
		}
		s->v = v;
		s->n++;
	}
	closedir(d);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int logdir_recover(struct log *log, unsigned *fixed, struct error *err)
{
	struct names names;
	uint64_t base, last;
	int rc = 0;

	assert(log->dirfd >= 0);
	if (list_names(log, &names, err) < 0)
		return -1;
	qsort(names.v, names.n, sizeof *names.v, cmp_str);
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		const char *nm = names.v[i];
		uint64_t b, e;
		if (swap_parse_name(nm, &b, &e)) {
			rc = logdir_finish_swap(log, b, e, err);
			++*fixed;
		} else if (logfile_kind(nm) == LOGFILE_LEFTOVER) {
			rc = remove_file(log, nm, err);
			++*fixed;
		}
	}
	if (rc == 0)
		rc = log_list(log, err);
	last = rc == 0 && log->nseg ? log->seg[log->nseg - 1] : 0;
	/* indexes whose segment is gone, and sealed segments' indexes left
	 * half rebuilt (index_rebuild); a writer may be starting a segment
	 * after the last one, or rebuilding the last one's, so only below it */
	for (size_t i = 0; i < names.n && rc == 0 && log->nseg; i++) {
		int aside = 0;
		if (!index_file_base(names.v[i], &base, &aside) || base >= last)
			continue;
		if (aside) {
			rc = remove_file(log, names.v[i], err);
			++*fixed;
			continue;
		}
		if (log->seg[log_seg_for(log, base)] == base)
			continue;	/* its segment is there */
		rc = remove_file(log, names.v[i], err);
		++*fixed;
	}
	names_release(&names);
	for (size_t i = 0; rc == 0 && i + 1 < log->nseg; i++) {
		char name[SEGMENT_NAME_MAX];
		struct stat st;
		int fd;
		segment_name(log->seg[i], ".log", name);
		fd = openat(log->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 &&
		    !index_looks_sound(log->dirfd, fd, log->seg[i], (uint64_t)st.st_size)) {
			/* a cache: when it fails, left missing for the next time */
			index_rebuild(log->dirfd, fd, log->seg[i], (uint64_t)st.st_size, NULL, NULL);
			++*fixed;
		}
		close(fd);
	}
	return rc;
}

int logdir_recover_idle(struct log *log, unsigned *fixed, struct error *err)
{
	int fd = openat(log->dirfd, LOGFILE_COMPACT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	int rc;

	*fixed = 0;
	if (fd < 0)
		return 0;	/* a read-only directory: nothing to finish here */
	if (lock_take(fd, 0, NULL) != LOCK_OK) {
		close(fd);
		return 0;	/* a logcompact is at work and will do it */
	}
	rc = logdir_recover(log, fixed, err);
	close(fd);
	return rc;
}
