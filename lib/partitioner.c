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

int partitioner_key_bytes(const uint8_t *key, size_t len, struct buf *scratch,
			  const uint8_t **bytes, size_t *n, struct error *err)
{
	struct item_head h;
	enum item_type type;
	size_t used;
	int rc;

	/* the common key, a definite text or byte string with its length in
	 * its first byte or the next: its contents, without a walk */
	if (len >= 1 && (key[0] >> 5 == 2 || key[0] >> 5 == 3) &&
	    ((key[0] & 31) < 24 || ((key[0] & 31) == 24 && len >= 2))) {
		size_t head = (key[0] & 31) < 24 ? 1 : 2;
		size_t size = head == 1 ? (size_t)(key[0] & 31) : key[1];
		if (head + size <= len) {
			*bytes = key + head;
			*n = size;
			return 1;
		}
	}
	*bytes = NULL;
	*n = 0;
	if (item_head(key, len, &h, err) != ITEM_OK)
		return -1;
	if (h.type == ITEM_NULL)
		return 0;
	if ((rc = item_string(key, len, scratch, bytes, n, &type)) != 0)
		return rc > 0 ? 1 : error_set(err, "out of memory");
	buf_reset(scratch);
	if (item_to_json(key, len, scratch, &used, err) != 0)
		return -1;
	*bytes = scratch->p;
	*n = scratch->len;
	return 1;
}
