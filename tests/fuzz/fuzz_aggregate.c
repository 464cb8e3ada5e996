/*
 * fuzz_aggregate.c - libFuzzer target for lib/aggregate.c and its sketches
 * (hyperloglog.c, quantile.c), with every kind of aggregate on one path.
 *
 * Input starting with 0: the rest is given to agg_load, as a checkpoint
 * read from outside would be.  It must be refused cleanly or loaded; a
 * loaded state must save to exactly the bytes it was loaded from, give
 * well-formed results, take records and be freed with the memory count
 * back at 0.
 *
 * Otherwise: the input is a sequence of CBOR items, each the value of "x"
 * in a record added to one of two states (a bit of the first byte of each
 * item picks which, the rest of the byte counts records); then the
 * states are merged, and the merged state is saved, loaded and saved
 * again: the same bytes, the same results.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "item.h"

static struct agg_set set;
static int64_t mem;

static void init(void)
{
	static const struct { enum agg_kind kind; const char *arg; } a[] = {
		{ AGG_COUNT, NULL }, { AGG_SUM, "x" }, { AGG_MIN, "x" }, { AGG_MAX, "x" },
		{ AGG_AVG, "x" }, { AGG_FIRST, "x" }, { AGG_LAST, "x" }, { AGG_DISTINCT, "x" },
		{ AGG_QUANTILE, "x:0,0.5,0.99,1" },
	};
	struct error err;
	size_t i;

	if (set.n)
		return;
	for (i = 0; i < sizeof a / sizeof *a; i++)
		if (agg_set_add(&set, a[i].kind, a[i].arg, &err) < 0)
			abort();
}

/* The results of st: a well-formed item per key and value. */
static void results(const struct agg_state *st, struct buf *out)
{
	size_t pairs, pos = 0, len, i;

	buf_reset(out);
	if (agg_encode(&set, st, out, &pairs) < 0)
		abort();
	for (i = 0; i < 2 * pairs; i++) {
		if (item_check(out->p + pos, out->len - pos, &len, NULL) != ITEM_OK)
			abort();
		pos += len;
	}
	if (pos != out->len)
		abort();
}

static void save(const struct agg_state *st, struct buf *out)
{
	buf_reset(out);
	if (agg_save(&set, st, out) < 0)
		abort();
}

static int add(struct agg_state *st, const uint8_t *item, size_t len, int64_t time, uint64_t seq)
{
	struct buf v = BUF_INIT;
	struct agg_input in;
	struct error err;
	int rc;

	buf_add(&v, "\xa1\x61x", 3);
	buf_add(&v, item, len);
	agg_input_read(&set, v.p, v.len, time, seq, &in);
	rc = agg_add(&set, st, &in, &mem, &err);
	buf_release(&v);
	return rc;
}

static void load_outside(const uint8_t *data, size_t size)
{
	struct buf s = BUF_INIT, r = BUF_INIT;
	const uint8_t *p = data;
	size_t n = size;
	struct agg_state *st;
	struct error err;

	st = agg_load(&set, &p, &n, &mem, &err);
	if (!st) {
		if (mem != 0)
			abort();
		return;
	}
	save(st, &s);
	if (s.len != size - n || memcmp(s.p, data, s.len) != 0)
		abort();
	results(st, &r);
	add(st, (const uint8_t *)"\x18\x2a", 2, 0, 0);
	add(st, (const uint8_t *)"\xfb\x3f\xe0\x00\x00\x00\x00\x00\x00", 9, 0, 1);
	results(st, &r);
	agg_free(&set, st, &mem);
	if (mem != 0)
		abort();
	buf_release(&s);
	buf_release(&r);
}

static void drive(const uint8_t *data, size_t size)
{
	struct agg_state *st[2], *back;
	struct buf s1 = BUF_INIT, s2 = BUF_INIT, r1 = BUF_INIT, r2 = BUF_INIT;
	struct error err;
	size_t pos = 0, len;
	uint64_t seq = 0;
	const uint8_t *p;
	unsigned budget = 5000;	/* records per input: past both thresholds */
	int failed = 0;

	st[0] = agg_new(&set, &mem);
	st[1] = agg_new(&set, &mem);
	if (!st[0] || !st[1])
		abort();
	while (pos < size && !failed) {
		uint8_t ctl = data[pos++];
		unsigned k, times = 1 + (ctl >> 1 & 0x3f) * (ctl >> 7 ? 100 : 1);
		if (item_check(data + pos, size - pos, &len, NULL) != ITEM_OK ||
		    item_validate(data + pos, len, &err) < 0)
			break;
		for (k = 0; k < times && budget && !failed; k++, budget--)
			failed = add(st[ctl & 1], data + pos, len, (int64_t)(ctl % 7) - 3, seq++) < 0;
		pos += len;
	}
	if (!failed && agg_merge(&set, st[0], st[1], &mem, &err) == 0) {
		save(st[0], &s1);
		p = s1.p;
		len = s1.len;
		back = agg_load(&set, &p, &len, &mem, &err);
		if (!back || len != 0)
			abort();
		save(back, &s2);
		results(st[0], &r1);
		results(back, &r2);
		if (s1.len != s2.len || memcmp(s1.p, s2.p, s1.len) != 0 ||
		    r1.len != r2.len || memcmp(r1.p, r2.p, r1.len) != 0)
			abort();
		agg_free(&set, back, &mem);
	}
	agg_free(&set, st[0], &mem);
	agg_free(&set, st[1], &mem);
	if (mem != 0)
		abort();
	buf_release(&s1);
	buf_release(&s2);
	buf_release(&r1);
	buf_release(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	if (size == 0)
		return 0;
	if (data[0] == 0)
		load_outside(data + 1, size - 1);
	else
		drive(data + 1, size - 1);
	return 0;
}
