/*
 * keymap.h - the offset map of key compaction, as Kafka's cleaner keeps it:
 * for each key, the offset of its latest record, in a hash table bounded by
 * a memory size.  Keys are not stored, only their 128-bit XXH3 hashes, so
 * an entry is 24 bytes whatever the key's length; two keys would be taken
 * for one only if their 128-bit hashes collided (about 2^-64 for 2^32 keys).
 *
 * The table starts small and grows while the old and the new table together
 * stay within the bound (growing copies); when it cannot grow and is 90%
 * full it refuses new keys.
 *
 * Keys are split into 2^bits partitions by the top bits of their hash, so
 * that compaction can take the keys of a log that do not fit in several
 * passes, one partition each (compact.c): keymap_split doubles the number
 * of partitions in place, keeping the entries of one half.
 */
#ifndef KEYMAP_H
#define KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#define KEYMAP_ENTRY_LEN 24
#define KEYMAP_MIN_MEMORY (64u << 10)

struct keyslot {
	uint64_t h1, h2;
	uint64_t off1;		/* offset + 1; 0 marks an empty slot */
};

struct keymap {
	struct keyslot *slot;
	size_t cap;		/* slots */
	size_t n;		/* keys */
	size_t max_cap;		/* slots the memory bound allows */
	uint64_t memory;	/* the bound */
};

/* Sets up an empty map that will use at most 'memory' bytes of slots.
 * Returns 0 or -1 (out of memory). */
int keymap_init(struct keymap *m, uint64_t memory);
void keymap_release(struct keymap *m);

/* Empties the map, keeping its memory. */
void keymap_clear(struct keymap *m);

/* A key's hash, computed once and then used with the _h functions; with
 * keymap_prefetch, lookups of many keys overlap their cache misses. */
struct keyhash {
	uint64_t h1, h2;
};

void keymap_hash(const uint8_t *key, size_t len, struct keyhash *h);
void keymap_prefetch(const struct keymap *m, const struct keyhash *h);
int keymap_put_h(struct keymap *m, const struct keyhash *h, uint64_t off);
int keymap_get_h(const struct keymap *m, const struct keyhash *h, uint64_t *off);

/* The partition of a hash when there are 2^bits of them. */
static inline uint64_t keymap_part(const struct keyhash *h, unsigned bits)
{
	return bits ? h->h2 >> (64 - bits) : 0;
}

/* Goes from 2^bits partitions to 2^(bits+1): keeps the entries of
 * partition 'part' of the new split, removes the others. */
void keymap_split(struct keymap *m, unsigned bits, uint64_t part);

/* Records that key (its CBOR bytes) has a record at offset off, replacing
 * an earlier offset.  Returns 1, or 0 when the key is new and the map is
 * full. */
int keymap_put(struct keymap *m, const uint8_t *key, size_t len, uint64_t off);

/* Finds the offset recorded for key.  Returns 1 with *off set, or 0. */
int keymap_get(const struct keymap *m, const uint8_t *key, size_t len, uint64_t *off);

#endif
