/*
 * segment.h - a segment file: a 16-byte header ("LOGSEG", 0x00, version 1,
 * then the creation time as int64 milliseconds, little-endian) and batches
 * after it.  Its name is its base offset in 20 decimal digits and ".log"
 * (logfiles.h names the files of a log directory).  Beside it live its two
 * indexes, NAME.index and NAME.timeindex (index.h).
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "logfiles.h"	/* segment_name, segment_parse_name */

#define SEGMENT_HEADER_LEN 16
#define SEGMENT_VERSION 1
#define SEGMENT_NAME_MAX_PATH 4096	/* a segment path for messages */

/* Encodes a segment header with that creation time. */
void segment_header_encode(int64_t created_ms, uint8_t out[SEGMENT_HEADER_LEN]);

/* Checks a segment header.  Returns 1 (valid, *created_ms set), 0 when
 * fewer than 16 bytes were given, -1 with err set otherwise. */
int segment_header_parse(const uint8_t *p, size_t n, int64_t *created_ms,
			 struct error *err);

struct log;

/*
 * Opens segment 'base' of the log for reading: *fd, its *size, and the
 * creation time from its header in *created (when not NULL); path gets
 * "LOGDIR/NAME.log" for messages.  A file shorter than a header (a new
 * active segment whose header is not yet written) has *size 0.  Returns 0,
 * or -1 with err set (and *fd -1, or open for close).
 */
int segment_open(const struct log *log, uint64_t base, int *fd, uint64_t *size,
		 int64_t *created, char path[SEGMENT_NAME_MAX_PATH], struct error *err);

/*
 * Reads the batch at byte pos of the open segment fd (whose size is 'size')
 * into b, header first, then the payload, and checks it.  Returns BATCH_OK
 * with *h set and the batch in b->p[0..48 + payload_len), BATCH_SHORT when
 * the file ends inside the batch (a torn or still-growing tail), or
 * BATCH_BAD with err set (not a batch, checksum mismatch), or BATCH_IOERR
 * with err set when reading fails.
 * With header_only, only the header is read and checked (no crc).
 */
int segment_read_batch(int fd, uint64_t pos, uint64_t size, struct buf *b,
		       struct batch_header *h, int header_only, struct error *err);

/*
 * Scans a segment from its first batch, checking every batch, and reports
 * the end of its valid prefix: *valid_end (bytes), *next (offset after the
 * last valid batch, or base when there is none), *max_ts (largest
 * timestamp, INT64_MIN when empty).  Returns 0 when the whole file is valid,
 * 1 when bytes after *valid_end are not valid batches (torn tail), -1 on a
 * read error or a bad segment header.
 */
int segment_scan(int fd, uint64_t base, uint64_t size, uint64_t *valid_end,
		 uint64_t *next, int64_t *max_ts, struct error *err);

#endif
