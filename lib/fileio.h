/*
 * fileio.h - whole reads and writes: the loops around read(2) and write(2)
 * that go on after a short count or EINTR, in one place; and the one way a
 * small file (a log's meta, compact.state, a group's position) is replaced
 * so that a crash leaves the old one or the new one, never a mix.
 */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Writes p[0..n) to fd.  Returns 0, or -1 with errno set. */
int write_full(int fd, const void *p, size_t n);

/* Writes p[0..n) to fd at offset off.  Returns 0, or -1 with errno set. */
int pwrite_full(int fd, const void *p, size_t n, uint64_t off);

/* Reads n bytes at offset off into p.  Returns the bytes read (fewer at the
 * end of the file), or -1 with errno set. */
ssize_t pread_full(int fd, void *p, size_t n, uint64_t off);

/*
 * Replacing a small file of directory dirfd (whose path, for messages, is
 * where): file_write_aside writes the new text to tmp (made or truncated)
 * and fsyncs it; file_rename_into renames tmp over name and fsyncs the
 * directory.  Each returns 0, or -1 with err set naming the call and the
 * file ("unable to write 'WHERE/TMP'", "unable to sync directory 'WHERE'"),
 * having removed tmp when the new text did not reach name.
 */
int file_write_aside(int dirfd, const char *where, const char *tmp, const void *data,
		     size_t n, struct error *err);
int file_rename_into(int dirfd, const char *where, const char *tmp, const char *name,
		     struct error *err);

/* Both of them, through NAME.tmp.  Returns 0, or -1 with err set. */
int file_write_atomic(int dirfd, const char *where, const char *name, const void *data,
		      size_t n, struct error *err);

#endif
