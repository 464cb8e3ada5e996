/* writer.c - appending batches to a log (see writer.h). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fileio.h"
#include "segment.h"
#include "timeparse.h"
#include "logdir.h"
#include "writer.h"

/* The path of the active segment, for messages. */
static const char *seg_path(const struct writer *w, char *path)
{
	char name[SEGMENT_NAME_MAX];

	segment_name(w->segbase, ".log", name);
	log_file_path(&w->log, name, path, SEGMENT_NAME_MAX_PATH);
	return path;
}

/* The index cache failed: drop it (the next writer rebuilds it) and go on
 * without it. */
static void drop_index(struct writer *w)
{
	index_writer_close(&w->iw);
	index_remove(w->log.dirfd, w->segbase);
}

static int open_segment(struct writer *w, uint64_t base, int create, struct error *err)
{
	char name[SEGMENT_NAME_MAX], path[SEGMENT_NAME_MAX_PATH];
	uint8_t hdr[SEGMENT_HEADER_LEN];
	int fd;

	segment_name(base, ".log", name);
	log_file_path(&w->log, name, path, sizeof path);
	fd = openat(w->log.dirfd, name,
		    O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0), 0644);
	if (fd < 0)
		return error_errno(err, "unable to %s '%s'", create ? "create" : "open", path);
	w->segfd = fd;
	w->segbase = base;
	if (create) {
		/* until its header is written, readers and the next writer
		 * take it for an active segment being started */
		w->segcreated = time_now_ms();
		segment_header_encode(w->segcreated, hdr);
		if (pwrite_full(fd, hdr, sizeof hdr, 0) < 0)
			return error_errno(err, "unable to write '%s'", path);
		w->segsize = SEGMENT_HEADER_LEN;
		if (w->opt.sync != SYNC_NEVER && fdatasync(fd) < 0)
			return error_errno(err, "unable to sync '%s'", path);
		if (w->opt.sync != SYNC_NEVER && log_sync_dir(&w->log, err) < 0)
			return -1;
		if (index_writer_open(&w->iw, w->log.dirfd, base, 1, err) < 0)
			drop_index(w);
	}
	return 0;
}

/* Checks the active (last) segment, cutting off a torn tail. */
static int recover_active(struct writer *w, struct writer_recovery *rec, struct error *err)
{
	char name[SEGMENT_NAME_MAX], path[SEGMENT_NAME_MAX_PATH];
	uint8_t hdr[SEGMENT_HEADER_LEN];
	uint64_t end, next;
	int64_t max_ts;
	struct stat st;
	ssize_t n;
	int rc;

	segment_name(w->segbase, ".log", name);
	log_file_path(&w->log, name, path, sizeof path);
	if (fstat(w->segfd, &st) < 0)
		return error_errno(err, "unable to stat '%s'", path);
	n = pread(w->segfd, hdr, sizeof hdr, 0);
	if (n < 0)
		return error_errno(err, "unable to read '%s'", path);
	rc = segment_header_parse(hdr, (size_t)n, &w->segcreated, err);
	if (rc < 0)
		return error_prefix(err, "'%s'", path);
	if (rc == 0) {
		/* a crash while creating it: write the header again */
		if (n > 0 && memcmp(hdr, "LOGSEG", (size_t)n < 6 ? (size_t)n : 6) != 0)
			return error_set(err, "'%s': not a segment file", path);
		w->segcreated = time_now_ms();
		segment_header_encode(w->segcreated, hdr);
		if (pwrite_full(w->segfd, hdr, sizeof hdr, 0) < 0)
			return error_errno(err, "unable to write '%s'", path);
		if (ftruncate(w->segfd, SEGMENT_HEADER_LEN) < 0)
			return error_errno(err, "unable to truncate '%s'", path);
		if (fdatasync(w->segfd) < 0)
			return error_errno(err, "unable to sync '%s'", path);
		st.st_size = SEGMENT_HEADER_LEN;
	}
	rc = segment_scan(w->segfd, w->segbase, (uint64_t)st.st_size, &end, &next, &max_ts, err);
	if (rc < 0)
		return error_prefix(err, "'%s'", path);
	if (rc == 1) {
		if (ftruncate(w->segfd, (off_t)end) < 0)
			return error_errno(err, "unable to truncate the torn tail of '%s'", path);
		if (fdatasync(w->segfd) < 0)
			return error_errno(err, "unable to sync '%s'", path);
		rec->truncated = (uint64_t)st.st_size - end;
		rec->at = end;
		snprintf(rec->segment, sizeof rec->segment, "%s", path);
	}
	w->segsize = end;
	w->next = next;
	/* the active segment's indexes may be stale after a crash: rebuild
	 * them, and go on appending to them (or, when that fails, without:
	 * index_rebuild removed them, a cache the next writer rebuilds) */
	if (index_rebuild(w->log.dirfd, w->segfd, w->segbase, end, &w->iw, NULL) < 0)
		w->iw.fd = w->iw.tfd = -1;
	return 0;
}

int writer_open(struct writer *w, const char *path, const struct writer_options *opt,
		struct writer_recovery *rec, struct error *err)
{

