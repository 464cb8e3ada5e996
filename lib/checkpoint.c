/*
 * checkpoint.c - checkpoints in a log (see checkpoint.h): where a flagged
 * batch's records end and its checkpoint record begins, and the search for
 * a log's last checkpoint from its end.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "checkpoint.h"
#include "item.h"
#include "log.h"
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

/* The checkpoint record's value and offset, r[0..n) checked whole. */
static int take(const uint8_t *r, size_t n, struct buf *body, uint64_t *offset)
{
	struct item_head h;
	size_t pos = 1, len;

	item_head(r + pos, n - pos, &h, NULL);
	*offset = h.val;
	pos += h.len;
	item_head(r + pos, n - pos, &h, NULL);
	pos += h.len + 1;
	item_check(r + pos, n - pos, &len, NULL);
	buf_reset(body);
	return buf_add(body, r + pos, len);
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
		if (fd >= 0)
			close(fd);
		return -1;
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

int checkpoint_last(const char *path, struct buf *body, uint64_t *offset, struct error *err)
{
	struct buf b = BUF_INIT, scratch = BUF_INIT;
	struct log log;
	size_t i;
	int rc = 0;

	buf_reset(body);
	if (topic_probe(path, NULL) == TOPIC_IS_TOPIC)
		return error_set(err, "'%s' is a topic: a checkpoint is in a log", path);
	if (log_open(&log, path, 0, err) < 0) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;	/* a first run */
		return -1;
	}
	for (i = log.nseg; i-- > 0 && rc == 0;)
		rc = in_segment(&log, log.seg[i], i == log.nseg - 1, &b, &scratch, body, offset, err);
	log_close(&log);
	buf_release(&b);
	buf_release(&scratch);
	return rc;
}
