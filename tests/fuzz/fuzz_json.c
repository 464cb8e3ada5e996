/*
 * fuzz_json.c - libFuzzer target for lib/json.c.  Aborts when one of these
 * fails (JSON_INVALID counting as an error, of a valid JSON text):
 *
 * - The input read as a JSON sequence: each value's CBOR, written as JSON
 *   and read again, gives the same CBOR.  Writing may only fail because the
 *   extended forms nest the JSON deeper than JSON_MAX_DEPTH.
 * - Read without eof, each value gives the same result, or JSON_MORE when it
 *   reaches the end of the input; an error is the same error.
 * - The input read as CBOR: when item_to_json accepts it, the JSON reads
 *   back (or is JSON_INVALID, when item_validate refuses the CBOR too),
 *   and that CBOR is written as the same JSON again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || !memcmp(a->p, b->p, a->len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf c1, c0, j1, c2;
	const char *s = (const char *)data;
	struct error err, err0;
	size_t off = 0, used, used0, u;
	int r, r0;

	for (;;) {
		c1.len = c0.len = 0;
		r = json_to_cbor(s + off, size - off, 1, &c1, &used, &err);
		r0 = json_to_cbor(s + off, size - off, 0, &c0, &used0, &err0);
		if (r == JSON_OK && r0 == JSON_MORE) {
			if (off + used != size)
				abort();
		} else if ((r == JSON_ERROR || r == JSON_INVALID) && r0 == JSON_MORE) {
			;	/* ends too soon only for want of eof */
		} else if (r != r0) {
			abort();
		} else if (r == JSON_OK && (used != used0 || !same(&c1, &c0))) {
			abort();
		} else if ((r == JSON_ERROR || r == JSON_INVALID) && (used != used0 ||
					       strcmp(err.msg, err0.msg))) {
			abort();
		}
		if (r != JSON_OK)
			break;
		off += used;
		j1.len = 0;
		if (item_to_json(c1.p, c1.len, &j1, &u, &err)) {
			if (strcmp(err.msg, "nesting too deep"))
				abort();
			continue;
		}
		if (u != c1.len)
			abort();
		c2.len = 0;
		if (json_to_cbor((const char *)j1.p, j1.len, 1, &c2, &u,
				 &err) != JSON_OK || u != j1.len)
			abort();
		if (!same(&c1, &c2))
			abort();
	}

	j1.len = 0;
	if (item_to_json(data, size, &j1, &used, &err) == 0) {
		if (used == 0 || used > size)
			abort();
		c2.len = 0;
		r = json_to_cbor((const char *)j1.p, j1.len, 1, &c2, &u, &err);
		if (r == JSON_INVALID && item_validate(data, used, &err0) < 0)
			return 0;	/* an invalid item: its JSON is refused, rightly */
		if (r != JSON_OK || u != j1.len)
			abort();
		c1.len = 0;
		if (item_to_json(c2.p, c2.len, &c1, &u, &err) || u != c2.len ||
		    !same(&c1, &j1))
			abort();
	}
	return 0;
}
