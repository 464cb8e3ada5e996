/*
 * fuzz_framed.c - libFuzzer target for the framed stream reader
 * (lib/framed.c through lib/input.c), lib/record.c and item_to_json.
 *
 * The input is written to a memfd and read with input_init + framed_next
 * until the end or an error, as logcat - and logappend read stdin.  For
 * every record returned, aborts when one of these fails:
 *
 * - record_encode then record_decode gives the same record: offset,
 *   timestamp, key, value and headers byte for byte, and the partition
 *   of a topic's record (6 elements), using all bytes.
 * - item_to_json accepts the key, the value and the headers (what
 *   record_decode accepted, logcat --json must be able to write), using
 *   exactly the item's bytes.
 * - That JSON read back with json_to_cbor and written again is the same
 *   JSON text (the mapping is lossless for what logcat writes), unless the
 *   JSON nests deeper than JSON_MAX_DEPTH.
 *
 * A control item (FRAMED_CONTROL) is one whole well-formed item that
 * barrier_detect recognises; a framed source without controls skips it.
 * Records returned are valid (item_validate); a bad record skipped over
 * (FRAMED_BAD_RECORD) comes with a message, and reading goes on after it.
 * Reading must end: framed_next may return a record at most once per five
 * bytes of input, and skip a bad one at most once per byte.  An error must come with a message.
 *
 * The same bytes read again through a non-blocking framed source
 * (lib/stream.c) from a pipe fed a few bytes at a time (the chunk size from
 * the first byte), draining it until "no record yet" after each chunk, give
 * the same records, the same bad ones and the same end; and through a
 * source that detects the format (framed, else logcat's JSON envelopes),
 * reading ends, with a message for every error or bad record.  Read as
 * logappend reads JSON values (resync: a bad value's line skipped) and as
 * lines, in pieces and at once: the same values, the same bad ones, and
 * the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "barrier.h"
#include "framed.h"
#include "input.h"
#include "item.h"
#include "json.h"
#include "record.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf enc, json1, cbor2buf, json2, seq1, seq2;

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* The JSON of one item; aborts when item_to_json refuses it. */
static void check_json(const uint8_t *p, size_t n)
{
	struct error err;
	size_t used;

	json1.len = 0;
	if (item_to_json(p, n, &json1, &used, &err) != 0)
		abort();	/* record_decode accepted it: logcat --json must write it */
	if (used != n || json1.len == 0)
		abort();
	cbor2buf.len = 0;
	switch (json_to_cbor((const char *)json1.p, json1.len, 1, &cbor2buf, &used, &err)) {
	case JSON_OK:
		break;
	case JSON_ERROR:
		if (strstr(err.msg, "deep") || strstr(err.msg, "nest"))
			return;	/* the "$" forms nest deeper than JSON_MAX_DEPTH */
		abort();
	default:
		abort();
	}
	if (used != json1.len)
		abort();
	json2.len = 0;
	if (item_to_json(cbor2buf.p, cbor2buf.len, &json2, &used, &err) != 0 ||
	    used != cbor2buf.len)
		abort();
	if (!same(json1.p, json1.len, json2.p, json2.len))
		abort();
}

static void check_record(const struct record *r)
{
	struct record back;
	struct error err;
	size_t len;

	enc.len = 0;
	if (record_encode(&enc, r) != 0)
		abort();
	if (record_decode(enc.p, enc.len, &back, &len, &err) != ITEM_OK)
		abort();
	if (len != enc.len || back.offset != r->offset || back.ts != r->ts ||
	    !same(back.key, back.keylen, r->key, r->keylen) ||
	    !same(back.value, back.valuelen, r->value, r->valuelen) ||
	    (back.headers == NULL) != (r->headers == NULL) ||
	    (r->headers && !same(back.headers, back.headerslen, r->headers, r->headerslen)) ||
	    back.has_partition != r->has_partition || back.partition != r->partition ||
	    r->partition > RECORD_MAX_PARTITION)
		abort();
	/* framed_next returns only valid records */
	if (item_validate(r->key, r->keylen, &err) < 0 || item_validate(r->value, r->valuelen, &err) < 0 ||
	    (r->headers && item_validate(r->headers, r->headerslen, &err) < 0))
		abort();
	check_json(r->key, r->keylen);
	check_json(r->value, r->valuelen);
	if (r->headers)
		check_json(r->headers, r->headerslen);
}

/* Reads what waits in a non-blocking source: records re-encoded into seq,
 * bad ones counted.  Returns the answer that ended it. */
static int drain(struct source *s, struct buf *seq, uint64_t *nbad)
{
	struct record r;
	struct error err;
	int rc;

	for (;;) {
		err.msg[0] = 0;
		rc = source_next(s, &r, &err);
		if (rc == SOURCE_RECORD) {
			if (s->opt.values || source_kind(s) == SOURCE_LINES)
				r.ts = 0;	/* the time now: not the input's */
			if (record_encode(seq, &r) != 0)
				abort();
		} else if (rc == SOURCE_BAD) {
			if (err.msg[0] == 0)
				abort();
			++*nbad;
		} else {
			if (rc == SOURCE_ERROR && err.msg[0] == 0)
				abort();
			return rc;
		}
	}
}

