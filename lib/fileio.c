/* fileio.c - whole reads and writes, replacing small files (see fileio.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "logfiles.h"

int write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int pwrite_full(int fd, const void *p, size_t n, uint64_t off)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = pwrite(fd, c, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

ssize_t pread_full(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, c + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int file_write_aside(int dirfd, const char *where, const char *tmp, const void *data,
		     size_t n, struct error *err)
{
	const char *what = NULL;
	int fd;

	assert(tmp[0] != 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_errno(err, "unable to create '%s/%s'", where, tmp);
	if (write_full(fd, data, n) < 0)
		what = "write";
	else if (fsync(fd) < 0)
		what = "sync";
	if (what) {
		error_errno(err, "unable to %s '%s/%s'", what, where, tmp);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	return 0;
}

int file_rename_into(int dirfd, const char *where, const char *tmp, const char *name,
		     struct error *err)
{
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		error_errno(err, "unable to rename '%s/%s'", where, tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (fsync(dirfd) < 0)
		return error_errno(err, "unable to sync directory '%s'", where);
	return 0;
}

int file_write_atomic(int dirfd, const char *where, const char *name, const void *data,
		      size_t n, struct error *err)
{
	char tmp[256];

	assert(name && *name);
	if ((size_t)snprintf(tmp, sizeof tmp, "%s" LOGFILE_TMP, name) >= sizeof tmp)
		return error_set(err, "'%s/%s': name too long", where, name);
	if (file_write_aside(dirfd, where, tmp, data, n, err) < 0)
		return -1;
	return file_rename_into(dirfd, where, tmp, name, err);
}
