/* framed.c - the framed stream of records (see framed.h). */
#include <ctype.h>
#include <stdio.h>

#include "barrier.h"
#include "framed.h"
#include "item.h"

const uint8_t framed_header[FRAMED_HEADER_LEN] = {
	0xd9, 0xd9, 0xf7,	/* tag 55799, self-described CBOR */
	0x82,			/* array of 2 */
	0x6f, 'l', 'o', 'g', 't', 'o', 'o', 'l', 's', '/', 'f', 'r', 'a', 'm', 'e', 'd',
	0x01,			/* version 1 */
};

int framed_put_header(struct buf *b)
{
	return buf_add(b, framed_header, FRAMED_HEADER_LEN);
}

int framed_detect(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] == 0xd9 && p[1] == 0xd9 && p[2] == 0xf7;
}

void framed_reader_init(struct framed_reader *fr, struct input *in)
{
	fr->in = in;
	fr->records = 0;
	fr->at = 0;
	fr->started = 0;
	fr->control = NULL;
	fr->control_len = 0;
}

/* Whether p[0..n), n < 18, could begin a control item (barrier.h): then
 * more bytes are needed to tell it from a bad record. */
static int control_prefix(const uint8_t *p, size_t n)
{
	static const uint8_t b[] = "\x83\x70logtools/barrier", r[] = "\x83\x70logtools/restore";

	return memcmp(p, b, n) == 0 || memcmp(p, r, n) == 0;
}

/*
 * A control item at p[0..n) (barrier_detect said so): 1 when it is whole,
 * well-formed and valid (*len set), 0 when more bytes are needed, or as
 * framed_next: -1 or FRAMED_BAD_RECORD (consumed) with err set.
 */
static int control_item(struct framed_reader *fr, const uint8_t *p, size_t n, size_t *len,
			struct error *err)
{
	struct input *in = fr->in;
	struct error why;
	int rc = item_check(p, n, len, &why);

	if (rc == ITEM_TRUNCATED) {
		if (in->eof)
			return error_set(err, "%s: stream ends inside a checkpoint control item "
					 "(byte %llu)", in->name, (unsigned long long)in->offset);
		if (n >= in->max_window)
			return error_set(err, "%s: control item (byte %llu): larger than the largest "
					 "record accepted (--max-record-size)", in->name,
					 (unsigned long long)in->offset);
		return 0;
	}
	if (rc == ITEM_OK && item_validate(p, *len, &why) == 0)
		return 1;
	error_set(err, "%s: control item (byte %llu): %s", in->name,
		  (unsigned long long)in->offset, why.msg);
	if (rc != ITEM_OK)
		return -1;	/* not well-formed: where the next item starts is not known */
	fr->at = in->offset;
	input_consume(in, *len, 0);
	return FRAMED_BAD_RECORD;
}