/* The input through a non-blocking source of kind from a pipe, chunk
 * bytes at a time (JSON: values, with resync, as logappend reads them, when
 * values is set).  Returns how it ended. */
static int piecewise(const uint8_t *data, size_t size, enum source_kind kind, size_t chunk,
		     struct buf *seq, uint64_t *nbad, int values)
{
	struct source_options opt = { .nonblock = 1, .values = values, .resync = values };
	struct source s;
	int p[2], rc = SOURCE_AGAIN;
	size_t off = 0;

	if (pipe(p) < 0)
		abort();
	source_open_fd(&s, p[0], "fuzz", kind, NULL, &opt);
	while (rc == SOURCE_AGAIN) {
		if (off < size) {
			size_t k = size - off < chunk ? size - off : chunk;
			if (write(p[1], data + off, k) != (ssize_t)k)
				abort();
			off += k;
		} else if (p[1] >= 0) {
			close(p[1]);
			p[1] = -1;
		} else {
			abort();	/* all written, closed: it may not wait */
		}
		rc = drain(&s, seq, nbad);
	}
	if (p[1] >= 0)
		close(p[1]);
	source_close(&s);
	close(p[0]);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framed_reader fr;
	struct record r;
	struct input in;
	struct error err;
	uint64_t n = 0, nbad = 0, nctl = 0;
	int fd, rc;

	fd = memfd_create("fuzz_framed", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	input_init(&in, fd, "fuzz", RECORD_MAX_SIZE_LIMIT + (64 << 10));
	framed_reader_init(&fr, &in);
	err.msg[0] = 0;
	while ((rc = framed_next(&fr, &r, &err)) == 1 || rc == FRAMED_BAD_RECORD ||
	       rc == FRAMED_CONTROL) {
		if (rc == FRAMED_CONTROL) {
			/* one whole, well-formed item that barrier_detect knows */
			size_t len;
			struct error e;
			if (!barrier_detect(fr.control, fr.control_len) ||
			    item_check(fr.control, fr.control_len, &len, &e) != ITEM_OK ||
			    len != fr.control_len || ++nctl > size / 19)
				abort();
			continue;
		}
		if (rc == FRAMED_BAD_RECORD) {
			/* a bad record is one item at least: one byte */
			if (err.msg[0] == 0 || ++nbad > size)
				abort();
			err.msg[0] = 0;
			continue;	/* skipped over: the next one is read */
		}
		if (++n > size / 5 + 1)
			abort();	/* more records than bytes allow: not progressing */
		check_record(&r);
	}
	if (rc == -1 && err.msg[0] == 0)
		abort();
	if (rc != -1 && rc != 0)
		abort();
	input_release(&in);
	close(fd);
	if (size <= 16384) {
		size_t chunk = size ? 1 + data[0] % 64 : 1;
		uint64_t nbad2 = 0, nbad3 = 0;
		int rc2;

		/* the records of the first pass, as the second re-encodes them */
		seq1.len = seq2.len = 0;
		if (lseek(fd = memfd_create("fuzz_framed", MFD_CLOEXEC), 0, SEEK_SET) != 0 ||
		    write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
			abort();
		input_init(&in, fd, "fuzz", RECORD_MAX_SIZE_LIMIT + (64 << 10));
		framed_reader_init(&fr, &in);
		while ((rc = framed_next(&fr, &r, &err)) == 1 || rc == FRAMED_BAD_RECORD ||
		       rc == FRAMED_CONTROL)
			if (rc == 1 && record_encode(&seq1, &r) != 0)
				abort();
		input_release(&in);
		close(fd);
		rc2 = piecewise(data, size, SOURCE_FRAMED, chunk, &seq2, &nbad2, 0);
		if ((rc == 0) != (rc2 == SOURCE_END) || (rc == -1) != (rc2 == SOURCE_ERROR) ||
		    nbad2 != nbad || !same(seq1.p, seq1.len, seq2.p, seq2.len))
			abort();	/* read in pieces, not the same stream */
		seq2.len = 0;
		piecewise(data, size, SOURCE_DETECT, chunk, &seq2, &nbad3, 0);

		/* logappend's JSON values and lines: in pieces as at once */
		for (int k = 0; k < 2; k++) {
			enum source_kind kind = k ? SOURCE_LINES : SOURCE_JSON;
			seq1.len = seq2.len = 0;
			nbad2 = nbad3 = 0;
			rc = piecewise(data, size, kind, size ? size : 1, &seq1, &nbad2, 1);
			rc2 = piecewise(data, size, kind, chunk, &seq2, &nbad3, 1);
			if (rc != rc2 || rc != SOURCE_END || nbad2 != nbad3 || nbad2 > size ||
			    !same(seq1.p, seq1.len, seq2.p, seq2.len))
				abort();	/* resync ends every read */
		}
	}
	return 0;
}
