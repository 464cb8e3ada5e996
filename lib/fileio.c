/* fileio.c - whole reads and writes (see fileio.h). */
#include <errno.h>
#include <unistd.h>

#include "fileio.h"

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
