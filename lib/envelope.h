/*
 * envelope.h - the JSON envelope: the object logcat --json writes for each
 * record, {"offset":N,"ts":MS,"key":K,"value":V,"headers":H} (headers only
 * when the record has some), and logappend --envelope and the stream's
 * JSON sources read back.  Decoded here from the envelope's CBOR form (the
 * map json_to_cbor makes of the object).
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"

/*
 * Sets r's fields from the envelope v[0..n): value (required), key, ts
 * (an integer, milliseconds), headers (a map of text to text or bytes;
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
