/*
 * checkpoint.c - checkpoints in a log (see checkpoint.h): where a flagged
 * batch's records end and its checkpoint record begins, and the search for
 * a log's last checkpoint from its end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "barrier.h"
#include "checkpoint.h"
#include "cursor.h"
#include "json.h"
#include "item.h"
#include "log.h"
#include "logfiles.h"
#include "segment.h"
#include "topic.h"

/* Checks that p[0..n) is exactly one checkpoint record,
 * [offset, time, null, BODY map, null]: 0 or -1 with err set. */
static int check_record(const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h;
	size_t pos = 1, len;

	if (n < 1 || p[0] != 0x85)
		return error_set(err, "the checkpoint record is not an array of 5");
	if (item_head(p + pos, n - pos, &h, NULL) != ITEM_OK || h.type != ITEM_UINT)
		return error_set(err, "the checkpoint record's offset is not an unsigned integer");
	pos += h.len;
	if (item_head(p + pos, n - pos, &h, NULL) != ITEM_OK ||
	    !((h.type == ITEM_UINT || h.type == ITEM_NEGINT) && h.val <= INT64_MAX))
		return error_set(err, "the checkpoint record's time is not a 64-bit integer");
	pos += h.len;
	if (pos >= n || p[pos] != 0xf6)
		return error_set(err, "the checkpoint record's key is not null");
	pos++;
	if (pos >= n || (p[pos] >> 5) != 5 ||
	    item_check(p + pos, n - pos, &len, NULL) != ITEM_OK)
		return error_set(err, "the checkpoint record's value is not a well-formed map");
	pos += len;
	if (pos >= n || p[pos] != 0xf6)
		return error_set(err, "the checkpoint record's headers are not null");
	if (pos + 1 != n)
		return error_set(err, "bytes after the checkpoint record");
	return 0;
}

int checkpoint_split(const uint8_t *p, size_t n, size_t *before, struct error *err)
{
	size_t pos = 0, last = 0, len;
	struct error why;
	int rc;

	if (n == 0)
		return error_set(err, "a checkpoint batch without records");
	/* the records are items one after another: the last is the checkpoint */
	while (pos < n) {
		rc = item_check(p + pos, n - pos, &len, &why);
		if (rc != ITEM_OK)
			return error_set(err, "a checkpoint batch's records are not well formed: %s",
					 rc == ITEM_TRUNCATED ? "the last ends past the batch" : why.msg);
		last = pos;
		pos += len;
	}
	if (check_record(p + last, n - last, err) < 0)
		return -1;
	*before = last;
	return 0;
}

/* The value (BODY) and offset of the checkpoint record r[0..n), which
 * check_record accepted. */
void checkpoint_body(const uint8_t *r, size_t n, const uint8_t **body, size_t *len,
		     uint64_t *offset)
{
	struct item_head h;
	size_t pos = 1;

	item_head(r + pos, n - pos, &h, NULL);
	*offset = h.val;
	pos += h.len;
	item_head(r + pos, n - pos, &h, NULL);
	pos += h.len + 1;
	*body = r + pos;
	*len = n - pos - 1;
}

static int take(const uint8_t *r, size_t n, struct buf *body, uint64_t *offset)
{
	const uint8_t *p;
	size_t len;

	checkpoint_body(r, n, &p, &len, offset);
	buf_reset(body);
	return buf_add(body, p, len);
}

/*
 * Segment base's last checkpoint: 1 (body, offset set), 0 when it holds
 * none, -1 with err set.  In the active segment an unreadable batch is the
 * end (a torn tail); in a sealed one it is damage.
 */
static int in_segment(struct log *log, uint64_t base, int active, struct buf *b,
		      struct buf *scratch, struct buf *body, uint64_t *offset, struct error *err)
{
	char path[SEGMENT_NAME_MAX_PATH];
	struct batch_header h;
	struct error why;
	uint64_t size, pos = SEGMENT_HEADER_LEN, *flagged = NULL;
	size_t nflagged = 0, cap = 0;
	int fd = -1, rc = 0;

