/*
 * envelope.h - the JSON envelope: the object logcat --json writes for each
 * record, {"offset":N,"ts":MS,"key":K,"value":V,"headers":H} (headers only
 * when the record has some; "partition":P after "offset" for a topic's), and logappend --envelope and the stream's
 * JSON sources read back: written here, one line per record, and decoded
 * from the envelope's CBOR form (the map json_to_cbor makes of the object).
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "record.h"

/*
 * Appends r's envelope as one JSON line ("{...}\n") to b.  Returns 0, or -1
 * (err set when a key, value or headers item cannot be written as JSON;
 * left empty on ENOMEM); b may then hold part of the line.
 */
int envelope_encode(struct buf *b, const struct record *r, struct error *err);

/*
 * The same from the record item p[0..n) (record.h), decoded as it is
 * written: one pass over it.  Sets *len to the item's size.  Returns 0, or
 * -1 with err set (a malformed record) and b as it was.
 */
int envelope_encode_item(struct buf *b, const uint8_t *p, size_t n, size_t *len,
			 struct error *err);

/*
 * Sets r's fields from the envelope v[0..n): value (required), key, ts
 * (an integer, milliseconds), headers (a map of text to text or bytes;
 * null for none), partition (an integer from 0 to RECORD_MAX_PARTITION;
 * null for none), and offset when it is an unsigned integer; fields whose
 * member is absent keep the value r had.  r then points into v.  Other
 * members are ignored (see envelope_unknown).  Returns 0, or -1 with err
 * saying what is wrong ("envelope has no \"value\"").
 */
int envelope_decode(const uint8_t *v, size_t n, struct record *r, struct error *err);

/* The first member of the envelope v[0..n) that is none of offset, ts,
 * key, value and headers: returns 1 with *name (into v) and *len set, or 0
 * when there is none (or v is not a well-formed map). */
int envelope_unknown(const uint8_t *v, size_t n, const uint8_t **name, size_t *len);

#endif
