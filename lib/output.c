/* output.c - writing records in the output formats (see output.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "framed.h"
#include "item.h"
#include "json.h"
#include "output.h"
#include "timeparse.h"

#define OUTPUT_BUFFER (256 * 1024)

enum tpl_kind { TPL_TEXT, TPL_OFFSET, TPL_TS, TPL_TIME, TPL_KEY, TPL_VALUE,
		TPL_KEYSIZE, TPL_VALUESIZE, TPL_HEADERS, TPL_PARTITION };

struct tpl_part {
	enum tpl_kind kind;
	size_t start, len;	/* TPL_TEXT: bytes in text */
};



static int parse_template(struct output *o, const char *t, struct error *err)
{
	const char *whole = t;
	struct buf empty_text = BUF_INIT;
	size_t cap = 0;

	o->tpl = NULL;
	o->ntpl = 0;
	o->tpltext = empty_text;
	while (*t) {
		struct tpl_part part = { TPL_TEXT, 0, 0 };
		if (o->ntpl == cap) {
			struct tpl_part *p;
			cap = cap ? cap * 2 : 16;
			p = realloc(o->tpl, cap * sizeof *p);
			if (!p)
				return error_set(err, "out of memory");
			o->tpl = p;
		}
		if (*t == '%') {
			switch (t[1]) {
			case 'o': part.kind = TPL_OFFSET; break;
			case 'T': part.kind = TPL_TS; break;
			case 't': part.kind = TPL_TIME; break;
			case 'k': part.kind = TPL_KEY; break;
			case 's': part.kind = TPL_VALUE; break;
			case 'K': part.kind = TPL_KEYSIZE; break;
			case 'S': part.kind = TPL_VALUESIZE; break;
			case 'h': part.kind = TPL_HEADERS; break;
			case 'p': part.kind = TPL_PARTITION; break;
			case '%': part.start = o->tpltext.len; part.len = 1;
				  buf_addc(&o->tpltext, '%'); break;
			case '\0':
				return error_set(err, "invalid template '%.200s': a '%%' at its end "
						 "(write %%%% for a percent sign)", whole);
			default:
				return error_set(err, "invalid template '%.200s': unknown directive "
						 "'%%%c' (known: %%o %%p %%T %%t %%k %%s %%K %%S %%h %%%%)",
						 whole, t[1]);
			}
			t += 2;
		} else {
			char c = *t++;
			if (c == '\\') {
				switch (*t) {
				case 'n': c = '\n'; t++; break;
				case 't': c = '\t'; t++; break;
				case 'r': c = '\r'; t++; break;
				case '0': c = 0; t++; break;
				case '\\': c = '\\'; t++; break;
				default: break;
				}
			}
			part.start = o->tpltext.len;
			part.len = 1;
			if (buf_addc(&o->tpltext, (uint8_t)c) < 0)
				return error_set(err, "out of memory");
			/* join with a literal part before it */
			if (o->ntpl && o->tpl[o->ntpl - 1].kind == TPL_TEXT &&
			    o->tpl[o->ntpl - 1].start + o->tpl[o->ntpl - 1].len == part.start) {
				o->tpl[o->ntpl - 1].len++;
				continue;
			}
		}
		o->tpl[o->ntpl++] = part;
	}
	return 0;
}

int output_init(struct output *o, int fd, enum output_format f, const char *tpl,
		struct error *err)
{
	struct buf empty = BUF_INIT;

	o->fd = fd;
	o->format = f;
	o->b = empty;
	o->started = 0;
	o->tpl = NULL;
	o->ntpl = 0;
	o->tpltext = empty;
	o->stop = NULL;
	o->total = 0;
	if (buf_grow(&o->b, OUTPUT_BUFFER) < 0)
		return error_set(err, "out of memory");
	/* a larger pipe means fewer wake-ups of both ends; it fails
	 * harmlessly on anything that is not a pipe.  Group commits count
	 * what the reader took out of the pipe (delivery.h), so its size
	 * does not change what they commit */
	fcntl(fd, F_SETPIPE_SZ, 1 << 20);
	if (f == OUT_TEMPLATE)
		return parse_template(o, tpl, err);
	return 0;
}

void output_release(struct output *o)
{
	buf_release(&o->b);
	free(o->tpl);
	o->tpl = NULL;
	buf_release(&o->tpltext);
}

/* Writes p[0..n), counting the bytes that went out in o->total (a write
 * cut short counts what it wrote). */
static int write_all(struct output *o, const uint8_t *p, size_t n, struct error *err)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w;
		if (o->stop && *o->stop)
			return OUTPUT_STOPPED;
		w = write(o->fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR && o->stop && *o->stop)
				return OUTPUT_STOPPED;
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return OUTPUT_CLOSED;
			return error_errno(err, "write error on standard output");
		}
		done += (size_t)w;
		o->total += (uint64_t)w;
	}
	return OUTPUT_OK;
}

int output_flush(struct output *o, struct error *err)
{
	int rc = write_all(o, o->b.p, o->b.len, err);

	o->b.len = 0;		/* written, or never to be */
	return rc;
}

static int start(struct output *o, struct error *err);

int output_finish(struct output *o, struct error *err)
{
	if (!o->started && start(o, err) < 0)
		return OUTPUT_ERROR;
	return output_flush(o, err);
}

static int start(struct output *o, struct error *err)
{
	o->started = 1;
	if (o->format == OUT_FRAMED && framed_put_header(&o->b) < 0)
		return error_set(err, "out of memory");
	return 0;
}

