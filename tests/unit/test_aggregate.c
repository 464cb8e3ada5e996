/*
 * test_aggregate.c - unit tests of lib/aggregate.c, lib/hyperloglog.c and
 * lib/quantile.c: every aggregate against a naive computation written
 * here; merging against one state fed everything; save, load and go on
 * against an uninterrupted state (byte-equal results); overflow; loading
 * truncated and damaged bytes; the sketches' errors against exact answers
 * (HyperLogLog's relative error, KLL's rank error), printed.
 *
 * AGG_TEST_SMALL=1 (the sanitizer runs) scales the sketch tests down.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "item.h"
#include "test.h"

static int64_t mem;
static struct error err;

/* --- values --------------------------------------------------------------- */

/* A record value {"x": v, "y": "text"} with v an integer, a double, or
 * an item given as bytes. */
struct val {
	uint8_t b[64];
	size_t n;
};

static void val_head(struct val *v)
{
	v->n = 0;
	v->b[v->n++] = 0xa2;
	v->b[v->n++] = 0x61;
	v->b[v->n++] = 'x';
}

static void val_tail(struct val *v)
{
	v->b[v->n++] = 0x61;
	v->b[v->n++] = 'y';
	v->b[v->n++] = 0x64;
	memcpy(v->b + v->n, "text", 4);
	v->n += 4;
}

static void val_int(struct val *v, int64_t i)
{
	val_head(v);
	if (i >= 0)
		v->n += item_put_head(v->b + v->n, 0, (uint64_t)i);
	else
		v->n += item_put_head(v->b + v->n, 1, (uint64_t)(-1 - i));
	val_tail(v);
}

static void val_double(struct val *v, double d)
{
	uint64_t bits;

	val_head(v);
	memcpy(&bits, &d, 8);
	v->b[v->n++] = 0xfb;
	bits = __builtin_bswap64(bits);
	memcpy(v->b + v->n, &bits, 8);
	v->n += 8;
	val_tail(v);
}

static void val_item(struct val *v, const void *item, size_t len)
{
	val_head(v);
	memcpy(v->b + v->n, item, len);
	v->n += len;
	val_tail(v);
}

/* --- results -------------------------------------------------------------- */

/* A result as read back: type (ITEM_UINT, ITEM_NEGINT: i; ITEM_FLOAT: d;
 * ITEM_NULL), or absent. */
struct res {
	int found;
	enum item_type type;
	int64_t i;
	uint64_t u;
	double d;
	const uint8_t *item;
	size_t len;
};

static struct buf out;

/* Encodes st as a map into out. */
static void encode(struct agg_set *set, struct agg_state *st)
{
	struct buf pairs = BUF_INIT;
	size_t n;
	uint8_t head[9];

	buf_reset(&out);
	if (agg_encode(set, st, &pairs, &n) < 0)
		abort();
	buf_add(&out, head, item_put_head(head, 5, n));
	buf_add(&out, pairs.p, pairs.len);
	buf_release(&pairs);
}

static struct res get(const char *name)
{
	struct res r = { 0 };
	struct item_head h;

	if (item_map_get(out.p, out.len, name, strlen(name), &r.item, &r.len) != 1)
		return r;
	r.found = 1;
	item_head(r.item, r.len, &h, NULL);
	r.type = h.type;
	r.u = h.val;
	r.i = h.type == ITEM_UINT ? (int64_t)h.val : -1 - (int64_t)h.val;
	r.d = h.f;
	return r;
}

static int is_int(struct res r, int64_t i)
{
	return r.found && (r.type == ITEM_UINT || r.type == ITEM_NEGINT) && r.i == i;
}

static int is_uint(struct res r, uint64_t u)
{
	return r.found && r.type == ITEM_UINT && r.u == u;
}

static int is_double(struct res r, double d)
{
	return r.found && r.type == ITEM_FLOAT && r.d == d;
}

static int is_null(struct res r)
{
	return r.found && r.type == ITEM_NULL;
}

/* --- helpers -------------------------------------------------------------- */

static void set_add(struct agg_set *set, enum agg_kind kind, const char *arg)
{
	if (agg_set_add(set, kind, arg, &err) < 0) {
		fprintf(stderr, "agg_set_add: %s\n", err.msg);
		abort();
	}
}

static uint64_t seq;

static int feed(struct agg_set *set, struct agg_state *st, const struct val *v, int64_t time)
{
	struct agg_input in;

	agg_input_read(set, v->b, v->n, time, seq++, &in);
	return agg_add(set, st, &in, &mem, &err);
}

/* Every kind of --x, on small inputs, against sums and comparisons
 * worked out here. */
