/*
 * kafka.h - what logkafka's two verbs share (tests/model/KAFKA-SPEC.md):
 * the librdkafka configuration from --brokers and -X, and the mapping
 * between a record's CBOR items and a Kafka message's bytes (keys,
 * values, headers) in the formats json, cbor and raw, the same in both
 * directions so that produce then consume gives every record back.
 */
#ifndef KAFKA_H
#define KAFKA_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "error.h"

enum kafka_format { KAFKA_JSON, KAFKA_CBOR, KAFKA_RAW };

struct kafka_options {
	const char *brokers;		/* --brokers: bootstrap.servers */
	const char *topic;		/* --topic */
	const char *const *props;	/* -X key=value, in the order given */
	size_t nprops;
	enum kafka_format key_format;	/* --key-format (json or raw) */
	enum kafka_format value_format;	/* --value-format */
	int skip_bad;			/* --skip-bad: a record that does not map
					 * is skipped with a warning, counted */
	int quiet;			/* -q */
	volatile sig_atomic_t *stop;	/* set by SIGINT and SIGTERM */
};

/*
 * Parses a format name: "json", "raw", and "cbor" when allow_cbor is set
 * (values only).  Returns 0, or -1 when s is none of them.
 */
int kafka_format_parse(const char *s, int allow_cbor, enum kafka_format *f);

/*
 * A librdkafka configuration: bootstrap.servers from o->brokers, then the
 * tool's own settings defaults[] ("key", "value", ..., NULL), then each of
 * o->props ("key=value") over them.  Returns the configuration (the
 * caller passes it to rd_kafka_new, or destroys it), or NULL with err set:
 * "-X 'x': expected key=value", or librdkafka's message for a property it
 * refuses ("-X foo=1: No such configuration property: \"foo\"").
 */
rd_kafka_conf_t *kafka_conf(const struct kafka_options *o, const char *const *defaults,
			    struct error *err);

/*
 * A record's item p[0..n) as message bytes in format f, appended to out:
 * json its JSON text (json.h's item_to_json, as logcat --json writes it),
 * cbor its bytes, raw a text string's UTF-8 or a byte string's bytes (the
 * chunks of an indefinite one joined).  A null item is a Kafka null: *null
 * is set and nothing is appended.  Returns 0, or -1 with err set ("raw
 * needs a text or byte string, not a map").
 */
int kafka_encode(enum kafka_format f, const uint8_t *p, size_t n, struct buf *out, int *null,
		 struct error *err);

/*
 * Message bytes data[0..n) (data NULL: a Kafka null) as one CBOR item
 * appended to out: json parsed as one JSON text (json_to_cbor), cbor
 * checked as one valid item (item_validate), raw a text string when valid
 * UTF-8 else a byte string; a Kafka null is the null item.  Returns 0, or
 * -1 with err saying why the bytes do not parse (out as it was).
 */
int kafka_decode(enum kafka_format f, const void *data, size_t n, struct buf *out,
		 struct error *err);

/*
 * A record's headers map p[0..n) (record.h: text names, text or byte
 * string values) as Kafka headers (values: a text's UTF-8, a byte
 * string's bytes), added to h.  Returns 0, or -1 with err set.
 */
int kafka_headers_encode(const uint8_t *p, size_t n, rd_kafka_headers_t *h, struct error *err);

/*
 * A message's headers (h NULL or empty: none) as a record's headers map
 * appended to out: names as text (a name that is not valid UTF-8: an
 * error), values as text when valid UTF-8, else byte strings, a null value
 * as an empty byte string.  A name that appears twice: an error (a
 * record's headers are a map).  Returns 1 when a map was appended, 0 when
 * there are no headers, -1 with err set (out as it was).
 */
int kafka_headers_decode(const rd_kafka_headers_t *h, struct buf *out, struct error *err);

#endif
