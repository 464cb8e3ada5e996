/*
 * logfiles.h - the names of the files in a log directory, known here and
 * nowhere else: segments and their indexes, and the files that writing
 * aside leaves when a run is killed.  Only names: no file is opened here
 * (logdir.h finishes or removes what was left).
 *
 *	meta, lock, compact.lock, compact.state, groups/     (log.h, logdir.h, compact.h, group.h)
 *	BASE.log, BASE.index, BASE.timeindex                 a segment, its indexes
 *	BASE.index.tmp, BASE.timeindex.tmp                   indexes being rebuilt
 *	BASE.log.cleaned                                     a segment being compacted
 *	BASE.END.swap, BASE.log.new                          a compacted segment being swapped in
 *	NAME.tmp                                             a small file written aside (fileio.h)
 *
 * BASE and END are offsets in 20 decimal digits, so that ls sorts segments
 * in offset order.
 */
#ifndef LOGFILES_H
#define LOGFILES_H

#include <stdint.h>

#define LOGFILE_META "meta"		/* the format and version (log.h) */
#define LOGFILE_LOCK "lock"		/* the writers' lock (log.h) */
#define LOGFILE_COMPACT_LOCK "compact.lock"	/* the one logcompact at work's lock */
#define LOGFILE_COMPACT_STATE "compact.state"	/* how far compaction has read (compact.h) */

#define SEGMENT_NAME_MAX 40	/* "00000000000000000000.timeindex" and NUL */
#define SWAP_NAME_MAX (SEGMENT_NAME_MAX + 24)	/* "BASE.END.swap" and NUL */

#define LOGFILE_TMP ".tmp"	/* suffix of a file written aside */
#define LOGFILE_CLEANED ".log.cleaned"
#define LOGFILE_NEW ".log.new"
#define LOGFILE_INDEX_ASIDE ".index.tmp"
#define LOGFILE_TIMEINDEX_ASIDE ".timeindex.tmp"

/* Writes the file name of the segment with that base and suffix (".log",
 * ".index", ".timeindex", or one of the LOGFILE_ suffixes) into out
 * (SEGMENT_NAME_MAX bytes). */
void segment_name(uint64_t base, const char *suffix, char *out);

/* Whether name is a segment file name ("%020llu.log"); sets *base. */
int segment_parse_name(const char *name, uint64_t *base);

/* Writes "BASE.END.swap" into out (SWAP_NAME_MAX bytes). */
void swap_name(uint64_t base, uint64_t end, char *out);

/* Whether name is a swap file name; sets *base and *end. */
int swap_parse_name(const char *name, uint64_t *base, uint64_t *end);

/* What a name in a log directory is, as left over from a killed run. */
enum logfile_kind {
	LOGFILE_OTHER = 0,	/* a log's own file, or a stranger's */
	LOGFILE_SWAP,		/* a swap file (any name ending in .swap) */
	LOGFILE_ASIDE_INDEX,	/* an index being rebuilt (NAME.index.tmp, NAME.timeindex.tmp) */
	LOGFILE_LEFTOVER,	/* a compaction's leftover, removed by recovery:
				 * .cleaned, .log.new, compact.state.tmp */
	LOGFILE_ASIDE,		/* another file written aside (NAME.tmp) */
};

/* Classifies a name of a log directory by its suffix. */
enum logfile_kind logfile_kind(const char *name);

/* Whether name is an index file's name ("%020llu.index" or ".timeindex"),
 * or one being rebuilt (the same with ".tmp": *aside set); sets *base, the
 * segment's. */
int index_file_base(const char *name, uint64_t *base, int *aside);

#endif