/* Describes the first bytes of something that is not a framed stream. */
static void describe_start(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	if (n == 0)
		snprintf(out, outsz, "it is empty");
	else if (p[0] == '{' || p[0] == '[' || p[0] == '"')
		snprintf(out, outsz, "it starts with '%c' (JSON?)", p[0]);
	else if (isprint(p[0]) || isspace(p[0]))
		snprintf(out, outsz, "it starts with text '%.*s'",
			 (int)(n < 16 ? n : 16), (const char *)p);
	else
		snprintf(out, outsz, "it starts with byte 0x%02x", p[0]);
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

/* Checks a header item at p (starting with the tag bytes).  Returns its
 * length, 0 when incomplete, -1 on error. */
static long check_header(const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h;
	size_t len;
	int rc;

	rc = item_check(p, n, &len, err);
	if (rc != ITEM_OK)
		return rc == ITEM_TRUNCATED ? 0 : -1;
	if (len == FRAMED_HEADER_LEN && memcmp(p, framed_header, len) == 0)
		return (long)len;
	/* tag 55799 on ["logtools/framed", N]: a version we may not know */
	if (len > FRAMED_HEADER_LEN - 1 &&
	    memcmp(p, framed_header, FRAMED_HEADER_LEN - 1) == 0 &&
	    item_head(p + FRAMED_HEADER_LEN - 1, len - (FRAMED_HEADER_LEN - 1), &h, NULL) == ITEM_OK &&
	    h.type == ITEM_UINT)
		return error_set(err, "framed stream version %llu is newer than this tool reads (%d)",
				 (unsigned long long)h.val, FRAMED_VERSION);
	return error_set(err, "not a framed stream: self-described CBOR, but not a logtools header");
}

/* input_fill for framed_next: 0, -1 (err set) or FRAMED_AGAIN. */
static int fill(struct input *in, struct error *err)
{
	long rc = input_fill(in, err);

	return rc == INPUT_AGAIN ? FRAMED_AGAIN : rc < 0 ? -1 : 0;
}

int framed_next(struct framed_reader *fr, struct record *r, struct error *err)
{
	struct input *in = fr->in;
	struct error why;
	size_t len;
	long hl;
	int rc;

	for (;;) {
		const uint8_t *p = input_data(in);
		size_t n = input_avail(in);

		if (n == 0 || (n < FRAMED_HEADER_LEN && framed_detect(p, n)) ||
		    (!fr->started && n < 3)) {
			if (!in->eof) {
				if ((rc = fill(in, err)) < 0)
					return rc;
				continue;
			}
			if (n == 0 && fr->started)
				return 0;
			if (n > 0 && n < FRAMED_HEADER_LEN && memcmp(p, framed_header, n) == 0)
				return error_set(err, "%s: stream ends inside its header", in->name);
			if (!fr->started) {
				char what[64];
				describe_start(p, n, what, sizeof what);
				return error_set(err, "%s: not a framed stream: %s", in->name, what);
			}
		}
		if (framed_detect(p, n)) {
			hl = check_header(p, n, &why);
			if (hl < 0)
				return error_set(err, "%s: byte %llu: %s", in->name,
						 (unsigned long long)in->offset, why.msg);
			if (hl == 0) {
				if (in->eof)
					return error_set(err, "%s: stream ends inside its header", in->name);
				if ((rc = fill(in, err)) < 0)
					return rc;
				continue;
			}
			input_consume(in, (size_t)hl, 0);
			fr->started = 1;
			continue;
		}
		if (!fr->started) {
			char what[64];
			describe_start(p, n, what, sizeof what);
			return error_set(err, "%s: not a framed stream: %s", in->name, what);
		}
		if (p[0] == 0x83) {	/* an array of 3: a record has 4 to 6 */
			if (n < 18 && !in->eof && n < in->max_window && control_prefix(p, n)) {
				if ((rc = fill(in, err)) < 0)
					return rc;
				continue;
			}
			if (barrier_detect(p, n)) {
				rc = control_item(fr, p, n, &len, err);
				if (rc == 0) {
					if ((rc = fill(in, err)) < 0)
						return rc;
					continue;
				}
				if (rc != 1)
					return rc;
				fr->at = in->offset;
				fr->control = p;
				fr->control_len = len;
				input_consume(in, len, 0);
				return FRAMED_CONTROL;
			}
		}
		rc = record_decode_valid(p, n, r, &len, &why);
		if (rc == ITEM_OK) {
			fr->at = in->offset;
			input_consume(in, len, 0);
			fr->records++;
			return 1;
		}
		if (rc == ITEM_BAD) {
			struct error ignored;
			int whole = item_check(p, n, &len, &ignored);
			if (whole == ITEM_TRUNCATED && !in->eof && n < in->max_window) {
				/* the record's extent is not known yet */
				if ((rc = fill(in, err)) < 0)
					return rc;
				continue;
			}
			fr->at = in->offset;
			fr->records++;
			error_set(err, "%s: record %llu (byte %llu): %s", in->name,
				  (unsigned long long)fr->records, (unsigned long long)in->offset, why.msg);
			if (whole != ITEM_OK)
				return -1;
			input_consume(in, len, 0);
			return FRAMED_BAD_RECORD;
		}
		if (in->eof)
			return error_set(err, "%s: stream ends inside record %llu (byte %llu)",
					 in->name, (unsigned long long)fr->records + 1,
					 (unsigned long long)in->offset);
		if (n >= in->max_window)	/* a length field may claim more: not read */
			return error_set(err, "%s: record %llu (byte %llu): larger than the largest "
					 "record accepted (--max-record-size)", in->name,
					 (unsigned long long)fr->records + 1,
					 (unsigned long long)in->offset);
		if ((rc = fill(in, err)) < 0)
			return rc;
	}
}
