/*
 * kcatjson.h - the JSON line `kcat -C -J` writes for a Kafka message
 * (kcat 1.7.1; tests/model/KAFKA-NOTES.md, "kcat -C -J, exactly"), decoded
 * into a record byte-exactly:
 *
 *	{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1796431410635,
 *	 "broker":2,"headers":["a","1=2","noeq",null],"key":"k","payload":"v"}
 *
 * kcat writes its strings without UTF-8 validation: the bytes 0x00-0x1f,
 * '"' and '\' escaped, every other byte (0x7f-0xff too) as it is.  So a
 * line need not be valid UTF-8 nor valid JSON for json.h, and this is a
 * reader of its own: a string's bytes are what lies between its quotes,
 * escapes undone (\uXXXX as JSON says: the code point in UTF-8, a
 * surrogate pair as one; kcat writes it only for bytes below 0x20).
 *
 * The mapping (KAFKA-SPEC.md, "logappend --input kcat"): kcat cannot tell
 * text from bytes, so key, payload and header values become text strings
 * when their bytes are valid UTF-8, else byte strings; null stays null
 * (a null key, a tombstone); "headers", the flat array [name, value, ...],
 * becomes the record's headers map, a null value an empty byte string;
 * "ts" the timestamp; "partition" the partition the record carries.
 * "offset", "topic", "tstype" and "broker" are checked and dropped (the
 * log gives offsets); other members with a scalar value are ignored.
 */
#ifndef KCATJSON_H
#define KCATJSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "record.h"

/* The decoder's storage, reused from line to line: the key, value and
 * headers items of the last record decoded, and scratch. */
struct kcat_decoder {
	struct buf key, value, headers, names, tmp;
};

#define KCAT_DECODER_INIT { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT }

/*
 * Decodes one line p[0..n) (without its newline; whitespace around the
 * tokens allowed) into r: key, value and headers (NULL when the line has
 * none, or an empty array) point into d, valid until the next call on d;
 * ts is set when the line has "ts" (else left as it was); has_partition
 * and partition are set; offset is left.
 *
 * Returns 0, or -1 with err saying what is wrong (without the line's name:
 * "payload: a raw control byte 0x09 in a string") and *at the byte of p
 * where it was found: not an object, a member twice, a member of the wrong
 * type, "partition", "offset", "key" or "payload" missing, "headers" not a
 * flat array of names (strings) and values (strings or null), a header
 * name twice or not valid UTF-8, more than RECORD_MAX_HEADERS headers, a
 * bad escape, out of memory.
 */
int kcat_decode(struct kcat_decoder *d, const uint8_t *p, size_t n, struct record *r,
		size_t *at, struct error *err);

void kcat_decoder_release(struct kcat_decoder *d);

#endif