	if (segment_open(log, base, &fd, &size, NULL, path, err) < 0) {
		int gone = errno == ENOENT;
		if (fd >= 0)
			close(fd);
		return gone ? -2 : -1;	/* -2: logcompact swapped it away */
	}
	/* the headers, forward: where the flagged batches are */
	while (pos < size) {
		int got = segment_read_batch(fd, pos, size, b, &h, 1, &why);
		if (got == BATCH_IOERR || (got != BATCH_OK && !active)) {
			rc = error_set(err, "'%s': batch at byte %llu: %s", path,
				       (unsigned long long)pos,
				       got == BATCH_SHORT ? "the file ends inside it" : why.msg);
			goto out;
		}
		if (got != BATCH_OK)
			break;
		if (batch_has_checkpoint(&h)) {
			if (nflagged == cap) {
				uint64_t *m = realloc(flagged, (cap = cap ? 2 * cap : 16) * sizeof *m);
				if (!m) {
					rc = error_set(err, "out of memory");
					goto out;
				}
				flagged = m;
			}
			flagged[nflagged++] = pos;
		}
		pos += BATCH_HEADER_LEN + h.payload_len;
	}
	/* the last flagged batch that reads whole */
	while (nflagged > 0) {
		const uint8_t *p;
		size_t n, before;
		int got;

		pos = flagged[--nflagged];
		got = segment_read_batch(fd, pos, size, b, &h, 0, &why);
		if (got == BATCH_OK && batch_payload(b->p, &h, scratch, &p, &n, &why) < 0)
			got = BATCH_BAD;
		if (got == BATCH_OK && checkpoint_split(p, n, &before, &why) < 0)
			got = BATCH_BAD;
		if (got == BATCH_OK) {
			rc = take(p + before, n - before, body, offset) < 0 ?
			     error_set(err, "out of memory") : 1;
			goto out;
		}
		/* a torn tail has no batch after it */
		if (got == BATCH_IOERR || !active) {
			rc = error_set(err, "'%s': batch at byte %llu: %s", path,
				       (unsigned long long)pos, why.msg);
			goto out;
		}
	}
out:
	free(flagged);
	close(fd);
	return rc;
}

/* The directory at path is a log being created: no meta file yet and
 * nothing but what a creating writer makes before it (the lock, meta's
 * temporary file; log.c's check_meta), or nothing at all.  In a first run
 * of a pipe, logappend --checkpoint creates OUT while logcat --resume
 * looks for its checkpoint: that is a first run too, not "not a log".
 * Returns 1 or 0, or -1 with err set when the directory cannot be read
 * (an I/O error is never taken for a first run). */
static int being_created(const char *path, struct error *err)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int created = 1;

	if (!d) {
		if (errno == ENOENT)
			return 1;	/* not there yet */
		return error_errno(err, "unable to open '%s'", path);
	}
	if (faccessat(dirfd(d), LOGFILE_META, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		created = 0;
	} else if (errno != ENOENT) {
		error_errno(err, "unable to look for '%s/%s'", path, LOGFILE_META);
		closedir(d);
		return -1;
	}
	errno = 0;
	while (created && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, LOGFILE_LOCK) && strcmp(e->d_name, LOGFILE_META LOGFILE_TMP))
			created = 0;
	if (created && errno) {
		error_errno(err, "unable to list '%s'", path);
		closedir(d);
		return -1;
	}
	closedir(d);
	return created;
}

int checkpoint_last(const char *path, struct buf *body, uint64_t *offset, struct error *err)
{
	struct buf b = BUF_INIT, scratch = BUF_INIT;
	struct log log;
	size_t i;
	int rc = 0, created;

	buf_reset(body);
	/* the first run of a pipe: OUT not there, or logappend --checkpoint
	 * creating it right now; looked at before opening, so that a failed
	 * open is an error and not taken for a first run */
	created = being_created(path, err);
	if (created != 0)
		return created < 0 ? -1 : 0;
	switch (topic_probe(path, err)) {
	case -1:
		return -1;	/* neither a log nor a topic, or a read error */
	case TOPIC_IS_TOPIC:
		return error_set(err, "'%s' is a topic: a checkpoint is in a log", path);
	}
	/* a segment that went away while this looked (logcompact swapped or
	 * deleted it): list the segments again and look again */
	for (int tries = 0;; tries++) {
		if (log_open(&log, path, 0, err) < 0) {
			rc = -1;
			break;
		}
		rc = 0;
		for (i = log.nseg; i-- > 0 && rc == 0;)
			rc = in_segment(&log, log.seg[i], i == log.nseg - 1, &b, &scratch, body,
					offset, err);
		log_close(&log);
		if (rc != -2)
			break;
		if (tries == 20) {
			rc = -1;
			break;
		}
		buf_reset(body);
	}
	buf_release(&b);
	buf_release(&scratch);
	return rc;
}