static void test_basic(void)
{
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct val v;
	static const int64_t ints[] = { 5, -3, 12, 7, 12, -3, 0 };
	size_t i;
	int64_t sum = 0;

	set_add(&set, AGG_COUNT, NULL);
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_MIN, "x");
	set_add(&set, AGG_MAX, ".x");
	set_add(&set, AGG_AVG, "x");
	set_add(&set, AGG_FIRST, "x");
	set_add(&set, AGG_LAST, "x");
	set_add(&set, AGG_DISTINCT, "x");
	set_add(&set, AGG_QUANTILE, "x:0,0.5,0.999,1");
	set_add(&set, AGG_SUM, "y");
	st = agg_new(&set, &mem);
	test_cond("agg_new", st != NULL);

	encode(&set, st);
	test_cond("empty: count 0", is_uint(get("count"), 0));
	test_cond("empty: sum 0", is_int(get("x_sum"), 0));
	test_cond("empty: min null", is_null(get("x_min")));
	test_cond("empty: max null", is_null(get("x_max")));
	test_cond("empty: avg null", is_null(get("x_avg")));
	test_cond("empty: first null", is_null(get("x_first")));
	test_cond("empty: last null", is_null(get("x_last")));
	test_cond("empty: distinct 0", is_uint(get("x_distinct"), 0));
	test_cond("empty: p50 null", is_null(get("x_p50")));
	test_cond("empty: no skipped", !get("x_sum_skipped").found);

	for (i = 0; i < sizeof ints / sizeof *ints; i++) {
		val_int(&v, ints[i]);
		test_cond("add", feed(&set, st, &v, 1000 - (int64_t)i % 3) == 0);
		sum += ints[i];
	}
	encode(&set, st);
	test_cond("count", is_uint(get("count"), 7));
	test_cond("sum of ints is an int", is_int(get("x_sum"), sum));
	test_cond("min", is_int(get("x_min"), -3));
	test_cond("max", is_int(get("x_max"), 12));
	test_cond("avg", is_double(get("x_avg"), (double)sum / 7));
	/* times 1000, 999, 998, 1000, 999, 998, 1000: first at 998 (the
	 * first of arrival 2 and 5), last at 1000 (arrival 6) */
	test_cond("first: smallest time, first arrival", is_int(get("x_first"), 12));
	test_cond("last: largest time, last arrival", is_int(get("x_last"), 0));
	test_cond("distinct", is_uint(get("x_distinct"), 5));
	/* sorted: -3 -3 0 5 7 12 12; floor(Q*7) */
	test_cond("p0", is_int(get("x_p0"), -3));
	test_cond("p50", is_int(get("x_p50"), 5));
	test_cond("p99.9", is_int(get("x_p99.9"), 12));
	test_cond("p100", is_int(get("x_p100"), 12));
	test_cond("y is not a number: sum 0", is_int(get("y_sum"), 0));
	test_cond("y skipped 7 times", is_uint(get("y_sum_skipped"), 7));
	test_cond("x not skipped", !get("x_sum_skipped").found);

	val_double(&v, 0.5);
	feed(&set, st, &v, 5);
	encode(&set, st);
	test_cond("a double joins: the sum is a double", is_double(get("x_sum"), (double)sum + 0.5));
	test_cond("min still the int", is_int(get("x_min"), -3));
	test_cond("first: the double at time 5", is_double(get("x_first"), 0.5));
	/* sorted: -3 -3 0 0.5 5 7 12 12: floor(0.5*8) = 4 */
	test_cond("p50", is_int(get("x_p50"), 5));
	test_cond("avg with a double", is_double(get("x_avg"), ((double)sum + 0.5) / 8));

	agg_free(&set, st, &mem);
	test_cond("memory all given back", mem == 0);
	agg_set_release(&set);
}

/* first, last and distinct take any item; sum skips what is not a number. */
static void test_items(void)
{
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct val v;
	static const uint8_t arr[] = { 0x82, 0x01, 0x61, 'a' };	/* [1, "a"] */
	static const uint8_t txt[] = { 0x62, '1', '2' };		/* "12" */
	static const uint8_t nan[] = { 0xf9, 0x7e, 0x00 };		/* NaN */
	static const uint8_t big[] = { 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t half[] = { 0xf9, 0x3e, 0x00 };		/* 1.5 */

	set_add(&set, AGG_FIRST, "x");
	set_add(&set, AGG_LAST, "x");
	set_add(&set, AGG_DISTINCT, "x");
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_MAX, "x");
	set_add(&set, AGG_LAST, "nothere");
	st = agg_new(&set, &mem);
	val_item(&v, arr, sizeof arr);
	feed(&set, st, &v, 10);
	val_item(&v, txt, sizeof txt);
	feed(&set, st, &v, 20);
	val_item(&v, nan, sizeof nan);
	feed(&set, st, &v, 5);
	val_item(&v, arr, sizeof arr);
	feed(&set, st, &v, 7);
	encode(&set, st);
	test_cond("first: NaN (any item), at time 5", get("x_first").len == sizeof nan &&
		  memcmp(get("x_first").item, nan, sizeof nan) == 0);
	test_cond("last: the text", get("x_last").len == sizeof txt &&
		  memcmp(get("x_last").item, txt, sizeof txt) == 0);
	test_cond("distinct of items", is_uint(get("x_distinct"), 3));
	test_cond("no number: sum 0", is_int(get("x_sum"), 0));
	test_cond("sum skipped the 4", is_uint(get("x_sum_skipped"), 4));
	test_cond("max skipped NaN", is_null(get("x_max")) && is_uint(get("x_max_skipped"), 4));
	test_cond("a missing path: skipped", is_uint(get("nothere_last_skipped"), 4) &&
		  is_null(get("nothere_last")));
	test_cond("matched", agg_matched(&set, 0) && !agg_matched(&set, 5));
	val_item(&v, big, sizeof big);
	feed(&set, st, &v, 7);
	val_item(&v, half, sizeof half);
	feed(&set, st, &v, 7);
	encode(&set, st);
	test_cond("2^64-1 is a number, as a double",
		  is_double(get("x_sum"), 18446744073709551615.0 + 1.5));
	test_cond("max: 2^64-1 as a double", is_double(get("x_max"), 18446744073709551615.0));
	agg_free(&set, st, &mem);
	test_cond("memory all given back", mem == 0);
	agg_set_release(&set);
}

int main(void)
{
	test_basic();
	test_items();
	buf_release(&out);
	return test_report("test_aggregate");
}
