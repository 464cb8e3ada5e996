/* partitioner.c - Kafka's default partitioner (see partitioner.h). */
#include "item.h"
#include "json.h"
#include "partitioner.h"

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u

uint32_t partitioner_murmur2(const uint8_t *p, size_t n)
{
	uint32_t h = MURMUR2_SEED ^ (uint32_t)n, k;
	size_t i, words = n / 4;

	for (i = 0; i < words; i++, p += 4) {
		k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 24;
		k *= MURMUR2_M;
		k ^= k >> 24;
		k *= MURMUR2_M;
		h *= MURMUR2_M;
		h ^= k;
	}
	switch (n % 4) {
	case 3: h ^= (uint32_t)p[2] << 16;	/* fall through */
	case 2: h ^= (uint32_t)p[1] << 8;	/* fall through */
	case 1: h ^= p[0]; h *= MURMUR2_M;
	}
	h ^= h >> 13;
	h *= MURMUR2_M;
	h ^= h >> 15;
	return h;
}

/* An indefinite-length string's chunks joined into out. */
static int join_chunks(const uint8_t *p, size_t len, struct buf *out, struct error *err)
{
	struct item_head h;
	size_t at;

	item_head(p, len, &h, err);
	for (at = h.len; at < len; at += h.len) {
		if (item_head(p + at, len - at, &h, err) != ITEM_OK)
			return -1;
		if (h.type == ITEM_BREAK)
			return 0;
		if (buf_add(out, h.data, (size_t)h.val) < 0)
			return error_set(err, "out of memory");
	}
	return error_set(err, "key: an indefinite-length string without its end");
}

int partitioner_key_bytes(const uint8_t *key, size_t len, struct buf *scratch,
			  const uint8_t **bytes, size_t *n, struct error *err)
{
	struct item_head h;
	size_t used;

	*bytes = NULL;
	*n = 0;
	if (item_head(key, len, &h, err) != ITEM_OK)
		return -1;
	if (h.type == ITEM_NULL)
		return 0;
	if (h.type == ITEM_TEXT || h.type == ITEM_BYTES) {
		*bytes = h.data;
		*n = (size_t)h.val;
		return 1;
	}
	buf_reset(scratch);
	if (h.type == ITEM_TEXT_INDEF || h.type == ITEM_BYTES_INDEF) {
		if (join_chunks(key, len, scratch, err) < 0)
			return -1;
	} else if (item_to_json(key, len, scratch, &used, err) != 0) {
		return -1;
	}
	*bytes = scratch->p;
	*n = scratch->len;
	return 1;
}
