/*
 * batch.h - a batch: the unit of writing, checksumming and reading in a
 * segment file.  A 48-byte header (little-endian, see logformat(5)) followed
 * by the payload, which for an uncompressed batch is byte for byte the framed
 * encoding of its records, so readers can copy it to stdout untouched.
 *
 *	0  magic "LBAT"     4  version (1)   5  flags (codec)   6  reserved (0)
 *	8  base offset     16  min ts       24  max ts
 *	32 record count    36  last offset delta   40 payload length   44 crc32
 *
 * The crc32 (zlib's, initial value 0) covers header bytes 0..43, then the
 * payload.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "record.h"

#define BATCH_HEADER_LEN 48
#define BATCH_VERSION 1
#define BATCH_CODEC_MASK 0x03
#define BATCH_CODEC_NONE 0
#define BATCH_CODEC_ZLIB 1
/* The largest payload (stored or uncompressed) a reader accepts. */
#define BATCH_MAX_PAYLOAD (RECORD_MAX_SIZE_LIMIT + (1u << 20))
#define BATCH_MAX_RECORDS (1u << 24)

struct batch_header {
	uint8_t version;
	uint8_t flags;
	uint64_t base;		/* offset of the first record */
	int64_t min_ts, max_ts;
	uint32_t count;		/* records in the batch */
	uint32_t last_delta;	/* offset of the last record minus base */
	uint32_t payload_len;	/* bytes stored after the header */
	uint32_t crc;
};

/* The offset after the batch's last record. */
static inline uint64_t batch_next(const struct batch_header *h)
{
	return h->base + h->last_delta + 1;
}

/*
 * The order logformat(5) gives a batch's records: the first at the base
 * offset, each above the one before (and above o->next, which a caller may
 * carry across batches), the last at base + last delta, as many as the
 * header counts.  batch_order_start at each batch, batch_order_next for each
 * record's offset, batch_order_done after the last: each returns 0 or -1.
 */
struct batch_order {
	uint64_t next;		/* the smallest offset the next record may have */
	uint32_t seen;		/* records of the batch so far */
};

static inline void batch_order_start(struct batch_order *o, uint64_t min)
{
	o->next = min;
	o->seen = 0;
}

static inline int batch_order_next(struct batch_order *o, const struct batch_header *h,
				   uint64_t off)
{
	if (off < o->next || off < h->base || off > h->base + h->last_delta ||
	    (o->seen == 0 && off != h->base))
		return -1;
	o->next = off + 1;
	o->seen++;
	return 0;
}

static inline int batch_order_done(const struct batch_order *o, const struct batch_header *h)
{
	return o->seen == h->count && o->next == h->base + h->last_delta + 1 ? 0 : -1;
}

enum {
	BATCH_OK = 1,
	BATCH_SHORT = 0,	/* fewer bytes than the header or payload claim */
	BATCH_BAD = -1,		/* not a batch, unknown version, or checksum */
	BATCH_IOERR = -2,	/* the file could not be read */
};

/* Parses and sanity-checks a header (not the crc).  Returns BATCH_OK,
 * BATCH_SHORT (n < 48) or BATCH_BAD with err set. */
int batch_header_parse(const uint8_t *p, size_t n, struct batch_header *h,
		       struct error *err);

/* Checks the crc of the batch at p (header and payload, 48 + payload_len
 * bytes).  Returns 0, or -1 with err set. */
int batch_verify(const uint8_t *p, const struct batch_header *h, struct error *err);

/*
 * The records of one batch, uncompressed: points at p's payload, or inflates
 * a compressed payload into scratch (bounded by BATCH_MAX_PAYLOAD).  Returns
 * 0 with *payload and *len set, or -1 with err set.
 */
int batch_payload(const uint8_t *p, const struct batch_header *h, struct buf *scratch,
		  const uint8_t **payload, size_t *len, struct error *err);

/*
 * A batch being built: records are appended to b after room for the header;
 * batch_builder_finish writes the header and crc.
 */
struct batch_builder {
	struct buf b;
	struct batch_header h;
};

void batch_builder_init(struct batch_builder *bb);
void batch_builder_reset(struct batch_builder *bb);
void batch_builder_release(struct batch_builder *bb);

/* Appends a record, giving it offset 'offset' (r->offset is ignored).
 * Returns 0 or -1 on ENOMEM. */
int batch_builder_add(struct batch_builder *bb, const struct record *r, uint64_t offset);

/*
 * Appends a checkpoint record (checkpoint.h), [offset, ts, null, BODY,
 * null] with body[0..n) as BODY, and sets the batch's flag bit 2: it must be
 * the batch's last record.  Its ts does not enter the header's timestamps
 * (readers skip the record, and the time index is the records'); a batch
 * holding only the checkpoint has INT64_MIN as both.  Returns 0 or -1 on
 * ENOMEM.
 */
int batch_builder_add_checkpoint(struct batch_builder *bb, int64_t ts, const uint8_t *body,
				 size_t n, uint64_t offset);

/* Writes header and crc; the batch is bb->b.p[0..bb->b.len). */
void batch_builder_finish(struct batch_builder *bb);

/*
 * Appends a whole batch to out: the header from h (base, timestamps, count,
 * last_delta; the rest is set here) and the records' bytes payload[0..len),
 * compressed with zlib at 'level' (1-9) when level > 0 and that makes it
 * smaller, stored as they are otherwise.  Returns 0 or -1 with err set.
 */
int batch_encode(struct buf *out, struct batch_header *h, const uint8_t *payload, size_t len,
		 int level, struct error *err);

/* Writes the 48-byte header of h (with its crc field) to out. */
void batch_header_encode(const struct batch_header *h, uint8_t *out);

#endif
