/*
 * fileio.h - whole reads and writes: the loops around read(2) and write(2)
 * that go on after a short count or EINTR, in one place.
 */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes p[0..n) to fd.  Returns 0, or -1 with errno set. */
int write_full(int fd, const void *p, size_t n);

/* Writes p[0..n) to fd at offset off.  Returns 0, or -1 with errno set. */
int pwrite_full(int fd, const void *p, size_t n, uint64_t off);

/* Reads n bytes at offset off into p.  Returns the bytes read (fewer at the
 * end of the file), or -1 with errno set. */
ssize_t pread_full(int fd, void *p, size_t n, uint64_t off);

#endif
