/*
 * fuzz_cbor_json.c - libFuzzer target for lib/json.c's two CBOR -> JSON
 * paths: item_to_json (the fast path for the shapes events take, falling
 * back to the general loop when it gives up) and item_to_json_general (the
 * general loop alone).  Aborts unless both, on the same input, agree: the
 * same result, the same bytes used, the same JSON, or the same error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf a, b;
	struct error ea, eb;
	size_t ua = 0, ub = 0;
	int ra, rb;

	/* output appended after something, as logcat's envelope does */
	a.len = b.len = 0;
	if (buf_add(&a, "[", 1) < 0 || buf_add(&b, "[", 1) < 0)
		abort();
	ra = item_to_json(data, size, &a, &ua, &ea);
	rb = item_to_json_general(data, size, &b, &ub, &eb);
	if (ra != rb || ua != ub)
		abort();
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	if (ra < 0 && (a.len != 1 || strcmp(ea.msg, eb.msg) != 0))
		abort();
	return 0;
}