int output_raw(struct output *o, const uint8_t *p, size_t n, struct error *err)
{
	int rc;

	assert(o->format == OUT_FRAMED);

	if (!o->started && start(o, err) < 0)
		return OUTPUT_ERROR;
	if (o->b.len + n <= OUTPUT_BUFFER) {
		buf_add_unchecked(&o->b, p, n);
		return OUTPUT_OK;
	}
	if ((rc = output_flush(o, err)) != OUTPUT_OK)
		return rc;
	return write_all(o, p, n, err);
}

/* A key or value for a template: strings raw, the rest as JSON. */
static int add_plain(struct buf *b, const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h;
	size_t used;

	if (item_head(p, n, &h, NULL) == ITEM_OK && (h.type == ITEM_TEXT || h.type == ITEM_BYTES))
		return buf_add(b, h.data, h.val);
	return item_to_json(p, n, b, &used, err);
}

/* Headers for a template: name=value,... */
static int add_headers(struct buf *b, const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h, e;
	size_t pos;

	if (!p || item_head(p, n, &h, NULL) != ITEM_OK)
		return 0;
	pos = h.len;
	for (uint64_t i = 0; i < 2 * h.val; i++) {
		if (item_head(p + pos, n - pos, &e, NULL) != ITEM_OK)
			return error_set(err, "bad headers");
		if (i && buf_addc(b, i & 1 ? '=' : ',') < 0)
			return -1;
		if (buf_add(b, e.data, e.val) < 0)
			return -1;
		pos += e.len;
	}
	return 0;
}

/* The number of bytes add_plain writes for an item, or -1 for null (which
 * it writes as null): written at the end of b, measured, and taken back. */
static int add_plain_size(struct buf *b, const uint8_t *p, size_t n, struct error *err)
{
	struct item_head h;
	size_t at = b->len, len;

	if (item_head(p, n, &h, NULL) == ITEM_OK && h.type == ITEM_NULL)
		return buf_add(b, "-1", 2);
	if (add_plain(b, p, n, err) < 0)
		return -1;
	len = b->len - at;
	b->len = at;
	return buf_add_u64(b, len);
}

static int record_template(struct output *o, const struct record *r, struct error *err)
{
	struct buf *b = &o->b;
	char t[TIME_RFC3339_MAX];
	int rc = 0;

	for (size_t i = 0; i < o->ntpl && rc == 0; i++) {
		const struct tpl_part *part = &o->tpl[i];
		switch (part->kind) {
		case TPL_TEXT: rc = buf_add(b, o->tpltext.p + part->start, part->len); break;
		case TPL_OFFSET: rc = buf_add_u64(b, r->offset); break;
		case TPL_TS: rc = buf_add_i64(b, r->ts); break;
		case TPL_TIME: rc = buf_add(b, t, time_format_rfc3339(r->ts, t)); break;
		case TPL_KEY: rc = add_plain(b, r->key, r->keylen, err); break;
		case TPL_VALUE: rc = add_plain(b, r->value, r->valuelen, err); break;
		case TPL_KEYSIZE: rc = add_plain_size(b, r->key, r->keylen, err); break;
		case TPL_VALUESIZE: rc = add_plain_size(b, r->value, r->valuelen, err); break;
		case TPL_HEADERS: rc = add_headers(b, r->headers, r->headerslen, err); break;
		case TPL_PARTITION: rc = r->has_partition ? buf_add_u64(b, r->partition) : 0; break;
		}
	}
	return rc;
}

int output_item(struct output *o, const uint8_t *p, size_t n, size_t *len, struct error *err)
{
	struct buf *b = &o->b;
	size_t before = b->len, pos, used;
	struct record r;
	int nf;

	if (o->format == OUT_JSON) {
		if (envelope_encode_item(b, p, n, len, err) < 0)
			return OUTPUT_ERROR;
		goto done;
	}
	nf = record_decode_head(p, n, &r, &pos, err);
	if (nf <= 0) {
		if (nf == ITEM_TRUNCATED)
			error_set(err, "truncated record");
		return OUTPUT_ERROR;
	}
	/* skip the key */
	if (item_check(p + pos, n - pos, &used, err) != ITEM_OK)
		goto bad;
	pos += used;
	if (item_to_json(p + pos, n - pos, b, &used, err) < 0 || buf_addc(b, '\n') < 0)
		goto bad;
	pos += used;
	for (; nf > 4; nf--) {		/* headers (or null), partition */
		if (item_check(p + pos, n - pos, &used, err) != ITEM_OK)
			goto bad;
		pos += used;
	}
	*len = pos;
done:
	if (b->len >= OUTPUT_BUFFER)
		return output_flush(o, err);
	return OUTPUT_OK;
bad:
	b->len = before;
	return OUTPUT_ERROR;
}

int output_record(struct output *o, const struct record *r, struct error *err)
{
	size_t before = o->b.len, used;
	int rc;

	if (!o->started && start(o, err) < 0)
		return OUTPUT_ERROR;
	switch (o->format) {
	case OUT_FRAMED:
		rc = framed_put_record(&o->b, r);
		break;
	case OUT_JSON:
		rc = envelope_encode(&o->b, r, err);
		break;
	case OUT_VALUES:
		rc = item_to_json(r->value, r->valuelen, &o->b, &used, err);
		if (rc == 0)
			rc = buf_addc(&o->b, '\n');
		break;
	default:
		rc = record_template(o, r, err);
		break;
	}
	if (rc < 0) {
		o->b.len = before;
		if (!err->msg[0])
			error_set(err, "out of memory");
		return OUTPUT_ERROR;
	}
	if (o->b.len >= OUTPUT_BUFFER)
		return output_flush(o, err);
	return OUTPUT_OK;
}
