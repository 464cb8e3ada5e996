/*
 * index.h - a segment's two sparse indexes, as Kafka keeps them.  Both are
 * caches: derived from the segment, rebuilt by the writer when missing or
 * stale, and checked by readers against the segment before use.
 *
 * NAME.index: 8-byte entries (u32 offset - base, u32 byte position of the
 * batch header), one for the first batch and then one for the first batch
 * at least INDEX_INTERVAL bytes past the previous entry.
 * NAME.timeindex: 12-byte entries (i64 largest timestamp in the segment up
 * to and including that batch, u32 offset - base of the batch), added at the
 * same batches when that largest timestamp grew.  All little-endian.
 */
#ifndef INDEX_H
#define INDEX_H

#include <stdint.h>

#include "error.h"

#define INDEX_INTERVAL 4096
#define INDEX_ENTRY_LEN 8
#define TIMEINDEX_ENTRY_LEN 12

/*
 * Finds, in the offset index open at fd, the last entry whose offset is
 * <= target and returns its position in *pos and offset in *off; with no
 * such entry (or no usable index: fd < 0, short file) *pos is the first
 * batch's position and *off the base.  A binary search with pread; never
 * fails: a bad index only makes the answer earlier.
 */
void index_lookup(int fd, uint64_t base, uint64_t target, uint64_t *pos, uint64_t *off);

struct log;

/* Opens the index file (suffix ".index" or ".timeindex") of segment base
 * of the log, read-only.  Returns the fd, or -1 (a missing index is a
 * scan, not an error: readers check what an index says). */
int index_open(const struct log *log, uint64_t base, const char *suffix);

/* The number of whole entries of len bytes in the index open at fd (0
 * when fd < 0). */
uint64_t index_entries(int fd, size_t len);

/* Reads entry i (len bytes) of the index open at fd into e.  Returns 1, or
 * 0 when it cannot be read whole. */
int index_read_entry(int fd, uint64_t i, size_t len, uint8_t *e);

/* Maintains both indexes of the segment being written. */
struct index_writer {
	int fd, tfd;		/* -1 when the file could not be opened */
	uint64_t base;
	uint64_t last_pos;	/* position of the last entry, or UINT64_MAX */
	int64_t max_ts;		/* largest timestamp so far */
	int64_t last_ts;	/* timestamp of the last time entry */
};

/*
 * Opens (creating, and truncating when 'truncate' is set) the two index
 * files of segment 'base' in directory dirfd; with truncate 2, the files
 * NAME.index.tmp and NAME.timeindex.tmp that index_rebuild renames into
 * place.  Returns 0 or -1 with err set.
 */
int index_writer_open(struct index_writer *iw, int dirfd, uint64_t base, int truncate,
		      struct error *err);

/* Records the batch at pos with offsets from 'first', timestamps up to
 * max_ts.  Returns 0 or -1 with err set on a write error (then the files
 * may hold part of an entry: see index_remove). */
int index_writer_add(struct index_writer *iw, uint64_t pos, uint64_t first, int64_t max_ts,
		     struct error *err);

void index_writer_close(struct index_writer *iw);

/*
 * Rebuilds both indexes of the segment open at segfd (size bytes) from its
 * batches, written aside (NAME.index.tmp, NAME.timeindex.tmp) and renamed
 * over the old ones, so that a reader or logseek --verify never meets an
 * index being rewritten.  With keep, the index writer is
 * left open in *keep, ready for the batches that follow.  Returns 0, or -1
 * with err set when an index file could not be opened or written; then
 * both are removed (index_remove).
 */
int index_rebuild(int dirfd, int segfd, uint64_t base, uint64_t size,
		  struct index_writer *keep, struct error *err);

/*
 * Removes both index files of segment base, as far as it can: an index
 * that could not be written whole must not stay behind, where a later
 * check would take its last entry for a sound index.  A missing index is
 * rebuilt by the next writer or logcompact, and readers scan meanwhile.
 */
void index_remove(int dirfd, uint64_t base);

/*
 * Cheap check of a sealed segment's indexes: both exist, sizes are whole
 * entries and the last offset entry points at a batch with that offset.
 * Returns 1 when they look sound, 0 when they should be rebuilt.
 */
int index_looks_sound(int dirfd, int segfd, uint64_t base, uint64_t size);

#endif