int checkpoint_list(const char *path,
		    int (*fn)(void *ctx, uint64_t offset, const uint8_t *body, size_t n,
			      struct error *err),
		    void *ctx, struct error *err)
{
	struct batch_header h;
	struct cursor c;
	struct log log;
	size_t i;
	int rc = 0;

	if (topic_probe(path, NULL) == TOPIC_IS_TOPIC)
		return error_set(err, "'%s' is a topic: a checkpoint is in a log", path);
	if (log_open(&log, path, 0, err) < 0)
		return -1;
	cursor_init(&c, &log, NULL);
	for (i = 0; i < log.nseg && rc == 0; i++) {
		uint64_t pos = SEGMENT_HEADER_LEN;
		if (cursor_open_tail(&c, i, err) < 0) {
			rc = -1;
			break;
		}
		while (rc == 0 && (rc = cursor_read(&c, pos, &h, 1, err)) > 0) {
			uint64_t at = pos, off;
			const uint8_t *p;
			size_t len;
			rc = 0;
			pos = cursor_after(pos, &h);
			if (!batch_has_checkpoint(&h))
				continue;
			if ((rc = cursor_load(&c, at, err)) <= 0)
				break;
			checkpoint_body(c.ckpt, c.ckpt_len, &p, &len, &off);
			rc = fn(ctx, off, p, len, err);
		}
		cursor_close(&c);
	}
	cursor_release(&c);
	log_close(&log);
	return rc;
}

/* "name": */
static int key(struct buf *out, const char *name)
{
	return buf_add(out, ",\"", 2) < 0 || buf_add(out, name, strlen(name)) < 0 ||
	       buf_add(out, "\":", 2) < 0 ? -1 : 0;
}

static int text(struct buf *out, const char *name, const char *v)
{
	return key(out, name) < 0 || json_add_string(out, v, strlen(v)) < 0 ? -1 : 0;
}

static int num(struct buf *out, const char *name, const char *fmt, ...)
{
	char n[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n, sizeof n, fmt, ap);
	va_end(ap);
	return key(out, name) < 0 || buf_add(out, n, strlen(n)) < 0 ? -1 : 0;
}

int checkpoint_json(struct buf *out, uint64_t offset, const struct barrier *b)
{
	size_t at = out->len, i;
	char n[64];
	int bad;

	snprintf(n, sizeof n, "{\"offset\":%llu,\"source\":{\"kind\":", (unsigned long long)offset);
	bad = buf_add(out, n, strlen(n)) < 0 ||
	      json_add_string(out, b->source_kind, strlen(b->source_kind)) < 0;
	if (!bad && b->path)
		bad = text(out, "path", b->path);
	if (!bad && b->brokers)
		bad = text(out, "brokers", b->brokers);
	if (!bad && b->topic)
		bad = text(out, "topic", b->topic);
	if (!bad && b->group)
		bad = text(out, "group", b->group);
	bad = bad || buf_add(out, "}", 1) < 0 || key(out, "positions") < 0 ||
	      buf_add(out, "{", 1) < 0;
	for (i = 0; !bad && i < b->npos; i++) {
		snprintf(n, sizeof n, "%s\"%u\":%llu", i ? "," : "", b->pos[i].partition,
			 (unsigned long long)b->pos[i].next);
		bad = buf_add(out, n, strlen(n)) < 0;
	}
	bad = bad || buf_add(out, "}", 1) < 0 ||
	      num(out, "seq", "%llu", (unsigned long long)b->seq) < 0 ||
	      num(out, "time", "%lld", (long long)b->time) < 0 ||
	      num(out, "end", "%s", b->end ? "true" : "false") < 0 ||
	      key(out, "states") < 0 || buf_add(out, "[", 1) < 0;
	for (i = 0; !bad && i < b->nstates; i++) {
		snprintf(n, sizeof n, ",%zu]", b->states[i].len);
		bad = buf_add(out, i ? ",[" : "[", i ? 2 : 1) < 0 ||
		      json_add_string(out, b->states[i].name, strlen(b->states[i].name)) < 0 ||
		      buf_add(out, n, strlen(n)) < 0;
	}
	bad = bad || buf_add(out, "]}", 2) < 0;
	if (bad)
		out->len = at;
	return bad ? -1 : 0;
}