	memset(rec, 0, sizeof *rec);
	w->opt = *opt;
	w->lockfd = w->segfd = -1;
	w->thread_started = w->quit = w->busy = w->failed = 0;
	batch_builder_init(&w->inflight);
	w->iw.fd = w->iw.tfd = -1;
	w->next = 0;
	if (log_open(&w->log, path, opt->create, err) < 0)
		return -1;
	w->lockfd = log_lock(&w->log, opt->wait, err);
	if (w->lockfd < 0)
		goto fail;
	/* the list may have changed while we waited for the lock */
	if (log_list(&w->log, err) < 0)
		goto fail;
	if (w->log.nseg == 0) {
		if (open_segment(w, 0, 1, err) < 0)
			goto fail;
		w->next = 0;
		return 0;
	}
	/* sealed segments: finish what a killed logcompact left, rebuild
	 * indexes that are missing or stale (unless a logcompact is at work) */
	if (logdir_recover_idle(&w->log, &rec->indexes_rebuilt, err) < 0 ||
	    log_list(&w->log, err) < 0)
		goto fail;
	if (open_segment(w, w->log.seg[w->log.nseg - 1], 0, err) < 0 ||
	    recover_active(w, rec, err) < 0)
		goto fail;
	return 0;
fail:
	writer_close(w, NULL);
	return -1;
}

/* Seals the active segment and starts a new one at w->next. */
static int roll(struct writer *w, struct error *err)
{
	char path[SEGMENT_NAME_MAX_PATH];

	if (w->opt.sync != SYNC_NEVER && fdatasync(w->segfd) < 0)
		return error_errno(err, "unable to sync '%s'", seg_path(w, path));
	close(w->segfd);
	w->segfd = -1;
	index_writer_close(&w->iw);
	return open_segment(w, w->next, 1, err);
}

int writer_append(struct writer *w, struct batch_builder *bb, struct error *err)
{
	char path[SEGMENT_NAME_MAX_PATH];

	/* batches come in offset order, one after another, none empty */
	assert(w->segfd >= 0 && bb->h.count > 0 && bb->h.base == w->next);
	if (w->segsize > SEGMENT_HEADER_LEN &&
	    (w->segsize + bb->b.len > w->opt.segment_bytes ||
	     time_now_ms() - w->segcreated >= w->opt.segment_age) &&
	    roll(w, err) < 0)
		return -1;
	if (pwrite_full(w->segfd, bb->b.p, bb->b.len, w->segsize) < 0) {
		error_errno(err, "unable to write '%s'", seg_path(w, path));
		goto fail;
	}
	if (w->opt.sync != SYNC_NEVER && fdatasync(w->segfd) < 0) {
		error_errno(err, "unable to sync '%s'", seg_path(w, path));
		goto fail;
	}
	/* the index is a cache: a failed index write costs speed only */
	if (w->iw.fd >= 0 && index_writer_add(&w->iw, w->segsize, bb->h.base, bb->h.max_ts, NULL) < 0)
		drop_index(w);
	w->segsize += bb->b.len;
	w->next = batch_next(&bb->h);
	return 0;
fail:
	/* cut the partial batch off, so the log stays a valid prefix (what
	 * is left when this fails too is a torn tail: readers stop before
	 * it, the next writer cuts it) */
	if (ftruncate(w->segfd, (off_t)w->segsize) == 0)
		fdatasync(w->segfd);
	return -1;
}

int writer_sync(struct writer *w, struct error *err)
{
	char path[SEGMENT_NAME_MAX_PATH];

	if (w->segfd >= 0 && fdatasync(w->segfd) < 0)
		return error_errno(err, "unable to sync '%s'", seg_path(w, path));
	return 0;
}

/* The background thread: writes each batch handed to it. */
static void *write_loop(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->mu);
		struct error e;
		int rc = writer_append(w, &w->inflight, &e);
		pthread_mutex_lock(&w->mu);
		if (rc < 0) {
			w->failed = 1;
			w->failure = e;
		}
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int writer_wait(struct writer *w, uint64_t *first, uint64_t *count, struct error *err)
{
	int rc = 0;

	*first = *count = 0;
	if (!w->thread_started)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->failed) {
		if (err)
			*err = w->failure;
		rc = -1;
	} else {
		*first = w->inflight.h.base;
		*count = w->inflight.h.count;
	}
	pthread_mutex_unlock(&w->mu);
	batch_builder_reset(&w->inflight);
	return rc;
}

int writer_submit(struct writer *w, struct batch_builder *bb, struct error *err)
{
	struct batch_builder spare;
	uint64_t first, count;

	if (!w->thread_started) {
		if (pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->cv, NULL))
			return error_set(err, "unable to start the writing thread");
		if (pthread_create(&w->thread, NULL, write_loop, w) != 0) {
			pthread_cond_destroy(&w->cv);
			pthread_mutex_destroy(&w->mu);
			return error_set(err, "unable to start the writing thread");
		}
		w->thread_started = 1;
	}
	if (writer_wait(w, &first, &count, err) < 0)
		return -1;
	spare = w->inflight;
	w->inflight = *bb;
	*bb = spare;
	batch_builder_reset(bb);
	pthread_mutex_lock(&w->mu);
	w->busy = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int writer_close(struct writer *w, struct error *err)
{
	int rc = 0;

	if (w->thread_started) {
		pthread_mutex_lock(&w->mu);
		while (w->busy)
			pthread_cond_wait(&w->cv, &w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		w->thread_started = 0;
	}
	batch_builder_release(&w->inflight);

	if (w->segfd >= 0) {
		if (w->opt.sync != SYNC_NEVER)
			rc = writer_sync(w, err);
		close(w->segfd);
	}
	index_writer_close(&w->iw);
	if (w->lockfd >= 0)
		close(w->lockfd);
	w->segfd = w->lockfd = -1;
	log_close(&w->log);
	return rc;
}
