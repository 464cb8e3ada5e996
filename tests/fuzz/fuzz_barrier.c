/*
 * fuzz_barrier.c - libFuzzer target for the framed stream's control items
 * (lib/barrier.c), the decoder of outside bytes that logcat --resume's
 * checkpoint, logwindow, logjoin and logappend --checkpoint go through.
 *
 * For any input, aborts when one of these fails:
 * - barrier_decode either accepts the bytes or refuses them with a
 *   message, leaving nothing to free; it never reads outside them (ASan).
 * - What it accepts was canonical: barrier_encode of the decoded item gives
 *   the input back byte for byte, and barrier_detect saw a control item of
 *   the decoded kind.
 * - barrier_encode_body of it decodes with barrier_decode_body to the same
 *   bytes again (a checkpoint record's value), when the item is a barrier.
 * - Pushing a state and taking every state back in order gives the states
 *   decoded, then the pushed one.
 * - barrier_decode_body of the input itself: accepted only when its
 *   re-encoding is the input.
 */
#include <stdlib.h>
#include <string.h>

#include "barrier.h"

static int same(const struct buf *b, const uint8_t *p, size_t n)
{
	return b->len == n && memcmp(b->p, p, n) == 0;
}

static void check_item(const uint8_t *data, size_t size)
{
	struct barrier b, c;
	struct barrier_state st;
	struct error err = { "" };
	struct buf out = BUF_INIT;
	size_t n;

	if (barrier_decode(&b, data, size, &err) < 0) {
		if (!err.msg[0] || b.states || b.pos || b.source_kind)
			abort();
		return;
	}
	if (barrier_detect(data, size) != (int)b.kind)
		abort();
	if (barrier_encode(&out, &b) < 0 || !same(&out, data, size))
		abort();
	if (b.kind == BARRIER_BARRIER) {
		buf_reset(&out);
		if (barrier_encode_body(&out, &b) < 0 ||
		    barrier_decode_body(&c, out.p, out.len, &err) < 0)
			abort();
		struct buf again = BUF_INIT;
		if (barrier_encode_body(&again, &c) < 0 || !same(&again, out.p, out.len))
			abort();
		buf_release(&again);
		barrier_free(&c);
	}
	n = b.nstates;
	if (n < BARRIER_MAX_STATES) {
		if (barrier_push_state(&b, "fuzz", data, size < 8 ? size : 8, &err) < 0)
			abort();
		for (size_t i = 0; i <= n; i++) {
			const char *want = i < n ? b.states[0].name : "fuzz";
			char *name = strdup(want);
			if (!name || barrier_take_state(&b, name, &st, &err) != 1 ||
			    strcmp(st.name, name) != 0)
				abort();
			free(name);
			free(st.name);
			free(st.bytes);
		}
		if (b.nstates != 0 || barrier_take_state(&b, "fuzz", &st, &err) != 0)
			abort();
	}
	barrier_free(&b);
	buf_release(&out);
}

static void check_body(const uint8_t *data, size_t size)
{
	struct barrier b;
	struct error err = { "" };
	struct buf out = BUF_INIT;

	if (barrier_decode_body(&b, data, size, &err) < 0) {
		if (!err.msg[0])
			abort();
		return;
	}
	if (b.kind != BARRIER_BARRIER || barrier_encode_body(&out, &b) < 0 || !same(&out, data, size))
		abort();
	barrier_free(&b);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_item(data, size);
	check_body(data, size);
	/* the body of an item: after its tag and version */
	if (size > 19 && barrier_detect(data, size))
		check_body(data + 19, size - 19);
	return 0;
}
