/*
 * record.h - the record, the unit of a log: offset, timestamp, key, value and
 * optional headers; and its encoding as one CBOR array, the same in the framed
 * stream and in batch payloads (see logformat(5)):
 *
 *	[offset, timestamp, key, value]            no headers
 *	[offset, timestamp, key, value, headers]   headers: map text -> text|bytes
 *	[offset, timestamp, key, value, headers|null, partition]
 *	                                           a topic's record (topic.h), in
 *	                                           the framed stream only: segment
 *	                                           files never hold it (the
 *	                                           directory says the partition)
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* Limits written in logformat(5); a violation is an error, never an
 * allocation of what a length field claims. */
#define RECORD_MAX_SIZE_DEFAULT (16u << 20)	/* --max-record-size default */
#define RECORD_MAX_SIZE_LIMIT   (64u << 20)	/* the largest allowed anywhere */
#define RECORD_MAX_HEADERS      1024

/* A decoded record.  key, value and headers point at CBOR items inside a
 * buffer the record does not own; headers is NULL when there are none. */
struct record {
	uint64_t offset;
	int64_t ts;
	const uint8_t *key;
	size_t keylen;
	const uint8_t *value;
	size_t valuelen;
	const uint8_t *headers;
	size_t headerslen;
	/* a topic's record: its partition (0 when has_partition is not set,
	 * the record of a single log: a zeroed record has none) */
	int has_partition;
	uint32_t partition;
};

/* The largest partition number a record may carry (Kafka's int32). */
#define RECORD_MAX_PARTITION 0x7fffffffu

/* The CBOR null item: key of a record without key, value of a tombstone. */
extern const uint8_t record_null[1];

/*
 * Keeping a record past the next read (a record from a source points into
 * the source's buffers):
 *
 * record_copy copies r's key, value and headers into store, emptied first,
 * and sets *copy to r pointing there: valid until store is changed or
 * released (the caller owns store, one per record kept; reused, it needs no
 * allocation once large enough).  record_dup copies r into one allocation,
 * the struct first, freed with free() by the caller.  r may point into
 * store (for record_copy: not).  Both return 0 / non-NULL, or -1 / NULL on
 * ENOMEM.
 */
int record_copy(struct buf *store, const struct record *r, struct record *copy);
struct record *record_dup(const struct record *r);

/* Appends the record's CBOR array to out: 6 elements when it has a
 * partition (headers null when there are none), else 4 or 5.  Returns 0, or
 * -1 on ENOMEM. */
int record_encode(struct buf *out, const struct record *r);

/*
 * Decodes the record item at p[0..n), checking that it is well-formed and of
 * the record's shape; r then points into p, *len is the item's size.
 * Returns ITEM_OK, ITEM_TRUNCATED or ITEM_BAD with err saying what is wrong.
 */
int record_decode(const uint8_t *p, size_t n, struct record *r, size_t *len,
		  struct error *err);

/* record_decode, also checking that key, value and headers are valid
 * (item_validate: the rule every input follows), in one walk for the
 * common items: the decoder of outside bytes (the framed stream).  An
 * invalid part is ITEM_BAD, err saying which ("record value: at byte 3:
 * ..."). */
int record_decode_valid(const uint8_t *p, size_t n, struct record *r, size_t *len,
			struct error *err);

/*
 * Decodes only the start of the record item at p[0..n): its array head,
 * offset and timestamp into r; *len is where the key begins.  Returns the
 * number of fields (4, 5 or 6), ITEM_TRUNCATED, or ITEM_BAD with err set.
 * With 6, the fifth is headers or null and the sixth the partition, read
 * by record_decode (not by this).
 */
int record_decode_head(const uint8_t *p, size_t n, struct record *r, size_t *len,
		       struct error *err);

/* Checks that p[0..n) is one headers map: text keys, text or byte string
 * values, at most RECORD_MAX_HEADERS entries.  Returns 0 or -1 (err set). */
int record_check_headers(const uint8_t *p, size_t n, struct error *err);

#endif
