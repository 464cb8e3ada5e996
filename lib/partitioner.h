/*
 * partitioner.h - where a keyed record goes in a topic of N partitions:
 * Kafka's default partitioner, so that a topic can move to a Kafka cluster
 * partition for partition (working spec: tests/model/PARTITION-SPEC.md).
 *
 *	partition = (murmur2(key bytes) & 0x7fffffff) % N
 *
 * murmur2 is Kafka's variant of MurmurHash2 (Utils.murmur2 in the Java
 * client, rd_murmur2 in librdkafka): seed 0x9747b28c, the bytes read as
 * little-endian 32-bit words.  The key's bytes are those a Kafka producer
 * would send for it: a text string's UTF-8 bytes, a byte string's bytes
 * (an indefinite-length string: its chunks joined), and for any other item
 * the bytes of its JSON text as `logcat -F %k` prints it (json.h).  A null
 * key has no bytes: the record is keyless.
 */
#ifndef PARTITIONER_H
#define PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* Kafka's murmur2 of p[0..n). */
uint32_t partitioner_murmur2(const uint8_t *p, size_t n);

/* The partition of a hash among n > 0 partitions. */
static inline uint32_t partitioner_pick(uint32_t hash, uint32_t n)
{
	return (hash & 0x7fffffffu) % n;
}

/*
 * The bytes a Kafka producer would send for the key item key[0..len) (a
 * whole, well-formed item): *bytes and *n point into key for a definite
 * text or byte string, else into scratch (emptied first).  Returns 1, 0
 * for a null key (keyless: *bytes NULL, *n 0), or -1 with err set (no
 * memory, an item item_to_json refuses).
 */
int partitioner_key_bytes(const uint8_t *key, size_t len, struct buf *scratch,
			  const uint8_t **bytes, size_t *n, struct error *err);

#endif
