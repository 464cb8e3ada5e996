/*
 * pipeline.h - the checkpointed pipes that read a log or topic, registered
 * in it (issue 17): SRC does not know which OUT logs read it, so logcat
 * --resume OUT SRC leaves OUT's absolute path in SRC, and logseek SRC lists
 * each pipe beside the consumer groups, with the position and the lag of
 * OUT's last checkpoint (checkpoint.h).
 *
 *	SRC/pipelines/NAME   "logtools-pipeline 1\nout PATH\n"
 *
 * SRC is the log's directory, or a topic's (not a partition's).  NAME is
 * 16 lowercase hex digits, the FNV-1a hash (64 bits) of PATH, OUT's
 * absolute path (pipeline_out_path).  PATH is every byte after "out " up
 * to the file's final newline (so a newline in it is kept).  The file is
 * written once, when missing: aside (NAME.PID.tmp, synced), then link(2)ed
 * to NAME and the directory synced, so that it is always whole and two
 * first runs never write it twice; it is never rewritten.  Only logseek
 * --delete-pipeline removes it: a pipe whose OUT is gone is listed as such
 * until then.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "barrier.h"
#include "error.h"

#define PIPELINES_DIR "pipelines"
#define PIPELINE_NAME_LEN 16

/*
 * OUT's absolute path as the registry keeps it: the real path of the
 * directory OUT is in, '/', OUT's last name (trailing slashes dropped), so
 * that it is the same before and after OUT is made ("out", "./out/" and
 * "/abs/out" give one path); OUT "/", ".", ".." or ending in one of those:
 * its real path.  Returns 0, or -1 with err set (the directory OUT is in
 * does not exist, or the path is too long).
 */
int pipeline_out_path(const char *out, char *abs, size_t size, struct error *err);

/* The registry's file name of an absolute path: 16 hex digits and NUL. */
void pipeline_name(const char *abs, char name[PIPELINE_NAME_LEN + 1]);

/*
 * Registers OUT in the log or topic directory src (see above), when it is
 * not there yet.  Returns 1 when it wrote the file, 0 when it was there,
 * -1 with err set (src not writable, a full disk: the caller decides
 * whether that matters).
 */
int pipeline_register(const char *src, const char *out, struct error *err);

/*
 * Removes OUT's registration from src (logseek --delete-pipeline): the
 * file of OUT's absolute path (pipeline_out_path; when OUT's directory is
 * gone, OUT itself if it is absolute), checked to name that path, then
 * unlinked and the registry synced.  Returns 1 when it removed it, 0 when
 * OUT is not registered, -1 with err set.  A pipe that runs again
 * registers itself again.
 */
int pipeline_unregister(const char *src, const char *out, struct error *err);

/* Parses a registry file's text p[0..n): *out gets PATH (malloc'd, NUL
 * terminated; it may not contain NUL).  Returns 0, or -1 with err saying
 * what is wrong. */
int pipeline_parse(const char *p, size_t n, char **out, struct error *err);

/* What is known of a registered pipe. */
enum pipeline_state {
	PIPELINE_CHECKPOINT,	/* OUT has a checkpoint of SRC: ck, ckoff */
	PIPELINE_NO_CHECKPOINT,	/* OUT exists, without a checkpoint yet */
	PIPELINE_MISSING,	/* OUT does not exist (removed, or not made yet) */
	PIPELINE_OTHER_SOURCE,	/* OUT's last checkpoint is of another source: ck */
	PIPELINE_UNREADABLE,	/* the registry file or OUT cannot be read: why */
};

struct pipeline {
	char name[PIPELINE_NAME_LEN + 1];
	char *out;		/* OUT's absolute path (NULL: a damaged file) */
	enum pipeline_state state;
	uint64_t ckoff;		/* the checkpoint record's offset in OUT */
	struct barrier ck;	/* its body (CHECKPOINT, OTHER_SOURCE) */
	struct error why;	/* UNREADABLE: what went wrong */
};

/*
 * Every pipe registered in src (a log's or topic's directory whose kind,
 * "log" or "topic", and real path are kind and abs, as a checkpoint names
 * its source), sorted by OUT's path, each with its state: OUT's last
 * checkpoint read and its source compared.  A damaged registry file or an
 * unreadable OUT is a pipe in state UNREADABLE, not an error.  *p is an
 * owned array of *n (pipeline_list_free).  Returns 0, or -1 with err set
 * (the registry cannot be listed, memory).
 */
int pipeline_list(const char *src, const char *kind, const char *abs, struct pipeline **p,
		  size_t *n, struct error *err);
void pipeline_list_free(struct pipeline *p, size_t n);

/*
 * A pipe's lag in one partition, as a group's (group.h): pos is its next
 * offset to read there, [first, next] the partition's bounds: next - pos;
 * next - first when pos < first (*behind_start set); 0 when pos > next
 * (*beyond_end set).  Offsets, not records: a compacted SRC has gaps.
 */
uint64_t pipeline_lag(uint64_t pos, uint64_t first, uint64_t next, int *behind_start,
		      int *beyond_end);

#endif
